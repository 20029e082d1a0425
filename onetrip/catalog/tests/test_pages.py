"""The public pages: open to anyone, in Chinese by default, a fixed number of queries each."""

import pytest
from django.urls import reverse

from onetrip.catalog.models import Package, ServiceItem

pytestmark = pytest.mark.django_db


def test_the_sunshine_list_shows_packages_with_their_figures_and_totals(client, demo_catalog):
    response = client.get(reverse("catalog:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "政务服务事项阳光清单" in html
    assert "开餐饮店一件事" in html and "企业设立登记（公司）" in html
    assert "合计（20个套餐）" in html
    assert ">420<" in html and ">192<" in html  # the seed county's totals, computed


@pytest.mark.parametrize("query", [
    "q=营业执照", "q=餐饮", "department=scjg", "kind=filing", "trips=0", "trips=1",
    "online_depth=full", "packages=1", "q=&department=nope&kind=bad&trips=9", "page=2", "page=x",
])
def test_every_filter_answers(client, demo_catalog, query):
    response = client.get(reverse("catalog:list") + "?" + query)
    assert response.status_code == 200


def test_packages_only_hides_the_items(client, demo_catalog):
    html = client.get(reverse("catalog:list") + "?packages=1").content.decode()
    assert "开餐饮店一件事" in html
    assert 'id="items-heading"' not in html


def test_every_item_and_package_page_answers_to_anyone(client, demo_catalog):
    for code in ServiceItem.objects.values_list("code", flat=True):
        assert client.get(reverse("catalog:item", args=[code])).status_code == 200, code
    for code in Package.objects.values_list("code", flat=True):
        assert client.get(reverse("catalog:package", args=[code])).status_code == 200, code


def test_an_item_guide_shows_what_to_bring_limits_and_where(client, demo_catalog):
    html = client.get(reverse("catalog:item", args=["00013113100101"])).content.decode()
    assert "食品经营许可（新办）" in html
    for text in ("受理条件", "申请材料", "食品经营许可申请书", "法定办结时限", "10个工作日",
                 "5个工作日", "现场勘验", "办理地点和方式", "闽侯县行政服务中心", "设定依据",
                 "开餐饮店一件事"):
        assert text in html, text


def test_the_power_line_guide_explains_its_green_channel(client, demo_catalog):
    item = ServiceItem.objects.get(name__startswith="低压电力接入工程")
    html = client.get(reverse("catalog:item", args=[item.code])).content.decode()
    assert "绿色通道" in html and "零天审批（免审批）" in html
    assert "线路长度 ≤ 200 米" in html and "开挖（占用）面积 ≤ 15 平方米" in html


def test_a_package_page_shows_its_graph_and_figures(client, demo_catalog):
    html = client.get(reverse("catalog:package", args=["canyin"])).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="package-graph"' in html
    assert 'data-figure="one-by-one">25<' in html
    assert 'data-figure="package-limit">8<' in html
    assert "关键路径8天" in html
    assert "由本套餐内“企业设立登记（公司）”办结后直接生成，无需提交。" in html


def test_unpublished_and_unknown_pages_are_not_found(client, demo_catalog):
    ServiceItem.objects.filter(code="00013112700701").update(is_active=False)
    assert client.get(reverse("catalog:item", args=["00013112700701"])).status_code == 404
    assert client.get(reverse("catalog:item", args=["nope"])).status_code == 404
    assert client.get(reverse("catalog:package", args=["nope"])).status_code == 404


def test_the_pages_speak_english_when_asked(client, demo_catalog):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("catalog:package", args=["canyin"])).content.decode()
    assert "Items in this package" in html


def test_pages_use_a_fixed_number_of_queries(client, demo_catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get(reverse("catalog:list"))
    with django_assert_max_num_queries(8):
        client.get(reverse("catalog:item", args=["00013113100101"]))
    with django_assert_max_num_queries(10):
        client.get(reverse("catalog:package", args=["binguan"]))
