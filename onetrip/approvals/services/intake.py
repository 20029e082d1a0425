"""The intake decision at the window: accept, ask for supplements (one complete notice),
refuse to accept, supplies, and acceptance deemed after 5 silent working days."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.accounts.models import User
from onetrip.catalog.figures import material_key
from onetrip.errors import (
    Conflict,
    FieldError,
    ValidationFailed,
)
from onetrip.monitoring.services import (
    start_clock,
    stop_clock,
)
from onetrip.prepared import save_fields

from .. import applications, notices
from ..models import (
    Case,
    CaseMaterial,
    NoticeKind,
    SupplementRequest,
    SupplementStage,
    Task,
    TaskKind,
    Visit,
    VisitPurpose,
)
from ..states import (
    CaseAction,
    CaseState,
    RequestState,
    TaskAction,
    TaskState,
)
from .applying import (
    _case_snapshots,
    _check_materials,
    _material_summary,
    _start_intake_clock,
    _store_materials,
)
from .common import (
    CASE_CLOCK,
    SupplementInput,
    SupplementItem,
    Upload,
    _event,
    _Graph,
    _label,
    _lock_case,
    _locked,
    _move_case,
    _move_task,
    _notice,
    _now,
    _require_applicant,
    _require_clerk,
    _require_text,
    _sync_pauses,
)
from .flow import (
    _case_limits,
    _maybe_decide_case,
    _start_tasks,
)


def _accept(case: Case, *, by: User | None, now: datetime, accepted_at: datetime,
            deemed: bool, note: str = "") -> Case:
    _move_case(case, CaseAction.ACCEPT)
    case.accepted_at, case.deemed_accepted, case.intake_due_at = accepted_at, deemed, None
    if case.intake_clock is not None and case.intake_clock.done_at is None:
        case.intake_clock = stop_clock(clock=case.intake_clock, at=now, by=by)
    pairs = _case_snapshots(case)
    tasks = Task.objects.bulk_create([
        Task(case=case, case_item=ci, kind=TaskKind.REVIEW, department=ci.department,
             state=TaskState.WAITING, route=ci.route, created_at=now)
        for ci, _s in pairs
    ])
    by_code = {s["code"]: t for (_ci, s), t in zip(pairs, tasks, strict=True)}
    dependencies = (case.package_version.snapshot.get("dependencies") or []
                    if case.package_version_id else [])
    Through = Task.waits_for.through
    edges = Through.objects.bulk_create([
        Through(from_task_id=by_code[d["item"]].pk, to_task_id=by_code[d["requires"]].pk)
        for d in dependencies if d["item"] in by_code and d["requires"] in by_code
    ])
    committed, legal, unit = _case_limits(case, pairs)
    _event(case, "case.accepted", by, now, accepted_at=accepted_at, deemed=deemed, note=note,
           tasks=[{"task": t.pk, "item": code, "department": t.department.code,
                   "route": t.route} for code, t in by_code.items()])
    case.clock = start_clock(
        subject=case, purpose=CASE_CLOCK, limit=committed, legal_limit=legal, start=accepted_at,
        responsible_unit=unit, label=_label(case), by=by,
    )
    case.save()
    _notice(case, NoticeKind.ACCEPTANCE, notices.acceptance(
        applicant=case.applicant_name, title=case.title, number=case.number or "",
        received=case.submitted_at or accepted_at, accepted=accepted_at, deemed=deemed,
        limit=committed, deadline_at=case.clock.deadline_at, centre=case.intake_unit.name,
        issued=now,
    ), by, now)
    for task in tasks:
        task.case = case
    graph = _Graph(case, tasks=tasks, edges=[(e.from_task_id, e.to_task_id) for e in edges])
    # A department's clock starts when it gets the task (`now`), even when the
    # case counts as accepted earlier: the centre's silence is not its delay.
    _start_tasks(case, graph, [t for t in graph.reviews() if not graph.prereqs.get(t.pk)],
                 at=now, by=by, now=now, record=False)
    _maybe_decide_case(case, graph, by=by, now=now)
    return case


def accept_case(*, case: Case, by: User, note: str = "", now: datetime | None = None) -> Case:
    """The clerk accepts: an acceptance notice; each item becomes a department task.

    Items with no prerequisite start at once; green-channel items are decided
    at once (zero-day approval, approval on commitment with a follow-up check
    task, filing).
    """
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        _require_clerk(by, case)
        return _accept(case, by=by, now=now, accepted_at=now, deemed=False, note=note)


def _normalise_items(items: Iterable[SupplementInput],
                     known: Mapping[str, str]) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    errors: list[FieldError] = []
    for index, raw in enumerate(items):
        entry = raw if isinstance(raw, SupplementItem) else SupplementItem(
            key=str(raw.get("key", "") or ""), name=str(raw.get("name", "") or ""),
            reason=str(raw.get("reason", "") or ""),
        )
        key, name = entry.key.strip(), entry.name.strip()
        if key and key in known:
            name = name or known[key]
        elif name:
            key = key or material_key(name) or f"extra-{index + 1}"
        else:
            errors.append(FieldError(f"items.{index}", _("Name the material that is missing."),
                                     "required"))
            continue
        if any(e["key"] == key for e in entries):
            continue
        entries.append({"key": key[:80], "name": name[:200], "reason": entry.reason.strip()})
    if errors:
        raise ValidationFailed(errors[0].reason, errors=errors)
    if not entries:
        raise ValidationFailed(_("List every missing material, at least one."), field="items",
                               code="required")
    return entries


def _known_materials(case: Case) -> dict[str, str]:
    needs = applications.material_needs([s for _ci, s in _case_snapshots(case)])
    known = {n.key: n.name for n in needs}
    for key, name in CaseMaterial.objects.filter(case=case).values_list("key", "name"):
        known.setdefault(key, name)
    return known


def request_supplement(
    *,
    case: Case,
    by: User,
    items: Sequence[SupplementInput],
    note: str = "",
    now: datetime | None = None,
) -> SupplementRequest:
    """The clerk asks for supplements at intake: one complete notice listing everything missing.

    The intake clock stops; when the applicant supplies everything a new
    5-working-day intake clock starts from that day.
    """
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        _require_clerk(by, case)
        _move_case(case, CaseAction.REQUEST_SUPPLEMENT)
        entries = _normalise_items(items, _known_materials(case))
        if case.intake_clock is not None and case.intake_clock.done_at is None:
            case.intake_clock = stop_clock(clock=case.intake_clock, at=now, by=by)
        case.intake_due_at = None
        save_fields(case, "state", "intake_due_at")
        request = SupplementRequest.objects.create(
            case=case, stage=SupplementStage.INTAKE, items=entries, note=note.strip(),
            requested_by=by, requested_at=now,
        )
        _notice(case, NoticeKind.SUPPLEMENT, notices.supplement(
            applicant=case.applicant_name, title=case.title, number=case.number or "",
            items=entries, note=note.strip(), unit=case.intake_unit.name, issued=now,
            during_review=False,
        ), by, now)
        _event(case, "case.supplement_requested", by, now, request=request.pk, items=entries,
               note=note.strip())
        return request


def refuse_case(*, case: Case, by: User, reason: str, now: datetime | None = None) -> Case:
    """The clerk refuses to accept (不予受理); the reason is required and told in writing."""
    now = _now(now)
    reason = _require_text(reason, "reason", _("Give the reason for not accepting."))
    with transaction.atomic():
        case = _locked(case)
        _require_clerk(by, case)
        _move_case(case, CaseAction.REFUSE)
        if case.intake_clock is not None and case.intake_clock.done_at is None:
            case.intake_clock = stop_clock(clock=case.intake_clock, at=now, by=by)
        SupplementRequest.objects.filter(case=case, state=RequestState.OPEN).update(
            state=RequestState.CANCELLED
        )
        case.not_accepted_reason, case.intake_due_at = reason, None
        save_fields(case, "state", "not_accepted_reason", "intake_due_at")
        _notice(case, NoticeKind.NOT_ACCEPTED, notices.not_accepted(
            applicant=case.applicant_name, title=case.title, number=case.number or "",
            reason=reason, centre=case.intake_unit.name, issued=now,
        ), by, now)
        _event(case, "case.not_accepted", by, now, reason=reason)
        return case


def supply_supplement(
    *,
    request: SupplementRequest,
    by: User,
    uploads: Mapping[str, Upload] | None = None,
    reuse: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> SupplementRequest:
    """The applicant (or a clerk, with the paper the applicant brought) supplies everything asked.

    Every material the notice lists must be given; a bad upload names its
    field and nothing is stored. At intake the case goes back to the clerk
    with a new intake clock; during review the task goes back to its handler
    and the clocks resume. A clerk supplying records the applicant's visit.
    """
    now = _now(now)
    uploads, reuse = dict(uploads or {}), dict(reuse or {})
    with transaction.atomic():
        case = _locked(request.case_id)
        by = _require_applicant(by, case, or_clerk=True)
        request = SupplementRequest.objects.select_for_update().get(pk=request.pk)
        if request.state != RequestState.OPEN:
            raise Conflict(_("This supplement request has already been answered."))
        _move_case(case, CaseAction.SUPPLY)
        names = {entry["key"]: entry["name"] for entry in request.items}
        errors, reused = _check_materials(applicant_id=case.applicant_id, allowed=names,
                                          uploads=uploads, reuse=reuse)
        for key in names:
            if key not in uploads and key not in reuse and not any(
                e.field == f"materials.{key}" for e in errors
            ):
                errors.append(FieldError(f"materials.{key}",
                                         _("Upload this material or reuse an earlier one."),
                                         "required"))
        if errors:
            raise ValidationFailed(_("The supplement is not complete; see each material."),
                                   errors=errors)
        rows = _store_materials(case=case, names=names, uploads=uploads, reused=reused, by=by,
                                now=now, supplement=request)
        request.state, request.answered_by, request.answered_at = RequestState.ANSWERED, by, now
        save_fields(request, "state", "answered_by", "answered_at")
        in_person = by.pk != case.applicant_id
        if in_person:
            Visit.objects.create(case=case, unit=case.intake_unit,
                                 purpose=VisitPurpose.SUPPLEMENT, at=now, recorded_by=by)
            case.trips += 1
        _event(case, "case.supplement_supplied", by, now, request=request.pk,
               materials=_material_summary(rows), visit=in_person)
        if request.stage == SupplementStage.INTAKE:
            _start_intake_clock(case, at=now, by=by)
            case.save()
        else:
            save_fields(case, "state", "trips")
            graph = _Graph(case)
            task = graph.get(request.task_id)
            _move_task(task, TaskAction.SUPPLEMENT_ANSWERED)
            save_fields(task, "state")
            _sync_pauses(case, graph, by=by, now=now, supplement_open=False)
        return request


def deem_overdue_cases_accepted(now: datetime | None = None, *, batch: int = 200) -> int:
    """Accept every case whose intake clock ran out without a decision (Art. 32).

    It counts as accepted on the day its current intake clock started (the
    day received, or the day the supplements were complete), recorded with
    `deemed: true`. Each case in its own transaction; a case another sweep
    holds is skipped (it is being accepted there), so two sweeps at once
    accept each case once. Cost: an index range on `intake_due_at`.
    """
    now = _now(now)
    done = 0
    while True:
        ids = list(
            Case.objects.filter(state=CaseState.SUBMITTED, intake_due_at__lte=now)
            .order_by("intake_due_at", "pk").values_list("pk", flat=True)[:batch]
        )
        taken = 0
        for pk in ids:
            with transaction.atomic():
                case = _lock_case(pk, skip_locked=True)
                if case is None or case.state != CaseState.SUBMITTED or case.intake_due_at is None \
                        or case.intake_due_at > now:
                    continue
                started = case.intake_clock.started_at if case.intake_clock else case.submitted_at
                _accept(case, by=None, now=now, accepted_at=started or now, deemed=True)
                done += 1
                taken += 1
        if len(ids) < batch or not taken:
            return done
