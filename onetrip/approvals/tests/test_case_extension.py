"""More time for a joint case (Art. 42: +15 working days with the county leader's approval):
who asks and decides, every condition, the case deadline across a holiday, how it combines
with task extensions, the notice and the audit chain."""

import pytest

from onetrip.accounts.models import Role
from onetrip.approvals import selectors, services
from onetrip.approvals.models import CaseExtensionRequest, Notice, Task
from onetrip.approvals.states import CaseState, RequestState
from onetrip.audit.selectors import events_for
from onetrip.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from onetrip.monitoring.models import Clock
from onetrip.testing import make_user

from .builders import abc_uploads, assert_clocks_match_events, at, single_uploads

pytestmark = pytest.mark.django_db

MONDAY_23_MARCH = at(2026, 3, 23, 10)
MONDAY_2_MARCH = at(2026, 3, 2, 9)
TUESDAY_3_MARCH = at(2026, 3, 3, 11)


def accepted(world, when=MONDAY_2_MARCH):
    case = services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=when)
    return services.accept_case(case=case, by=world.clerk, now=when.replace(hour=10))


def tasks_of(case):
    return {t.department.code: t for t in Task.objects.filter(case=case, kind="review")
            .select_related("department", "clock")}


def case_clock(case):
    case.refresh_from_db()
    return Clock.objects.get(pk=case.clock_id)


def extension_of(clock):
    return sum(e["amount"] for e in clock.extensions)


def ask(world, case, days=15, reason="需多部门联合现场踏勘", by=None, now=None):
    return services.request_case_extension(case=case, by=by or world.head_a, days=days,
                                           reason=reason, now=now or at(2026, 3, 3, 9))


def task_extension(world, case, code, days, now=TUESDAY_3_MARCH):
    task = tasks_of(case)[code]
    handler = {"depta": world.handler_a, "deptb": world.handler_b}[code]
    head = {"depta": world.head_a, "deptb": world.head_b}[code]
    services.sign_for_task(task=task, by=handler, now=now)
    request = services.request_extension(task=task, by=handler, days=days, reason="情况复杂",
                                         now=now)
    services.decide_extension(request=request, by=head, approve=True, now=now)


# --- the happy path, by hand ---------------------------------------------------------------------

def test_the_lead_head_asks_a_county_leader_approves_and_the_applicant_is_told(world):
    case = accepted(world, when=MONDAY_23_MARCH.replace(hour=9))
    clock = case_clock(case)
    # pkg-abc: committed 6, legal 45 (three departments) from Mon 23 Mar 2026:
    # 24-27 Mar, 30-31 Mar → last day Tue 31 Mar
    assert clock.deadline_at == at(2026, 4, 1, 0)
    # 45: 4 (24-27 Mar) + 5 (30 Mar-3 Apr) + 4 (7-10 Apr: Mon 6 Apr is Qingming)
    # + 5 + 5 (13-24 Apr) + 4 (27-30 Apr) + 3 (6-8 May: 1-5 May Labour Day)
    # + 1 (Sat 9 May, made up) + 5 + 5 (11-22 May) + 4 (25-28 May) → Thu 28 May
    assert clock.legal_deadline_at == at(2026, 5, 29, 0)

    request = ask(world, case, days=15, now=at(2026, 3, 24, 9))
    assert request.state == RequestState.OPEN
    services.decide_case_extension(request=request, by=world.leader, approve=True,
                                   now=at(2026, 3, 24, 15))
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED and request.decided_by == world.leader
    clock = case_clock(case)
    assert case.extension_days == 15 and extension_of(clock) == 15
    # committed 6 + 15 = 21: 4 + 5 + 4 (7-10 Apr, Qingming off) + 5 (13-17 Apr)
    # + 3 (20-22 Apr) → last day Wed 22 Apr (Tue 21 Apr without the holiday)
    assert clock.deadline_at == at(2026, 4, 23, 0)
    # legal 45 + 15 = 60: 28 May was the 45th; Fri 29 May 46, 1-5 Jun 51, 8-12 Jun 56,
    # 15-18 Jun 60 → Thu 18 Jun (Fri 19 Jun is the Dragon Boat Festival)
    assert clock.legal_deadline_at == at(2026, 6, 19, 0)
    # the task clocks keep their own deadlines
    assert all(t.clock.extensions == [] for t in tasks_of(case).values())

    notice = Notice.objects.get(case=case, kind="extension")
    assert "需多部门联合现场踏勘" in notice.body
    assert "15" in notice.body and "2026年4月22日" in notice.body
    assert "县人民政府负责人" in notice.body and world.dept_a.name in notice.body
    assert notice.issued_by == world.leader

    events = {e.action: e for e in events_for(case)}
    asked = events["case.extension_requested"]
    assert asked.actor_id == world.head_a.pk
    assert asked.payload["days"] == 15 and asked.payload["request"] == request.pk
    approved = events["case.extension_approved"]
    assert approved.actor_id == world.leader.pk and approved.payload["extension_days"] == 15
    assert "case.extension_approved" in [
        e.action for e in selectors.timeline(case, audience="applicant")]
    assert "case.extension_requested" not in [
        e.action for e in selectors.timeline(case, audience="applicant")]
    assert_clocks_match_events(case)


def test_a_second_request_up_to_fifteen_in_all(world):
    case = accepted(world)
    first = ask(world, case, days=6)
    services.decide_case_extension(request=first, by=world.leader, approve=True,
                                   now=at(2026, 3, 3, 10))
    with pytest.raises(ValidationFailed) as caught:
        ask(world, case, days=10)
    assert caught.value.errors[0].field == "days"
    second = ask(world, case, days=9)
    services.decide_case_extension(request=second, by=world.leader, approve=True,
                                   now=at(2026, 3, 3, 11))
    case.refresh_from_db()
    assert case.extension_days == 15 and extension_of(case_clock(case)) == 15
    with pytest.raises(ValidationFailed):
        ask(world, case, days=1)
    assert_clocks_match_events(case)


# --- the two kinds of extension do not add up ---------------------------------------------------

def test_a_task_extension_then_the_case_extension_make_fifteen_not_twenty_five(world):
    case = accepted(world)
    task_extension(world, case, "deptb", 10)
    assert extension_of(case_clock(case)) == 10
    request = ask(world, case, days=15)
    services.decide_case_extension(request=request, by=world.leader, approve=True,
                                   now=at(2026, 3, 3, 15))
    clock = case_clock(case)
    assert extension_of(clock) == 15
    # committed 6 + 15 = 21 working days from Mon 2 Mar: 3-6, 9-13, 16-20, 23-27, 30-31 Mar
    assert clock.deadline_at == at(2026, 4, 1, 0)
    assert Task.objects.get(pk=tasks_of(case)["deptb"].pk).extension_days == 10
    assert_clocks_match_events(case)


def test_the_case_extension_then_a_task_extension_stays_at_fifteen(world):
    case = accepted(world)
    request = ask(world, case, days=15)
    services.decide_case_extension(request=request, by=world.leader, approve=True,
                                   now=at(2026, 3, 3, 10))
    task_extension(world, case, "deptb", 10)
    assert extension_of(case_clock(case)) == 15
    assert_clocks_match_events(case)


def test_a_small_case_extension_then_a_larger_task_extension_follows_the_task(world):
    case = accepted(world)
    request = ask(world, case, days=4)
    services.decide_case_extension(request=request, by=world.leader, approve=True,
                                   now=at(2026, 3, 3, 10))
    task_extension(world, case, "deptb", 7)
    assert extension_of(case_clock(case)) == 7  # max(4, 7)
    assert_clocks_match_events(case)


def test_asking_for_no_more_than_the_tasks_already_gave_is_refused(world):
    case = accepted(world)
    task_extension(world, case, "deptb", 10)
    with pytest.raises(ValidationFailed) as caught:
        ask(world, case, days=10)
    assert caught.value.errors[0].field == "days"
    assert ask(world, case, days=11).days == 11


# --- who ------------------------------------------------------------------------------------------

def test_only_the_head_of_the_lead_department_may_ask(world):
    case = accepted(world)
    for someone in (world.handler_a, world.head_b, world.head_c, world.leader, world.clerk,
                    world.officer, world.applicant):
        with pytest.raises(PermissionDenied):
            ask(world, case, by=someone)
    assert not CaseExtensionRequest.objects.exists()
    assert ask(world, case).requested_by == world.head_a


def test_only_a_county_leader_may_decide(world):
    case = accepted(world)
    request = ask(world, case)
    for someone in (world.head_a, world.head_b, world.handler_a, world.officer, world.admin,
                    world.clerk, world.applicant):
        with pytest.raises(PermissionDenied):
            services.decide_case_extension(request=request, by=someone, approve=True)
    request.refresh_from_db()
    assert request.state == RequestState.OPEN
    assert extension_of(case_clock(case)) == 0


# --- every condition ----------------------------------------------------------------------------

def test_only_while_the_case_is_in_review(world):
    case = services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=at(2026, 3, 2, 9))
    with pytest.raises(TransitionNotAllowed):
        ask(world, case)
    services.withdraw_case(case=case, by=world.applicant, now=at(2026, 3, 2, 10))
    with pytest.raises(TransitionNotAllowed):
        ask(world, case)


def test_only_for_a_case_of_several_departments(world):
    head_centre = make_user("t-head-centre", unit=world.centre, role=Role.HEAD)
    case = services.apply_online(by=world.applicant, item=world.item_a,
                                 uploads=single_uploads(world.item_a), now=at(2026, 3, 2, 9))
    case = services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    assert case.clock.unit == world.centre  # one item: the centre answers for the case
    with pytest.raises(PermissionDenied):
        ask(world, case, by=world.head_a)
    with pytest.raises(Conflict):
        ask(world, case, by=head_centre)


def test_not_after_the_legal_deadline(world):
    case = accepted(world)
    legal = case_clock(case).legal_deadline_at
    with pytest.raises(Conflict):
        ask(world, case, now=legal)
    request = ask(world, case)
    with pytest.raises(Conflict):  # it ran out while the leader thought about it
        services.decide_case_extension(request=request, by=world.leader, approve=True,
                                       now=legal)


@pytest.mark.parametrize("days", [0, 16, -1, "3"])
def test_one_to_fifteen_working_days(world, days):
    case = accepted(world)
    with pytest.raises(ValidationFailed) as caught:
        ask(world, case, days=days)
    assert caught.value.errors[0].field == "days"


def test_a_reason_is_required(world):
    case = accepted(world)
    with pytest.raises(ValidationFailed) as caught:
        ask(world, case, reason="  ")
    assert caught.value.errors[0].field == "reason"


def test_one_open_request_at_a_time(world):
    case = accepted(world)
    ask(world, case, days=5)
    with pytest.raises(Conflict):
        ask(world, case, days=5)


def test_a_refusal_needs_a_note_changes_nothing_and_the_applicant_is_not_told(world):
    case = accepted(world)
    request = ask(world, case)
    with pytest.raises(ValidationFailed) as caught:
        services.decide_case_extension(request=request, by=world.leader, approve=False)
    assert caught.value.errors[0].field == "note"
    request.refresh_from_db()
    assert request.state == RequestState.OPEN
    assert "case.extension_refused" not in {e.action for e in events_for(case)}
    services.decide_case_extension(request=request, by=world.leader, approve=False,
                                   note="请各部门按原时限办结", now=at(2026, 3, 3, 15))
    request.refresh_from_db()
    assert request.state == RequestState.REFUSED and request.decision_note == "请各部门按原时限办结"
    assert extension_of(case_clock(case)) == 0
    assert not Notice.objects.filter(case=case, kind="extension").exists()
    refused = [e for e in events_for(case) if e.action == "case.extension_refused"]
    assert refused and refused[0].payload["note"] == "请各部门按原时限办结"
    assert "case.extension_refused" not in [
        e.action for e in selectors.timeline(case, audience="applicant")]
    with pytest.raises(Conflict):
        services.decide_case_extension(request=request, by=world.leader, approve=True)
    # refused: the lead head may ask again
    assert ask(world, case, days=3).state == RequestState.OPEN


def test_withdrawal_and_the_decision_cancel_an_open_request(world):
    case = accepted(world)
    request = ask(world, case)
    services.withdraw_case(case=case, by=world.applicant, now=at(2026, 3, 3, 10))
    request.refresh_from_db()
    assert request.state == RequestState.CANCELLED
    with pytest.raises(Conflict):
        services.decide_case_extension(request=request, by=world.leader, approve=True)

    case = accepted(world)
    request = ask(world, case)
    people = {"depta": world.handler_a, "deptb": world.handler_b, "deptc": world.handler_c}
    for code, task in tasks_of(case).items():
        services.sign_for_task(task=task, by=people[code], now=at(2026, 3, 3, 10))
        services.approve_task(task=task, by=people[code], now=at(2026, 3, 3, 11))
    case.refresh_from_db()
    assert case.state in (CaseState.DECIDED, CaseState.COMPLETED)
    request.refresh_from_db()
    assert request.state == RequestState.CANCELLED


# --- who sees the requests --------------------------------------------------------------------

def test_the_leader_lists_case_requests_and_heads_only_task_requests(world):
    case = accepted(world)
    request = ask(world, case)
    b = tasks_of(case)["deptb"]
    services.sign_for_task(task=b, by=world.handler_b, now=at(2026, 3, 3, 9))
    task_request = services.request_extension(task=b, by=world.handler_b, days=2, reason="x",
                                              now=at(2026, 3, 3, 9))
    assert list(selectors.case_extension_requests_for(world.leader)) == [request]
    for someone in (world.head_a, world.head_b, world.officer, world.admin, world.clerk):
        assert list(selectors.case_extension_requests_for(someone)) == []
    assert list(selectors.extension_requests_for(world.head_a)) == []
    assert list(selectors.extension_requests_for(world.head_b)) == [task_request]
    detail = selectors.case_detail(world.leader, pk=case.pk)
    assert detail.open_case_extension == request and "decide_extension" in detail.case_actions
    detail = selectors.case_detail(world.head_a, pk=case.pk)
    assert "request_extension" not in detail.case_actions  # one open at a time
