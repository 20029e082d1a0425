"""Small display helpers for the hotline's pages."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def due(clock) -> str:
    """A clock's deadline as people read it: the last day for working-day limits
    (the stored instant is 00:00 of the day after), the moment for working hours."""
    if clock is None or clock.deadline_at is None:
        return ""
    if clock.limit_unit == "workhours":
        return f"{timezone.localtime(clock.deadline_at):%m-%d %H:%M}"
    return f"{timezone.localtime(clock.deadline_at - timedelta(seconds=1)):%Y-%m-%d}"
