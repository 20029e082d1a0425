"""12345 tickets: the appeal, where it was sent, the replies and their checks.

Rows hold data and values derived from their own fields only. Every change
goes through `services.py`; the state of a ticket moves only by the table in
`states.py`. The timeline is read from the audit events, never kept twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .states import State


class Channel(models.TextChoices):
    PHONE = "phone", pgettext_lazy("hotline", "phone")
    WEB = "web", _("web form")
    MOBILE = "mobile", _("mobile form")
    OPEN311 = "open311", _("Open311")
    WALK_IN = "walkin", _("walk-in")


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("consultation")
    COMPLAINT = "complaint", _("complaint")
    REPORT = "report", _("report")
    SUGGESTION = "suggestion", _("suggestion")
    HELP = "help", _("help request")


class Urgency(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("hotline", "normal")
    URGENT = "urgent", _("urgent")


class RefusalReason(models.TextChoices):
    EMERGENCY = "emergency", _("an emergency for 110/119/120/122")
    COURT = "court", _("before a court, an arbitration or an administrative review")
    SECRET = "secret", _("state secrets or another person's privacy")
    REPEAT = "repeat", _("a repeat with no new facts")
    OUT_OF_SCOPE = "out_of_scope", _("outside the county's jurisdiction")
    OTHER = "other", _("other")


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("very satisfied")
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY = "basically", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")
    VERY_DISSATISFIED = "very_dissatisfied", _("very dissatisfied")


DISSATISFIED = frozenset({Satisfaction.DISSATISFIED, Satisfaction.VERY_DISSATISFIED})


class Category(models.Model):
    """A node of the configurable category tree (first level, second level, ...).

    `path` is the names from the first level down, joined by "/": it is what
    the API and the dispatch model speak. `code` is the Open311 service code.
    `default_unit` is the dispatch catalogue: the unit that usually leads.
    `local` marks matters handled where they happen (属地): the township.
    """

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=64)
    path = models.CharField(_("path"), max_length=255, unique=True)
    code = models.SlugField(_("service code"), max_length=32, unique=True)
    description = models.CharField(
        pgettext_lazy("hotline", "description"), max_length=255, blank=True
    )
    keywords = models.TextField(_("keywords"), blank=True, help_text=_("one per line"))
    default_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("usual lead unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    local = models.BooleanField(_("handled by the township"), default=False)
    sort_order = models.PositiveIntegerField(pgettext_lazy("hotline", "order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "path"]
        verbose_name = pgettext_lazy("hotline", "category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.path

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1

    @property
    def top_name(self) -> str:
        return self.path.split("/", 1)[0]


class ServiceAttribute(models.Model):
    """An extra question of an Open311 service (GeoReport v2 `attributes`)."""

    class Datatype(models.TextChoices):
        STRING = "string", "string"
        NUMBER = "number", "number"
        DATETIME = "datetime", "datetime"
        TEXT = "text", "text"
        SINGLE = "singlevaluelist", "singlevaluelist"
        MULTI = "multivaluelist", "multivaluelist"

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(max_length=32)
    datatype = models.CharField(max_length=16, choices=Datatype.choices)
    required = models.BooleanField(default=False)
    description = models.CharField(max_length=255)
    datatype_description = models.CharField(max_length=255, blank=True)
    order = models.PositiveIntegerField(default=1)
    values = models.JSONField(default=list, blank=True)  # [{"key": ..., "name": ...}]

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="hotline_attribute_code")
        ]

    def __str__(self) -> str:
        return f"{self.category.code}:{self.code}"


class Ticket(models.Model):
    """One appeal to the 12345 hotline (诉求件)."""

    # NULL only inside the registering transaction: the number is made from the
    # primary key, so concurrent registrations never race for a counter row.
    number = models.CharField(  # noqa: DJ001
        _("number"), max_length=20, unique=True, null=True
    )
    query_code = models.CharField(_("query code"), max_length=8)
    status = models.CharField(_("status"), max_length=16, choices=State.choices)
    channel = models.CharField(
        pgettext_lazy("hotline", "channel"), max_length=16, choices=Channel.choices
    )
    kind = models.CharField(pgettext_lazy("hotline", "kind"), max_length=16, choices=Kind.choices)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    convenience = models.BooleanField(_("on the convenience list"), default=False)
    category = models.ForeignKey(
        Category,
        verbose_name=pgettext_lazy("hotline", "category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    title = models.CharField(_("subject"), max_length=120)
    content = models.TextField(_("content"))

    citizen_name = models.CharField(_("name"), max_length=64, blank=True)
    citizen_phone = models.CharField(pgettext_lazy("hotline", "phone"), max_length=20, blank=True)
    citizen_id_number = models.CharField(
        pgettext_lazy("hotline", "ID number"), max_length=18, blank=True
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    confidential = models.BooleanField(_("confidential"), default=False)
    citizen_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hotline_tickets",
    )

    address = models.CharField(pgettext_lazy("hotline", "address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    township = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by the (township, registered_at) index below
    )

    # Indexes cost every registration: none where a county has one value
    # (its hotline), none that a composite index below already leads with,
    # none for deletions that never happen (users and clients are deactivated).
    hotline = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("hotline"), on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    lead_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by the (lead_unit, status) index below
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    registered_at = models.DateTimeField(_("registered"), db_index=True)
    # What the dispatch model suggested, kept to measure dispatch accuracy.
    suggested_category = models.CharField(max_length=255, blank=True)
    suggested_unit = models.CharField(max_length=32, blank=True)

    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    contacted_at = models.DateTimeField(_("citizen contacted"), null=True, blank=True)
    refusal_reason = models.CharField(
        _("refusal reason"), max_length=16, choices=RefusalReason.choices, blank=True
    )
    answer = models.TextField(_("answer"), blank=True)  # direct answer or refusal told
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    solved = models.BooleanField(_("solved"), null=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    external_id = models.CharField(max_length=64, blank=True)  # an Open311 client's id
    open311_client = models.ForeignKey(
        "hotline.Open311Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["status", "registered_at"], name="ticket_status_registered"),
            models.Index(fields=["lead_unit", "status"], name="ticket_lead_status"),
            models.Index(fields=["township", "registered_at"], name="ticket_town_registered"),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in State.terminal()


class Assignment(models.Model):
    """A unit given the ticket: the lead unit (主办) or a co-unit (协办)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead unit")
        CO = "co", _("co-unit")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=Role.choices)
    active = models.BooleanField(default=True)
    dispatched_at = models.DateTimeField()
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["dispatched_at", "id"]
        indexes = [models.Index(fields=["unit", "active"], name="assignment_unit_active")]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(active=True, role="lead"),
                name="assignment_one_active_lead",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.unit} ({self.role})"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.file_id}"


class Reply(models.Model):
    """A unit's answer to the citizen, checked when submitted, reviewed by the hotline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting review")
        ACCEPTED = "accepted", pgettext_lazy("hotline", "accepted")
        SENT_BACK = "sent_back", _("sent back")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    round = models.PositiveSmallIntegerField()
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("reply"))
    fingerprint = models.CharField(max_length=64, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} #{self.round}: {self.text[:30]}"


class ReplyFlag(models.Model):
    class Kind(models.TextChoices):
        IRRELEVANT = "irrelevant", _("irrelevant")
        PERFUNCTORY = "perfunctory", _("perfunctory")
        COPIED = "copied", _("copied")
        INCOMPLETE = "incomplete", _("incomplete")
        LATE = "late", _("late")

    class Status(models.TextChoices):
        OPEN = "open", _("to be decided")
        CONFIRMED = "confirmed", _("confirmed")
        DISMISSED = "dismissed", _("dismissed")

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "status"], name="replyflag_kind_status")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason[:40]}"


class Extension(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", pgettext_lazy("hotline", "approved")
        REFUSED = "refused", pgettext_lazy("hotline", "refused")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    round = models.PositiveSmallIntegerField()
    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(status="pending"), name="extension_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} +{self.days} ({self.status})"


class Reminder(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reminders")
    round = models.PositiveSmallIntegerField()
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    automatic = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "round"],
                condition=Q(automatic=True),
                name="reminder_one_automatic_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.unit_id} @ {self.sent_at:%Y-%m-%d}"


class FollowUp(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="follow_ups")
    round = models.PositiveSmallIntegerField()
    reached = models.BooleanField()
    solved = models.BooleanField(null=True)
    satisfaction = models.CharField(max_length=20, choices=Satisfaction.choices, blank=True)
    addressable = models.BooleanField(default=True)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} #{self.round}: {self.satisfaction or '-'}"


class CitizenMessage(models.Model):
    """The outbox of what the citizen is told (SMS gateway or the lookup page)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    text = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class KnowledgeEntry(models.Model):
    """An answer the operator may give at once to a consultation (知识库)."""

    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    keywords = models.CharField(_("keywords"), max_length=255, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge base")

    def __str__(self) -> str:
        return self.question


class Open311Client(models.Model):
    """An external client allowed to POST service requests; only the key's digest is kept."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311Token(models.Model):
    """The token answered to a POST when the request id is not known yet (GeoReport v2)."""

    token = models.CharField(max_length=40, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token
