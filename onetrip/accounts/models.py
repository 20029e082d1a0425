"""Users, the organisation tree and who holds which role where."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in: staff of any unit, or an applicant.

    The display name is one field because Chinese names are not split into
    first and last the way Django's default user is.
    """

    display_name = models.CharField(_("name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class UnitKind(models.TextChoices):
    COUNTY = "county", _("county")
    DEPARTMENT = "department", _("department")
    TOWNSHIP = "township", _("township")
    CENTRE = "centre", _("service centre")
    HOTLINE = "hotline", _("12345 hotline")
    OFFICE = "office", _("efficiency office")


class OrgUnit(models.Model):
    """A node of the county's organisation tree.

    The county is the root; departments, townships, service centres, the
    hotline and the efficiency office hang below it (a township's centre below
    its township). `code` is stable and used in URLs, usernames and imports.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Role(models.TextChoices):
    """Roles as in docs/architecture.md; a user holds a role in a unit."""

    ADMIN = "admin", _("administrator")
    APPLICANT = "applicant", _("applicant")
    CLERK = "clerk", _("window clerk")
    HANDLER = "handler", _("department handler")
    HEAD = "head", _("department head")
    OPERATOR = "operator", _("hotline operator")
    OFFICER = "officer", _("efficiency officer")
    LEADER = "leader", _("county leader")


class Membership(models.Model):
    """One role of one user in one unit. A user may have several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A bearer token for programs. Only its SHA-256 is stored.

    A token acts with exactly its user's permissions; revoking it (or
    deactivating the user) stops it at once.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
