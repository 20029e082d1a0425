"""No intake decision in 5 working days: the case counts as accepted on the day it was received."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from onetrip.approvals import selectors, services
from onetrip.approvals.models import Case, Task
from onetrip.approvals.states import CaseState, TaskState
from onetrip.audit.selectors import events_for
from onetrip.monitoring import services as monitoring
from onetrip.testing import make_county

from .builders import abc_uploads, assert_clocks_match_events, at, make_world, pdf


def apply(world, when):
    return services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=when)


@pytest.mark.django_db
def test_a_case_nobody_decided_is_accepted_as_of_the_day_it_was_received(world):
    case = apply(world, at(2026, 3, 2, 9))  # Monday; 5 working days end with Mon 9 March
    assert services.deem_overdue_cases_accepted(at(2026, 3, 9, 23, 59)) == 0
    assert services.deem_overdue_cases_accepted(at(2026, 3, 10, 0, 1)) == 1
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    assert case.deemed_accepted is True
    assert case.accepted_at == at(2026, 3, 2, 9)
    event = [e for e in events_for(case) if e.action == "case.accepted"][0]
    assert event.payload["deemed"] is True and event.actor_name == "system"
    # the decision clocks count from the day received: 6 days from 2 March → 10 March
    assert case.clock.started_at == at(2026, 3, 2, 9)
    assert case.clock.deadline_at == at(2026, 3, 11, 0)
    assert Task.objects.filter(case=case, state=TaskState.PENDING).count() == 3
    notice = case.notices.get(kind="acceptance").body
    assert "未在法定期限内作出是否受理的决定" in notice and "（2026年3月2日）起即为受理" in notice
    assert_clocks_match_events(case)


@pytest.mark.django_db
def test_after_a_supplement_it_counts_from_the_day_the_materials_were_complete(world):
    case = apply(world, at(2026, 3, 2, 9))
    request = services.request_supplement(case=case, by=world.clerk,
                                          items=[{"key": "premises"}], now=at(2026, 3, 3))
    # waiting for the applicant: never deemed accepted
    assert services.deem_overdue_cases_accepted(at(2026, 4, 1)) == 0
    services.supply_supplement(request=request, by=world.applicant,
                               uploads={"premises": pdf()}, now=at(2026, 4, 1, 15))
    # 5 working days from Wed 1 April: 2, 3, (Mon 6 April holiday) 7, 8, 9 → late from 10 April
    assert services.deem_overdue_cases_accepted(at(2026, 4, 9, 23)) == 0
    assert services.deem_overdue_cases_accepted(at(2026, 4, 10, 8)) == 1
    case.refresh_from_db()
    assert case.accepted_at == at(2026, 4, 1, 15)


@pytest.mark.django_db
def test_a_decided_case_is_left_alone(world):
    case = apply(world, at(2026, 3, 2, 9))
    services.refuse_case(case=case, by=world.clerk, reason="不属于本中心受理范围",
                         now=at(2026, 3, 3))
    assert services.deem_overdue_cases_accepted(at(2026, 5, 1)) == 0
    case.refresh_from_db()
    assert case.state == CaseState.NOT_ACCEPTED


@pytest.mark.django_db
def test_sweep_clocks_raises_the_yellow_card_and_deems_acceptance_once(world, time_machine):
    case = apply(world, at(2026, 3, 2, 9))
    time_machine.move_to(at(2026, 3, 10, 8), tick=False)
    out = StringIO()
    call_command("sweep_clocks", stdout=out)
    assert "cases deemed accepted: 1" in out.getvalue()
    call_command("sweep_clocks", stdout=StringIO())
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    accepted = [e for e in events_for(case) if e.action == "case.accepted"]
    assert len(accepted) == 1
    # the centre's clerks were told: the intake clock's pre-warning and yellow card
    kinds = sorted(n.kind for n in selectors.notices_for(world.clerk))
    assert kinds == ["prewarning", "yellow"]
    # the departments' clocks start when they get the task, not on the day received; the
    # package's lead department (A) is told about the case clock only
    assert [n.clock.purpose for n in selectors.notices_for(world.handler_a)] == ["case"]
    assert selectors.notices_for(world.handler_b).count() == 0
    task = Task.objects.get(case=case, department=world.dept_a)
    assert task.clock.started_at == at(2026, 3, 10, 8)
    # the case clock counts from the day received: 6 days from 2 March → late from 11 March
    assert case.clock.deadline_at == at(2026, 3, 11, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_deem_each_case_accepted_once(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    world = make_world(make_county())
    cases = [apply(world, at(2026, 3, 2, 9)) for _ in range(6)]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(services.deem_overdue_cases_accepted(at(2026, 3, 11)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sum(results) == 6
    for case in cases:
        assert Case.objects.get(pk=case.pk).state == CaseState.IN_REVIEW
        assert len([e for e in events_for(case) if e.action == "case.accepted"]) == 1
    assert monitoring.sweep(now=at(2026, 3, 11)).total >= 0


@pytest.mark.django_db
def test_the_hook_costs_one_query_however_many_cases_are_open(world,
                                                             django_assert_num_queries):
    for day in (2, 3, 4):
        apply(world, at(2026, 3, day, 9))
    with django_assert_num_queries(1):  # an index range on intake_due_at: nothing due
        assert services.deem_overdue_cases_accepted(at(2026, 3, 9, 12)) == 0
