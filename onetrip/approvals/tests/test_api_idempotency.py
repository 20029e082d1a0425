"""`Idempotency-Key` on the API's POSTs: a retry gets the first answer and acts once."""

import json
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from onetrip.api.idempotency import fingerprint, purge
from onetrip.api.models import IdempotencyKey
from onetrip.approvals import services
from onetrip.approvals.models import Case, Notice
from onetrip.files.models import StoredFile

from .builders import PDF, abc_uploads, at
from .test_api_cases import assert_error_shape

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tuesday_3_march_2026():
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        yield


@pytest.fixture
def case(world):
    return services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=at(2026, 3, 2, 9))


def post(client, url, body, key):
    return client.post(url, json.dumps(body), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_action_gets_the_first_answer_and_acts_once(client, world, case):
    client.force_login(world.clerk)
    url = f"/api/cases/{case.number}/accept"
    first = post(client, url, {"note": "齐全"}, "accept-1")
    again = post(client, url, {"note": "齐全"}, "accept-1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Notice.objects.filter(case=case, kind="acceptance").count() == 1
    # without the key the same request is a new one: the state has moved on
    assert_error_shape(client.post(url, json.dumps({"note": "齐全"}),
                                   content_type="application/json"), 409)


def test_json_bodies_are_compared_by_meaning(client, world, case):
    client.force_login(world.clerk)
    url = f"/api/cases/{case.number}/refuse"
    first = client.post(url, '{"reason": "不属本中心"}', content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(url, '{ "reason":"不属本中心" }', content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == first.status_code == 200
    assert again["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_refused_naming_the_header(client, world, case):
    client.force_login(world.clerk)
    url = f"/api/cases/{case.number}/accept"
    post(client, url, {"note": "a"}, "key-1")
    body = assert_error_shape(post(client, url, {"note": "b"}, "key-1"), 422, "Idempotency-Key")
    assert body["errors"][0]["code"] == "idempotency_mismatch"
    # another path with the same key is another request too
    assert_error_shape(post(client, f"/api/cases/{case.number}/visits", {"purpose": "consult"},
                            "key-1"), 422, "Idempotency-Key")


def test_keys_belong_to_their_user(client, world, case):
    client.force_login(world.applicant)
    first = post(client, f"/api/cases/{case.number}/delivery", {"method": "window"}, "mine")
    assert first.status_code == 200
    other = Client()
    other.force_login(world.clerk)
    response = post(other, f"/api/cases/{case.number}/delivery", {"method": "window"}, "mine")
    assert response.status_code == 200 and not response.has_header("Idempotent-Replayed")
    assert IdempotencyKey.objects.filter(key="mine").count() == 2


def test_an_error_answer_is_replayed_too(client, world, case):
    client.force_login(world.clerk)
    url = f"/api/cases/{case.number}/refuse"
    first = post(client, url, {"reason": " "}, "bad")
    again = post(client, url, {"reason": " "}, "bad")
    assert first.status_code == again.status_code == 400
    assert again["Idempotent-Replayed"] == "true"


def test_a_server_error_is_not_kept_so_the_client_may_retry(world, case):
    client = Client(raise_request_exception=False)
    client.force_login(world.clerk)
    url = f"/api/cases/{case.number}/accept"
    with mock.patch.object(services, "accept_case", side_effect=RuntimeError("disk full")):
        assert post(client, url, {}, "retry-me").status_code == 500
    assert not IdempotencyKey.objects.filter(key="retry-me").exists()
    assert post(client, url, {}, "retry-me").status_code == 200


def test_a_request_still_running_with_the_key_gets_409(client, world, case):
    client.force_login(world.clerk)
    url = f"/api/cases/{case.number}/accept"
    request = client.post(url, "{}", content_type="application/json").wsgi_request
    IdempotencyKey.objects.create(user=world.clerk, key="busy", method="POST", path=url,
                                  fingerprint=fingerprint(request), created_at=timezone.now())
    body = assert_error_shape(post(client, url, {}, "busy"), 409, "Idempotency-Key")
    assert body["errors"][0]["code"] == "idempotency_in_progress"


def test_a_multipart_upload_is_replayed(client, world):
    client.force_login(world.applicant)

    def send():
        return client.post("/api/uploads", {"file": SimpleUploadedFile("a.pdf", PDF)},
                           HTTP_IDEMPOTENCY_KEY="upload-1")

    first, again = send(), send()
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert StoredFile.objects.filter(uploaded_by=world.applicant).count() == 1
    different = client.post("/api/uploads", {"file": SimpleUploadedFile("a.pdf", PDF + b"x")},
                            HTTP_IDEMPOTENCY_KEY="upload-1")
    assert_error_shape(different, 422, "Idempotency-Key")


def test_creating_a_case_twice_with_one_key_makes_one_case(client, world):
    client.force_login(world.applicant)
    refs = {}
    for key in abc_uploads():
        refs[key] = client.post("/api/uploads", {"file": SimpleUploadedFile(f"{key}.pdf", PDF)}
                                ).json()["ref"]
    body = {"package": world.package.code, "materials": refs}
    first = post(client, "/api/cases", body, "apply-1")
    again = post(client, "/api/cases", body, "apply-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1


def test_a_bad_key_is_refused(client, world, case):
    client.force_login(world.clerk)
    response = post(client, f"/api/cases/{case.number}/accept", {}, "x" * 300)
    assert_error_shape(response, 400, "Idempotency-Key")


def test_keys_expire_after_a_day(client, world, case):
    client.force_login(world.clerk)
    url = f"/api/cases/{case.number}/visits"
    post(client, url, {"purpose": "consult"}, "old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    response = post(client, url, {"purpose": "consult"}, "old")
    assert response.status_code == 200 and not response.has_header("Idempotent-Replayed")
    case.refresh_from_db()
    assert case.trips == 2
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert purge() == 1


def test_without_a_login_the_key_changes_nothing(client, world, case):
    response = post(client, f"/api/cases/{case.number}/accept", {}, "anon")
    assert_error_shape(response, 401)
    assert not IdempotencyKey.objects.exists()


def test_a_program_with_a_bearer_token_retries_safely(world, case):
    from onetrip.accounts.services import issue_api_token

    token = issue_api_token(user=world.clerk)
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "prog-1"}
    url = f"/api/cases/{case.number}/visits"
    first = client.post(url, json.dumps({"purpose": "consult"}), content_type="application/json",
                        **headers)
    again = client.post(url, json.dumps({"purpose": "consult"}), content_type="application/json",
                        **headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    case.refresh_from_db()
    assert case.trips == 1
