"""The states of a case and of a department task, and what may happen in each: declared once.

Every service calls `transition(...)` (or `check_allowed(...)`) before it
changes anything, so an action not listed here is refused with
`TransitionNotAllowed` (HTTP 409). Nothing assigns `.state` anywhere else.
Actions that keep the state (a rating, a reassignment) are listed as moving
to the same state: "allowed in this state" is declared in the same table.

No Django models are imported here: the tables are plain data and are
tested without a database.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.errors import TransitionNotAllowed


class CaseState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("waiting for the intake decision")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("waiting for supplements")
    NOT_ACCEPTED = "not_accepted", _("not accepted")
    IN_REVIEW = "in_review", _("under review")
    DECIDED = "decided", _("decided")
    COMPLETED = "completed", _("completed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class TaskState(models.TextChoices):
    WAITING = "waiting", _("waiting for another item")
    PENDING = "pending", _("to be signed for")
    IN_REVIEW = "in_review", _("under review")
    SUPPLEMENT = "supplement", _("waiting for supplements")
    SPECIAL_PROCEDURE = "special_procedure", _("in a special procedure")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    FILED = "filed", _("filed")
    STOPPED = "stopped", _("stopped: a prerequisite was refused")
    CANCELLED = "cancelled", _("cancelled")
    CHECKED = "checked", _("checked")


class TaskKind(models.TextChoices):
    """A review decides an item; a follow-up check verifies an approval on commitment."""

    REVIEW = "review", _("review")
    CHECK = "check", _("follow-up check")


class CaseAction(models.TextChoices):
    EDIT = "edit", _("edit the application")
    SUBMIT = "submit", _("submit")
    ACCEPT = "accept", _("accept")
    REQUEST_SUPPLEMENT = "request_supplement", _("ask for supplements")
    SUPPLY = "supply", _("supply the supplements")
    REFUSE = "refuse", _("refuse to accept")
    WITHDRAW = "withdraw", _("withdraw")
    REVIEW_SUPPLEMENT = "review_supplement", _("ask for supplements during review")
    DECIDE = "decide", _("decide")
    DELIVER = "deliver", _("deliver the results")
    CHOOSE_DELIVERY = "choose_delivery", _("choose how results are delivered")
    RECORD_VISIT = "record_visit", _("record a visit")
    RATE = "rate", _("rate the service")
    # joint handling by several departments: +15 working days with the county leader's approval
    REQUEST_EXTENSION = "request_extension", _("ask the county leader for more time")
    DECIDE_EXTENSION = "decide_extension", _("decide on more time for the joint case")


class TaskAction(models.TextChoices):
    START = "start", _("start")
    SIGN = "sign", _("sign for")
    ASSIGN = "assign", _("assign")
    APPROVE_AT_INTAKE = "approve_at_intake", _("approve at intake")
    FILE = "file", _("record as filed")
    REQUEST_SUPPLEMENT = "request_supplement", _("ask for supplements")
    SUPPLEMENT_ANSWERED = "supplement_answered", _("receive the supplements")
    START_SPECIAL_PROCEDURE = "start_special_procedure", _("start a special procedure")
    END_SPECIAL_PROCEDURE = "end_special_procedure", _("end the special procedure")
    REQUEST_EXTENSION = "request_extension", _("ask for an extension")
    DECIDE_EXTENSION = "decide_extension", _("decide on an extension")
    APPROVE = "approve", _("approve")
    REFUSE = "refuse", _("refuse")
    COMPLETE_CHECK = "complete_check", _("complete the follow-up check")
    STOP = "stop", _("stop")
    CANCEL = "cancel", _("cancel")


class RequestState(models.TextChoices):
    """A supplement request, an extension request: open until answered or decided."""

    OPEN = "open", _("open")
    ANSWERED = "answered", _("answered")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    CANCELLED = "cancelled", _("cancelled")


C, CA = CaseState, CaseAction
T, TA = TaskState, TaskAction

CASE_TRANSITIONS: Mapping[str, Mapping[str, str]] = {
    C.DRAFT: {CA.EDIT: C.DRAFT, CA.SUBMIT: C.SUBMITTED, CA.WITHDRAW: C.WITHDRAWN,
              CA.CHOOSE_DELIVERY: C.DRAFT},
    C.SUBMITTED: {
        CA.ACCEPT: C.IN_REVIEW,
        CA.REQUEST_SUPPLEMENT: C.AWAITING_SUPPLEMENT,
        CA.REFUSE: C.NOT_ACCEPTED,
        CA.WITHDRAW: C.WITHDRAWN,
        CA.CHOOSE_DELIVERY: C.SUBMITTED,
        CA.RECORD_VISIT: C.SUBMITTED,
    },
    C.AWAITING_SUPPLEMENT: {
        CA.SUPPLY: C.SUBMITTED,
        CA.REFUSE: C.NOT_ACCEPTED,
        CA.WITHDRAW: C.WITHDRAWN,
        CA.CHOOSE_DELIVERY: C.AWAITING_SUPPLEMENT,
        CA.RECORD_VISIT: C.AWAITING_SUPPLEMENT,
    },
    C.IN_REVIEW: {
        CA.DECIDE: C.DECIDED,
        CA.WITHDRAW: C.WITHDRAWN,
        CA.REVIEW_SUPPLEMENT: C.IN_REVIEW,
        CA.SUPPLY: C.IN_REVIEW,
        CA.CHOOSE_DELIVERY: C.IN_REVIEW,
        CA.RECORD_VISIT: C.IN_REVIEW,
        CA.REQUEST_EXTENSION: C.IN_REVIEW,
        CA.DECIDE_EXTENSION: C.IN_REVIEW,
    },
    C.DECIDED: {
        CA.DELIVER: C.COMPLETED,
        CA.CHOOSE_DELIVERY: C.DECIDED,
        CA.RECORD_VISIT: C.DECIDED,
        CA.RATE: C.DECIDED,
    },
    C.COMPLETED: {CA.RECORD_VISIT: C.COMPLETED, CA.RATE: C.COMPLETED},
    C.NOT_ACCEPTED: {CA.RECORD_VISIT: C.NOT_ACCEPTED, CA.RATE: C.NOT_ACCEPTED},
    C.WITHDRAWN: {},
}

TASK_TRANSITIONS: Mapping[str, Mapping[str, str]] = {
    T.WAITING: {TA.START: T.PENDING, TA.STOP: T.STOPPED, TA.CANCEL: T.CANCELLED},
    T.PENDING: {
        TA.SIGN: T.IN_REVIEW,
        TA.ASSIGN: T.PENDING,
        TA.APPROVE_AT_INTAKE: T.APPROVED,
        TA.FILE: T.FILED,
        TA.CANCEL: T.CANCELLED,
    },
    T.IN_REVIEW: {
        TA.ASSIGN: T.IN_REVIEW,
        TA.REQUEST_SUPPLEMENT: T.SUPPLEMENT,
        TA.START_SPECIAL_PROCEDURE: T.SPECIAL_PROCEDURE,
        TA.REQUEST_EXTENSION: T.IN_REVIEW,
        TA.DECIDE_EXTENSION: T.IN_REVIEW,
        TA.APPROVE: T.APPROVED,
        TA.REFUSE: T.REFUSED,
        TA.COMPLETE_CHECK: T.CHECKED,
        TA.CANCEL: T.CANCELLED,
    },
    T.SUPPLEMENT: {
        TA.ASSIGN: T.SUPPLEMENT,
        TA.SUPPLEMENT_ANSWERED: T.IN_REVIEW,
        TA.REQUEST_EXTENSION: T.SUPPLEMENT,
        TA.DECIDE_EXTENSION: T.SUPPLEMENT,
        TA.CANCEL: T.CANCELLED,
    },
    T.SPECIAL_PROCEDURE: {
        TA.ASSIGN: T.SPECIAL_PROCEDURE,
        TA.END_SPECIAL_PROCEDURE: T.IN_REVIEW,
        TA.REQUEST_EXTENSION: T.SPECIAL_PROCEDURE,
        TA.DECIDE_EXTENSION: T.SPECIAL_PROCEDURE,
        TA.CANCEL: T.CANCELLED,
    },
    T.APPROVED: {},
    T.REFUSED: {},
    T.FILED: {},
    T.STOPPED: {},
    T.CANCELLED: {},
    T.CHECKED: {},
}

#: A review task in one of these states has its decision: the case is decided
#: exactly when every one of its review tasks is in one of them.
TASK_DECIDED = frozenset({T.APPROVED, T.REFUSED, T.FILED, T.STOPPED})
#: Finished for good (decided, cancelled, or a follow-up check done).
TASK_FINISHED = TASK_DECIDED | {T.CANCELLED, T.CHECKED}
#: A department is working on it (its clock runs unless paused).
TASK_ACTIVE = frozenset({T.PENDING, T.IN_REVIEW, T.SUPPLEMENT, T.SPECIAL_PROCEDURE})
#: Open for a department: what the inbox lists.
TASK_OPEN = TASK_ACTIVE | {T.WAITING}
#: Review tasks that count as a favourable result.
TASK_POSITIVE = frozenset({T.APPROVED, T.FILED})

CASE_OPEN = frozenset({C.SUBMITTED, C.AWAITING_SUPPLEMENT, C.IN_REVIEW})
CASE_WITH_DECISION = frozenset({C.DECIDED, C.COMPLETED})
CASE_FINISHED = frozenset({C.COMPLETED, C.NOT_ACCEPTED, C.WITHDRAWN})


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def allowed_actions(table: Mapping[str, Mapping[str, str | None]], state: str) -> frozenset[str]:
    """The actions allowed in `state` (for pages: which buttons to show)."""
    return frozenset(table.get(state, {}))


def next_state(table: Mapping[str, Mapping[str, str | None]], state: str, action: str) -> str:
    """The state after `action`, or TransitionNotAllowed. Denied unless listed."""
    moves = table.get(state, {})
    if action not in moves:
        is_case = table is CASE_TRANSITIONS
        raise TransitionNotAllowed(
            state=_label(CaseState if is_case else TaskState, state),
            action=_label(CaseAction if is_case else TaskAction, action),
        )
    target = moves[action]
    return state if target is None else target


def case_next(state: str, action: str) -> str:
    return next_state(CASE_TRANSITIONS, state, action)


def task_next(state: str, action: str) -> str:
    return next_state(TASK_TRANSITIONS, state, action)


def case_allowed(state: str) -> frozenset[str]:
    return allowed_actions(CASE_TRANSITIONS, state)


def task_allowed(state: str) -> frozenset[str]:
    return allowed_actions(TASK_TRANSITIONS, state)
