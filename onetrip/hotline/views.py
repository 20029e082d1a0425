"""The hotline's pages: the citizen's lookup, the operator's console and queues, the unit's
inbox, the ticket page with its timeline and actions, the hot-issue list. The citizen's
appeal form and its check page are in views_public.py.

Views validate their input and call one service or selector; a DomainError is
shown to the person beside the form (or as a message) and nothing is saved.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from onetrip.accounts.models import OrgUnit, Role, UnitKind
from onetrip.accounts.selectors import scope_of
from onetrip.errors import DomainError, FieldError
from onetrip.files.services import file_response

from . import dispatch, quality, selectors, services
from .models import (
    Attachment,
    Category,
    Channel,
    Extension,
    Kind,
    RefusalReason,
    ReplyFlag,
    Satisfaction,
    Ticket,
    Urgency,
)
from .states import State

EVENT_LABELS = {
    "ticket.registered": gettext_lazy("Registered"),
    "ticket.refuse": gettext_lazy("Not accepted"),
    "ticket.answer": gettext_lazy("Answered at once"),
    "ticket.dispatch": gettext_lazy("Dispatched"),
    "ticket.sign": gettext_lazy("Signed for"),
    "ticket.return": gettext_lazy("Returned by the unit"),
    "ticket.contact": gettext_lazy("Citizen contacted"),
    "ticket.co_opinion": gettext_lazy("Co-unit opinion"),
    "ticket.reply": gettext_lazy("Reply submitted"),
    "ticket.send_back": gettext_lazy("Reply sent back"),
    "ticket.accept_reply": gettext_lazy("Reply accepted; citizen told"),
    "ticket.close_without_follow_up": gettext_lazy("Reply accepted and closed"),
    "ticket.request_extension": gettext_lazy("Extension asked"),
    "ticket.decide_extension": gettext_lazy("Extension decided"),
    "ticket.remind": gettext_lazy("Reminder sent"),
    "ticket.follow_up_attempt": gettext_lazy("Follow-up call: not reached"),
    "ticket.follow_up_close": gettext_lazy("Follow-up done; closed"),
    "ticket.reopen": gettext_lazy("Reopened after follow-up"),
    "ticket.escalate": gettext_lazy("Escalated for supervision"),
    "ticket.close": gettext_lazy("Closed"),
    "ticket.merge": gettext_lazy("Merged into another ticket"),
    "ticket.absorb": gettext_lazy("Took in a repeat appeal"),
    "ticket.attach": gettext_lazy("Attachment added"),
    "ticket.flag_confirmed": gettext_lazy("Quality flag confirmed"),
    "ticket.flag_dismissed": gettext_lazy("Quality flag dismissed"),
    "ticket.merged_reply_sent": gettext_lazy("Reply of the merged ticket sent"),
    "signal.prewarning": gettext_lazy("Pre-warning"),
    "signal.yellow": gettext_lazy("Yellow card"),
    "signal.red": gettext_lazy("Red card"),
}
SHOWN_PAYLOAD = (
    "reason",
    "note",
    "text",
    "comment",
    "lead_unit",
    "unit",
    "into",
    "merged",
    "satisfaction",
    "days",
    "category",
)


def _staff(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """What the hotline's sub-navigation needs."""
    scope = scope_of(request.user)
    return {
        **context,
        "is_operator": bool(scope.units(Role.OPERATOR)),
        "is_handler": bool(scope.units(*services.HANDLING_ROLES)),
    }


def _errors(exc: DomainError) -> list[FieldError]:
    return exc.errors or [FieldError(None, str(exc.reason))]


def _townships():
    return OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP, is_active=True).order_by("sort_order")


def _handling_units():
    return OrgUnit.objects.filter(
        kind__in=(UnitKind.DEPARTMENT, UnitKind.TOWNSHIP), is_active=True
    ).order_by("kind", "sort_order", "code")


def _leaf_categories():
    return Category.objects.filter(is_active=True, parent__isnull=False).order_by("sort_order")


def _unit_or_none(value: str | None, **filters: Any) -> OrgUnit | None:
    if not value:
        return None
    return OrgUnit.objects.filter(pk=value, **filters).first() if value.isdigit() else None


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return Decimal("999")  # out of range: the service names the field


# --- citizens --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """A citizen checks their ticket with its number and query code (POST: no code in URLs)."""
    ticket = None
    failed = False
    if request.method == "POST":
        ticket = selectors.lookup(
            number=request.POST.get("number", ""), query_code=request.POST.get("query_code", "")
        )
        failed = ticket is None
    context: dict[str, Any] = {"ticket": ticket, "failed": failed, "data": request.POST}
    if ticket is not None:
        context["messages_sent"] = ticket.messages.order_by("created_at")
        context["merged_into"] = ticket.merged_into
    return render(request, "hotline/lookup.html", context, status=404 if failed else 200)


# --- the operator's console ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    """Keyboard-first registration with the dispatch suggestion and similar tickets beside it."""
    if not services.is_operator(request.user):
        return HttpResponseForbidden(_("Only 12345 operators use the console."))
    errors: list[FieldError] = []
    data = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            ticket = _register_from_console(request, data)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(
                request, _("Ticket %(number)s registered.") % {"number": ticket.number}
            )
            if data.get("then") == "next":
                return redirect("hotline:console")
            return redirect("hotline:ticket", number=ticket.number)
    return render(
        request,
        "hotline/console.html",
        _staff(
            request,
            {
                "errors": errors,
                "error_fields": {e.field for e in errors},
                "data": data,
                "kinds": Kind.choices,
                "urgencies": Urgency.choices,
                "townships": _townships(),
                "categories": _leaf_categories(),
                "units": _handling_units(),
                "refusals": RefusalReason.choices,
            },
        ),
        status=400 if errors else 200,
    )


def _register_from_console(request: HttpRequest, data) -> Ticket:
    by = request.user
    then = data.get("then", "dispatch")
    category = Category.objects.filter(pk=data.get("category") or 0, is_active=True).first()
    lead = _unit_or_none(data.get("lead_unit"))
    suggestion = (data.get("suggested_category", ""), data.get("suggested_unit", ""))
    with transaction.atomic():
        ticket = services.register_ticket(
            by=by,
            channel=data.get("channel") or Channel.PHONE,
            kind=data.get("kind", ""),
            content=data.get("content", ""),
            citizen=services.Citizen(
                name=data.get("citizen_name", ""),
                phone=data.get("citizen_phone", ""),
                id_number=data.get("citizen_id_number", ""),
                anonymous=bool(data.get("anonymous")),
                confidential=bool(data.get("confidential")),
            ),
            category=category,
            address=data.get("address", ""),
            latitude=_decimal(data.get("latitude")),
            longitude=_decimal(data.get("longitude")),
            township=_unit_or_none(data.get("township"), kind=UnitKind.TOWNSHIP),
            urgency=data.get("urgency") or Urgency.NORMAL,
            uploads=request.FILES.getlist("attachments"),
            suggestion=suggestion if suggestion[0] else None,
        )
        if then == "answer":
            services.answer_at_once(ticket=ticket, by=by, answer=data.get("answer", ""))
        elif then == "refuse":
            services.refuse_ticket(
                ticket=ticket,
                by=by,
                reason=data.get("refusal_reason", ""),
                note=data.get("refusal_note", ""),
            )
        elif then in ("dispatch", "next"):
            if lead is None:
                raise DomainError(_("Choose the lead unit."), field="lead_unit")
            co_units = [u for u in (_unit_or_none(v) for v in data.getlist("co_units")) if u]
            services.dispatch_ticket(
                ticket=ticket, by=by, lead_unit=lead, co_units=co_units, category=category
            )
    return ticket


@login_required
@require_POST
def console_panel(request: HttpRequest) -> HttpResponse:
    """htmx: suggestions, similar recent tickets and knowledge entries for the text typed."""
    if not services.is_operator(request.user):
        return HttpResponseForbidden()
    content = request.POST.get("content", "")[:4000]
    township = _unit_or_none(request.POST.get("township"), kind=UnitKind.TOWNSHIP)
    suggestions = dispatch.suggest(content, township=township) if len(content) >= 6 else []
    paths = {s.category for s in suggestions}
    ids = dict(Category.objects.filter(path__in=paths).values_list("path", "pk"))
    units = dict(
        OrgUnit.objects.filter(code__in={s.unit for s in suggestions if s.unit}).values_list(
            "code", "pk"
        )
    )
    rows = [
        {"s": s, "category_id": ids.get(s.category), "unit_id": units.get(s.unit), "n": i}
        for i, s in enumerate(suggestions, start=1)
    ]
    similar = (
        selectors.similar_recent(
            content=content, township_id=township.pk if township else None, user=request.user
        )
        if len(content) >= 6
        else []
    )
    knowledge = selectors.knowledge_for(content) if len(content) >= 4 else []
    return render(
        request,
        "hotline/_console_panel.html",
        {
            "rows": rows,
            "similar": similar,
            "knowledge": knowledge,
            "content": content,
        },
    )


# --- queues ----------------------------------------------------------------------------------


def _with_deadlines(tickets) -> list[tuple[Ticket, Any]]:
    tickets = list(tickets)
    clocks = selectors.deadlines(tickets)
    return [(t, clocks.get(t.pk)) for t in tickets]


QUEUE_TABS = [
    ("dispatch", gettext_lazy("To dispatch"), (State.REGISTERED, State.RETURNED)),
    ("review", gettext_lazy("Replies to review"), (State.REPLIED,)),
    ("follow_up", gettext_lazy("Follow-up"), (State.FOLLOW_UP,)),
    ("escalated", gettext_lazy("Escalated"), (State.ESCALATED,)),
    ("open", gettext_lazy("With units"), (State.DISPATCHED, State.SIGNED)),
]


@login_required
def queue(request: HttpRequest, tab: str = "dispatch") -> HttpResponse:
    if not services.is_operator(request.user):
        return HttpResponseForbidden(_("Only 12345 operators see the hotline's queues."))
    wanted = next((t for t in QUEUE_TABS if t[0] == tab), None)
    if wanted is None:
        raise Http404
    base = selectors.hotline_queue(request.user)
    rows = _with_deadlines(base.filter(status__in=wanted[2]).order_by("registered_at")[:200])
    counts = {key: base.filter(status__in=states).count() for key, _label, states in QUEUE_TABS}
    extensions = Extension.objects.filter(
        status=Extension.Status.PENDING,
        ticket__hotline_id__in=scope_of(request.user).units(Role.OPERATOR),
    ).select_related("ticket")
    return render(
        request,
        "hotline/queue.html",
        _staff(
            request,
            {
                "tabs": [(key, label, counts[key]) for key, label, _states in QUEUE_TABS],
                "indicators": _indicator_rows(),
                "tab": tab,
                "rows": rows,
                "extensions": extensions,
            },
        ),
    )


INDICATOR_LABELS = [
    ("tickets", gettext_lazy("Tickets")),
    ("acceptance_rate", gettext_lazy("Acceptance rate")),
    ("on_time_sign_for_rate", gettext_lazy("Signed for on time")),
    ("on_time_reply_rate", gettext_lazy("Replied on time")),
    ("reply_rate", gettext_lazy("Reply rate")),
    ("resolution_rate", gettext_lazy("Resolution rate")),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate")),
    ("dispatch_accuracy", gettext_lazy("Dispatch accuracy")),
    ("reopen_rate", gettext_lazy("Reopen rate")),
    ("confirmed_flags", gettext_lazy("Confirmed reply flags")),
]


def _indicator_rows() -> list[tuple[str, str]]:
    """The last 30 days' indicators, as (label, shown value)."""
    now = timezone.now()
    values = selectors.indicators(since=now - timedelta(days=30), until=now)
    rows = []
    for key, label in INDICATOR_LABELS:
        value = values.get(key)
        if value is None:
            shown = "—"
        elif key in ("tickets", "confirmed_flags"):
            shown = str(value)
        else:
            shown = f"{value * 100:.1f}%"
        rows.append((label, shown))
    return rows


@login_required
def follow_up_queue(request: HttpRequest) -> HttpResponse:
    return queue(request, tab="follow_up")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The unit's tickets, oldest first, each with its deadline and signal."""
    status = request.GET.get("status") or None
    if status and status not in State.values:
        status = None
    rows = _with_deadlines(selectors.inbox(request.user, status=status)[:300])
    return render(
        request,
        "hotline/inbox.html",
        _staff(
            request,
            {
                "rows": rows,
                "status": status,
                "statuses": [
                    (s, State(s).label)
                    for s in (State.DISPATCHED, State.SIGNED, State.REPLIED, State.CLOSED)
                ],
            },
        ),
    )


@login_required
def hot(request: HttpRequest) -> HttpResponse:
    try:
        days = max(1, min(int(request.GET.get("days", 30)), 365))
    except ValueError:
        days = 30
    issues = selectors.hot_issues(request.user, days=days)
    return render(request, "hotline/hot.html", _staff(request, {"issues": issues, "days": days}))


# --- the ticket page -------------------------------------------------------------------------


def _timeline(ticket: Ticket) -> list[dict]:
    rows = []
    units = dict(OrgUnit.objects.values_list("code", "name"))
    satisfaction = dict(Satisfaction.choices)

    def shown(key: str, value: Any) -> Any:
        if key in ("lead_unit", "unit"):
            return units.get(value, value)
        if key == "satisfaction":
            return satisfaction.get(value, value)
        return value

    for event in selectors.timeline(ticket):
        if event.action not in EVENT_LABELS:
            continue
        details = [(k, shown(k, event.payload[k])) for k in SHOWN_PAYLOAD if event.payload.get(k)]
        rows.append({"event": event, "label": EVENT_LABELS[event.action], "details": details})
    return rows


@login_required
def ticket_page(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_for(request.user, number=number)
    if ticket is None:
        raise Http404
    acts = selectors.actions_for(request.user, ticket)
    replies = list(selectors.replies(ticket))
    clocks = selectors.deadlines([ticket])
    draft = request.session.pop("hotline_reply_draft", "")
    return render(
        request,
        "hotline/ticket.html",
        _staff(
            request,
            {
                "ticket": ticket,
                "citizen": selectors.citizen_view(request.user, ticket),
                "actions": acts,
                "replies": replies,
                "pending": next((r for r in reversed(replies) if r.status == "pending"), None),
                "assignments": ticket.assignments.select_related("unit").order_by("dispatched_at"),
                "attachments": ticket.attachments.select_related("file"),
                "timeline": _timeline(ticket),
                "clock": clocks.get(ticket.pk),
                "extensions": ticket.extensions.filter(status=Extension.Status.PENDING),
                "units": _handling_units() if "dispatch" in acts else (),
                "categories": _leaf_categories() if "dispatch" in acts else (),
                "refusals": RefusalReason.choices,
                "satisfactions": Satisfaction.choices,
                "merged": ticket.merged.all(),
                "draft": draft,
            },
        ),
    )


def _flag_decisions(post) -> dict[int, bool]:
    decisions = {}
    for key, value in post.items():
        if key.startswith("flag_") and key[5:].isdigit() and value in ("confirm", "dismiss"):
            decisions[int(key[5:])] = value == "confirm"
    return decisions


def _int(value: str | None) -> int | str:
    return int(value) if value and value.isdigit() else (value or "")


@login_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Every button on the ticket page: one service call each."""
    ticket = selectors.ticket_for(request.user, number=number)
    if ticket is None:
        raise Http404
    p, by = request.POST, request.user
    calls = {
        "sign": lambda: services.sign_for(ticket=ticket, by=by),
        "return": lambda: services.return_ticket(ticket=ticket, by=by, reason=p.get("reason", "")),
        "contact": lambda: services.record_contact(ticket=ticket, by=by, note=p.get("note", "")),
        "reply": lambda: services.submit_reply(
            ticket=ticket,
            by=by,
            text=p.get("text", ""),
            uploads=request.FILES.getlist("attachments"),
        ),
        "co_opinion": lambda: services.give_co_opinion(
            ticket=ticket, by=by, text=p.get("text", "")
        ),
        "request_extension": lambda: services.request_extension(
            ticket=ticket, by=by, days=_int(p.get("days")), reason=p.get("reason", "")
        ),
        "dispatch": lambda: services.dispatch_ticket(
            ticket=ticket,
            by=by,
            lead_unit=_unit_or_none(p.get("lead_unit")) or _missing("lead_unit"),
            co_units=[u for u in (_unit_or_none(v) for v in p.getlist("co_units")) if u],
            category=Category.objects.filter(pk=_int(p.get("category")) or 0).first(),
            note=p.get("note", ""),
        ),
        "review": lambda: _review(ticket, by, p),
        "decide_extension": lambda: services.decide_extension(
            extension=_extension(ticket, p.get("extension")),
            by=by,
            approve=p.get("approve") == "yes",
            note=p.get("note", ""),
        ),
        "remind": lambda: services.remind_unit(ticket=ticket, by=by, note=p.get("note", "")),
        "follow_up": lambda: services.record_follow_up(
            ticket=ticket,
            by=by,
            reached=p.get("reached") == "yes",
            solved={"yes": True, "no": False}.get(p.get("solved", "")),
            satisfaction=p.get("satisfaction", ""),
            addressable=p.get("addressable") != "no",
            comment=p.get("comment", ""),
        ),
        "close": lambda: services.close_ticket(ticket=ticket, by=by, note=p.get("note", "")),
        "refuse": lambda: services.refuse_ticket(
            ticket=ticket, by=by, reason=p.get("refusal_reason", ""), note=p.get("note", "")
        ),
        "answer": lambda: services.answer_at_once(ticket=ticket, by=by, answer=p.get("answer", "")),
        "merge": lambda: services.merge_tickets(
            ticket=ticket, into=_other(request, p.get("into")), by=by, note=p.get("note", "")
        ),
    }
    if action not in calls:
        raise Http404
    try:
        calls[action]()
    except DomainError as exc:
        for error in _errors(exc):
            messages.error(request, error.reason)
        if action == "reply":
            request.session["hotline_reply_draft"] = p.get("text", "")
    else:
        messages.success(request, _("Done."))
    return redirect("hotline:ticket", number=number)


def _missing(field: str):
    raise DomainError(_("This field is required."), field=field)


def _extension(ticket: Ticket, value: str | None) -> Extension:
    extension = ticket.extensions.filter(pk=_int(value) or 0).first()
    if extension is None:
        raise DomainError(_("No such extension request."), field="extension")
    return extension


def _other(request: HttpRequest, number: str | None) -> Ticket:
    other = selectors.ticket_for(request.user, number=(number or "").strip())
    if other is None:
        raise DomainError(_("No such ticket."), field="into")
    return other


def _review(ticket: Ticket, by, post):
    reply = selectors.pending_reply(ticket)
    if reply is None:
        raise DomainError(_("No reply is waiting for review."))
    return services.review_reply(
        reply=reply,
        by=by,
        accept=post.get("decision") == "accept",
        note=post.get("note", ""),
        flag_decisions=_flag_decisions(post),
    )


@login_required
@require_POST
def check_reply(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: the flags a draft reply would get, shown before it is submitted."""
    ticket = selectors.ticket_for(request.user, number=number)
    if ticket is None:
        raise Http404
    text = request.POST.get("text", "")[:4000]
    flags = []
    if len(text.strip()) >= 10:
        clock = services.reply_clock(ticket)
        late = bool(clock and clock.deadline_at and timezone.now() >= clock.deadline_at)
        flags = quality.check_reply(
            ticket.content,
            text,
            others=services.other_replies_for_copy_check(ticket),
            exact_copies=ticket.replies.model.objects.filter(fingerprint=services.fingerprint(text))
            .exclude(ticket=ticket)
            .count(),
            late=late,
        )
    shown = [
        {"kind": f.kind, "label": ReplyFlag.Kind(f.kind).label, "reason": f.reason} for f in flags
    ]
    return render(request, "hotline/_flags.html", {"flags": shown, "checked": len(text) >= 10})


@login_required
def attachment(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ticket = selectors.ticket_for(request.user, number=number)
    if ticket is None:
        raise Http404
    found = Attachment.objects.select_related("file").filter(ticket=ticket, pk=pk).first()
    if found is None:
        raise Http404
    return file_response(found.file)
