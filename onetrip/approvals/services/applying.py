"""Applying: what is applied for, the materials (uploaded once, reused), online
applications, walk-ins registered at a window, and drafts saved step by step."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.accounts.models import Membership, OrgUnit, Role, UnitKind, User
from onetrip.accounts.selectors import scope_of
from onetrip.bulk import update_by_pk
from onetrip.catalog.models import Delivery as DeliveryMethod
from onetrip.catalog.models import ItemVersion, Package, PackageVersion, ServiceItem
from onetrip.catalog.selectors import current_package_version, current_version
from onetrip.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from onetrip.files.models import StoredFile
from onetrip.files.services import check_upload, store_uploads
from onetrip.monitoring.services import (
    start_clock,
)
from onetrip.workdays.calendar import local_date

from .. import applications, notices
from ..applications import MaterialNeed
from ..certificates import next_value
from ..models import (
    Case,
    CaseItem,
    CaseMaterial,
    Certificate,
    Channel,
    NoticeKind,
    SupplementRequest,
    Visit,
    VisitPurpose,
)
from ..states import (
    CaseAction,
    CaseState,
    case_next,
)
from .common import (
    CASE_NUMBER_PREFIX,
    INTAKE_LIMIT_WORKDAYS,
    QUERY_CODE_ALPHABET,
    QUERY_CODE_LENGTH,
    Upload,
    _event,
    _label,
    _locked,
    _move_case,
    _notice,
    _now,
    _require_applicant,
    _require_user,
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
    uploads: Mapping[str, Upload],
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
        if isinstance(upload, StoredFile):
            continue  # checked when it was stored
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
    uploads: Mapping[str, Upload],
    reused: Mapping[str, _Reused],
    by: User | None,
    now: datetime,
    supplement: SupplementRequest | None = None,
) -> list[CaseMaterial]:
    """Store checked uploads and reuses as the case's current materials (older ones kept)."""
    keys = list(uploads) + list(reused)
    if not keys:
        return []
    fresh = store_uploads({f"materials.{key}": upload for key, upload in uploads.items()
                           if not isinstance(upload, StoredFile)}, by=by)
    rows = []
    for key, upload in uploads.items():
        stored = upload if isinstance(upload, StoredFile) else fresh[f"materials.{key}"]
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
    case_items = [ci for ci, _s in items]
    update_by_pk(CaseItem, [ci.pk for ci in case_items], {
        "route": [ci.route for ci in case_items],
        "route_label": [ci.route_label for ci in case_items],
    })
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
    uploads: Mapping[str, Upload],
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
    uploads: Mapping[str, Upload] | None = None,
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
    uploads: Mapping[str, Upload] | None = None,
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
            update_by_pk(CaseItem, [ci.pk for ci, _s in pairs],
                         {"commitment_signed_at": [ci.commitment_signed_at for ci, _s in pairs]})
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
