"""The service catalogue: items (事项), their materials, packages (套餐) and versions.

Every write goes through services.py, which keeps an immutable snapshot per
version of an item and of a package: a case points to the version it was
made under, so editing the catalogue never changes a running case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.accounts.models import OrgUnit


class ItemKind(models.TextChoices):
    LICENSING = "licensing", _("administrative licensing")
    CONFIRMATION = "confirmation", _("administrative confirmation")
    PAYMENT = "payment", _("administrative payment")
    AWARD = "award", _("administrative award")
    ADJUDICATION = "adjudication", _("administrative adjudication")
    FILING = "filing", _("administrative filing")
    OTHER = "other", _("other administrative power")
    PUBLIC_SERVICE = "public_service", _("public service")


class Handling(models.TextChoices):
    INSTANT = "instant", _("instant")
    COMMITTED = "committed", _("within the committed limit")


class OnlineDepth(models.TextChoices):
    """How far an item can be done online, from least to most."""

    INFO = "info", _("guide online only")
    PRECHECK = "precheck", _("online pre-check")
    APPLY = "apply", _("apply online")
    FULL = "full", _("fully online")


class Delivery(models.TextChoices):
    WINDOW = "window", _("collect at the window")
    POST = "post", _("by post")
    ELECTRONIC = "electronic", _("electronic certificate")


class SpecialProcedure(models.TextChoices):
    """Steps whose time is not counted in the limit (Licensing Law art. 45)."""

    HEARING = "hearing", _("hearing")
    TENDER = "tender", _("tender")
    AUCTION = "auction", _("auction")
    INSPECTION = "inspection", _("inspection")
    TESTING = "testing", _("testing")
    QUARANTINE = "quarantine", _("quarantine")
    APPRAISAL = "appraisal", _("appraisal")
    EXPERT_REVIEW = "expert_review", _("expert review")
    SITE_SURVEY = "site_survey", _("site survey")
    PUBLIC_NOTICE = "public_notice", _("public notice")


class Requirement(models.TextChoices):
    REQUIRED = "required", _("required")
    CONDITIONAL = "conditional", _("only in some cases")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("original")
    COPY = "copy", _("copy")
    BOTH = "original_and_copy", _("original and copy")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("the applicant")
    GOVERNMENT = "government", _("issued by a government department")
    CASE = "case", _("the result of another item")


class PackageCategory(models.TextChoices):
    BUSINESS = "business", _("starting a business")
    PROJECT = "project", _("construction project joint review")


class ServiceItem(models.Model):
    """One handling item (业务办理项): what a case applies for."""

    code = models.CharField(_("item code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("department"), on_delete=models.PROTECT,
        related_name="catalog_items",
    )
    co_units = models.ManyToManyField(
        OrgUnit, verbose_name=_("co-handling units"), blank=True, related_name="co_handled_items"
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    legal_limit = models.PositiveSmallIntegerField(_("legal limit (working days)"))
    committed_limit = models.PositiveSmallIntegerField(_("committed limit (working days)"))
    handling = models.CharField(_("handling"), max_length=16, choices=Handling.choices)
    trips_required = models.PositiveSmallIntegerField(_("trips required"), default=1)
    online_depth = models.CharField(_("online depth"), max_length=16, choices=OnlineDepth.choices)
    charges_fee = models.BooleanField(_("charges a fee"), default=False)
    fee = models.CharField(_("fee"), max_length=200, blank=True)
    fee_basis = models.TextField(_("fee basis"), blank=True)
    delivery_window = models.BooleanField(_("collect at the window"), default=True)
    delivery_post = models.BooleanField(_("by post"), default=False)
    delivery_electronic = models.BooleanField(_("electronic certificate"), default=False)
    result_name = models.CharField(_("result"), max_length=200, blank=True)
    special_procedures = models.JSONField(_("special procedures"), default=list, blank=True)
    approval_on_commitment = models.BooleanField(_("approval on commitment"), default=False)
    application_fields = models.JSONField(_("application fields"), default=list, blank=True)
    green_channel_rules = models.JSONField(_("green-channel rules"), default=list, blank=True)
    window = models.CharField(_("window"), max_length=200, blank=True)
    location = models.CharField(_("address"), max_length=200, blank=True)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = models.CharField(_("enquiry phone"), max_length=64, blank=True)
    is_active = models.BooleanField(_("published"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    # Name, result, department and materials, lower-cased: what the search matches.
    search_text = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(committed_limit__lte=models.F("legal_limit")),
                name="catalog_item_committed_within_legal",
                violation_error_message=_("The committed limit cannot exceed the legal limit."),
            ),
        ]
        indexes = [models.Index(fields=["is_active", "department"], name="catalog_item_dept")]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self) -> str:
        return self.name

    @property
    def is_green_channel(self) -> bool:
        return bool(self.green_channel_rules)

    @property
    def delivery_methods(self) -> list[str]:
        flags = {
            Delivery.WINDOW: self.delivery_window,
            Delivery.POST: self.delivery_post,
            Delivery.ELECTRONIC: self.delivery_electronic,
        }
        return [method.value for method, on in flags.items() if on]

    @property
    def days_saved(self) -> int:
        return self.legal_limit - self.committed_limit


class Material(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=200)
    # The identity of a material across items: a package asks for it once.
    key = models.CharField(_("material key"), max_length=80, db_index=True)
    requirement = models.CharField(
        _("requirement"), max_length=16, choices=Requirement.choices, default=Requirement.REQUIRED
    )
    condition = models.CharField(_("when needed"), max_length=200, blank=True)
    form = models.CharField(_("form"), max_length=20, choices=MaterialForm.choices,
                            default=MaterialForm.ORIGINAL)
    paper_copies = models.PositiveSmallIntegerField(_("paper copies"), default=1)
    source = models.CharField(_("source"), max_length=16, choices=MaterialSource.choices,
                              default=MaterialSource.APPLICANT)
    blank_form = models.CharField(_("blank form"), max_length=200, blank=True)
    sample = models.CharField(_("sample"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["item", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "key"], name="catalog_material_key_per_item")
        ]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.name


class ItemVersion(models.Model):
    """An item as it was at one version: the full record, never changed afterwards."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_item_version_unique")
        ]
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")

    def __str__(self) -> str:
        return f"{self.item.code} v{self.number}"


class Package(models.Model):
    """Several items applied for once (一件事一次办): one form, materials once, in parallel."""

    code = models.SlugField(_("package code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=PackageCategory.choices,
                                default=PackageCategory.BUSINESS)
    description = models.TextField(_("description"), blank=True)
    lead_department = models.ForeignKey(
        OrgUnit, verbose_name=_("lead department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="lead_packages",
    )
    # Typed by the administrator; the figures beside it are always computed.
    committed_limit = models.PositiveSmallIntegerField(_("package committed limit (working days)"))
    items = models.ManyToManyField(ServiceItem, through="PackageMember", related_name="packages")
    is_active = models.BooleanField(_("published"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("package")
        verbose_name_plural = _("packages")

    def __str__(self) -> str:
        return self.name


class PackageMember(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="members")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="memberships")
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["package", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["package", "item"], name="catalog_member_unique")
        ]
        verbose_name = _("package item")
        verbose_name_plural = _("package items")

    def __str__(self) -> str:
        return f"{self.package.code}: {self.item.code}"


class PackageDependency(models.Model):
    """Within a package, `item` waits for `requires` to finish."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="dependencies")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    requires = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["package", "id"]
        constraints = [
            models.UniqueConstraint(fields=["package", "item", "requires"],
                                    name="catalog_dependency_unique"),
            models.CheckConstraint(condition=~models.Q(item=models.F("requires")),
                                   name="catalog_dependency_not_self"),
        ]
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")

    def __str__(self) -> str:
        return f"{self.package.code}: {self.item.code} ← {self.requires.code}"


class PackageVersion(models.Model):
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["package", "number"]
        constraints = [
            models.UniqueConstraint(fields=["package", "number"],
                                    name="catalog_package_version_unique")
        ]
        verbose_name = _("package version")
        verbose_name_plural = _("package versions")

    def __str__(self) -> str:
        return f"{self.package.code} v{self.number}"
