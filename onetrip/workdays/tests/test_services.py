"""The calendar in Django: the cached current calendar and the audited writes."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from onetrip.audit.models import Event
from onetrip.workdays import services
from onetrip.workdays.calendar import default_calendar
from onetrip.workdays.models import CalendarOverride, CalendarYear

pytestmark = pytest.mark.django_db
TUESDAY = date(2026, 3, 3)


def test_without_overrides_it_answers_like_the_package():
    cal = services.current_calendar()
    assert cal.add_workdays(date(2026, 2, 10), 5) == date(2026, 2, 24)
    assert cal.known_years == default_calendar().known_years


def test_it_is_cached_with_one_cheap_query_and_rebuilt_after_a_change(django_assert_num_queries):
    first = services.current_calendar()
    with django_assert_num_queries(1):
        assert services.current_calendar() is first
    services.save_override(day=TUESDAY, is_workday=False, note="storm", by=None)
    second = services.current_calendar()
    assert second is not first
    assert not second.is_workday(TUESDAY)
    assert services.current_calendar() is second
    services.delete_override(day=TUESDAY, by=None)
    assert services.current_calendar().is_workday(TUESDAY)


def test_a_saved_override_is_audited_and_recomputes_deadlines(county):
    seen = []
    fn = services.register_deadline_recomputer(lambda cal, years: seen.append(years) or 3)
    try:
        services.save_override(day=TUESDAY, is_workday=False, note="storm", by=county.admin)
        services.save_override(day=TUESDAY, is_workday=True, note="storm passed", by=county.admin)
        assert services.delete_override(day=TUESDAY, by=county.admin)
        assert not services.delete_override(day=TUESDAY, by=county.admin)
    finally:
        services.unregister_deadline_recomputer(fn)
    assert seen == [{2026}, {2026}, {2026}]
    events = list(Event.objects.filter(object_type="calendar", object_id="2026"))
    assert [e.action for e in events] == [
        "calendar.override_saved", "calendar.override_saved", "calendar.override_deleted"
    ]
    assert events[1].payload["before"] == {"is_workday": False, "note": "storm"}
    assert events[1].payload["recomputed"] == 3
    assert all(e.actor == county.admin for e in events)


def test_registering_twice_calls_once():
    calls = []

    def fn(cal, years):
        calls.append(years)
        return 1

    services.register_deadline_recomputer(fn)
    services.register_deadline_recomputer(fn)
    try:
        services.set_year(year=2027, complete=True, by=None)
    finally:
        services.unregister_deadline_recomputer(fn)
    assert calls == [{2027}]


def test_a_year_declared_complete_is_no_longer_provisional():
    d = date(2027, 3, 1)
    assert services.current_calendar().is_provisional(d)
    services.set_year(year=2027, complete=True, note="notice loaded", by=None)
    assert not services.current_calendar().is_provisional(d)
    services.set_year(year=2027, complete=False, by=None)
    assert services.current_calendar().is_provisional(d)
    assert services.delete_year(year=2027, by=None)
    assert Event.objects.filter(action="calendar.year_deleted", object_id="2027").exists()


def test_load_overrides_takes_rows_directly():
    result = services.load_overrides(
        [{"date": "2027-10-01", "is_workday": "休", "note": "国庆"},
         {"date": date(2027, 9, 26), "is_workday": True}],
        by=None, source="test",
    )
    assert result.created == [date(2027, 10, 1), date(2027, 9, 26)]
    assert result.complete_years == {2027}
    cal = services.current_calendar()
    assert cal.is_workday(date(2027, 9, 26)) and not cal.is_workday(date(2027, 10, 1))
    with pytest.raises(services.CalendarRowError) as info:
        services.load_overrides([{"date": "2027-10-02", "is_workday": "perhaps"}], by=None)
    assert (info.value.row, info.value.column) == (1, "is_workday")


def test_the_admin_saves_through_the_services(admin_client, admin_user):
    add = reverse("admin:workdays_calendaroverride_add")
    response = admin_client.post(add, {"date": "2026-03-03", "is_workday": "", "note": "storm"})
    assert response.status_code == 302
    override = CalendarOverride.objects.get(date=TUESDAY)
    assert not override.is_workday
    assert not services.current_calendar().is_workday(TUESDAY)
    change = reverse("admin:workdays_calendaroverride_change", args=[override.pk])
    response = admin_client.post(change, {"is_workday": "on", "note": "storm passed"})
    assert response.status_code == 302
    assert services.current_calendar().is_workday(TUESDAY)
    delete = reverse("admin:workdays_calendaroverride_delete", args=[override.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not CalendarOverride.objects.exists()

    response = admin_client.post(
        reverse("admin:workdays_calendaryear_add"), {"year": "2027", "complete": "on", "note": ""}
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).complete
    actions = list(
        Event.objects.filter(object_type="calendar").values_list("action", "actor", "object_id")
    )
    assert actions == [
        ("calendar.override_saved", admin_user.pk, "2026"),
        ("calendar.override_saved", admin_user.pk, "2026"),
        ("calendar.override_deleted", admin_user.pk, "2026"),
        ("calendar.year_saved", admin_user.pk, "2027"),
    ]


def test_the_admin_bulk_delete_is_audited_per_day(admin_client):
    for day in (date(2027, 1, 1), date(2027, 1, 4)):
        services.save_override(day=day, is_workday=False, by=None)
    ids = list(CalendarOverride.objects.values_list("pk", flat=True))
    response = admin_client.post(
        reverse("admin:workdays_calendaroverride_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert Event.objects.filter(action="calendar.override_deleted").count() == 2
