"""Every read of cases used by pages, the API and permissions: scoped, in a fixed number of queries.

Who sees a case (through `accounts.selectors.visible_to`):
- its applicant (drafts only they see);
- clerks of the centre that received it;
- handlers and heads of every department with a task in it (all of the
  case: departments in a package work on one shared file);
- the county-wide roles (administrators, efficiency officers, leaders).
A case a user may not see is reported as not found, never as forbidden, so
numbers cannot be probed.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.accounts.models import Role, User
from onetrip.accounts.selectors import scope_of, visible_to
from onetrip.audit.models import Event
from onetrip.audit.selectors import events_for
from onetrip.catalog.models import Package, ServiceItem
from onetrip.catalog.selectors import current_package_version, current_version
from onetrip.errors import NotFound
from onetrip.files.models import StoredFile
from onetrip.monitoring.models import Clock, NoticeRead, RaisedSignal
from onetrip.prepared import PreparedQuery

from . import applications
from .applications import MaterialNeed
from .models import (
    Case,
    CaseExtensionRequest,
    CaseItem,
    CaseMaterial,
    Certificate,
    Channel,
    ExtensionRequest,
    Notice,
    SpecialProcedure,
    SupplementRequest,
    Task,
    TaskKind,
    Visit,
)
from .notices import last_day
from .states import (
    CASE_FINISHED,
    CASE_OPEN,
    TASK_ACTIVE,
    CaseAction,
    CaseState,
    RequestState,
    TaskAction,
    TaskState,
    case_allowed,
    task_allowed,
)

CASE_LABEL = Case._meta.label_lower
SIGNALS = ("red", "yellow", "prewarning")


def signal_colour(prefix: str, now: datetime) -> models.Case:
    """An SQL expression: the most severe signal of the clock at `prefix` due by `now`.

    Read from the clock's stored signal times, so a row shows its colour even
    before the sweep has raised the signal.
    """
    return models.Case(
        models.When(**{f"{prefix}done_at__isnull": False}, then=Value("done")),
        models.When(**{f"{prefix}red_at__lte": now}, then=Value("red")),
        models.When(**{f"{prefix}yellow_at__lte": now}, then=Value("yellow")),
        models.When(**{f"{prefix}prewarning_at__lte": now}, then=Value("prewarning")),
        default=Value("normal"),
        output_field=models.CharField(),
    )


# --- scoping ------------------------------------------------------------------------------

def visible_cases(user: User | None) -> QuerySet[Case]:
    """Every case `user` may see (unordered, unannotated)."""
    scope = scope_of(user)
    others_drafts = Q(state=CaseState.DRAFT) & ~Q(applicant_id=scope.user_id)
    if scope.county_wide:
        return Case.objects.exclude(others_drafts)
    cases = visible_to(Case.objects.all(), user, unit_field="intake_unit",
                       owner_field="applicant", unit_roles=(Role.CLERK,))
    if scope.units(Role.HANDLER, Role.HEAD):
        # EXISTS per case, not "id IN (every task of the department)": looking
        # one case up must not read a department's 100,000 tasks
        tasks = visible_to(Task.objects.filter(case_id=OuterRef("pk")), user,
                           unit_field="department", unit_roles=(Role.HANDLER, Role.HEAD))
        cases = cases | Case.objects.filter(Exists(tasks))
    return cases.exclude(others_drafts)


def case_for(user: User | None, *, pk: int | None = None, number: str | None = None) -> Case:
    """One case the user may see, by id or number; NotFound otherwise."""
    queryset = visible_cases(user).select_related("intake_unit", "clock", "intake_clock",
                                                   "package")
    if pk is not None:
        found = queryset.filter(pk=pk).first()
    elif number:
        found = queryset.filter(number=number.strip().upper()).first()
    else:
        found = None
    if found is None:
        raise NotFound(_("No such case."))
    return found


def task_for(user: User | None, pk: int) -> Task:
    """One task of a case the user may see; NotFound otherwise."""
    task = (
        Task.objects.filter(pk=pk, case__in=visible_cases(user))
        .select_related("case", "case_item__item_version", "department", "assignee", "clock")
        .first()
    )
    if task is None:
        raise NotFound(_("No such task."))
    return task


# --- lists --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFilters:
    """The case list's filters as given in a query string (bad values are ignored)."""

    q: str = ""
    state: str = ""  # a CaseState, or "open" / "finished"
    channel: str = ""
    department: str = ""  # unit code: cases with a task there
    item: str = ""  # item code
    centre: str = ""  # unit code of the receiving centre
    received_from: date | None = None
    received_to: date | None = None
    signal: str = ""  # prewarning / yellow / red: the case clock's colour now
    more_than_one_trip: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CaseFilters:
        def text(name: str) -> str:
            return str(params.get(name) or "").strip()[:100]

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(text(name))
            except ValueError:
                return None

        state = text("state")
        if state not in CaseState.values and state not in ("open", "finished"):
            state = ""
        return cls(
            q=text("q"), state=state,
            channel=text("channel") if text("channel") in Channel.values else "",
            department=text("department"), item=text("item"), centre=text("centre"),
            received_from=day("received_from"), received_to=day("received_to"),
            signal=text("signal") if text("signal") in SIGNALS else "",
            more_than_one_trip=text("trips") in ("2", "more", "1", "on", "true"),
        )


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min),
                               timezone.get_default_timezone())


def cases_for(user: User | None, filters: CaseFilters | None = None, *,
              now: datetime | None = None) -> QuerySet[Case]:
    """The cases a user may see, filtered, newest received first; one query.

    Each row has `colour` (the case clock's signal now: normal, prewarning,
    yellow, red, done) and the receiving centre and clock joined.
    """
    filters = filters or CaseFilters()
    now = now or timezone.now()
    queryset = visible_cases(user)
    if filters.q:
        queryset = queryset.filter(
            Q(number__icontains=filters.q) | Q(applicant_name__icontains=filters.q)
            | Q(title__icontains=filters.q)
        )
    if filters.state == "open":
        queryset = queryset.filter(state__in=CASE_OPEN)
    elif filters.state == "finished":
        queryset = queryset.filter(state__in=CASE_FINISHED)
    elif filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.department:
        queryset = queryset.filter(
            pk__in=Task.objects.filter(department__code=filters.department).values("case_id")
        )
    if filters.item:
        queryset = queryset.filter(
            pk__in=CaseItem.objects.filter(item__code=filters.item).values("case_id")
        )
    if filters.centre:
        queryset = queryset.filter(intake_unit__code=filters.centre)
    if filters.received_from:
        queryset = queryset.filter(submitted_at__gte=_local_midnight(filters.received_from))
    if filters.received_to:
        queryset = queryset.filter(
            submitted_at__lt=_local_midnight(filters.received_to) + timezone.timedelta(days=1)
        )
    if filters.more_than_one_trip:
        queryset = queryset.filter(trips__gt=1)
    queryset = queryset.select_related("intake_unit", "clock").annotate(
        colour=signal_colour("clock__", now)
    )
    if filters.signal:
        severity = {"prewarning": ["prewarning", "yellow", "red"], "yellow": ["yellow", "red"],
                    "red": ["red"]}[filters.signal]
        queryset = queryset.filter(colour__in=severity)
    return queryset.order_by(F("submitted_at").desc(nulls_last=True), "-id")


def inbox_for(user: User | None, *, now: datetime | None = None, mine: bool = False,
              kind: str | None = None) -> QuerySet[Task]:
    """A handler's or head's open tasks, soonest deadline first; one query.

    Tasks of the departments where the user is a handler or head (county-wide
    roles see all). `mine`: only tasks assigned to the user. Each row has
    `colour` (normal, prewarning, yellow, red), `open_extension` (an extension
    request waits for the head) and its case, item, department, assignee and
    clock joined. Paused clocks (no deadline while paused) sort last.
    """
    now = now or timezone.now()
    return (
        open_tasks_for(user, mine=mine, kind=kind)
        .select_related("case", "case_item", "department", "assignee", "clock")
        .annotate(
            colour=signal_colour("clock__", now),
            open_extension=Exists(ExtensionRequest.objects.filter(
                task_id=OuterRef("pk"), state=RequestState.OPEN)),
        )
    )


def open_tasks_for(user: User | None, *, mine: bool = False,
                   kind: str | None = None) -> QuerySet[Task]:
    """The tasks `inbox_for` lists, in its order, with nothing joined.

    For counting and paging by id: a count over `inbox_for` joins every
    task's clock (its colour), which made PostgreSQL scan the table instead
    of an index; 100,000 open tasks took 49 ms to count that way, 19 this way.
    """
    queryset = visible_to(Task.objects.filter(state__in=sorted(TASK_ACTIVE)), user,
                          unit_field="department", unit_roles=(Role.HANDLER, Role.HEAD))
    if mine:
        queryset = queryset.filter(assignee_id=getattr(user, "pk", None))
    if kind:
        queryset = queryset.filter(kind=kind)
    # Task.deadline_at (its clock's, copied) so that index task_inbox reads it in order
    return queryset.order_by(F("deadline_at").asc(nulls_last=True), "id")


def intake_queue_for(user: User | None, *, now: datetime | None = None,
                     states: Sequence[str] = (CaseState.SUBMITTED,)) -> QuerySet[Case]:
    """Cases waiting for a clerk's intake decision at the user's centres, most urgent first.

    `states`: add CaseState.AWAITING_SUPPLEMENT to see those waiting for the
    applicant too. `colour` is the intake clock's signal now.
    """
    now = now or timezone.now()
    queryset = visible_to(Case.objects.filter(state__in=list(states)), user,
                          unit_field="intake_unit", unit_roles=(Role.CLERK,))
    return (
        queryset.select_related("intake_unit", "intake_clock", "applicant")
        .annotate(colour=signal_colour("intake_clock__", now))
        .order_by(F("intake_due_at").asc(nulls_last=True), "id")
    )


def results_to_hand_over_for(user: User | None) -> QuerySet[Case]:
    """Decided cases at the user's centres whose results wait for post or window pickup."""
    return (
        visible_to(Case.objects.filter(state=CaseState.DECIDED), user,
                   unit_field="intake_unit", unit_roles=(Role.CLERK,))
        .select_related("intake_unit")
        .order_by("decided_at", "id")
    )


def extension_requests_for(user: User | None) -> QuerySet[ExtensionRequest]:
    """Extension requests waiting for the user's decision as head of their department."""
    return (
        visible_to(ExtensionRequest.objects.filter(state=RequestState.OPEN), user,
                   unit_field="task__department", unit_roles=(Role.HEAD,))
        .select_related("case", "task__case_item", "task__department", "task__clock",
                        "requested_by")
        .order_by("requested_at", "id")
    )


def case_extension_requests_for(user: User | None) -> QuerySet[CaseExtensionRequest]:
    """Requests for more time for joint cases waiting for the user's decision as county leader.

    Only county leaders decide them (a county-wide role: every case of the
    county); anyone else gets none, whatever else they may see.
    """
    if not scope_of(user).has_role(Role.LEADER):
        return CaseExtensionRequest.objects.none()
    return (
        visible_to(CaseExtensionRequest.objects.filter(state=RequestState.OPEN), user,
                   unit_field="case__clock__unit", unit_roles=(Role.LEADER,))
        .select_related("case", "case__clock", "case__clock__unit", "requested_by")
        .order_by("requested_at", "id")
    )


def open_supplements_for(user: User | None) -> QuerySet[SupplementRequest]:
    """Supplement notices the applicant still has to answer."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SupplementRequest.objects.none()
    return (
        SupplementRequest.objects.filter(case__applicant=user, state=RequestState.OPEN)
        .select_related("case", "task__department")
        .order_by("requested_at")
    )


def notices_for(user: User | None, *, unread_only: bool = False) -> QuerySet[RaisedSignal]:
    """E-monitoring notices (pre-warnings, yellow and red cards) about cases, newest first.

    The RaisedSignal rows of the clocks of the user's units (department
    tasks for handlers and heads, case and intake clocks for the centre's
    clerks) and of clocks assigned to the user; county-wide roles see all.
    Each row has `case_id` (int), `case_number`, `is_read` (by this user) and
    its clock (purpose "task-<id>", "case", "intake...") joined.
    """
    queryset = visible_to(
        RaisedSignal.objects.filter(subject_type=CASE_LABEL), user, unit_field="unit",
        owner_field="clock__assignee",
        unit_roles=(Role.HANDLER, Role.HEAD, Role.CLERK),
    )
    case_id = Cast("subject_id", models.BigIntegerField())
    queryset = queryset.annotate(
        case_id=case_id,
        case_number=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("number")[:1]),
        is_read=Exists(NoticeRead.objects.filter(signal_id=OuterRef("pk"),
                                                 user_id=getattr(user, "pk", None))),
    )
    if unread_only:
        queryset = queryset.filter(is_read=False)
    return queryset.select_related("clock", "unit").order_by("-raised_at", "-id")


# --- one case -----------------------------------------------------------------------------

@dataclass(frozen=True)
class MaterialStatus:
    need: MaterialNeed
    current: CaseMaterial | None

    @property
    def provided(self) -> bool:
        return self.current is not None


@dataclass
class Viewer:
    """What the user is to this case: decides which actions a page offers."""

    is_applicant: bool
    is_clerk: bool
    handler_units: frozenset[int]
    head_units: frozenset[int]
    is_leader: bool = False
    #: head of the case's lead department (the case clock's responsible unit)
    is_lead_head: bool = False


@dataclass
class CaseDetail:
    case: Case
    items: list[CaseItem]
    tasks: list[Task]
    materials: list[MaterialStatus]
    extra_materials: list[CaseMaterial]
    supplements: list[SupplementRequest]
    special_procedures: list[SpecialProcedure]
    extension_requests: list[ExtensionRequest]
    case_extension_requests: list[CaseExtensionRequest]
    certificates: list[Certificate]
    notices: list[Notice]
    visits: list[Any]
    delivery: Any
    rating: Any
    viewer: Viewer
    case_actions: frozenset[str] = field(default_factory=frozenset)
    task_actions: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def review_tasks(self) -> list[Task]:
        return [t for t in self.tasks if t.kind == TaskKind.REVIEW]

    @property
    def check_tasks(self) -> list[Task]:
        return [t for t in self.tasks if t.kind == TaskKind.CHECK]

    @property
    def open_supplement(self) -> SupplementRequest | None:
        return next((s for s in self.supplements if s.state == RequestState.OPEN), None)

    @property
    def open_case_extension(self) -> CaseExtensionRequest | None:
        return next((r for r in self.case_extension_requests
                     if r.state == RequestState.OPEN), None)

    @property
    def is_joint(self) -> bool:
        """Handled by at least two departments: a county leader may give it more time."""
        return len({ci.department_id for ci in self.items}) >= 2

    @property
    def deadline_last_day(self) -> date | None:
        clock = self.case.clock
        return last_day(clock.deadline_at) if clock else None


def viewer_of(user: User | None, case: Case) -> Viewer:
    scope = scope_of(user)
    lead_unit = case.clock.unit_id if case.clock_id is not None else None
    return Viewer(
        is_applicant=case.applicant_id is not None and case.applicant_id == scope.user_id,
        is_clerk=case.intake_unit_id in scope.units(Role.CLERK),
        handler_units=scope.units(Role.HANDLER, Role.HEAD),
        head_units=scope.units(Role.HEAD),
        is_leader=scope.has_role(Role.LEADER),
        is_lead_head=lead_unit is not None and lead_unit in scope.units(Role.HEAD),
    )


_APPLICANT_CASE_ACTIONS = {CaseAction.EDIT, CaseAction.SUBMIT, CaseAction.WITHDRAW,
                           CaseAction.SUPPLY, CaseAction.CHOOSE_DELIVERY, CaseAction.RATE}
_CLERK_CASE_ACTIONS = {CaseAction.ACCEPT, CaseAction.REQUEST_SUPPLEMENT, CaseAction.REFUSE,
                       CaseAction.SUPPLY, CaseAction.WITHDRAW, CaseAction.CHOOSE_DELIVERY,
                       CaseAction.DELIVER, CaseAction.RECORD_VISIT}
_WORKER_TASK_ACTIONS = {TaskAction.REQUEST_SUPPLEMENT, TaskAction.START_SPECIAL_PROCEDURE,
                        TaskAction.END_SPECIAL_PROCEDURE, TaskAction.REQUEST_EXTENSION,
                        TaskAction.APPROVE, TaskAction.REFUSE, TaskAction.COMPLETE_CHECK}
_SYSTEM_TASK_ACTIONS = {TaskAction.START, TaskAction.APPROVE_AT_INTAKE, TaskAction.FILE,
                        TaskAction.SUPPLEMENT_ANSWERED, TaskAction.STOP, TaskAction.CANCEL}


def case_actions_for(viewer: Viewer, case: Case, *, supplement_open: bool,
                     joint: bool = False, extension_open: bool = False) -> frozenset[str]:
    """Case actions the state allows and the viewer's role may take (pages show these).

    `joint`: handled by several departments (more time from a county leader
    possible); `extension_open`: such a request waits for the leader.
    """
    allowed = set(case_allowed(case.state))
    if not supplement_open:
        allowed.discard(CaseAction.SUPPLY)
    mine: set[str] = set()
    if viewer.is_applicant:
        mine |= _APPLICANT_CASE_ACTIONS
    if viewer.is_clerk:
        mine |= _CLERK_CASE_ACTIONS
    if viewer.is_lead_head and joint and not extension_open:
        mine.add(CaseAction.REQUEST_EXTENSION)
    if viewer.is_leader and extension_open:
        mine.add(CaseAction.DECIDE_EXTENSION)
    return frozenset(allowed & mine)


def task_actions_for(viewer: Viewer, task: Task, user_id: int | None) -> frozenset[str]:
    """Task actions the state allows and the viewer's role may take."""
    allowed = set(task_allowed(task.state)) - _SYSTEM_TASK_ACTIONS
    if task.department_id not in viewer.handler_units:
        return frozenset()
    head = task.department_id in viewer.head_units
    mine: set[str] = set()
    if task.state == TaskState.PENDING and task.assignee_id in (None, user_id):
        mine.add(TaskAction.SIGN)
    if head:
        mine |= {TaskAction.ASSIGN, TaskAction.DECIDE_EXTENSION}
    if head or (task.assignee_id is not None and task.assignee_id == user_id):
        worker = set(_WORKER_TASK_ACTIONS)
        worker.discard(TaskAction.COMPLETE_CHECK if task.kind == TaskKind.REVIEW
                       else TaskAction.APPROVE)
        if task.kind == TaskKind.CHECK:
            worker -= {TaskAction.REFUSE, TaskAction.REQUEST_EXTENSION,
                       TaskAction.REQUEST_SUPPLEMENT, TaskAction.START_SPECIAL_PROCEDURE}
        mine |= worker
    return frozenset(allowed & mine)


def _of_case(model: type[models.Model], *related: str, order: Sequence[str] = ("id",)
             ) -> PreparedQuery:
    return PreparedQuery(
        lambda case: model.objects.select_related(*related).filter(case=case).order_by(*order),
        "case")


# What a case page lists, each read by a query compiled once (compiling the
# eleven of them took longer than running them).
_CASE_LISTS = {
    "items": _of_case(CaseItem, "item_version", "department", order=("position",)),
    "tasks": _of_case(Task, "case_item", "department", "assignee", "clock", "decided_by"),
    "materials": _of_case(CaseMaterial, "file", "certificate"),
    "supplements": _of_case(SupplementRequest, "requested_by", "answered_by"),
    "special_procedures": _of_case(SpecialProcedure, "started_by", "ended_by"),
    "extension_requests": _of_case(ExtensionRequest, "requested_by", "decided_by"),
    "case_extension_requests": _of_case(CaseExtensionRequest, "requested_by", "decided_by"),
    "certificates": _of_case(Certificate, "department"),
    "notices": _of_case(Notice),
    "visits": _of_case(Visit, "unit", order=("at", "id")),
}


def case_detail(user: User | None, *, pk: int | None = None, number: str | None = None
                ) -> CaseDetail:
    """Everything one case page shows, in a fixed number of queries (about a dozen)."""
    case = (
        visible_cases(user)
        .select_related("intake_unit", "clock", "intake_clock", "package", "package_version",
                        "applicant", "registered_by", "delivery", "rating")
        .filter(**({"pk": pk} if pk is not None else {"number": (number or "").upper()}))
        .first()
    )
    if case is None:
        raise NotFound(_("No such case."))
    lists = {name: query(case=case.pk) for name, query in _CASE_LISTS.items()}
    for rows in lists.values():
        for row in rows:
            row.case = case
    items = lists["items"]
    needs = applications.material_needs([ci.item_version.snapshot for ci in items])
    current = {m.key: m for m in lists["materials"] if m.is_current}
    statuses = [MaterialStatus(n, current.get(n.key)) for n in needs if n.asked]
    asked = {s.need.key for s in statuses}
    viewer = viewer_of(user, case)
    tasks = lists["tasks"]
    supplements = lists["supplements"]
    case_extensions = lists["case_extension_requests"]
    return CaseDetail(
        case=case, items=items, tasks=tasks, materials=statuses,
        extra_materials=[m for key, m in current.items() if key not in asked],
        supplements=supplements,
        special_procedures=lists["special_procedures"],
        extension_requests=lists["extension_requests"],
        case_extension_requests=case_extensions,
        certificates=lists["certificates"], notices=lists["notices"],
        visits=lists["visits"], delivery=getattr(case, "delivery", None),
        rating=getattr(case, "rating", None), viewer=viewer,
        case_actions=case_actions_for(
            viewer, case, supplement_open=any(r.state == RequestState.OPEN for r in supplements),
            joint=len({ci.department_id for ci in items}) >= 2,
            extension_open=any(r.state == RequestState.OPEN for r in case_extensions),
        ),
        task_actions={t.pk: task_actions_for(viewer, t, scope_of(user).user_id) for t in tasks},
    )


# --- the timeline ---------------------------------------------------------------------------

ACTION_LABELS: dict[str, Any] = {
    "case.draft_created": gettext_lazy("Application started"),
    "case.material_attached": gettext_lazy("Material added"),
    "case.material_removed": gettext_lazy("Material removed"),
    "case.submitted": gettext_lazy("Application received online"),
    "case.registered": gettext_lazy("Application registered at the window"),
    "case.accepted": gettext_lazy("Accepted"),
    "case.supplement_requested": gettext_lazy("Supplements asked for"),
    "case.supplement_supplied": gettext_lazy("Supplements received"),
    "case.not_accepted": gettext_lazy("Not accepted"),
    "case.withdrawn": gettext_lazy("Withdrawn"),
    "case.decided": gettext_lazy("Decided"),
    "case.delivered": gettext_lazy("Results delivered"),
    "case.delivery_chosen": gettext_lazy("Delivery chosen"),
    "case.visit_recorded": gettext_lazy("Visit recorded"),
    "case.rated": gettext_lazy("Service rated"),
    "task.started": gettext_lazy("Department started"),
    "task.signed": gettext_lazy("Signed for"),
    "task.assigned": gettext_lazy("Reassigned"),
    "task.approved": gettext_lazy("Item approved"),
    "task.refused": gettext_lazy("Item refused"),
    "task.filed": gettext_lazy("Item filed"),
    "task.stopped": gettext_lazy("Item stopped"),
    "task.check_completed": gettext_lazy("Follow-up check completed"),
    "task.supplement_requested": gettext_lazy("Supplements asked for during review"),
    "task.special_procedure_started": gettext_lazy("Special procedure started"),
    "task.special_procedure_ended": gettext_lazy("Special procedure ended"),
    "task.extension_requested": gettext_lazy("Extension asked for"),
    "task.extension_approved": gettext_lazy("Extension approved"),
    "task.extension_refused": gettext_lazy("Extension refused"),
    "case.extension_requested": gettext_lazy("More time asked of the county leader (joint case)"),
    "case.extension_approved": gettext_lazy("More time approved by the county leader"),
    "case.extension_refused": gettext_lazy("More time refused by the county leader"),
    "clock.started": gettext_lazy("Clock started"),
    "clock.paused": gettext_lazy("Clock paused"),
    "clock.resumed": gettext_lazy("Clock resumed"),
    "clock.extended": gettext_lazy("Clock extended"),
    "clock.stopped": gettext_lazy("Clock stopped"),
    "clock.recomputed": gettext_lazy("Deadline recomputed"),
    "signal.prewarning": gettext_lazy("Pre-warning"),
    "signal.yellow": gettext_lazy("Yellow card"),
    "signal.red": gettext_lazy("Red card"),
}

#: What the applicant and the public tracking page see of the timeline.
PUBLIC_ACTIONS = frozenset({
    "case.submitted", "case.registered", "case.accepted", "case.supplement_requested",
    "case.supplement_supplied", "case.not_accepted", "case.withdrawn", "case.decided",
    "case.delivered", "case.rated", "task.approved", "task.refused", "task.filed",
    "task.stopped", "task.supplement_requested", "task.special_procedure_started",
    "task.special_procedure_ended", "task.extension_approved", "case.extension_approved",
})


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: datetime
    action: str
    label: str
    actor: str
    payload: dict[str, Any]
    item: str = ""  # the item a department step was for; "" for the case as a whole


def timeline(case: Case, *, audience: str = "staff") -> list[TimelineEntry]:
    """The case's story from its audit chain, oldest first (two queries).

    audience "staff": every event, with who acted; "applicant" / "public":
    the events the applicant is told about, without staff names or payloads.
    A department step names its item for every audience, so that the eight
    "item approved" lines of a package can be told apart.
    """
    public = audience != "staff"
    items = dict(Task.objects.filter(case=case).values_list("pk", "case_item__name"))
    entries = []
    events: Iterable[Event] = events_for(case).only("seq", "at", "action", "actor_name",
                                                    "payload")
    for event in events:
        if public and event.action not in PUBLIC_ACTIONS:
            continue
        label = ACTION_LABELS.get(event.action, event.action)
        task_id = event.payload.get("task") if event.action.startswith("task.") else None
        entries.append(TimelineEntry(
            seq=event.seq, at=event.at, action=event.action, label=str(label),
            actor="" if public else event.actor_name,
            payload={} if public else dict(event.payload),
            item=items.get(task_id, "") if task_id else "",
        ))
    return entries


# --- tracking without logging in --------------------------------------------------------------

@dataclass(frozen=True)
class PublicItem:
    name: str
    department: str
    state: str
    state_label: str


@dataclass(frozen=True)
class PublicStatus:
    number: str
    title: str
    applicant: str  # masked: 张*, 福州榕味****公司
    state: str
    state_label: str
    received_at: datetime | None
    accepted_at: datetime | None
    decided_at: datetime | None
    deadline: date | None
    items: list[PublicItem]
    timeline: list[TimelineEntry]
    trips: int


def mask_name(name: str) -> str:
    if len(name) <= 1:
        return name
    if len(name) <= 3:
        return name[0] + "*" * (len(name) - 1)
    return name[:4] + "*" * max(len(name) - 6, 1) + name[-2:]


_DUMMY_CODE = b"\x00" * 6


def track(*, number: str, query_code: str) -> PublicStatus:
    """A case's progress for anyone holding its number and query code (no login).

    The code is compared in constant time; a wrong number and a wrong code
    give the same NotFound. Callers should rate-limit by address.
    """
    case = (
        Case.objects.exclude(state=CaseState.DRAFT)
        .filter(number=(number or "").strip().upper())
        .select_related("clock").first()
    )
    expected = case.query_code.encode() if case else _DUMMY_CODE
    given = (query_code or "").strip().upper().encode()
    if case is None or not hmac.compare_digest(expected, given):
        raise NotFound(_("No case matches this number and query code."))
    tasks = (Task.objects.filter(case=case, kind=TaskKind.REVIEW)
             .select_related("case_item", "department").order_by("case_item__position"))
    items = [PublicItem(t.case_item.name, t.department.name, t.state, t.get_state_display())
             for t in tasks]
    if not items:
        items = [PublicItem(ci.name, ci.department.name, "", "")
                 for ci in case.items.select_related("department").order_by("position")]
    return PublicStatus(
        number=case.number or "", title=case.title, applicant=mask_name(case.applicant_name),
        state=case.state, state_label=case.get_state_display(),
        received_at=case.submitted_at, accepted_at=case.accepted_at,
        decided_at=case.decided_at,
        deadline=last_day(case.clock.deadline_at) if case.clock else None,
        items=items, timeline=timeline(case, audience="public"), trips=case.trips,
    )


# --- the application form and reusable materials ---------------------------------------------

@dataclass(frozen=True)
class ReusableMaterial:
    """Something the applicant gave before, or a certificate OneTrip issued them.

    `ref` is what services take in `reuse={key: ref}`.
    """

    ref: str
    key: str
    name: str
    kind: str  # "material" or "certificate"
    case_number: str
    provided_at: datetime
    file: StoredFile | None = None
    certificate: Certificate | None = None


def reusable_materials_for(user: User | None, *, limit: int = 500) -> dict[str, ReusableMaterial]:
    """The applicant's reusable materials by key: a certificate OneTrip issued for that key
    first, else the latest upload of an earlier (submitted) case. Two queries."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    found: dict[str, ReusableMaterial] = {}
    for cert in (Certificate.objects.filter(holder=user).exclude(material_key="")
                 .select_related("case").order_by("-issued_at", "-id")[:limit]):
        found.setdefault(cert.material_key, ReusableMaterial(
            ref=f"certificate:{cert.pk}", key=cert.material_key, name=cert.title,
            kind="certificate", case_number=cert.case.number or "", provided_at=cert.issued_at,
            certificate=cert,
        ))
    materials = (CaseMaterial.objects.filter(case__applicant=user, is_current=True,
                                             file__isnull=False)
                 .exclude(case__state=CaseState.DRAFT)
                 .select_related("file", "case").order_by("-provided_at", "-id")[:limit])
    for material in materials:
        found.setdefault(material.key, ReusableMaterial(
            ref=f"material:{material.pk}", key=material.key, name=material.name,
            kind="material", case_number=material.case.number or "",
            provided_at=material.provided_at, file=material.file,
        ))
    return found


@dataclass(frozen=True)
class ApplicationForm:
    """What the online form (or the clerk's registration form) asks, built from the catalogue."""

    title: str
    item_codes: list[str]
    fields: list[dict[str, Any]]
    materials: list[MaterialNeed]  # asked ones; shared materials once
    produced_inside: list[MaterialNeed]  # results of other items of the package: not asked
    commitment_items: list[tuple[str, str]]  # (code, name) where a commitment may be signed
    delivery_methods: list[str]
    offers: dict[str, ReusableMaterial]  # key → what can be reused instead of uploading


def application_form(*, item: ServiceItem | None = None, package: Package | None = None,
                     user: User | None = None) -> ApplicationForm:
    """The form for applying for an item or a package now (current catalogue versions)."""
    if package is not None:
        snapshot = current_package_version(package).snapshot
        numbers = snapshot.get("item_versions") or {}
        from onetrip.catalog.models import ItemVersion

        versions = {v.item.code: v.snapshot for v in ItemVersion.objects.select_related("item")
                    .filter(item__code__in=snapshot["items"])
                    if v.number == numbers.get(v.item.code, v.item.version)}
        snapshots = [versions[code] for code in snapshot["items"] if code in versions]
        title = snapshot.get("name") or package.name
    elif item is not None:
        snapshots = [current_version(item).snapshot]
        title = snapshots[0].get("name") or item.name
    else:
        raise NotFound(_("Choose an item or a package."))
    needs = applications.material_needs(snapshots)
    offers = reusable_materials_for(user) if user is not None else {}
    asked = [n for n in needs if n.asked]
    return ApplicationForm(
        title=title, item_codes=[s["code"] for s in snapshots],
        fields=applications.merged_fields(snapshots), materials=asked,
        produced_inside=[n for n in needs if not n.asked],
        commitment_items=[(s["code"], s.get("name", "")) for s in snapshots
                          if applications.offers_commitment(s)],
        delivery_methods=applications.delivery_methods(snapshots),
        offers={n.key: offers[n.key] for n in asked if n.key in offers},
    )


# --- files and documents, only for those who may see the case ---------------------------------

def material_file_for(user: User | None, material_id: int) -> StoredFile:
    """The stored file of a case material, if the user may see its case (for file_response)."""
    material = (CaseMaterial.objects.filter(pk=material_id, case__in=visible_cases(user))
                .select_related("file", "reused_from__file").first())
    if material is None or material.file is None:
        raise NotFound(_("No such file."))
    return material.file


def certificate_for(user: User | None, certificate_id: int) -> Certificate:
    """A certificate of a case the user may see (draw its PDF with certificates.certificate_pdf)."""
    certificate = (
        Certificate.objects.filter(pk=certificate_id, case__in=visible_cases(user))
        .select_related("case", "department", "item", "item_version").first()
    )
    if certificate is None:
        raise NotFound(_("No such certificate."))
    return certificate


def notice_for(user: User | None, notice_id: int) -> Notice:
    notice = Notice.objects.filter(pk=notice_id, case__in=visible_cases(user)) \
        .select_related("case").first()
    if notice is None:
        raise NotFound(_("No such notice."))
    return notice


# --- figures for monitoring and reports -------------------------------------------------------

def clocks_of(case: Case) -> list[Clock]:
    """Every clock of a case (intake rounds, the case, its tasks), oldest first."""
    return list(Clock.objects.filter(subject_type=CASE_LABEL, subject_id=str(case.pk))
                .order_by("id"))


def cases_needing_more_than_one_trip(user: User | None) -> QuerySet[Case]:
    """Cases whose applicant came more than once: the "at most one trip" promise broken."""
    return cases_for(user, CaseFilters(more_than_one_trip=True))
