"""Saving items and packages: rules enforced, one version and one audit event per change."""

import pytest
from django.db import IntegrityError, transaction

from onetrip.audit.models import Event
from onetrip.audit.selectors import events_for
from onetrip.catalog import selectors, services
from onetrip.catalog.models import ItemVersion, Package, PackageVersion, ServiceItem
from onetrip.errors import ValidationFailed

from .conftest import item_record

pytestmark = pytest.mark.django_db


def test_creating_an_item_writes_version_one_and_an_event(units, county):
    saved = services.save_item(record=item_record("A1"), by=county.admin)
    item = saved.obj
    assert saved.outcome == services.CREATED
    assert item.version == 1
    version = selectors.current_version(item)
    assert version.number == 1
    assert version.snapshot["committed_limit"] == 5
    assert version.created_by == county.admin
    [event] = events_for(item)
    assert event.action == "catalog.item_created"
    assert event.actor == county.admin
    assert event.payload == {"code": "A1", "version": 1, "changed": []}


def test_editing_an_item_keeps_the_old_version_as_it_was(make_item):
    item = make_item("A1")
    saved = services.save_item(record=item_record("A1", committed_limit=3, name="改名后"))
    assert saved.outcome == services.UPDATED
    assert set(saved.changed) == {"committed_limit", "name"}
    item.refresh_from_db()
    assert item.version == 2
    first, second = ItemVersion.objects.filter(item=item).order_by("number")
    assert first.snapshot["committed_limit"] == 5 and first.snapshot["name"] == "测试事项A1"
    assert second.snapshot["committed_limit"] == 3
    assert selectors.current_version(item) == second
    assert selectors.item_version("A1", 1) == first
    assert [e.action for e in events_for(item)] == ["catalog.item_created", "catalog.item_updated"]
    assert events_for(item).last().payload["changed"] == ["name", "committed_limit"]


def test_saving_the_same_record_again_changes_nothing(make_item):
    item = make_item("A1")
    before = Event.objects.count()
    saved = services.save_item(record=item_record("A1"))
    assert saved.outcome == services.UNCHANGED
    item.refresh_from_db()
    assert item.version == 1
    assert Event.objects.count() == before


def test_the_committed_limit_may_not_exceed_the_legal_limit(units):
    with pytest.raises(ValidationFailed) as caught:
        services.save_item(record=item_record("A1", legal_limit=10, committed_limit=12))
    [error] = caught.value.errors
    assert error.field == "committed_limit"
    assert "12" in error.reason and "10" in error.reason
    assert not ServiceItem.objects.exists()


def test_the_database_refuses_a_committed_limit_above_the_legal_one_too(make_item):
    item = make_item("A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.filter(pk=item.pk).update(committed_limit=30)


def test_every_broken_rule_is_listed_at_once(units):
    record = item_record("bad code!", department="nowhere", kind="permit", trips_required=-1,
                         delivery_methods=[], charges_fee=True,
                         materials=[{"name": "申请书"}, {"name": "申请 书"}])
    with pytest.raises(ValidationFailed) as caught:
        services.save_item(record=record)
    fields = {e.field for e in caught.value.errors}
    assert {"code", "department", "kind", "trips_required", "delivery_methods", "fee",
            "materials.2.key"} <= fields


def test_material_keys_are_derived_from_names(make_item):
    item = make_item("A1", materials=[{"name": "法定代表人身份证明（复印件）"}])
    assert item.materials.get().key == "法定代表人身份证明复印件"


def test_withdrawing_an_item_is_a_new_version(make_item):
    item = make_item("A1")
    services.set_item_published(item=item, published=False)
    item.refresh_from_db()
    assert (item.is_active, item.version) == (False, 2)
    assert not selectors.published_items().filter(pk=item.pk).exists()


def package_record(code="p1", **fields):
    record = {"code": code, "name": "测试套餐", "lead_department": "depta", "committed_limit": 4,
              "items": ["A", "B", "C"], "dependencies": [{"item": "B", "requires": "A"}]}
    record.update(fields)
    return record


@pytest.fixture
def abc(make_item):
    return [make_item(code, committed_limit=days)
            for code, days in (("A", 1), ("B", 5), ("C", 3))]


def test_creating_a_package_writes_a_version_pinning_its_items(abc, county):
    saved = services.save_package(record=package_record(), by=county.admin)
    package = saved.obj
    assert (saved.outcome, package.version) == (services.CREATED, 1)
    version = PackageVersion.objects.get(package=package)
    assert version.snapshot["items"] == ["A", "B", "C"]
    assert version.snapshot["item_versions"] == {"A": 1, "B": 1, "C": 1}
    assert [e.action for e in events_for(package)] == ["catalog.package_created"]
    view = selectors.package_by_code("p1")
    assert view.figures.critical_path_days == 6  # A 1 → B 5
    assert view.figures.one_by_one_days == 9


def test_a_dependency_cycle_is_refused_naming_the_items(abc):
    deps = [{"item": "B", "requires": "A"}, {"item": "C", "requires": "B"},
            {"item": "A", "requires": "C"}]
    with pytest.raises(ValidationFailed) as caught:
        services.save_package(record=package_record(dependencies=deps))
    [error] = caught.value.errors
    assert error.field == "dependencies.3"  # the dependency that closes the circle
    assert "测试事项A（A）" in error.reason and "测试事项C（C）" in error.reason
    assert "→" in error.reason
    assert not Package.objects.exists()


def test_a_dependency_must_join_two_items_of_the_package(abc, make_item):
    make_item("D")
    with pytest.raises(ValidationFailed) as caught:
        services.save_package(record=package_record(
            dependencies=[{"item": "B", "requires": "D"}, {"item": "C", "requires": "C"}]))
    assert [e.field for e in caught.value.errors] == ["dependencies.1", "dependencies.2"]


def test_unknown_items_are_refused(abc):
    with pytest.raises(ValidationFailed) as caught:
        services.save_package(record=package_record(items=["A", "Z"], dependencies=[]))
    assert caught.value.errors[0].field == "items.2"


def test_editing_a_package_makes_a_new_version(abc):
    services.save_package(record=package_record())
    saved = services.save_package(record=package_record(committed_limit=3, dependencies=[]))
    assert saved.outcome == services.UPDATED
    assert set(saved.changed) == {"committed_limit", "dependencies"}
    assert saved.obj.version == 2
    assert selectors.package_by_code("p1").figures.critical_path_days == 5
    assert services.save_package(record=package_record(committed_limit=3, dependencies=[])
                                 ).outcome == services.UNCHANGED


def test_renaming_an_item_keeps_its_packages_findable_by_the_new_name(abc):
    services.save_package(record=package_record())
    services.save_item(record=item_record("B", committed_limit=5, name="烟草专卖零售许可"))
    found = selectors.find_packages(selectors.Filters(q="烟草"))
    assert [v.package.code for v in found] == ["p1"]
