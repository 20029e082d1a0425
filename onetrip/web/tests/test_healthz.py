from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_with_the_database_reachable():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_answers_503_when_the_database_is_not():
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_a_lost_database_gives_a_503_not_a_traceback(county):
    client = Client(raise_request_exception=False)
    client.force_login(county.clerk)
    with mock.patch(
        "onetrip.web.views.render",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    ):
        response = client.get("/workbench/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Traceback" not in response.content.decode()


def test_liveness_answers_without_the_database():
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        response = Client().get("/healthz/live")
    assert response.status_code == 200 and response.json() == {"status": "alive"}
