"""E-monitoring (电子监察): every stored clock, and the signals raised from them.

A clock belongs to a subject (a case, a department task, a ticket stage, a
supervision item) named by its model label and primary key, like audit
chains. Its deadline and the moment each signal falls due are computed once,
when the clock starts, pauses, resumes, is extended or stops (and when the
calendar changes), and stored in indexed columns: the sweep is then an index
range query on `next_signal_at`, never a scan that computes per row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ClockUnit(models.TextChoices):
    WORKDAYS = "workdays", _("working days")
    WORKHOURS = "workhours", _("working hours")


class SignalKind(models.TextChoices):
    NORMAL = "normal", _("normal")
    PREWARNING = "prewarning", _("pre-warning")
    YELLOW = "yellow", _("yellow card")
    RED = "red", _("red card")


SEVERITY = [SignalKind.PREWARNING, SignalKind.YELLOW, SignalKind.RED]


class Clock(models.Model):
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    purpose = models.CharField(_("purpose"), max_length=32)
    label = models.CharField(_("what"), max_length=200, blank=True)
    unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    policy = models.CharField(max_length=32, default="default")

    limit_unit = models.CharField(max_length=16, choices=ClockUnit.choices)
    limit = models.FloatField(_("committed limit"))
    legal_limit = models.FloatField(_("legal limit"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    pauses = models.JSONField(default=list)  # [{"reason", "start", "end"}], ISO datetimes
    extensions = models.JSONField(default=list)  # [{"amount", "reason"}]
    done_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    # Derived, stored, indexed: recomputed by services.refresh on every change.
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    legal_deadline_at = models.DateTimeField(_("legal deadline"), null=True, blank=True)
    provisional = models.BooleanField(default=False)
    prewarning_at = models.DateTimeField(null=True, blank=True)
    yellow_at = models.DateTimeField(null=True, blank=True)
    red_at = models.DateTimeField(null=True, blank=True)
    signal = models.CharField(
        _("signal"), max_length=16, choices=SignalKind.choices, default=SignalKind.NORMAL
    )
    next_signal_at = models.DateTimeField(null=True, blank=True)
    # Moved on by every write; a write that finds it moved since its read
    # retries under lock (services._change).
    revision = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "purpose"], name="clock_subject_purpose"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_signal_at"],
                name="clock_due",
                condition=Q(next_signal_at__isnull=False),
            ),
            models.Index(
                fields=["provisional"], name="clock_provisional", condition=Q(provisional=True)
            ),
        ]
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")

    def __str__(self) -> str:
        return f"{self.label or self.subject_type + ':' + self.subject_id} ({self.purpose})"

    @property
    def is_running(self) -> bool:
        return self.done_at is None

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].get("end") is None


class RaisedSignal(models.Model):
    """One signal raised on one clock: exactly once per (clock, kind).

    Also the notice in the inbox of the unit's handlers and heads: inboxes read
    these rows (scoped by unit), and `NoticeRead` records who has seen one.
    """

    # No index of its own on clock and unit: signal_once_per_clock and
    # signal_unit_raised lead with them, and the sweep writes 10,000 at a time.
    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="raised",
                              db_index=False)
    kind = models.CharField(max_length=16, choices=SignalKind.choices)
    due_at = models.DateTimeField()
    raised_at = models.DateTimeField(db_index=True)
    unit = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clock", "kind"], name="signal_once_per_clock")
        ]
        indexes = [models.Index(fields=["unit", "raised_at"], name="signal_unit_raised")]
        verbose_name = _("raised signal")
        verbose_name_plural = _("raised signals")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.clock}"


class NoticeRead(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    signal = models.ForeignKey(RaisedSignal, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "signal"], name="notice_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.signal_id}"
