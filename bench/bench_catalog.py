"""The catalogue's public pages and API answer in under 100 ms at the median.

Measured through Django's test client on the demo county's catalogue (100
items, 21 packages), seeded into a fresh SQLite database in a temporary
directory (the engine `make run` uses); with ONETRIP_BENCH_CATALOG_PG=1 the
same runs on a PostgreSQL database of its own (bench/django_db.py). The
baseline, measured in the same run with the same client, is /healthz: one
trivial query and a small JSON answer, the floor any page stands on.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from bench.common import Row, print_table

REQUESTS = 60
GOAL_SECONDS = 0.100


def _setup() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    os.environ["ONETRIP_ENV"] = "test"
    os.environ["ONETRIP_DEBUG"] = "false"
    os.environ["ONETRIP_LOG_LEVEL"] = "WARNING"
    if os.environ.get("ONETRIP_BENCH_CATALOG_PG"):
        from bench.django_db import setup

        setup("onetrip_bench_catalog")
        engine = "PostgreSQL"
    else:
        var = tempfile.mkdtemp(prefix="onetrip-bench-catalog-")
        os.environ["ONETRIP_VAR_DIR"] = var
        os.environ["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        engine = "SQLite"
    from django.core.management import call_command
    from django.test.utils import override_settings

    # Demo accounts get a fast hasher: their passwords are not what is measured.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", "--quiet-accounts", verbosity=0, stdout=open(os.devnull, "w"))
    return engine


def _median(client, url: str) -> tuple[float, float]:
    """Median and 90th percentile seconds of REQUESTS GETs, after a warm-up."""
    for _ in range(5):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def run() -> list[Row]:
    engine = _setup()
    from django.test import Client

    from onetrip.catalog.models import ServiceItem

    client = Client()
    food = ServiceItem.objects.get(name="食品经营许可（新办）").code
    baseline, _p90 = _median(client, "/healthz")
    pages = [
        ("sunshine list page", "/catalog/"),
        ("search page 营业执照", "/catalog/?q=营业执照"),
        ("filtered list (市场监管, 零跑动)", "/catalog/?department=scjg&trips=0"),
        ("item guide page", f"/catalog/items/{food}/"),
        ("package page 开餐饮店 (graph)", "/catalog/packages/canyin/"),
        ("package page 选址联审 (8 parallel)", "/catalog/packages/xuanzhi/"),
        ("API list items", "/api/catalog/items"),
        ("API search items 餐饮", "/api/catalog/items?q=餐饮"),
        ("API list packages (figures)", "/api/catalog/packages"),
        ("API get package", "/api/catalog/packages/binguan"),
    ]
    rows = []
    for figure, url in pages:
        median, p90 = _median(client, url)
        rows.append(Row(
            figure=figure, value=median, baseline="/healthz", baseline_value=baseline,
            ratio=baseline / median, goal="median < 100 ms", ok=median < GOAL_SECONDS,
            note=f"p90 {p90 * 1000:.1f} ms, {median / baseline:.0f}x the baseline's median",
        ))
    print_table(f"Catalogue pages and API, median of {REQUESTS} requests through the test client "
                f"({engine}, demo catalogue: {ServiceItem.objects.count()} items)", rows)
    return rows


if __name__ == "__main__":
    run()
