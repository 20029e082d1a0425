"""Searching the sunshine list in Chinese, and its filters."""

import pytest

from onetrip.catalog.search import terms
from onetrip.catalog.selectors import Filters, find_items, find_packages

pytestmark = pytest.mark.django_db


def item_names(**filters):
    return [item.name for item in find_items(Filters(**filters))]


def package_codes(**filters):
    return [view.package.code for view in find_packages(Filters(**filters))]


def test_business_licence_finds_the_registration_items_first(demo_catalog):
    found = item_names(q="营业执照")
    assert found[:2] == ["企业设立登记（公司）", "个体工商户设立登记"]
    # items that merely ask for a licence are not what a search for it means
    assert "食品经营许可（新办）" not in found


def test_catering_finds_the_restaurant_package(demo_catalog):
    assert package_codes(q="餐饮")[0] == "canyin"
    assert package_codes(q="我要开一家饭店")[0] == "canyin"


def test_a_question_in_plain_words_finds_what_it_asks_about(demo_catalog):
    assert package_codes(q="开宾馆需要什么材料") == ["binguan"]
    assert item_names(q="开宾馆需要什么材料") == ["旅馆业特种行业许可证核发"]
    assert package_codes(q="KTV") == ["ktv"]


def test_words_found_only_in_materials_still_find_items(demo_catalog):
    found = item_names(q="林权证")
    assert found == ["林木采伐许可证核发"]


def test_rows_matching_every_word_come_alone(demo_catalog):
    found = item_names(q="食品 许可")
    assert found == ["食品经营许可（新办）"]


def test_when_no_row_has_every_word_the_closest_are_shown(demo_catalog):
    found = item_names(q="消防 火箭")
    assert "公众聚集场所投入使用、营业前消防安全检查" in found
    assert item_names(q="zzzz") == []


def test_the_query_is_cut_by_jieba_and_keeps_synonyms():
    [hotel] = terms("开酒店")
    assert hotel.word == "酒店" and "宾馆" in hotel.alternatives
    assert [t.word for t in terms("营业执照办理")] == ["营业执照"]
    assert terms("   ") == []


def test_filter_by_department_includes_co_handled_items(demo_catalog):
    names = item_names(department="cgj")
    assert "门头招牌设置备案" in names
    assert "临时占用、挖掘城市道路审批" in names  # 住建 decides, 城管 co-handles
    assert all("消防" not in name for name in names)


def test_filter_by_kind_trips_and_online_depth(demo_catalog):
    filings = find_items(Filters(kind="filing"))
    assert filings and all(i.kind == "filing" for i in filings)
    zero = find_items(Filters(trips="0"))
    assert zero and all(i.trips_required == 0 for i in zero)
    at_most_one = find_items(Filters(trips="1"))
    assert len(at_most_one) > len(zero) and all(i.trips_required <= 1 for i in at_most_one)
    full = find_items(Filters(online_depth="full"))
    assert full and all(i.online_depth == "full" for i in full)


def test_package_filters_use_their_items_and_their_own_trips(demo_catalog):
    assert package_codes(trips="0") == ["qykb", "shudian"]
    by_school = package_codes(department="jyj")
    assert set(by_school) == {"youeryuan", "peixun"}
    assert "xuanzhi" in package_codes(department="wwj")


def test_bad_filter_values_are_ignored():
    params = {"kind": "nonsense", "trips": "7", "q": "  餐饮 ", "packages": "1"}
    filters = Filters.from_params(params)
    assert (filters.kind, filters.trips, filters.q, filters.packages_only) == ("", "", "餐饮", True)
