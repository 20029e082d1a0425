"""Every read of tickets used by pages, the API, Open311 and reports, with its scoping.

Who sees a ticket (through `accounts.selectors.visible_to`, the one scoping
function): the operators of its hotline, the handlers and heads of the units
it is actively assigned to (lead and co-units), the county-wide roles, and
the citizen who filed it while logged in. A handler of another unit sees
nothing of it. Phone and ID numbers are shown in full only to the operators
and the lead unit; everyone else reads them masked.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from onetrip.accounts.models import Role, User
from onetrip.accounts.selectors import scope_of, visible_to
from onetrip.audit.models import Event
from onetrip.audit.selectors import events_for
from onetrip.monitoring.models import Clock

from . import quality
from .models import (
    Assignment,
    Category,
    Extension,
    KnowledgeEntry,
    Reply,
    ReplyFlag,
    Ticket,
)
from .services import HANDLING_ROLES, TICKET_TYPE, handles, is_operator
from .states import State, allowed


def tickets_visible_to(user: User | None) -> QuerySet[Ticket]:
    """Every ticket `user` may read."""
    base = Ticket.objects.all()
    if scope_of(user).county_wide:
        return base
    by_hotline_or_owner = visible_to(
        base, user, unit_field="hotline", owner_field="citizen_user", unit_roles=(Role.OPERATOR,)
    )
    assigned = visible_to(
        Assignment.objects.filter(active=True), user, unit_field="unit", unit_roles=HANDLING_ROLES
    ).values("ticket_id")
    return base.filter(Q(pk__in=by_hotline_or_owner.values("pk")) | Q(pk__in=assigned))


def ticket_for(user: User | None, *, number: str) -> Ticket | None:
    return (
        tickets_visible_to(user)
        .select_related("category", "lead_unit", "township", "hotline", "merged_into")
        .filter(number=number)
        .first()
    )


def lookup(*, number: str, query_code: str) -> Ticket | None:
    """The citizen's own check: the number and the query code, no login."""
    ticket = (
        Ticket.objects.select_related("category", "lead_unit", "merged_into")
        .filter(number=(number or "").strip())
        .first()
    )
    if ticket is None or not constant_time_compare(
        ticket.query_code, (query_code or "").strip().upper()
    ):
        return None
    return ticket


# --- masking ---------------------------------------------------------------------------------


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id(number: str) -> str:
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_name(name: str) -> str:
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""


@dataclass(frozen=True)
class CitizenView:
    name: str
    phone: str
    id_number: str
    masked: bool
    anonymous: bool
    confidential: bool


def sees_contact(user: User | None, ticket: Ticket) -> bool:
    """Operators of the hotline, and the lead unit unless the citizen asked for confidentiality."""
    if is_operator(user, ticket):
        return True
    return handles(user, ticket.lead_unit_id) and not ticket.confidential


def citizen_view(user: User | None, ticket: Ticket) -> CitizenView:
    if ticket.anonymous:
        return CitizenView("", "", "", True, True, ticket.confidential)
    if sees_contact(user, ticket):
        return CitizenView(
            ticket.citizen_name,
            ticket.citizen_phone,
            ticket.citizen_id_number,
            False,
            False,
            ticket.confidential,
        )
    return CitizenView(
        mask_name(ticket.citizen_name) if ticket.confidential else ticket.citizen_name,
        mask_phone(ticket.citizen_phone),
        mask_id(ticket.citizen_id_number),
        True,
        False,
        ticket.confidential,
    )


# --- what each person may do -----------------------------------------------------------------


def actions_for(user: User | None, ticket: Ticket) -> set[str]:
    """The actions the page offers `user` on `ticket` (the services check again)."""
    found: set[str] = set()
    if is_operator(user, ticket):
        for action in (
            "refuse",
            "answer",
            "dispatch",
            "remind",
            "follow_up_attempt",
            "close",
            "merge",
        ):
            if allowed(action, ticket.status):
                found.add(action)
        if ticket.status == State.REPLIED:
            found.add("review")
        if Extension.objects.filter(ticket=ticket, status=Extension.Status.PENDING).exists():
            found.add("decide_extension")
    if handles(user, ticket.lead_unit_id):
        for action in ("sign", "return", "contact", "reply", "request_extension"):
            if allowed(action, ticket.status):
                found.add(action)
    if ticket.status in (State.DISPATCHED, State.SIGNED) and any(
        handles(user, unit_id)
        for unit_id in Assignment.objects.filter(
            ticket=ticket, role=Assignment.Role.CO, active=True
        ).values_list("unit_id", flat=True)
    ):
        found.add("co_opinion")
    return found


# --- lists -----------------------------------------------------------------------------------


def _list(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("category", "lead_unit", "township")


def inbox(user: User, *, status: str | None = None) -> QuerySet[Ticket]:
    """The unit's tickets: those assigned (lead or co) to units where `user` handles."""
    units = scope_of(user).units(*HANDLING_ROLES)
    qs = Ticket.objects.filter(
        pk__in=Assignment.objects.filter(active=True, unit_id__in=units).values("ticket_id")
    )
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status__in=State.terminal())
    return _list(qs).order_by("registered_at")


def hotline_queue(user: User, *, status: str | None = None) -> QuerySet[Ticket]:
    qs = Ticket.objects.filter(hotline_id__in=scope_of(user).units(Role.OPERATOR))
    if status:
        qs = qs.filter(status=status)
    return _list(qs)


def follow_up_queue(user: User) -> QuerySet[Ticket]:
    return hotline_queue(user, status=State.FOLLOW_UP).order_by("updated_at")


def review_queue(user: User) -> QuerySet[Ticket]:
    return hotline_queue(user, status=State.REPLIED).order_by("updated_at")


def deadlines(tickets: list[Ticket]) -> dict[int, Clock]:
    """The running clock (sign-for before reply) of each ticket, for the deadline column."""
    ids = [str(t.pk) for t in tickets]
    found: dict[int, Clock] = {}
    for clock in Clock.objects.filter(
        subject_type=TICKET_TYPE, subject_id__in=ids, done_at__isnull=True
    ).order_by("deadline_at"):
        found.setdefault(int(clock.subject_id), clock)
    return found


def timeline(ticket: Ticket) -> QuerySet[Event]:
    return events_for(ticket)


def replies(ticket: Ticket) -> QuerySet[Reply]:
    return ticket.replies.select_related("unit", "submitted_by").prefetch_related(
        Prefetch("flags", queryset=ReplyFlag.objects.order_by("id"))
    )


def pending_reply(ticket: Ticket) -> Reply | None:
    return replies(ticket).filter(status=Reply.Status.PENDING).last()


def similar_recent(
    *,
    content: str,
    township_id: int | None = None,
    days: int = 30,
    limit: int = 5,
    exclude: int | None = None,
    user: User | None = None,
    now: datetime | None = None,
) -> list[tuple[Ticket, float]]:
    """Recent open tickets about the same matter (possible merges), most similar first."""
    now = now or timezone.now()
    qs = Ticket.objects.filter(
        registered_at__gte=now - timedelta(days=days),
        status__in=(
            State.REGISTERED,
            State.DISPATCHED,
            State.SIGNED,
            State.RETURNED,
            State.REPLIED,
            State.FOLLOW_UP,
        ),
    )
    if user is not None:
        qs = qs.filter(pk__in=tickets_visible_to(user).values("pk"))
    if exclude:
        qs = qs.exclude(pk=exclude)
    if township_id:
        qs = qs.filter(Q(township_id=township_id) | Q(township__isnull=True))
    wanted = quality.content_parts(content)
    if not wanted:
        return []
    scored = []
    for ticket in qs.select_related("category").order_by("-registered_at")[:500]:
        parts = quality.content_parts(ticket.content)
        if not parts:
            continue
        score = len(wanted & parts) / len(wanted | parts)
        if score >= 0.2:
            scored.append((ticket, round(score, 2)))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


def knowledge_for(content: str, *, limit: int = 3) -> list[KnowledgeEntry]:
    wanted = quality.content_parts(content)
    scored = []
    for entry in KnowledgeEntry.objects.filter(is_active=True):
        parts = quality.content_parts(f"{entry.question} {entry.keywords}")
        overlap = len(wanted & parts)
        if overlap >= 2:
            scored.append((overlap, entry))
    scored.sort(key=lambda pair: -pair[0])
    return [entry for _, entry in scored[:limit]]


# --- hot issues ------------------------------------------------------------------------------


@dataclass
class HotIssue:
    topic: str
    township: str
    category: str
    count: int
    first: datetime
    last: datetime
    tickets: list[Ticket]
    words: list[str]


def hot_issues(
    user: User, *, days: int = 30, now: datetime | None = None, minimum: int = 3, limit: int = 20
) -> list[HotIssue]:
    """Clusters of similar tickets by place and topic over the period, largest first.

    Tickets are grouped by township and category, then within a group joined
    when their content words overlap (single link, Jaccard ≥ 0.25).
    """
    now = now or timezone.now()
    qs = (
        tickets_visible_to(user)
        .filter(registered_at__gte=now - timedelta(days=days))
        .exclude(status__in=(State.REFUSED,))
        .select_related("category", "township")
        .order_by("registered_at")[:5000]
    )
    groups: dict[tuple[Any, Any], list[Ticket]] = defaultdict(list)
    for ticket in qs:
        groups[(ticket.township_id, ticket.category_id)].append(ticket)
    issues: list[HotIssue] = []
    for members in groups.values():
        if len(members) < minimum:
            continue
        parts = [quality.content_parts(t.content) for t in members]
        parent = list(range(len(members)))

        def find(i: int, parent: list[int] = parent) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                union = parts[i] | parts[j]
                if union and len(parts[i] & parts[j]) / len(union) >= 0.25:
                    parent[find(i)] = find(j)
        clusters: dict[int, list[int]] = defaultdict(list)
        for i in range(len(members)):
            clusters[find(i)].append(i)
        for indexes in clusters.values():
            if len(indexes) < minimum:
                continue
            tickets = [members[i] for i in indexes]
            words = Counter()
            for i in indexes:
                words.update(quality.keywords(members[i].content, top=5))
            top = [w for w, _ in words.most_common(4)]
            first = tickets[0]
            issues.append(
                HotIssue(
                    topic="、".join(top),
                    township=first.township.name if first.township else "",
                    category=first.category.path if first.category else "",
                    count=len(tickets),
                    first=min(t.registered_at for t in tickets),
                    last=max(t.registered_at for t in tickets),
                    tickets=tickets,
                    words=top,
                )
            )
    issues.sort(key=lambda issue: (-issue.count, issue.first))
    return issues[:limit]


# --- indicators ------------------------------------------------------------------------------


def indicators(*, since: datetime, until: datetime) -> dict[str, float | int | None]:
    """DOMAIN.md's hotline indicators for tickets registered in [since, until)."""
    qs = Ticket.objects.filter(registered_at__gte=since, registered_at__lt=until)
    total = qs.count()
    by_status = dict(qs.values_list("status").annotate(n=Count("id")))
    refused = by_status.get(State.REFUSED, 0)
    accepted = total - refused
    ids = qs.values("pk")
    sign_events = Event.objects.filter(
        object_type=TICKET_TYPE,
        object_id__in=[str(i) for i in qs.values_list("pk", flat=True)],
        action="ticket.sign",
    )
    signed = sign_events.count()
    signed_on_time = sum(1 for e in sign_events.only("payload") if e.payload.get("on_time"))
    reply_clocks = Clock.objects.filter(
        subject_type=TICKET_TYPE,
        purpose__startswith="reply:",
        done_at__isnull=False,
        subject_id__in=[str(i) for i in qs.values_list("pk", flat=True)],
    ).values_list("done_at", "deadline_at")
    finished = list(reply_clocks)
    on_time_replies = sum(1 for done, due in finished if due is None or done < due)
    replied_tickets = Reply.objects.filter(ticket_id__in=ids).values("ticket_id").distinct().count()
    dispatched = qs.filter(assignments__role=Assignment.Role.LEAD).distinct().count()
    returned = qs.filter(assignments__returned_at__isnull=False).distinct().count()
    reopened = qs.filter(round__gt=1).count()
    surveyed = qs.exclude(satisfaction="")
    satisfied = surveyed.filter(
        satisfaction__in=("very_satisfied", "satisfied", "basically")
    ).count()
    solved = qs.filter(solved=True).count()
    confirmed_flags = dict(
        ReplyFlag.objects.filter(reply__ticket_id__in=ids, status=ReplyFlag.Status.CONFIRMED)
        .values_list("kind")
        .annotate(n=Count("id"))
    )

    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "tickets": total,
        "acceptance_rate": rate(accepted, total),
        "on_time_sign_for_rate": rate(signed_on_time, signed),
        "on_time_reply_rate": rate(on_time_replies, len(finished)),
        "reply_rate": rate(replied_tickets, dispatched),
        "resolution_rate": rate(solved, accepted),
        "satisfaction_rate": rate(satisfied, surveyed.count()),
        "dispatch_accuracy": rate(dispatched - returned, dispatched),
        "reopen_rate": rate(reopened, dispatched),
        "confirmed_flags": sum(confirmed_flags.values()),
        **{f"confirmed_{kind}": n for kind, n in confirmed_flags.items()},
    }


def categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("default_unit", "parent")
