"""More time for a case handled jointly by several departments (Art. 42).

A joint case's legal limit is 45 working days; "+15 with the approval of the
head of the people's government". The head of the case's lead department
(the case clock's responsible unit, which answers for the case's time) asks,
with the reason; a county leader approves or refuses. Approved: the case
clock (committed and legal) is extended so that its extension is the larger
of the leader's approved days and the largest task extension (the two are
not added up), and the applicant is told the reason and the new deadline in
writing. Refused: a note says why (for the lead department); the applicant
is not told, as with a refused task extension.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from onetrip.accounts.models import Role, User
from onetrip.accounts.selectors import scope_of
from onetrip.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onetrip.prepared import save_fields

from .. import notices
from ..models import (
    Case,
    CaseExtensionRequest,
    CaseItem,
    NoticeKind,
    Task,
    TaskKind,
)
from ..states import CaseAction, RequestState
from .common import (
    JOINT_EXTENSION_MAX_WORKDAYS,
    _event,
    _extend_case_clock,
    _is_head_of,
    _locked,
    _move_case,
    _notice,
    _now,
    _require_text,
    _require_user,
)


def is_joint(case: Case) -> bool:
    """Handled by at least two departments (joint or unified handling)."""
    return CaseItem.objects.filter(case=case).values("department_id").distinct().count() >= 2


def _require_lead_head(by: User | None, case: Case) -> User:
    by = _require_user(by)
    if case.clock is None or not _is_head_of(by, case.clock.unit_id):
        raise PermissionDenied(_("Only the head of the case's lead department may ask the "
                                 "county leader for more time."))
    return by


def _require_leader(by: User | None) -> User:
    by = _require_user(by)
    if not scope_of(by).has_role(Role.LEADER):
        raise PermissionDenied(_("Only a county leader may decide on more time for a joint "
                                 "case."))
    return by


def _check_clock(case: Case, now: datetime) -> None:
    clock = case.clock
    if clock is None or clock.done_at is not None:
        raise Conflict(_("The case's time limit is not running."))
    if clock.legal_deadline_at is not None and now >= clock.legal_deadline_at:
        raise Conflict(_("The legal time limit has already run out; it can no longer be "
                         "extended."))


def _current_extension(case: Case) -> int:
    assert case.clock is not None
    return sum(int(e["amount"]) for e in case.clock.extensions)


def request_case_extension(*, case: Case, by: User, days: int, reason: str,
                           now: datetime | None = None) -> CaseExtensionRequest:
    """The head of the lead department asks the county leader for more time for a joint case.

    Only while the case is in review, handled by at least two departments, its
    clock running and its legal deadline not passed; 1 to 15 working days in
    all (JOINT_EXTENSION_MAX_WORKDAYS), more than the case clock already has
    from its tasks' extensions (less would not move the deadline); one open
    request per case; the reason is required (the applicant is told it).
    """
    now = _now(now)
    reason = _require_text(reason, "reason", _("Give the reason for the extension."))
    with transaction.atomic():
        case = _locked(case)
        _move_case(case, CaseAction.REQUEST_EXTENSION)
        by = _require_lead_head(by, case)
        if not is_joint(case):
            raise Conflict(_("Only a case handled jointly by several departments can be "
                             "extended by the county leader; a department asks its head "
                             "for a task extension."))
        _check_clock(case, now)
        if CaseExtensionRequest.objects.filter(case=case, state=RequestState.OPEN).exists():
            raise Conflict(_("A request for more time for this case is already waiting for "
                             "the county leader's decision."))
        left = JOINT_EXTENSION_MAX_WORKDAYS - case.extension_days
        if not isinstance(days, int) or not 1 <= days <= left:
            raise ValidationFailed(
                _("An extension for joint handling is 1 to %(left)d working days (at most "
                  "%(max)d in all).")
                % {"left": max(left, 0), "max": JOINT_EXTENSION_MAX_WORKDAYS}, field="days",
            )
        current = _current_extension(case)
        if case.extension_days + days <= current:
            raise ValidationFailed(
                _("The case deadline already has %(current)d more working days from its "
                  "departments' extensions; ask for more than that in all, or it would not "
                  "move.") % {"current": current}, field="days",
            )
        request = CaseExtensionRequest.objects.create(
            case=case, days=days, reason=reason, requested_by=by, requested_at=now
        )
        _event(case, "case.extension_requested", by, now, request=request.pk, days=days,
               reason=reason)
        return request


def decide_case_extension(*, request: CaseExtensionRequest, by: User, approve: bool,
                          note: str = "", now: datetime | None = None) -> CaseExtensionRequest:
    """A county leader approves or refuses more time for a joint case.

    Approved: the case's approved days grow by the request's; the case clock
    (committed and legal) is extended to max(those days, the largest task
    extension), and the applicant gets a written notice with the reason and
    the new deadline. Refused: a note is required; nothing else changes and
    the applicant is not told.
    """
    now = _now(now)
    with transaction.atomic():
        case = _locked(request.case_id)
        by = _require_leader(by)
        request = (CaseExtensionRequest.objects.select_for_update()
                   .filter(pk=request.pk, case=case).first())
        if request is None:
            raise NotFound(_("No such extension request."))
        if request.state != RequestState.OPEN:
            raise Conflict(_("This extension request has already been decided."))
        _move_case(case, CaseAction.DECIDE_EXTENSION)
        request.decided_by, request.decided_at = by, now
        request.decision_note = note.strip()
        if approve:
            _check_clock(case, now)
            if case.extension_days + request.days > JOINT_EXTENSION_MAX_WORKDAYS:
                raise ValidationFailed(_("This would extend the case beyond the maximum."),
                                       field="days")
            request.state = RequestState.APPROVED
            case.extension_days += request.days
            save_fields(case, "extension_days")
            task_days = Task.objects.filter(case=case, kind=TaskKind.REVIEW).aggregate(
                days=Max("extension_days"))["days"] or 0
            _extend_case_clock(case, task_days=task_days, by=by, reason=request.reason)
            assert case.clock is not None
            unit = case.clock.unit if case.clock.unit_id else case.intake_unit
            _notice(case, NoticeKind.EXTENSION, notices.joint_extension(
                applicant=case.applicant_name, title=case.title, number=case.number or "",
                days=request.days, reason=request.reason, deadline_at=case.clock.deadline_at,
                unit=unit.name, issued=now,
            ), by, now)
        else:
            request.decision_note = _require_text(note, "note",
                                                  _("Say why the extension is refused."))
            request.state = RequestState.REFUSED
        save_fields(request, "state", "decided_by", "decided_at", "decision_note")
        _event(case, "case.extension_approved" if approve else "case.extension_refused", by,
               now, request=request.pk, days=request.days, note=request.decision_note,
               extension_days=case.extension_days)
        return request
