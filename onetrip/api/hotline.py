"""The 12345 hotline API: tickets and their transitions, dispatch suggestions, reply checks.

Every handler validates its input with a schema and calls one hotline
service or selector; the services decide who may act and raise DomainErrors,
which api.py turns into the one error shape. Every POST accepts an
`Idempotency-Key` header (see `api.idempotency`): a retried registration or
transition gets the first answer again and acts once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from onetrip.accounts.models import OrgUnit, UnitKind
from onetrip.api.idempotency import idempotent
from onetrip.errors import NotFound, ValidationFailed
from onetrip.hotline import dispatch, quality, selectors, services
from onetrip.hotline.models import (
    Category,
    Channel,
    Extension,
    Kind,
    RefusalReason,
    Reply,
    ReplyFlag,
    Satisfaction,
    Ticket,
    Urgency,
)

router = Router(tags=["hotline"])


# --- suggestions and checks ------------------------------------------------------------------


class SuggestIn(Schema):
    content: str = Field(..., min_length=1, max_length=4000)
    township: str | None = None


class SuggestionOut(Schema):
    category: str
    unit: str
    unit_name: str
    confidence: float


class SuggestOut(Schema):
    suggestions: list[SuggestionOut]


def _township(code: str | None) -> OrgUnit | None:
    if not code:
        return None
    unit = OrgUnit.objects.filter(code=code, kind=UnitKind.TOWNSHIP).first()
    if unit is None:
        raise ValidationFailed("Unknown township.", field="township")
    return unit


@router.post("/suggest", response=SuggestOut)
@decorate_view(idempotent)
def suggest(request: HttpRequest, payload: SuggestIn):
    """The likely category (its path of names) and lead unit, top three, best first."""
    found = dispatch.suggest(payload.content, township=_township(payload.township))
    return {"suggestions": [s.as_dict() for s in found]}


class CheckIn(Schema):
    appeal: str = Field(..., min_length=1, max_length=4000)
    reply: str = Field(..., min_length=1, max_length=4000)


class FlagOut(Schema):
    kind: Literal["irrelevant", "perfunctory", "copied", "incomplete", "late"]
    reason: str


class CheckOut(Schema):
    flags: list[FlagOut]


@router.post("/check-reply", response=CheckOut)
@decorate_view(idempotent)
def check_reply(request: HttpRequest, payload: CheckIn):
    """The reply-quality flags, as a reply submitted now would get them (empty when good)."""
    others = list(Reply.objects.order_by("-submitted_at").values_list("text", flat=True)[:300])
    exact = Reply.objects.filter(fingerprint=services.fingerprint(payload.reply)).count()
    found = quality.check_reply(payload.appeal, payload.reply, others=others, exact_copies=exact)
    return {"flags": [{"kind": f.kind, "reason": f.reason} for f in found]}


# --- tickets ---------------------------------------------------------------------------------


class TicketIn(Schema):
    kind: Kind
    content: str = Field(..., max_length=4000)
    title: str = Field("", max_length=120)
    channel: Literal["phone", "web", "mobile", "walkin"] = "phone"
    citizen_name: str = Field("", max_length=64)
    citizen_phone: str = Field("", max_length=20)
    citizen_id_number: str = Field("", max_length=18)
    anonymous: bool = False
    confidential: bool = False
    category: str | None = Field(None, description="a category path, e.g. 城乡建设/村镇建设")
    address: str = Field("", max_length=200)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    township: str | None = None
    urgency: Urgency = Urgency.NORMAL
    convenience: bool = False
    suggested_category: str | None = Field(None, max_length=255)
    suggested_unit: str | None = Field(None, max_length=32)


class CitizenOut(Schema):
    name: str
    phone: str
    id_number: str
    masked: bool
    anonymous: bool
    confidential: bool


class TicketOut(Schema):
    number: str
    status: str
    kind: str
    channel: str
    urgency: str
    title: str
    content: str
    category: str | None
    lead_unit: str | None
    township: str | None
    address: str
    registered_at: datetime
    round: int
    citizen: CitizenOut


class TicketCreated(Schema):
    number: str
    query_code: str
    status: str


def _category(path: str | None) -> Category | None:
    if not path:
        return None
    category = Category.objects.filter(path=path, is_active=True).first()
    if category is None:
        raise ValidationFailed("Unknown category.", field="category")
    return category


def _unit(code: str, field: str) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationFailed("Unknown unit.", field=field)
    return unit


def _ticket_out(user, ticket: Ticket) -> dict:
    view = selectors.citizen_view(user, ticket)
    return {
        "number": ticket.number,
        "status": ticket.status,
        "kind": ticket.kind,
        "channel": ticket.channel,
        "urgency": ticket.urgency,
        "title": ticket.title,
        "content": ticket.content,
        "category": ticket.category.path if ticket.category else None,
        "lead_unit": ticket.lead_unit.code if ticket.lead_unit else None,
        "township": ticket.township.code if ticket.township else None,
        "address": ticket.address,
        "registered_at": ticket.registered_at,
        "round": ticket.round,
        "citizen": view.__dict__,
    }


def _get(request: HttpRequest, number: str) -> Ticket:
    ticket = selectors.ticket_for(request.user, number=number)
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


@router.post("/tickets", response={201: TicketCreated})
@decorate_view(idempotent)
def register(request: HttpRequest, payload: TicketIn):
    """Register an appeal: operators for phone and walk-in, anyone logged in for web/mobile.

    A client that showed the operator a dispatch suggestion (POST /suggest) sends
    what it showed in `suggested_category`/`suggested_unit`, for dispatch accuracy.
    """
    ticket = services.register_ticket(
        by=request.user,
        channel=payload.channel,
        kind=payload.kind,
        content=payload.content,
        title=payload.title,
        citizen=services.Citizen(
            name=payload.citizen_name,
            phone=payload.citizen_phone,
            id_number=payload.citizen_id_number,
            anonymous=payload.anonymous,
            confidential=payload.confidential,
            user=request.user if payload.channel in (Channel.WEB, Channel.MOBILE) else None,
        ),
        category=_category(payload.category),
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        township=_township(payload.township),
        urgency=payload.urgency,
        convenience=payload.convenience,
        suggestion=(
            (payload.suggested_category, payload.suggested_unit or "")
            if payload.suggested_category
            else None
        ),
    )
    return Status(
        201, {"number": ticket.number, "query_code": ticket.query_code, "status": ticket.status}
    )


@router.get("/tickets", response=list[TicketOut])
def list_tickets(request: HttpRequest, status: str | None = None, limit: int = 50):
    """The tickets the caller may see, newest first (at most 200)."""
    qs = selectors.tickets_visible_to(request.user).select_related(
        "category", "lead_unit", "township"
    )
    if status:
        qs = qs.filter(status=status)
    return [_ticket_out(request.user, t) for t in qs.order_by("-registered_at")[: min(limit, 200)]]


@router.get("/tickets/{number}", response=TicketOut)
def get_ticket(request: HttpRequest, number: str):
    return _ticket_out(request.user, _get(request, number))


class DispatchIn(Schema):
    lead_unit: str
    co_units: list[str] = []
    category: str | None = None
    note: str = Field("", max_length=1000)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=1000)


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class TextIn(Schema):
    text: str = Field(..., max_length=4000)


class ReviewIn(Schema):
    accept: bool
    note: str = Field("", max_length=2000)
    flags: dict[int, bool] = Field({}, description="flag id → confirmed (true) or dismissed")


class ReplyOut(Schema):
    id: int
    status: str
    flags: list[dict]


class ExtensionIn(Schema):
    days: int
    reason: str = Field(..., max_length=1000)


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=1000)


class FollowUpIn(Schema):
    reached: bool
    solved: bool | None = None
    satisfaction: Satisfaction | Literal[""] = ""
    addressable: bool = True
    comment: str = Field("", max_length=2000)


class RefuseIn(Schema):
    reason: RefusalReason
    note: str = Field("", max_length=1000)


class AnswerIn(Schema):
    answer: str = Field(..., max_length=4000)


class MergeIn(Schema):
    into: str


def _done(ticket: Ticket) -> dict:
    ticket.refresh_from_db()
    return {"number": ticket.number, "query_code": "", "status": ticket.status}


@router.post("/tickets/{number}/dispatch", response=TicketCreated)
@decorate_view(idempotent)
def dispatch_ticket(request: HttpRequest, number: str, payload: DispatchIn):
    ticket = _get(request, number)
    services.dispatch_ticket(
        ticket=ticket,
        by=request.user,
        lead_unit=_unit(payload.lead_unit, "lead_unit"),
        co_units=[_unit(c, "co_units") for c in payload.co_units],
        category=_category(payload.category),
        note=payload.note,
    )
    return _done(ticket)


@router.post("/tickets/{number}/sign", response=TicketCreated)
@decorate_view(idempotent)
def sign(request: HttpRequest, number: str):
    ticket = _get(request, number)
    services.sign_for(ticket=ticket, by=request.user)
    return _done(ticket)


@router.post("/tickets/{number}/return", response=TicketCreated)
@decorate_view(idempotent)
def return_ticket(request: HttpRequest, number: str, payload: ReasonIn):
    ticket = _get(request, number)
    services.return_ticket(ticket=ticket, by=request.user, reason=payload.reason)
    return _done(ticket)


@router.post("/tickets/{number}/contact", response=TicketCreated)
@decorate_view(idempotent)
def contact(request: HttpRequest, number: str, payload: NoteIn):
    ticket = _get(request, number)
    services.record_contact(ticket=ticket, by=request.user, note=payload.note)
    return _done(ticket)


def _reply_out(reply: Reply) -> dict:
    return {
        "id": reply.pk,
        "status": reply.status,
        "flags": [
            {"id": f.pk, "kind": f.kind, "reason": f.reason, "status": f.status}
            for f in reply.flags.all()
        ],
    }


@router.post("/tickets/{number}/replies", response={201: ReplyOut})
@decorate_view(idempotent)
def reply(request: HttpRequest, number: str, payload: TextIn):
    ticket = _get(request, number)
    return Status(
        201, _reply_out(services.submit_reply(ticket=ticket, by=request.user, text=payload.text))
    )


@router.post("/tickets/{number}/review", response=ReplyOut)
@decorate_view(idempotent)
def review(request: HttpRequest, number: str, payload: ReviewIn):
    ticket = _get(request, number)
    pending = selectors.pending_reply(ticket)
    if pending is None:
        raise NotFound("No reply is waiting for review.")
    reviewed = services.review_reply(
        reply=pending,
        by=request.user,
        accept=payload.accept,
        note=payload.note,
        flag_decisions=payload.flags,
    )
    return _reply_out(reviewed)


@router.post("/flags/{flag_id}", response=ReplyOut)
@decorate_view(idempotent)
def decide_flag(request: HttpRequest, flag_id: int, confirm: bool):
    flag = ReplyFlag.objects.select_related("reply__ticket").filter(pk=flag_id).first()
    if flag is None or selectors.ticket_for(request.user, number=flag.reply.ticket.number) is None:
        raise NotFound("No such flag.")
    services.decide_flag(flag=flag, by=request.user, confirm=confirm)
    return _reply_out(flag.reply)


@router.post("/tickets/{number}/extensions", response={201: dict})
@decorate_view(idempotent)
def request_extension(request: HttpRequest, number: str, payload: ExtensionIn):
    ticket = _get(request, number)
    extension = services.request_extension(
        ticket=ticket, by=request.user, days=payload.days, reason=payload.reason
    )
    return Status(201, {"id": extension.pk, "status": extension.status})


@router.post("/extensions/{extension_id}/decision", response=dict)
@decorate_view(idempotent)
def decide_extension(request: HttpRequest, extension_id: int, payload: DecisionIn):
    extension = Extension.objects.select_related("ticket").filter(pk=extension_id).first()
    if extension is None or _get(request, extension.ticket.number) is None:
        raise NotFound("No such extension.")
    extension = services.decide_extension(
        extension=extension, by=request.user, approve=payload.approve, note=payload.note
    )
    return {"id": extension.pk, "status": extension.status}


@router.post("/tickets/{number}/remind", response=TicketCreated)
@decorate_view(idempotent)
def remind(request: HttpRequest, number: str, payload: NoteIn):
    ticket = _get(request, number)
    services.remind_unit(ticket=ticket, by=request.user, note=payload.note)
    return _done(ticket)


@router.post("/tickets/{number}/follow-up", response=TicketCreated)
@decorate_view(idempotent)
def follow_up(request: HttpRequest, number: str, payload: FollowUpIn):
    ticket = _get(request, number)
    services.record_follow_up(
        ticket=ticket,
        by=request.user,
        reached=payload.reached,
        solved=payload.solved,
        satisfaction=payload.satisfaction,
        addressable=payload.addressable,
        comment=payload.comment,
    )
    return _done(ticket)


@router.post("/tickets/{number}/close", response=TicketCreated)
@decorate_view(idempotent)
def close(request: HttpRequest, number: str, payload: NoteIn):
    ticket = _get(request, number)
    services.close_ticket(ticket=ticket, by=request.user, note=payload.note)
    return _done(ticket)


@router.post("/tickets/{number}/refuse", response=TicketCreated)
@decorate_view(idempotent)
def refuse(request: HttpRequest, number: str, payload: RefuseIn):
    ticket = _get(request, number)
    services.refuse_ticket(ticket=ticket, by=request.user, reason=payload.reason, note=payload.note)
    return _done(ticket)


@router.post("/tickets/{number}/answer", response=TicketCreated)
@decorate_view(idempotent)
def answer(request: HttpRequest, number: str, payload: AnswerIn):
    ticket = _get(request, number)
    services.answer_at_once(ticket=ticket, by=request.user, answer=payload.answer)
    return _done(ticket)


@router.post("/tickets/{number}/merge", response=TicketCreated)
@decorate_view(idempotent)
def merge(request: HttpRequest, number: str, payload: MergeIn):
    ticket = _get(request, number)
    into = _get(request, payload.into)
    with transaction.atomic():
        services.merge_tickets(ticket=ticket, into=into, by=request.user)
    return _done(ticket)
