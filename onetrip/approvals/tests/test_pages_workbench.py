"""The workbench: intake queue, inbox, extension requests, the case page and its actions.

Every action is a plain POST (a redirect back on success) and, with the
`HX-Request` header, returns the updated fragment. Refusals: 400 bad input,
403 wrong role, 404 outside one's scope, 409 when someone acted first.
"""

import pytest
import time_machine
from django.urls import reverse

from onetrip.approvals import services
from onetrip.approvals.models import ExtensionRequest, SpecialProcedure, Task
from onetrip.approvals.states import CaseState, RequestState, TaskState

from .builders import abc_uploads, at

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def tuesday_3_march_2026():
    """The pages read the clock: they act on Tue 3 Mar 2026, the day after the cases come in."""
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        yield


def submitted(world, now=None):
    return services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=now or at(2026, 3, 2, 9))


def accepted(world):
    case = submitted(world)
    services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    case.refresh_from_db()
    return case


def task_of(case, code):
    return Task.objects.get(case=case, department__code=code)


def case_url(case, action=None):
    if action:
        return reverse("approvals:case_action", args=[case.number, action])
    return reverse("approvals:work_case", args=[case.number])


def task_url(task, action):
    return reverse("approvals:task_action", args=[task.pk, action])


# --- intake --------------------------------------------------------------------------------

def test_the_intake_queue_shows_the_centres_cases_with_the_countdown(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    response = client.get(reverse("approvals:intake"))
    assert response.status_code == 200
    page = response.content.decode()
    assert case.number in page and "data-intake-last-day>2026-03-09<" in page
    client.force_login(world.township_clerk)  # another centre's queue
    assert case.number not in client.get(reverse("approvals:intake")).content.decode()
    client.force_login(world.applicant)
    assert client.get(reverse("approvals:intake")).status_code == 403


def test_the_workbench_start_sends_each_role_to_its_list(client, world):
    client.force_login(world.clerk)
    assert client.get(reverse("approvals:work"))["Location"] == reverse("approvals:intake")
    client.force_login(world.handler_a)
    assert client.get(reverse("approvals:work"))["Location"] == reverse("approvals:inbox")


def test_the_clerk_accepts_with_a_plain_post(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    assert client.get(case_url(case)).status_code == 200
    response = client.post(case_url(case, "accept"), {"case-accept-note": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    assert case.notices.filter(kind="acceptance").exists()


def test_the_clerk_accepts_with_htmx_and_gets_the_fragment(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    response = client.post(case_url(case, "accept"), {"case-accept-note": ""}, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.startswith('<div id="case-body"') and "<html" not in page
    assert 'data-clock="case"' in page


def test_a_supplement_request_lists_everything_missing_and_needs_at_least_one(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    response = client.post(case_url(case, "supplement"), {"case-supplement-note": ""})
    assert response.status_code == 400
    response = client.post(case_url(case, "supplement"), {
        "case-supplement-material-premises": "on",
        "case-supplement-reason-premises": "缺少签字页",
        "case-supplement-extra-name-1": "消防平面图",
        "case-supplement-extra-reason-1": "需要补充",
    })
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_SUPPLEMENT
    notice = case.notices.get(kind="supplement")
    assert "缺少签字页" in notice.body and "消防平面图" in notice.body


def test_refusing_to_accept_needs_a_reason(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    response = client.post(case_url(case, "refuse"), {"case-refuse-reason": ""})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    response = client.post(case_url(case, "refuse"), {"case-refuse-reason": "不属于本中心受理范围"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.NOT_ACCEPTED


def test_a_visit_counts_a_trip(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    response = client.post(case_url(case, "visit"), {"case-visit-purpose": "consult",
                                                     "case-visit-note": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.trips == 1


def test_results_by_post_need_a_tracking_number(client, world):
    case = submitted(world)
    services.choose_delivery(case=case, by=world.applicant, method="post", address="某地1号")
    services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    people = {"depta": world.handler_a, "deptb": world.handler_b, "deptc": world.handler_c}
    for task in Task.objects.filter(case=case).select_related("department"):
        services.sign_for_task(task=task, by=people[task.department.code])
        services.approve_task(task=task, by=people[task.department.code])
    client.force_login(world.clerk)
    handover = client.get(reverse("approvals:intake") + "?tab=handover").content.decode()
    assert case.number in handover
    response = client.post(case_url(case, "deliver"), {"case-deliver-method": "post",
                                                       "case-deliver-tracking_number": ""})
    assert response.status_code == 400
    response = client.post(case_url(case, "deliver"), {
        "case-deliver-method": "post", "case-deliver-tracking_number": "EMS123",
        "case-deliver-carrier": "EMS"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED and case.trips == 0


def test_window_actions_are_for_the_centres_clerks_only(client, world):
    case = submitted(world)
    client.force_login(world.township_clerk)  # another centre: cannot even see it
    assert client.post(case_url(case, "accept"), {}).status_code == 404
    client.force_login(world.applicant)
    assert client.post(case_url(case, "accept"), {}).status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


# --- the inbox -----------------------------------------------------------------------------

def test_a_department_sees_its_own_tasks_only(client, world):
    case = accepted(world)
    client.force_login(world.handler_a)
    page = client.get(reverse("approvals:inbox")).content.decode()
    a, b = task_of(case, "depta"), task_of(case, "deptb")
    assert f'id="row-{a.pk}"' in page and f'id="row-{b.pk}"' not in page
    client.force_login(world.handler_b)
    page = client.get(reverse("approvals:inbox")).content.decode()
    assert f'id="row-{a.pk}"' not in page
    # B works on the same package, so it reads the case, but cannot act on A's task
    assert client.post(task_url(a, "sign")).status_code == 403
    # a case without a task of B's is not there at all for B
    alone = services.apply_online(by=world.applicant, item=world.item_a, now=at(2026, 3, 2, 9),
                                  uploads={k: v for k, v in abc_uploads().items()
                                           if k in {"甲申请书", "applicant-id", "premises"}})
    services.accept_case(case=alone, by=world.clerk, now=at(2026, 3, 2, 10))
    assert client.post(task_url(task_of(alone, "depta"), "sign")).status_code == 404
    assert client.get(case_url(alone)).status_code == 404


def test_the_inbox_shows_the_last_day_and_the_colour(client, world):
    case = accepted(world)
    a = task_of(case, "depta")
    client.force_login(world.handler_a)
    page = client.get(reverse("approvals:inbox")).content.decode()
    # A: 5 working days from Mon 2 Mar → Mon 9 Mar is the last day
    assert "data-last-day>2026-03-09<" in page
    assert "signal-normal" in page
    # each row links its case and signs for its own task
    case_link = reverse("approvals:work_case", args=[case.number])
    assert f'href="{case_link}#task-{a.pk}"' in page
    assert f'action="{task_url(a, "sign")}"' in page
    assert "待签收" in page  # the state's label


def test_filters_stay_put(client, world):
    accepted(world)
    client.force_login(world.handler_a)
    response = client.get(reverse("approvals:inbox") + "?state=pending&mine=")
    assert response.status_code == 200
    response = client.get(reverse("approvals:inbox"))
    assert response.status_code == 302 and "state=pending" in response["Location"]
    assert client.get(reverse("approvals:inbox") + "?reset=1").status_code == 302
    assert client.get(reverse("approvals:inbox")).status_code == 200


def _many_tasks(world, count):
    for i in range(count):
        services.accept_case(case=services.apply_online(
            by=world.applicant, item=world.item_a, now=at(2026, 3, 2, 9, i % 60),
            uploads={k: v for k, v in abc_uploads().items()
                     if k in {m.key for m in world.item_a.materials.all()}},
        ), by=world.clerk, now=at(2026, 3, 2, 10))


@pytest.mark.parametrize("count", [3, 30])
def test_the_inbox_page_costs_a_fixed_number_of_queries(client, world, count,
                                                        django_assert_num_queries):
    _many_tasks(world, count)
    client.force_login(world.handler_a)
    client.get(reverse("approvals:inbox"))  # warm the calendar and the session
    # session, user, scope (memberships, units), count, the page's ids, its rows
    with django_assert_num_queries(7):
        response = client.get(reverse("approvals:inbox"))
    assert response.content.decode().count("<tr data-row") == count


def test_signing_for_from_the_inbox_returns_the_row_and_the_second_signer_is_told(client, world):
    case = accepted(world)
    a = task_of(case, "depta")
    client.force_login(world.handler_a)
    response = client.post(task_url(a, "sign"), {"fragment": "row"}, **HTMX)
    assert response.status_code == 200
    row = response.content.decode()
    assert row.startswith(f'<tr data-row id="row-{a.pk}"') and "t-handler-a" in row
    client.force_login(world.handler_a2)
    response = client.post(task_url(a, "sign"), {"fragment": "row"}, **HTMX)
    assert response.status_code == 409
    assert "error-text" in response.content.decode()
    a.refresh_from_db()
    assert a.assignee == world.handler_a


def test_two_handlers_on_the_case_page_one_wins_the_other_gets_409(client, world):
    case = accepted(world)
    a = task_of(case, "depta")
    client.force_login(world.handler_a)
    assert client.post(task_url(a, "sign")).status_code == 302
    client.force_login(world.handler_a2)
    response = client.post(task_url(a, "sign"))
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="action-error"' in page and "<html" in page


# --- task actions --------------------------------------------------------------------------

def test_a_handler_signs_and_approves(client, world):
    case = accepted(world)
    a = task_of(case, "depta")
    client.force_login(world.handler_a)
    client.post(task_url(a, "sign"))
    page = client.get(case_url(case)).content.decode()
    assert task_url(a, "approve") in page and task_url(task_of(case, "deptb"), "sign") not in page
    response = client.post(task_url(a, "approve"), {f"t{a.pk}-approve-note": "符合条件"}, **HTMX)
    assert response.status_code == 200
    a.refresh_from_db()
    assert a.state == TaskState.APPROVED


def test_refusing_an_item_needs_a_reason(client, world):
    case = accepted(world)
    a = task_of(case, "depta")
    client.force_login(world.handler_a)
    client.post(task_url(a, "sign"))
    response = client.post(task_url(a, "refuse"), {f"t{a.pk}-refuse-reason": ""}, **HTMX)
    assert response.status_code == 400
    assert f'open id="t{a.pk}-refuse"' in response.content.decode()
    a.refresh_from_db()
    assert a.state == TaskState.IN_REVIEW


def test_a_special_procedure_pauses_and_ends(client, world):
    case = accepted(world)
    a = task_of(case, "depta")
    client.force_login(world.handler_a)
    client.post(task_url(a, "sign"))
    prefix = f"t{a.pk}-special"
    response = client.post(task_url(a, "special"), {f"{prefix}-kind": "auction",
                                                    f"{prefix}-expected_workdays": "3",
                                                    f"{prefix}-reason": "x"})
    assert response.status_code == 400  # the item provides for expert review and hearings only
    response = client.post(task_url(a, "special"), {f"{prefix}-kind": "expert_review",
                                                    f"{prefix}-expected_workdays": "3",
                                                    f"{prefix}-reason": "专家论证"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == TaskState.SPECIAL_PROCEDURE
    assert case.notices.filter(kind="special_procedure").exists()
    response = client.post(task_url(a, "special-end"), {f"t{a.pk}-special-end-outcome": "同意"})
    assert response.status_code == 302
    assert SpecialProcedure.objects.get(task=a).ended_at is not None


def test_an_extension_goes_to_the_head_who_decides_on_the_list(client, world):
    case = accepted(world)
    b = task_of(case, "deptb")
    client.force_login(world.handler_b)
    client.post(task_url(b, "sign"))
    response = client.post(task_url(b, "extension"), {f"t{b.pk}-extension-days": "11",
                                                      f"t{b.pk}-extension-reason": "x"})
    assert response.status_code == 400
    response = client.post(task_url(b, "extension"), {f"t{b.pk}-extension-days": "2",
                                                      f"t{b.pk}-extension-reason": "需核查"})
    assert response.status_code == 302
    request = ExtensionRequest.objects.get(task=b)
    assert client.get(reverse("approvals:extensions")).content.decode().count("<tr data-row") == 0
    client.force_login(world.officer)  # the efficiency office watches, the head decides
    page = client.get(reverse("approvals:extensions")).content.decode()
    assert f'id="extension-{request.pk}"' in page and "<form" not in page.split(
        f'id="extension-{request.pk}"')[1].split("</tr>")[0]
    client.force_login(world.head_b)
    page = client.get(reverse("approvals:extensions")).content.decode()
    assert f'id="extension-{request.pk}"' in page
    assert "<form" in page.split(f'id="extension-{request.pk}"')[1].split("</tr>")[0]
    url = reverse("approvals:decide_extension", args=[request.pk])
    response = client.post(url, {f"x{request.pk}-decision": "refuse",
                                 f"x{request.pk}-note": ""}, **HTMX)
    assert response.status_code == 400
    response = client.post(url, {f"x{request.pk}-decision": "approve",
                                 f"x{request.pk}-note": ""}, **HTMX)
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED
    assert case.notices.filter(kind="extension").exists()
    # deciding again: someone already did
    response = client.post(url, {f"x{request.pk}-decision": "approve"}, **HTMX)
    assert response.status_code == 409


def test_a_handler_cannot_decide_an_extension(client, world):
    case = accepted(world)
    b = task_of(case, "deptb")
    services.sign_for_task(task=b, by=world.handler_b)
    request = services.request_extension(task=b, by=world.handler_b, days=1, reason="x")
    client.force_login(world.handler_b)
    response = client.post(reverse("approvals:decide_extension", args=[request.pk]),
                           {f"x{request.pk}-decision": "approve"}, **HTMX)
    assert response.status_code == 403


def test_the_head_reassigns_within_the_department(client, world):
    case = accepted(world)
    a = task_of(case, "depta")
    services.sign_for_task(task=a, by=world.handler_a)
    client.force_login(world.head_a)
    response = client.post(task_url(a, "assign"), {f"t{a.pk}-assign-to": "t-handler-b"})
    assert response.status_code == 400  # not of this department
    response = client.post(task_url(a, "assign"), {f"t{a.pk}-assign-to": "t-handler-a2"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.assignee == world.handler_a2
    client.force_login(world.handler_a)
    assert client.post(task_url(a, "assign"),
                       {f"t{a.pk}-assign-to": "t-handler-a"}).status_code == 403


def test_a_handler_asks_for_supplements_through_the_window(client, world):
    case = accepted(world)
    a = task_of(case, "depta")
    services.sign_for_task(task=a, by=world.handler_a)
    client.force_login(world.handler_a)
    prefix = f"t{a.pk}-supplement"
    response = client.post(task_url(a, "supplement"), {
        f"{prefix}-material-premises": "on", f"{prefix}-reason-premises": "租期不足"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == TaskState.SUPPLEMENT
    assert "租期不足" in case.notices.get(kind="supplement").body


def test_the_case_list_filters(client, world):
    case = submitted(world)
    client.force_login(world.clerk)
    page = client.get(reverse("approvals:work_cases") + "?state=submitted").content.decode()
    assert case.number in page
    page = client.get(reverse("approvals:work_cases") + "?state=completed").content.decode()
    assert case.number not in page


def test_refusing_an_extension_without_javascript_shows_the_reason_in_its_row(client, world):
    case = accepted(world)
    b = task_of(case, "deptb")
    services.sign_for_task(task=b, by=world.handler_b)
    request = services.request_extension(task=b, by=world.handler_b, days=1, reason="x")
    client.force_login(world.head_b)
    response = client.post(reverse("approvals:decide_extension", args=[request.pk]),
                           {f"x{request.pk}-decision": "refuse", f"x{request.pk}-note": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="extension-{request.pk}"' in page and "error-message" in page
    response = client.post(reverse("approvals:decide_extension", args=[request.pk]),
                           {f"x{request.pk}-decision": "refuse", f"x{request.pk}-note": "不必"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.REFUSED
