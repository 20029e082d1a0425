"""The demo county's catalogue: realistic, and its figures where the seed county's were."""

import pytest

from onetrip.audit.models import Event
from onetrip.catalog import selectors
from onetrip.catalog.green_channel import evaluate
from onetrip.catalog.models import Package, PackageCategory, ServiceItem

pytestmark = pytest.mark.django_db


def test_the_demo_has_enough_items_and_departments(demo_catalog):
    assert ServiceItem.objects.filter(is_active=True).count() >= 80
    departments = ServiceItem.objects.values("department").distinct().count()
    assert departments >= 10
    for code in ("scjg", "wsjk", "zjj", "zrzy", "jtys", "sthj", "wlj", "gaj", "xfj", "gdgs"):
        assert ServiceItem.objects.filter(department__code=code).exists(), code


def test_twenty_business_packages_land_in_the_seed_countys_range(demo_catalog):
    views = selectors.all_package_views()
    business = [v for v in views if v.package.category == PackageCategory.BUSINESS]
    assert len(business) == 20
    [totals] = [t.totals for t in selectors.totals_by_category(business)]
    # The seed county's figures were 420 → 192 working days.
    assert 380 <= totals.one_by_one_days <= 460
    assert 170 <= totals.package_days <= 210
    assert totals.materials_package < totals.materials_one_by_one
    assert totals.trips_package < totals.trips_one_by_one
    names = {v.package.name for v in business}
    for wanted in ("开餐饮店一件事", "开便利店一件事", "开药店一件事", "开理发店一件事",
                   "开宾馆一件事", "开网吧一件事", "开办民办幼儿园一件事"):
        assert wanted in names
    assert all(v.dependencies for v in business)  # each with its dependency graph


def test_the_site_selection_review_runs_eight_departments_in_parallel(demo_catalog):
    view = selectors.package_by_code("xuanzhi")
    assert view.package.category == PackageCategory.PROJECT
    assert view.dependencies == []
    departments = {item.department.code for item in view.items}
    assert departments == {"zrzy", "sthj", "lyj", "slj", "wwj", "nync", "zjj", "fgj"}
    assert 55 <= view.figures.one_by_one_days <= 65
    assert view.figures.package_limit == 7
    assert view.figures.critical_path_days == max(i.committed_limit for i in view.items)


def test_the_power_line_item_carries_its_green_channel_rule(demo_catalog):
    item = ServiceItem.objects.get(name__startswith="低压电力接入工程")
    assert item.is_green_channel and item.approval_on_commitment
    snapshot = selectors.current_version(item).snapshot
    assert evaluate(snapshot["green_channel_rules"], {"length_m": 150, "digging": False}).outcome \
        == "zero_day"


def test_every_package_has_a_valid_graph_and_a_limit_no_longer_than_one_by_one(demo_catalog):
    for view in selectors.all_package_views():
        assert view.figures.package_limit <= view.figures.one_by_one_days, view.package.code
        assert view.figures.critical_path_days <= view.figures.one_by_one_days


def test_seeding_again_changes_nothing(demo_catalog):
    events, versions = Event.objects.count(), Package.objects.values_list("version", flat=True)
    before = list(versions)
    assert demo_catalog.seed() == {"items_unchanged": ServiceItem.objects.count(),
                                   "packages_unchanged": Package.objects.count()}
    assert Event.objects.count() == events
    assert list(Package.objects.values_list("version", flat=True)) == before
