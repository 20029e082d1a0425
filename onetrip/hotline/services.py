"""Every write to 12345 tickets: one keyword-only function per state change.

Each runs in one transaction, locks the ticket row, checks who acts and the
state table (`states.target`), changes the rows, starts or stops its clocks
through `monitoring.services`, and writes its audit event. Pages, the API,
Open311, commands and the sweep all call these and nothing else.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from onetrip.accounts.models import OrgUnit, Role, UnitKind, User
from onetrip.accounts.selectors import scope_of
from onetrip.audit.services import first_event_sql, record_event, remember_first_event
from onetrip.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from onetrip.files.models import StoredFile
from onetrip.files.services import check_upload, store_upload
from onetrip.monitoring import services as clocks
from onetrip.monitoring.models import Clock, ClockUnit
from onetrip.workdays.calendar import local_date
from onetrip.workdays.services import current_calendar

from . import quality, states
from .models import (
    DISSATISFIED,
    Assignment,
    Attachment,
    Category,
    Channel,
    CitizenMessage,
    Extension,
    FollowUp,
    Kind,
    KnowledgeEntry,
    Open311Client,
    Open311Token,
    RefusalReason,
    Reminder,
    Reply,
    ReplyFlag,
    Satisfaction,
    Ticket,
    Urgency,
)
from .rules import RULES
from .states import State

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{6,19}$")
ID_RE = re.compile(r"^([0-9]{15}|[0-9]{17}[0-9Xx])$")
MAX_CONTENT = 4000
# At most this many files with one appeal, whatever the door (form, API, Open311).
MAX_ATTACHMENTS = 10
HANDLING_ROLES = (Role.HANDLER, Role.HEAD)
TICKET_TYPE = "hotline.ticket"


# --- who may act -----------------------------------------------------------------------------


def is_operator(user: User | None, ticket: Ticket | None = None) -> bool:
    """An operator of the ticket's hotline (or of any hotline, without a ticket)."""
    units = scope_of(user).units(Role.OPERATOR)
    return bool(units) if ticket is None else ticket.hotline_id in units


def handles(user: User | None, unit_id: int | None) -> bool:
    return unit_id is not None and unit_id in scope_of(user).units(*HANDLING_ROLES)


def _require_operator(user: User | None, ticket: Ticket | None = None) -> None:
    if not is_operator(user, ticket):
        raise PermissionDenied(_("Only an operator of the 12345 hotline may do this."))


def _require_lead_handler(user: User | None, ticket: Ticket) -> None:
    if not handles(user, ticket.lead_unit_id):
        raise PermissionDenied(_("Only a handler of the ticket's lead unit may do this."))


# --- small helpers ---------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _locked(ticket: Ticket) -> Ticket:
    try:
        return Ticket.objects.select_for_update().get(pk=ticket.pk)
    except Ticket.DoesNotExist:
        raise NotFound(_("No such ticket.")) from None


def _move(
    ticket: Ticket,
    action: str,
    *,
    by: Any,
    payload: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Apply `action` to the locked `ticket`: state table, conditional update, event."""
    old = ticket.status
    new = states.target(action, old)
    changes = {"status": new, **(fields or {})}
    updated = Ticket.objects.filter(pk=ticket.pk, status=old).update(
        **changes, updated_at=timezone.now()
    )
    if updated != 1:
        raise Conflict(_("Someone else changed this ticket first; reload it and try again."))
    for key, value in changes.items():
        setattr(ticket, key, value)
    record_event(
        action=f"ticket.{action}",
        obj=ticket,
        actor=by,
        payload={"from": old, "to": new, **(payload or {})},
        at=at,
    )
    return ticket


def _required_text(value: str, field: str, *, minimum: int = 1, maximum: int = MAX_CONTENT) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(
            _("Write at least %(n)d characters.") % {"n": minimum}
            if minimum > 1
            else _("This field is required."),
            field=field,
            code="required",
        )
    if len(value) > maximum:
        raise ValidationFailed(
            _("At most %(n)d characters.") % {"n": maximum}, field=field, code="too_long"
        )
    return value


def _tell_citizen(ticket: Ticket, text: str, at: datetime) -> None:
    if ticket.anonymous or not ticket.citizen_phone:
        return
    CitizenMessage.objects.create(ticket=ticket, text=text, created_at=at)


def _zh(message: Any, **values: Any) -> str:
    """What the citizen is told is stored in Chinese, whoever acted."""
    text = _zh_text(message) if isinstance(message, str) else _zh_lazy(message)
    return text % values if values else text


@functools.lru_cache(maxsize=256)
def _zh_text(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def _zh_lazy(message: Any) -> str:
    with translation.override("zh-hans"):
        return str(message)


def _clock(ticket: Ticket, purpose: str) -> Clock | None:
    return Clock.objects.filter(
        subject_type=TICKET_TYPE, subject_id=str(ticket.pk), purpose=purpose
    ).first()


def _lead_assignment(ticket: Ticket) -> Assignment | None:
    return Assignment.objects.filter(ticket=ticket, role=Assignment.Role.LEAD, active=True).first()


def reply_purpose(assignment_id: int, round_: int) -> str:
    return f"reply:{assignment_id}:{round_}"


def reply_clock(ticket: Ticket) -> Clock | None:
    lead = _lead_assignment(ticket)
    return _clock(ticket, reply_purpose(lead.pk, ticket.round)) if lead else None


def _stop_running_clocks(ticket: Ticket, at: datetime, by: Any) -> None:
    for clock in Clock.objects.filter(
        subject_type=TICKET_TYPE, subject_id=str(ticket.pk), done_at__isnull=True
    ):
        clocks.stop_clock(clock=clock, at=at, by=by)


def _default_hotline() -> OrgUnit:
    unit = (
        OrgUnit.objects.filter(kind=UnitKind.HOTLINE, is_active=True)
        .order_by("sort_order", "id")
        .first()
    )
    if unit is None:
        raise Conflict(_("No 12345 hotline unit is set up."))
    return unit


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(6))


def fingerprint(text: str) -> str:
    return hashlib.sha256(quality.normalise(text).encode("utf-8")).hexdigest()


# --- registration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Citizen:
    name: str = ""
    phone: str = ""
    id_number: str = ""
    anonymous: bool = False
    confidential: bool = False
    user: User | None = None


def _check_citizen(citizen: Citizen, channel: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if citizen.anonymous:
        return errors
    if not citizen.name.strip() and channel != Channel.OPEN311:
        errors.append(FieldError("citizen_name", str(_("Give the citizen's name.")), "required"))
    phone = citizen.phone.strip()
    if not phone and channel != Channel.OPEN311:
        errors.append(
            FieldError("citizen_phone", str(_("Give a phone number to call back.")), "required")
        )
    elif phone and not PHONE_RE.match(phone):
        errors.append(FieldError("citizen_phone", str(_("This is not a phone number.")), "invalid"))
    if citizen.id_number and not ID_RE.match(citizen.id_number.strip()):
        errors.append(
            FieldError(
                "citizen_id_number", str(_("An ID number has 15 or 18 characters.")), "invalid"
            )
        )
    return errors


def register_ticket(
    *,
    by: User | None,
    channel: str,
    kind: str,
    content: str,
    title: str = "",
    citizen: Citizen = Citizen(),
    category: Category | None = None,
    address: str = "",
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    township: OrgUnit | None = None,
    urgency: str = Urgency.NORMAL,
    convenience: bool = False,
    uploads: Sequence[Any] = (),
    suggestion: tuple[str, str] | None = None,
    external_id: str = "",
    open311_client: Open311Client | None = None,
    open311_token: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Register an appeal (any channel). Phone and walk-in tickets need an operator.

    `suggestion` is (category path, unit code) the dispatch model offered, kept
    to measure dispatch accuracy. `open311_token`: the start of the GeoReport
    token to keep with the ticket (the ticket's key is appended), in the same
    transaction.
    """
    at = _now(now)
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), field="channel")
    if channel in (Channel.PHONE, Channel.WALK_IN):
        _require_operator(by)
    if channel == Channel.OPEN311 and open311_client is None:
        raise PermissionDenied(_("An Open311 request needs a valid API key."))
    errors: list[FieldError] = []
    if kind not in Kind.values:
        errors.append(FieldError("kind", str(_("Choose the kind of appeal.")), "required"))
    if urgency not in Urgency.values:
        errors.append(FieldError("urgency", str(_("Unknown urgency.")), "invalid"))
    content = (content or "").strip()
    if len(content) < 5:
        errors.append(
            FieldError(
                "content", str(_("Describe the matter in at least 5 characters.")), "required"
            )
        )
    elif len(content) > MAX_CONTENT:
        errors.append(
            FieldError(
                "content", str(_("At most %(n)d characters.") % {"n": MAX_CONTENT}), "too_long"
            )
        )
    errors += _check_citizen(citizen, channel)
    if township is not None and township.kind != UnitKind.TOWNSHIP:
        errors.append(FieldError("township", str(_("Choose a township.")), "invalid"))
    if category is not None and not category.is_active:
        errors.append(FieldError("category", str(_("This category is not in use.")), "invalid"))
    for name, value, bound in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value is not None and not -bound <= float(value) <= bound:
            errors.append(FieldError(name, str(_("Out of range.")), "invalid"))
    if (latitude is None) != (longitude is None):
        errors.append(
            FieldError(
                "latitude", str(_("Give both latitude and longitude, or neither.")), "invalid"
            )
        )
    if len(uploads) > MAX_ATTACHMENTS:
        errors.append(FieldError(
            "attachments", _("At most %(n)d files with one appeal.") % {"n": MAX_ATTACHMENTS},
            "too_many"))
    for upload in uploads:
        if isinstance(upload, StoredFile):
            continue  # checked when it was stored
        try:
            check_upload(upload, field="attachments")
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors[0].reason, field=errors[0].field, errors=errors)

    title = (title or "").strip()[:120] or content[:30]
    operator_units = sorted(scope_of(by).units(Role.OPERATOR)) if by is not None else []
    ticket = Ticket(
        query_code=new_query_code(),
        status=State.REGISTERED,
        channel=channel,
        kind=kind,
        urgency=urgency,
        convenience=convenience,
        category=category,
        title=title,
        content=content,
        citizen_name="" if citizen.anonymous else citizen.name.strip()[:64],
        citizen_phone="" if citizen.anonymous else citizen.phone.strip()[:20],
        citizen_id_number="" if citizen.anonymous else citizen.id_number.strip().upper(),
        anonymous=citizen.anonymous,
        confidential=citizen.confidential,
        citizen_user=citizen.user if getattr(citizen.user, "pk", None) else None,
        address=address.strip()[:200],
        latitude=None if latitude is None else Decimal(str(latitude)).quantize(Decimal("1e-6")),
        longitude=None if longitude is None else Decimal(str(longitude)).quantize(Decimal("1e-6")),
        township=township,
        registered_by=by if getattr(by, "pk", None) else None,
        registered_at=at,
        suggested_category=(suggestion or ("", ""))[0][:255],
        suggested_unit=(suggestion or ("", ""))[1][:32],
        external_id=external_id[:64],
        open311_client=open311_client,
    )
    registered = {
        "channel": channel,
        "kind": kind,
        "category": category.path if category else None,
        "urgency": urgency,
        "attachments": len(uploads),
        "suggested": list(suggestion) if suggestion else None,
        "open311_client": open311_client.pk if open311_client else None,
    }
    insert = functools.partial(
        _insert_ticket, ticket, operator_units=operator_units, at=at, by=by,
        event=registered, open311_token=open311_token,
    )
    if connection.vendor == "postgresql" and not uploads:
        insert()  # one statement, so one transaction of its own
        return ticket
    with transaction.atomic():
        insert()
        for upload in uploads:
            stored = (upload if isinstance(upload, StoredFile)
                      else store_upload(upload, by=by, field="attachments"))
            Attachment.objects.create(
                ticket=ticket, file=stored, added_by=ticket.registered_by, added_at=at
            )
    return ticket


@functools.cache
def _inserted_fields() -> list[Any]:
    return [f for f in Ticket._meta.concrete_fields
            if f.attname not in ("id", "number", "hotline_id")]


@functools.cache
def _insert_ticket_sql(*, tell: bool, token: bool) -> str:
    """The PostgreSQL statement of `_insert_ticket` up to its audit event."""
    q = connection.ops.quote_name
    fields = _inserted_fields()
    unit = q(OrgUnit._meta.db_table)
    table = q(Ticket._meta.db_table)
    sql = (
        f"WITH n AS (SELECT nextval(pg_get_serial_sequence('{Ticket._meta.db_table}', 'id'))"
        " AS id),"
        " h AS (SELECT COALESCE("
        f"(SELECT id FROM {unit} WHERE id = ANY(%s::bigint[]) AND kind = %s ORDER BY id LIMIT 1),"
        f" (SELECT id FROM {unit} WHERE kind = %s AND is_active ORDER BY sort_order, id LIMIT 1)"
        ") AS id),"
        f" t AS (INSERT INTO {table} (id, number, hotline_id, "
        + ", ".join(q(f.column) for f in fields)
        + ") SELECT n.id, %s || lpad(n.id::text, greatest(6, length(n.id::text)), '0'), h.id, "
        + ", ".join(f"r.{q(f.column)}" for f in fields)
        + f" FROM n, h, jsonb_populate_record(NULL::{table}, %s::jsonb) r"
        " WHERE h.id IS NOT NULL RETURNING id, number, hotline_id)"
    )
    if tell:
        sql += (
            f", m AS (INSERT INTO {q(CitizenMessage._meta.db_table)} (ticket_id, text, created_at)"
            " SELECT t.id, replace(%s, %s, t.number), %s FROM t)"
        )
    if token:
        sql += (
            f", o AS (INSERT INTO {q(Open311Token._meta.db_table)} (token, ticket_id, created_at)"
            " SELECT %s || t.id::text, t.id, %s FROM t)"
        )
    return sql


def _json_value(value: Any) -> str:
    """Datetimes (with their microseconds and offset) and decimals as PostgreSQL reads them."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


REGISTERED_MESSAGE = gettext_noop("Your appeal is registered as %(number)s; query code %(code)s.")
_NUMBER_MARK = "@@number@@"


def _insert_ticket(
    ticket: Ticket,
    *,
    operator_units: list[int],
    at: datetime,
    by: User | None,
    event: dict[str, Any],
    open311_token: str = "",
) -> None:
    """Insert the new `ticket` with its number, its hotline, what the citizen is told,
    its Open311 token (`open311_token` + the key) when asked, and its first audit
    event (`event`: the payload; the number is added).

    The hotline is the first hotline unit among `operator_units` (the registering
    operator's), else the county's default hotline. The number is the local date
    and the primary key (six digits at least), so concurrent registrations never
    race for a counter row. On PostgreSQL all of it is one statement; elsewhere
    the ORM does it in up to six, inside the caller's transaction.
    """
    told = (
        None
        if ticket.anonymous or not ticket.citizen_phone
        else _zh(REGISTERED_MESSAGE, number=_NUMBER_MARK, code=ticket.query_code)
    )
    day = f"{local_date(at):%Y%m%d}"
    if connection.vendor != "postgresql":
        hotline = (
            OrgUnit.objects.filter(pk__in=operator_units, kind=UnitKind.HOTLINE)
            .order_by("id")
            .first()
        )
        ticket.hotline = hotline or _default_hotline()
        ticket.save(force_insert=True)
        ticket.number = f"{day}{ticket.pk:06d}"
        Ticket.objects.filter(pk=ticket.pk).update(number=ticket.number)
        if told is not None:
            _tell_citizen(ticket, told.replace(_NUMBER_MARK, ticket.number), at)
        if open311_token:
            Open311Token.objects.create(token=f"{open311_token}{ticket.pk}", ticket=ticket)
        record_event(action="ticket.registered", obj=ticket, actor=by, at=at,
                     payload={"number": ticket.number, **event})
        return

    ticket.updated_at = timezone.now()  # what auto_now would set
    # The row's values travel as one JSON parameter: a statement with more than 50
    # parameters is parsed again on every call (psycopg caches only smaller ones).
    row_values = json.dumps(
        {f.column: getattr(ticket, f.attname) for f in _inserted_fields()},
        default=_json_value, ensure_ascii=False,
    )
    sql = _insert_ticket_sql(tell=told is not None, token=bool(open311_token))
    params: list[Any] = [operator_units, UnitKind.HOTLINE, UnitKind.HOTLINE, day, row_values]
    if told is not None:
        params += [told, _NUMBER_MARK, at]
    if open311_token:
        params += [open311_token, ticket.updated_at]
    event_sql, event_params = first_event_sql(
        source="t", action="ticket.registered", object_type=Ticket._meta.label_lower, actor=by,
        at=at, payload=event, fill={"number": "t.number"},
    )
    sql += f", e AS ({event_sql}) SELECT t.id, t.number, t.hotline_id, e.hash FROM t, e"
    params += event_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Conflict(_("No 12345 hotline unit is set up."))
    ticket.pk, ticket.number, ticket.hotline_id, event_hash = row
    remember_first_event(Ticket._meta.label_lower, ticket.pk, event_hash)
    ticket._state.adding = False
    ticket._state.db = connection.alias


@transaction.atomic
def refuse_ticket(
    *, ticket: Ticket, by: User, reason: str, note: str = "", now: datetime | None = None
) -> Ticket:
    """Record that this is not a ticket (emergency, before a court, ...), telling why."""
    at = _now(now)
    ticket = _locked(ticket)
    _require_operator(by, ticket)
    if reason not in RefusalReason.values:
        raise ValidationFailed(_("Choose why it is not accepted."), field="refusal_reason")
    if reason == RefusalReason.OTHER:
        note = _required_text(note, "note", minimum=5, maximum=1000)
    told = _zh(RefusalReason(reason).label)
    told = _zh(gettext_noop("Not accepted as a 12345 ticket: %(reason)s."), reason=told) + (
        f" {note.strip()}" if note.strip() else ""
    )
    _move(
        ticket,
        "refuse",
        by=by,
        at=at,
        payload={"reason": reason, "note": note.strip()},
        fields={"refusal_reason": reason, "answer": told, "closed_at": at},
    )
    _tell_citizen(ticket, told, at)
    return ticket


@transaction.atomic
def answer_at_once(
    *,
    ticket: Ticket,
    by: User,
    answer: str,
    knowledge: KnowledgeEntry | None = None,
    now: datetime | None = None,
) -> Ticket:
    """A consultation the knowledge base answers: answered on the call and closed (counted)."""
    at = _now(now)
    ticket = _locked(ticket)
    _require_operator(by, ticket)
    if ticket.kind != Kind.CONSULTATION:
        raise ValidationFailed(
            _("Only consultations are answered at once; dispatch the others."), field="kind"
        )
    answer = _required_text(answer, "answer", minimum=5)
    _move(
        ticket,
        "answer",
        by=by,
        at=at,
        payload={"knowledge": knowledge.pk if knowledge else None},
        fields={"answer": answer, "closed_at": at, "solved": True},
    )
    _tell_citizen(ticket, answer, at)
    return ticket


# --- dispatch, sign for, return --------------------------------------------------------------


def _check_handling_unit(unit: OrgUnit, field: str) -> None:
    if unit.kind not in (UnitKind.DEPARTMENT, UnitKind.TOWNSHIP) or not unit.is_active:
        raise ValidationFailed(
            _("Dispatch to a department or a township."), field=field, code="invalid"
        )


@transaction.atomic
def dispatch_ticket(
    *,
    ticket: Ticket,
    by: User,
    lead_unit: OrgUnit,
    co_units: Iterable[OrgUnit] = (),
    category: Category | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Send the ticket to a lead unit (and co-units); starts sign-for and reply clocks.

    Also the reassignment after a return: the new lead unit gets its own clocks.
    """
    at = _now(now)
    ticket = _locked(ticket)
    _require_operator(by, ticket)
    states.target("dispatch", ticket.status)
    category = category or ticket.category
    if category is None:
        raise ValidationFailed(_("Choose a category before dispatching."), field="category")
    if not category.is_active:
        raise ValidationFailed(_("This category is not in use."), field="category")
    _check_handling_unit(lead_unit, "lead_unit")
    co_units = [u for u in dict.fromkeys(co_units) if u.pk != lead_unit.pk]
    for unit in co_units:
        _check_handling_unit(unit, "co_units")
    previous = list(Assignment.objects.filter(ticket=ticket, active=True))
    if previous:
        Assignment.objects.filter(pk__in=[a.pk for a in previous]).update(active=False)
    lead = Assignment.objects.create(
        ticket=ticket,
        unit=lead_unit,
        role=Assignment.Role.LEAD,
        dispatched_at=at,
        dispatched_by=by,
    )
    for unit in co_units:
        Assignment.objects.create(
            ticket=ticket, unit=unit, role=Assignment.Role.CO, dispatched_at=at, dispatched_by=by
        )
    reassigned = ticket.status == State.RETURNED
    _move(
        ticket,
        "dispatch",
        by=by,
        at=at,
        payload={
            "lead_unit": lead_unit.code,
            "co_units": [u.code for u in co_units],
            "category": category.path,
            "note": note.strip(),
            "reassigned": reassigned,
            "follows_suggestion": bool(ticket.suggested_unit)
            and ticket.suggested_unit == lead_unit.code,
        },
        fields={"lead_unit": lead_unit, "category": category},
    )
    label = f"{ticket.number} {ticket.title}"[:200]
    clocks.start_clock(
        subject=ticket,
        purpose=f"sign:{lead.pk}",
        limit=RULES.sign_for_workhours,
        unit=ClockUnit.WORKHOURS,
        start=at,
        responsible_unit=lead_unit,
        label=label,
        policy=RULES.signal_policy,
        by=by,
    )
    limit = RULES.reply_limit(
        kind=ticket.kind, urgent=ticket.urgency == Urgency.URGENT, convenience=ticket.convenience
    )
    clocks.start_clock(
        subject=ticket,
        purpose=reply_purpose(lead.pk, ticket.round),
        limit=limit,
        start=at,
        responsible_unit=lead_unit,
        label=label,
        policy=RULES.signal_policy,
        by=by,
    )
    return ticket


@transaction.atomic
def sign_for(*, ticket: Ticket, by: User, now: datetime | None = None) -> Ticket:
    at = _now(now)
    ticket = _locked(ticket)
    _require_lead_handler(by, ticket)
    lead = _lead_assignment(ticket)
    states.target("sign", ticket.status)
    Assignment.objects.filter(pk=lead.pk).update(signed_at=at, signed_by=by)
    sign_clock = _clock(ticket, f"sign:{lead.pk}")
    on_time = sign_clock is None or sign_clock.deadline_at is None or at < sign_clock.deadline_at
    if sign_clock is not None:
        clocks.stop_clock(clock=sign_clock, at=at, by=by)
    return _move(
        ticket, "sign", by=by, at=at, payload={"unit": ticket.lead_unit.code, "on_time": on_time}
    )


@transaction.atomic
def return_ticket(*, ticket: Ticket, by: User, reason: str, now: datetime | None = None) -> Ticket:
    """The lead unit says the ticket is not theirs (within the return limit, with a reason)."""
    at = _now(now)
    ticket = _locked(ticket)
    _require_lead_handler(by, ticket)
    states.target("return", ticket.status)
    reason = _required_text(reason, "reason", minimum=5, maximum=1000)
    lead = _lead_assignment(ticket)
    calendar = current_calendar()
    last_day = calendar.add_workdays(local_date(lead.dispatched_at), RULES.return_within_workdays)
    if local_date(at) > last_day:
        raise Conflict(
            _(
                "A ticket can be returned only within %(n)d working day(s) of dispatch; "
                "ask the hotline to reassign it."
            )
            % {"n": RULES.return_within_workdays},
            code="return_too_late",
        )
    Assignment.objects.filter(ticket=ticket, active=True).update(active=False)
    Assignment.objects.filter(pk=lead.pk).update(returned_at=at, return_reason=reason)
    unit = ticket.lead_unit
    _stop_running_clocks(ticket, at, by)
    return _move(
        ticket,
        "return",
        by=by,
        at=at,
        payload={
            "unit": unit.code,
            "reason": reason,
            "against_suggestion": ticket.suggested_unit == unit.code,
        },
        fields={"lead_unit": None},
    )


# --- handling and replying -------------------------------------------------------------------


@transaction.atomic
def record_contact(
    *, ticket: Ticket, by: User, note: str = "", now: datetime | None = None
) -> Ticket:
    """The unit contacted the citizen before handling (先行联系)."""
    at = _now(now)
    ticket = _locked(ticket)
    _require_lead_handler(by, ticket)
    fields = {} if ticket.contacted_at else {"contacted_at": at}
    return _move(
        ticket, "contact", by=by, at=at, payload={"note": note.strip()[:1000]}, fields=fields
    )


@transaction.atomic
def give_co_opinion(*, ticket: Ticket, by: User, text: str, now: datetime | None = None) -> Ticket:
    at = _now(now)
    ticket = _locked(ticket)
    co_units = set(
        Assignment.objects.filter(ticket=ticket, role=Assignment.Role.CO, active=True).values_list(
            "unit_id", flat=True
        )
    )
    unit_id = next((u for u in co_units if handles(by, u)), None)
    if unit_id is None:
        raise PermissionDenied(_("Only a handler of a co-unit may give a co-unit opinion."))
    text = _required_text(text, "text", minimum=5)
    unit = OrgUnit.objects.get(pk=unit_id)
    return _move(ticket, "co_opinion", by=by, at=at, payload={"unit": unit.code, "text": text})


def other_replies_for_copy_check(ticket: Ticket, *, limit: int = 300) -> list[str]:
    """Recent reply texts for other appeals (not this ticket nor its merged ones)."""
    excluded = [ticket.pk, *ticket.merged.values_list("pk", flat=True)]
    return list(
        Reply.objects.exclude(ticket_id__in=excluded)
        .order_by("-submitted_at")
        .values_list("text", flat=True)[:limit]
    )


@transaction.atomic
def submit_reply(
    *,
    ticket: Ticket,
    by: User,
    text: str,
    uploads: Sequence[Any] = (),
    now: datetime | None = None,
) -> Reply:
    """The unit's answer; checked at once, flags stored for the hotline's review."""
    at = _now(now)
    ticket = _locked(ticket)
    _require_lead_handler(by, ticket)
    states.target("reply", ticket.status)
    text = _required_text(text, "text", minimum=10)
    if ticket.contacted_at is None and not (ticket.anonymous or ticket.confidential):
        raise ValidationFailed(
            _("Contact the citizen before replying, and record it."),
            field="text",
            code="not_contacted",
        )
    for upload in uploads:
        check_upload(upload, field="attachments")
    clock = reply_clock(ticket)
    late = bool(clock and clock.deadline_at and at >= clock.deadline_at)
    same = Reply.objects.filter(fingerprint=fingerprint(text)).exclude(ticket=ticket)
    found = quality.check_reply(
        ticket.content,
        text,
        others=other_replies_for_copy_check(ticket),
        exact_copies=same.count(),
        late=late,
    )
    reply = Reply.objects.create(
        ticket=ticket,
        round=ticket.round,
        unit=ticket.lead_unit,
        text=text,
        fingerprint=fingerprint(text),
        submitted_by=by,
        submitted_at=at,
    )
    ReplyFlag.objects.bulk_create(
        [ReplyFlag(reply=reply, kind=f.kind, reason=f.reason) for f in found]
    )
    for upload in uploads:
        stored = store_upload(upload, by=by, field="attachments")
        Attachment.objects.create(ticket=ticket, file=stored, added_by=by, added_at=at)
    if clock is not None and clock.done_at is None and not clock.is_paused:
        clocks.pause_clock(clock=clock, reason="hotline review", at=at, by=by)
    _move(
        ticket,
        "reply",
        by=by,
        at=at,
        payload={"reply": reply.pk, "flags": [f.kind for f in found], "late": late},
    )
    return reply


def _decide_flags(reply: Reply, decisions: dict[int, bool], by: User, at: datetime) -> None:
    open_flags = list(reply.flags.filter(status=ReplyFlag.Status.OPEN))
    missing = [f for f in open_flags if f.pk not in decisions]
    if missing:
        raise ValidationFailed(
            _("Confirm or dismiss every flag first."), field="flags", code="flags_undecided"
        )
    for flag in open_flags:
        confirm = decisions[flag.pk]
        flag.status = ReplyFlag.Status.CONFIRMED if confirm else ReplyFlag.Status.DISMISSED
        flag.decided_by, flag.decided_at = by, at
        flag.save(update_fields=["status", "decided_by", "decided_at"])
        record_event(
            action="ticket.flag_confirmed" if confirm else "ticket.flag_dismissed",
            obj=reply.ticket,
            actor=by,
            at=at,
            payload={"reply": reply.pk, "flag": flag.pk, "kind": flag.kind},
        )


@transaction.atomic
def review_reply(
    *,
    reply: Reply,
    by: User,
    accept: bool,
    note: str = "",
    flag_decisions: dict[int, bool] | None = None,
    now: datetime | None = None,
) -> Reply:
    """The hotline reviews a reply: accept (citizens told, follow-up) or send it back.

    Every flag of the reply must be confirmed or dismissed in `flag_decisions`.
    """
    at = _now(now)
    ticket = _locked(reply.ticket)
    _require_operator(by, ticket)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != Reply.Status.PENDING or reply.round != ticket.round:
        raise Conflict(_("This reply has already been reviewed."))
    states.target("accept_reply" if accept else "send_back", ticket.status)
    if not accept:
        note = _required_text(note, "note", minimum=5, maximum=2000)
    _decide_flags(reply, {int(k): bool(v) for k, v in (flag_decisions or {}).items()}, by, at)
    reply.status = Reply.Status.ACCEPTED if accept else Reply.Status.SENT_BACK
    reply.reviewed_by, reply.reviewed_at, reply.review_note = by, at, note.strip()
    reply.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    clock = reply_clock(ticket)
    if not accept:
        if clock is not None and clock.is_paused:
            clocks.resume_clock(clock=clock, at=at, by=by)
        _move(ticket, "send_back", by=by, at=at, payload={"reply": reply.pk, "note": note})
        return reply
    if clock is not None:
        clocks.stop_clock(clock=clock, at=at, by=by)
    told = _zh(
        gettext_noop("Reply to your appeal %(number)s: %(text)s"),
        number=ticket.number,
        text=reply.text,
    )
    _tell_citizen(ticket, told, at)
    for merged in ticket.merged.all():
        _tell_citizen(
            merged,
            _zh(
                gettext_noop("Reply to your appeal %(number)s: %(text)s"),
                number=merged.number,
                text=reply.text,
            ),
            at,
        )
        record_event(
            action="ticket.merged_reply_sent",
            obj=merged,
            actor=by,
            at=at,
            payload={"into": ticket.number, "reply": reply.pk},
        )
    if ticket.anonymous or not ticket.citizen_phone:
        _move(
            ticket,
            "close_without_follow_up",
            by=by,
            at=at,
            payload={"reply": reply.pk, "why": "no contact for a follow-up"},
            fields={"closed_at": at},
        )
        return reply
    _move(ticket, "accept_reply", by=by, at=at, payload={"reply": reply.pk})
    clocks.start_clock(
        subject=ticket,
        purpose=f"follow:{ticket.round}",
        limit=RULES.follow_up_limit(kind=ticket.kind, solved=None),
        start=at,
        responsible_unit=ticket.hotline,
        label=f"{ticket.number} {ticket.title}"[:200],
        policy=RULES.signal_policy,
        by=by,
    )
    return reply


@transaction.atomic
def decide_flag(
    *, flag: ReplyFlag, by: User, confirm: bool, now: datetime | None = None
) -> ReplyFlag:
    """Confirm or dismiss one flag (also after the review, for the indicators)."""
    at = _now(now)
    _require_operator(by, flag.reply.ticket)
    flag = ReplyFlag.objects.select_for_update().select_related("reply__ticket").get(pk=flag.pk)
    flag.status = ReplyFlag.Status.CONFIRMED if confirm else ReplyFlag.Status.DISMISSED
    flag.decided_by, flag.decided_at = by, at
    flag.save(update_fields=["status", "decided_by", "decided_at"])
    record_event(
        action="ticket.flag_confirmed" if confirm else "ticket.flag_dismissed",
        obj=flag.reply.ticket,
        actor=by,
        at=at,
        payload={"reply": flag.reply_id, "flag": flag.pk, "kind": flag.kind},
    )
    return flag


# --- extensions and reminders ----------------------------------------------------------------


@transaction.atomic
def request_extension(
    *, ticket: Ticket, by: User, days: int, reason: str, now: datetime | None = None
) -> Extension:
    """Asked by the lead unit before the reply limit runs out, with a reason."""
    at = _now(now)
    ticket = _locked(ticket)
    _require_lead_handler(by, ticket)
    states.target("request_extension", ticket.status)
    if not isinstance(days, int) or not 1 <= days <= RULES.max_extension_workdays:
        raise ValidationFailed(
            _("Ask for 1 to %(n)d working days.") % {"n": RULES.max_extension_workdays},
            field="days",
        )
    reason = _required_text(reason, "reason", minimum=5, maximum=1000)
    clock = reply_clock(ticket)
    if clock is None or clock.deadline_at is None or at >= clock.deadline_at:
        raise Conflict(_("An extension must be asked before the limit runs out."), code="too_late")
    if Extension.objects.filter(ticket=ticket, status=Extension.Status.PENDING).exists():
        raise Conflict(_("An extension request is already waiting for the hotline."))
    extension = Extension.objects.create(
        ticket=ticket,
        round=ticket.round,
        days=days,
        reason=reason,
        requested_by=by,
        requested_at=at,
    )
    _move(
        ticket,
        "request_extension",
        by=by,
        at=at,
        payload={"extension": extension.pk, "days": days, "reason": reason},
    )
    return extension


@transaction.atomic
def decide_extension(
    *,
    extension: Extension,
    by: User,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> Extension:
    """The hotline approves (clock extended, citizen told) or refuses an extension."""
    at = _now(now)
    ticket = _locked(extension.ticket)
    _require_operator(by, ticket)
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != Extension.Status.PENDING:
        raise Conflict(_("This extension has already been decided."))
    states.target("decide_extension", ticket.status)
    if not approve:
        note = _required_text(note, "note", minimum=5, maximum=1000)
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REFUSED
    extension.decided_by, extension.decided_at = by, at
    extension.decision_note = note.strip()
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    payload: dict[str, Any] = {"extension": extension.pk, "approved": approve, "note": note}
    if approve:
        clock = reply_clock(ticket)
        if clock is not None:
            clock = clocks.extend_clock(
                clock=clock, amount=extension.days, reason=extension.reason, by=by
            )
            payload["deadline"] = clock.deadline_at
            if clock.deadline_at:
                _tell_citizen(
                    ticket,
                    _zh(
                        gettext_noop(
                            "The time to answer your appeal %(number)s is extended to %(date)s: "
                            "%(reason)s"
                        ),
                        number=ticket.number,
                        date=f"{local_date(clock.deadline_at - timedelta(seconds=1)):%Y-%m-%d}",
                        reason=extension.reason,
                    ),
                    at,
                )
    _move(ticket, "decide_extension", by=by, at=at, payload=payload)
    return extension


@transaction.atomic
def remind_unit(
    *,
    ticket: Ticket,
    by: User | None,
    note: str = "",
    automatic: bool = False,
    now: datetime | None = None,
) -> Reminder:
    """A formal reminder (催办) to the lead unit; automatic ones come from the sweep."""
    at = _now(now)
    ticket = _locked(ticket)
    if not automatic:
        _require_operator(by, ticket)
    states.target("remind", ticket.status)
    reminder = Reminder.objects.create(
        ticket=ticket,
        round=ticket.round,
        unit=ticket.lead_unit,
        automatic=automatic,
        note=note.strip()[:1000],
        sent_by=by if getattr(by, "pk", None) else None,
        sent_at=at,
    )
    _move(
        ticket,
        "remind",
        by=by,
        at=at,
        payload={
            "reminder": reminder.pk,
            "unit": ticket.lead_unit.code,
            "automatic": automatic,
            "note": note.strip()[:1000],
        },
    )
    return reminder


def send_due_reminders(now: datetime) -> dict[str, int]:
    """Sweep hook: a reminder the day after an unexplained overrun of a reply limit."""
    cutoff = now - timedelta(days=RULES.remind_after_days)
    due = Clock.objects.filter(
        subject_type=TICKET_TYPE,
        purpose__startswith="reply:",
        done_at__isnull=True,
        deadline_at__lte=cutoff,
    ).values_list("subject_id", flat=True)
    sent = 0
    for ticket in Ticket.objects.filter(
        pk__in=[int(i) for i in due], status__in=(State.DISPATCHED, State.SIGNED)
    ):
        if Reminder.objects.filter(ticket=ticket, round=ticket.round, automatic=True).exists():
            continue
        try:
            remind_unit(
                ticket=ticket,
                by=None,
                automatic=True,
                now=now,
                note=_zh(gettext_noop("The reply limit has passed without an approved extension.")),
            )
            sent += 1
        except (Conflict, ValidationFailed):
            continue
    return {"hotline reminders": sent}


# --- follow-up, reopen, close, merge ---------------------------------------------------------


@transaction.atomic
def record_follow_up(
    *,
    ticket: Ticket,
    by: User,
    reached: bool,
    solved: bool | None = None,
    satisfaction: str = "",
    addressable: bool = True,
    comment: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The follow-up call. Satisfied → closed; dissatisfied for reasons the unit can
    address → reopened with a new clock, or escalated for supervision after a reopen."""
    at = _now(now)
    ticket = _locked(ticket)
    _require_operator(by, ticket)
    states.target("follow_up_attempt", ticket.status)
    if not reached:
        FollowUp.objects.create(
            ticket=ticket, round=ticket.round, reached=False, comment=comment.strip(), by=by, at=at
        )
        return _move(ticket, "follow_up_attempt", by=by, at=at, payload={"reached": False})
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(_("Record how satisfied the citizen is."), field="satisfaction")
    if solved is None:
        raise ValidationFailed(_("Record whether the matter is solved."), field="solved")
    dissatisfied = satisfaction in DISSATISFIED
    if dissatisfied:
        comment = _required_text(comment, "comment", minimum=5, maximum=2000)
    FollowUp.objects.create(
        ticket=ticket,
        round=ticket.round,
        reached=True,
        solved=solved,
        satisfaction=satisfaction,
        addressable=addressable,
        comment=comment.strip(),
        by=by,
        at=at,
    )
    follow_clock = _clock(ticket, f"follow:{ticket.round}")
    if follow_clock is not None:
        clocks.stop_clock(clock=follow_clock, at=at, by=by)
    payload = {
        "satisfaction": satisfaction,
        "solved": solved,
        "addressable": addressable,
        "comment": comment.strip(),
        "round": ticket.round,
    }
    fields = {"satisfaction": satisfaction, "solved": solved}
    if not dissatisfied or not addressable:
        return _move(
            ticket,
            "follow_up_close",
            by=by,
            at=at,
            payload=payload,
            fields={**fields, "closed_at": at},
        )
    if ticket.round >= 2:
        return _move(ticket, "escalate", by=by, at=at, payload=payload, fields=fields)
    lead = _lead_assignment(ticket)
    new_round = ticket.round + 1
    _move(
        ticket,
        "reopen",
        by=by,
        at=at,
        payload={**payload, "new_round": new_round},
        fields={**fields, "round": new_round, "contacted_at": None},
    )
    limit = RULES.reply_limit(
        kind=ticket.kind, urgent=ticket.urgency == Urgency.URGENT, convenience=ticket.convenience
    )
    clocks.start_clock(
        subject=ticket,
        purpose=reply_purpose(lead.pk, new_round),
        limit=limit,
        start=at,
        responsible_unit=ticket.lead_unit,
        label=f"{ticket.number} {ticket.title}"[:200],
        policy=RULES.signal_policy,
        by=by,
    )
    return ticket


@transaction.atomic
def close_ticket(*, ticket: Ticket, by: User, note: str, now: datetime | None = None) -> Ticket:
    """Close an escalated ticket, or one whose citizen cannot be reached for follow-up."""
    at = _now(now)
    ticket = _locked(ticket)
    _require_operator(by, ticket)
    states.target("close", ticket.status)
    note = _required_text(note, "note", minimum=5, maximum=2000)
    _stop_running_clocks(ticket, at, by)
    return _move(ticket, "close", by=by, at=at, payload={"note": note}, fields={"closed_at": at})


@transaction.atomic
def merge_tickets(
    *, ticket: Ticket, into: Ticket, by: User, note: str = "", now: datetime | None = None
) -> Ticket:
    """Merge a repeat appeal into the ticket about the same matter (并单).

    The merged ticket stops its clocks; its citizen gets the reply of `into`.
    """
    at = _now(now)
    if ticket.pk == into.pk:
        raise ValidationFailed(_("A ticket cannot be merged into itself."), field="into")
    first, second = sorted([ticket.pk, into.pk])
    locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[first, second])}
    ticket, into = locked[ticket.pk], locked[into.pk]
    _require_operator(by, ticket)
    _require_operator(by, into)
    states.target("absorb", into.status)
    states.target("merge", ticket.status)
    Ticket.objects.filter(merged_into=ticket).update(merged_into=into)
    Assignment.objects.filter(ticket=ticket, active=True).update(active=False)
    _stop_running_clocks(ticket, at, by)
    _move(
        ticket,
        "merge",
        by=by,
        at=at,
        payload={"into": into.number, "note": note.strip()},
        fields={"merged_into": into, "closed_at": at},
    )
    _move(into, "absorb", by=by, at=at, payload={"merged": ticket.number})
    _tell_citizen(
        ticket,
        _zh(
            gettext_noop("Your appeal %(number)s is handled together with %(into)s."),
            number=ticket.number,
            into=into.number,
        ),
        at,
    )
    return ticket


@transaction.atomic
def add_attachment(
    *, ticket: Ticket, by: User, upload: Any, now: datetime | None = None
) -> Attachment:
    at = _now(now)
    ticket = _locked(ticket)
    if not (is_operator(by, ticket) or handles(by, ticket.lead_unit_id)):
        raise PermissionDenied(_("Only the hotline or the lead unit may add attachments."))
    states.target("attach", ticket.status)
    stored = store_upload(upload, by=by, field="attachments")
    attachment = Attachment.objects.create(ticket=ticket, file=stored, added_by=by, added_at=at)
    _move(ticket, "attach", by=by, at=at, payload={"file": stored.original_name})
    return attachment


# --- categories (seeding and the admin) ------------------------------------------------------


@transaction.atomic
def upsert_category(
    *,
    path: str,
    code: str,
    by: User | None = None,
    default_unit: OrgUnit | None = None,
    local: bool = False,
    keywords: Sequence[str] = (),
    sort_order: int = 0,
    description: str = "",
    is_active: bool = True,
) -> Category:
    """Create or update the category at `path` ("城乡建设/物业管理"); its parent must exist.

    The seed and the admin both come here; a path is never renamed (a new path
    is a new category; retire the old one with is_active=False).
    """
    names = [p.strip() for p in path.split("/") if p.strip()]
    if not names:
        raise ValidationFailed(_("A category needs a name."), field="path")
    parent = None
    if len(names) > 1:
        parent = Category.objects.filter(path="/".join(names[:-1])).first()
        if parent is None:
            raise ValidationFailed(_("Its parent category does not exist."), field="path")
    wanted = {
        "parent": parent,
        "name": names[-1],
        "code": code,
        "default_unit": default_unit,
        "local": local,
        "keywords": "\n".join(keywords),
        "sort_order": sort_order,
        "description": description,
        "is_active": is_active,
    }
    category = Category.objects.filter(path="/".join(names)).first()
    if category is None:
        category = Category.objects.create(path="/".join(names), **wanted)
        action = "hotline.category_created"
    else:
        changed = {k: v for k, v in wanted.items() if getattr(category, k) != v}
        if not changed:
            return category
        for key, value in changed.items():
            setattr(category, key, value)
        category.save()
        action = "hotline.category_changed"
    record_event(
        action=action, obj=category, actor=by, payload={"path": category.path, "code": code}
    )
    return category


# --- Open311 keys ----------------------------------------------------------------------------

OPEN311_KEY_PREFIX = "o311_"


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_open311_key(*, name: str, by: User | None = None) -> tuple[Open311Client, str]:
    name = _required_text(name, "name", maximum=100)
    raw = OPEN311_KEY_PREFIX + secrets.token_urlsafe(24)
    client = Open311Client.objects.create(
        name=name, prefix=raw[: len(OPEN311_KEY_PREFIX) + 6], digest=key_digest(raw)
    )
    record_event(
        action="hotline.open311_key_issued",
        obj=client,
        actor=by,
        payload={"name": name, "prefix": client.prefix},
    )
    return client, raw


@transaction.atomic
def revoke_open311_key(*, client: Open311Client, by: User | None = None) -> None:
    if Open311Client.objects.filter(pk=client.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        record_event(
            action="hotline.open311_key_revoked",
            obj=client,
            actor=by,
            payload={"prefix": client.prefix},
        )


def client_for_key(raw: str | None) -> Open311Client | None:
    """The live client an api_key belongs to, or None. Read on every Open311 POST: a
    cursor and the client's plain columns (its dates are read only if asked for)."""
    if not raw:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_client_sql(), [key_digest(raw)])
        row = cursor.fetchone()
    return Open311Client.from_db(connection.alias, _CLIENT_FIELDS, row) if row else None


_CLIENT_FIELDS = ("id", "name", "prefix", "digest")  # in the model's order


@functools.cache
def _client_sql() -> str:
    q = connection.ops.quote_name
    return (f"SELECT {', '.join(map(q, _CLIENT_FIELDS))} FROM {q(Open311Client._meta.db_table)}"
            " WHERE digest = %s AND revoked_at IS NULL")
