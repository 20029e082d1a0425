"""The append-only, hash-chained event log.

Each object (a case, a ticket, an item, ...) has its own chain: an event
stores the hash of the previous event of the same object, and its own hash
over its canonical form and that previous hash. Work on different objects
therefore never waits on one global "last hash". A periodic seal chains the
last event of every object chain into a global checkpoint, so that deleting
an object's whole history, or the tail of a chain, is caught too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    # Every action writes an event, so every index here costs every action: the
    # chain position and (action, at) serve every reader there is.
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Kept beside the foreign key so the hash never depends on a join.
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object"), max_length=64)
    seq = models.PositiveIntegerField(_("sequence"))
    payload = models.JSONField(_("payload"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One event per position in an object's chain: two writers racing
            # for the same object cannot both append at the same place.
            models.UniqueConstraint(
                fields=["object_type", "object_id", "seq"], name="audit_event_chain_position"
            )
        ]
        indexes = [models.Index(fields=["action", "at"], name="audit_event_action_at")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id}#{self.seq} {self.action}"


class Checkpoint(models.Model):
    """A seal: the hash over every chain head at one moment, chained to the last seal."""

    at = models.DateTimeField(_("when"))
    heads = models.JSONField(_("chain heads"))  # {"type:id": [seq, hash], ...}
    event_count = models.PositiveIntegerField(_("events"))
    # Unique: two seals racing to chain to the same predecessor cannot both land.
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.pk} @ {self.at:%Y-%m-%d %H:%M}"
