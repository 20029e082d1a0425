"""The window (窗口登记): a clerk registers a walk-in applicant and supplies what they bring.

- `walk_in`: find the item or package in the catalogue (search box);
- `walk_in_item` / `walk_in_package`: one page with the applicant, the items'
  fields, the scanned materials and the delivery; submitting calls
  `services.register_walk_in` (which records the visit: one trip);
- `walk_in_receipt`: the case number and query code to print and hand over,
  with the one-click acceptance (the service registers; accepting is the
  clerk's separate decision, `services.accept_case`, as on the case page);
- `work_supply`: the supplements the applicant brought to the window,
  scanned and supplied on their behalf (`services.supply_supplement` takes
  a clerk of the receiving centre and records the visit).

A refused upload or a bad field is named beside its input and in the
summary; everything else typed stays, and the files that passed are kept
(stored, referred to by hidden `kept-<key>` fields) so only the refused one
is chosen again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onetrip.accounts.models import OrgUnit, Role, UnitKind, User
from onetrip.accounts.selectors import scope_of
from onetrip.catalog import selectors as catalog_selectors
from onetrip.catalog.models import Delivery as DeliveryMethod
from onetrip.catalog.models import Package, ServiceItem
from onetrip.errors import NotFound, PermissionDenied, ValidationFailed
from onetrip.files.services import check_upload, store_upload

from .. import applications, selectors, services
from .. import selectors_pages as pages
from ..forms import (
    WalkInApplicantForm,
    WalkInDeliveryForm,
    error_list,
    errors_by_field,
    field_rows,
    file_errors,
    put_domain_errors,
)
from ..models import NoticeKind
from ..notices import document_date
from ..states import CaseAction, CaseState
from .common import domain_errors, staff_only
from .work import _tabs

SEARCH_LIMIT = 40


def clerk_centres(user: User) -> list[OrgUnit]:
    """The service centres (county or township) where the user serves as a clerk."""
    units = scope_of(user).units(Role.CLERK)
    if not units:
        return []
    return list(OrgUnit.objects.filter(pk__in=units, kind=UnitKind.CENTRE, is_active=True)
                .order_by("sort_order", "code"))


def _require_window_clerk(user: User) -> list[OrgUnit]:
    centres = clerk_centres(user)
    if not centres:
        raise PermissionDenied(_("Only a clerk of a service centre may register applicants "
                                 "at the window."))
    return centres


# --- choosing what to apply for ------------------------------------------------------------

@domain_errors
@staff_only
@require_GET
def walk_in(request: HttpRequest) -> HttpResponse:
    """Search the catalogue: packages first (one thing, several departments), then items."""
    centres = _require_window_clerk(request.user)
    q = (request.GET.get("q") or "").strip()[:100]
    filters = catalog_selectors.Filters(q=q)
    packages = catalog_selectors.find_packages(filters)
    items = catalog_selectors.find_items(filters)
    return render(request, "approvals/work/walk_in_search.html", {
        "tabs": _tabs(request), "q": q, "centres": centres,
        "packages": packages[:SEARCH_LIMIT], "items": items[:SEARCH_LIMIT],
        "more_packages": max(0, len(packages) - SEARCH_LIMIT),
        "more_items": max(0, len(items) - SEARCH_LIMIT),
    })


# --- the registration form ------------------------------------------------------------------

def _material_keys(form: selectors.ApplicationForm) -> list[tuple[str, str]]:
    return [(need.key, need.name) for need in form.materials]


def collect_files(request: HttpRequest, materials: list[tuple[str, str]]
                  ) -> tuple[dict[str, UploadedFile], dict[str, str], list[dict[str, str]]]:
    """The files of the form: new uploads checked by content, kept ones reopened.

    Returns (uploads that passed or were kept, kept refs, errors of refused files).
    A refused file leaves the file kept before it (if any) in place.
    """
    uploads: dict[str, UploadedFile] = {}
    kept: dict[str, str] = {}
    errors: list[dict[str, str]] = []
    for key, name in materials:
        upload = request.FILES.get(f"file-{key}")
        kept_ref = request.POST.get(f"kept-{key}", "")
        if upload is not None:
            try:
                check_upload(upload, field=f"materials.{key}")
            except ValidationFailed as exc:
                errors += file_errors(exc, key=key, material=name, file_name=upload.name or "")
                if kept_ref:
                    kept[key] = kept_ref
                continue
            uploads[key] = upload
        elif kept_ref:
            try:
                uploads[key] = pages.stored_upload_for(request.user, kept_ref)
            except NotFound:
                continue
            kept[key] = kept_ref
    return uploads, kept, errors


def keep_files(request: HttpRequest, uploads: dict[str, UploadedFile], kept: dict[str, str],
               errors: list[dict[str, str]]) -> dict[str, str]:
    """Store the files that passed (once) so the page can keep them when it is shown again."""
    refused = {e.get("field") for e in errors}
    for key, upload in uploads.items():
        if key in kept or f"materials.{key}" in refused:
            continue
        stored = store_upload(upload, by=request.user, field=f"materials.{key}")
        kept[key] = f"upload:{stored.pk}"
    return kept


def _material_rows(request: HttpRequest, form: selectors.ApplicationForm, kept: dict[str, str],
                   errors: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for need in form.materials:
        ref = kept.get(need.key, "")
        rows.append({
            "need": need, "id": f"material-{need.key}",
            "kept": pages.stored_file_summary(request.user, ref) if ref else None,
            "kept_ref": ref, "error": errors.get(f"materials.{need.key}", ""),
        })
    return rows


def _anchors(form: selectors.ApplicationForm) -> dict[str, str]:
    anchors = {f"fields.{spec['name']}": f"field-{spec['name']}" for spec in form.fields}
    anchors.update({f"materials.{need.key}": f"file-{need.key}" for need in form.materials})
    anchors.update({"commitments": "commitments", "delivery_method": "id_delivery_method",
                    "delivery_address": "id_delivery_address", "centre": "id_centre",
                    "applicant_name": "id_applicant_name"})
    return anchors


def _register(request: HttpRequest, *, item: ServiceItem | None = None,
              package: Package | None = None) -> HttpResponse:
    centres = _require_window_clerk(request.user)
    form = selectors.application_form(item=item, package=package)
    methods = form.delivery_methods
    default_method = DeliveryMethod.WINDOW if DeliveryMethod.WINDOW in methods else methods[0]
    data = request.POST if request.method == "POST" else None
    applicant_form = WalkInApplicantForm(data, centres=centres)
    delivery_form = WalkInDeliveryForm(data, methods=methods,
                                       initial={"delivery_method": default_method})
    commitment_codes = dict(form.commitment_items)
    values: dict[str, Any] = {}
    signed: set[str] = set()
    kept: dict[str, str] = {}
    errors: list[dict[str, str]] = []
    if data is not None:
        values = {spec["name"]: data.get(f"field-{spec['name']}", "") for spec in form.fields}
        signed = {code for code in data.getlist("commitment") if code in commitment_codes}
        uploads, kept, file_problems = collect_files(request, _material_keys(form))
        forms_ok = applicant_form.is_valid() & delivery_form.is_valid()
        # The merged field specs as one snapshot: the same check the service makes.
        cleaned = applications.clean_fields([{"application_fields": form.fields}], values)
        errors = error_list(form=applicant_form) + [
            {"href": f"#field-{e.field.partition('.')[2]}", "field": e.field,
             "message": str(e.reason)} for e in cleaned.errors
        ] + file_problems + error_list(form=delivery_form)
        if forms_ok and not errors:
            applicant = applicant_form.cleaned_data
            delivery = delivery_form.cleaned_data
            centre_id = applicant.get("centre") or centres[0].pk
            try:
                case = services.register_walk_in(
                    by=request.user, item=item, package=package,
                    applicant_name=applicant["applicant_name"],
                    applicant_id_number=applicant["applicant_id_number"],
                    applicant_phone=applicant["applicant_phone"],
                    fields=values, uploads=uploads, commitments=sorted(signed),
                    delivery_method=delivery["delivery_method"],
                    delivery_address=delivery["delivery_address"],
                    centre=next(c for c in centres if c.pk == centre_id),
                )
            except ValidationFailed as exc:
                put_domain_errors(exc, applicant_form, delivery_form)
                errors = error_list(exc=exc, anchors=_anchors(form))
            else:
                return redirect("approvals:walk_in_receipt", number=case.number)
        kept = keep_files(request, uploads, kept, errors)
    by_field = errors_by_field(errors)
    return render(request, "approvals/work/walk_in.html", {
        "tabs": _tabs(request), "form": form, "item": item, "package": package,
        "applicant_form": applicant_form, "delivery_form": delivery_form,
        "rows": field_rows(form.fields, values, by_field),
        "commitment_items": [{"code": c, "name": n, "signed": c in signed}
                             for c, n in form.commitment_items],
        "commitment_error": by_field.get("commitments", ""),
        "material_rows": _material_rows(request, form, kept, by_field),
        "errors": errors, "centres": centres,
        "limit": package.committed_limit if package else item.committed_limit if item else None,
    }, status=400 if errors else 200)


@domain_errors
@staff_only
@require_http_methods(["GET", "POST"])
def walk_in_item(request: HttpRequest, code: str) -> HttpResponse:
    return _register(request, item=catalog_selectors.item_by_code(code))


@domain_errors
@staff_only
@require_http_methods(["GET", "POST"])
def walk_in_package(request: HttpRequest, code: str) -> HttpResponse:
    return _register(request, package=catalog_selectors.package_by_code(code).package)


# --- the receipt -----------------------------------------------------------------------------

@domain_errors
@staff_only
@require_GET
def walk_in_receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The number and query code to hand over, the receipt to print, and what comes next."""
    detail = selectors.case_detail(request.user, number=number)
    if not detail.viewer.is_clerk:
        raise PermissionDenied(_("Only a clerk of the service centre that received this case "
                                 "may print its receipt."))
    receipt = next((n for n in detail.notices if n.kind == NoticeKind.RECEIPT), None)
    lines = [line for line in receipt.body.splitlines() if line.strip()] if receipt else []
    # The notice is salutation, text, and the centre's name last: the page signs it itself
    # with the centre and the date, below the list of materials.
    return render(request, "approvals/work/walk_in_receipt.html", {
        "tabs": _tabs(request), "detail": detail, "case": detail.case, "receipt": receipt,
        "salutation": lines[0] if lines else "", "paragraphs": lines[1:-1],
        "signed_on": document_date(detail.case.submitted_at) if detail.case.submitted_at else "",
        "given": [m for m in detail.materials if m.provided],
        "missing": [m for m in detail.materials if not m.provided and m.need.required],
        "can_accept": detail.case.state == CaseState.SUBMITTED
        and CaseAction.ACCEPT in detail.case_actions,
        "track_url": request.build_absolute_uri(reverse("approvals:track")),
    })


# --- supplements brought to the window -------------------------------------------------------

@domain_errors
@staff_only
@require_http_methods(["GET", "POST"])
def work_supply(request: HttpRequest, number: str) -> HttpResponse:
    """The clerk scans what the applicant brought and supplies it for them (one more visit)."""
    detail = selectors.case_detail(request.user, number=number)
    supplement = detail.open_supplement
    if not detail.viewer.is_clerk:
        raise PermissionDenied(_("Only a clerk of the service centre that received this case "
                                 "may supply materials for the applicant."))
    if supplement is None or CaseAction.SUPPLY not in detail.case_actions:
        messages.info(request, _("No supplement is asked for on this case at the moment."))
        return redirect("approvals:work_case", number=detail.case.number)
    materials = [(entry["key"], entry["name"]) for entry in supplement.items]
    kept: dict[str, str] = {}
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        uploads, kept, errors = collect_files(request, materials)
        if errors:
            # Name what is still missing too, so the summary lists every problem at once.
            named = {e["field"] for e in errors}
            for key, _name in materials:
                if key not in uploads and f"materials.{key}" not in named:
                    errors.append({"href": f"#file-{key}", "field": f"materials.{key}",
                                   "message": _("Scan and upload this material.")})
        else:
            try:
                services.supply_supplement(request=supplement, by=request.user,
                                           uploads=uploads)
            except ValidationFailed as exc:
                errors = error_list(exc=exc, anchors={f"materials.{k}": f"file-{k}"
                                                      for k, _n in materials})
            else:
                messages.success(request, _("The supplements were received and the visit "
                                            "recorded."))
                return redirect("approvals:work_case", number=detail.case.number)
        kept = keep_files(request, uploads, kept, errors)
    by_field = errors_by_field(errors)
    rows = []
    for entry in supplement.items:
        key = entry["key"]
        ref = kept.get(key, "")
        rows.append({
            "key": key, "name": entry["name"], "reason": entry.get("reason", ""),
            "kept": pages.stored_file_summary(request.user, ref) if ref else None,
            "kept_ref": ref, "error": by_field.get(f"materials.{key}", ""),
        })
    return render(request, "approvals/work/supply.html", {
        "tabs": _tabs(request), "detail": detail, "case": detail.case,
        "supplement": supplement, "rows": rows, "errors": errors,
    }, status=400 if errors else 200)
