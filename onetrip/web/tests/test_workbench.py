"""The workbench home: one card per piece of work the user's roles allow."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def workbench_for(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/workbench/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_centre_clerk_sees_the_walk_in_registration_card(county):
    page = workbench_for(county.clerk)
    assert f'href="{reverse("approvals:walk_in")}"' in page
    assert "窗口登记" in page
    # and the page it leads to is open to them
    client = Client()
    client.force_login(county.clerk)
    assert client.get(reverse("approvals:walk_in")).status_code == 200


def test_a_township_centre_clerk_sees_it_too(county):
    assert f'href="{reverse("approvals:walk_in")}"' in workbench_for(county.township_clerk)


@pytest.mark.parametrize("persona", ["handler_a", "head_a", "operator", "officer", "admin"])
def test_no_one_but_a_clerk_sees_the_walk_in_card(county, persona):
    page = workbench_for(getattr(county, persona))
    assert reverse("approvals:walk_in") not in page
    assert "窗口登记" not in page
