"""Cases (办件) and everything that happens to them: data only.

A case applies for one item or one package; it pins the catalogue versions it
was made under (CaseItem → ItemVersion, Case → PackageVersion), so editing the
catalogue never changes a running case. Each item becomes one review Task for
its department when the case is accepted. Clocks live in `monitoring`
(Case.intake_clock, Case.clock, Task.clock); every clock's subject is the case,
so the case's audit chain holds its whole story, clock events included.

Every write goes through services.py; states and their transitions are
declared in states.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onetrip.catalog.models import Delivery as DeliveryMethod
from onetrip.catalog.models import SpecialProcedure as SpecialProcedureKind

from .states import CaseState, RequestState, TaskKind, TaskState

USER = settings.AUTH_USER_MODEL


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    WINDOW = "window", _("at a service centre window")


class Route(models.TextChoices):
    """How an item is handled, decided at intake (green channel / commitment)."""

    NORMAL = "normal", _("normal review")
    ZERO_DAY = "zero_day", _("approved at once (zero-day)")
    COMMITMENT = "commitment", _("approved on commitment")
    FILING = "filing", _("filing")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("approved")
    PARTLY_APPROVED = "partly_approved", _("partly approved")
    REFUSED = "refused", _("refused")


class SupplementStage(models.TextChoices):
    INTAKE = "intake", _("at intake")
    REVIEW = "review", _("during review")


class VisitPurpose(models.TextChoices):
    APPLY = "apply", _("to apply")
    SUPPLEMENT = "supplement", _("to bring supplements")
    PICKUP = "pickup", _("to collect the results")
    CONSULT = "consult", _("to ask about the case")
    OTHER = "other", _("other")


class RatingLevel(models.IntegerChoices):
    VERY_SATISFIED = 5, _("very satisfied")
    SATISFIED = 4, _("satisfied")
    FAIRLY_SATISFIED = 3, _("fairly satisfied")
    DISSATISFIED = 2, _("dissatisfied")
    VERY_DISSATISFIED = 1, _("very dissatisfied")


class NoticeKind(models.TextChoices):
    RECEIPT = "receipt", _("receipt")
    ACCEPTANCE = "acceptance", _("acceptance notice")
    SUPPLEMENT = "supplement", _("supplement notice")
    NOT_ACCEPTED = "not_accepted", _("notice of non-acceptance")
    SPECIAL_PROCEDURE = "special_procedure", _("special procedure notice")
    EXTENSION = "extension", _("extension notice")
    DECISION = "decision", _("decision notice")


class CertificateKind(models.TextChoices):
    LICENCE = "licence", _("licence or certificate")
    FILING_RECEIPT = "filing_receipt", _("filing receipt")


class Counter(models.Model):
    """A named sequence (case numbers per day, certificate numbers per department and year).

    Incremented by a conditional UPDATE inside the caller's transaction, so two
    writers never get the same value and a rolled-back number is reused.
    """

    key = models.CharField(max_length=64, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class Case(models.Model):
    number = models.CharField(_("case number"), max_length=32, unique=True, null=True, blank=True)
    query_code = models.CharField(_("query code"), max_length=12, blank=True)
    state = models.CharField(
        _("state"), max_length=24, choices=CaseState.choices, default=CaseState.DRAFT
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    title = models.CharField(_("what"), max_length=200)
    package = models.ForeignKey(
        "catalog.Package", verbose_name=_("package"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    package_version = models.ForeignKey(
        "catalog.PackageVersion", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # No index of its own on this and intake_unit: case_applicant and
    # case_unit_state lead with them (every index is written on every update).
    applicant = models.ForeignKey(
        USER, verbose_name=_("applicant account"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="approval_cases", db_index=False,
    )
    applicant_name = models.CharField(_("applicant"), max_length=100)
    applicant_id_number = models.CharField(_("ID or credit code"), max_length=32, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    intake_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("service centre"), on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    registered_by = models.ForeignKey(
        USER, verbose_name=_("registered by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    application = models.JSONField(_("application form"), default=dict, blank=True)
    delivery_method = models.CharField(
        _("delivery"), max_length=16, choices=DeliveryMethod.choices,
        default=DeliveryMethod.ELECTRONIC,
    )
    delivery_address = models.CharField(_("postal address"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    not_accepted_reason = models.TextField(_("reason for not accepting"), blank=True)
    deemed_accepted = models.BooleanField(_("deemed accepted"), default=False)

    created_at = models.DateTimeField(_("created"))
    submitted_at = models.DateTimeField(_("received"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    intake_clock = models.ForeignKey(
        "monitoring.Clock", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    intake_round = models.PositiveSmallIntegerField(default=0)
    # The intake clock's deadline while the case waits for the intake decision:
    # the deemed-acceptance hook reads it from a partial index.
    intake_due_at = models.DateTimeField(null=True, blank=True)
    clock = models.ForeignKey(
        "monitoring.Clock", verbose_name=_("clock"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    trips = models.PositiveSmallIntegerField(_("trips"), default=0)
    # Working days the county leader approved for the joint case (CaseExtensionRequest);
    # the case clock's extension is the larger of this and its tasks' largest extension.
    extension_days = models.PositiveSmallIntegerField(
        _("extension for joint handling (working days)"), default=0)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["intake_unit", "state"], name="case_unit_state"),
            models.Index(fields=["applicant", "-id"], name="case_applicant"),
            models.Index(fields=["state", "-submitted_at"], name="case_state_received"),
            models.Index(
                fields=["intake_due_at"], name="case_intake_due",
                condition=Q(state=CaseState.SUBMITTED),
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.number or _('draft')} {self.title}"

    @property
    def is_package(self) -> bool:
        return self.package_id is not None

    @property
    def needed_more_than_one_trip(self) -> bool:
        return self.trips > 1


class CaseItem(models.Model):
    """One item applied for, pinned to the catalogue version it was applied for under."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    item_version = models.ForeignKey(
        "catalog.ItemVersion", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("item"), max_length=200)
    department = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("department"), on_delete=models.PROTECT,
        related_name="+",
    )
    route = models.CharField(_("route"), max_length=16, choices=Route.choices,
                             default=Route.NORMAL)
    route_label = models.CharField(_("rule applied"), max_length=200, blank=True)
    commitment_signed_at = models.DateTimeField(_("commitment signed"), null=True, blank=True)

    class Meta:
        ordering = ["case", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "item"], name="approvals_caseitem_unique")
        ]
        verbose_name = _("item applied for")
        verbose_name_plural = _("items applied for")

    def __str__(self) -> str:
        return self.name


class Task(models.Model):
    """One department's step in a case: the review of one item, or a follow-up check."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    case_item = models.ForeignKey(CaseItem, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=16, choices=TaskKind.choices,
                            default=TaskKind.REVIEW)
    # No index of its own on this and assignee: task_dept_state, task_inbox
    # and task_assignee_state lead with them.
    department = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("department"), on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    state = models.CharField(_("state"), max_length=24, choices=TaskState.choices)
    route = models.CharField(_("route"), max_length=16, choices=Route.choices,
                             default=Route.NORMAL)
    assignee = models.ForeignKey(
        USER, verbose_name=_("handler"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    waits_for = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="unblocks",
        verbose_name=_("waits for"),
    )
    clock = models.ForeignKey(
        "monitoring.Clock", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A copy of clock.deadline_at (services.common._follow_clock keeps them equal), so
    # that a department's inbox is read in deadline order from one index.
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extension (working days)"), default=0)
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(_("reason or note"), blank=True)

    class Meta:
        ordering = ["case", "id"]
        indexes = [
            models.Index(fields=["department", "state"], name="task_dept_state"),
            models.Index(fields=["assignee", "state"], name="task_assignee_state"),
            # The inbox: a department's active tasks (states.TASK_ACTIVE), soonest first.
            models.Index(
                fields=["department", "deadline_at", "id"], name="task_inbox",
                condition=Q(state__in=["in_review", "pending", "special_procedure",
                                       "supplement"]),
            ),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.case_id}/{self.pk} {self.get_kind_display()} {self.get_state_display()}"


class Certificate(models.Model):
    """A result OneTrip issued: numbered at issue; its PDF is drawn from these fields."""

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CertificateKind.choices,
                            default=CertificateKind.LICENCE)
    title = models.CharField(_("title"), max_length=200)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="certificates")
    task = models.OneToOneField(Task, on_delete=models.PROTECT, related_name="certificate")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    item_version = models.ForeignKey(
        "catalog.ItemVersion", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT,
                                   related_name="+")
    holder = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="approval_certificates")
    holder_name = models.CharField(_("holder"), max_length=100)
    holder_id_number = models.CharField(_("ID or credit code"), max_length=32, blank=True)
    # The material key this result satisfies when a later case asks for it.
    material_key = models.CharField(max_length=80, blank=True, db_index=True)
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return f"{self.title} {self.number}"


class SupplementRequest(models.Model):
    """A single complete notice of everything missing (一次性告知); the clocks wait."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplements")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="supplements")
    stage = models.CharField(_("stage"), max_length=16, choices=SupplementStage.choices)
    state = models.CharField(_("state"), max_length=16, choices=RequestState.choices,
                             default=RequestState.OPEN)
    # [{"key", "name", "reason"}]: every material asked for, each with its reason.
    items = models.JSONField(_("missing materials"), default=list)
    note = models.TextField(_("note"), blank=True)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state=RequestState.OPEN),
                name="approvals_one_open_supplement",
            )
        ]
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")

    def __str__(self) -> str:
        return f"{self.case_id}: {len(self.items)}"

    @property
    def keys(self) -> list[str]:
        return [entry["key"] for entry in self.items]


class CaseMaterial(models.Model):
    """One material of a case: an upload, a reuse of an earlier one, or an issued certificate.

    A later upload for the same key supersedes the earlier one (is_current);
    the history stays.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    key = models.CharField(_("material key"), max_length=80)
    name = models.CharField(_("material"), max_length=200)
    file = models.ForeignKey("files.StoredFile", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    reused_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    certificate = models.ForeignKey(Certificate, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    supplement = models.ForeignKey(SupplementRequest, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="materials")
    provided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    provided_at = models.DateTimeField(_("provided"))
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "key"], condition=Q(is_current=True),
                name="approvals_one_current_material",
            ),
            models.CheckConstraint(
                condition=Q(file__isnull=False) | Q(certificate__isnull=False),
                name="approvals_material_has_content",
            ),
        ]
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        if self.certificate_id:
            return "certificate"
        return "reuse" if self.reused_from_id else "upload"


class SpecialProcedure(models.Model):
    """A hearing, inspection, expert review ...: its time is not counted (Art. 45)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="special_procedures")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="special_procedures")
    kind = models.CharField(_("procedure"), max_length=24, choices=SpecialProcedureKind.choices)
    expected_workdays = models.PositiveSmallIntegerField(_("expected length (working days)"))
    reason = models.TextField(_("reason"))
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"))
    ended_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=Q(ended_at__isnull=True),
                name="approvals_one_open_procedure",
            )
        ]
        verbose_name = _("special procedure")
        verbose_name_plural = _("special procedures")

    def __str__(self) -> str:
        return self.get_kind_display()


class _AskForTime(models.Model):
    """Asked, with a reason; decided (approved or refused) with a note."""

    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=16, choices=RequestState.choices,
                             default=RequestState.OPEN)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["case", "id"]


class ExtensionRequest(_AskForTime):
    """A handler asks, the department head decides; the applicant is told the reason."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="extension_requests")

    class Meta(_AskForTime.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=Q(state=RequestState.OPEN),
                name="approvals_one_open_extension",
            )
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="extension_state")]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"{self.task_id}: +{self.days}"


class CaseExtensionRequest(_AskForTime):
    """More time for a case handled jointly by several departments (Art. 42: +15 working
    days): the head of the lead department asks, the county leader decides, the applicant
    is told the reason.

    Kept apart from ExtensionRequest (a task's +10, decided by the department's head):
    another asker, another decider, no task.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE,
                             related_name="case_extension_requests")

    class Meta(_AskForTime.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state=RequestState.OPEN),
                name="approvals_one_open_case_extension",
            )
        ]
        indexes = [models.Index(fields=["state", "requested_at"],
                                name="case_extension_state")]
        verbose_name = _("case extension request")
        verbose_name_plural = _("case extension requests")

    def __str__(self) -> str:
        return f"{self.case_id}: +{self.days}"


class Notice(models.Model):
    """A written notice to the applicant (a Chinese document): its text as issued."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=24, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """How the case's results reached the applicant (results are delivered together)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="delivery")
    method = models.CharField(_("delivery"), max_length=16, choices=DeliveryMethod.choices)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    address = models.CharField(_("postal address"), max_length=200, blank=True)
    delivered_at = models.DateTimeField(_("delivered"))
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_method_display()}"

    @property
    def counts_a_trip(self) -> bool:
        return self.method == DeliveryMethod.WINDOW


class Visit(models.Model):
    """One in-person visit of the applicant to a centre, recorded by a clerk."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    unit = models.ForeignKey("accounts.OrgUnit", verbose_name=_("service centre"),
                             on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=16, choices=VisitPurpose.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "at", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_purpose_display()}"


class Rating(models.Model):
    """The applicant's rating of the service (好差评), once per case."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rating")
    level = models.PositiveSmallIntegerField(_("rating"), choices=RatingLevel.choices)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"))
    rated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5),
                                   name="approvals_rating_level")
        ]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_level_display()}"
