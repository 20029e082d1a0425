"""What runs beside the actions: deemed acceptance after every clock sweep, task
deadlines following their clocks after a calendar change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F, OuterRef, Subquery

from onetrip.monitoring.models import Clock
from onetrip.monitoring.services import (
    register_sweep_hook,
)
from onetrip.workdays.services import register_deadline_recomputer

from ..models import (
    Task,
)
from .intake import (
    deem_overdue_cases_accepted,
)


def _deemed_hook(now: datetime) -> dict[str, int]:
    return {"cases deemed accepted": deem_overdue_cases_accepted(now)}


def follow_recomputed_clocks(calendar: Any = None, years: Any = None) -> int:
    """After a calendar change moved clocks (monitoring recomputes them first), copy
    their deadlines onto the tasks that show them in inboxes."""
    moved = Task.objects.filter(clock__isnull=False).exclude(deadline_at=F("clock__deadline_at"))
    return Task.objects.filter(pk__in=moved.values("pk")).update(
        deadline_at=Subquery(Clock.objects.filter(pk=OuterRef("clock_id")).values("deadline_at"))
    )


def register_hooks() -> None:
    """Called from AppConfig.ready: deemed acceptance runs after every clock sweep; task
    deadlines follow their clocks after a calendar change."""
    register_sweep_hook(_deemed_hook)
    register_deadline_recomputer(follow_recomputed_clocks)
