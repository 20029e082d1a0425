"""A ticket's states and the actions that move it: declared once, denied by default.

Every service looks its action up here (`target(action, state)`); an action
not listed for the ticket's state raises TransitionNotAllowed. Nothing else
assigns `Ticket.status`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from onetrip.errors import TransitionNotAllowed


class State(models.TextChoices):
    REGISTERED = "registered", _("registered")
    DISPATCHED = "dispatched", _("dispatched")
    SIGNED = "signed", _("being handled")
    RETURNED = "returned", _("returned by the unit")
    REPLIED = "replied", _("reply under review")
    FOLLOW_UP = "follow_up", _("awaiting follow-up")
    ESCALATED = "escalated", _("escalated for supervision")
    CLOSED = "closed", _("closed")
    ANSWERED = "answered", _("answered at once")
    REFUSED = "refused", _("not accepted")
    MERGED = "merged", _("merged into another ticket")

    @classmethod
    def terminal(cls) -> frozenset[str]:
        return frozenset({cls.CLOSED, cls.ANSWERED, cls.REFUSED, cls.MERGED})


S = State
_OPEN_BEFORE_REPLY = (S.REGISTERED, S.DISPATCHED, S.SIGNED, S.RETURNED)

# action: (states it may start from, state it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "refuse": ((S.REGISTERED,), S.REFUSED),
    "answer": ((S.REGISTERED,), S.ANSWERED),
    "dispatch": ((S.REGISTERED, S.RETURNED), S.DISPATCHED),
    "sign": ((S.DISPATCHED,), S.SIGNED),
    "return": ((S.DISPATCHED, S.SIGNED), S.RETURNED),
    "contact": ((S.SIGNED,), None),
    "co_opinion": ((S.DISPATCHED, S.SIGNED), None),
    "reply": ((S.SIGNED,), S.REPLIED),
    "send_back": ((S.REPLIED,), S.SIGNED),
    "accept_reply": ((S.REPLIED,), S.FOLLOW_UP),
    "close_without_follow_up": ((S.REPLIED,), S.CLOSED),
    "request_extension": ((S.SIGNED,), None),
    "decide_extension": ((S.SIGNED, S.REPLIED), None),
    "remind": ((S.DISPATCHED, S.SIGNED), None),
    "follow_up_attempt": ((S.FOLLOW_UP,), None),
    "follow_up_close": ((S.FOLLOW_UP,), S.CLOSED),
    "reopen": ((S.FOLLOW_UP,), S.SIGNED),
    "escalate": ((S.FOLLOW_UP,), S.ESCALATED),
    "close": ((S.FOLLOW_UP, S.ESCALATED), S.CLOSED),
    "merge": (_OPEN_BEFORE_REPLY, S.MERGED),
    "absorb": ((*_OPEN_BEFORE_REPLY, S.REPLIED, S.FOLLOW_UP), None),
    "attach": ((*_OPEN_BEFORE_REPLY, S.REPLIED), None),
}

ACTION_LABELS = {
    "refuse": pgettext_lazy("hotline", "refuse"),
    "answer": _("answer at once"),
    "dispatch": _("dispatch"),
    "sign": _("sign for"),
    "return": _("return"),
    "contact": _("record contact"),
    "co_opinion": _("give a co-unit opinion"),
    "reply": _("reply"),
    "send_back": _("send the reply back"),
    "accept_reply": _("accept the reply"),
    "close_without_follow_up": _("close without follow-up"),
    "request_extension": _("ask for an extension"),
    "decide_extension": _("decide an extension"),
    "remind": _("send a reminder"),
    "follow_up_attempt": _("record a follow-up attempt"),
    "follow_up_close": _("close after follow-up"),
    "reopen": _("reopen"),
    "escalate": _("escalate"),
    "close": _("close"),
    "merge": _("merge"),
    "absorb": _("take in a merged ticket"),
    "attach": _("add an attachment"),
}


def allowed(action: str, state: str) -> bool:
    sources, _target = TRANSITIONS[action]
    return state in sources


def target(action: str, state: str) -> str:
    """The state `action` leads to from `state`, or TransitionNotAllowed."""
    if action not in TRANSITIONS:
        raise KeyError(action)
    sources, to = TRANSITIONS[action]
    if state not in sources:
        raise TransitionNotAllowed(state=str(State(state).label), action=str(ACTION_LABELS[action]))
    return to or state


def next_states() -> dict[str, frozenset[str]]:
    """The table as {state: states reachable in one action} (docs and tests)."""
    table: dict[str, set[str]] = {s.value: set() for s in State}
    for sources, to in TRANSITIONS.values():
        for source in sources:
            if to is not None:
                table[source].add(to)
    return {k: frozenset(v) for k, v in table.items()}
