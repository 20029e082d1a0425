"""The low-voltage road-occupation item's green channel, at each boundary, and what intake does.

≤ 200 m, no digging: approved at once (zero-day); ≤ 200 m, digging ≤ 15 m²: approved
on commitment; 200–500 m: filing; anything else: normal review.
"""

import pytest

from onetrip.approvals import applications, services
from onetrip.approvals.models import Certificate, Route, Task, TaskKind
from onetrip.approvals.states import CaseState, TaskState

from .builders import GREEN_RULES, at, single_uploads

ITEM = {"code": "T-GREEN", "application_fields": [], "green_channel_rules": GREEN_RULES,
        "approval_on_commitment": True}


def route(length, digging=False, area=None, *, signed=True):
    values = {"length_m": length, "digging": digging}
    if area is not None:
        values["dig_area_m2"] = area
    return applications.decide_route(ITEM, values, commitment_signed=signed).route


@pytest.mark.parametrize(
    ("length", "expected"),
    [(0, "zero_day"), (199, "zero_day"), (200, "zero_day"), (200.01, "filing"),
     (201, "filing"), (499, "filing"), (500, "filing"), (500.01, "normal"), (501, "normal")],
)
def test_length_without_digging(length, expected):
    assert route(length) == expected


@pytest.mark.parametrize(
    ("length", "area", "expected"),
    [(199, 15, "commitment"), (200, 15, "commitment"), (200, 14.99, "commitment"),
     (200, 15.01, "normal"), (200, 16, "normal"), (201, 15, "filing"), (201, 30, "filing"),
     (500, 15, "filing"), (501, 15, "normal"), (150, 0, "commitment")],
)
def test_length_with_digging(length, area, expected):
    assert route(length, True, area) == expected


def test_digging_without_an_area_is_not_on_commitment():
    assert route(150, True) == "normal"


def test_the_commitment_route_needs_the_signed_commitment():
    assert route(150, True, 10, signed=False) == "normal"
    assert route(150, False, signed=False) == "zero_day"  # zero-day needs no commitment


def test_rules_decide_alone_even_when_the_item_offers_commitment():
    """The demo item also offers approval on commitment; beyond 500 m it is still normal."""
    assert route(800, True, 100, signed=True) == "normal"


def test_an_item_without_rules_is_on_commitment_only_when_signed():
    item = {"code": "X", "approval_on_commitment": True}
    assert applications.decide_route(item, {}, commitment_signed=True).route == "commitment"
    assert applications.decide_route(item, {}, commitment_signed=False).route == "normal"


# --- at intake, through the services -------------------------------------------------------

def apply_green(world, fields, *, signed=True, when=None):
    return services.apply_online(
        by=world.applicant, item=world.green, fields=fields,
        uploads=single_uploads(world.green), commitments=["T-GREEN"] if signed else [],
        now=when or at(2026, 3, 2, 9),
    )


@pytest.mark.django_db
def test_zero_day_is_approved_at_intake_by_the_system(world):
    case = apply_green(world, {"length_m": "200", "digging": "false"})
    assert case.items.get().route == Route.ZERO_DAY
    case = services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    task = Task.objects.get(case=case)
    assert task.state == TaskState.APPROVED and task.decided_by is None
    assert task.clock is None
    assert case.state == CaseState.COMPLETED  # decided and delivered electronically at once
    assert case.decided_at == at(2026, 3, 2, 10)
    assert Certificate.objects.get(case=case).title == "占道挖掘许可"
    event = case_events(case, "task.approved")[0]
    assert event.actor_name == "system" and event.payload["route"] == "zero_day"


@pytest.mark.django_db
def test_commitment_is_approved_at_intake_and_a_check_goes_to_the_department(world):
    case = apply_green(world, {"length_m": 200, "digging": True, "dig_area_m2": 15})
    case = services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    review = Task.objects.get(case=case, kind=TaskKind.REVIEW)
    check = Task.objects.get(case=case, kind=TaskKind.CHECK)
    assert review.state == TaskState.APPROVED and review.route == Route.COMMITMENT
    assert check.state == TaskState.PENDING and check.department == world.dept_a
    assert check.clock is not None and check.clock.unit == world.dept_a
    assert case.state == CaseState.COMPLETED
    # the department works the check like any task
    services.sign_for_task(task=check, by=world.handler_a, now=at(2026, 3, 9))
    done = services.complete_check(task=check, by=world.handler_a, compliant=True,
                                   note="现场已恢复", now=at(2026, 3, 10))
    assert done.state == TaskState.CHECKED


@pytest.mark.django_db
def test_filing_is_recorded_and_done(world):
    case = apply_green(world, {"length_m": 201, "digging": True, "dig_area_m2": 40})
    case = services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    task = Task.objects.get(case=case)
    assert task.state == TaskState.FILED
    receipt = Certificate.objects.get(case=case)
    assert receipt.kind == "filing_receipt"
    assert case.state == CaseState.COMPLETED and case.outcome == "approved"


@pytest.mark.django_db
def test_beyond_500_metres_is_a_normal_review(world):
    case = apply_green(world, {"length_m": 501, "digging": False})
    case = services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    task = Task.objects.get(case=case)
    assert task.state == TaskState.PENDING and task.route == Route.NORMAL
    assert task.clock.deadline_at == at(2026, 3, 6, 0)  # 3 working days: 3, 4, 5 March
    assert case.state == CaseState.IN_REVIEW


@pytest.mark.django_db
def test_a_commitment_not_signed_goes_to_review(world):
    case = apply_green(world, {"length_m": 100, "digging": True, "dig_area_m2": 5},
                       signed=False)
    case = services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    assert Task.objects.get(case=case).state == TaskState.PENDING


@pytest.mark.django_db
def test_the_form_fields_are_checked(world):
    from onetrip.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        apply_green(world, {"length_m": "abc"})
    fields = {e.field: e.code for e in caught.value.errors}
    assert fields == {"fields.length_m": "not_a_number", "fields.digging": "required"}


def case_events(case, action):
    from onetrip.audit.selectors import events_for

    return [e for e in events_for(case) if e.action == action]
