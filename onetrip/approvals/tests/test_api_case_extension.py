"""More time for a joint case through the API: the lead head asks, a county leader decides;
403, 409 and 400 in the common shape, and an idempotent retry acts once."""

import json

import pytest
import time_machine

from onetrip.approvals import services
from onetrip.approvals.models import CaseExtensionRequest, Notice

from .builders import abc_uploads, at
from .test_api_cases import assert_error_shape, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tuesday_3_march_2026():
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        yield


@pytest.fixture
def case(world):
    case = services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=at(2026, 3, 2, 9))
    services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    case.refresh_from_db()
    return case


def test_the_lead_head_asks_and_the_leader_decides(client, world, case):
    url = f"/api/cases/{case.number}/extension"
    client.force_login(world.head_b)
    assert_error_shape(post(client, url, {"days": 5, "reason": "x"}), 403)
    client.force_login(world.head_a)
    assert "request_extension" in client.get(f"/api/cases/{case.number}").json()["actions"]
    assert_error_shape(post(client, url, {"days": 16, "reason": "x"}), 400, "days")
    assert_error_shape(post(client, url, {"days": 5, "reason": " "}), 400, "reason")
    assert_error_shape(post(client, url, {"days": "five"}), 422)
    body = post(client, url, {"days": 15, "reason": "需多部门联合踏勘"}).json()
    [asked] = body["case_extension_requests"]
    assert asked["state"] == "open" and asked["days"] == 15
    assert asked["lead_unit"]["code"] == "depta" and asked["requested_by"] == "t-head-a"
    assert body["extension_requests"] == []  # the heads' task requests are apart
    assert_error_shape(post(client, url, {"days": 1, "reason": "x"}), 409)
    assert client.get("/api/case-extension-requests").json() == []

    decide = f"/api/case-extension-requests/{asked['id']}/decide"
    assert_error_shape(post(client, decide, {"approve": True}), 403)
    client.force_login(world.leader)
    assert client.get("/api/extension-requests").json() == []
    listed = client.get("/api/case-extension-requests").json()
    assert [r["id"] for r in listed] == [asked["id"]] and listed[0]["case"] == case.number
    assert_error_shape(post(client, decide, {"approve": False}), 400, "note")
    body = post(client, decide, {"approve": True}).json()
    assert body["extension_days"] == 15
    assert body["case_extension_requests"][0]["state"] == "approved"
    clock = next(c for c in body["clocks"] if c["kind"] == "case")
    # committed 6 + 15 = 21 working days from Mon 2 Mar → Tue 31 Mar
    assert clock["extension"] == 15 and clock["last_day"] == "2026-03-31"
    assert any(n["kind"] == "extension" for n in body["notices"])
    assert_error_shape(post(client, decide, {"approve": True}), 409)
    client.force_login(world.other_applicant)
    assert_error_shape(post(client, decide, {"approve": True}), 404)
    assert_error_shape(post(client, url, {"days": 1, "reason": "x"}), 404)


def test_a_case_not_in_review_is_a_conflict(client, world):
    case = services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=at(2026, 3, 2, 9))
    client.force_login(world.head_a)
    # not accepted yet: the departments do not see it
    assert_error_shape(post(client, f"/api/cases/{case.number}/extension",
                            {"days": 5, "reason": "x"}), 404)
    client.force_login(world.leader)  # a county-wide role sees it: the state refuses
    assert_error_shape(post(client, f"/api/cases/{case.number}/extension",
                            {"days": 5, "reason": "x"}), 409)


def test_a_retried_ask_and_decision_act_once(client, world, case):
    def keyed(url, body, key):
        return client.post(url, json.dumps(body), content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY=key)

    client.force_login(world.head_a)
    url = f"/api/cases/{case.number}/extension"
    first = keyed(url, {"days": 10, "reason": "需联合踏勘"}, "ask-1")
    again = keyed(url, {"days": 10, "reason": "需联合踏勘"}, "ask-1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert CaseExtensionRequest.objects.filter(case=case).count() == 1
    request = CaseExtensionRequest.objects.get(case=case)
    client.force_login(world.leader)
    decide = f"/api/case-extension-requests/{request.pk}/decide"
    first = keyed(decide, {"approve": True}, "decide-1")
    again = keyed(decide, {"approve": True}, "decide-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert Notice.objects.filter(case=case, kind="extension").count() == 1
    assert_error_shape(post(client, decide, {"approve": True}), 409)
