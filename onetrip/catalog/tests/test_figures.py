"""A package's computed figures on hand-worked packages: pure Python, no database."""

import pytest

from onetrip.catalog.figures import ItemFacts, compute, material_key, totals
from onetrip.catalog.graph import CycleError

LICENCE = ItemFacts("reg", 1, legal_limit=3, trips_required=0, result_name="营业执照",
                    material_keys=["申请书甲", "法定代表人身份证明", "经营场所使用证明"],
                    name="企业设立登记")
HEALTH = ItemFacts("health", 3, legal_limit=7, trips_required=1, result_name="从业人员健康证明",
                   material_keys=["身份证", "照片"], name="健康证明")
FOOD = ItemFacts("food", 5, legal_limit=10, trips_required=1, result_name="食品经营许可证",
                 material_keys=["申请书乙", "营业执照", "法定代表人身份证明", "经营场所使用证明",
                                "从业人员健康证明"], name="食品经营许可")
SIGN = ItemFacts("sign", 1, legal_limit=3, trips_required=0, result_name="招牌备案回执",
                 material_keys=["申请书丙", "营业执照"], name="门头招牌备案")


def restaurant():
    return compute(
        [LICENCE, HEALTH, FOOD, SIGN],
        [("food", "reg"), ("food", "health"), ("sign", "reg")],
        package_limit=6,
    )


def test_one_by_one_is_the_sum_of_committed_limits():
    figures = restaurant()
    assert figures.one_by_one_days == 1 + 3 + 5 + 1
    assert figures.one_by_one_legal_days == 3 + 7 + 10 + 3


def test_critical_path_follows_the_longest_chain_of_waits():
    figures = restaurant()
    assert figures.critical_path_days == 8  # health 3 → food 5
    assert figures.critical_path.path == ("health", "food")


def test_the_package_limit_is_taken_as_typed_and_shown_beside():
    figures = restaurant()
    assert figures.package_limit == 6
    assert figures.days_saved == 4
    assert figures.days_saved_percent == 40


def test_trips_one_by_one_add_up_and_a_package_needs_its_longest_item():
    figures = restaurant()
    assert figures.trips_one_by_one == 0 + 1 + 1 + 0
    assert figures.trips_package == 1


def test_a_package_of_zero_trip_items_needs_zero_trips():
    figures = compute([LICENCE, SIGN], [("sign", "reg")], package_limit=1)
    assert (figures.trips_one_by_one, figures.trips_package) == (0, 0)


def test_an_item_needing_two_visits_still_needs_two_in_a_package():
    school = ItemFacts("school", 15, trips_required=2)
    figures = compute([LICENCE, school], [], package_limit=10)
    assert figures.trips_package == 2


def test_shared_materials_count_once_and_results_made_inside_not_at_all():
    figures = restaurant()
    # one by one: 3 + 2 + 5 + 2 materials
    assert figures.materials_one_by_one == 12
    # shared: 法定代表人身份证明, 经营场所使用证明 (twice each), 营业执照 (twice);
    # 营业执照 and 从业人员健康证明 are issued inside the package.
    distinct = {"申请书甲", "法定代表人身份证明", "经营场所使用证明", "身份证", "照片", "申请书乙",
                "营业执照", "从业人员健康证明", "申请书丙"}
    assert figures.materials_package == len(distinct) - 2 == 7
    assert figures.produced_inside == {"营业执照", "从业人员健康证明"}


def test_a_material_produced_by_an_item_outside_the_package_is_still_submitted():
    figures = compute([FOOD], [], package_limit=5)
    assert figures.materials_package == 5


def test_a_cycle_is_refused_with_the_items_names():
    with pytest.raises(CycleError, match="食品经营许可 → 企业设立登记 → 食品经营许可|"
                                         "企业设立登记 → 食品经营许可 → 企业设立登记"):
        compute([LICENCE, FOOD], [("food", "reg"), ("reg", "food")], package_limit=5)


def test_totals_add_up_package_by_package():
    both = totals([restaurant(), compute([LICENCE, SIGN], [("sign", "reg")], package_limit=1)])
    assert both.packages == 2
    assert (both.one_by_one_days, both.package_days) == (12, 7)
    assert both.critical_path_days == 8 + 2
    assert (both.trips_one_by_one, both.trips_package) == (2, 1)
    assert (both.materials_one_by_one, both.materials_package) == (12 + 5, 7 + 4)


def test_material_keys_ignore_spaces_brackets_and_width():
    spaced = " 法定代表人 身份证明(复印件)"
    assert material_key("法定代表人身份证明（复印件）") == material_key(spaced)
    assert material_key("营业执照") != material_key("营业执照副本")
