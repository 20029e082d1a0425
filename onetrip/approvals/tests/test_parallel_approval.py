"""Department tasks: parallel and waiting items, decisions, supplements, special procedures,
extensions, reassignment and withdrawal, with their clocks."""

import pytest

from onetrip.approvals import services
from onetrip.approvals.models import Notice, Task
from onetrip.approvals.states import CaseState, TaskState
from onetrip.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from onetrip.monitoring.models import Clock

from .builders import abc_uploads, assert_clocks_match_events, at, pdf

pytestmark = pytest.mark.django_db


MONDAY_9 = at(2026, 3, 2, 9)
MONDAY_11 = at(2026, 3, 2, 11)


def accepted(world, package=None, when=MONDAY_9):
    case = services.apply_online(by=world.applicant, package=package or world.package,
                                 uploads=abc_uploads(), now=when)
    return services.accept_case(case=case, by=world.clerk, now=when.replace(hour=10))


def tasks_of(case):
    return {t.department.code: t for t in Task.objects.filter(case=case, kind="review")
            .select_related("department", "clock")}


def signed(world, case, when=MONDAY_11):
    tasks = tasks_of(case)
    services.sign_for_task(task=tasks["depta"], by=world.handler_a, now=when)
    services.sign_for_task(task=tasks["deptb"], by=world.handler_b, now=when)
    services.sign_for_task(task=tasks["deptc"], by=world.handler_c, now=when)
    return tasks_of(case)


def fresh(clock):
    return Clock.objects.get(pk=clock.pk)


def test_items_without_prerequisites_start_side_by_side(world):
    case = accepted(world)
    tasks = tasks_of(case)
    assert {t.state for t in tasks.values()} == {TaskState.PENDING}
    assert all(t.clock.started_at == at(2026, 3, 2, 10) for t in tasks.values())


def test_an_item_that_waits_starts_when_its_prerequisite_is_approved(world):
    case = accepted(world, package=world.chain)  # B waits for A, C waits for B
    tasks = tasks_of(case)
    assert tasks["depta"].state == TaskState.PENDING
    assert tasks["deptb"].state == TaskState.WAITING and tasks["deptb"].clock is None
    services.sign_for_task(task=tasks["depta"], by=world.handler_a, now=at(2026, 3, 2, 11))
    services.approve_task(task=tasks["depta"], by=world.handler_a, now=at(2026, 3, 4, 15))
    tasks = tasks_of(case)
    assert tasks["deptb"].state == TaskState.PENDING
    # its clock starts when it starts: 3 working days from 4 March → late from 10 March
    assert tasks["deptb"].clock.started_at == at(2026, 3, 4, 15)
    assert tasks["deptb"].clock.deadline_at == at(2026, 3, 10, 0)
    assert tasks["deptc"].state == TaskState.WAITING


def test_a_refusal_stops_what_depends_on_it_and_decides_the_case(world):
    case = accepted(world, package=world.chain)
    a = tasks_of(case)["depta"]
    services.sign_for_task(task=a, by=world.handler_a, now=at(2026, 3, 2, 11))
    services.refuse_task(task=a, by=world.handler_a, reason="不符合设立条件",
                         now=at(2026, 3, 3))
    tasks = tasks_of(case)
    assert tasks["depta"].state == TaskState.REFUSED
    assert tasks["deptb"].state == TaskState.STOPPED
    assert tasks["deptc"].state == TaskState.STOPPED
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED and case.outcome == "refused"
    assert not case.certificates.exists()
    decision = Notice.objects.get(case=case, kind="decision").body
    assert "不符合设立条件" in decision


def test_the_case_is_decided_when_its_last_task_is(world):
    case = accepted(world)
    tasks = signed(world, case)
    services.approve_task(task=tasks["depta"], by=world.handler_a, now=at(2026, 3, 3))
    services.refuse_task(task=tasks["deptb"], by=world.handler_b, reason="场所不符合要求",
                         now=at(2026, 3, 3))
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    services.approve_task(task=tasks["deptc"], by=world.handler_c, now=at(2026, 3, 4))
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED and case.outcome == "partly_approved"
    assert fresh(case.clock).done_at == at(2026, 3, 4)
    assert case.certificates.count() == 2


def test_a_handler_works_only_their_own_departments_tasks(world):
    case = accepted(world)
    tasks = tasks_of(case)
    with pytest.raises(PermissionDenied):
        services.sign_for_task(task=tasks["depta"], by=world.handler_b)
    with pytest.raises(PermissionDenied):
        services.sign_for_task(task=tasks["depta"], by=world.clerk)
    services.sign_for_task(task=tasks["depta"], by=world.handler_a)
    with pytest.raises(PermissionDenied):  # signed for by a colleague
        services.approve_task(task=tasks["depta"], by=world.handler_a2)
    with pytest.raises(TransitionNotAllowed):  # not signed for yet
        services.approve_task(task=tasks["deptb"], by=world.handler_b)


def test_signing_twice_is_a_conflict(world):
    task = tasks_of(accepted(world))["depta"]
    services.sign_for_task(task=task, by=world.handler_a)
    with pytest.raises(Conflict):
        services.sign_for_task(task=task, by=world.handler_a2)


def test_the_head_reassigns_within_the_department_only(world):
    task = tasks_of(accepted(world))["depta"]
    services.sign_for_task(task=task, by=world.handler_a)
    with pytest.raises(PermissionDenied):
        services.assign_task(task=task, to=world.handler_a2, by=world.handler_a)
    with pytest.raises(ValidationFailed):
        services.assign_task(task=task, to=world.handler_b, by=world.head_a)
    services.assign_task(task=task, to=world.handler_a2, by=world.head_a)
    task.refresh_from_db()
    assert task.assignee == world.handler_a2 and fresh(task.clock).assignee == world.handler_a2
    services.approve_task(task=task, by=world.handler_a2)
    assert Task.objects.get(pk=task.pk).state == TaskState.APPROVED


def test_a_review_supplement_pauses_the_case_and_every_running_task(world):
    case = accepted(world)  # Mon 2 March 10:00
    tasks = signed(world, case)
    request = services.request_task_supplement(
        task=tasks["deptb"], by=world.handler_b, items=[{"key": "premises", "reason": "过期"}],
        now=at(2026, 3, 3, 10),
    )
    assert Task.objects.get(pk=tasks["deptb"].pk).state == TaskState.SUPPLEMENT
    for task in tasks.values():
        assert fresh(task.clock).is_paused
    assert fresh(case.clock).is_paused
    notice = Notice.objects.get(case=case, kind="supplement")
    assert "经营场所使用证明" in notice.body
    # one notice at a time: another department waits for the answer
    with pytest.raises(Conflict):
        services.request_task_supplement(task=tasks["depta"], by=world.handler_a,
                                         items=[{"key": "applicant-id"}])
    # the applicant answers on Thu 5 March: 3 and 4 March are not counted
    services.supply_supplement(request=request, by=world.applicant,
                               uploads={"premises": pdf()}, now=at(2026, 3, 5, 9))
    assert Task.objects.get(pk=tasks["deptb"].pk).state == TaskState.IN_REVIEW
    # B 3 days from 2 March: 3, 4 paused → 5, 6, 9 → late from 10 March
    assert fresh(tasks["deptb"].clock).deadline_at == at(2026, 3, 10, 0)
    # case 6 days: 5, 6, 9, 10, 11, 12 → late from 13 March
    assert fresh(case.clock).deadline_at == at(2026, 3, 13, 0)
    assert_clocks_match_events(case)


def test_a_task_decided_while_others_wait_for_a_supplement_keeps_its_time(world):
    case = accepted(world)
    tasks = signed(world, case)
    request = services.request_task_supplement(
        task=tasks["deptb"], by=world.handler_b, items=[{"key": "premises"}],
        now=at(2026, 3, 3, 10))
    services.approve_task(task=tasks["depta"], by=world.handler_a, now=at(2026, 3, 4, 10))
    assert fresh(tasks["depta"].clock).done_at == at(2026, 3, 4, 10)
    services.supply_supplement(request=request, by=world.applicant,
                               uploads={"premises": pdf()}, now=at(2026, 3, 5, 9))
    assert not fresh(tasks["deptc"].clock).is_paused
    assert_clocks_match_events(case)


def test_a_special_procedure_pauses_its_task_and_the_case_and_is_told_in_writing(world):
    case = accepted(world)
    tasks = signed(world, case)
    services.start_special_procedure(task=tasks["depta"], by=world.handler_a, kind="hearing",
                                     expected_workdays=10, reason="涉及相邻权利人重大利益",
                                     now=at(2026, 3, 3, 10))
    notice = Notice.objects.get(case=case, kind="special_procedure")
    assert "10" in notice.body and "涉及相邻权利人重大利益" in notice.body
    assert fresh(tasks["depta"].clock).is_paused and fresh(case.clock).is_paused
    assert not fresh(tasks["deptb"].clock).is_paused
    with pytest.raises(TransitionNotAllowed):
        services.approve_task(task=tasks["depta"], by=world.handler_a)
    services.end_special_procedure(task=tasks["depta"], by=world.handler_a,
                                   now=at(2026, 3, 10, 10))
    # A 5 days from 2 March, 3–9 March paused (5 working days): 10, 11, 12, 13, 16 → 17 March
    assert fresh(tasks["depta"].clock).deadline_at == at(2026, 3, 17, 0)
    assert not fresh(case.clock).is_paused
    assert_clocks_match_events(case)


def test_only_the_procedures_the_item_provides_for(world):
    tasks = signed(world, accepted(world))
    with pytest.raises(ValidationFailed):
        services.start_special_procedure(task=tasks["depta"], by=world.handler_a,
                                         kind="auction", expected_workdays=5, reason="x")
    with pytest.raises(ValidationFailed):
        services.start_special_procedure(task=tasks["depta"], by=world.handler_a,
                                         kind="hearing", expected_workdays=0, reason="x")


def test_an_extension_is_approved_by_the_head_and_the_applicant_is_told(world):
    case = accepted(world)
    tasks = signed(world, case)
    request = services.request_extension(task=tasks["deptb"], by=world.handler_b, days=10,
                                          reason="需征求相关部门意见", now=at(2026, 3, 3))
    with pytest.raises(PermissionDenied):
        services.decide_extension(request=request, by=world.handler_b, approve=True)
    with pytest.raises(PermissionDenied):
        services.decide_extension(request=request, by=world.head_a, approve=True)
    services.decide_extension(request=request, by=world.head_b, approve=True,
                              now=at(2026, 3, 3, 15))
    clock = fresh(tasks["deptb"].clock)
    # 3 + 10 = 13 working days from 2 March → 19 March, late from 20 March; legal 30 → 14 April
    assert clock.deadline_at == at(2026, 3, 20, 0)
    assert sum(e["amount"] for e in clock.extensions) == 10
    assert sum(e["amount"] for e in fresh(case.clock).extensions) == 10
    assert "需征求相关部门意见" in Notice.objects.get(case=case, kind="extension").body
    with pytest.raises(ValidationFailed):  # 10 working days at most, in all
        services.request_extension(task=tasks["deptb"], by=world.handler_b, days=1, reason="x")
    assert_clocks_match_events(case)


def test_the_case_clock_follows_the_largest_task_extension(world):
    case = accepted(world)
    tasks = signed(world, case)
    for code, handler, head, days in (("depta", world.handler_a, world.head_a, 4),
                                      ("deptb", world.handler_b, world.head_b, 6)):
        request = services.request_extension(task=tasks[code], by=handler, days=days,
                                              reason="情况复杂", now=at(2026, 3, 3))
        services.decide_extension(request=request, by=head, approve=True, now=at(2026, 3, 3))
    assert sum(e["amount"] for e in fresh(case.clock).extensions) == 6


def test_a_refused_extension_needs_a_note_and_changes_nothing(world):
    case = accepted(world)
    tasks = signed(world, case)
    request = services.request_extension(task=tasks["deptb"], by=world.handler_b, days=3,
                                          reason="x", now=at(2026, 3, 3))
    with pytest.raises(ValidationFailed):
        services.decide_extension(request=request, by=world.head_b, approve=False)
    services.decide_extension(request=request, by=world.head_b, approve=False,
                              note="材料已齐全，应按期办结")
    assert fresh(tasks["deptb"].clock).extensions == []
    with pytest.raises(Conflict):
        services.decide_extension(request=request, by=world.head_b, approve=True)


def test_an_extension_cannot_be_asked_after_the_legal_limit(world):
    case = accepted(world)
    tasks = signed(world, case)
    with pytest.raises(Conflict):
        services.request_extension(task=tasks["deptb"], by=world.handler_b, days=2,
                                   reason="x", now=at(2026, 4, 30))


def test_the_applicant_withdraws_before_the_decision(world):
    case = accepted(world)
    tasks = signed(world, case)
    services.approve_task(task=tasks["depta"], by=world.handler_a, now=at(2026, 3, 3))
    with pytest.raises(PermissionDenied):
        services.withdraw_case(case=case, by=world.other_applicant)
    services.withdraw_case(case=case, by=world.applicant, reason="不再经营",
                           now=at(2026, 3, 4))
    states = {code: t.state for code, t in tasks_of(case).items()}
    assert states == {"depta": TaskState.APPROVED, "deptb": TaskState.CANCELLED,
                      "deptc": TaskState.CANCELLED}
    assert Clock.objects.filter(subject_id=str(case.pk), done_at__isnull=True).count() == 0
    with pytest.raises(TransitionNotAllowed):
        services.withdraw_case(case=case, by=world.applicant)
    with pytest.raises(TransitionNotAllowed):
        services.approve_task(task=tasks["deptb"], by=world.handler_b)


def test_no_withdrawal_after_the_decision(world):
    case = accepted(world)
    tasks = signed(world, case)
    for code, handler in (("depta", world.handler_a), ("deptb", world.handler_b),
                          ("deptc", world.handler_c)):
        services.approve_task(task=tasks[code], by=handler)
    with pytest.raises(TransitionNotAllowed):
        services.withdraw_case(case=case, by=world.applicant)


def test_task_deadlines_follow_their_clocks_when_the_calendar_changes(world):
    from onetrip.workdays.services import load_overrides

    case = accepted(world, when=at(2026, 12, 30, 9))  # the clocks run into unknown 2027
    before = tasks_of(case)
    assert all(t.clock.provisional and t.deadline_at == t.clock.deadline_at
               for t in before.values())
    load_overrides([{"date": "2027-01-01", "is_workday": False, "note": "元旦"}], by=None)
    after = tasks_of(case)
    for code, task in after.items():
        assert not task.clock.provisional
        assert task.deadline_at == task.clock.deadline_at > before[code].deadline_at
