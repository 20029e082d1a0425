"""The workbench pages for more time for a joint case: the lead department's head asks on the
case page, a county leader decides on the case page or on their list; nobody else can."""

import pytest
import time_machine
from django.urls import reverse

from onetrip.approvals import services
from onetrip.approvals.models import CaseExtensionRequest
from onetrip.approvals.states import RequestState

from .builders import at
from .test_pages_workbench import HTMX, accepted, case_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tuesday_3_march_2026():
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        yield


ASK_FIELDS = 'name="case-extension-days"'


def ask(world, case, days=10):
    return services.request_case_extension(case=case, by=world.head_a, days=days,
                                           reason="需多部门联合踏勘")


def test_the_lead_head_sees_the_form_and_others_do_not(client, world):
    case = accepted(world)
    client.force_login(world.head_a)
    page = client.get(case_url(case)).content.decode()
    assert 'id="joint-extension"' in page and ASK_FIELDS in page
    assert case_url(case, "extension") in page
    for someone in (world.head_b, world.handler_a, world.clerk, world.leader):
        client.force_login(someone)
        page = client.get(case_url(case)).content.decode()
        assert ASK_FIELDS not in page, someone


def test_the_lead_head_asks_with_htmx_and_bad_input_is_named(client, world):
    case = accepted(world)
    client.force_login(world.head_a)
    response = client.post(case_url(case, "extension"), {"case-extension-days": "16",
                                                         "case-extension-reason": "x"}, **HTMX)
    assert response.status_code == 400
    assert not CaseExtensionRequest.objects.exists()
    response = client.post(case_url(case, "extension"), {"case-extension-days": "12",
                                                         "case-extension-reason": "需联合踏勘"},
                           **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="case-body"' in body and ASK_FIELDS not in body  # one open request at a time
    request = CaseExtensionRequest.objects.get(case=case)
    assert request.days == 12 and request.requested_by == world.head_a
    assert f'data-case-extension="{request.pk}"' in body


def test_another_departments_head_posting_the_form_is_refused(client, world):
    case = accepted(world)
    client.force_login(world.head_b)
    response = client.post(case_url(case, "extension"), {"case-extension-days": "5",
                                                         "case-extension-reason": "x"}, **HTMX)
    assert response.status_code == 403
    assert not CaseExtensionRequest.objects.exists()


def test_the_leader_sees_the_list_and_decides_there(client, world):
    case = accepted(world)
    request = ask(world, case)
    client.force_login(world.leader)
    home = client.get(reverse("approvals:work_cases")).content.decode()
    assert reverse("approvals:case_extensions") in home  # the leader's tab
    page = client.get(reverse("approvals:case_extensions")).content.decode()
    assert f'id="case-extension-{request.pk}"' in page and case.number in page
    url = reverse("approvals:decide_case_extension", args=[request.pk])
    response = client.post(url, {f"j{request.pk}-decision": "refuse",
                                 f"j{request.pk}-note": ""}, **HTMX)
    assert response.status_code == 400
    response = client.post(url, {f"j{request.pk}-decision": "approve"}, **HTMX)
    assert response.status_code == 200 and 'role="status"' in response.content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED
    assert case.notices.filter(kind="extension").exists()
    response = client.post(url, {f"j{request.pk}-decision": "approve"}, **HTMX)
    assert response.status_code == 409
    page = client.get(reverse("approvals:case_extensions")).content.decode()
    assert page.count("<tr data-row") == 0


def test_the_leader_decides_on_the_case_page(client, world):
    case = accepted(world)
    request = ask(world, case)
    client.force_login(world.leader)
    page = client.get(case_url(case)).content.decode()
    url = reverse("approvals:decide_case_extension", args=[request.pk])
    assert url in page
    response = client.post(url, {"fragment": "case", f"j{request.pk}-decision": "refuse",
                                 f"j{request.pk}-note": "按原时限办结"}, **HTMX)
    assert response.status_code == 200 and 'id="case-body"' in response.content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.REFUSED
    assert not case.notices.filter(kind="extension").exists()
    # without JavaScript: a redirect back to the list
    request = ask(world, case, days=3)
    response = client.post(reverse("approvals:decide_case_extension", args=[request.pk]),
                           {f"j{request.pk}-decision": "approve"})
    assert response.status_code == 302


def test_a_department_head_cannot_decide_and_does_not_see_the_requests(client, world):
    case = accepted(world)
    request = ask(world, case)
    url = reverse("approvals:decide_case_extension", args=[request.pk])
    for head in (world.head_a, world.head_b):
        client.force_login(head)
        response = client.post(url, {f"j{request.pk}-decision": "approve"}, **HTMX)
        assert response.status_code == 403
        response = client.post(url, {f"j{request.pk}-decision": "approve"})
        assert response.status_code == 403
        assert url not in client.get(case_url(case)).content.decode()
        # the heads' extension list shows task requests only
        page = client.get(reverse("approvals:extensions")).content.decode()
        assert page.count("<tr data-row") == 0 and case.number not in page
        assert reverse("approvals:case_extensions") not in page
        assert client.get(reverse("approvals:case_extensions")).content.decode().count(
            "<tr data-row") == 0
    request.refresh_from_db()
    assert request.state == RequestState.OPEN
    client.force_login(world.other_applicant)
    assert client.post(url, {f"j{request.pk}-decision": "approve"}).status_code in (403, 404)
