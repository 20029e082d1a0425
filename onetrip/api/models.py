"""What the API itself stores: the responses of requests sent with an Idempotency-Key.

A client that retries a POST (a lost answer, a timeout) sends the same
`Idempotency-Key`; the first response is replayed instead of acting twice.
Keys belong to the user who sent them and replay for a day
(`ONETRIP_IDEMPOTENCY_HOURS`); the `created_at` index serves both the expiry
check and the batched purge (`api.idempotency.purge`, cron
`purge_idempotency_keys`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=400)
    # SHA-256 of the method, the path and the body (JSON compared by meaning).
    fingerprint = models.CharField(max_length=64)
    # None while the first request is still running.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_once"),
        ]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created")]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
