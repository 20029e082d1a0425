"""The cases API: each endpoint's happy path, its permission test and its bad-input test.

Errors always have the API's one shape: {"detail", "errors": [{"field", "reason", "code"}]}.
"""

import json

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.accounts.services import issue_api_token
from onetrip.approvals import services
from onetrip.approvals.models import Case, CaseMaterial, Task
from onetrip.approvals.states import CaseState
from onetrip.files.models import StoredFile

from .builders import PDF, abc_uploads, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tuesday_3_march_2026():
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        yield


def post(client, url, body=None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json",
                       **headers)


def assert_error_shape(response, status, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"]
    for error in body["errors"]:
        assert set(error) == {"field", "reason", "code"}
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def upload_refs(client, files):
    refs = {}
    for key, name in files.items():
        response = client.post("/api/uploads", {"file": SimpleUploadedFile(name, PDF)})
        assert response.status_code == 201, response.content
        refs[key] = response.json()["ref"]
    return refs


def package_refs(client):
    return upload_refs(client, {key: f"{key}.pdf" for key in abc_uploads()})


def submitted(world, now=None):
    return services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=now or at(2026, 3, 2, 9))


def accepted(world):
    case = submitted(world)
    services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    case.refresh_from_db()
    return case


# --- create -----------------------------------------------------------------------------------

def test_an_applicant_uploads_files_then_applies_in_one_request(client, world):
    client.force_login(world.applicant)
    refs = package_refs(client)
    response = post(client, "/api/cases", {"package": world.package.code, "materials": refs,
                                           "applicant_phone": "13800000000"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["number"].startswith("MH20260303-")
    assert len(body["query_code"]) == 6
    assert {m["key"] for m in body["materials"] if m["provided"]} == set(refs)
    intake = next(c for c in body["clocks"] if c["kind"] == "intake")
    # 5 working days from Tue 3 Mar: 4, 5, 6, 9, 10 → the last day is Tue 10 Mar
    assert intake["last_day"] == "2026-03-10"
    # the uploads become the case's materials as they are: no second copy
    uploaded = {int(ref.removeprefix("upload:")) for ref in refs.values()}
    used = set(CaseMaterial.objects.filter(case__number=body["number"])
               .values_list("file_id", flat=True))
    assert used == uploaded and StoredFile.objects.count() == len(uploaded)


def test_creating_names_every_bad_field(client, world):
    client.force_login(world.applicant)
    response = post(client, "/api/cases", {"package": world.package.code,
                                           "materials": {"premises": "nonsense:1"}})
    assert_error_shape(response, 400, "materials.premises")
    response = post(client, "/api/cases", {"package": world.package.code})
    body = assert_error_shape(response, 400, "materials.applicant-id")
    assert all(e["code"] == "required" for e in body["errors"])
    assert_error_shape(post(client, "/api/cases", {"package": "no-such"}), 400, "package")
    assert_error_shape(post(client, "/api/cases", {}), 400, "item")
    assert_error_shape(post(client, "/api/cases", {"item": 5}), 422, "item")
    assert not Case.objects.exists()


def test_someone_elses_upload_cannot_be_used(client, world):
    client.force_login(world.other_applicant)
    refs = package_refs(client)
    client.force_login(world.applicant)
    response = post(client, "/api/cases", {"package": world.package.code, "materials": refs})
    assert_error_shape(response, 400, "materials.premises")


def test_creating_needs_a_login(client, world):
    assert_error_shape(post(client, "/api/cases", {"package": world.package.code}), 401)


def test_a_draft_is_completed_step_by_step_with_multipart_uploads(client, world):
    client.force_login(world.applicant)
    response = post(client, "/api/cases", {"package": world.package.code, "submit": False,
                                           "applicant_phone": "13800000000"})
    assert response.status_code == 201
    case_id = response.json()["id"]
    assert response.json()["state"] == "draft" and response.json()["number"] is None
    bad = client.post(f"/api/cases/{case_id}/materials",
                      {"key": "premises", "file": SimpleUploadedFile("x.pdf", b"MZ not pdf")})
    body = assert_error_shape(bad, 400, "materials.premises")
    assert body["errors"][0]["code"] == "file_type"
    for key in abc_uploads():
        response = client.post(f"/api/cases/{case_id}/materials",
                               {"key": key, "file": SimpleUploadedFile(f"{key}.pdf", PDF)})
        assert response.status_code == 200, response.content
    response = client.delete(f"/api/cases/{case_id}/materials/premises")
    assert not next(m for m in response.json()["materials"] if m["key"] == "premises")["provided"]
    assert_error_shape(post(client, f"/api/cases/{case_id}/submit"), 400, "materials.premises")
    client.post(f"/api/cases/{case_id}/materials",
                {"key": "premises", "file": SimpleUploadedFile("p.pdf", PDF)})
    response = post(client, f"/api/cases/{case_id}/draft", {"delivery_method": "post",
                                                            "delivery_address": "某路1号"})
    assert response.json()["delivery_method"] == "post"
    response = post(client, f"/api/cases/{case_id}/submit")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    client.force_login(world.other_applicant)
    assert_error_shape(post(client, f"/api/cases/{case_id}/submit"), 404)


def test_a_clerk_registers_a_visitor_at_the_window(client, world):
    client.force_login(world.clerk)
    response = post(client, "/api/cases", {"item": world.item_b.code, "channel": "window",
                                           "applicant_name": "王五"})
    assert response.status_code == 201, response.content
    assert response.json()["trips"] == 1 and response.json()["channel"] == "window"
    client.force_login(world.applicant)
    response = post(client, "/api/cases", {"item": world.item_b.code, "channel": "window",
                                           "applicant_name": "王五"})
    assert_error_shape(response, 403)


def test_a_bearer_token_works_like_a_login(client, world):
    token = issue_api_token(user=world.clerk)
    case = submitted(world)
    response = client.get(f"/api/cases/{case.number}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["id"] == case.pk
    assert_error_shape(client.get(f"/api/cases/{case.number}",
                                  HTTP_AUTHORIZATION="Bearer ot_wrong"), 401)


# --- list and get -----------------------------------------------------------------------------

def test_the_list_filters_and_is_scoped(client, world):
    case = submitted(world)
    other = services.apply_online(by=world.other_applicant, item=world.item_b,
                                  uploads={"乙申请书": SimpleUploadedFile("b.pdf", PDF),
                                           "applicant-id": SimpleUploadedFile("i.pdf", PDF)},
                                  now=at(2026, 3, 2, 9))
    client.force_login(world.clerk)
    body = client.get("/api/cases").json()
    assert body["count"] == 2
    body = client.get(f"/api/cases?item={world.item_c.code}").json()
    assert [c["number"] for c in body["items"]] == [case.number]
    assert client.get("/api/cases?state=in_review").json()["count"] == 0
    assert client.get("/api/cases?received_from=2026-03-03").json()["count"] == 0
    assert client.get("/api/cases?limit=1").json()["items"].__len__() == 1
    assert_error_shape(client.get("/api/cases?limit=1000"), 422, "limit")
    assert_error_shape(client.get("/api/cases?received_from=yesterday"), 422, "received_from")
    client.force_login(world.applicant)
    assert [c["number"] for c in client.get("/api/cases").json()["items"]] == [case.number]
    services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    client.force_login(world.handler_b)
    numbers = [c["number"] for c in client.get("/api/cases?department=deptb").json()["items"]]
    assert numbers == [case.number] and other.number not in numbers


def test_a_case_shows_its_tasks_clocks_and_timeline(client, world):
    case = accepted(world)
    client.force_login(world.handler_a)
    body = client.get(f"/api/cases/{case.number}").json()
    tasks = {t["department"]["code"]: t for t in body["tasks"]}
    assert tasks["depta"]["state"] == "pending" and tasks["depta"]["actions"] == ["sign"]
    assert tasks["deptb"]["actions"] == []  # not A's handler's to act on
    # A 5 working days from Mon 2 Mar: 3, 4, 5, 6, 9 → last day Mon 9 Mar
    assert tasks["depta"]["last_day"] == "2026-03-09"
    assert body["last_day"] == "2026-03-10"  # the package: 6 working days
    assert [e["action"] for e in body["timeline"]][:2] == ["case.submitted", "clock.started"]
    assert client.get(f"/api/cases/{case.pk}").json()["number"] == case.number
    client.force_login(world.other_applicant)
    assert_error_shape(client.get(f"/api/cases/{case.number}"), 404)
    assert_error_shape(client.get("/api/cases/NOPE-1"), 404)


def test_the_applicant_sees_no_staff_names_in_the_timeline(client, world):
    case = accepted(world)
    client.force_login(world.applicant)
    body = client.get(f"/api/cases/{case.number}").json()
    assert all(e["actor"] == "" for e in body["timeline"])
    assert "clock.started" not in [e["action"] for e in body["timeline"]]


# --- case actions -----------------------------------------------------------------------------

def test_accept(client, world):
    case = submitted(world)
    client.force_login(world.applicant)
    assert_error_shape(post(client, f"/api/cases/{case.number}/accept"), 403)
    client.force_login(world.clerk)
    response = post(client, f"/api/cases/{case.number}/accept", {"note": "齐全"})
    assert response.status_code == 200 and response.json()["state"] == "in_review"
    assert len(response.json()["tasks"]) == 3
    body = assert_error_shape(post(client, f"/api/cases/{case.number}/accept"), 409)
    assert body["errors"][0]["code"] == "transition_not_allowed"
    assert_error_shape(post(client, f"/api/cases/{case.number}/accept", {"note": 3}), 422,
                       "note")


def test_request_supplement_and_supply(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    url = f"/api/cases/{case.number}/request-supplement"
    assert_error_shape(post(client, url, {"items": []}), 400, "items")
    assert_error_shape(post(client, url, {"items": [{"reason": "?"}]}), 400, "items.0")
    response = post(client, url, {"items": [{"key": "premises", "reason": "缺签字页"}]})
    assert response.json()["state"] == "awaiting_supplement"
    client.force_login(world.other_applicant)
    assert_error_shape(post(client, f"/api/cases/{case.number}/supply",
                            {"materials": {}}), 404)
    client.force_login(world.applicant)
    assert_error_shape(post(client, f"/api/cases/{case.number}/supply", {"materials": {}}),
                       400, "materials.premises")
    refs = upload_refs(client, {"premises": "lease.pdf"})
    response = post(client, f"/api/cases/{case.number}/supply", {"materials": refs})
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    assert_error_shape(post(client, f"/api/cases/{case.number}/supply", {"materials": refs}), 409)


def test_refuse_needs_a_reason(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    assert_error_shape(post(client, f"/api/cases/{case.number}/refuse", {"reason": " "}), 400,
                       "reason")
    assert_error_shape(post(client, f"/api/cases/{case.number}/refuse", {}), 422, "reason")
    client.force_login(world.township_clerk)
    assert_error_shape(post(client, f"/api/cases/{case.number}/refuse", {"reason": "x"}), 404)
    client.force_login(world.clerk)
    response = post(client, f"/api/cases/{case.number}/refuse", {"reason": "不属本中心"})
    assert response.json()["state"] == "not_accepted"
    assert response.json()["not_accepted_reason"] == "不属本中心"


def test_withdraw(client, world):
    case = submitted(world)
    client.force_login(world.handler_a)
    assert_error_shape(post(client, f"/api/cases/{case.number}/withdraw"), 404)
    client.force_login(world.applicant)
    assert_error_shape(post(client, f"/api/cases/{case.number}/withdraw", {"reason": []}), 422)
    response = post(client, f"/api/cases/{case.number}/withdraw", {"reason": "不办了"})
    assert response.json()["state"] == "withdrawn"


def test_choose_delivery_and_deliver(client, world):
    case = submitted(world)
    client.force_login(world.applicant)
    url = f"/api/cases/{case.number}/delivery"
    assert_error_shape(post(client, url, {"method": "post"}), 400, "delivery_address")
    assert_error_shape(post(client, url, {"method": "pigeon"}), 422, "method")
    assert post(client, url, {"method": "post", "address": "某路1号"}).json()[
        "delivery_method"] == "post"
    services.accept_case(case=case, by=world.clerk)
    people = {"depta": world.handler_a, "deptb": world.handler_b, "deptc": world.handler_c}
    for task in Task.objects.filter(case=case).select_related("department"):
        services.sign_for_task(task=task, by=people[task.department.code])
        services.approve_task(task=task, by=people[task.department.code])
    deliver = f"/api/cases/{case.number}/deliver"
    client.force_login(world.applicant)
    assert_error_shape(post(client, deliver, {"method": "post", "tracking_number": "X"}), 403)
    client.force_login(world.clerk)
    assert_error_shape(post(client, deliver, {"method": "post"}), 400, "tracking_number")
    response = post(client, deliver, {"method": "post", "tracking_number": "EMS1",
                                      "carrier": "EMS"})
    assert response.json()["state"] == "completed" and response.json()["trips"] == 0
    assert response.json()["delivery"]["tracking_number"] == "EMS1"


def test_visits(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    assert_error_shape(post(client, f"/api/cases/{case.number}/visits", {"purpose": "x"}), 422,
                       "purpose")
    assert post(client, f"/api/cases/{case.number}/visits",
                {"purpose": "consult"}).json()["trips"] == 1
    client.force_login(world.applicant)
    assert_error_shape(post(client, f"/api/cases/{case.number}/visits",
                            {"purpose": "consult"}), 403)


def test_rate_and_download_a_certificate(client, world):
    case = accepted(world)
    people = {"depta": world.handler_a, "deptb": world.handler_b, "deptc": world.handler_c}
    for task in Task.objects.filter(case=case).select_related("department"):
        services.sign_for_task(task=task, by=people[task.department.code])
        services.approve_task(task=task, by=people[task.department.code])
    client.force_login(world.clerk)
    assert_error_shape(post(client, f"/api/cases/{case.number}/rate", {"level": 5}), 403)
    client.force_login(world.applicant)
    assert_error_shape(post(client, f"/api/cases/{case.number}/rate", {"level": 9}), 400,
                       "level")
    response = post(client, f"/api/cases/{case.number}/rate", {"level": 4, "comment": "快"})
    assert response.json()["rating"]["level"] == 4
    assert_error_shape(post(client, f"/api/cases/{case.number}/rate", {"level": 5}), 409)
    certificate = response.json()["certificates"][0]
    pdf = client.get(certificate["pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.force_login(world.other_applicant)
    assert_error_shape(client.get(certificate["pdf"]), 404)


def test_reusable_materials_and_the_application_form(client, world):
    submitted(world)
    client.force_login(world.applicant)
    reusable = client.get("/api/reusable-materials").json()
    assert {r["key"] for r in reusable} >= {"premises", "applicant-id"}
    form = client.get(f"/api/application-form?package={world.package.code}").json()
    assert [m["key"] for m in form["materials"]].count("premises") == 1
    assert form["offers"]["premises"]["ref"].startswith("material:")
    green = client.get(f"/api/application-form?item={world.green.code}").json()
    assert [f["name"] for f in green["fields"]] == ["length_m", "digging", "dig_area_m2"]
    assert_error_shape(client.get("/api/application-form?item=NOPE"), 400, "item")
    client.logout()
    assert_error_shape(client.get("/api/reusable-materials"), 401)
    # reusing them: a new application needs no new upload
    client.force_login(world.applicant)
    refs = {r["key"]: r["ref"] for r in reusable}
    response = post(client, "/api/cases", {"package": world.package.code, "materials": refs})
    assert response.status_code == 201, response.content
    assert {m["source"] for m in response.json()["materials"] if m["provided"]} == {"reuse"}


def test_uploads_are_checked_by_content(client, world):
    client.force_login(world.applicant)
    body = assert_error_shape(client.post("/api/uploads", {
        "file": SimpleUploadedFile("a.pdf", b"GIF89a")}), 400, "file")
    assert body["errors"][0]["code"] == "file_type"
    client.logout()
    assert_error_shape(client.post("/api/uploads", {
        "file": SimpleUploadedFile("a.pdf", PDF)}), 401)


def test_tracking_needs_no_login_but_the_right_code(client, world):
    cache.clear()
    case = submitted(world)
    response = post(client, "/api/cases/track", {"number": case.number,
                                                 "query_code": case.query_code})
    assert response.status_code == 200 and response.json()["applicant"] == "张*"
    assert_error_shape(post(client, "/api/cases/track", {"number": case.number,
                                                         "query_code": "QQQQQQ"}), 404)
    assert_error_shape(post(client, "/api/cases/track", {"number": case.number}), 422,
                       "query_code")
    for _ in range(10):
        post(client, "/api/cases/track", {"number": case.number, "query_code": "QQQQQQ"})
    assert_error_shape(post(client, "/api/cases/track", {"number": case.number,
                                                         "query_code": case.query_code}), 429)
    cache.clear()
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED
