"""Department tasks and extension requests through the API: happy path, permission, bad input,
and the conflict of two people acting on one task (HTTP 409)."""

from unittest import mock

import pytest
import time_machine

from onetrip.approvals import services
from onetrip.approvals.models import ExtensionRequest, Task
from onetrip.approvals.states import TaskState
from onetrip.errors import Conflict

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


def task_of(case, code):
    return Task.objects.get(case=case, department__code=code)


def signed(task, by):
    services.sign_for_task(task=task, by=by, now=at(2026, 3, 2, 11))
    task.refresh_from_db()
    return task


def test_the_inbox_lists_the_departments_open_tasks_soonest_first(client, world, case):
    client.force_login(world.handler_a)
    body = client.get("/api/tasks").json()
    assert [t["department"]["code"] for t in body["items"]] == ["depta"]
    assert body["items"][0]["last_day"] == "2026-03-09"
    assert body["items"][0]["signal"] == "normal"
    assert client.get("/api/tasks?state=in_review").json()["count"] == 0
    assert_error_shape(client.get("/api/tasks?state=nonsense"), 422, "state")
    client.force_login(world.applicant)
    assert client.get("/api/tasks").json()["count"] == 0


def test_get_a_task(client, world, case):
    a = task_of(case, "depta")
    client.force_login(world.handler_a)
    body = client.get(f"/api/tasks/{a.pk}").json()
    assert body["item"] == "T-A" and body["actions"] == ["sign"]
    client.force_login(world.other_applicant)
    assert_error_shape(client.get(f"/api/tasks/{a.pk}"), 404)


def test_sign_for(client, world, case):
    a = task_of(case, "depta")
    client.force_login(world.handler_b)
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/sign-for"), 403)
    client.force_login(world.handler_a)
    response = post(client, f"/api/tasks/{a.pk}/sign-for")
    assert response.status_code == 200
    task = next(t for t in response.json()["tasks"] if t["id"] == a.pk)
    assert task["state"] == "in_review" and task["assignee"] == "t-handler-a"
    assert_error_shape(post(client, "/api/tasks/999999/sign-for"), 404)


def test_two_handlers_sign_for_one_task_one_wins_the_other_gets_409(client, world, case):
    a = task_of(case, "depta")
    client.force_login(world.handler_a)
    assert post(client, f"/api/tasks/{a.pk}/sign-for").status_code == 200
    client.force_login(world.handler_a2)
    body = assert_error_shape(post(client, f"/api/tasks/{a.pk}/sign-for"), 409)
    assert body["errors"][0]["code"] == "transition_not_allowed"


def test_a_conflict_raised_by_the_service_is_409(client, world, case):
    """Whatever Conflict a service raises (a lost race included) maps to 409 in one shape."""
    a = task_of(case, "depta")
    client.force_login(world.handler_a)
    with mock.patch.object(services, "sign_for_task",
                           side_effect=Conflict("Someone else signed for it first.")):
        body = assert_error_shape(post(client, f"/api/tasks/{a.pk}/sign-for"), 409)
    assert body["detail"] == "Someone else signed for it first."
    assert body["errors"][0]["code"] == "conflict"


def test_approve(client, world, case):
    a = signed(task_of(case, "depta"), world.handler_a)
    client.force_login(world.handler_a2)
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/approve"), 403)
    client.force_login(world.handler_a)
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/approve", {"note": 1}), 422, "note")
    response = post(client, f"/api/tasks/{a.pk}/approve", {"note": "符合"})
    task = next(t for t in response.json()["tasks"] if t["id"] == a.pk)
    assert task["state"] == "approved"
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/approve"), 409)


def test_refuse(client, world, case):
    a = signed(task_of(case, "depta"), world.handler_a)
    client.force_login(world.handler_a)
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/refuse", {"reason": ""}), 400, "reason")
    client.force_login(world.handler_b)
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/refuse", {"reason": "x"}), 403)
    client.force_login(world.handler_a)
    response = post(client, f"/api/tasks/{a.pk}/refuse", {"reason": "不符合条件"})
    assert next(t for t in response.json()["tasks"] if t["id"] == a.pk)["state"] == "refused"


def test_supplement_during_review(client, world, case):
    a = signed(task_of(case, "depta"), world.handler_a)
    client.force_login(world.handler_a)
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/supplement", {"items": []}), 400,
                       "items")
    client.force_login(world.clerk)
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/supplement",
                            {"items": [{"key": "premises"}]}), 403)
    client.force_login(world.handler_a)
    response = post(client, f"/api/tasks/{a.pk}/supplement",
                    {"items": [{"key": "premises", "reason": "租期不足"}]})
    body = response.json()
    assert next(t for t in body["tasks"] if t["id"] == a.pk)["state"] == "supplement"
    assert all(c["paused"] for c in body["clocks"] if c["kind"] != "intake" and not c["done_at"])


def test_special_procedure(client, world, case):
    a = signed(task_of(case, "depta"), world.handler_a)
    client.force_login(world.handler_a)
    url = f"/api/tasks/{a.pk}/special-procedure"
    assert_error_shape(post(client, url, {"kind": "auction", "expected_workdays": 3,
                                          "reason": "x"}), 400, "kind")
    assert_error_shape(post(client, url, {"kind": "hearing", "expected_workdays": 0,
                                          "reason": "x"}), 400, "expected_workdays")
    assert_error_shape(post(client, url, {"kind": "hearing"}), 422)
    client.force_login(world.handler_b)
    assert_error_shape(post(client, url, {"kind": "hearing", "expected_workdays": 3,
                                          "reason": "x"}), 403)
    client.force_login(world.handler_a)
    body = post(client, url, {"kind": "hearing", "expected_workdays": 3,
                              "reason": "涉及重大公共利益"}).json()
    assert body["special_procedures"][0]["expected_workdays"] == 3
    assert any(n["kind"] == "special_procedure" for n in body["notices"])
    body = post(client, f"/api/tasks/{a.pk}/special-procedure/end", {"outcome": "听证完毕"}).json()
    assert body["special_procedures"][0]["ended_at"] is not None
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/special-procedure/end"), 409)


def test_extension_and_the_heads_decision(client, world, case):
    b = signed(task_of(case, "deptb"), world.handler_b)
    client.force_login(world.handler_b)
    assert_error_shape(post(client, f"/api/tasks/{b.pk}/extension", {"days": 11,
                                                                     "reason": "x"}), 400, "days")
    assert_error_shape(post(client, f"/api/tasks/{b.pk}/extension", {"days": "two"}), 422)
    post(client, f"/api/tasks/{b.pk}/extension", {"days": 2, "reason": "需现场核查"})
    request = ExtensionRequest.objects.get(task=b)
    assert client.get("/api/extension-requests").json() == []
    url = f"/api/extension-requests/{request.pk}/decide"
    assert_error_shape(post(client, url, {"approve": True}), 403)
    client.force_login(world.head_b)
    listed = client.get("/api/extension-requests").json()
    assert [r["id"] for r in listed] == [request.pk] and listed[0]["days"] == 2
    assert_error_shape(post(client, url, {"approve": False}), 400, "note")
    body = post(client, url, {"approve": True}).json()
    task = next(t for t in body["tasks"] if t["id"] == b.pk)
    # B: 3 + 2 working days from Mon 2 Mar: 3, 4, 5, 6, 9 → last day Mon 9 Mar
    assert task["extension_days"] == 2 and task["last_day"] == "2026-03-09"
    assert_error_shape(post(client, url, {"approve": True}), 409)
    client.force_login(world.other_applicant)
    assert_error_shape(post(client, url, {"approve": True}), 404)


def test_assign(client, world, case):
    a = signed(task_of(case, "depta"), world.handler_a)
    client.force_login(world.handler_a)
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/assign", {"to": "t-handler-a2"}), 403)
    client.force_login(world.head_a)
    assert_error_shape(post(client, f"/api/tasks/{a.pk}/assign", {"to": "t-handler-b"}), 400,
                       "to")
    body = post(client, f"/api/tasks/{a.pk}/assign", {"to": "t-handler-a2"}).json()
    assert next(t for t in body["tasks"] if t["id"] == a.pk)["assignee"] == "t-handler-a2"


def test_complete_check(client, world):
    case = services.apply_online(by=world.applicant, item=world.commitment_item,
                                 commitments=[world.commitment_item.code],
                                 uploads={m.key: abc_uploads()["premises"]
                                          for m in world.commitment_item.materials.all()},
                                 now=at(2026, 3, 2, 9))
    services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    check = Task.objects.get(case=case, kind="check")
    services.sign_for_task(task=check, by=world.handler_b)
    client.force_login(world.handler_a)
    assert_error_shape(post(client, f"/api/tasks/{check.pk}/complete-check",
                            {"compliant": True}), 404)
    client.force_login(world.handler_b)
    assert_error_shape(post(client, f"/api/tasks/{check.pk}/complete-check",
                            {"compliant": False}), 400, "note")
    body = post(client, f"/api/tasks/{check.pk}/complete-check", {"compliant": True}).json()
    assert next(t for t in body["tasks"] if t["id"] == check.pk)["state"] == TaskState.CHECKED
