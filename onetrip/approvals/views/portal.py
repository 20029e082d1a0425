"""The applicant's pages: my cases, one case, supplements, withdrawal, rating, downloads, tracking.

Phone first: one thing per page where a form is long, an error summary at
the top linking to each field, plain words. Every write is a service call.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onetrip.accounts.selectors import scope_of
from onetrip.errors import NotFound, ValidationFailed
from onetrip.files.services import check_upload, file_response, store_upload

from .. import certificates, selectors, services
from .. import selectors_pages as pages
from ..forms import (
    DeliveryForm,
    RatingForm,
    TrackForm,
    WithdrawForm,
    error_list,
    errors_by_field,
    file_errors,
)
from ..models import Case
from ..states import CaseAction, CaseState, TaskKind
from .common import domain_errors

MY_CASES_PER_PAGE = 20


def _applicant_detail(request: HttpRequest, number: str) -> selectors.CaseDetail:
    """The case for its applicant; staff who may see it are sent to the workbench instead."""
    detail = selectors.case_detail(request.user, number=number)
    if not detail.viewer.is_applicant:
        raise _StaffRedirect(detail.case)
    return detail


class _StaffRedirect(Exception):
    def __init__(self, case: Case) -> None:
        self.case = case


def _for_applicant(view):  # type: ignore[no-untyped-def]
    """Staff opening a portal case page land on the workbench page of the case."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _StaffRedirect as redirect_to:
            if scope_of(request.user).is_staff_member:
                return redirect("approvals:work_case", number=redirect_to.case.number)
            raise NotFound(_("No such case.")) from None

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- my cases ----------------------------------------------------------------------------------

@login_required
@domain_errors
def my_cases(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    cases = pages.my_cases(request.user)
    page = Paginator(cases, MY_CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "approvals/portal/mine.html", {
        "page": page,
        "supplements": list(selectors.open_supplements_for(request.user)),
        "now": now,
    })


# --- one case ----------------------------------------------------------------------------------

NEXT_STEPS = {
    CaseState.SUBMITTED: "submitted",
    CaseState.AWAITING_SUPPLEMENT: "supplement",
    CaseState.IN_REVIEW: "review",
    CaseState.DECIDED: "decided",
    CaseState.COMPLETED: "completed",
    CaseState.NOT_ACCEPTED: "not_accepted",
    CaseState.WITHDRAWN: "withdrawn",
}


def case_context(detail: selectors.CaseDetail) -> dict[str, Any]:
    """What the applicant's case page (and its fragments) show."""
    case = detail.case
    tasks = {t.case_item_id: t for t in detail.tasks if t.kind == TaskKind.REVIEW}
    items = [{"item": ci, "task": tasks.get(ci.pk)} for ci in detail.items]
    actions = detail.case_actions
    return {
        "detail": detail,
        "case": case,
        "items": items,
        "next_step": NEXT_STEPS.get(case.state, ""),
        "timeline": selectors.timeline(case, audience="applicant"),
        "open_supplement": detail.open_supplement,
        "can_withdraw": CaseAction.WITHDRAW in actions,
        "can_rate": CaseAction.RATE in actions and detail.rating is None,
        "can_choose_delivery": CaseAction.CHOOSE_DELIVERY in actions
        and case.state != CaseState.COMPLETED,
        "can_supply": CaseAction.SUPPLY in actions and detail.open_supplement is not None,
        "deadline": detail.deadline_last_day,
    }


@login_required
@domain_errors
@_for_applicant
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    detail = _applicant_detail(request, number)
    if detail.case.state == CaseState.DRAFT:
        return redirect("approvals:draft", pk=detail.case.pk)
    return render(request, "approvals/portal/case.html", case_context(detail))


@login_required
@domain_errors
@_for_applicant
def submitted(request: HttpRequest, number: str) -> HttpResponse:
    """The confirmation after submitting: the number and query code, and what happens next."""
    detail = _applicant_detail(request, number)
    return render(request, "approvals/portal/submitted.html", case_context(detail))


# --- supplements -------------------------------------------------------------------------------

def _supplement_rows(request: HttpRequest, detail: selectors.CaseDetail,
                     kept: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    request_ = detail.open_supplement
    assert request_ is not None
    offers = selectors.reusable_materials_for(request.user)
    rows = []
    for entry in request_.items:
        key = entry["key"]
        kept_ref = kept.get(key, "")
        rows.append({
            "key": key, "name": entry["name"], "reason": entry.get("reason", ""),
            "offer": offers.get(key),
            "kept": pages.stored_file_summary(request.user, kept_ref) if kept_ref else None,
            "kept_ref": kept_ref,
            "error": errors.get(f"materials.{key}", ""),
        })
    return rows


@login_required
@domain_errors
@_for_applicant
@require_http_methods(["GET", "POST"])
def supply(request: HttpRequest, number: str) -> HttpResponse:
    """Supply everything a supplement notice asks for, in one go.

    A refused file is named with its reason; the files that passed are kept
    (stored, and referred to by hidden fields), so the applicant only picks
    the refused one again.
    """
    detail = _applicant_detail(request, number)
    supplement = detail.open_supplement
    if supplement is None or CaseAction.SUPPLY not in detail.case_actions:
        messages.info(request, _("Nothing is asked of you on this case at the moment."))
        return redirect("approvals:case", number=number)
    kept: dict[str, str] = {}
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        uploads: dict[str, Any] = {}
        reuse: dict[str, str] = {}
        refused: list[dict[str, str]] = []
        for entry in supplement.items:
            key = entry["key"]
            upload = request.FILES.get(f"file-{key}")
            choice = request.POST.get(f"reuse-{key}", "")
            kept_ref = request.POST.get(f"kept-{key}", "")
            if upload is not None:
                try:
                    check_upload(upload, field=f"materials.{key}")
                except ValidationFailed as exc:
                    refused += file_errors(exc, key=key, material=entry["name"],
                                           file_name=upload.name or "")
                    continue
                uploads[key] = upload
            elif choice:
                reuse[key] = choice
            elif kept_ref:
                try:
                    uploads[key] = pages.stored_upload_for(request.user, kept_ref)
                    kept[key] = kept_ref
                except NotFound:
                    pass
        if refused:
            # Name what is still missing too, so the summary lists every problem at once.
            named = {e["field"] for e in refused}
            for entry in supplement.items:
                key = entry["key"]
                if key not in uploads and key not in reuse and f"materials.{key}" not in named:
                    refused.append({
                        "href": f"#file-{key}", "field": f"materials.{key}",
                        "message": _("Upload this material or reuse an earlier one.")})
        else:
            try:
                services.supply_supplement(request=supplement, by=request.user, uploads=uploads,
                                           reuse=reuse)
            except ValidationFailed as exc:
                errors = error_list(exc=exc, anchors={
                    f"materials.{e['key']}": f"file-{e['key']}" for e in supplement.items})
            else:
                messages.success(request, _("Thank you: the materials were received. The case "
                                            "goes on from here."))
                return redirect("approvals:case", number=number)
        errors = refused + errors
        # Keep the files that passed, so only the refused ones need choosing again.
        for key, upload in uploads.items():
            if key in kept:
                continue
            if any(e["field"] == f"materials.{key}" for e in errors):
                continue
            stored = store_upload(upload, by=request.user, field=f"materials.{key}")
            kept[key] = f"upload:{stored.pk}"
    rows = _supplement_rows(request, detail, kept, errors_by_field(errors))
    return render(request, "approvals/portal/supply.html", {
        **case_context(detail), "rows": rows, "errors": errors, "supplement": supplement,
    }, status=400 if errors else 200)


# --- withdraw, delivery, rating -------------------------------------------------------------

@login_required
@domain_errors
@_for_applicant
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    detail = _applicant_detail(request, number)
    if CaseAction.WITHDRAW not in detail.case_actions:
        messages.info(request, _("This case can no longer be withdrawn."))
        return redirect("approvals:case", number=number)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.withdraw_case(case=detail.case, by=request.user,
                               reason=form.cleaned_data["reason"])
        messages.success(request, _("Your application was withdrawn."))
        return redirect("approvals:case", number=number)
    return render(request, "approvals/portal/withdraw.html", {
        **case_context(detail), "form": form, "errors": error_list(form=form),
    })


@login_required
@domain_errors
@_for_applicant
@require_http_methods(["GET", "POST"])
def choose_delivery(request: HttpRequest, number: str) -> HttpResponse:
    detail = _applicant_detail(request, number)
    case = detail.case
    methods = _delivery_methods(detail)
    if CaseAction.CHOOSE_DELIVERY not in detail.case_actions or case.state == CaseState.COMPLETED:
        messages.info(request, _("The results have already been delivered."))
        return redirect("approvals:case", number=number)
    form = DeliveryForm(request.POST or None, methods=methods, initial={
        "delivery_method": case.delivery_method, "delivery_address": case.delivery_address})
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                services.choose_delivery(case=case, by=request.user,
                                         method=form.cleaned_data["delivery_method"],
                                         address=form.cleaned_data["delivery_address"])
            except ValidationFailed as exc:
                errors = error_list(form=form, exc=exc)
            else:
                messages.success(request, _("Your choice of delivery was saved."))
                return redirect("approvals:case", number=number)
        else:
            errors = error_list(form=form)
    return render(request, "approvals/portal/delivery.html", {
        **case_context(detail), "form": form, "errors": errors,
    }, status=400 if errors else 200)


def _delivery_methods(detail: selectors.CaseDetail) -> list[str]:
    from ..applications import delivery_methods

    return delivery_methods([ci.item_version.snapshot for ci in detail.items])


@login_required
@domain_errors
@_for_applicant
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, number: str) -> HttpResponse:
    detail = _applicant_detail(request, number)
    if CaseAction.RATE not in detail.case_actions or detail.rating is not None:
        messages.info(request, _("This case cannot be rated now."))
        return redirect("approvals:case", number=number)
    form = RatingForm(request.POST or None)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                services.rate_case(case=detail.case, by=request.user,
                                   level=form.cleaned_data["level"],
                                   comment=form.cleaned_data["comment"])
            except ValidationFailed as exc:
                errors = error_list(form=form, exc=exc)
            else:
                messages.success(request, _("Thank you for rating our service."))
                return redirect("approvals:case", number=number)
        else:
            errors = error_list(form=form)
    return render(request, "approvals/portal/rate.html", {
        **case_context(detail), "form": form, "errors": errors,
    }, status=400 if errors else 200)


# --- documents ---------------------------------------------------------------------------------

def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@domain_errors
def certificate_pdf(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    certificate = selectors.certificate_for(request.user, pk)
    if certificate.case.number != number:
        raise NotFound(_("No such certificate."))
    return _pdf(certificates.certificate_pdf(certificate), f"{certificate.number}.pdf")


@login_required
@domain_errors
def notice_page(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    notice = selectors.notice_for(request.user, pk)
    if notice.case.number != number:
        raise NotFound(_("No such notice."))
    staff = scope_of(request.user).is_staff_member and notice.case.applicant_id != request.user.pk
    lines = [line for line in notice.body.splitlines() if line.strip()]
    # A Chinese official letter: the salutation, the text, then the issuer and date on the right.
    signature = lines[-2:] if len(lines) >= 4 else []
    return render(request, "approvals/portal/notice.html", {
        "notice": notice, "case": notice.case, "staff": staff,
        "salutation": lines[0] if lines else "",
        "paragraphs": lines[1:len(lines) - len(signature)], "signature": signature,
    })


@login_required
@domain_errors
def notice_pdf(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    notice = selectors.notice_for(request.user, pk)
    if notice.case.number != number:
        raise NotFound(_("No such notice."))
    return _pdf(certificates.notice_pdf(notice), f"{number}-{notice.kind}.pdf")


@login_required
@domain_errors
def material_file(request: HttpRequest, pk: int) -> HttpResponse:
    return file_response(selectors.material_file_for(request.user, pk))


# --- tracking without logging in ---------------------------------------------------------------

def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Follow a case with its number and query code (sent by POST: codes stay out of URLs)."""
    form = TrackForm(request.POST or None)
    status = None
    errors: list[dict[str, str]] = []
    code = 200
    if request.method == "POST":
        address = _client_address(request)
        if pages.tracking_blocked(address):
            errors = [{"href": "#id_number", "field": "number", "message": _(
                "Too many attempts from your network. Try again in 15 minutes.")}]
            code = 429
        elif form.is_valid():
            try:
                status = selectors.track(number=form.cleaned_data["number"],
                                         query_code=form.cleaned_data["query_code"])
            except NotFound:
                pages.note_failed_tracking(address)
                errors = [{"href": "#id_number", "field": "number", "message": _(
                    "No case matches this number and query code. Check both on your "
                    "receipt.")}]
                code = 404
        else:
            errors = error_list(form=form)
            code = 400
    return render(request, "approvals/portal/track.html", {
        "form": form, "status": status, "errors": errors,
        "field_errors": errors_by_field(errors),
    }, status=code)
