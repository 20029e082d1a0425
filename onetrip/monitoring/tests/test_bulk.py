"""Rows written in bulk (onetrip.bulk) read back, and compare in SQL, as Django's own writes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from onetrip.bulk import update_by_pk
from onetrip.monitoring.models import Clock

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _clock(n: int) -> Clock:
    return Clock.objects.create(subject_type="test.thing", subject_id=str(n), purpose="p",
                                limit=5, started_at=datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))


def test_update_by_pk_stores_datetimes_as_django_does():
    first, second = _clock(1), _clock(2)
    due = datetime(2026, 3, 9, 17, 30, tzinfo=SHANGHAI)
    update_by_pk(Clock, [first.pk, second.pk], {
        "next_signal_at": [due, due + timedelta(hours=1)], "signal": ["yellow", "red"],
    })
    first.refresh_from_db()
    assert (first.next_signal_at, first.signal) == (due, "yellow")
    # compared in SQL with the same instant, in another time zone: equal is equal
    at_due = Clock.objects.filter(next_signal_at__lte=due.astimezone(ZoneInfo("UTC")))
    assert list(at_due.values_list("pk", flat=True)) == [first.pk]
    assert Clock.objects.filter(next_signal_at=due + timedelta(hours=1)).get() == second
