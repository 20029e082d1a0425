"""Uploaded files (materials, attachments), stored outside the web root.

A file is stored once per content (named by its SHA-256) and referenced by
the cases and tickets that use it; the owning app decides who may download
it and serves it through `files.services.file_response`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(_("type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    original_name = models.CharField(_("file name"), max_length=255)
    path = models.CharField(max_length=200)  # relative to MEDIA_ROOT
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.original_name
