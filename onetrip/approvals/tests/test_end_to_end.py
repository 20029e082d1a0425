"""A package of three departments driven through the services, across the 2026 Spring Festival.

Working days around it (State Council notice for 2026): Sat 14 Feb and Sat 28 Feb
are make-up working days; 16–20 and 23 Feb are holidays. Every deadline below
is computed by hand in the comments and then asserted.
"""

import pytest
import time_machine

from onetrip.approvals import selectors, services
from onetrip.approvals.models import Task
from onetrip.approvals.states import CaseState, TaskState
from onetrip.audit.verify import verify

from .builders import abc_uploads, assert_clocks_match_events, at, pdf

pytestmark = pytest.mark.django_db


def step(moment):
    return time_machine.travel(moment, tick=False)


def test_a_package_goes_from_application_to_rating_with_zero_trips(world):
    w = world
    # Mon 9 Feb, 09:00: the applicant applies online for the three-department package.
    with step(at(2026, 2, 9, 9)):
        case = services.apply_online(by=w.applicant, package=w.package, uploads=abc_uploads())
    assert case.state == CaseState.SUBMITTED
    assert case.number == "MH20260209-000001" and len(case.query_code) == 6
    # intake: 5 working days from 9 Feb: 10, 11, 12, 13, Sat 14 (make-up) → late from 15 Feb
    assert case.intake_due_at == at(2026, 2, 15, 0)

    # Tue 10 Feb: the clerk asks for one material again; the intake clock stops.
    with step(at(2026, 2, 10, 10)):
        request = services.request_supplement(
            case=case, by=w.clerk, items=[{"key": "premises", "reason": "租赁合同缺少签字页"}]
        )
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_SUPPLEMENT and case.intake_due_at is None

    # Wed 11 Feb 15:00: the applicant supplies it; a new intake clock starts that day:
    # 12, 13, Sat 14, (16–23 off) 24, 25 → late from 26 Feb.
    with step(at(2026, 2, 11, 15)):
        services.supply_supplement(request=request, by=w.applicant,
                                   uploads={"premises": pdf("lease.pdf")})
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert case.intake_due_at == at(2026, 2, 26, 0)

    # Thu 12 Feb 10:00: the clerk accepts. Every item starts at once, side by side.
    with step(at(2026, 2, 12, 10)):
        case = services.accept_case(case=case, by=w.clerk)
    tasks = {t.department.code: t for t in Task.objects.filter(case=case).select_related(
        "clock", "department")}
    assert {t.state for t in tasks.values()} == {TaskState.PENDING}
    # case: package limit 6 from 12 Feb: 13, Sat 14, 24, 25, 26, 27 → late from 28 Feb;
    # legal: 45 working days (joint handling by three departments)
    assert case.clock.deadline_at == at(2026, 2, 28, 0)
    assert case.clock.legal_limit == 45
    # A 5 days: 13, 14, 24, 25, 26 → 27 Feb; B 3: 13, 14, 24 → 25 Feb; C 4: … 25 → 26 Feb
    assert tasks["depta"].clock.deadline_at == at(2026, 2, 27, 0)
    assert tasks["deptb"].clock.deadline_at == at(2026, 2, 25, 0)
    assert tasks["deptc"].clock.deadline_at == at(2026, 2, 26, 0)

    with step(at(2026, 2, 12, 11)):
        services.sign_for_task(task=tasks["depta"], by=w.handler_a)
        services.sign_for_task(task=tasks["deptb"], by=w.handler_b)
        services.sign_for_task(task=tasks["deptc"], by=w.handler_c)

    # Fri 13 Feb 10:00: department A starts an expert review (3 working days expected).
    with step(at(2026, 2, 13, 10)):
        procedure = services.start_special_procedure(
            task=tasks["depta"], by=w.handler_a, kind="expert_review", expected_workdays=3,
            reason="涉及公共安全，需组织专家论证",
        )
    assert "3" in procedure.case.notices.get(kind="special_procedure").body

    # Fri 13 Feb: department B asks for 2 more days; its head approves.
    with step(at(2026, 2, 13, 11)):
        extension = services.request_extension(task=tasks["deptb"], by=w.handler_b, days=2,
                                               reason="需补充核查经营场所")
    with step(at(2026, 2, 13, 14)):
        services.decide_extension(request=extension, by=w.head_b, approve=True)

    # Tue 24 Feb: department C approves.
    with step(at(2026, 2, 24, 10)):
        services.approve_task(task=tasks["deptc"], by=w.handler_c)
    # Wed 25 Feb 10:00: the expert review ends; Thu 26 Feb: B approves.
    with step(at(2026, 2, 25, 10)):
        services.end_special_procedure(task=tasks["depta"], by=w.handler_a, outcome="专家同意")
    with step(at(2026, 2, 26, 10)):
        services.approve_task(task=tasks["deptb"], by=w.handler_b)

    for task in tasks.values():
        task.refresh_from_db()
        task.clock.refresh_from_db()
    case.refresh_from_db()
    case.clock.refresh_from_db()
    # A: paused at the end of 13, Sat 14 and 24 Feb (the procedure, 13 Feb 10:00 – 25 Feb
    # 10:00); counted: 25, 26, 27, Sat 28, Mon 2 Mar → late from 3 Mar.
    assert tasks["depta"].clock.deadline_at == at(2026, 3, 3, 0)
    # B: 3 + 2 = 5 working days: 13, 14, 24, 25, 26 → late from 27 Feb; legal 20 + 2 = 22:
    # …, 20 Mar is the 22nd counted day → late from 21 Mar.
    assert tasks["deptb"].clock.deadline_at == at(2026, 2, 27, 0)
    assert tasks["deptb"].clock.legal_deadline_at == at(2026, 3, 21, 0)
    # the case waited during A's procedure (13, 14, 24 Feb) and follows B's extension (+2):
    # 8 counted days: 25, 26, 27, Sat 28, 2, 3, 4, 5 Mar → late from 6 Mar.
    assert case.clock.deadline_at == at(2026, 3, 6, 0)
    assert case.state == CaseState.IN_REVIEW

    # Mon 2 Mar 16:00: A approves, the last one: the case is decided and the certificates
    # go out electronically at once.
    with step(at(2026, 3, 2, 16)):
        services.approve_task(task=tasks["depta"], by=w.handler_a)
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED
    assert case.outcome == "approved"
    assert case.delivery.method == "electronic"
    assert sorted(c.title for c in case.certificates.all()) == ["丙许可证", "乙许可证",
                                                                 "甲许可证"]
    assert case.trips == 0

    with step(at(2026, 3, 3, 9)):
        services.rate_case(case=case, by=w.applicant, level=5, comment="全程网办，一次没跑")
    assert case.rating.level == 5

    # what the applicant sees, without logging in
    status = selectors.track(number=case.number, query_code=case.query_code)
    assert status.state == CaseState.COMPLETED and status.trips == 0
    assert [i.state for i in status.items] == ["approved"] * 3
    actions = [e.action for e in status.timeline]
    assert actions[:4] == ["case.submitted", "case.supplement_requested",
                           "case.supplement_supplied", "case.accepted"]
    assert actions[-3:] == ["case.decided", "case.delivered", "case.rated"]

    assert_clocks_match_events(case)
    assert verify().ok
