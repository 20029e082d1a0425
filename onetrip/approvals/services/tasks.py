"""A department's tasks: sign for, assign, approve or refuse, follow-up checks,
supplements during review, special procedures and extensions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from onetrip.accounts.models import Membership, Role, User
from onetrip.catalog.models import SpecialProcedure as SpecialProcedureKind
from onetrip.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from onetrip.monitoring.services import extend_clock as monitoring_extend_clock
from onetrip.monitoring.services import (
    reassign_clock,
)
from onetrip.prepared import PreparedQuery, save_fields

from .. import notices
from ..models import (
    Case,
    ExtensionRequest,
    NoticeKind,
    SpecialProcedure,
    SupplementRequest,
    SupplementStage,
    Task,
    TaskKind,
)
from ..states import (
    CaseAction,
    RequestState,
    TaskAction,
)
from .common import (
    EXTENSION_MAX_WORKDAYS,
    MAX_SPECIAL_PROCEDURE_WORKDAYS,
    SupplementInput,
    _event,
    _extend_case_clock,
    _follow_clock,
    _Graph,
    _locked,
    _move_case,
    _move_task,
    _notice,
    _now,
    _require_department,
    _require_head,
    _require_text,
    _require_worker,
    _sync_pauses,
)
from .flow import (
    _decide_task,
)
from .intake import (
    _known_materials,
    _normalise_items,
)


def _task_action(task: Task | None = None, *, case_id: int | None = None,
                 task_id: int | None = None) -> tuple[Case, _Graph, Task]:
    """Lock the task's case, load its task graph, and the task as it is now."""
    if task is not None:
        case_id, task_id = task.case_id, task.pk
    assert case_id is not None and task_id is not None
    case = _locked(case_id, intake=False)
    graph = _Graph(case)
    return case, graph, graph.get(task_id)


_TASK_IN_CASE = PreparedQuery(
    lambda task, case: Task.objects.select_related("clock", "department").filter(pk=task,
                                                                                   case=case),
    "task", "case",
)


def _single_task(task: Task) -> tuple[Case, Task]:
    """Lock the task's case and read the task alone (for actions that touch no other task).

    The case row is the lock every action on the case or its tasks takes
    first, so the task read after it is current.
    """
    case = _locked(task.case_id, intake=False)
    found = _TASK_IN_CASE.first(task=task.pk, case=case.pk)
    if found is None:
        raise NotFound(_("No such task in this case."))
    return case, found


def sign_for_task(*, task: Task, by: User, now: datetime | None = None) -> Task:
    """A handler of the department signs for a task: it becomes theirs.

    Two handlers signing at once: one wins, the other gets a Conflict. A task
    the head assigned to someone can be signed for by that person only.
    """
    now = _now(now)
    with transaction.atomic():
        case, task = _single_task(task)
        by = _require_department(by, task)
        _move_task(task, TaskAction.SIGN)
        if task.assignee_id is not None and task.assignee_id != by.pk:
            raise PermissionDenied(_("This task is assigned to someone else."))
        task.assignee, task.signed_at = by, now
        save_fields(task, "state", "assignee", "signed_at")
        if task.clock is not None:
            reassign_clock(clock=task.clock, assignee=by)
        _event(case, "task.signed", by, now, task=task.pk, department=task.department.code)
        return task


def assign_task(*, task: Task, to: User, by: User, now: datetime | None = None) -> Task:
    """The department head (re)assigns a task to a handler of the same department."""
    now = _now(now)
    with transaction.atomic():
        case, task = _single_task(task)
        by = _require_head(by, task)
        _move_task(task, TaskAction.ASSIGN)
        if not Membership.objects.filter(user=to, unit_id=task.department_id,
                                         role__in=[Role.HANDLER, Role.HEAD]).exists():
            raise ValidationFailed(_("Assign the task to a handler of its own department."),
                                   field="to")
        previous = task.assignee_id
        task.assignee = to
        save_fields(task, "assignee")
        if task.clock is not None:
            reassign_clock(clock=task.clock, assignee=to)
        _event(case, "task.assigned", by, now, task=task.pk, to=to.get_username(),
               previous=previous)
        return task


def approve_task(*, task: Task, by: User, note: str = "", now: datetime | None = None) -> Task:
    """The handler approves: a certificate is numbered (if the item has a result); what waited
    for this item starts; the case is decided when its last task is."""
    now = _now(now)
    with transaction.atomic():
        case, graph, task = _task_action(task)
        by = _require_department(by, task)
        _move_task(task, TaskAction.APPROVE)
        _require_worker(by, task)
        if task.kind != TaskKind.REVIEW:
            raise Conflict(_("A follow-up check is completed, not approved."))
        _decide_task(case, graph, task, by=by, now=now, note=note.strip())
        if graph.started_any:
            _sync_pauses(case, graph, by=by, now=now)
        return task


def refuse_task(*, task: Task, by: User, reason: str, now: datetime | None = None) -> Task:
    """The handler refuses, with a reason; every item that depends on this one stops."""
    now = _now(now)
    reason = _require_text(reason, "reason", _("Give the reason for the refusal."))
    with transaction.atomic():
        case, graph, task = _task_action(task)
        by = _require_department(by, task)
        _move_task(task, TaskAction.REFUSE)
        _require_worker(by, task)
        if task.kind != TaskKind.REVIEW:
            raise Conflict(_("A follow-up check is completed, not refused."))
        _decide_task(case, graph, task, by=by, now=now, note=reason)
        return task


def complete_check(*, task: Task, by: User, compliant: bool, note: str = "",
                   now: datetime | None = None) -> Task:
    """The follow-up check of an approval on commitment is done (compliant or not, with a note)."""
    now = _now(now)
    with transaction.atomic():
        case, graph, task = _task_action(task)
        by = _require_department(by, task)
        _move_task(task, TaskAction.COMPLETE_CHECK)
        _require_worker(by, task)
        if task.kind != TaskKind.CHECK:
            raise Conflict(_("Only a follow-up check can be completed."))
        if not compliant and not note.strip():
            raise ValidationFailed(_("Say what was found."), field="note", code="required")
        _decide_task(case, graph, task, by=by, now=now, note=note.strip(),
                     payload={"compliant": compliant})
        return task


def request_task_supplement(
    *,
    task: Task,
    by: User,
    items: Sequence[SupplementInput],
    note: str = "",
    now: datetime | None = None,
) -> SupplementRequest:
    """During review the handler asks for supplements (sent through the window).

    The case clock and every running review-task clock of the case wait until
    the applicant supplies everything. One open supplement request per case
    at a time: a second one is a Conflict (the window sends one complete notice).
    """
    now = _now(now)
    with transaction.atomic():
        case, graph, task = _task_action(task)
        by = _require_department(by, task)
        _move_task(task, TaskAction.REQUEST_SUPPLEMENT)
        _require_worker(by, task)
        _move_case(case, CaseAction.REVIEW_SUPPLEMENT)
        if SupplementRequest.objects.filter(case=case, state=RequestState.OPEN).exists():
            raise Conflict(_("The applicant is already asked for supplements on this case; "
                             "wait for the answer."))
        entries = _normalise_items(items, _known_materials(case))
        save_fields(task, "state")
        request = SupplementRequest.objects.create(
            case=case, task=task, stage=SupplementStage.REVIEW, items=entries,
            note=note.strip(), requested_by=by, requested_at=now,
        )
        _notice(case, NoticeKind.SUPPLEMENT, notices.supplement(
            applicant=case.applicant_name, title=task.case_item.name, number=case.number or "",
            items=entries, note=note.strip(), unit=task.department.name, issued=now,
            during_review=True,
        ), by, now)
        _event(case, "task.supplement_requested", by, now, task=task.pk, request=request.pk,
               items=entries, note=note.strip())
        _sync_pauses(case, graph, by=by, now=now, supplement_open=True)
        return request


def start_special_procedure(
    *,
    task: Task,
    by: User,
    kind: str,
    expected_workdays: int,
    reason: str,
    now: datetime | None = None,
) -> SpecialProcedure:
    """A hearing, inspection, expert review ... begins; its time is not counted.

    The applicant is told in writing which procedure, why, and how long it
    is expected to take. The task's clock and the case clock wait.
    """
    now = _now(now)
    reason = _require_text(reason, "reason", _("Give the reason for the special procedure."))
    with transaction.atomic():
        case, graph, task = _task_action(task)
        by = _require_department(by, task)
        _move_task(task, TaskAction.START_SPECIAL_PROCEDURE)
        _require_worker(by, task)
        allowed = task.case_item.item_version.snapshot.get("special_procedures") or []
        if kind not in SpecialProcedureKind.values or (allowed and kind not in allowed):
            raise ValidationFailed(_("This item does not provide for this special procedure."),
                                   field="kind")
        if not isinstance(expected_workdays, int) or not (
            1 <= expected_workdays <= MAX_SPECIAL_PROCEDURE_WORKDAYS
        ):
            raise ValidationFailed(
                _("Give the expected length in working days (1 to %(max)d).")
                % {"max": MAX_SPECIAL_PROCEDURE_WORKDAYS}, field="expected_workdays",
            )
        save_fields(task, "state")
        procedure = SpecialProcedure.objects.create(
            case=case, task=task, kind=kind, expected_workdays=expected_workdays, reason=reason,
            started_by=by, started_at=now,
        )
        with translation.override(notices.DOCUMENT_LANGUAGE):
            procedure_name = str(SpecialProcedureKind(kind).label)
        _notice(case, NoticeKind.SPECIAL_PROCEDURE, notices.special_procedure(
            applicant=case.applicant_name, item=task.case_item.name, number=case.number or "",
            procedure=procedure_name, days=expected_workdays, reason=reason,
            department=task.department.name, issued=now,
        ), by, now)
        _event(case, "task.special_procedure_started", by, now, task=task.pk,
               procedure=procedure.pk, kind=kind, expected_workdays=expected_workdays,
               reason=reason)
        _sync_pauses(case, graph, by=by, now=now)
        return procedure


def end_special_procedure(*, task: Task, by: User, outcome: str = "",
                          now: datetime | None = None) -> SpecialProcedure:
    """The special procedure is over; the task goes back to review and its clock runs again."""
    now = _now(now)
    with transaction.atomic():
        case, graph, task = _task_action(task)
        by = _require_department(by, task)
        _move_task(task, TaskAction.END_SPECIAL_PROCEDURE)
        _require_worker(by, task)
        procedure = SpecialProcedure.objects.get(task=task, ended_at__isnull=True)
        procedure.ended_at, procedure.ended_by = now, by
        procedure.outcome = outcome.strip()
        save_fields(procedure, "ended_at", "ended_by", "outcome")
        save_fields(task, "state")
        _event(case, "task.special_procedure_ended", by, now, task=task.pk,
               procedure=procedure.pk, outcome=procedure.outcome)
        _sync_pauses(case, graph, by=by, now=now)
        return procedure


def request_extension(*, task: Task, by: User, days: int, reason: str,
                      now: datetime | None = None) -> ExtensionRequest:
    """The handler asks the head for more time (at most 10 working days in all, Art. 42),
    before the legal time limit has run out."""
    now = _now(now)
    reason = _require_text(reason, "reason", _("Give the reason for the extension."))
    with transaction.atomic():
        case, task = _single_task(task)
        by = _require_department(by, task)
        _move_task(task, TaskAction.REQUEST_EXTENSION)
        _require_worker(by, task)
        if task.kind != TaskKind.REVIEW:
            raise Conflict(_("A follow-up check cannot be extended."))
        left = EXTENSION_MAX_WORKDAYS - task.extension_days
        if not isinstance(days, int) or not 1 <= days <= left:
            raise ValidationFailed(
                _("An extension is 1 to %(left)d working days (at most %(max)d in all).")
                % {"left": max(left, 0), "max": EXTENSION_MAX_WORKDAYS}, field="days",
            )
        _check_within_legal_limit(task, now)
        if ExtensionRequest.objects.filter(task=task, state=RequestState.OPEN).exists():
            raise Conflict(_("An extension request for this task is already waiting for the "
                             "head's decision."))
        request = ExtensionRequest.objects.create(
            case=case, task=task, days=days, reason=reason, requested_by=by, requested_at=now
        )
        _event(case, "task.extension_requested", by, now, task=task.pk, request=request.pk,
               days=days, reason=reason)
        return request


def _check_within_legal_limit(task: Task, now: datetime) -> None:
    clock = task.clock
    if clock is not None and clock.legal_deadline_at is not None \
            and now >= clock.legal_deadline_at:
        raise Conflict(_("The legal time limit has already run out; it can no longer be "
                         "extended."))


def decide_extension(*, request: ExtensionRequest, by: User, approve: bool, note: str = "",
                     now: datetime | None = None) -> ExtensionRequest:
    """The department head approves or refuses an extension.

    Approved: the task's clock (committed and legal) is extended, the case
    clock follows up to the largest task extension (or the county leader's
    case extension, whichever is larger), and the applicant gets a
    written notice with the reason. Refused: a note is required (for the
    handler); the task keeps its deadline.
    """
    now = _now(now)
    with transaction.atomic():
        case, graph, task = _task_action(case_id=request.case_id, task_id=request.task_id)
        by = _require_head(by, task)
        request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
        if request.state != RequestState.OPEN:
            raise Conflict(_("This extension request has already been decided."))
        _move_task(task, TaskAction.DECIDE_EXTENSION)
        request.decided_by, request.decided_at = by, now
        request.decision_note = note.strip()
        if approve:
            _check_within_legal_limit(task, now)
            if task.extension_days + request.days > EXTENSION_MAX_WORKDAYS:
                raise ValidationFailed(_("This would extend the task beyond the maximum."),
                                       field="days")
            request.state = RequestState.APPROVED
            assert task.clock is not None
            task.clock = monitoring_extend_clock(clock=task.clock, amount=request.days,
                                                 reason=request.reason, by=by)
            _follow_clock(task)
            task.extension_days += request.days
            save_fields(task, "extension_days", "deadline_at")
            _extend_case_clock(case, by=by, reason=request.reason,
                               task_days=max(t.extension_days for t in graph.reviews()))
            _notice(case, NoticeKind.EXTENSION, notices.extension(
                applicant=case.applicant_name, item=task.case_item.name,
                number=case.number or "", days=request.days, reason=request.reason,
                deadline_at=task.clock.deadline_at, department=task.department.name,
                issued=now,
            ), by, now)
        else:
            request.decision_note = _require_text(note, "note",
                                                  _("Say why the extension is refused."))
            request.state = RequestState.REFUSED
        save_fields(request, "state", "decided_by", "decided_at", "decision_note")
        _event(case, "task.extension_approved" if approve else "task.extension_refused", by,
               now, task=task.pk, request=request.pk, days=request.days,
               note=request.decision_note)
        return request
