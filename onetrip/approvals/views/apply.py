"""Applying online: a start page, a task list, one page per part, check your answers, submit.

The application is a draft case (services.create_draft); each page saves
its part (save_draft, attach_material), so nothing typed or uploaded is lost
when one part has a problem, and the applicant can leave and come back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from onetrip.catalog import selectors as catalog_selectors
from onetrip.catalog.models import Delivery as DeliveryMethod
from onetrip.errors import NotFound, ValidationFailed

from .. import applications, selectors, services
from .. import selectors_pages as pages
from ..forms import (
    ApplicantForm,
    DeliveryForm,
    error_list,
    errors_by_field,
    field_rows,
    file_errors,
)
from ..states import CaseState
from .common import domain_errors

# --- the start page ------------------------------------------------------------------------


def _start(request: HttpRequest, *, item: Any = None, package: Any = None) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    form = selectors.application_form(item=item, package=package, user=user)
    if request.method == "POST":
        if user is None:
            return redirect(f"{reverse('login')}?next={request.path}")
        case = services.create_draft(by=request.user, item=item, package=package)
        return redirect("approvals:draft", pk=case.pk)
    subject = package or item
    return render(request, "approvals/apply/start.html", {
        "form": form, "item": item, "package": package, "subject": subject,
        "drafts": pages.open_drafts(request.user, item=item, package=package),
        "limit": package.committed_limit if package else item.committed_limit,
        "required_count": sum(1 for m in form.materials if m.required),
    })


@domain_errors
@require_http_methods(["GET", "POST"])
def apply_item(request: HttpRequest, code: str) -> HttpResponse:
    return _start(request, item=catalog_selectors.item_by_code(code))


@domain_errors
@require_http_methods(["GET", "POST"])
def apply_package(request: HttpRequest, code: str) -> HttpResponse:
    return _start(request, package=catalog_selectors.package_by_code(code).package)


# --- the draft and its parts -----------------------------------------------------------------

class Draft:
    """A draft case as the application pages need it (case_detail plus the form's parts)."""

    def __init__(self, request: HttpRequest, pk: int) -> None:
        detail = selectors.case_detail(request.user, pk=pk)
        if not detail.viewer.is_applicant or detail.case.state != CaseState.DRAFT:
            raise _NotADraft(detail.case)
        self.detail = detail
        self.case = detail.case
        self.snapshots = [ci.item_version.snapshot for ci in detail.items]
        self.fields = applications.merged_fields(self.snapshots)
        self.commitment_items = [(s["code"], s.get("name", "")) for s in self.snapshots
                                 if applications.offers_commitment(s)]
        self.delivery_methods = applications.delivery_methods(self.snapshots)
        self.signed = {ci.item_version.snapshot["code"] for ci in detail.items
                       if ci.commitment_signed_at}
        self._offers: dict[str, Any] | None = None
        self.user = request.user

    @property
    def offers(self) -> dict[str, Any]:
        if self._offers is None:
            self._offers = selectors.reusable_materials_for(self.user)
        return self._offers

    @property
    def has_details(self) -> bool:
        return bool(self.fields or self.commitment_items)

    def field_errors(self) -> dict[str, str]:
        cleaned = applications.clean_fields(self.snapshots, self.case.application)
        return {e.field: e.reason for e in cleaned.errors}

    def status(self) -> dict[str, str]:
        """"done" / "todo" / "blocked" for each part of the task list."""
        case = self.case
        applicant = "done" if case.applicant_name and case.applicant_id_number \
            and case.applicant_phone else "todo"
        details = "done"
        if self.fields and (not case.application or self.field_errors()):
            details = "todo"
        missing = [m for m in self.detail.materials if m.need.required and not m.provided]
        materials = "todo" if missing else "done"
        delivery = "done" if case.delivery_method in self.delivery_methods and (
            case.delivery_method != DeliveryMethod.POST or case.delivery_address) else "todo"
        parts = [applicant, details if self.has_details else "done", materials, delivery]
        return {"applicant": applicant, "details": details, "materials": materials,
                "delivery": delivery,
                "check": "todo" if all(p == "done" for p in parts) else "blocked"}

    def routes(self) -> list[dict[str, Any]]:
        """The route each item would take with the values given (green channel, commitment)."""
        cleaned = applications.clean_fields(self.snapshots, self.case.application)
        found = []
        for ci in self.detail.items:
            snapshot = ci.item_version.snapshot
            decision = applications.decide_route(
                snapshot, cleaned.values, commitment_signed=snapshot["code"] in self.signed)
            found.append({"item": ci, "route": decision.route, "label": decision.label})
        return found


class _NotADraft(Exception):
    def __init__(self, case: Any) -> None:
        self.case = case


def _draft_view(view):  # type: ignore[no-untyped-def]
    """Load the draft; a submitted one sends the applicant to its case page."""

    def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            draft = Draft(request, pk)
        except _NotADraft as exc:
            if exc.case.number and exc.case.applicant_id == request.user.pk:
                return redirect("approvals:case", number=exc.case.number)
            raise NotFound(_("No such application.")) from None
        return view(request, draft, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _context(draft: Draft, **extra: Any) -> dict[str, Any]:
    return {"draft": draft, "case": draft.case, "detail": draft.detail, **extra}


@login_required
@domain_errors
@_draft_view
def task_list(request: HttpRequest, draft: Draft) -> HttpResponse:
    status = draft.status()
    rows = []
    for material in draft.detail.materials:
        rows.append({"status": material, "offer": draft.offers.get(material.need.key)})
    # The delivery method always has a value (the first one offered), so it shows as the
    # choice made rather than counting as a section the applicant completed.
    sections = ["applicant", "details", "materials"] if draft.has_details \
        else ["applicant", "materials"]
    return render(request, "approvals/apply/task_list.html", _context(
        draft, status=status, material_rows=rows,
        done=sum(1 for k in sections if status[k] == "done"), total=len(sections),
    ))


@login_required
@domain_errors
@_draft_view
@require_http_methods(["GET", "POST"])
def applicant(request: HttpRequest, draft: Draft) -> HttpResponse:
    case = draft.case
    form = ApplicantForm(request.POST or None, initial={
        "applicant_name": case.applicant_name, "applicant_id_number": case.applicant_id_number,
        "applicant_phone": case.applicant_phone,
    })
    if request.method == "POST" and form.is_valid():
        services.save_draft(case=case, by=request.user, **form.cleaned_data)
        return redirect(_next_part(draft, "applicant"))
    errors = error_list(form=form) if request.method == "POST" else []
    return render(request, "approvals/apply/applicant.html", _context(
        draft, form=form, errors=errors), status=400 if errors else 200)


def _next_part(draft: Draft, after: str) -> str:
    """The next part in order (a first pass goes through every page once, like a form)."""
    order = ["applicant", "details", "materials", "delivery", "check"]
    for part in order[order.index(after) + 1:]:
        if part == "details" and not draft.has_details:
            continue
        return reverse(f"approvals:draft_{part}", kwargs={"pk": draft.case.pk})
    return reverse("approvals:draft", kwargs={"pk": draft.case.pk})


def _field_rows(draft: Draft, values: dict[str, Any], errors: dict[str, str]
                ) -> list[dict[str, Any]]:
    return field_rows(draft.fields, values, errors)


@login_required
@domain_errors
@_draft_view
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, draft: Draft) -> HttpResponse:
    """The items' application fields (e.g. the green channel's line length) and commitments."""
    if not draft.has_details:
        return redirect("approvals:draft", pk=draft.case.pk)
    values: dict[str, Any] = dict(draft.case.application)
    signed = set(draft.signed)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        values = {spec["name"]: request.POST.get(f"field-{spec['name']}", "")
                  for spec in draft.fields}
        signed = {code for code in request.POST.getlist("commitment")
                  if code in dict(draft.commitment_items)}
        cleaned = applications.clean_fields(draft.snapshots, values)
        errors = [{"href": f"#{e.field.replace('fields.', 'field-')}", "field": e.field,
                   "message": str(e.reason)} for e in cleaned.errors]
        if not errors:
            try:
                services.save_draft(case=draft.case, by=request.user, fields=cleaned.values,
                                    commitments=sorted(signed))
            except ValidationFailed as exc:
                errors = error_list(exc=exc, anchors={"commitments": "commitments"})
            else:
                return redirect(_next_part(draft, "details"))
    by_field = errors_by_field(errors)
    return render(request, "approvals/apply/details.html", _context(
        draft, rows=_field_rows(draft, values, by_field), errors=errors,
        commitment_items=[{"code": c, "name": n, "signed": c in signed}
                          for c, n in draft.commitment_items],
        commitment_error=by_field.get("commitments", ""),
    ), status=400 if errors else 200)


def _material_rows(draft: Draft, errors: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for status in draft.detail.materials:
        need = status.need
        rows.append({
            "need": need, "current": status.current, "offer": draft.offers.get(need.key),
            "error": errors.get(f"materials.{need.key}", ""), "id": f"material-{need.key}",
            "items": [ci.name for ci in draft.detail.items
                      if ci.item_version.snapshot["code"] in need.item_codes],
        })
    return rows


@login_required
@domain_errors
@_draft_view
@require_http_methods(["GET", "POST"])
def materials(request: HttpRequest, draft: Draft) -> HttpResponse:
    """Every material once, with its upload or the earlier one to reuse.

    Each file is attached on its own: a refused one is named with its reason
    and the others are kept.
    """
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        remove = request.POST.get("remove")
        if remove:
            services.remove_material(case=draft.case, by=request.user, key=remove)
            return redirect(f"{request.path}#material-{remove}")
        attached = 0
        for status in draft.detail.materials:
            key = status.need.key
            upload = request.FILES.get(f"file-{key}")
            reuse = request.POST.get(f"reuse-{key}", "")
            try:
                if upload is not None:
                    services.attach_material(case=draft.case, by=request.user, key=key,
                                             upload=upload)
                    attached += 1
                elif reuse and not (status.current and _same_reuse(status.current, reuse)):
                    services.attach_material(case=draft.case, by=request.user, key=key,
                                             reuse=reuse)
                    attached += 1
            except ValidationFailed as exc:
                if upload is not None:
                    errors += file_errors(exc, key=key, material=status.need.name,
                                          file_name=upload.name or "")
                else:
                    errors += error_list(exc=exc, anchors={f"materials.{key}": f"file-{key}"})
        if not errors:
            if attached:
                messages.success(request, _("Saved."))
            if request.POST.get("continue"):
                return redirect(_next_part(draft, "materials"))
            return redirect(request.path)
        draft = Draft(request, draft.case.pk)  # what was attached before the refusal shows
    return render(request, "approvals/apply/materials.html", _context(
        draft, rows=_material_rows(draft, errors_by_field(errors)), errors=errors,
    ), status=400 if errors else 200)


def _same_reuse(current: Any, ref: str) -> bool:
    kind, _sep, raw = ref.partition(":")
    if kind == "material":
        return str(current.reused_from_id) == raw
    if kind == "certificate":
        return str(current.certificate_id) == raw
    return False


@login_required
@domain_errors
@_draft_view
@require_http_methods(["GET", "POST"])
def delivery(request: HttpRequest, draft: Draft) -> HttpResponse:
    case = draft.case
    form = DeliveryForm(request.POST or None, methods=draft.delivery_methods, initial={
        "delivery_method": case.delivery_method, "delivery_address": case.delivery_address})
    if request.method == "POST" and form.is_valid():
        services.save_draft(case=case, by=request.user, **form.cleaned_data)
        return redirect(_next_part(draft, "delivery"))
    errors = error_list(form=form) if request.method == "POST" else []
    return render(request, "approvals/apply/delivery.html", _context(
        draft, form=form, errors=errors), status=400 if errors else 200)


def _part_url(draft: Draft, field: str) -> str:
    pk = draft.case.pk
    if field.startswith("fields.") or field == "commitments":
        anchor = field.replace("fields.", "field-")
        return reverse("approvals:draft_details", kwargs={"pk": pk}) + f"#{anchor}"
    if field.startswith("materials."):
        return reverse("approvals:draft_materials", kwargs={"pk": pk}) + \
            f"#material-{field.partition('.')[2]}"
    if field.startswith("delivery"):
        return reverse("approvals:draft_delivery", kwargs={"pk": pk}) + f"#id_{field}"
    if field.startswith("applicant"):
        return reverse("approvals:draft_applicant", kwargs={"pk": pk}) + f"#id_{field}"
    return "#main"


@login_required
@domain_errors
@_draft_view
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, draft: Draft) -> HttpResponse:
    """Check your answers, then submit: every problem is named at once, each linking to its page."""
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        try:
            case = services.submit_application(case=draft.case, by=request.user)
        except ValidationFailed as exc:
            errors = [{"href": _part_url(draft, e.field or ""), "field": e.field or "",
                       "message": str(e.reason)} for e in exc.errors]
        else:
            return redirect("approvals:submitted", number=case.number)
    status = draft.status()
    missing_parts = [part for part in ("applicant", "details", "materials", "delivery")
                     if status[part] != "done" and (part != "details" or draft.has_details)]
    incomplete = [{"href": reverse(f"approvals:draft_{part}", kwargs={"pk": draft.case.pk}),
                   "message": MISSING_PART[part]} for part in missing_parts]
    rows = _field_rows(draft, dict(draft.case.application), {})
    return render(request, "approvals/apply/check.html", _context(
        draft, errors=errors, incomplete=incomplete, status=status, field_rows=rows,
        routes=draft.routes(),
        material_rows=_material_rows(draft, {}),
        commitment_items=[{"code": c, "name": n, "signed": c in draft.signed}
                          for c, n in draft.commitment_items],
    ), status=400 if request.method == "POST" and errors else 200)


MISSING_PART = {
    "applicant": gettext_lazy("Enter the applicant's details."),
    "details": gettext_lazy("Answer the questions about the application."),
    "materials": gettext_lazy("Upload every required material, or reuse an earlier one."),
    "delivery": gettext_lazy("Choose how you want to receive the results."),
}


@login_required
@domain_errors
@_draft_view
@require_POST
def discard(request: HttpRequest, draft: Draft) -> HttpResponse:
    services.withdraw_case(case=draft.case, by=request.user, reason="draft discarded")
    messages.success(request, _("The unfinished application was deleted."))
    return redirect("approvals:mine")
