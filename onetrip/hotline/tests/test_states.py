"""The state table on its own (no database)."""

import pytest

from onetrip.errors import TransitionNotAllowed
from onetrip.hotline.states import ACTION_LABELS, TRANSITIONS, State, next_states, target


def test_terminal_states_lead_nowhere():
    table = next_states()
    for state in State.terminal():
        assert table[state] == frozenset(), state


def test_every_state_is_reachable_from_registration():
    table = next_states()
    seen, todo = {State.REGISTERED.value}, [State.REGISTERED.value]
    while todo:
        for following in table[todo.pop()]:
            if following not in seen:
                seen.add(following)
                todo.append(following)
    assert seen == set(State.values)


def test_the_main_road_and_the_detours():
    assert target("dispatch", "registered") == "dispatched"
    assert target("sign", "dispatched") == "signed"
    assert target("reply", "signed") == "replied"
    assert target("send_back", "replied") == "signed"
    assert target("accept_reply", "replied") == "follow_up"
    assert target("reopen", "follow_up") == "signed"
    assert target("escalate", "follow_up") == "escalated"
    assert target("close", "escalated") == "closed"
    assert target("dispatch", "returned") == "dispatched"  # reassignment
    assert target("remind", "signed") == "signed"  # no state change


@pytest.mark.parametrize(
    "action, state",
    [
        ("sign", "registered"),
        ("reply", "dispatched"),
        ("merge", "replied"),
        ("dispatch", "closed"),
        ("reopen", "closed"),
        ("refuse", "signed"),
    ],
)
def test_anything_not_listed_is_refused(action, state):
    with pytest.raises(TransitionNotAllowed):
        target(action, state)


def test_every_action_has_a_label_and_known_states():
    assert set(TRANSITIONS) == set(ACTION_LABELS)
    for sources, to in TRANSITIONS.values():
        assert set(sources) <= set(State.values)
        assert to is None or to in State.values
