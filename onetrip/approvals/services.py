"""Every write to cases: one function per action, called by every door (pages, API, commands).

Each function
- takes keyword arguments only, names who acts (`by=`; None only for the
  system: green-channel decisions, deemed acceptance, electronic delivery)
  and when (`now=`, default `timezone.now()`), read once and passed on;
- runs in one `transaction.atomic()`, locking the case row first (every
  action on a case or any of its tasks does, always in that order, so two
  people acting on one case queue instead of deadlocking, and the second
  one sees the first one's result);
- checks the state tables in states.py (TransitionNotAllowed, HTTP 409),
  the actor's role (PermissionDenied, 403) and its input (ValidationFailed,
  400, naming each bad field);
- records its audit event on the case's chain (`obj=case`) in the same
  transaction. Clocks are started, paused, resumed, extended and stopped
  through `monitoring.services`, whose events land on the same chain.

Clock rules (docs/approvals.md says why):
- intake: 5 working days from receipt; a supplement request stops it and the
  supplied materials start a new one ("the clock starts from the day the
  materials are complete"); silence until its deadline = deemed accepted as
  of the day the current clock started (the sweep hook below);
- each review task: its item's committed limit, legal limit beside it, from
  the moment it starts (acceptance, or the approval of what it waits for);
- the case: the package's committed limit (or the item's), legal 45 working
  days for joint handling by several departments (else the item's), from the
  acceptance date (for a deemed acceptance, the day received: the lateness
  shows on the case clock, not on the departments');
- a review supplement pauses the case clock and every running review-task
  clock; a special procedure pauses its task's clock and the case clock;
  clocks resume when nothing holds them any more;
- an approved extension extends its task's clock (committed and legal), and
  the case clock so that its extension equals the largest task extension.
"""

from __future__ import annotations

import hmac
import secrets
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from onetrip.accounts.models import Membership, OrgUnit, Role, UnitKind, User
from onetrip.accounts.selectors import scope_of
from onetrip.audit.services import record_event
from onetrip.catalog.figures import material_key
from onetrip.catalog.models import Delivery as DeliveryMethod
from onetrip.catalog.models import ItemVersion, Package, PackageVersion, ServiceItem
from onetrip.catalog.models import SpecialProcedure as SpecialProcedureKind
from onetrip.catalog.selectors import current_package_version, current_version
from onetrip.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from onetrip.files.services import check_upload, store_upload
from onetrip.monitoring.models import Clock
from onetrip.monitoring.services import (
    ClockSpec,
    pause_clock,
    reassign_clock,
    register_sweep_hook,
    resume_clock,
    start_clock,
    start_clocks,
    stop_clock,
)
from onetrip.monitoring.services import extend_clock as monitoring_extend_clock
from onetrip.workdays.calendar import local_date
from onetrip.workdays.services import register_deadline_recomputer

from . import applications, notices
from .applications import MaterialNeed
from .certificates import certificate_number, next_value
from .models import (
    Case,
    CaseItem,
    CaseMaterial,
    Certificate,
    CertificateKind,
    Channel,
    Delivery,
    ExtensionRequest,
    Notice,
    NoticeKind,
    Outcome,
    Rating,
    RatingLevel,
    Route,
    SpecialProcedure,
    SupplementRequest,
    SupplementStage,
    Task,
    TaskKind,
    Visit,
    VisitPurpose,
)
from .states import (
    TASK_ACTIVE,
    TASK_DECIDED,
    TASK_OPEN,
    TASK_POSITIVE,
    CaseAction,
    CaseState,
    RequestState,
    TaskAction,
    TaskState,
    case_next,
    task_next,
)

# --- configuration (DOMAIN.md's defaults; a county overrides them in settings) ---------

_CONFIG: Mapping[str, Any] = getattr(settings, "ONETRIP_APPROVALS", {})
INTAKE_LIMIT_WORKDAYS: int = _CONFIG.get("INTAKE_LIMIT_WORKDAYS", 5)
EXTENSION_MAX_WORKDAYS: int = _CONFIG.get("EXTENSION_MAX_WORKDAYS", 10)
JOINT_LEGAL_LIMIT_WORKDAYS: int = _CONFIG.get("JOINT_LEGAL_LIMIT_WORKDAYS", 45)
FOLLOW_UP_CHECK_WORKDAYS: int = _CONFIG.get("FOLLOW_UP_CHECK_WORKDAYS", 20)
CASE_NUMBER_PREFIX: str = _CONFIG.get("CASE_NUMBER_PREFIX", "MH")
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
QUERY_CODE_LENGTH = 6
MAX_SPECIAL_PROCEDURE_WORKDAYS = 250

PAUSE_SUPPLEMENT = "supplement"
PAUSE_SPECIAL_PROCEDURE = "special_procedure"
CASE_CLOCK = "case"


@dataclass(frozen=True)
class SupplementItem:
    """One entry of a supplement notice.

    `key`: a material of the case (its name is taken from the catalogue), or
    empty for something the catalogue does not list, then `name` is required.
    `reason`: what is wrong or missing (shown to the applicant).
    """

    key: str = ""
    name: str = ""
    reason: str = ""


SupplementInput = SupplementItem | Mapping[str, str]


# --- small helpers ------------------------------------------------------------------------

def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _event(case: Case, action: str, by: User | None, now: datetime, **payload: Any) -> None:
    record_event(action=action, obj=case, actor=by, payload=payload, at=now)


def _require_user(by: User | None) -> User:
    if by is None or not getattr(by, "is_authenticated", False) or not by.is_active:
        raise PermissionDenied(_("You must be logged in to do this."))
    return by


def _is_clerk_of(by: User, unit_id: int) -> bool:
    return unit_id in scope_of(by).units(Role.CLERK)


def _require_clerk(by: User | None, case: Case) -> User:
    by = _require_user(by)
    if not _is_clerk_of(by, case.intake_unit_id):
        raise PermissionDenied(
            _("Only a clerk of the service centre that received this case may do this.")
        )
    return by


def _require_applicant(by: User | None, case: Case, *, or_clerk: bool = False) -> User:
    by = _require_user(by)
    if case.applicant_id is not None and by.pk == case.applicant_id:
        return by
    if or_clerk and _is_clerk_of(by, case.intake_unit_id):
        return by
    raise PermissionDenied(_("Only the applicant may do this."))


def _is_head_of(by: User, unit_id: int) -> bool:
    return unit_id in scope_of(by).units(Role.HEAD)


def _require_department(by: User | None, task: Task) -> User:
    by = _require_user(by)
    if task.department_id not in scope_of(by).units(Role.HANDLER, Role.HEAD):
        raise PermissionDenied(_("Only a handler of the task's department may do this."))
    return by


def _require_worker(by: User | None, task: Task) -> User:
    """The handler who signed for the task, or a head of its department."""
    by = _require_department(by, task)
    if task.assignee_id == by.pk or _is_head_of(by, task.department_id):
        return by
    raise PermissionDenied(
        _("This task is assigned to someone else; sign for it or ask the head to reassign it.")
    )


def _require_head(by: User | None, task: Task) -> User:
    by = _require_user(by)
    if not _is_head_of(by, task.department_id):
        raise PermissionDenied(_("Only the head of the task's department may do this."))
    return by


def _require_text(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, field=field, code="required")
    return text


def _lock_case(case: Case | int, *, skip_locked: bool = False) -> Case | None:
    """The case row, locked for this transaction, with its clocks."""
    pk = case.pk if isinstance(case, Case) else case
    queryset = Case.objects.select_related("clock", "intake_clock", "intake_unit")
    if skip_locked and connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    else:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(pk=pk).first()
    if found is None and not skip_locked:
        raise NotFound(_("No such case."))
    return found


def _locked(case: Case | int) -> Case:
    found = _lock_case(case)
    assert found is not None
    return found


def _move_case(case: Case, action: str) -> None:
    case.state = case_next(case.state, action)


def _move_task(task: Task, action: str) -> None:
    task.state = task_next(task.state, action)


def _follow_clock(task: Task) -> bool:
    """Copy the task's clock deadline onto the task (the inbox sorts by it); True if it moved."""
    deadline = task.clock.deadline_at if task.clock is not None else None
    if task.deadline_at == deadline:
        return False
    task.deadline_at = deadline
    return True


def _label(case: Case, extra: str = "") -> str:
    return f"{case.number or ''} {extra or case.title}".strip()[:200]


def _notice(case: Case, kind: str, text: tuple[str, str], by: User | None,
            now: datetime) -> Notice:
    title, body = text
    return Notice.objects.create(
        case=case, kind=kind, title=title, body=body, issued_at=now, issued_by=by
    )


# --- the task graph of one case -----------------------------------------------------------

class _Graph:
    """A case's tasks and their waits, loaded once per action (two queries)."""

    def __init__(self, case: Case, *, tasks: Iterable[Task] | None = None,
                 edges: Iterable[tuple[int, int]] | None = None) -> None:
        """Load the case's tasks and waits, or take them as just created (acceptance)."""
        self.case = case
        if tasks is None:
            tasks = (Task.objects.filter(case=case)
                     .select_related("clock", "case_item__item_version", "department")
                     .order_by("id"))
            edges = Task.waits_for.through.objects.filter(from_task__case=case).values_list(
                "from_task_id", "to_task_id"
            )
        self.tasks: dict[int, Task] = {t.pk: t for t in tasks}
        self.prereqs: dict[int, list[int]] = defaultdict(list)
        self.dependents: dict[int, list[int]] = defaultdict(list)
        for waiting, required in edges or ():
            self.prereqs[waiting].append(required)
            self.dependents[required].append(waiting)
        self.started_any = False

    def get(self, task: Task | int) -> Task:
        pk = task.pk if isinstance(task, Task) else task
        try:
            return self.tasks[pk]
        except KeyError:
            raise NotFound(_("No such task in this case.")) from None

    def reviews(self) -> list[Task]:
        return [t for t in self.tasks.values() if t.kind == TaskKind.REVIEW]

    def add(self, task: Task) -> None:
        self.tasks[task.pk] = task


def _supplement_open(case: Case) -> bool:
    return SupplementRequest.objects.filter(
        case=case, stage=SupplementStage.REVIEW, state=RequestState.OPEN
    ).exists()


def _set_paused(clock: Clock, want: bool, *, reason: str, by: User | None,
                now: datetime) -> Clock:
    if want and not clock.is_paused:
        return pause_clock(clock=clock, reason=reason, at=now, by=by)
    if not want and clock.is_paused:
        return resume_clock(clock=clock, at=now, by=by)
    return clock


def _sync_pauses(case: Case, graph: _Graph, *, by: User | None, now: datetime,
                 supplement_open: bool | None = None) -> None:
    """Pause or resume every running clock of the case to match what holds it now.

    A review task's clock waits while the task is in a special procedure or
    while a review supplement is open; the case clock waits while a review
    supplement is open or any task is in a special procedure.
    """
    if supplement_open is None:
        supplement_open = _supplement_open(case)
    any_special = False
    for task in graph.reviews():
        special = task.state == TaskState.SPECIAL_PROCEDURE
        any_special |= special
        if task.clock is None or task.clock.done_at is not None:
            continue
        want = special or (supplement_open and task.state in TASK_ACTIVE)
        task.clock = _set_paused(
            task.clock, want, by=by, now=now,
            reason=PAUSE_SPECIAL_PROCEDURE if special else PAUSE_SUPPLEMENT,
        )
        if _follow_clock(task):
            Task.objects.filter(pk=task.pk).update(deadline_at=task.deadline_at)
    if case.clock is not None and case.clock.done_at is None:
        case.clock = _set_paused(
            case.clock, supplement_open or any_special, by=by, now=now,
            reason=PAUSE_SUPPLEMENT if supplement_open else PAUSE_SPECIAL_PROCEDURE,
        )


# --- resolving what is applied for ---------------------------------------------------------

@dataclass
class _Plan:
    title: str
    package: Package | None
    package_version: PackageVersion | None
    versions: list[ItemVersion]
    departments: dict[str, OrgUnit]

    @property
    def snapshots(self) -> list[Mapping[str, Any]]:
        return [v.snapshot for v in self.versions]


def _plan(item: ServiceItem | None, package: Package | None) -> _Plan:
    if (item is None) == (package is None):
        raise ValidationFailed(_("Apply for one item or one package."), field="item")
    if package is not None:
        if not package.is_active:
            raise NotFound(_("This package is not open for applications."))
        package_version = current_package_version(package)
        snapshot = package_version.snapshot
        codes: list[str] = list(snapshot["items"])
        numbers: Mapping[str, int] = snapshot.get("item_versions") or {}
        found = {
            v.item.code: v
            for v in ItemVersion.objects.select_related("item").filter(item__code__in=codes)
            if v.number == numbers.get(v.item.code, v.item.version)
        }
        missing = [code for code in codes if code not in found]
        if missing:
            raise NotFound(_("The package refers to items that no longer exist."))
        versions = [found[code] for code in codes]
        if any(not v.item.is_active for v in versions):
            raise NotFound(_("An item of this package is not open for applications."))
        title = snapshot.get("name") or package.name
    else:
        assert item is not None
        if not item.is_active:
            raise NotFound(_("This item is not open for applications."))
        version = current_version(item)
        versions, package_version = [version], None
        title = version.snapshot.get("name") or item.name
    codes_wanted = {v.snapshot["department"] for v in versions}
    if package_version is not None and package_version.snapshot.get("lead_department"):
        codes_wanted.add(package_version.snapshot["lead_department"])
    departments = {u.code: u for u in OrgUnit.objects.filter(code__in=codes_wanted)}
    return _Plan(title=title[:200], package=package, package_version=package_version,
                 versions=versions, departments=departments)


def _default_centre() -> OrgUnit:
    centre = (
        OrgUnit.objects.filter(kind=UnitKind.CENTRE, parent__kind=UnitKind.COUNTY,
                               is_active=True)
        .order_by("sort_order", "code")
        .first()
    )
    if centre is None:
        raise ValidationFailed(_("No service centre receives online applications."),
                               field="centre")
    return centre


def _online_centre(centre: OrgUnit | None) -> OrgUnit:
    if centre is None:
        return _default_centre()
    if centre.kind != UnitKind.CENTRE or not centre.is_active:
        raise ValidationFailed(_("Choose a service centre."), field="centre")
    return centre


def _case_snapshots(case: Case) -> list[tuple[CaseItem, Mapping[str, Any]]]:
    items = list(case.items.select_related("item_version", "department").order_by("position"))
    return [(ci, ci.item_version.snapshot) for ci in items]


# --- materials -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Reused:
    material: CaseMaterial | None = None
    certificate: Certificate | None = None


def _parse_ref(ref: str) -> tuple[str, int] | None:
    kind, _sep, raw = (ref or "").partition(":")
    if kind not in ("material", "certificate") or not raw.isdigit():
        return None
    return kind, int(raw)


def _check_materials(
    *,
    applicant_id: int | None,
    allowed: Mapping[str, str],
    uploads: Mapping[str, UploadedFile],
    reuse: Mapping[str, str],
) -> tuple[list[FieldError], dict[str, _Reused]]:
    """Check every upload and reuse reference; every problem becomes a FieldError.

    Uploads are checked by content (PDF, JPEG, PNG) and size; a reuse must
    point to the applicant's own earlier material or certificate for the same key.
    """
    errors: list[FieldError] = []
    for key, upload in uploads.items():
        field = f"materials.{key}"
        if key not in allowed:
            errors.append(FieldError(field, _("This application does not ask for this "
                                              "material."), "unknown_material"))
            continue
        try:
            check_upload(upload, field=field)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    refs: dict[str, tuple[str, int]] = {}
    for key, ref in reuse.items():
        field = f"materials.{key}"
        parsed = _parse_ref(ref)
        if key not in allowed:
            errors.append(FieldError(field, _("This application does not ask for this "
                                              "material."), "unknown_material"))
        elif key in uploads:
            errors.append(FieldError(field, _("Upload a file or reuse an earlier one, not "
                                              "both."), "invalid"))
        elif parsed is None or applicant_id is None:
            errors.append(FieldError(field, _("This earlier material cannot be reused."),
                                     "invalid_reuse"))
        else:
            refs[key] = parsed
    resolved: dict[str, _Reused] = {}
    material_ids = [pk for kind, pk in refs.values() if kind == "material"]
    certificate_ids = [pk for kind, pk in refs.values() if kind == "certificate"]
    materials = {
        m.pk: m for m in CaseMaterial.objects.filter(
            pk__in=material_ids, case__applicant_id=applicant_id
        ).exclude(case__state=CaseState.DRAFT)
    } if material_ids else {}
    certificates = {
        c.pk: c for c in Certificate.objects.filter(pk__in=certificate_ids,
                                                    holder_id=applicant_id)
    } if certificate_ids else {}
    for key, (kind, pk) in refs.items():
        field = f"materials.{key}"
        if kind == "material" and pk in materials and materials[pk].key == key:
            resolved[key] = _Reused(material=materials[pk])
        elif kind == "certificate" and pk in certificates and certificates[pk].material_key == key:
            resolved[key] = _Reused(certificate=certificates[pk])
        else:
            errors.append(FieldError(field, _("This earlier material cannot be reused."),
                                     "invalid_reuse"))
    return errors, resolved


def _store_materials(
    *,
    case: Case,
    names: Mapping[str, str],
    uploads: Mapping[str, UploadedFile],
    reused: Mapping[str, _Reused],
    by: User | None,
    now: datetime,
    supplement: SupplementRequest | None = None,
) -> list[CaseMaterial]:
    """Store checked uploads and reuses as the case's current materials (older ones kept)."""
    keys = list(uploads) + list(reused)
    if not keys:
        return []
    rows = []
    for key, upload in uploads.items():
        stored = store_upload(upload, by=by, field=f"materials.{key}")
        rows.append(CaseMaterial(case=case, key=key, name=names.get(key, key)[:200], file=stored,
                                 supplement=supplement, provided_by=by, provided_at=now))
    for key, reuse in reused.items():
        rows.append(CaseMaterial(
            case=case, key=key, name=names.get(key, key)[:200],
            file_id=reuse.material.file_id if reuse.material else None,
            reused_from=reuse.material, certificate=reuse.certificate,
            supplement=supplement, provided_by=by, provided_at=now,
        ))
    CaseMaterial.objects.filter(case=case, key__in=keys, is_current=True).update(is_current=False)
    return CaseMaterial.objects.bulk_create(rows)


def _material_summary(rows: Iterable[CaseMaterial]) -> list[dict[str, Any]]:
    return [
        {"key": m.key, "source": m.source, "file": m.file_id,
         "certificate": m.certificate_id, "reused_from": m.reused_from_id}
        for m in rows
    ]


# --- applying ------------------------------------------------------------------------------

def _applicant_fields(by: User | None, name: str, id_number: str, phone: str) -> dict[str, str]:
    default_name = (getattr(by, "display_name", "") or getattr(by, "username", "")) if by else ""
    return {
        "applicant_name": (name or default_name).strip()[:100],
        "applicant_id_number": (id_number or "").strip()[:32],
        "applicant_phone": (phone or "").strip()[:20],
    }


def _check_delivery(snapshots: Sequence[Mapping[str, Any]], method: str,
                    address: str) -> list[FieldError]:
    allowed = applications.delivery_methods(snapshots)
    if method not in DeliveryMethod.values or method not in allowed:
        return [FieldError("delivery_method", _("This way of delivery is not offered for "
                                                "this application."), "invalid")]
    if method == DeliveryMethod.POST and not (address or "").strip():
        return [FieldError("delivery_address", _("Give the postal address."), "required")]
    return []


def _check_commitments(snapshots: Sequence[Mapping[str, Any]],
                       commitments: Collection[str]) -> list[FieldError]:
    offered = {s["code"] for s in snapshots if applications.offers_commitment(s)}
    unknown = [code for code in commitments if code not in offered]
    if unknown:
        return [FieldError("commitments", _("A commitment can only be signed for an item "
                                            "that offers approval on commitment."), "invalid")]
    return []


def _create_case(
    *,
    plan: _Plan,
    by: User | None,
    applicant: User | None,
    applicant_info: Mapping[str, str],
    channel: str,
    intake_unit: OrgUnit,
    registered_by: User | None,
    delivery_method: str,
    delivery_address: str,
    commitments: Collection[str],
    raw_fields: Mapping[str, Any],
    now: datetime,
) -> Case:
    case = Case.objects.create(
        state=CaseState.DRAFT, channel=channel, title=plan.title, package=plan.package,
        package_version=plan.package_version, applicant=applicant, intake_unit=intake_unit,
        registered_by=registered_by, application=dict(raw_fields),
        delivery_method=delivery_method, delivery_address=delivery_address[:200],
        created_at=now, **applicant_info,
    )
    items = []
    for position, version in enumerate(plan.versions, start=1):
        snapshot = version.snapshot
        department = plan.departments.get(snapshot["department"])
        if department is None:
            raise NotFound(_("The department of “%(item)s” no longer exists.")
                           % {"item": snapshot.get("name", "")})
        items.append(CaseItem(
            case=case, item_id=version.item_id, item_version=version, position=position,
            name=snapshot.get("name", "")[:200], department=department,
            commitment_signed_at=now if snapshot["code"] in commitments else None,
        ))
    CaseItem.objects.bulk_create(items)
    return case


def _case_number(now: datetime) -> str:
    day = local_date(now).strftime("%Y%m%d")
    return f"{CASE_NUMBER_PREFIX}{day}-{next_value(f'case:{day}'):06d}"


def _query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _i in range(QUERY_CODE_LENGTH))


def _start_intake_clock(case: Case, *, at: datetime, by: User | None) -> None:
    case.intake_round += 1
    purpose = "intake" if case.intake_round == 1 else f"intake-{case.intake_round}"
    clock = start_clock(
        subject=case, purpose=purpose, limit=INTAKE_LIMIT_WORKDAYS, start=at,
        responsible_unit=case.intake_unit, label=_label(case, _("intake decision")), by=by,
    )
    case.intake_clock = clock
    case.intake_due_at = clock.deadline_at


def _submit(case: Case, *, values: Mapping[str, Any], by: User | None, now: datetime,
            event: str, extra: Mapping[str, Any] | None = None) -> Case:
    """Number the case, decide each item's route, start the intake clock, issue the receipt."""
    _move_case(case, CaseAction.SUBMIT)
    case.number = _case_number(now)
    case.query_code = _query_code()
    case.submitted_at = now
    case.application = dict(values)
    routes = {}
    items = _case_snapshots(case)
    for case_item, snapshot in items:
        decision = applications.decide_route(
            snapshot, values, commitment_signed=case_item.commitment_signed_at is not None
        )
        case_item.route, case_item.route_label = decision.route, decision.label[:200]
        routes[snapshot["code"]] = decision.route
    CaseItem.objects.bulk_update([ci for ci, _s in items], ["route", "route_label"])
    _event(case, event, by, now, number=case.number, channel=case.channel, routes=routes,
           **(extra or {}))
    _start_intake_clock(case, at=now, by=by)
    _notice(case, NoticeKind.RECEIPT, notices.receipt(
        applicant=case.applicant_name, title=case.title, number=case.number,
        query_code=case.query_code, received=now, centre=case.intake_unit.name,
        intake_limit=INTAKE_LIMIT_WORKDAYS,
    ), by, now)
    case.save()
    return case


def _validate_application(
    *,
    plan_snapshots: Sequence[Mapping[str, Any]],
    applicant_id: int | None,
    fields: Mapping[str, Any],
    uploads: Mapping[str, UploadedFile],
    reuse: Mapping[str, str],
    commitments: Collection[str],
    delivery_method: str,
    delivery_address: str,
    require_complete: bool,
    already_provided: Collection[str] = (),
) -> tuple[dict[str, Any], dict[str, _Reused], list[MaterialNeed]]:
    """Every check of an application at once; raises one ValidationFailed naming each problem."""
    cleaned = applications.clean_fields(plan_snapshots, fields)
    needs = applications.material_needs(plan_snapshots)
    asked = {n.key: n.name for n in needs if n.asked}
    errors = list(cleaned.errors)
    material_errors, reused = _check_materials(
        applicant_id=applicant_id, allowed=asked, uploads=uploads, reuse=reuse
    )
    errors += material_errors
    if require_complete:
        provided = set(uploads) | set(reuse) | set(already_provided)
        for need in applications.missing_required(needs, provided):
            if not any(e.field == f"materials.{need.key}" for e in errors):
                errors.append(FieldError(f"materials.{need.key}",
                                         _("Upload this material or reuse an earlier one."),
                                         "required"))
    errors += _check_commitments(plan_snapshots, commitments)
    errors += _check_delivery(plan_snapshots, delivery_method, delivery_address)
    if errors:
        raise ValidationFailed(_("The application has errors; see each field."), errors=errors)
    return cleaned.values, reused, needs


def apply_online(
    *,
    by: User,
    item: ServiceItem | None = None,
    package: Package | None = None,
    fields: Mapping[str, Any] | None = None,
    uploads: Mapping[str, UploadedFile] | None = None,
    reuse: Mapping[str, str] | None = None,
    commitments: Collection[str] = (),
    delivery_method: str = DeliveryMethod.ELECTRONIC,
    delivery_address: str = "",
    applicant_name: str = "",
    applicant_id_number: str = "",
    applicant_phone: str = "",
    centre: OrgUnit | None = None,
    now: datetime | None = None,
) -> Case:
    """An applicant applies online for one item or one package, in one step.

    `fields`: the application form's values (see selectors.application_form).
    `uploads`: material key → uploaded file; `reuse`: material key → a ref
    from `selectors.reusable_materials_for` ("material:<id>" or
    "certificate:<id>"). Every required material must be given.
    `commitments`: codes of the items whose commitment the applicant signs.
    `centre`: the centre whose clerks decide the intake (default: the county's).
    Everything is checked before anything is stored: a ValidationFailed names
    every bad field (`fields.<name>`, `materials.<key>`, `delivery_method`,
    ...), so the form can be shown again with all its values.
    Returns the submitted case (number and query code set, intake clock running).
    """
    by = _require_user(by)
    now = _now(now)
    plan = _plan(item, package)
    uploads, reuse = dict(uploads or {}), dict(reuse or {})
    values, reused, needs = _validate_application(
        plan_snapshots=plan.snapshots, applicant_id=by.pk, fields=fields or {},
        uploads=uploads, reuse=reuse, commitments=commitments,
        delivery_method=delivery_method, delivery_address=delivery_address,
        require_complete=True,
    )
    with transaction.atomic():
        case = _create_case(
            plan=plan, by=by, applicant=by,
            applicant_info=_applicant_fields(by, applicant_name, applicant_id_number,
                                             applicant_phone),
            channel=Channel.ONLINE, intake_unit=_online_centre(centre), registered_by=None,
            delivery_method=delivery_method, delivery_address=delivery_address,
            commitments=commitments, raw_fields=values, now=now,
        )
        rows = _store_materials(case=case, names={n.key: n.name for n in needs},
                                uploads=uploads, reused=reused, by=by, now=now)
        return _submit(case, values=values, by=by, now=now, event="case.submitted",
                       extra={"materials": _material_summary(rows)})


def register_walk_in(
    *,
    by: User,
    item: ServiceItem | None = None,
    package: Package | None = None,
    applicant: User | None = None,
    applicant_name: str = "",
    applicant_id_number: str = "",
    applicant_phone: str = "",
    fields: Mapping[str, Any] | None = None,
    uploads: Mapping[str, UploadedFile] | None = None,
    reuse: Mapping[str, str] | None = None,
    commitments: Collection[str] = (),
    delivery_method: str = DeliveryMethod.WINDOW,
    delivery_address: str = "",
    centre: OrgUnit | None = None,
    now: datetime | None = None,
) -> Case:
    """A clerk registers an applicant who came to the window (county or township centre).

    The centre is the clerk's (pass `centre` if they serve at several); a
    township centre accepts for every county department. `applicant` links an
    account when the person has one (their earlier materials can then be
    reused); `applicant_name` is required otherwise. The visit is recorded (one
    trip). Materials may be incomplete: the clerk then asks for supplements.
    """
    by = _require_user(by)
    now = _now(now)
    clerk_units = scope_of(by).units(Role.CLERK)
    if centre is None:
        direct = list(Membership.objects.filter(user=by, role=Role.CLERK)
                      .values_list("unit_id", flat=True))
        if not direct:
            raise PermissionDenied(_("Only a clerk of this service centre may register "
                                     "applications here."))
        if len(direct) != 1:
            raise ValidationFailed(_("Choose the service centre you serve at."), field="centre")
        centre = OrgUnit.objects.get(pk=direct[0])
    if centre.pk not in clerk_units:
        raise PermissionDenied(_("Only a clerk of this service centre may register "
                                 "applications here."))
    info = _applicant_fields(applicant, applicant_name, applicant_id_number, applicant_phone)
    if not info["applicant_name"]:
        raise ValidationFailed(_("Give the applicant's name."), field="applicant_name",
                               code="required")
    plan = _plan(item, package)
    uploads, reuse = dict(uploads or {}), dict(reuse or {})
    values, reused, needs = _validate_application(
        plan_snapshots=plan.snapshots, applicant_id=applicant.pk if applicant else None,
        fields=fields or {}, uploads=uploads, reuse=reuse, commitments=commitments,
        delivery_method=delivery_method, delivery_address=delivery_address,
        require_complete=False,
    )
    with transaction.atomic():
        case = _create_case(
            plan=plan, by=by, applicant=applicant, applicant_info=info, channel=Channel.WINDOW,
            intake_unit=centre, registered_by=by, delivery_method=delivery_method,
            delivery_address=delivery_address, commitments=commitments, raw_fields=values,
            now=now,
        )
        rows = _store_materials(case=case, names={n.key: n.name for n in needs},
                                uploads=uploads, reused=reused, by=by, now=now)
        Visit.objects.create(case=case, unit=centre, purpose=VisitPurpose.APPLY, at=now,
                             recorded_by=by)
        case.trips = 1
        return _submit(case, values=values, by=by, now=now, event="case.registered",
                       extra={"materials": _material_summary(rows), "visit": "apply"})


# --- drafts (an online application saved step by step) ---------------------------------------

def create_draft(
    *,
    by: User,
    item: ServiceItem | None = None,
    package: Package | None = None,
    centre: OrgUnit | None = None,
    now: datetime | None = None,
) -> Case:
    """Start an online application to fill in step by step (no number until submitted)."""
    by = _require_user(by)
    now = _now(now)
    plan = _plan(item, package)
    with transaction.atomic():
        case = _create_case(
            plan=plan, by=by, applicant=by, applicant_info=_applicant_fields(by, "", "", ""),
            channel=Channel.ONLINE, intake_unit=_online_centre(centre), registered_by=None,
            delivery_method=applications.delivery_methods(plan.snapshots)[0],
            delivery_address="", commitments=(), raw_fields={}, now=now,
        )
        _event(case, "case.draft_created", by, now,
               items=[s["code"] for s in plan.snapshots])
        return case


def save_draft(
    *,
    case: Case,
    by: User,
    fields: Mapping[str, Any] | None = None,
    commitments: Collection[str] | None = None,
    delivery_method: str | None = None,
    delivery_address: str | None = None,
    applicant_name: str | None = None,
    applicant_id_number: str | None = None,
    applicant_phone: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Keep what the applicant typed so far (values are checked on submission).

    Only the arguments given change. `fields` replaces the stored values.
    """
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        _require_applicant(by, case)
        _move_case(case, CaseAction.EDIT)
        pairs = _case_snapshots(case)
        snapshots = [s for _ci, s in pairs]
        if fields is not None:
            case.application = {k: v for k, v in fields.items() if isinstance(k, str)}
        if commitments is not None:
            errors = _check_commitments(snapshots, commitments)
            if errors:
                raise ValidationFailed(errors[0].reason, field="commitments")
            for case_item, snapshot in pairs:
                signed = snapshot["code"] in commitments
                case_item.commitment_signed_at = (case_item.commitment_signed_at or now) \
                    if signed else None
            CaseItem.objects.bulk_update([ci for ci, _s in pairs], ["commitment_signed_at"])
        if delivery_method is not None:
            case.delivery_method = delivery_method
        if delivery_address is not None:
            case.delivery_address = delivery_address.strip()[:200]
        for name, value in (("applicant_name", applicant_name),
                            ("applicant_id_number", applicant_id_number),
                            ("applicant_phone", applicant_phone)):
            if value is not None:
                setattr(case, name, value.strip()[:Case._meta.get_field(name).max_length])
        case.save()
        return case


def attach_material(
    *,
    case: Case,
    by: User,
    key: str,
    upload: UploadedFile | None = None,
    reuse: str | None = None,
    now: datetime | None = None,
) -> CaseMaterial:
    """Add one material to a draft: an upload, or a reuse ref. A refused upload changes nothing.

    Raises ValidationFailed on field `materials.<key>` saying why (type by
    content, size, unknown material, reuse not allowed).
    """
    now = _now(now)
    if (upload is None) == (reuse is None):
        raise ValidationFailed(_("Upload a file or reuse an earlier one."),
                               field=f"materials.{key}", code="required")
    with transaction.atomic():
        case = _locked(case)
        _require_applicant(by, case)
        _move_case(case, CaseAction.EDIT)
        needs = applications.material_needs([s for _ci, s in _case_snapshots(case)])
        asked = {n.key: n.name for n in needs if n.asked}
        uploads = {key: upload} if upload is not None else {}
        reuses = {key: reuse} if reuse is not None else {}
        errors, reused = _check_materials(applicant_id=case.applicant_id, allowed=asked,
                                          uploads=uploads, reuse=reuses)
        if errors:
            raise ValidationFailed(errors[0].reason, field=errors[0].field, errors=errors)
        rows = _store_materials(case=case, names=asked, uploads=uploads, reused=reused,
                                by=by, now=now)
        _event(case, "case.material_attached", by, now, materials=_material_summary(rows))
        return rows[0]


def remove_material(*, case: Case, by: User, key: str, now: datetime | None = None) -> None:
    """Take a material out of a draft."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        _require_applicant(by, case)
        _move_case(case, CaseAction.EDIT)
        removed = CaseMaterial.objects.filter(case=case, key=key, is_current=True).update(
            is_current=False
        )
        if removed:
            _event(case, "case.material_removed", by, now, key=key)


def submit_application(*, case: Case, by: User, now: datetime | None = None) -> Case:
    """Submit a draft: every field and required material is checked, all problems named at once."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        _require_applicant(by, case)
        case_next(case.state, CaseAction.SUBMIT)  # refused before any work if not a draft
        pairs = _case_snapshots(case)
        snapshots = [s for _ci, s in pairs]
        provided = set(CaseMaterial.objects.filter(case=case, is_current=True)
                       .values_list("key", flat=True))
        values, _reused, _needs = _validate_application(
            plan_snapshots=snapshots, applicant_id=case.applicant_id, fields=case.application,
            uploads={}, reuse={},
            commitments=[s["code"] for ci, s in pairs if ci.commitment_signed_at],
            delivery_method=case.delivery_method, delivery_address=case.delivery_address,
            require_complete=True, already_provided=provided,
        )
        return _submit(case, values=values, by=by, now=now, event="case.submitted")


# --- the intake decision ----------------------------------------------------------------------

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
    Task.objects.bulk_update(tasks, ["state", "started_at", "clock", "deadline_at"])
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
    task.save(update_fields=["state", "decided_at", "decided_by", "decision_note",
                             "deadline_at"])
    ExtensionRequest.objects.filter(task=task, state=RequestState.OPEN).update(
        state=RequestState.CANCELLED, decided_at=now
    )
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
    certificates = {c.task_id: c.number for c in Certificate.objects.filter(case=case)}
    lines = []
    for task in sorted(reviews, key=lambda t: (t.case_item.position, t.pk)):
        detail = certificates.get(task.pk) or task.decision_note
        lines.append((task.case_item.name, task.state, detail))
    _notice(case, NoticeKind.DECISION, notices.decision(
        applicant=case.applicant_name, title=case.title, number=case.number or "",
        lines=lines, issued=now,
    ), by, now)
    case.save(update_fields=["state", "outcome", "decided_at"])
    _event(case, "case.decided", by, now, outcome=case.outcome)
    if case.delivery_method == DeliveryMethod.ELECTRONIC:
        _deliver(case, method=DeliveryMethod.ELECTRONIC, by=None, now=now)


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
        case.save(update_fields=["state", "intake_due_at"])
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
        case.save(update_fields=["state", "not_accepted_reason", "intake_due_at"])
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
    uploads: Mapping[str, UploadedFile] | None = None,
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
        request.save(update_fields=["state", "answered_by", "answered_at"])
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
            case.save(update_fields=["state", "trips"])
            graph = _Graph(case)
            task = graph.get(request.task_id)
            _move_task(task, TaskAction.SUPPLEMENT_ANSWERED)
            task.save(update_fields=["state"])
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


def _deemed_hook(now: datetime) -> dict[str, int]:
    return {"cases deemed accepted": deem_overdue_cases_accepted(now)}


def follow_recomputed_clocks(calendar: Any = None, years: Any = None) -> int:
    """After a calendar change moved clocks (monitoring recomputes them first), copy
    their deadlines onto the tasks that show them in inboxes."""
    moved = Task.objects.filter(clock__isnull=False).exclude(deadline_at=F("clock__deadline_at"))
    return Task.objects.filter(pk__in=moved.values("pk")).update(
        deadline_at=Subquery(Clock.objects.filter(pk=OuterRef("clock_id")).values("deadline_at"))
    )


def register_hooks() -> None:
    """Called from AppConfig.ready: deemed acceptance runs after every clock sweep; task
    deadlines follow their clocks after a calendar change."""
    register_sweep_hook(_deemed_hook)
    register_deadline_recomputer(follow_recomputed_clocks)


# --- department tasks -----------------------------------------------------------------------

def _task_action(task: Task | None = None, *, case_id: int | None = None,
                 task_id: int | None = None) -> tuple[Case, _Graph, Task]:
    """Lock the task's case, load its task graph, and the task as it is now."""
    if task is not None:
        case_id, task_id = task.case_id, task.pk
    assert case_id is not None and task_id is not None
    case = _locked(case_id)
    graph = _Graph(case)
    return case, graph, graph.get(task_id)


def _single_task(task: Task) -> tuple[Case, Task]:
    """Lock the task's case and read the task alone (for actions that touch no other task).

    The case row is the lock every action on the case or its tasks takes
    first, so the task read after it is current.
    """
    case = _locked(task.case_id)
    found = (Task.objects.select_related("clock", "department", "case_item")
             .filter(pk=task.pk, case=case).first())
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
        task.save(update_fields=["state", "assignee", "signed_at"])
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
        task.save(update_fields=["assignee"])
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
        task.save(update_fields=["state"])
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
        task.save(update_fields=["state"])
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
        procedure.save(update_fields=["ended_at", "ended_by", "outcome"])
        task.save(update_fields=["state"])
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
    clock follows up to the largest task extension, and the applicant gets a
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
            task.save(update_fields=["extension_days", "deadline_at"])
            _extend_case_clock(case, graph, by=by, reason=request.reason)
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
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        _event(case, "task.extension_approved" if approve else "task.extension_refused", by,
               now, task=task.pk, request=request.pk, days=request.days,
               note=request.decision_note)
        return request


def _extend_case_clock(case: Case, graph: _Graph, *, by: User | None, reason: str) -> None:
    """The case clock's extension follows the largest extension of any of its tasks."""
    if case.clock is None or case.clock.done_at is not None:
        return
    target = max((t.extension_days for t in graph.reviews()), default=0)
    current = sum(int(e["amount"]) for e in case.clock.extensions)
    if target > current:
        case.clock = monitoring_extend_clock(clock=case.clock, amount=target - current,
                                             reason=reason, by=by)


# --- withdrawal, delivery, visits, ratings -----------------------------------------------

def withdraw_case(*, case: Case, by: User, reason: str = "", now: datetime | None = None
                  ) -> Case:
    """The applicant withdraws before the decision (a clerk may record it for them).

    Undecided tasks are cancelled and every clock stops; items already
    approved stay approved (their certificates stand).
    """
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        by = _require_applicant(by, case, or_clerk=True)
        _move_case(case, CaseAction.WITHDRAW)
        graph = _Graph(case)
        cancelled = []
        for task in graph.reviews():
            if task.state in TASK_OPEN:
                _move_task(task, TaskAction.CANCEL)
                task.decided_at = now
                if task.clock is not None and task.clock.done_at is None:
                    task.clock = stop_clock(clock=task.clock, at=now, by=by)
                    _follow_clock(task)
                task.save(update_fields=["state", "decided_at", "deadline_at"])
                cancelled.append(task.pk)
        for clock in (case.intake_clock, case.clock):
            if clock is not None and clock.done_at is None:
                stop_clock(clock=clock, at=now, by=by)
        SupplementRequest.objects.filter(case=case, state=RequestState.OPEN).update(
            state=RequestState.CANCELLED
        )
        SpecialProcedure.objects.filter(case=case, ended_at__isnull=True).update(
            ended_at=now, ended_by=by
        )
        ExtensionRequest.objects.filter(case=case, state=RequestState.OPEN).update(
            state=RequestState.CANCELLED, decided_at=now
        )
        case.withdrawn_at, case.intake_due_at = now, None
        case.save(update_fields=["state", "withdrawn_at", "intake_due_at"])
        _event(case, "case.withdrawn", by, now, reason=reason.strip(), cancelled=cancelled)
        return case


def choose_delivery(*, case: Case, by: User, method: str, address: str = "",
                    now: datetime | None = None) -> Case:
    """The applicant (or a clerk for them) chooses how the results reach them."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        by = _require_applicant(by, case, or_clerk=True)
        _move_case(case, CaseAction.CHOOSE_DELIVERY)
        errors = _check_delivery([s for _ci, s in _case_snapshots(case)], method, address)
        if errors:
            raise ValidationFailed(errors[0].reason, errors=errors)
        case.delivery_method, case.delivery_address = method, address.strip()[:200]
        case.save(update_fields=["delivery_method", "delivery_address"])
        _event(case, "case.delivery_chosen", by, now, method=method)
        if case.state == CaseState.DECIDED and method == DeliveryMethod.ELECTRONIC:
            _deliver(case, method=method, by=by, now=now)
        return case


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
    case.save(update_fields=fields)
    _event(case, "case.delivered", by, now, method=method, tracking_number=tracking_number,
           carrier=carrier, trips=case.trips)
    return delivery


def deliver_results(
    *,
    case: Case,
    by: User,
    method: str | None = None,
    tracking_number: str = "",
    carrier: str = "",
    now: datetime | None = None,
) -> Delivery:
    """A clerk hands over the decided case's results: by post (tracking number required, no
    trip) or at the window (the applicant's visit is recorded: one trip). Electronic delivery
    happens by itself when the case is decided."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        by = _require_user(by)
        method = method or case.delivery_method
        if method not in DeliveryMethod.values:
            raise ValidationFailed(_("Choose a way of delivery."), field="method")
        units = scope_of(by).units(Role.CLERK)
        if case.intake_unit_id not in units and not (method == DeliveryMethod.WINDOW and units):
            raise PermissionDenied(_("Only a clerk may record the delivery."))
        if method == DeliveryMethod.POST:
            tracking_number = _require_text(tracking_number, "tracking_number",
                                            _("Give the postal tracking number."))
        unit = case.intake_unit if case.intake_unit_id in units else OrgUnit.objects.filter(
            pk__in=Membership.objects.filter(user=by, role=Role.CLERK).values("unit_id")
        ).first()
        return _deliver(case, method=method, by=by, now=now,
                        tracking_number=tracking_number[:40], carrier=carrier.strip()[:40],
                        unit=unit)


def record_visit(*, case: Case, by: User, purpose: str, note: str = "",
                 unit: OrgUnit | None = None, now: datetime | None = None) -> Visit:
    """A clerk records an in-person visit of the applicant about this case (any centre)."""
    now = _now(now)
    by = _require_user(by)
    if purpose not in VisitPurpose.values:
        raise ValidationFailed(_("Choose the purpose of the visit."), field="purpose")
    clerk_units = scope_of(by).units(Role.CLERK)
    if unit is None:
        direct = list(Membership.objects.filter(user=by, role=Role.CLERK)
                      .values_list("unit_id", flat=True))
        if not direct:
            raise PermissionDenied(_("Only a clerk may record a visit."))
        unit = OrgUnit.objects.get(pk=direct[0])
    if unit.pk not in clerk_units:
        raise PermissionDenied(_("Only a clerk of this service centre may record a visit here."))
    with transaction.atomic():
        case = _locked(case)
        _move_case(case, CaseAction.RECORD_VISIT)
        visit = Visit.objects.create(case=case, unit=unit, purpose=purpose,
                                     note=note.strip()[:200], at=now, recorded_by=by)
        case.trips += 1
        case.save(update_fields=["trips"])
        _event(case, "case.visit_recorded", by, now, purpose=purpose, unit=unit.code,
               trips=case.trips)
        return visit


def rate_case(*, case: Case, level: int, by: User | None = None, query_code: str | None = None,
              comment: str = "", now: datetime | None = None) -> Rating:
    """The applicant rates the service (好差评, five levels) once the case is decided.

    An applicant without an account rates with the case's query code.
    """
    now = _now(now)
    if level not in RatingLevel.values:
        raise ValidationFailed(_("Choose one of the five levels."), field="level")
    with transaction.atomic():
        case = _locked(case)
        if query_code is not None and by is None:
            if not hmac.compare_digest(query_code.strip().upper().encode(),
                                       case.query_code.encode()):
                raise PermissionDenied(_("The query code does not match."))
        else:
            by = _require_applicant(by, case)
        _move_case(case, CaseAction.RATE)
        if Rating.objects.filter(case=case).exists():
            raise Conflict(_("This case has already been rated."))
        rating = Rating.objects.create(case=case, level=level, comment=comment.strip(),
                                       rated_at=now, rated_by=by)
        _event(case, "case.rated", by, now, level=level)
        return rating


__all__ = [
    "SupplementItem",
    "accept_case",
    "apply_online",
    "approve_task",
    "assign_task",
    "attach_material",
    "choose_delivery",
    "complete_check",
    "create_draft",
    "decide_extension",
    "deem_overdue_cases_accepted",
    "deliver_results",
    "end_special_procedure",
    "record_visit",
    "refuse_case",
    "refuse_task",
    "register_hooks",
    "register_walk_in",
    "remove_material",
    "rate_case",
    "request_extension",
    "request_supplement",
    "request_task_supplement",
    "save_draft",
    "sign_for_task",
    "start_special_procedure",
    "submit_application",
    "supply_supplement",
    "withdraw_case",
]

