"""How a case moves on after acceptance: tasks start (green channels decide at once),
decisions stop clocks, issue certificates and start or stop what waits, and the case is
decided and delivered when every task is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from onetrip.accounts.models import OrgUnit, User
from onetrip.bulk import update_by_pk
from onetrip.catalog.figures import material_key
from onetrip.catalog.models import Delivery as DeliveryMethod
from onetrip.monitoring.services import (
    ClockSpec,
    start_clocks,
    stop_clock,
)
from onetrip.prepared import save_fields, update_where
from onetrip.workdays.calendar import local_date

from .. import notices
from ..certificates import certificate_number
from ..models import (
    Case,
    CaseExtensionRequest,
    CaseItem,
    Certificate,
    CertificateKind,
    Delivery,
    ExtensionRequest,
    NoticeKind,
    Outcome,
    Route,
    Task,
    TaskKind,
    Visit,
    VisitPurpose,
)
from ..states import (
    TASK_DECIDED,
    TASK_POSITIVE,
    CaseAction,
    CaseState,
    RequestState,
    TaskAction,
    TaskState,
)
from .common import (
    FOLLOW_UP_CHECK_WORKDAYS,
    JOINT_LEGAL_LIMIT_WORKDAYS,
    _event,
    _follow_clock,
    _Graph,
    _label,
    _move_case,
    _move_task,
    _notice,
)


def _case_limits(case: Case, pairs: Sequence[tuple[CaseItem, Mapping[str, Any]]]
                 ) -> tuple[int, int, OrgUnit]:
    """(committed, legal, responsible unit) of the case clock."""
    snapshots = [s for _ci, s in pairs]
    if case.package_version_id is not None:
        package_snapshot = case.package_version.snapshot
        committed = int(package_snapshot["committed_limit"])
        departments = {ci.department_id for ci, _s in pairs}
        if len(departments) > 1:
            legal = JOINT_LEGAL_LIMIT_WORKDAYS
        else:
            legal = max(int(s["legal_limit"]) for s in snapshots)
        lead_code = package_snapshot.get("lead_department")
        unit = (OrgUnit.objects.filter(code=lead_code).first() if lead_code else None) \
            or case.intake_unit
    else:
        committed, legal = int(snapshots[0]["committed_limit"]), int(snapshots[0]["legal_limit"])
        unit = case.intake_unit
    return committed, max(legal, committed), unit


def _start_task(case: Case, graph: _Graph, task: Task, *, at: datetime, by: User | None,
                now: datetime, record: bool = True) -> None:
    _start_tasks(case, graph, [task], at=at, by=by, now=now, record=record)


def _start_tasks(case: Case, graph: _Graph, tasks: Sequence[Task], *, at: datetime,
                 by: User | None, now: datetime, record: bool = True) -> None:
    """Tasks start: their clocks run; a green-channel route decides its task at once.

    The clocks of all of them start in one go (acceptance starts every task
    without prerequisites), then the tasks are stored in one UPDATE.
    """
    timed: list[Task] = []
    specs: list[ClockSpec] = []
    for task in tasks:
        _move_task(task, TaskAction.START)
        task.started_at = at
        if task.kind == TaskKind.CHECK or task.route == Route.NORMAL:
            check = task.kind == TaskKind.CHECK
            snapshot = task.case_item.item_version.snapshot
            timed.append(task)
            specs.append(ClockSpec(
                subject=case, purpose=f"task-{task.pk}",
                limit=FOLLOW_UP_CHECK_WORKDAYS if check else int(snapshot["committed_limit"]),
                legal_limit=None if check else int(snapshot["legal_limit"]),
                start=at, responsible_unit=task.department, assignee=task.assignee,
                label=_label(case, f"{task.case_item.name}"
                                   f"{' · ' + str(_('follow-up check')) if check else ''}"),
            ))
    graph.started_any = graph.started_any or bool(tasks)
    for task, clock in zip(timed, start_clocks(specs, by=by), strict=True):
        task.clock = clock
        _follow_clock(task)
    update_by_pk(Task, [t.pk for t in tasks], {
        "state": [t.state for t in tasks], "started_at": [t.started_at for t in tasks],
        "clock": [t.clock_id for t in tasks], "deadline_at": [t.deadline_at for t in tasks],
    })
    for task in tasks:
        if record:
            _event(case, "task.started", by, now, task=task.pk, department=task.department.code,
                   item=task.case_item.item_version.snapshot["code"], kind=task.kind)
        if task.kind == TaskKind.REVIEW and task.route != Route.NORMAL:
            action = (TaskAction.FILE if task.route == Route.FILING
                      else TaskAction.APPROVE_AT_INTAKE)
            _move_task(task, action)
            _decide_task(case, graph, task, by=None, now=now, note=task.case_item.route_label)


def _issue_certificate(case: Case, task: Task, now: datetime) -> Certificate | None:
    snapshot = task.case_item.item_version.snapshot
    result = (snapshot.get("result_name") or "").strip()
    if task.state == TaskState.APPROVED and result:
        kind, title, key = CertificateKind.LICENCE, result, material_key(result)
    elif task.state == TaskState.FILED:
        with translation.override(notices.DOCUMENT_LANGUAGE):
            title = _("Filing receipt: %(item)s") % {"item": snapshot.get("name", "")}
        kind, key = CertificateKind.FILING_RECEIPT, ""
    else:
        return None
    return Certificate.objects.create(
        number=certificate_number(department_code=task.department.code,
                                  department_id=task.department_id,
                                  year=local_date(now).year),
        kind=kind, title=title[:200], case=case, task=task, item_id=task.case_item.item_id,
        item_version_id=task.case_item.item_version_id, department=task.department,
        holder_id=case.applicant_id, holder_name=case.applicant_name,
        holder_id_number=case.applicant_id_number, material_key=key, issued_at=now,
    )


_TASK_EVENTS = {
    TaskState.APPROVED: "task.approved",
    TaskState.REFUSED: "task.refused",
    TaskState.FILED: "task.filed",
    TaskState.STOPPED: "task.stopped",
    TaskState.CHECKED: "task.check_completed",
}


def _decide_task(case: Case, graph: _Graph, task: Task, *, by: User | None, now: datetime,
                 note: str = "", payload: Mapping[str, Any] | None = None) -> None:
    """After the task's state moved to a decision: stop its clock, issue, cascade, decide."""
    task.decided_at, task.decided_by, task.decision_note = now, by, note
    if task.clock is not None and task.clock.done_at is None:
        task.clock = stop_clock(clock=task.clock, at=now, by=by)
        _follow_clock(task)
    save_fields(task, "state", "decided_at", "decided_by", "decision_note", "deadline_at")
    update_where(ExtensionRequest, {"state": RequestState.CANCELLED, "decided_at": now},
                 task=task.pk, state=RequestState.OPEN)
    certificate = _issue_certificate(case, task, now)
    _event(case, _TASK_EVENTS[task.state], by, now, task=task.pk,
           department=task.department.code, item=task.case_item.item_version.snapshot["code"],
           route=task.route, note=note, certificate=certificate.number if certificate else None,
           **(payload or {}))
    if task.kind != TaskKind.REVIEW:
        return
    if task.route == Route.COMMITMENT and task.state == TaskState.APPROVED:
        check = Task.objects.create(
            case=case, case_item=task.case_item, kind=TaskKind.CHECK,
            department=task.department, state=TaskState.WAITING, route=Route.COMMITMENT,
            created_at=now,
        )
        check.case_item = task.case_item
        check.department = task.department
        graph.add(check)
        _start_task(case, graph, check, at=now, by=by, now=now)
    for waiting_pk in graph.dependents.get(task.pk, []):
        waiting = graph.tasks[waiting_pk]
        if waiting.state != TaskState.WAITING:
            continue
        if task.state in TASK_POSITIVE:
            if all(graph.tasks[p].state in TASK_POSITIVE for p in graph.prereqs[waiting_pk]):
                _start_task(case, graph, waiting, at=now, by=by, now=now)
        else:
            _move_task(waiting, TaskAction.STOP)
            _decide_task(case, graph, waiting, by=by, now=now,
                         payload={"because_of": task.pk})
    _maybe_decide_case(case, graph, by=by, now=now)


def _maybe_decide_case(case: Case, graph: _Graph, *, by: User | None, now: datetime) -> None:
    reviews = graph.reviews()
    if case.state != CaseState.IN_REVIEW or not reviews:
        return
    if any(t.state not in TASK_DECIDED for t in reviews):
        return
    positive = sum(t.state in TASK_POSITIVE for t in reviews)
    case.outcome = (Outcome.APPROVED if positive == len(reviews)
                    else Outcome.REFUSED if positive == 0 else Outcome.PARTLY_APPROVED)
    _move_case(case, CaseAction.DECIDE)
    case.decided_at = now
    if case.clock is not None and case.clock.done_at is None:
        case.clock = stop_clock(clock=case.clock, at=now, by=by)
    # decided in time: a request for more time is moot
    update_where(CaseExtensionRequest, {"state": RequestState.CANCELLED, "decided_at": now},
                 case=case.pk, state=RequestState.OPEN)
    certificates = {c.task_id: c.number for c in Certificate.objects.filter(case=case)}
    lines = []
    for task in sorted(reviews, key=lambda t: (t.case_item.position, t.pk)):
        detail = certificates.get(task.pk) or task.decision_note
        lines.append((task.case_item.name, task.state, detail))
    _notice(case, NoticeKind.DECISION, notices.decision(
        applicant=case.applicant_name, title=case.title, number=case.number or "",
        lines=lines, issued=now,
    ), by, now)
    save_fields(case, "state", "outcome", "decided_at")
    _event(case, "case.decided", by, now, outcome=case.outcome)
    if case.delivery_method == DeliveryMethod.ELECTRONIC:
        _deliver(case, method=DeliveryMethod.ELECTRONIC, by=None, now=now)



def _deliver(case: Case, *, method: str, by: User | None, now: datetime,
             tracking_number: str = "", carrier: str = "", unit: OrgUnit | None = None
             ) -> Delivery:
    _move_case(case, CaseAction.DELIVER)
    delivery = Delivery.objects.create(
        case=case, method=method, tracking_number=tracking_number, carrier=carrier,
        address=case.delivery_address if method == DeliveryMethod.POST else "",
        delivered_at=now, recorded_by=by,
    )
    fields = ["state", "completed_at"]
    if method == DeliveryMethod.WINDOW:
        assert by is not None
        Visit.objects.create(case=case, unit=unit or case.intake_unit,
                             purpose=VisitPurpose.PICKUP, at=now, recorded_by=by)
        case.trips += 1
        fields.append("trips")
    case.completed_at = now
    save_fields(case, *fields)
    _event(case, "case.delivered", by, now, method=method, tracking_number=tracking_number,
           carrier=carrier, trips=case.trips)
    return delivery
