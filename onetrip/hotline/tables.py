"""Small tables registration reads on every call, loaded once per process.

The Open311 services (second-level categories with their attributes) and the
townships by code. A registration used to read them (three queries) on every
request; they change a few times a year.

A change is seen at once in the process that makes it and within a moment in
every other: saving or deleting a Category, ServiceAttribute or OrgUnit (the
admin, `upsert_category`, `upsert_unit`, the seed all do) touches a stamp
file in `ONETRIP_VAR_DIR`, which every process compares (one `stat`) before
using its copy. Bulk writes send no signals; so a copy is also never older
than MAX_AGE seconds.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from onetrip.accounts.models import OrgUnit, UnitKind

from .models import Category, ServiceAttribute

MAX_AGE = 60.0


@dataclass(frozen=True)
class _Tables:
    stamp: tuple[int, int]
    loaded_at: float
    services: dict[str, Category]
    townships: dict[str, OrgUnit]


_loaded: _Tables | None = None


def _stamp_path() -> Path:
    return Path(settings.VAR_DIR) / "hotline-tables.stamp"


def _stamp() -> tuple[int, int]:
    try:
        found = _stamp_path().stat()
    except OSError:
        return (0, 0)
    return (found.st_mtime_ns, found.st_ino)


def changed(**_kwargs: Any) -> None:
    """Forget this process's copy and tell the others (a signal receiver)."""
    global _loaded
    _loaded = None
    path = _stamp_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        os.utime(path, ns=(time.time_ns(), time.time_ns()))
    except OSError:
        pass  # a read-only VAR_DIR: the other processes catch up within MAX_AGE


def _tables() -> _Tables:
    global _loaded
    stamp = _stamp()
    now = time.monotonic()
    current = _loaded
    if current is not None and current.stamp == stamp and now - current.loaded_at < MAX_AGE:
        return current
    services = {
        c.code: c
        for c in Category.objects.filter(is_active=True, parent__isnull=False).prefetch_related(
            "attributes"
        )
    }
    townships = {u.code: u for u in OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP)}
    _loaded = _Tables(stamp=stamp, loaded_at=now, services=services, townships=townships)
    return _loaded


def open311_service(code: str) -> Category | None:
    """The active second-level category with this service code, its attributes loaded."""
    return _tables().services.get(code)


def township(code: str) -> OrgUnit | None:
    return _tables().townships.get(code)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    for model in (Category, ServiceAttribute, OrgUnit):
        post_save.connect(changed, sender=model, dispatch_uid=f"hotline-tables-save-{model}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"hotline-tables-del-{model}")
