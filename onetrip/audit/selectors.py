"""Reading the audit log: timelines are read from events, never kept twice."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from .models import Event
from .services import object_key


def events_for(obj: models.Model) -> QuerySet[Event]:
    object_type, object_id = object_key(obj)
    return Event.objects.filter(object_type=object_type, object_id=object_id).order_by("seq")
