"""The hotline JSON API: suggestions, reply checks, tickets and their transitions."""

import pytest

from onetrip.accounts.services import issue_api_token
from onetrip.hotline import dispatch
from onetrip.hotline.models import Ticket

from .conftest import GOOD_REPLY, PERFUNCTORY_REPLY, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_model(tmp_path, monkeypatch):
    monkeypatch.setenv("ONETRIP_DISPATCH_MODEL", str(tmp_path / "none.pkl"))
    dispatch.forget_model()


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user=user)}"}


def post(client, url, data, user):
    return client.post(url, data, content_type="application/json", **bearer(user))


def test_suggest_answers_the_documented_shape(client, county, tree):
    response = post(
        client,
        "/api/hotline/suggest",
        {"content": "小区物业服务很差，开发商逾期交房也不给说法"},
        county.operator,
    )
    assert response.status_code == 200
    first = response.json()["suggestions"][0]
    assert set(first) == {"category", "unit", "unit_name", "confidence"}
    assert first["category"] == "城乡建设/住房保障与房地产" and first["unit"] == "depta"
    assert 0 < first["confidence"] <= 1


def test_suggest_needs_a_login_and_content(client, county, tree):
    assert (
        client.post(
            "/api/hotline/suggest", {"content": "x"}, content_type="application/json"
        ).status_code
        == 401
    )
    response = post(client, "/api/hotline/suggest", {"content": ""}, county.operator)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "content"


def test_check_reply_flags_a_perfunctory_reply_and_passes_a_good_one(client, county):
    appeal = "幸福小区3号楼电梯一个月坏了四次，物业只是简单重启，请求督促物业彻底维修。"
    bad = post(
        client,
        "/api/hotline/check-reply",
        {"appeal": appeal, "reply": PERFUNCTORY_REPLY},
        county.handler_a,
    ).json()
    assert {f["kind"] for f in bad["flags"]} == {"perfunctory", "incomplete"}
    assert all(f["reason"] for f in bad["flags"])
    good = post(
        client,
        "/api/hotline/check-reply",
        {"appeal": appeal, "reply": GOOD_REPLY},
        county.handler_a,
    ).json()
    assert good == {"flags": []}
    missing = post(client, "/api/hotline/check-reply", {"appeal": appeal}, county.handler_a)
    assert missing.status_code == 422


def test_an_operator_registers_and_dispatches_and_the_unit_signs_through_the_api(
    client, county, tree
):
    created = post(
        client,
        "/api/hotline/tickets",
        {
            "kind": "complaint",
            "content": "幸福小区的物业公司只收钱不干活，电梯坏了也不修。",
            "citizen_name": "王建国",
            "citizen_phone": "13800001234",
            "township": "town",
            "suggested_category": "城乡建设/住房保障与房地产",
            "suggested_unit": "depta",
        },
        county.operator,
    )
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.suggested_category == "城乡建设/住房保障与房地产"
    dispatched = post(
        client,
        f"/api/hotline/tickets/{number}/dispatch",
        {"lead_unit": "depta", "category": "城乡建设/住房保障与房地产"},
        county.operator,
    )
    assert dispatched.json()["status"] == "dispatched"
    assert (
        post(client, f"/api/hotline/tickets/{number}/sign", {}, county.handler_a).json()["status"]
        == "signed"
    )
    detail = client.get(f"/api/hotline/tickets/{number}", **bearer(county.officer)).json()
    assert detail["citizen"]["phone"] == "138****1234" and detail["citizen"]["masked"]
    mine = client.get(f"/api/hotline/tickets/{number}", **bearer(county.handler_a)).json()
    assert mine["citizen"]["phone"] == "13800001234"


def test_errors_come_in_the_one_shape(client, county, tree):
    ticket = register(county)
    other = client.get(f"/api/hotline/tickets/{ticket.number}", **bearer(county.handler_b))
    assert other.status_code == 404 and other.json()["errors"]
    forbidden = post(
        client,
        f"/api/hotline/tickets/{ticket.number}/dispatch",
        {"lead_unit": "depta"},
        county.leader,
    )
    assert forbidden.status_code == 403 and forbidden.json()["errors"][0]["code"] == "forbidden"
    bad = post(
        client, "/api/hotline/tickets", {"kind": "complaint", "content": "短"}, county.operator
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "content"
    wrong_state = post(client, f"/api/hotline/tickets/{ticket.number}/sign", {}, county.handler_a)
    assert wrong_state.status_code == 404  # not dispatched to A: A cannot even see it
    assert client.get("/api/hotline/tickets", **bearer(county.handler_b)).json() == []


def test_a_reply_and_its_review_through_the_api(client, county, tree):
    ticket = register(county)
    n = ticket.number
    post(
        client,
        f"/api/hotline/tickets/{n}/dispatch",
        {"lead_unit": "depta", "category": "城乡建设/住房保障与房地产"},
        county.operator,
    )
    post(client, f"/api/hotline/tickets/{n}/sign", {}, county.handler_a)
    post(client, f"/api/hotline/tickets/{n}/contact", {"note": "电话联系"}, county.handler_a)
    reply = post(
        client, f"/api/hotline/tickets/{n}/replies", {"text": PERFUNCTORY_REPLY}, county.handler_a
    )
    assert reply.status_code == 201
    flags = {f["id"]: True for f in reply.json()["flags"]}
    back = post(
        client,
        f"/api/hotline/tickets/{n}/review",
        {"accept": False, "note": "请写明处理结果", "flags": flags},
        county.operator,
    )
    assert back.json()["status"] == "sent_back"
    assert (
        client.get(f"/api/hotline/tickets/{n}", **bearer(county.handler_a)).json()["status"]
        == "signed"
    )


def _with_key(client, url, data, token, key):
    return client.post(
        url,
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


APPEAL = {
    "kind": "complaint",
    "content": "幸福小区的物业公司只收钱不干活，电梯坏了也不修。",
    "citizen_name": "王建国",
    "citizen_phone": "13800001234",
}


def test_a_retried_registration_with_its_idempotency_key_registers_once(client, county, tree):
    token = issue_api_token(user=county.operator)
    first = _with_key(client, "/api/hotline/tickets", APPEAL, token, "reg-1")
    again = _with_key(client, "/api/hotline/tickets", APPEAL, token, "reg-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Ticket.objects.count() == 1
    # another key is another appeal
    other = _with_key(client, "/api/hotline/tickets", APPEAL, token, "reg-2")
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]
    assert Ticket.objects.count() == 2


def test_an_idempotency_key_reused_for_another_appeal_is_refused(client, county, tree):
    token = issue_api_token(user=county.operator)
    assert _with_key(client, "/api/hotline/tickets", APPEAL, token, "k").status_code == 201
    changed = {**APPEAL, "content": "甘蔗街道昙石山路路灯不亮已经半个月，晚上很危险。"}
    refused = _with_key(client, "/api/hotline/tickets", changed, token, "k")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Ticket.objects.count() == 1


def test_a_retried_transition_with_its_idempotency_key_acts_once(client, county, tree):
    token = issue_api_token(user=county.operator)
    number = _with_key(client, "/api/hotline/tickets", APPEAL, token, "reg").json()["number"]
    url = f"/api/hotline/tickets/{number}/dispatch"
    body = {"lead_unit": "depta", "category": "城乡建设/住房保障与房地产"}
    first = _with_key(client, url, body, token, "dispatch-1")
    again = _with_key(client, url, body, token, "dispatch-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    from onetrip.audit.models import Event

    ticket = Ticket.objects.get(number=number)
    assert Event.objects.filter(object_id=str(ticket.pk), action="ticket.dispatch").count() == 1
    # without the key the same request is a new one: the state has moved on
    assert post(client, url, body, county.operator).status_code == 409
