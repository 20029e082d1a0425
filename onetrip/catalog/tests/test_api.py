"""The public catalogue API: the same filters as the list, one error shape, in the OpenAPI."""

import pytest

from onetrip.catalog import selectors

pytestmark = pytest.mark.django_db


def test_items_are_listed_without_login_with_paging(client, demo_catalog):
    body = client.get("/api/catalog/items").json()
    assert body["count"] >= 80
    assert (body["page"], body["pages"]) == (1, 2)
    assert len(body["results"]) == 50
    second = client.get("/api/catalog/items?page=2").json()
    assert len(second["results"]) == body["count"] - 50


def test_item_search_and_filters_match_the_list(client, demo_catalog):
    body = client.get("/api/catalog/items", {"q": "营业执照"}).json()
    names = [r["name"] for r in body["results"][:2]]
    assert names == ["企业设立登记（公司）", "个体工商户设立登记"]
    body = client.get("/api/catalog/items", {"department": "xfj", "trips": "1"}).json()
    assert [r["department"]["code"] for r in body["results"]] == ["xfj"]
    body = client.get("/api/catalog/items", {"kind": "filing", "online_depth": "full"}).json()
    assert body["count"] and all(r["kind"] == "filing" and r["online_depth"] == "full"
                                 for r in body["results"])


def test_one_item_with_its_materials_and_green_channel(client, demo_catalog):
    code = "00011702700101"
    body = client.get(f"/api/catalog/items/{code}").json()
    assert body["name"].startswith("低压电力接入工程")
    assert body["green_channel"] is True
    assert [f["name"] for f in body["application_fields"]] == ["length_m", "digging", "dig_area_m2"]
    assert body["green_channel_rules"][0]["outcome"] == "zero_day"
    assert body["materials"][0]["name"] == "电力接入工程占用挖掘道路申请表"
    assert body["version"] == 1


def test_packages_come_with_their_computed_figures(client, demo_catalog):
    body = client.get("/api/catalog/packages").json()
    assert body["count"] == 21
    canyin = next(p for p in body["results"] if p["code"] == "canyin")
    expected = selectors.package_by_code("canyin").figures
    assert canyin["figures"]["one_by_one_days"] == expected.one_by_one_days == 25
    assert canyin["figures"]["critical_path_days"] == 8
    assert canyin["figures"]["package_limit"] == 8
    found = client.get("/api/catalog/packages", {"q": "餐饮"}).json()["results"]
    assert found[0]["code"] == "canyin"
    assert client.get("/api/catalog/packages", {"trips": "0"}).json()["count"] == 2


def test_one_package_with_items_dependencies_and_shared_materials(client, demo_catalog):
    body = client.get("/api/catalog/packages/xuanzhi").json()
    assert body["category"] == "project"
    assert len(body["items"]) == 8 and body["dependencies"] == []
    assert body["figures"]["package_limit"] == 7
    shared = next(m for m in body["materials"] if m["name"] == "项目建议书或可行性研究报告")
    assert len(shared["items"]) == 8
    canyin = client.get("/api/catalog/packages/canyin").json()
    licence = next(m for m in canyin["materials"] if m["key"] == "营业执照")
    assert licence["produced_by"] == "00013112700401"


def test_unknown_codes_answer_404_in_the_api_error_shape(client, demo_catalog):
    for url in ("/api/catalog/items/nope", "/api/catalog/packages/nope"):
        response = client.get(url)
        assert response.status_code == 404
        body = response.json()
        assert set(body) == {"detail", "errors"}
        assert body["errors"][0]["code"] == "not_found"


def test_bad_filters_answer_422_naming_the_field(client, demo_catalog):
    response = client.get("/api/catalog/items", {"trips": "5"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "trips"


def test_the_catalogue_is_in_the_openapi_document_without_auth(client, db):
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/catalog/items", "/api/catalog/items/{code}", "/api/catalog/packages",
                 "/api/catalog/packages/{code}"):
        operation = schema["paths"][path]["get"]
        assert not operation.get("security"), path
