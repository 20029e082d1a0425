"""Open311 GeoReport v2 conformance, written from the specification, in both formats.

http://wiki.open311.org/GeoReport_v2 : discovery, services, service definitions,
POST/GET requests, a single request, tokens, the error shape, attributes, the
90-day and 1,000-result defaults, and service_request_id overriding filters;
plus FixMyStreet's servicerequestupdates.
"""

import json
import re
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import timezone

from onetrip.api import open311
from onetrip.hotline import services
from onetrip.hotline.models import Open311Client, Ticket

from .conftest import GOOD_REPLY, register

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def parse(response, fmt):
    """The body as Python: JSON as is; XML root → list of item dicts or a dict."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content.decode("utf-8"))
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)
    return root


def xml_items(root):
    return [{child.tag: child for child in item} for item in root]


@pytest.fixture
def key(county, tree):
    client, raw = services.issue_open311_key(name="FixMyStreet 闽侯")
    return raw


@pytest.fixture
def noise(tree):
    from onetrip.hotline.models import ServiceAttribute

    category = tree["环境保护/环境污染"]  # seeded with its `source` and `time_of_day` questions
    ServiceAttribute.objects.create(
        category=category,
        order=9,
        code="decibels",
        datatype="number",
        required=False,
        description="分贝",
    )
    return category


def post(client, fmt, data):
    return client.post(f"/open311/v2/requests.{fmt}", data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_the_v2_endpoint_and_both_formats(client, fmt):
    response = client.get(f"/open311/v2/discovery.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        endpoint = body["endpoints"][0]
        assert W3C.match(body["changeset"]) and W3C.match(endpoint["changeset"])
        assert endpoint["specification"] == open311.SPEC and endpoint["type"] == "production"
        assert endpoint["url"].endswith("/open311/v2/")
        assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    else:
        assert body.tag == "discovery"
        endpoint = body.find("endpoints/endpoint")
        assert endpoint.find("specification").text == open311.SPEC
        assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_a_bare_list_of_the_second_level_categories(client, tree, noise, fmt):
    body = parse(client.get(f"/open311/v2/services.{fmt}"), fmt)
    if fmt == "json":
        assert isinstance(body, list)
        by_code = {s["service_code"]: s for s in body}
        assert set(body[0]) == {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        }
    else:
        assert body.tag == "services" and all(s.tag == "service" for s in body)
        by_code = {s.find("service_code").text: {c.tag: c.text for c in s} for s in body}
    assert len(by_code) == 49  # the seven classes' second-level categories
    pollution = by_code[noise.code]
    assert pollution["group"] == "环境保护" and pollution["service_name"] == "环境污染"
    assert pollution["metadata"] in (True, "true") and pollution["type"] == "realtime"
    other = by_code[tree["城乡建设/村镇建设"].code]
    assert other["metadata"] in (False, "false")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_lists_its_attributes_with_values(client, noise, fmt):
    body = parse(client.get(f"/open311/v2/services/{noise.code}.{fmt}"), fmt)
    if fmt == "json":
        assert body["service_code"] == noise.code
        first = body["attributes"][0]
        assert first["variable"] is True and first["code"] == "source"
        assert first["datatype"] == "singlevaluelist" and first["order"] == 1
        assert {"key": "construction", "name": "施工"} in first["values"]
        assert "values" not in body["attributes"][-1]
    else:
        assert body.tag == "service_definition"
        attribute = body.find("attributes/attribute")
        assert attribute.find("variable").text == "true"
        assert attribute.find("required").text == "false"
        assert attribute.find("values/value/key").text == "construction"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_is_404_in_the_errors_shape(client, tree, fmt):
    response = client.get(f"/open311/v2/services/nope.{fmt}")
    assert response.status_code == 404
    body = parse(response, fmt)
    if fmt == "json":
        assert body == [{"code": 404, "description": "service_code nope not found"}]
    else:
        assert body.tag == "errors" and body.find("error/code").text == "404"


def test_an_unknown_format_is_404(client, tree):
    assert client.get("/open311/v2/services.html").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_with_a_key_registers_a_ticket_and_answers_its_id_and_token(client, key, noise, fmt):
    response = post(
        client,
        fmt,
        {
            "api_key": key,
            "service_code": noise.code,
            "lat": "26.0667",
            "long": "119.1583",
            "address_string": "南屿镇旗山湖小区",
            "description": "工地夜间打桩，噪音太大睡不着",
            "first_name": "建国",
            "last_name": "王",
            "phone": "13800001234",
            "attribute[source]": "construction",
            "attribute[time_of_day][]": ["evening", "night"],
            "attribute[decibels]": "75",
        },
    )
    assert response.status_code == 200, response.content
    body = parse(response, fmt)
    if fmt == "json":
        created = body[0]
    else:
        assert body.tag == "service_requests"
        created = {c.tag: c.text for c in body.find("request")}
    ticket = Ticket.objects.get(number=created["service_request_id"])
    assert ticket.channel == "open311" and ticket.category == noise
    assert ticket.open311_client.name == "FixMyStreet 闽侯"
    assert ticket.citizen_name == "王 建国" and ticket.citizen_phone == "13800001234"
    assert "污染来源：施工" in ticket.content and "傍晚、夜间" in ticket.content
    assert str(ticket.latitude) == "26.066700"
    assert created["token"]
    token = parse(client.get(f"/open311/v2/tokens/{created['token']}.{fmt}"), fmt)
    if fmt == "json":
        assert token == [{"service_request_id": ticket.number, "token": created["token"]}]
    else:
        assert token.find("request/service_request_id").text == ticket.number


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "data, status, says",
    [
        ({}, 403, "api_key"),
        ({"api_key": "o311_wrong"}, 403, "api_key"),
        ({"api_key": "KEY"}, 400, "service_code"),
        ({"api_key": "KEY", "service_code": "nope", "lat": "26", "long": "119"}, 404, "nope"),
        (
            {"api_key": "KEY", "service_code": "NOISE", "description": "噪音扰民严重"},
            400,
            "location",
        ),
        ({"api_key": "KEY", "service_code": "NOISE", "lat": "north", "long": "119"}, 400, "lat"),
        (
            {
                "api_key": "KEY",
                "service_code": "NOISE",
                "lat": "26",
                "long": "119",
                "description": "噪音扰民严重",
                "attribute[source]": "aliens",
            },
            400,
            "source",
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "NOISE",
                "lat": "26",
                "long": "119",
                "description": "噪音扰民严重",
                "attribute[decibels]": "loud",
            },
            400,
            "decibels",
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "NOISE",
                "lat": "26",
                "long": "119",
                "description": "噪音扰民严重",
                "attribute[colour]": "red",
            },
            400,
            "colour",
        ),
        ({"api_key": "KEY", "service_code": "NOISE", "lat": "26", "long": "119"}, 400, "content"),
    ],
)
def test_bad_posts_get_the_errors_shape(client, key, noise, fmt, data, status, says):
    data = {k: (key if v == "KEY" else noise.code if v == "NOISE" else v) for k, v in data.items()}
    response = post(client, fmt, data)
    assert response.status_code == status
    body = parse(response, fmt)
    if fmt == "json":
        assert body[0]["code"] == status and says in body[0]["description"]
    else:
        assert body.find("error/code").text == str(status)
        assert says in body.find("error/description").text
    assert not Ticket.objects.exists()


def test_a_required_attribute_must_be_given(client, key, noise):
    noise.attributes.filter(code="source").update(required=True)
    response = post(
        client,
        "json",
        {
            "api_key": key,
            "service_code": noise.code,
            "address_string": "南屿镇",
            "description": "噪音扰民严重",
        },
    )
    assert response.status_code == 400 and "source" in response.json()[0]["description"]


def test_a_revoked_key_is_refused(client, key, noise):
    services.revoke_open311_key(client=Open311Client.objects.get())
    response = post(
        client,
        "json",
        {
            "api_key": key,
            "service_code": noise.code,
            "address_string": "南屿镇",
            "description": "噪音扰民严重",
        },
    )
    assert response.status_code == 403


def _tickets(county, category, n, *, days_ago=0):
    made = []
    for i in range(n):
        made.append(
            register(
                county,
                content=f"南屿镇旗山湖小区工地夜间施工噪音扰民第{i}次反映，电话13800001234",
                category=category,
                now=timezone.now() - timedelta(days=days_ago, minutes=i),
            )
        )
    return made


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_lists_recent_ones_with_every_field_and_timezones(client, county, noise, fmt):
    ticket = _tickets(county, noise, 1)[0]
    body = parse(client.get(f"/open311/v2/requests.{fmt}"), fmt)
    if fmt == "json":
        row = body[0]
    else:
        assert body.tag == "service_requests"
        row = {c.tag: c.text or "" for c in body.find("request")}
    assert set(row) >= {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    assert row["service_request_id"] == ticket.number and row["status"] == "open"
    assert W3C.match(row["requested_datetime"]) and W3C.match(row["updated_datetime"])
    assert row["requested_datetime"].endswith("+08:00")
    assert "13800001234" not in row["description"] and "138****" in row["description"]
    assert "王建国" not in json.dumps(row, ensure_ascii=False)


def test_get_requests_defaults_to_90_days_and_at_most_1000(client, county, noise, monkeypatch):
    _tickets(county, noise, 2, days_ago=100)
    recent = _tickets(county, noise, 3)
    body = client.get("/open311/v2/requests.json").json()
    assert {r["service_request_id"] for r in body} == {t.number for t in recent}
    old = client.get(
        "/open311/v2/requests.json",
        {
            "start_date": (timezone.now() - timedelta(days=120)).isoformat(),
        },
    ).json()
    assert len(old) == 5
    monkeypatch.setattr(open311, "MAX_RESULTS", 2)
    assert len(client.get("/open311/v2/requests.json").json()) == 2


def test_get_requests_filters_by_code_status_and_dates(client, county, noise, tree):
    noisy = _tickets(county, noise, 2)
    other = register(county, category=tree["城乡建设/村镇建设"], now=timezone.now())
    services.refuse_ticket(ticket=noisy[0], by=county.operator, reason="repeat")
    by_code = client.get("/open311/v2/requests.json", {"service_code": noise.code}).json()
    assert {r["service_request_id"] for r in by_code} == {t.number for t in noisy}
    both = client.get(
        "/open311/v2/requests.json", {"service_code": f"{noise.code},{other.category.code}"}
    ).json()
    assert len(both) == 3
    closed = client.get("/open311/v2/requests.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [noisy[0].number]
    assert closed[0]["status_notes"]
    opened = client.get("/open311/v2/requests.json", {"status": "open"}).json()
    assert noisy[0].number not in {r["service_request_id"] for r in opened}
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert client.get("/open311/v2/requests.json", {"start_date": future}).json() == []
    assert client.get("/open311/v2/requests.json", {"status": "pending"}).status_code == 400
    assert client.get("/open311/v2/requests.json", {"start_date": "yesterday"}).status_code == 400


def test_service_request_id_overrides_every_other_filter(client, county, noise):
    old = _tickets(county, noise, 2, days_ago=200)
    body = client.get(
        "/open311/v2/requests.json",
        {
            "service_request_id": f"{old[0].number},{old[1].number}",
            "service_code": "nope",
            "status": "closed",
            "start_date": timezone.now().isoformat(),
        },
    ).json()
    assert {r["service_request_id"] for r in body} == {t.number for t in old}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_single_request_is_still_a_list_and_unknown_ones_404(client, county, noise, fmt):
    ticket = _tickets(county, noise, 1)[0]
    body = parse(client.get(f"/open311/v2/requests/{ticket.number}.{fmt}"), fmt)
    if fmt == "json":
        assert isinstance(body, list) and body[0]["service_request_id"] == ticket.number
    else:
        assert body.tag == "service_requests" and len(list(body)) == 1
    missing = client.get(f"/open311/v2/requests/999.{fmt}")
    assert missing.status_code == 404
    assert client.get(f"/open311/v2/tokens/nothing.{fmt}").status_code == 404


def test_confidential_tickets_are_not_published(client, county, noise):
    ticket = register(
        county,
        category=noise,
        citizen=services.Citizen(name="王", phone="13800001234", confidential=True),
    )
    assert client.get("/open311/v2/requests.json").json() == []
    assert client.get(f"/open311/v2/requests/{ticket.number}.json").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_servicerequestupdates_follow_status_changes(client, county, key, noise, fmt):
    ticket = _tickets(county, noise, 1)[0]
    services.dispatch_ticket(ticket=ticket, by=county.operator, lead_unit=county.dept_a)
    services.sign_for(ticket=ticket, by=county.handler_a)
    services.record_contact(ticket=ticket, by=county.handler_a)
    reply = services.submit_reply(ticket=ticket, by=county.handler_a, text=GOOD_REPLY)
    services.review_reply(
        reply=reply,
        by=county.operator,
        accept=True,
        flag_decisions={f.pk: False for f in reply.flags.all()},
    )
    assert client.get(f"/open311/v2/servicerequestupdates.{fmt}").status_code == 403
    body = parse(client.get(f"/open311/v2/servicerequestupdates.{fmt}", {"api_key": key}), fmt)
    if fmt == "json":
        rows = body
    else:
        assert body.tag == "service_request_updates"
        rows = [{c.tag: c.text or "" for c in item} for item in body]
    assert [r["status"] for r in rows] == ["OPEN", "INVESTIGATING", "IN_PROGRESS", "FIXED"]
    assert rows[-1]["description"] == GOOD_REPLY
    assert all(W3C.match(r["updated_datetime"]) for r in rows)
    assert len({r["update_id"] for r in rows}) == 4


def test_the_open311_key_command_prints_a_key_that_works(client, noise, capsys):
    call_command("open311_key", "某市民App")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("o311_")
    assert Open311Client.objects.get().name == "某市民App"
    response = post(
        client,
        "json",
        {
            "api_key": raw,
            "service_code": noise.code,
            "address_string": "南屿镇",
            "description": "噪音扰民严重",
        },
    )
    assert response.status_code == 200
