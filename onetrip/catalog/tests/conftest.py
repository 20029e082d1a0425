"""Catalogue test fixtures: a tiny hand-made catalogue, and the demo county's (once a module)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from onetrip.accounts.models import UnitKind
from onetrip.accounts.services import upsert_unit
from onetrip.catalog import services


@pytest.fixture(scope="module")
def demo_catalog(django_db_setup, django_db_blocker):
    """The demo county's catalogue, loaded once for the module and rolled back after it.

    Each test still runs in its own (nested) transaction through the `db`
    fixture, so what a test writes is undone before the next one.
    """
    from onetrip.catalog import demo

    with django_db_blocker.unblock(), transaction.atomic():
        demo.seed()
        yield demo
        transaction.set_rollback(True)


def item_record(code: str, **fields: Any) -> dict[str, Any]:
    """A valid item record of department "depta" (see the `units` fixture)."""
    record = {
        "code": code, "name": f"测试事项{code}", "kind": "licensing", "department": "depta",
        "legal_limit": 20, "committed_limit": 5, "trips_required": 1, "online_depth": "apply",
        "result_name": "", "materials": [{"name": "申请书"}, {"name": "营业执照", "form": "copy"}],
    }
    record.update(fields)
    return record


@pytest.fixture
def units(db):
    county = upsert_unit(code="county", name="测试县", kind=UnitKind.COUNTY)
    return {
        code: upsert_unit(code=code, name=name, short_name=name, kind=UnitKind.DEPARTMENT,
                          parent=county)
        for code, name in (("depta", "甲局"), ("deptb", "乙局"), ("deptc", "丙局"))
    }


@pytest.fixture
def make_item(units):
    def make(code: str, **fields: Any):
        return services.save_item(record=item_record(code, **fields)).obj

    return make
