"""The state tables, without a database: denied unless declared, every state reachable."""

import pytest

from onetrip.approvals.states import (
    CASE_TRANSITIONS,
    TASK_DECIDED,
    TASK_TRANSITIONS,
    CaseAction,
    CaseState,
    TaskAction,
    TaskState,
    case_allowed,
    case_next,
    task_next,
)
from onetrip.errors import Conflict, TransitionNotAllowed


def test_every_state_has_a_row_and_every_target_is_a_state():
    assert set(CASE_TRANSITIONS) == set(CaseState.values)
    assert set(TASK_TRANSITIONS) == set(TaskState.values)
    for table, states, actions in ((CASE_TRANSITIONS, CaseState, CaseAction),
                                   (TASK_TRANSITIONS, TaskState, TaskAction)):
        for moves in table.values():
            for action, target in moves.items():
                assert action in actions.values
                assert target is None or target in states.values


def test_an_undeclared_action_is_refused_with_a_conflict():
    with pytest.raises(TransitionNotAllowed) as caught:
        case_next(CaseState.WITHDRAWN, CaseAction.ACCEPT)
    assert isinstance(caught.value, Conflict) and caught.value.status == 409
    with pytest.raises(TransitionNotAllowed):
        task_next(TaskState.APPROVED, TaskAction.APPROVE)


def test_decisions_are_final():
    for state in TASK_DECIDED | {TaskState.CANCELLED, TaskState.CHECKED}:
        assert TASK_TRANSITIONS[state] == {}


def test_the_happy_paths():
    state = CaseState.DRAFT
    for action in (CaseAction.SUBMIT, CaseAction.REQUEST_SUPPLEMENT, CaseAction.SUPPLY,
                   CaseAction.ACCEPT, CaseAction.DECIDE, CaseAction.DELIVER):
        state = case_next(state, action)
    assert state == CaseState.COMPLETED
    task = TaskState.WAITING
    for action in (TaskAction.START, TaskAction.SIGN, TaskAction.START_SPECIAL_PROCEDURE,
                   TaskAction.END_SPECIAL_PROCEDURE, TaskAction.REQUEST_SUPPLEMENT,
                   TaskAction.SUPPLEMENT_ANSWERED, TaskAction.APPROVE):
        task = task_next(task, action)
    assert task == TaskState.APPROVED


def test_every_state_is_reachable_from_the_start():
    for table, start, states in ((CASE_TRANSITIONS, CaseState.DRAFT, CaseState),
                                 (TASK_TRANSITIONS, TaskState.WAITING, TaskState)):
        seen, todo = {start}, [start]
        while todo:
            for target in table[todo.pop()].values():
                if target is not None and target not in seen:
                    seen.add(target)
                    todo.append(target)
        assert seen == set(states.values)


def test_withdrawal_only_before_the_decision():
    allowed = {s for s in CaseState.values if CaseAction.WITHDRAW in case_allowed(s)}
    assert allowed == {CaseState.DRAFT, CaseState.SUBMITTED, CaseState.AWAITING_SUPPLEMENT,
                       CaseState.IN_REVIEW}


def test_ratings_only_afterwards():
    allowed = {s for s in CaseState.values if CaseAction.RATE in case_allowed(s)}
    assert allowed == {CaseState.DECIDED, CaseState.COMPLETED, CaseState.NOT_ACCEPTED}
