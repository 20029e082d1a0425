"""Two people acting on the same task at once, on two real PostgreSQL connections:
one wins, the other is told (Conflict, HTTP 409), and nothing is done twice."""

import threading

import pytest
from django.db import connection

from onetrip.approvals import services
from onetrip.approvals.models import Certificate, Task
from onetrip.approvals.states import TaskState
from onetrip.audit.models import Event
from onetrip.audit.verify import verify
from onetrip.errors import Conflict
from onetrip.testing import make_county

from .builders import abc_uploads, at, make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls at the same moment on separate connections; (results, errors)."""
    results, errors = [], []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture
def accepted(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    world = make_world(make_county())
    case = services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=at(2026, 3, 2, 9))
    case = services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    task = Task.objects.get(case=case, department=world.dept_a)
    return world, case, task


def test_two_handlers_signing_for_one_task_one_wins(accepted):
    world, case, task = accepted
    results, errors = race(
        lambda: services.sign_for_task(task=task, by=world.handler_a),
        lambda: services.sign_for_task(task=task, by=world.handler_a2),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], Conflict) and errors[0].status == 409
    stored = Task.objects.get(pk=task.pk)
    assert stored.state == TaskState.IN_REVIEW
    assert stored.assignee_id == results[0].assignee_id
    assert Event.objects.filter(action="task.signed").count() == 1


def test_approving_and_refusing_the_same_task_at_once_one_wins(accepted):
    world, case, task = accepted
    services.sign_for_task(task=task, by=world.handler_a)
    results, errors = race(
        lambda: services.approve_task(task=task, by=world.handler_a),
        lambda: services.refuse_task(task=task, by=world.head_a, reason="条件不符"),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], Conflict)
    stored = Task.objects.get(pk=task.pk)
    assert stored.state in (TaskState.APPROVED, TaskState.REFUSED)
    decided = Event.objects.filter(action__in=["task.approved", "task.refused"])
    assert decided.count() == 1
    assert Certificate.objects.filter(task=stored).count() == (
        1 if stored.state == TaskState.APPROVED else 0)
    assert verify().ok


def test_the_last_two_departments_deciding_at_once_decide_the_case_once(accepted):
    world, case, task_a = accepted
    tasks = {t.department_id: t for t in Task.objects.filter(case=case)}
    task_b, task_c = tasks[world.dept_b.pk], tasks[world.dept_c.pk]
    services.sign_for_task(task=task_a, by=world.handler_a)
    services.sign_for_task(task=task_b, by=world.handler_b)
    services.sign_for_task(task=task_c, by=world.handler_c)
    services.approve_task(task=task_a, by=world.handler_a)
    results, errors = race(
        lambda: services.approve_task(task=task_b, by=world.handler_b),
        lambda: services.approve_task(task=task_c, by=world.handler_c),
    )
    assert not errors and len(results) == 2
    assert Event.objects.filter(action="case.decided").count() == 1
    assert Event.objects.filter(action="case.delivered").count() == 1
    assert verify().ok


def test_withdrawing_while_a_department_approves(accepted):
    world, case, task = accepted
    services.sign_for_task(task=task, by=world.handler_a)
    results, errors = race(
        lambda: services.approve_task(task=task, by=world.handler_a),
        lambda: services.withdraw_case(case=case, by=world.applicant),
    )
    # both may succeed in either order (approval first, then withdrawal of the rest),
    # or the approval comes second and finds the task cancelled
    assert len(results) + len(errors) == 2
    assert all(isinstance(e, Conflict) for e in errors)
    stored = Task.objects.get(pk=task.pk)
    assert stored.state in (TaskState.APPROVED, TaskState.CANCELLED)
    assert verify().ok
