"""The citizen's appeal, in two steps: fill in the form, then check your answers and confirm.

Nothing is registered until the citizen confirms. Between the steps the
answers live in the session (`hotline_draft`), and every file that passed its
check is stored at once and kept by id, like the approvals pages' "upload:<id>"
refs, so changing an answer never means choosing a file again. A session may
refer only to the uploads it stored itself. The check page carries a one-time
token: the confirm that takes it registers the ticket, any later one (a double
click, a form sent again) is sent to the same "received" page.
"""

from __future__ import annotations

import secrets
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from onetrip.accounts.models import OrgUnit, UnitKind
from onetrip.errors import DomainError, FieldError, ValidationFailed
from onetrip.files.models import StoredFile
from onetrip.files.services import check_upload, store_upload

from . import services
from .forms import FIELDS, PublicAppealForm, raw_answers
from .models import Channel, Kind
from .services import MAX_ATTACHMENTS
from .views import _errors, _staff, _townships

DRAFT = "hotline_draft"
FILED = "hotline_filed"


def _draft(session: SessionBase) -> dict[str, Any]:
    draft = session.get(DRAFT) or {}
    return {
        "answers": draft.get("answers") or {},
        "uploads": [i for i in draft.get("uploads") or [] if isinstance(i, int)],
        "token": draft.get("token") or "",
    }


def _kept_files(ids: list[int]) -> list[StoredFile]:
    """The stored uploads behind `ids`, in the order they were added, if still on disk."""
    found = StoredFile.objects.in_bulk(ids)
    root = Path(settings.MEDIA_ROOT)
    return [found[i] for i in ids if i in found and (root / found[i].path).is_file()]


def _kept_ids(refs: list[str], *, allowed: list[int]) -> list[int]:
    """The "upload:<id>" refs the form sent back, kept only if this session stored them."""
    ids = []
    for ref in refs:
        kind, _sep, raw = ref.partition(":")
        if kind == "upload" and raw.isdigit() and int(raw) in allowed and int(raw) not in ids:
            ids.append(int(raw))
    return ids


def _store_new(
    request: HttpRequest, uploads: list[UploadedFile], *, room: int
) -> tuple[list[int], list[FieldError]]:
    """Store the new files that pass (so they need not be chosen again); name the others."""
    ids: list[int] = []
    errors: list[FieldError] = []
    by = request.user if request.user.is_authenticated else None
    for upload in uploads:
        if len(ids) >= room:
            errors.append(
                FieldError(
                    "attachments",
                    _("At most %(n)d files with one appeal.") % {"n": MAX_ATTACHMENTS},
                    "too_many",
                )
            )
            break
        try:
            check_upload(upload, field="attachments")
        except ValidationFailed as exc:
            errors += [
                FieldError(e.field, f"{upload.name}: {e.reason}", e.code) for e in exc.errors
            ]
            continue
        ids.append(store_upload(upload, by=by, field="attachments").pk)
    return ids, errors


def _form_errors(form: PublicAppealForm) -> list[FieldError]:
    """The form's errors in the order of its fields, one per field."""
    return [FieldError(name, str(form.errors[name][0])) for name in FIELDS if name in form.errors]


def _form_page(
    request: HttpRequest,
    *,
    answers: dict[str, Any],
    uploads: list[int],
    errors: list[FieldError],
) -> HttpResponse:
    return render(
        request,
        "hotline/new.html",
        _staff(
            request,
            {
                "errors": errors,
                "field_errors": {e.field: e.reason for e in reversed(errors) if e.field},
                "error_fields": {e.field for e in errors},
                "data": answers,
                "kept": _kept_files(uploads),
                "kinds": Kind.choices,
                "townships": _townships(),
                "max_attachments": MAX_ATTACHMENTS,
            },
        ),
        status=400 if errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """The public form to file an appeal (web and phones); it leads to the check page."""
    draft = _draft(request.session)
    if request.method == "GET":
        return _form_page(request, answers=draft["answers"], uploads=draft["uploads"], errors=[])
    form = PublicAppealForm(request.POST)
    kept = _kept_ids(request.POST.getlist("kept"), allowed=draft["uploads"])
    added, file_errors = _store_new(
        request, request.FILES.getlist("attachments"), room=MAX_ATTACHMENTS - len(kept)
    )
    valid = form.is_valid() and not file_errors
    answers = form.answers() if valid else raw_answers(request.POST)
    request.session[DRAFT] = {
        "answers": answers,
        "uploads": kept + added,
        # A new token for every version of the answers: a check page showing
        # older answers cannot confirm these.
        "token": secrets.token_urlsafe(18) if valid else "",
    }
    if valid:
        return redirect("hotline:check")
    return _form_page(
        request, answers=answers, uploads=kept + added, errors=_form_errors(form) + file_errors
    )


def _summary(answers: dict[str, Any]) -> dict[str, Any]:
    township = (
        OrgUnit.objects.filter(pk=answers["township"], kind=UnitKind.TOWNSHIP).first()
        if str(answers.get("township") or "").isdigit()
        else None
    )
    return {
        "kind": dict(Kind.choices).get(answers.get("kind"), ""),
        "township": township.name if township else "",
        "phone": _grouped(answers.get("citizen_phone", "")),
    }


def _grouped(phone: str) -> str:
    """A mobile number as 138 0000 1234, easier to check digit by digit."""
    if len(phone) == 11 and phone.isdigit():
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return phone


@never_cache
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Check your answers, each with a link back to change it, then confirm."""
    if request.method == "POST":
        return _confirm(request)
    draft = _draft(request.session)
    if not draft["token"]:
        return redirect("hotline:new")
    return render(
        request,
        "hotline/check.html",
        {
            "data": draft["answers"],
            "shown": _summary(draft["answers"]),
            "files": _kept_files(draft["uploads"]),
            "token": draft["token"],
        },
    )


def _locked_session(request: HttpRequest) -> SessionBase:
    """This session as stored now, its row locked until the transaction ends.

    Two confirms of one draft (a double click sends both) then run one after
    the other, and the second finds the draft already taken. Session engines
    without a database row are read as they are.
    """
    key = request.session.session_key
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    model = getattr(store, "model", None)
    if key and model is not None:
        list(model.objects.select_for_update().filter(session_key=key).values_list("pk"))
    return store


def _register(request: HttpRequest, draft: dict[str, Any]):
    answers = draft["answers"]
    files = _kept_files(draft["uploads"])
    if len(files) != len(draft["uploads"]):
        raise ValidationFailed(
            _("A file you added can no longer be read: add it again."), field="attachments"
        )
    user_agent = request.headers.get("User-Agent", "")
    phone = answers.get("channel") == Channel.MOBILE or "MicroMessenger" in user_agent
    user = request.user if request.user.is_authenticated else None
    township = answers.get("township") or ""
    return services.register_ticket(
        by=user,
        channel=Channel.MOBILE if phone or "Mobile" in user_agent else Channel.WEB,
        kind=answers.get("kind", ""),
        content=answers.get("content", ""),
        citizen=services.Citizen(
            name=answers.get("citizen_name", ""),
            phone=answers.get("citizen_phone", ""),
            anonymous=bool(answers.get("anonymous")),
            confidential=bool(answers.get("confidential")),
            user=user,
        ),
        address=answers.get("address", ""),
        township=(
            OrgUnit.objects.filter(pk=township, kind=UnitKind.TOWNSHIP).first()
            if township.isdigit()
            else None
        ),
        uploads=files,  # stored when added, taken as they are
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    try:
        with transaction.atomic():
            session = _locked_session(request)
            draft = _draft(session)
            taken = bool(token) and constant_time_compare(draft["token"], token)
            if taken:
                ticket = _register(request, draft)
                session.pop(DRAFT, None)
                session[FILED] = [ticket.number, ticket.query_code, token]
                session.save()
    except DomainError as exc:
        # Back to the form, the problem beside its field, every answer and file kept.
        draft["uploads"] = [f.pk for f in _kept_files(draft["uploads"])]
        request.session[DRAFT] = {**draft, "token": ""}
        return _form_page(
            request, answers=draft["answers"], uploads=draft["uploads"], errors=_errors(exc)
        )
    if taken:
        # The same in this request's copy, so saving it at the end changes nothing.
        request.session.pop(DRAFT, None)
        request.session[FILED] = [ticket.number, ticket.query_code, token]
        return redirect("hotline:filed")
    filed = session.get(FILED) or []
    if token and len(filed) == 3 and constant_time_compare(filed[2], token):
        return redirect("hotline:filed")  # already registered by the first of two confirms
    if draft["token"]:
        return redirect("hotline:check")  # the answers changed since that page was shown
    messages.info(request, _("There is no appeal waiting to be sent: fill in the form."))
    return redirect("hotline:new")


def filed(request: HttpRequest) -> HttpResponse:
    number, code = (request.session.get(FILED) or [None, None])[:2]
    if not number:
        return redirect("hotline:new")
    return render(request, "hotline/filed.html", {"number": number, "query_code": code})
