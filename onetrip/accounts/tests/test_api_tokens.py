from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from onetrip.accounts.models import ApiToken
from onetrip.accounts.services import issue_api_token, revoke_api_token
from onetrip.audit.models import Event

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_api_token_command_prints_a_token_that_acts_as_its_user(county):
    out = StringIO()
    call_command("api_token", "t-handler-a", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("ot_")
    response = Client().get("/api/me", **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "t-handler-a"
    assert body["roles"] == [{"unit": "depta", "unit_name": "甲局", "role": "handler"}]
    assert body["county_wide"] is False


def test_only_the_digest_is_stored(county):
    token = issue_api_token(user=county.clerk)
    stored = ApiToken.objects.get()
    assert token not in (stored.digest, stored.prefix) and stored.prefix == token[:9]
    assert Event.objects.filter(action="accounts.token_issued").count() == 1


def test_a_revoked_token_is_refused(county):
    token = issue_api_token(user=county.clerk)
    revoke_api_token(token=ApiToken.objects.get(), by=county.admin)
    response = Client().get("/api/me", **bearer(token))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unauthenticated"
    assert Event.objects.filter(action="accounts.token_revoked").count() == 1


def test_a_token_of_a_deactivated_user_is_refused(county):
    token = issue_api_token(user=county.clerk)
    county.clerk.is_active = False
    county.clerk.save()
    assert Client().get("/api/me", **bearer(token)).status_code == 401


def test_no_or_a_wrong_token_is_refused(county):
    assert Client().get("/api/me").status_code == 401
    assert Client().get("/api/me", **bearer("ot_not-a-token")).status_code == 401


def test_the_command_refuses_an_unknown_user(county):
    with pytest.raises(CommandError, match="no active user"):
        call_command("api_token", "nobody", stdout=StringIO())


def test_a_browser_session_authenticates_the_api_and_needs_csrf_for_writes(county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.officer)
    response = client.get("/api/me")
    assert response.status_code == 200 and response.json()["county_wide"] is True


def test_the_openapi_document_and_docs_are_served(county):
    client = Client()
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert "/api/me" in schema.json()["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn.jsdelivr" not in docs.content  # served from our own static files
