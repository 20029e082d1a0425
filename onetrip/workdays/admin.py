"""The calendar in the admin: every save and delete goes through the services, so
each change is audited, moves the calendar's version and recomputes deadlines."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from . import services
from .models import CalendarOverride, CalendarYear


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note", "updated")
    list_filter = ("is_workday",)
    search_fields = ("note",)
    date_hierarchy = "date"
    readonly_fields = ("created", "updated")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        # A day is the override's identity: to move one, delete it and add another.
        return (("date",) if obj is not None else ()) + tuple(self.readonly_fields)

    def save_model(self, request: Any, obj: CalendarOverride, form: Any, change: bool) -> None:
        saved = services.save_override(
            day=obj.date, is_workday=obj.is_workday, note=obj.note, by=request.user
        )
        obj.pk, obj.created, obj.updated = saved.pk, saved.created, saved.updated

    def delete_model(self, request: Any, obj: CalendarOverride) -> None:
        services.delete_override(day=obj.date, by=request.user)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for day in list(queryset.values_list("date", flat=True)):
            services.delete_override(day=day, by=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "complete", "note", "updated")
    list_filter = ("complete",)
    readonly_fields = ("created", "updated")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        return (("year",) if obj is not None else ()) + tuple(self.readonly_fields)

    def save_model(self, request: Any, obj: CalendarYear, form: Any, change: bool) -> None:
        saved = services.set_year(
            year=obj.year, complete=obj.complete, note=obj.note, by=request.user
        )
        obj.pk, obj.created, obj.updated = saved.pk, saved.created, saved.updated

    def delete_model(self, request: Any, obj: CalendarYear) -> None:
        services.delete_year(year=obj.year, by=request.user)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for year in list(queryset.values_list("year", flat=True)):
            services.delete_year(year=year, by=request.user)
