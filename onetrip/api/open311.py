"""Open311 GeoReport v2 at /open311/v2/, in JSON and XML, and FixMyStreet's servicerequestupdates.

As the specification (wiki.open311.org/GeoReport_v2) says: lists are bare JSON
arrays (or an XML root holding one element per item), XML is UTF-8, every
datetime is W3C with its offset, errors are `[{"code", "description"}]`
(`<errors><error>…`) with 400, 403 or 404, `attribute[CODE]` and
`attribute[CODE][]` carry a service's extra answers, GET requests defaults to
the last 90 days and at most 1,000 results, and `service_request_id`
overrides every other filter. Service codes are category codes; POSTs need
an API key issued by `manage.py open311_key NAME`.

What the public GET shows: no citizen's name, phone or ID, phone-like number
runs in descriptions masked, and confidential tickets not at all.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from onetrip.audit.models import Event
from onetrip.errors import DomainError
from onetrip.hotline import dispatch, services, tables
from onetrip.hotline.models import (
    Category,
    Channel,
    Open311Token,
    Reply,
    ServiceAttribute,
    Ticket,
)
from onetrip.hotline.states import State
from onetrip.monitoring.models import Clock

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime(2026, 11, 1, tzinfo=timezone.get_fixed_timezone(480))
DEFAULT_DAYS = 90
MAX_RESULTS = 1000
CLOSED = (State.CLOSED, State.ANSWERED, State.REFUSED, State.MERGED)
_PHONE_LIKE = re.compile(r"\d{7,}")
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --- rendering -------------------------------------------------------------------------------


def w3c(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _xml_value(parent: ET.Element, key: str, value: Any, item_names: dict[str, str]) -> None:
    element = ET.SubElement(parent, key)
    if isinstance(value, list):
        child_name = item_names.get(key, key.rstrip("s"))
        for item in value:
            if isinstance(item, dict):
                _xml_object(element, child_name, item, item_names)
            else:
                ET.SubElement(element, child_name).text = _text(item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _xml_value(element, k, v, item_names)
    else:
        element.text = _text(value)


def _xml_object(parent: ET.Element, name: str, obj: dict, item_names: dict[str, str]) -> None:
    element = ET.SubElement(parent, name)
    for key, value in obj.items():
        _xml_value(element, key, value, item_names)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


ITEM_NAMES = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def render(fmt: str, data: Any, *, root: str, item: str = "", status: int = 200) -> HttpResponse:
    """A list as a bare JSON array or `<root><item>…</item></root>`; an object likewise."""
    if fmt == "json":
        return JsonResponse(
            data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
        )
    top = ET.Element(root)
    if isinstance(data, list):
        for obj in data:
            _xml_object(top, item, obj, ITEM_NAMES)
    else:
        for key, value in data.items():
            _xml_value(top, key, value, ITEM_NAMES)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(
        fmt if fmt in ("json", "xml") else "json",
        [{"code": status, "description": description}],
        root="errors",
        item="error",
        status=status,
    )


def open311_view(methods: tuple[str, ...]):
    """Wrap a view: formats checked, Open311Error and DomainError turned into `errors`."""

    def wrap(view):
        @csrf_exempt
        @require_http_methods(list(methods))
        def inner(request: HttpRequest, fmt: str, **kwargs):
            if fmt not in ("json", "xml"):
                return error("json", 404, "format must be json or xml")
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.status, exc.description)
            except DomainError as exc:
                status = 403 if exc.status == 403 else (404 if exc.status == 404 else 400)
                described = "; ".join(
                    f"{e.field}: {e.reason}" if e.field else e.reason for e in exc.errors
                )
                return error(fmt, status, described)

        inner.__name__ = view.__name__
        return inner

    return wrap


# --- discovery and services ------------------------------------------------------------------


@open311_view(("GET",))
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", args=["json"]))
    url = base.rsplit("/", 1)[0] + "/"
    return render(
        fmt,
        {
            "changeset": w3c(CHANGESET),
            "contact": "12345政务服务便民热线",
            "key_service": "API keys are issued by the county's 12345 hotline administrator.",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": url,
                    "changeset": w3c(CHANGESET),
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        root="discovery",
    )


def _services() -> list[Category]:
    return list(
        Category.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .prefetch_related("attributes")
        .order_by("sort_order", "path")
    )


def service_out(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.path,
        "metadata": bool(category.attributes.all()),
        "type": "realtime",
        "keywords": ",".join(category.keywords.split()),
        "group": category.top_name,
    }


@open311_view(("GET",))
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, [service_out(c) for c in _services()], root="services", item="service")


def _category(code: str) -> Category:
    category = (
        Category.objects.filter(code=code, is_active=True, parent__isnull=False)
        .prefetch_related("attributes")
        .first()
    )
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    return category


@open311_view(("GET",))
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    category = _category(service_code)
    attributes = [
        {
            "variable": True,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": a.order,
            "description": a.description,
            **(
                {"values": [{"key": v["key"], "name": v["name"]} for v in a.values]}
                if a.datatype in (ServiceAttribute.Datatype.SINGLE, ServiceAttribute.Datatype.MULTI)
                else {}
            ),
        }
        for a in category.attributes.all()
    ]
    return render(
        fmt, {"service_code": category.code, "attributes": attributes}, root="service_definition"
    )


# --- requests --------------------------------------------------------------------------------


def _attributes(request: HttpRequest, category: Category) -> dict[str, Any]:
    """attribute[CODE]=v and attribute[CODE][]=v1&attribute[CODE][]=v2, checked."""
    given: dict[str, list[str]] = {}
    for key in request.POST:
        match = _ATTRIBUTE.match(key)
        if match:
            given.setdefault(match.group(1), []).extend(request.POST.getlist(key))
    answers: dict[str, Any] = {}
    for attribute in category.attributes.all():
        values = [v for v in given.pop(attribute.code, []) if v != ""]
        if not values:
            if attribute.required:
                raise Open311Error(400, f"attribute[{attribute.code}] is required")
            continue
        keys = {v["key"] for v in attribute.values}
        if attribute.datatype == ServiceAttribute.Datatype.MULTI:
            bad = [v for v in values if v not in keys]
            if bad:
                raise Open311Error(400, f"attribute[{attribute.code}]: {bad[0]} is not a choice")
            answers[attribute.code] = values
            continue
        if len(values) > 1:
            raise Open311Error(400, f"attribute[{attribute.code}] takes one value")
        value = values[0]
        if attribute.datatype == ServiceAttribute.Datatype.SINGLE and value not in keys:
            raise Open311Error(400, f"attribute[{attribute.code}]: {value} is not a choice")
        if attribute.datatype == ServiceAttribute.Datatype.NUMBER:
            try:
                Decimal(value)
            except InvalidOperation:
                raise Open311Error(400, f"attribute[{attribute.code}] must be a number") from None
        if attribute.datatype == ServiceAttribute.Datatype.DATETIME and not parse_datetime(value):
            raise Open311Error(400, f"attribute[{attribute.code}] must be a W3C datetime")
        answers[attribute.code] = value
    if given:
        raise Open311Error(
            400, f"attribute[{sorted(given)[0]}] is not an attribute of service {category.code}"
        )
    return answers


def _coordinate(request: HttpRequest, name: str) -> Decimal | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise Open311Error(400, f"{name} must be a number") from None


def _key(request: HttpRequest):
    client = services.client_for_key(request.POST.get("api_key") or request.GET.get("api_key"))
    if client is None:
        raise Open311Error(403, "a valid api_key is required")
    return client


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    client = _key(request)
    code = request.POST.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    category = tables.open311_service(code)
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    lat, lon = _coordinate(request, "lat"), _coordinate(request, "long")
    address = request.POST.get("address_string", "").strip()
    address_id = request.POST.get("address_id", "").strip()
    if (lat is None or lon is None) and not address and not address_id:
        raise Open311Error(
            400, "a location is required: lat and long, address_string or address_id"
        )
    answers = _attributes(request, category)
    description = request.POST.get("description", "").strip()
    if answers:
        labels = {a.code: a for a in category.attributes.all()}
        described = []
        for code_, value in answers.items():
            names = {v["key"]: v["name"] for v in labels[code_].values}
            shown = "、".join(
                names.get(v, v) for v in (value if isinstance(value, list) else [value])
            )
            described.append(f"{labels[code_].description}：{shown}")
        description = (
            f"{description}（{'；'.join(described)}）" if description else "；".join(described)
        )
    name = " ".join(
        p for p in (request.POST.get("last_name", ""), request.POST.get("first_name", "")) if p
    ).strip()
    town_code = dispatch.township_in(f"{address} {description}")
    township = tables.township(town_code) if town_code else None
    token = services.new_query_code()
    ticket = services.register_ticket(
        by=None,
        channel=Channel.OPEN311,
        kind="complaint",
        content=description,
        citizen=services.Citizen(
            name=name[:64],
            phone=request.POST.get("phone", "")[:20],
            anonymous=not (name or request.POST.get("phone")),
        ),
        category=category,
        address=address or address_id,
        latitude=lat,
        longitude=lon,
        township=township,
        external_id=request.POST.get("device_id", "")[:64],
        open311_client=client,
        open311_token=token,
    )
    return render(
        fmt,
        [
            {
                "service_request_id": ticket.number,
                "token": f"{token}{ticket.pk}",
                "service_notice": f"查询码 {ticket.query_code}",
                "account_id": request.POST.get("account_id", ""),
            }
        ],
        root="service_requests",
        item="request",
    )


def _date(request: HttpRequest, name: str) -> datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+"))
    if value is None:
        raise Open311Error(400, f"{name} must be a W3C datetime, e.g. 2026-03-02T09:00:00+08:00")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _public(qs):
    return qs.filter(confidential=False, category__isnull=False)


def _expected(tickets: list[Ticket]) -> dict[int, datetime]:
    found: dict[int, datetime] = {}
    for subject_id, deadline in Clock.objects.filter(
        subject_type="hotline.ticket",
        subject_id__in=[str(t.pk) for t in tickets],
        purpose__startswith="reply:",
        done_at__isnull=True,
    ).values_list("subject_id", "deadline_at"):
        if deadline:
            found[int(subject_id)] = deadline
    return found


def _notes(tickets: list[Ticket]) -> dict[int, str]:
    notes = {t.pk: t.answer for t in tickets if t.answer}
    for ticket_id, text in (
        Reply.objects.filter(ticket_id__in=[t.pk for t in tickets], status=Reply.Status.ACCEPTED)
        .order_by("submitted_at")
        .values_list("ticket_id", "text")
    ):
        notes[ticket_id] = text
    return notes


def request_out(ticket: Ticket, expected: dict[int, datetime], notes: dict[int, str]) -> dict:
    return {
        "service_request_id": ticket.number,
        "status": "closed" if ticket.status in CLOSED else "open",
        "status_notes": notes.get(ticket.pk, ""),
        "service_name": ticket.category.name if ticket.category else "",
        "service_code": ticket.category.code if ticket.category else "",
        "description": _PHONE_LIKE.sub(lambda m: m.group(0)[:3] + "****", ticket.content),
        "agency_responsible": ticket.lead_unit.name if ticket.lead_unit else "",
        "service_notice": "",
        "requested_datetime": w3c(ticket.registered_at),
        "updated_datetime": w3c(ticket.updated_at),
        "expected_datetime": w3c(expected.get(ticket.pk)),
        "address": ticket.address,
        "address_id": "",
        "zipcode": "",
        "lat": str(ticket.latitude) if ticket.latitude is not None else "",
        "long": str(ticket.longitude) if ticket.longitude is not None else "",
        "media_url": "",
    }


def _render_requests(fmt: str, tickets: list[Ticket]) -> HttpResponse:
    expected, notes = _expected(tickets), _notes(tickets)
    return render(
        fmt,
        [request_out(t, expected, notes) for t in tickets],
        root="service_requests",
        item="request",
    )


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    qs = _public(Ticket.objects.select_related("category", "lead_unit"))
    ids = request.GET.get("service_request_id", "").strip()
    if ids:
        # service_request_id overrides every other parameter.
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        tickets = list(qs.filter(number__in=wanted).order_by("-registered_at")[:MAX_RESULTS])
        return _render_requests(fmt, tickets)
    start, end = _date(request, "start_date"), _date(request, "end_date")
    if start and end and start > end:
        raise Open311Error(400, "start_date is after end_date")
    if start is None and end is None:
        start = timezone.now() - timedelta(days=DEFAULT_DAYS)
    if start is not None:
        qs = qs.filter(registered_at__gte=start)
    if end is not None:
        qs = qs.filter(registered_at__lte=end)
    codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both")
    if statuses == {"open"}:
        qs = qs.exclude(status__in=CLOSED)
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=CLOSED)
    return _render_requests(fmt, list(qs.order_by("-registered_at")[:MAX_RESULTS]))


@open311_view(("GET", "POST"))
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


@open311_view(("GET",))
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    ticket = (
        _public(Ticket.objects.select_related("category", "lead_unit"))
        .filter(number=service_request_id)
        .first()
    )
    if ticket is None:
        raise Open311Error(404, f"service_request_id {service_request_id} not found")
    return _render_requests(fmt, [ticket])


@open311_view(("GET",))
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    found = Open311Token.objects.select_related("ticket").filter(token=token).first()
    if found is None:
        raise Open311Error(404, f"token {token} not found")
    return render(
        fmt,
        [{"service_request_id": found.ticket.number, "token": found.token}],
        root="service_requests",
        item="request",
    )


# --- FixMyStreet's servicerequestupdates -----------------------------------------------------

UPDATE_STATUS = {
    "ticket.registered": "OPEN",
    "ticket.dispatch": "INVESTIGATING",
    "ticket.sign": "IN_PROGRESS",
    "ticket.return": "INTERNAL_REFERRAL",
    "ticket.accept_reply": "FIXED",
    "ticket.close_without_follow_up": "FIXED",
    "ticket.reopen": "IN_PROGRESS",
    "ticket.escalate": "IN_PROGRESS",
    "ticket.follow_up_close": "CLOSED",
    "ticket.close": "CLOSED",
    "ticket.answer": "CLOSED",
    "ticket.refuse": "NOT_COUNCILS_RESPONSIBILITY",
    "ticket.merge": "DUPLICATE",
}


@open311_view(("GET",))
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """Status changes of tickets, oldest first, for a client to follow (needs an api_key)."""
    _key(request)
    start, end = _date(request, "start_date"), _date(request, "end_date")
    if start is None:
        start = (end or timezone.now()) - timedelta(days=DEFAULT_DAYS)
    events = Event.objects.filter(
        object_type="hotline.ticket", action__in=list(UPDATE_STATUS), at__gte=start
    )
    if end is not None:
        events = events.filter(at__lte=end)
    events = list(events.order_by("at", "id")[: MAX_RESULTS * 2])
    tickets = {
        str(t.pk): t
        for t in _public(Ticket.objects.all()).filter(pk__in={int(e.object_id) for e in events})
    }
    notes = _notes(list(tickets.values()))
    updates = []
    for event in events:
        ticket = tickets.get(event.object_id)
        if ticket is None:
            continue
        description = ""
        if event.action in ("ticket.accept_reply", "ticket.close_without_follow_up"):
            description = notes.get(ticket.pk, "")
        elif event.action == "ticket.return":
            description = "改派其他单位办理"
        elif event.action == "ticket.refuse":
            description = ticket.answer
        updates.append(
            {
                "update_id": str(event.pk),
                "service_request_id": ticket.number,
                "status": UPDATE_STATUS[event.action],
                "updated_datetime": w3c(event.at),
                "description": description,
                "media_url": "",
            }
        )
        if len(updates) >= MAX_RESULTS:
            break
    return render(fmt, updates, root="service_request_updates", item="request_update")


FMT = r"\.(?P<fmt>[a-z]+)$"
app_name = "open311"
urlpatterns = [
    re_path(r"^v2/discovery" + FMT, discovery, name="discovery"),
    re_path(r"^v2/services" + FMT, service_list, name="services"),
    re_path(r"^v2/services/(?P<service_code>[\w-]+)" + FMT, service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, requests, name="requests"),
    re_path(r"^v2/requests/(?P<service_request_id>[\w-]+)" + FMT, request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<token>[\w-]+)" + FMT, token_detail, name="token"),
    re_path(r"^v2/servicerequestupdates" + FMT, service_request_updates, name="updates"),
]
