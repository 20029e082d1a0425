"""Reads the pages and the JSON API need that `selectors.py` does not offer (yet).

Everything here is scoped like `selectors.py`: it starts from a selector there
(`cases_for`, `inbox_for`, `visible_cases`, ...) or checks ownership itself,
so a row a user could not find through `selectors.py` never shows here.
Each function says why it exists; when the core grows the same read, the
pages should switch to it and the function here should go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from onetrip.accounts.models import Membership, Role, User
from onetrip.accounts.selectors import scope_of
from onetrip.catalog.models import Package, ServiceItem
from onetrip.errors import NotFound, ValidationFailed
from onetrip.files.models import StoredFile
from onetrip.monitoring.models import Clock
from onetrip.prepared import PreparedQuery
from onetrip.workdays.calendar import Calendar, local_date
from onetrip.workdays.services import current_calendar

from . import selectors
from .models import Case, CaseExtensionRequest, ExtensionRequest, Task
from .notices import last_day
from .states import CaseState, TaskState

INBOX_STATES = (TaskState.PENDING, TaskState.IN_REVIEW, TaskState.SUPPLEMENT,
                TaskState.SPECIAL_PROCEDURE)
COLOURS = ("red", "yellow", "prewarning", "normal")


# --- words ------------------------------------------------------------------------------

#: CaseState.COMPLETED's label "completed" is the same msgid as Case.completed_at's verbose
#: name, whose Chinese is "完成时间" (a column heading); a state needs "已办结".
COMPLETED_LABEL = pgettext_lazy("case state", "completed")


def case_state_label(case: Case) -> str:
    if case.state == CaseState.COMPLETED:
        return str(COMPLETED_LABEL)
    return str(case.get_state_display())


# --- clocks as pages show them -------------------------------------------------------------

def clock_colour(clock: Clock | None, now: datetime) -> str:
    """The clock's most severe signal due by `now` (the same rule as selectors.signal_colour)."""
    if clock is None:
        return ""
    if clock.done_at is not None:
        return "done"
    for kind, at in (("red", clock.red_at), ("yellow", clock.yellow_at),
                     ("prewarning", clock.prewarning_at)):
        if at is not None and at <= now:
            return kind
    return "normal"


PURPOSE_LABELS = {
    "case": gettext_lazy("Whole case"),
}


@dataclass(frozen=True)
class ClockRow:
    """One clock of a case, in the words of the case page."""

    clock: Clock
    label: str
    kind: str  # "intake", "case", "task"
    task_id: int | None
    started_at: datetime
    limit: float
    legal_limit: float | None
    extension: float
    last_day: date | None
    legal_last_day: date | None
    paused: bool
    pause_reason: str
    done_at: datetime | None
    colour: str


def clock_rows(case: Case, tasks: list[Task], now: datetime) -> list[ClockRow]:
    """Every clock of the case (intake rounds, the case, each task), oldest first; one query."""
    names = {t.pk: f"{t.case_item.name} · {t.department.label}" for t in tasks}
    rows = []
    for clock in selectors.clocks_of(case):
        purpose = clock.purpose
        task_id = None
        if purpose.startswith("intake"):
            kind = "intake"
            round_ = purpose.partition("-")[2] or "1"
            label = _("Intake decision (round %(round)s)") % {"round": round_}
        elif purpose == "case":
            kind, label = "case", _("Whole case")
        elif purpose.startswith("task-"):
            kind = "task"
            task_id = int(purpose.partition("-")[2]) if purpose[5:].isdigit() else None
            label = names.get(task_id, clock.label)
        else:
            kind, label = "other", clock.label
        pause = clock.pauses[-1] if clock.is_paused else None
        rows.append(ClockRow(
            clock=clock, label=label, kind=kind, task_id=task_id, started_at=clock.started_at,
            limit=clock.limit, legal_limit=clock.legal_limit,
            extension=sum(float(e.get("amount", 0)) for e in clock.extensions),
            last_day=last_day(clock.deadline_at), legal_last_day=last_day(clock.legal_deadline_at),
            paused=pause is not None, pause_reason=(pause or {}).get("reason", ""),
            done_at=clock.done_at, colour=clock_colour(clock, now),
        ))
    return rows


def workdays_left(deadline_at: datetime | None, now: datetime,
                  calendar: Calendar | None = None) -> int | None:
    """Working days left until a working-day deadline, today included when it is a working day.

    1 on the last day, 0 or less once it has passed; None without a deadline.
    Pass `calendar` (workdays.services.current_calendar(), one query) when
    computing many rows.
    """
    end = last_day(deadline_at)
    if end is None:
        return None
    today = local_date(now)
    calendar = calendar or current_calendar()
    if today > end:
        return -calendar.workdays_between(end, today)
    return calendar.workdays_between(today, end) + (1 if calendar.is_workday(today) else 0)


# --- portal ----------------------------------------------------------------------------------

def my_cases(user: User) -> QuerySet[Case]:
    """The applicant's own cases (drafts included), newest first.

    `selectors.cases_for` also returns what a staff member sees through their
    units; "my cases" is only what the person applied for.
    """
    return selectors.cases_for(user).filter(applicant_id=user.pk)


def open_drafts(user: User, *, item: ServiceItem | None = None,
                package: Package | None = None) -> list[Case]:
    """The applicant's unfinished online applications for this item or package."""
    if not getattr(user, "is_authenticated", False):
        return []
    queryset = Case.objects.filter(applicant_id=user.pk, state=CaseState.DRAFT)
    if package is not None:
        queryset = queryset.filter(package=package)
    elif item is not None:
        queryset = queryset.filter(package__isnull=True, items__item=item)
    return list(queryset.order_by("-created_at", "-id")[:5])


_UPLOAD_OF = PreparedQuery(
    lambda file, user: StoredFile.objects.filter(pk=file, uploaded_by=user), "file", "user")


def stored_upload_for(user: User | None, ref: str) -> StoredFile:
    """A file the user uploaded earlier (ref "upload:<id>"), to hand the services as an upload.

    Pages keep the files that passed when another one of the same form was
    refused, and API clients upload files first and refer to them. The file
    was checked when it was stored, so the services take it as it is: no second
    check, no second row. Only the uploader may refer to their file; anything
    else is NotFound.
    """
    kind, _sep, raw = (ref or "").partition(":")
    if kind != "upload" or not raw.isdigit() or user is None or not user.is_authenticated:
        raise NotFound(_("No such upload."))
    stored = _UPLOAD_OF.first(file=int(raw), user=user.pk)
    if stored is None or not (Path(settings.MEDIA_ROOT) / stored.path).is_file():
        raise NotFound(_("No such upload."))
    return stored


def stored_file_summary(user: User | None, ref: str) -> StoredFile | None:
    """The StoredFile behind an "upload:<id>" ref of this user, or None (for showing its name)."""
    kind, _sep, raw = (ref or "").partition(":")
    if kind != "upload" or not raw.isdigit() or user is None or not user.is_authenticated:
        return None
    return _UPLOAD_OF.first(file=int(raw), user=user.pk)


# --- workbench -------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboxFilters:
    """The inbox's filters, as they stay in its query string."""

    state: str = ""
    colour: str = ""
    mine: bool = False
    department: str = ""  # unit code, for people in several departments
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> InboxFilters:
        def text(name: str) -> str:
            return str(params.get(name) or "").strip()[:60]

        return cls(
            state=text("state") if text("state") in INBOX_STATES else "",
            colour=text("colour") if text("colour") in COLOURS else "",
            mine=text("mine") in ("1", "on", "true"),
            department=text("department"),
            q=text("q"),
        )

    @property
    def active(self) -> bool:
        return bool(self.state or self.colour or self.mine or self.department or self.q)

    def as_params(self) -> dict[str, str]:
        params = {"state": self.state, "colour": self.colour, "mine": "1" if self.mine else "",
                  "department": self.department, "q": self.q}
        return {k: v for k, v in params.items() if v}


def inbox(user: User, filters: InboxFilters, *, now: datetime | None = None) -> QuerySet[Task]:
    """`selectors.inbox_for` with the page's filters; still one query, soonest deadline first."""
    queryset = selectors.inbox_for(user, now=now or timezone.now(), mine=filters.mine)
    return _filtered(queryset, filters)


def inbox_ids(user: User, filters: InboxFilters, *,
              now: datetime | None = None) -> QuerySet[Task]:
    """The ids of `inbox`'s tasks in its order, joining only what the filters need.

    What the inbox counts and pages (`inbox_rows` then reads the page's rows).
    """
    queryset = selectors.open_tasks_for(user, mine=filters.mine)
    if filters.colour:
        queryset = queryset.alias(colour=selectors.signal_colour("clock__",
                                                                 now or timezone.now()))
    return _filtered(queryset, filters).values_list("pk", flat=True)


def _filtered(queryset: QuerySet[Task], filters: InboxFilters) -> QuerySet[Task]:
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.colour:
        queryset = queryset.filter(colour=filters.colour)
    if filters.department:
        queryset = queryset.filter(department__code=filters.department)
    if filters.q:
        queryset = queryset.filter(
            Q(case__number__icontains=filters.q) | Q(case__applicant_name__icontains=filters.q)
            | Q(case_item__name__icontains=filters.q)
        )
    return queryset


def inbox_rows(user: User, ids: list[int], *, now: datetime | None = None) -> list[Task]:
    """The inbox rows of these tasks (one query), in the order of `ids`.

    The inbox pages in two steps: the ids of one page, in deadline order
    (read from index task_inbox for one department; a narrow top-N sort for
    several), then the 50 rows with everything they show.
    """
    if not ids:
        return []
    found = {t.pk: t for t in _inbox_rows(user, now).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def inbox_row(user: User, task_id: int, *, now: datetime | None = None) -> Task | None:
    """One row of the inbox as the inbox shows it (after an action on it), or None if gone."""
    return _inbox_rows(user, now).filter(pk=task_id).first()


# What an inbox row shows (work/_inbox_row.html): reading only these columns
# halved the time to build a page of 50 rows (a case row carries its whole
# application, a clock its history).
INBOX_ROW_FIELDS = (
    "id", "kind", "state", "assignee_id", "deadline_at",
    "case__number", "case__applicant_name", "case_item__name",
    "department__code", "department__name", "department__short_name",
    "assignee__username", "assignee__display_name",
    "clock__pauses", "clock__deadline_at",
)


def _inbox_rows(user: User, now: datetime | None) -> QuerySet[Task]:
    return selectors.inbox_for(user, now=now or timezone.now()).only(*INBOX_ROW_FIELDS)


def departments_of(user: User) -> list[Any]:
    """The departments whose inbox the user reads (handler or head), for the filter."""
    from onetrip.accounts.models import OrgUnit

    units = scope_of(user).units(Role.HANDLER, Role.HEAD)
    return list(OrgUnit.objects.filter(pk__in=units, kind="department").order_by("sort_order",
                                                                                  "code"))


def colleagues_of(task: Task) -> list[User]:
    """Handlers and heads of the task's department: who a head may assign it to."""
    ids = Membership.objects.filter(unit_id=task.department_id,
                                    role__in=[Role.HANDLER, Role.HEAD]).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


def colleague(task: Task, username: str) -> User:
    """A handler or head of the task's department by username (ValidationFailed on "to")."""
    for user in colleagues_of(task):
        if user.username == username:
            return user
    raise ValidationFailed(_("Assign the task to a handler of its own department."), field="to")


def extension_request_for(user: User, pk: int) -> ExtensionRequest:
    """One extension request of a case the user may see, open or not (NotFound otherwise).

    `selectors.extension_requests_for` lists only the open ones of the head's
    departments; deciding twice must say "already decided" (409), not 404.
    """
    found = (ExtensionRequest.objects.filter(pk=pk, case__in=selectors.visible_cases(user))
             .select_related("case", "task__case_item", "task__department", "task__clock",
                             "requested_by").first())
    if found is None:
        raise NotFound(_("No such extension request."))
    return found


def case_extension_request_for(user: User, pk: int) -> CaseExtensionRequest:
    """One request for more time for a joint case the user may see, open or not (NotFound
    otherwise); the service decides whether this user may decide it (403)."""
    found = (CaseExtensionRequest.objects
             .filter(pk=pk, case__in=selectors.visible_cases(user))
             .select_related("case", "case__clock", "case__clock__unit", "requested_by")
             .first())
    if found is None:
        raise NotFound(_("No such extension request."))
    return found


# --- tracking without logging in: a limit on wrong guesses -----------------------------------

TRACK_LIMIT = 10  # failed look-ups per address ...
TRACK_WINDOW = 15 * 60  # ... per 15 minutes


def _track_key(address: str) -> str:
    return f"approvals:track-failures:{address or 'unknown'}"


def tracking_blocked(address: str) -> bool:
    """Whether an address made too many wrong guesses of number and query code lately.

    `selectors.track` asks its callers to rate-limit by address; the page and
    the API share this count (in the cache: no database write).
    """
    from django.core.cache import cache

    return (cache.get(_track_key(address)) or 0) >= TRACK_LIMIT


def note_failed_tracking(address: str) -> None:
    from django.core.cache import cache

    key = _track_key(address)
    cache.add(key, 0, TRACK_WINDOW)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, TRACK_WINDOW)
