"""Two sweeps at once on PostgreSQL: every signal raised exactly once, no errors."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from onetrip.monitoring import services
from onetrip.monitoring.models import RaisedSignal
from onetrip.testing import make_county

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_raise_each_signal_once():
    county = make_county()
    with transaction.atomic():
        for i in range(300):
            services.start_clock(
                subject=county.dept_a,
                purpose=f"p{i}",
                limit=1,
                legal_limit=2,
                start=datetime(2026, 3, 2, 10, tzinfo=SH),
                responsible_unit=county.dept_a,
            )
    now = datetime(2026, 4, 1, tzinfo=SH)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(services.sweep(now=now, batch_size=50).total)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(results) == 900
    assert RaisedSignal.objects.count() == 900
