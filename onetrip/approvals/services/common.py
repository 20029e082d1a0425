"""What every write to cases shares: configuration, permission checks, the case lock,
the task graph and the pausing of clocks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.accounts.models import Role, User
from onetrip.accounts.selectors import scope_of
from onetrip.audit.services import record_event
from onetrip.errors import (
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from onetrip.files.models import StoredFile
from onetrip.monitoring.models import Clock
from onetrip.monitoring.services import (
    extend_clock,
    pause_clock,
    resume_clock,
)
from onetrip.prepared import PreparedQuery, save_fields

from ..models import (
    Case,
    Notice,
    SupplementRequest,
    SupplementStage,
    Task,
    TaskKind,
)
from ..states import (
    TASK_ACTIVE,
    RequestState,
    TaskState,
    case_next,
    task_next,
)

# --- configuration (DOMAIN.md's defaults; a county overrides them in settings) ---------

_CONFIG: Mapping[str, Any] = getattr(settings, "ONETRIP_APPROVALS", {})
INTAKE_LIMIT_WORKDAYS: int = _CONFIG.get("INTAKE_LIMIT_WORKDAYS", 5)
EXTENSION_MAX_WORKDAYS: int = _CONFIG.get("EXTENSION_MAX_WORKDAYS", 10)
JOINT_LEGAL_LIMIT_WORKDAYS: int = _CONFIG.get("JOINT_LEGAL_LIMIT_WORKDAYS", 45)
JOINT_EXTENSION_MAX_WORKDAYS: int = _CONFIG.get("JOINT_EXTENSION_MAX_WORKDAYS", 15)
FOLLOW_UP_CHECK_WORKDAYS: int = _CONFIG.get("FOLLOW_UP_CHECK_WORKDAYS", 20)
CASE_NUMBER_PREFIX: str = _CONFIG.get("CASE_NUMBER_PREFIX", "MH")
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
QUERY_CODE_LENGTH = 6
MAX_SPECIAL_PROCEDURE_WORKDAYS = 250

PAUSE_SUPPLEMENT = "supplement"
PAUSE_SPECIAL_PROCEDURE = "special_procedure"
CASE_CLOCK = "case"


@dataclass(frozen=True)
class SupplementItem:
    """One entry of a supplement notice.

    `key`: a material of the case (its name is taken from the catalogue), or
    empty for something the catalogue does not list, then `name` is required.
    `reason`: what is wrong or missing (shown to the applicant).
    """

    key: str = ""
    name: str = ""
    reason: str = ""


SupplementInput = SupplementItem | Mapping[str, str]

# A file as the services take it: freshly uploaded (checked and stored by the
# service), or stored earlier by the same person (checked then; used as it is).
Upload = UploadedFile | StoredFile


# --- small helpers ------------------------------------------------------------------------

def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _event(case: Case, action: str, by: User | None, now: datetime, **payload: Any) -> None:
    record_event(action=action, obj=case, actor=by, payload=payload, at=now)


def _require_user(by: User | None) -> User:
    if by is None or not getattr(by, "is_authenticated", False) or not by.is_active:
        raise PermissionDenied(_("You must be logged in to do this."))
    return by


def _is_clerk_of(by: User, unit_id: int) -> bool:
    return unit_id in scope_of(by).units(Role.CLERK)


def _require_clerk(by: User | None, case: Case) -> User:
    by = _require_user(by)
    if not _is_clerk_of(by, case.intake_unit_id):
        raise PermissionDenied(
            _("Only a clerk of the service centre that received this case may do this.")
        )
    return by


def _require_applicant(by: User | None, case: Case, *, or_clerk: bool = False) -> User:
    by = _require_user(by)
    if case.applicant_id is not None and by.pk == case.applicant_id:
        return by
    if or_clerk and _is_clerk_of(by, case.intake_unit_id):
        return by
    raise PermissionDenied(_("Only the applicant may do this."))


def _is_head_of(by: User, unit_id: int) -> bool:
    return unit_id in scope_of(by).units(Role.HEAD)


def _require_department(by: User | None, task: Task) -> User:
    by = _require_user(by)
    if task.department_id not in scope_of(by).units(Role.HANDLER, Role.HEAD):
        raise PermissionDenied(_("Only a handler of the task's department may do this."))
    return by


def _require_worker(by: User | None, task: Task) -> User:
    """The handler who signed for the task, or a head of its department."""
    by = _require_department(by, task)
    if task.assignee_id == by.pk or _is_head_of(by, task.department_id):
        return by
    raise PermissionDenied(
        _("This task is assigned to someone else; sign for it or ask the head to reassign it.")
    )


def _require_head(by: User | None, task: Task) -> User:
    by = _require_user(by)
    if not _is_head_of(by, task.department_id):
        raise PermissionDenied(_("Only the head of the task's department may do this."))
    return by


def _require_text(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, field=field, code="required")
    return text


def _case_lock_query(related: tuple[str, ...], skip_locked: bool) -> PreparedQuery[Case]:
    def build(case: int) -> Any:
        queryset = Case.objects.select_related(*related)
        if skip_locked:
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        else:
            queryset = queryset.select_for_update(of=("self",))
        return queryset.filter(pk=case)

    return PreparedQuery(build, "case")


_CASE_LOCKS = {
    (intake, skip): _case_lock_query(
        ("clock", "intake_clock", "intake_unit") if intake else ("clock",), skip)
    for intake in (True, False) for skip in (True, False)
}


def _lock_case(case: Case | int, *, skip_locked: bool = False,
               intake: bool = True) -> Case | None:
    """The case row, locked for this transaction, with its case clock.

    `intake`: with its intake clock and receiving centre too. The departments'
    actions do without (they are read on first use if ever needed): every join
    here is paid by every action on a task.
    """
    pk = case.pk if isinstance(case, Case) else case
    skip = skip_locked and connection.features.has_select_for_update_skip_locked
    found = _CASE_LOCKS[intake, skip].first(case=pk)
    if found is None and not skip_locked:
        raise NotFound(_("No such case."))
    return found


def _locked(case: Case | int, *, intake: bool = True) -> Case:
    found = _lock_case(case, intake=intake)
    assert found is not None
    return found


def _move_case(case: Case, action: str) -> None:
    case.state = case_next(case.state, action)


def _move_task(task: Task, action: str) -> None:
    task.state = task_next(task.state, action)


def _follow_clock(task: Task) -> bool:
    """Copy the task's clock deadline onto the task (the inbox sorts by it); True if it moved."""
    deadline = task.clock.deadline_at if task.clock is not None else None
    if task.deadline_at == deadline:
        return False
    task.deadline_at = deadline
    return True


def _label(case: Case, extra: str = "") -> str:
    return f"{case.number or ''} {extra or case.title}".strip()[:200]


def _notice(case: Case, kind: str, text: tuple[str, str], by: User | None,
            now: datetime) -> Notice:
    title, body = text
    return Notice.objects.create(
        case=case, kind=kind, title=title, body=body, issued_at=now, issued_by=by
    )


# --- the task graph of one case -----------------------------------------------------------

_CASE_TASKS = PreparedQuery(
    lambda case: (Task.objects.filter(case=case)
                  .select_related("clock", "case_item__item_version", "department")
                  .order_by("id")),
    "case",
)
_CASE_WAITS = PreparedQuery(
    lambda case: Task.waits_for.through.objects.filter(from_task__case=case), "case")


class _Graph:
    """A case's tasks and their waits, loaded once per action (two queries)."""

    def __init__(self, case: Case, *, tasks: Iterable[Task] | None = None,
                 edges: Iterable[tuple[int, int]] | None = None) -> None:
        """Load the case's tasks and waits, or take them as just created (acceptance)."""
        self.case = case
        if tasks is None:
            tasks = _CASE_TASKS(case=case.pk)
            edges = [(w.from_task_id, w.to_task_id) for w in _CASE_WAITS(case=case.pk)]
        self.tasks: dict[int, Task] = {t.pk: t for t in tasks}
        self.prereqs: dict[int, list[int]] = defaultdict(list)
        self.dependents: dict[int, list[int]] = defaultdict(list)
        for waiting, required in edges or ():
            self.prereqs[waiting].append(required)
            self.dependents[required].append(waiting)
        self.started_any = False

    def get(self, task: Task | int) -> Task:
        pk = task.pk if isinstance(task, Task) else task
        try:
            return self.tasks[pk]
        except KeyError:
            raise NotFound(_("No such task in this case.")) from None

    def reviews(self) -> list[Task]:
        return [t for t in self.tasks.values() if t.kind == TaskKind.REVIEW]

    def add(self, task: Task) -> None:
        self.tasks[task.pk] = task


def _supplement_open(case: Case) -> bool:
    return SupplementRequest.objects.filter(
        case=case, stage=SupplementStage.REVIEW, state=RequestState.OPEN
    ).exists()


def _set_paused(clock: Clock, want: bool, *, reason: str, by: User | None,
                now: datetime) -> Clock:
    if want and not clock.is_paused:
        return pause_clock(clock=clock, reason=reason, at=now, by=by)
    if not want and clock.is_paused:
        return resume_clock(clock=clock, at=now, by=by)
    return clock


def _sync_pauses(case: Case, graph: _Graph, *, by: User | None, now: datetime,
                 supplement_open: bool | None = None) -> None:
    """Pause or resume every running clock of the case to match what holds it now.

    A review task's clock waits while the task is in a special procedure or
    while a review supplement is open; the case clock waits while a review
    supplement is open or any task is in a special procedure.
    """
    if supplement_open is None:
        supplement_open = _supplement_open(case)
    any_special = False
    for task in graph.reviews():
        special = task.state == TaskState.SPECIAL_PROCEDURE
        any_special |= special
        if task.clock is None or task.clock.done_at is not None:
            continue
        want = special or (supplement_open and task.state in TASK_ACTIVE)
        task.clock = _set_paused(
            task.clock, want, by=by, now=now,
            reason=PAUSE_SPECIAL_PROCEDURE if special else PAUSE_SUPPLEMENT,
        )
        if _follow_clock(task):
            save_fields(task, "deadline_at")
    if case.clock is not None and case.clock.done_at is None:
        case.clock = _set_paused(
            case.clock, supplement_open or any_special, by=by, now=now,
            reason=PAUSE_SUPPLEMENT if supplement_open else PAUSE_SPECIAL_PROCEDURE,
        )


def _extend_case_clock(case: Case, *, task_days: int, by: User | None, reason: str) -> None:
    """Extend the case clock (committed and legal) up to its target extension.

    The target is the larger of `task_days` (the largest extension of any of
    its tasks: +10 at most each, approved by the department's head) and
    `case.extension_days` (approved by the county leader for joint handling:
    +15 at most). The two are not added up: both lengthen the same case, so
    the case clock moves only by what the target exceeds its extension so far.
    """
    if case.clock is None or case.clock.done_at is not None:
        return
    target = max(task_days, case.extension_days)
    current = sum(int(e["amount"]) for e in case.clock.extensions)
    if target > current:
        case.clock = extend_clock(clock=case.clock, amount=target - current, reason=reason,
                                  by=by)
