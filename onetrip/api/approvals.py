"""The cases API: create, list and filter, read, and every action, for programs and pages.

Mounted at the API's root so the paths read as resources: `/api/cases...`,
`/api/tasks...`, `/api/extension-requests...` (a task's, for department heads),
`/api/case-extension-requests...` (a joint case's, for county leaders), `/api/uploads`. A case is
addressed by its number (MH20260209-000001) or, for drafts which have none
yet, by its id (digits only). Every write calls one service function; every
read goes through the approvals selectors, so a case outside the caller's
scope is 404 and an action outside their role 403. Errors have the API's one
shape; a conflict (the state moved, someone acted first) is 409. Every POST
accepts an `Idempotency-Key` header (see `api.idempotency`).

Materials are referred to by ref: `upload:<id>` (a file sent earlier to
`POST /api/uploads`), `material:<id>` or `certificate:<id>` (an earlier
material or an issued certificate, from `GET /api/reusable-materials`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from onetrip.accounts.models import Role, User
from onetrip.accounts.selectors import scope_of
from onetrip.approvals import certificates, selectors, services
from onetrip.approvals import selectors_pages as pages
from onetrip.approvals.models import Case
from onetrip.catalog import selectors as catalog_selectors
from onetrip.catalog.models import Package, ServiceItem
from onetrip.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from onetrip.files.services import store_upload

from .api import ErrorOut
from .idempotency import idempotent

router = Router(tags=["cases"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                          409: ErrorOut, 422: ErrorOut}
MAX_LIMIT = 100


# --- schemas -------------------------------------------------------------------------------

class UnitOut(Schema):
    code: str
    name: str


class ClockOut(Schema):
    kind: str = Field(description="intake, case or task")
    label: str
    task: int | None
    started_at: datetime
    limit: float = Field(description="committed limit in working days")
    legal_limit: float | None
    extension: float
    deadline_at: datetime | None = Field(description="the instant it is late (00:00 after "
                                                     "the last day); null while paused")
    last_day: date | None
    legal_deadline_at: datetime | None
    legal_last_day: date | None
    paused: bool
    pause_reason: str
    done_at: datetime | None
    signal: str = Field(description="normal, prewarning, yellow, red or done")


class TaskOut(Schema):
    id: int
    case: str | None
    item: str | None = Field(description="item code (in a case's detail)")
    item_name: str
    department: UnitOut
    kind: str
    state: str
    state_label: str
    route: str
    assignee: str | None
    deadline_at: datetime | None
    last_day: date | None
    signal: str
    extension_days: int
    open_extension: bool
    actions: list[str]


class MaterialOut(Schema):
    key: str
    name: str
    required: bool
    provided: bool
    source: str | None
    file_name: str | None
    provided_at: datetime | None
    ref: str | None = Field(description="material:<id>, reusable in later cases")


class SupplementItemIn(Schema):
    key: str = ""
    name: str = ""
    reason: str = ""


class SupplementOut(Schema):
    id: int
    stage: str
    state: str
    task: int | None
    items: list[SupplementItemIn]
    note: str
    requested_at: datetime
    answered_at: datetime | None


class ProcedureOut(Schema):
    id: int
    task: int
    kind: str
    expected_workdays: int
    reason: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str


class ExtensionOut(Schema):
    id: int
    case: str
    task: int
    item_name: str
    days: int
    reason: str
    state: str
    requested_by: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str


class CaseExtensionOut(Schema):
    id: int
    case: str
    title: str
    lead_unit: UnitOut | None = Field(description="the case clock's responsible unit, "
                                                  "whose head asked")
    days: int
    reason: str
    state: str
    requested_by: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str


class CertificateOut(Schema):
    id: int
    number: str
    title: str
    kind: str
    department: UnitOut
    issued_at: datetime
    pdf: str


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    issued_at: datetime


class TimelineOut(Schema):
    at: datetime
    action: str
    label: str
    actor: str
    item: str = Field("", description="the item a department step was for")


class ItemOut(Schema):
    code: str
    name: str
    department: UnitOut
    route: str


class CaseSummaryOut(Schema):
    id: int
    number: str | None
    state: str
    state_label: str
    title: str
    channel: str
    applicant_name: str
    intake_unit: UnitOut
    submitted_at: datetime | None
    trips: int
    signal: str
    last_day: date | None


class CaseOut(CaseSummaryOut):
    query_code: str
    package: str | None
    items: list[ItemOut]
    applicant_id_number: str
    applicant_phone: str
    application: dict[str, Any]
    delivery_method: str
    delivery_address: str
    outcome: str
    not_accepted_reason: str
    deemed_accepted: bool
    created_at: datetime
    accepted_at: datetime | None
    decided_at: datetime | None
    completed_at: datetime | None
    withdrawn_at: datetime | None
    actions: list[str]
    clocks: list[ClockOut]
    tasks: list[TaskOut]
    materials: list[MaterialOut]
    supplements: list[SupplementOut]
    special_procedures: list[ProcedureOut]
    extension_requests: list[ExtensionOut]
    extension_days: int = Field(description="working days a county leader approved for the "
                                            "joint case")
    case_extension_requests: list[CaseExtensionOut]
    certificates: list[CertificateOut]
    notices: list[NoticeOut]
    delivery: dict[str, Any] | None
    rating: dict[str, Any] | None
    timeline: list[TimelineOut]


class CaseListOut(Schema):
    count: int
    items: list[CaseSummaryOut]


class TaskListOut(Schema):
    count: int
    items: list[TaskOut]


class UploadOut(Schema):
    ref: str
    name: str
    size: int
    content_type: str


class ReusableOut(Schema):
    ref: str
    key: str
    name: str
    kind: str
    case_number: str
    provided_at: datetime


class FormFieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    unit: str = ""
    choices: list[str] = []


class FormMaterialOut(Schema):
    key: str
    name: str
    required: bool
    condition: str
    item_codes: list[str]


class ApplicationFormOut(Schema):
    title: str
    item_codes: list[str]
    fields: list[FormFieldOut]
    materials: list[FormMaterialOut]
    produced_inside: list[FormMaterialOut]
    commitment_items: list[str]
    delivery_methods: list[str]
    offers: dict[str, ReusableOut]


class TrackItemOut(Schema):
    name: str
    department: str
    state: str
    state_label: str


class TrackOut(Schema):
    number: str
    title: str
    applicant: str
    state: str
    state_label: str
    received_at: datetime | None
    accepted_at: datetime | None
    decided_at: datetime | None
    deadline: date | None
    trips: int
    items: list[TrackItemOut]
    timeline: list[TimelineOut]


# --- inputs --------------------------------------------------------------------------------

class CaseCreateIn(Schema):
    item: str | None = Field(None, description="item code; give item or package")
    package: str | None = Field(None, description="package code")
    channel: Literal["online", "window"] = Field(
        "online", description="online: the caller applies; window: a clerk registers a visitor")
    submit: bool = Field(True, description="false keeps a draft (online only) to complete "
                                           "step by step")
    fields: dict[str, Any] = {}
    materials: dict[str, str] = Field({}, description="material key → upload:<id>, "
                                                      "material:<id> or certificate:<id>")
    commitments: list[str] = Field([], description="codes of items whose commitment is signed")
    delivery_method: Literal["electronic", "post", "window"] | None = None
    delivery_address: str = ""
    applicant_name: str = ""
    applicant_id_number: str = ""
    applicant_phone: str = ""
    applicant_username: str | None = Field(None, description="window: the visitor's account")


class DraftIn(Schema):
    fields: dict[str, Any] | None = None
    commitments: list[str] | None = None
    delivery_method: Literal["electronic", "post", "window"] | None = None
    delivery_address: str | None = None
    applicant_name: str | None = None
    applicant_id_number: str | None = None
    applicant_phone: str | None = None


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str = Field(..., description="required: the applicant is told it in writing")


class OptionalReasonIn(Schema):
    reason: str = ""


class SupplementRequestIn(Schema):
    items: list[SupplementItemIn] = Field(..., description="everything missing, at once")
    note: str = ""


class SupplyIn(Schema):
    materials: dict[str, str] = Field(..., description="material key → ref, for every material "
                                                       "the open notice asks for")


class ChooseDeliveryIn(Schema):
    method: Literal["electronic", "post", "window"]
    address: str = ""


class DeliverIn(Schema):
    method: Literal["electronic", "post", "window"] | None = None
    tracking_number: str = ""
    carrier: str = ""


class VisitIn(Schema):
    purpose: Literal["apply", "supplement", "pickup", "consult", "other"]
    note: str = ""


class RateIn(Schema):
    level: int = Field(..., description="5 very satisfied … 1 very dissatisfied")
    comment: str = ""


class SpecialProcedureIn(Schema):
    kind: str
    expected_workdays: int
    reason: str


class OutcomeIn(Schema):
    outcome: str = ""


class ExtensionIn(Schema):
    days: int
    reason: str


class AssignIn(Schema):
    to: str = Field(..., description="username of a handler or head of the department")


class CheckIn(Schema):
    compliant: bool
    note: str = ""


class DecideIn(Schema):
    approve: bool
    note: str = ""


class TrackIn(Schema):
    number: str
    query_code: str


class CaseListParams(Schema):
    q: str = ""
    state: str = Field("", description="a case state, or open / finished")
    channel: str = ""
    department: str = Field("", description="unit code: cases with a task there")
    item: str = Field("", description="item code")
    centre: str = ""
    received_from: date | None = None
    received_to: date | None = None
    signal: Literal["", "prewarning", "yellow", "red"] = ""
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class TaskListParams(Schema):
    state: Literal["", "pending", "in_review", "supplement", "special_procedure"] = ""
    colour: Literal["", "red", "yellow", "prewarning", "normal"] = ""
    mine: bool = False
    department: str = ""
    q: str = ""
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


# --- building the output ---------------------------------------------------------------------

def _unit(unit: Any) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


def _case_by_ref(user: User, ref: str) -> selectors.CaseDetail:
    if ref.isdigit():
        return selectors.case_detail(user, pk=int(ref))
    return selectors.case_detail(user, number=ref)


def _task_out(task: Any, *, now: datetime, actions: frozenset[str] = frozenset(),
              case_number: str | None = None, item_code: str | None = None) -> dict[str, Any]:
    clock = task.clock
    return {
        "id": task.pk, "case": case_number, "item": item_code,
        "item_name": task.case_item.name, "department": _unit(task.department),
        "kind": task.kind, "state": task.state, "state_label": str(task.get_state_display()),
        "route": task.route, "assignee": task.assignee.username if task.assignee_id else None,
        "deadline_at": clock.deadline_at if clock else None,
        "last_day": pages.last_day(clock.deadline_at) if clock else None,
        "signal": getattr(task, "colour", None) or pages.clock_colour(clock, now) or "",
        "extension_days": task.extension_days,
        "open_extension": bool(getattr(task, "open_extension", False)),
        "actions": sorted(actions),
    }


def _timeline(case: Case, staff: bool) -> list[dict[str, Any]]:
    return [{"at": e.at, "action": e.action, "label": e.label, "actor": e.actor, "item": e.item}
            for e in selectors.timeline(case, audience="staff" if staff else "applicant")]


def case_out(user: User, detail: selectors.CaseDetail) -> dict[str, Any]:
    now = timezone.now()
    case = detail.case
    items = {ci.pk: ci for ci in detail.items}
    codes = {ci.pk: ci.item_version.snapshot["code"] for ci in detail.items}
    open_extensions = {r.task_id for r in detail.extension_requests if r.state == "open"}
    staff = scope_of(user).is_staff_member and not detail.viewer.is_applicant
    tasks = []
    for task in detail.tasks:
        row = _task_out(task, now=now, actions=detail.task_actions.get(task.pk, frozenset()),
                        case_number=case.number, item_code=codes.get(task.case_item_id))
        row["open_extension"] = task.pk in open_extensions
        tasks.append(row)
    case_clock = case.clock
    return {
        "id": case.pk, "number": case.number, "query_code": case.query_code,
        "state": case.state, "state_label": pages.case_state_label(case),
        "title": case.title, "channel": case.channel,
        "package": case.package.code if case.package_id else None,
        "items": [{"code": codes[ci.pk], "name": ci.name, "department": _unit(ci.department),
                   "route": ci.route} for ci in items.values()],
        "applicant_name": case.applicant_name, "applicant_id_number": case.applicant_id_number,
        "applicant_phone": case.applicant_phone, "application": case.application,
        "intake_unit": _unit(case.intake_unit),
        "delivery_method": case.delivery_method, "delivery_address": case.delivery_address,
        "outcome": case.outcome, "not_accepted_reason": case.not_accepted_reason,
        "deemed_accepted": case.deemed_accepted, "trips": case.trips,
        "created_at": case.created_at, "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at, "decided_at": case.decided_at,
        "completed_at": case.completed_at, "withdrawn_at": case.withdrawn_at,
        "signal": pages.clock_colour(case_clock, now),
        "last_day": detail.deadline_last_day,
        "actions": sorted(detail.case_actions),
        "clocks": [{
            "kind": r.kind, "label": r.label, "task": r.task_id, "started_at": r.started_at,
            "limit": r.limit, "legal_limit": r.legal_limit, "extension": r.extension,
            "deadline_at": r.clock.deadline_at, "last_day": r.last_day,
            "legal_deadline_at": r.clock.legal_deadline_at, "legal_last_day": r.legal_last_day,
            "paused": r.paused, "pause_reason": r.pause_reason, "done_at": r.done_at,
            "signal": r.colour,
        } for r in pages.clock_rows(case, detail.tasks, now)],
        "tasks": tasks,
        "materials": [{
            "key": m.need.key, "name": m.need.name, "required": m.need.required,
            "provided": m.provided, "source": m.current.source if m.current else None,
            "file_name": m.current.file.original_name if m.current and m.current.file_id
            else None,
            "provided_at": m.current.provided_at if m.current else None,
            "ref": f"material:{m.current.pk}" if m.current and m.current.file_id else None,
        } for m in detail.materials] + [{
            "key": m.key, "name": m.name, "required": False, "provided": True,
            "source": m.source, "file_name": m.file.original_name if m.file_id else None,
            "provided_at": m.provided_at, "ref": f"material:{m.pk}" if m.file_id else None,
        } for m in detail.extra_materials],
        "supplements": [{
            "id": s.pk, "stage": s.stage, "state": s.state, "task": s.task_id,
            "items": s.items, "note": s.note, "requested_at": s.requested_at,
            "answered_at": s.answered_at,
        } for s in detail.supplements],
        "special_procedures": [{
            "id": p.pk, "task": p.task_id, "kind": p.kind,
            "expected_workdays": p.expected_workdays, "reason": p.reason,
            "started_at": p.started_at, "ended_at": p.ended_at, "outcome": p.outcome,
        } for p in detail.special_procedures],
        "extension_requests": [_extension_out(r, case.number or "",
                                              items.get(_task_item(detail, r.task_id)))
                               for r in detail.extension_requests],
        "extension_days": case.extension_days,
        "case_extension_requests": [_case_extension_out(r, case)
                                    for r in detail.case_extension_requests],
        "certificates": [{
            "id": c.pk, "number": c.number, "title": c.title, "kind": c.kind,
            "department": _unit(c.department), "issued_at": c.issued_at,
            "pdf": f"/api/cases/{case.number}/certificates/{c.pk}",
        } for c in detail.certificates],
        "notices": [{"id": n.pk, "kind": n.kind, "title": n.title, "body": n.body,
                     "issued_at": n.issued_at} for n in detail.notices],
        "delivery": {
            "method": detail.delivery.method, "tracking_number": detail.delivery.tracking_number,
            "carrier": detail.delivery.carrier, "delivered_at": detail.delivery.delivered_at,
        } if detail.delivery else None,
        "rating": {"level": detail.rating.level, "comment": detail.rating.comment,
                   "rated_at": detail.rating.rated_at} if detail.rating else None,
        "timeline": _timeline(case, staff),
    }


def _task_item(detail: selectors.CaseDetail, task_id: int) -> int | None:
    for task in detail.tasks:
        if task.pk == task_id:
            return task.case_item_id
    return None


def _extension_out(request_: Any, number: str, case_item: Any = None) -> dict[str, Any]:
    item = case_item or request_.task.case_item
    return {
        "id": request_.pk, "case": number, "task": request_.task_id, "item_name": item.name,
        "days": request_.days, "reason": request_.reason, "state": request_.state,
        "requested_by": request_.requested_by.username, "requested_at": request_.requested_at,
        "decided_at": request_.decided_at, "decision_note": request_.decision_note,
    }


def _case_extension_out(request_: Any, case: Case) -> dict[str, Any]:
    clock = case.clock
    return {
        "id": request_.pk, "case": case.number or "", "title": case.title,
        "lead_unit": _unit(clock.unit) if clock is not None and clock.unit_id else None,
        "days": request_.days, "reason": request_.reason, "state": request_.state,
        "requested_by": request_.requested_by.username, "requested_at": request_.requested_at,
        "decided_at": request_.decided_at, "decision_note": request_.decision_note,
    }


def _summary(case: Case, now: datetime) -> dict[str, Any]:
    clock = case.clock
    return {
        "id": case.pk, "number": case.number, "state": case.state,
        "state_label": pages.case_state_label(case), "title": case.title,
        "channel": case.channel, "applicant_name": case.applicant_name,
        "intake_unit": _unit(case.intake_unit), "submitted_at": case.submitted_at,
        "trips": case.trips, "signal": getattr(case, "colour", "") or "",
        "last_day": pages.last_day(clock.deadline_at) if clock else None,
    }


def _fresh(request: HttpRequest, case: Case | int) -> dict[str, Any]:
    pk = case.pk if isinstance(case, Case) else case
    return case_out(request.auth, selectors.case_detail(request.auth, pk=pk))


# --- materials by ref ------------------------------------------------------------------------

def _split_refs(user: User, refs: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """upload:<id> refs become uploads again; material:/certificate: refs stay reuses."""
    uploads: dict[str, Any] = {}
    reuse: dict[str, str] = {}
    errors: list[FieldError] = []
    for key, ref in refs.items():
        kind = (ref or "").partition(":")[0]
        if kind == "upload":
            try:
                uploads[key] = pages.stored_upload_for(user, ref)
            except NotFound:
                errors.append(FieldError(f"materials.{key}", _("No such upload."),
                                         "unknown_upload"))
        elif kind in ("material", "certificate"):
            reuse[key] = ref
        else:
            errors.append(FieldError(
                f"materials.{key}", _("Give upload:<id>, material:<id> or certificate:<id>."),
                "invalid_ref"))
    if errors:
        raise ValidationFailed(errors[0].reason, errors=errors)
    return uploads, reuse


def _subject(payload: CaseCreateIn) -> tuple[ServiceItem | None, Package | None]:
    if bool(payload.item) == bool(payload.package):
        raise ValidationFailed(_("Give either an item code or a package code."), field="item")
    try:
        if payload.item:
            return catalog_selectors.published_item(payload.item), None
        return None, catalog_selectors.package_by_code(payload.package or "").package
    except NotFound as exc:
        field = "item" if payload.item else "package"
        raise ValidationFailed(exc.reason, field=field, code="unknown") from None


# --- cases ------------------------------------------------------------------------------------

@router.post("/cases", response={201: CaseOut, **ERRORS})
@decorate_view(idempotent)
def create_case(request: HttpRequest, payload: CaseCreateIn):
    """Apply online (or, for a clerk, register a visitor at the window) for an item or a package.

    With `submit: false` an online application is kept as a draft: add materials with
    `POST /api/cases/{id}/materials`, then `POST /api/cases/{id}/submit`.
    """
    user = request.auth
    item, package = _subject(payload)
    uploads, reuse = _split_refs(user, payload.materials)
    methods = selectors.application_form(item=item, package=package).delivery_methods
    applicant = dict(applicant_name=payload.applicant_name,
                     applicant_id_number=payload.applicant_id_number,
                     applicant_phone=payload.applicant_phone)
    if payload.channel == "window":
        # services.register_walk_in answers someone without any clerk role with "choose your
        # centre" (400); for the API that is a question of role: 403.
        if not scope_of(user).units(Role.CLERK):
            raise PermissionDenied(
                _("Only a window clerk may register an application at the window."))
        visitor = None
        if payload.applicant_username:
            visitor = User.objects.filter(username=payload.applicant_username,
                                          is_active=True).first()
            if visitor is None:
                raise ValidationFailed(_("No such account."), field="applicant_username")
        case = services.register_walk_in(
            by=user, item=item, package=package, applicant=visitor, fields=payload.fields,
            uploads=uploads, reuse=reuse, commitments=payload.commitments,
            delivery_method=payload.delivery_method or "window",
            delivery_address=payload.delivery_address, **applicant)
    elif payload.submit:
        case = services.apply_online(
            by=user, item=item, package=package, fields=payload.fields, uploads=uploads,
            reuse=reuse, commitments=payload.commitments,
            delivery_method=payload.delivery_method or methods[0],
            delivery_address=payload.delivery_address, **applicant)
    else:
        with transaction.atomic():
            case = services.create_draft(by=user, item=item, package=package)
            services.save_draft(
                case=case, by=user, fields=payload.fields, commitments=payload.commitments,
                delivery_method=payload.delivery_method,
                delivery_address=payload.delivery_address,
                **{k: v for k, v in applicant.items() if v})
            errors: list[FieldError] = []
            for key, upload in uploads.items():
                try:
                    services.attach_material(case=case, by=user, key=key, upload=upload)
                except ValidationFailed as exc:
                    errors += exc.errors
            for key, ref in reuse.items():
                try:
                    services.attach_material(case=case, by=user, key=key, reuse=ref)
                except ValidationFailed as exc:
                    errors += exc.errors
            if errors:
                raise ValidationFailed(errors[0].reason, errors=errors)
    return Status(201, _fresh(request, case))


@router.get("/cases", response={200: CaseListOut, **ERRORS})
def list_cases(request: HttpRequest, params: Query[CaseListParams]):
    """The cases the caller may see, newest received first, filtered."""
    filters = selectors.CaseFilters.from_params(params.dict())
    cases = selectors.cases_for(request.auth, filters)
    now = timezone.now()
    rows = list(cases[params.offset:params.offset + params.limit])
    return {"count": cases.count(), "items": [_summary(c, now) for c in rows]}


@router.post("/cases/track", response={200: TrackOut, 429: ErrorOut, **ERRORS}, auth=None)
def track(request: HttpRequest, payload: TrackIn):
    """A case's progress for anyone with its number and query code (no login).

    Ten wrong guesses from one address within 15 minutes: 429 until then."""
    address = request.META.get("REMOTE_ADDR", "")
    if pages.tracking_blocked(address):
        return Status(429, {"detail": _("Too many attempts. Try again in 15 minutes."),
                            "errors": [{"field": None, "reason": _("Too many attempts."),
                                        "code": "too_many_attempts"}]})
    try:
        status = selectors.track(number=payload.number, query_code=payload.query_code)
    except NotFound:
        pages.note_failed_tracking(address)
        raise
    return {
        "number": status.number, "title": status.title, "applicant": status.applicant,
        "state": status.state,
        "state_label": str(pages.COMPLETED_LABEL) if status.state == "completed"
        else str(status.state_label),
        "received_at": status.received_at, "accepted_at": status.accepted_at,
        "decided_at": status.decided_at, "deadline": status.deadline, "trips": status.trips,
        "items": [{"name": i.name, "department": i.department, "state": i.state,
                   "state_label": str(i.state_label)} for i in status.items],
        "timeline": [{"at": e.at, "action": e.action, "label": e.label, "actor": e.actor,
                      "item": e.item} for e in status.timeline],
    }


@router.get("/cases/{ref}", response={200: CaseOut, **ERRORS})
def get_case(request: HttpRequest, ref: str):
    """One case with its tasks, clocks and deadlines, materials, notices and timeline."""
    return case_out(request.auth, _case_by_ref(request.auth, ref))


@router.post("/cases/{ref}/draft", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def save_draft(request: HttpRequest, ref: str, payload: DraftIn):
    """Change a draft (only the fields given)."""
    detail = _case_by_ref(request.auth, ref)
    services.save_draft(case=detail.case, by=request.auth,
                        **payload.dict(exclude_none=True))
    return _fresh(request, detail.case)


@router.post("/cases/{ref}/materials", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def attach_material(request: HttpRequest, ref: str, key: Form[str],
                    file: File[UploadedFile] = None, reuse: Form[str] = ""):
    """Add one material to a draft (multipart): a `file`, or a `reuse` ref. A refused file says
    why on `materials.<key>` and changes nothing."""
    detail = _case_by_ref(request.auth, ref)
    services.attach_material(case=detail.case, by=request.auth, key=key, upload=file,
                             reuse=reuse or None)
    return _fresh(request, detail.case)


@router.delete("/cases/{ref}/materials/{key}", response={200: CaseOut, **ERRORS})
def remove_material(request: HttpRequest, ref: str, key: str):
    detail = _case_by_ref(request.auth, ref)
    services.remove_material(case=detail.case, by=request.auth, key=key)
    return _fresh(request, detail.case)


def _case_action(name: str) -> str:
    return f"/cases/{{ref}}/{name}"


@router.post(_case_action("submit"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def submit(request: HttpRequest, ref: str):
    """Submit a draft: every field and required material is checked, each problem named."""
    detail = _case_by_ref(request.auth, ref)
    services.submit_application(case=detail.case, by=request.auth)
    return _fresh(request, detail.case)


@router.post(_case_action("accept"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def accept(request: HttpRequest, ref: str, payload: NoteIn):
    """The clerk accepts: an acceptance notice; each item becomes a department task."""
    detail = _case_by_ref(request.auth, ref)
    services.accept_case(case=detail.case, by=request.auth, note=payload.note)
    return _fresh(request, detail.case)


@router.post(_case_action("request-supplement"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def request_supplement(request: HttpRequest, ref: str, payload: SupplementRequestIn):
    """The clerk asks for supplements: one notice listing everything missing."""
    detail = _case_by_ref(request.auth, ref)
    services.request_supplement(case=detail.case, by=request.auth,
                                items=[i.dict() for i in payload.items], note=payload.note)
    return _fresh(request, detail.case)


@router.post(_case_action("refuse"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def refuse(request: HttpRequest, ref: str, payload: ReasonIn):
    """The clerk refuses to accept, with the reason (required)."""
    detail = _case_by_ref(request.auth, ref)
    services.refuse_case(case=detail.case, by=request.auth, reason=payload.reason)
    return _fresh(request, detail.case)


@router.post(_case_action("supply"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def supply(request: HttpRequest, ref: str, payload: SupplyIn):
    """The applicant (or a clerk) supplies everything the open supplement notice asks for."""
    detail = _case_by_ref(request.auth, ref)
    supplement = detail.open_supplement
    if supplement is None:
        raise Conflict(_("Nothing is asked of the applicant on this case."))
    uploads, reuse = _split_refs(request.auth, payload.materials)
    services.supply_supplement(request=supplement, by=request.auth, uploads=uploads,
                               reuse=reuse)
    return _fresh(request, detail.case)


@router.post(_case_action("withdraw"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def withdraw(request: HttpRequest, ref: str, payload: OptionalReasonIn):
    detail = _case_by_ref(request.auth, ref)
    services.withdraw_case(case=detail.case, by=request.auth, reason=payload.reason)
    return _fresh(request, detail.case)


@router.post(_case_action("delivery"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def choose_delivery(request: HttpRequest, ref: str, payload: ChooseDeliveryIn):
    """The applicant chooses how the results reach them."""
    detail = _case_by_ref(request.auth, ref)
    services.choose_delivery(case=detail.case, by=request.auth, method=payload.method,
                             address=payload.address)
    return _fresh(request, detail.case)


@router.post(_case_action("deliver"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def deliver(request: HttpRequest, ref: str, payload: DeliverIn):
    """A clerk records how the decided case's results were handed over."""
    detail = _case_by_ref(request.auth, ref)
    services.deliver_results(case=detail.case, by=request.auth, method=payload.method,
                             tracking_number=payload.tracking_number, carrier=payload.carrier)
    return _fresh(request, detail.case)


@router.post(_case_action("visits"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def record_visit(request: HttpRequest, ref: str, payload: VisitIn):
    """A clerk records an in-person visit (it counts a trip)."""
    detail = _case_by_ref(request.auth, ref)
    services.record_visit(case=detail.case, by=request.auth, purpose=payload.purpose,
                          note=payload.note)
    return _fresh(request, detail.case)


@router.post(_case_action("rate"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def rate(request: HttpRequest, ref: str, payload: RateIn):
    """The applicant rates the service once the case is decided (five levels)."""
    detail = _case_by_ref(request.auth, ref)
    services.rate_case(case=detail.case, by=request.auth, level=payload.level,
                       comment=payload.comment)
    return _fresh(request, detail.case)


@router.post(_case_action("extension"), response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def request_case_extension(request: HttpRequest, ref: str, payload: ExtensionIn):
    """The head of the lead department of a joint case asks a county leader for more working
    days (at most 15 in all, Art. 42), with the reason (told to the applicant)."""
    detail = _case_by_ref(request.auth, ref)
    services.request_case_extension(case=detail.case, by=request.auth, days=payload.days,
                                    reason=payload.reason)
    return _fresh(request, detail.case)


@router.get("/cases/{ref}/certificates/{certificate_id}", response={200: None, **ERRORS})
def certificate_pdf(request: HttpRequest, ref: str, certificate_id: int):
    """A certificate of the case as PDF."""
    certificate = selectors.certificate_for(request.auth, certificate_id)
    if ref not in (certificate.case.number, str(certificate.case_id)):
        raise NotFound(_("No such certificate."))
    response = HttpResponse(certificates.certificate_pdf(certificate),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response


# --- uploads, reusable materials, the form -------------------------------------------------

@router.post("/uploads", response={201: UploadOut, **ERRORS})
@decorate_view(idempotent)
def upload(request: HttpRequest, file: File[UploadedFile]):
    """Upload a file (PDF, JPEG or PNG, checked by content) to refer to as `upload:<id>`."""
    stored = store_upload(file, by=request.auth, field="file")
    return Status(201, {"ref": f"upload:{stored.pk}", "name": stored.original_name,
                        "size": stored.size, "content_type": stored.content_type})


@router.get("/reusable-materials", response={200: list[ReusableOut], **ERRORS})
def reusable_materials(request: HttpRequest):
    """What the caller gave before, and the certificates issued to them, by material key."""
    return [{"ref": r.ref, "key": r.key, "name": r.name, "kind": r.kind,
             "case_number": r.case_number, "provided_at": r.provided_at}
            for r in selectors.reusable_materials_for(request.auth).values()]


@router.get("/application-form", response={200: ApplicationFormOut, **ERRORS})
def application_form(request: HttpRequest, item: str = "", package: str = ""):
    """What applying for an item or a package asks: fields, materials (each once), delivery."""
    payload = CaseCreateIn(item=item or None, package=package or None)
    item_obj, package_obj = _subject(payload)
    form = selectors.application_form(item=item_obj, package=package_obj, user=request.auth)

    def material(need: Any) -> dict[str, Any]:
        return {"key": need.key, "name": need.name, "required": need.required,
                "condition": need.condition, "item_codes": list(need.item_codes)}

    return {
        "title": form.title, "item_codes": form.item_codes,
        "fields": [{"name": f["name"], "label": f.get("label") or f["name"],
                    "type": f.get("type", "text"), "required": bool(f.get("required")),
                    "unit": f.get("unit", ""), "choices": list(f.get("choices") or [])}
                   for f in form.fields],
        "materials": [material(m) for m in form.materials],
        "produced_inside": [material(m) for m in form.produced_inside],
        "commitment_items": [code for code, _name in form.commitment_items],
        "delivery_methods": form.delivery_methods,
        "offers": {key: {"ref": r.ref, "key": r.key, "name": r.name, "kind": r.kind,
                         "case_number": r.case_number, "provided_at": r.provided_at}
                   for key, r in form.offers.items()},
    }


# --- tasks ------------------------------------------------------------------------------------

@router.get("/tasks", response={200: TaskListOut, **ERRORS})
def list_tasks(request: HttpRequest, params: Query[TaskListParams]):
    """The caller's departments' open tasks, soonest deadline first (the inbox)."""
    now = timezone.now()
    filters = pages.InboxFilters.from_params(params.dict())
    tasks = pages.inbox(request.auth, filters, now=now)
    rows = list(tasks[params.offset:params.offset + params.limit])
    return {"count": pages.inbox_ids(request.auth, filters, now=now).count(),
            "items": [_task_out(t, now=now, case_number=t.case.number) for t in rows]}


def _task_action(request: HttpRequest, task_id: int, run: Any) -> dict[str, Any]:
    task = selectors.task_for(request.auth, task_id)
    run(task)
    return _fresh(request, task.case_id)


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS})
def get_task(request: HttpRequest, task_id: int):
    task = selectors.task_for(request.auth, task_id)
    detail = selectors.case_detail(request.auth, pk=task.case_id)
    found = next(t for t in detail.tasks if t.pk == task.pk)
    return _task_out(found, now=timezone.now(),
                     actions=detail.task_actions.get(found.pk, frozenset()),
                     case_number=detail.case.number,
                     item_code=task.case_item.item_version.snapshot["code"])


@router.post("/tasks/{task_id}/sign-for", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def sign_for(request: HttpRequest, task_id: int):
    """A handler of the department signs for the task (one wins; the other gets 409)."""
    return _task_action(request, task_id,
                        lambda t: services.sign_for_task(task=t, by=request.auth))


@router.post("/tasks/{task_id}/approve", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def approve(request: HttpRequest, task_id: int, payload: NoteIn):
    return _task_action(request, task_id, lambda t: services.approve_task(
        task=t, by=request.auth, note=payload.note))


@router.post("/tasks/{task_id}/refuse", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def refuse_task(request: HttpRequest, task_id: int, payload: ReasonIn):
    return _task_action(request, task_id, lambda t: services.refuse_task(
        task=t, by=request.auth, reason=payload.reason))


@router.post("/tasks/{task_id}/supplement", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def task_supplement(request: HttpRequest, task_id: int, payload: SupplementRequestIn):
    """During review: ask for supplements through the window; the clocks wait."""
    return _task_action(request, task_id, lambda t: services.request_task_supplement(
        task=t, by=request.auth, items=[i.dict() for i in payload.items], note=payload.note))


@router.post("/tasks/{task_id}/special-procedure", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def start_special_procedure(request: HttpRequest, task_id: int, payload: SpecialProcedureIn):
    """Start a hearing, inspection, expert review ... with its expected length; the clock waits."""
    return _task_action(request, task_id, lambda t: services.start_special_procedure(
        task=t, by=request.auth, kind=payload.kind,
        expected_workdays=payload.expected_workdays, reason=payload.reason))


@router.post("/tasks/{task_id}/special-procedure/end", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def end_special_procedure(request: HttpRequest, task_id: int, payload: OutcomeIn):
    return _task_action(request, task_id, lambda t: services.end_special_procedure(
        task=t, by=request.auth, outcome=payload.outcome))


@router.post("/tasks/{task_id}/extension", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def request_extension(request: HttpRequest, task_id: int, payload: ExtensionIn):
    """Ask the head for more working days (at most 10 in all), with the reason."""
    return _task_action(request, task_id, lambda t: services.request_extension(
        task=t, by=request.auth, days=payload.days, reason=payload.reason))


@router.post("/tasks/{task_id}/assign", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def assign(request: HttpRequest, task_id: int, payload: AssignIn):
    """The head (re)assigns the task to a handler of the same department."""
    return _task_action(request, task_id, lambda t: services.assign_task(
        task=t, to=pages.colleague(t, payload.to), by=request.auth))


@router.post("/tasks/{task_id}/complete-check", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def complete_check(request: HttpRequest, task_id: int, payload: CheckIn):
    return _task_action(request, task_id, lambda t: services.complete_check(
        task=t, by=request.auth, compliant=payload.compliant, note=payload.note))


# --- extension requests ----------------------------------------------------------------------

@router.get("/extension-requests", response={200: list[ExtensionOut], **ERRORS})
def extension_requests(request: HttpRequest):
    """Extension requests waiting for the caller's decision as head."""
    return [_extension_out(r, r.case.number or "")
            for r in selectors.extension_requests_for(request.auth)[:500]]


@router.post("/extension-requests/{request_id}/decide", response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def decide_extension(request: HttpRequest, request_id: int, payload: DecideIn):
    """The head approves (the deadline moves, the applicant is told) or refuses (note required)."""
    found = pages.extension_request_for(request.auth, request_id)
    services.decide_extension(request=found, by=request.auth, approve=payload.approve,
                              note=payload.note)
    return _fresh(request, found.case_id)


# --- more time for joint cases (county leaders) -----------------------------------------------

@router.get("/case-extension-requests", response={200: list[CaseExtensionOut], **ERRORS})
def case_extension_requests(request: HttpRequest):
    """Requests for more time for joint cases waiting for the caller's decision as county
    leader (none for anyone else)."""
    return [_case_extension_out(r, r.case)
            for r in selectors.case_extension_requests_for(request.auth)[:500]]


@router.post("/case-extension-requests/{request_id}/decide",
             response={200: CaseOut, **ERRORS})
@decorate_view(idempotent)
def decide_case_extension(request: HttpRequest, request_id: int, payload: DecideIn):
    """A county leader approves (the case deadline moves, the applicant is told) or refuses
    (note required)."""
    found = pages.case_extension_request_for(request.auth, request_id)
    services.decide_case_extension(request=found, by=request.auth, approve=payload.approve,
                                   note=payload.note)
    return _fresh(request, found.case_id)
