"""Results reach the applicant: electronic and post count zero trips, the window one;
visits are recorded; the applicant rates the service once."""

import pytest

from onetrip.approvals import selectors, services
from onetrip.approvals.models import Visit
from onetrip.approvals.states import CaseState
from onetrip.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed

from .builders import at, single_uploads

pytestmark = pytest.mark.django_db


def decided(world, *, delivery="post", address="福州市闽侯县上街镇1号", applicant=None):
    case = services.apply_online(
        by=applicant or world.applicant, item=world.item_b, uploads=single_uploads(world.item_b),
        delivery_method=delivery, delivery_address=address, now=at(2026, 3, 2, 9),
    )
    services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    task = case.tasks.get()
    services.sign_for_task(task=task, by=world.handler_b, now=at(2026, 3, 2, 11))
    services.approve_task(task=task, by=world.handler_b, now=at(2026, 3, 3))
    case.refresh_from_db()
    return case


def test_electronic_results_arrive_by_themselves_with_zero_trips(world):
    case = decided(world, delivery="electronic", address="")
    assert case.state == CaseState.COMPLETED and case.trips == 0
    assert case.delivery.method == "electronic" and case.delivery.recorded_by is None


def test_post_needs_a_tracking_number_and_counts_no_trip(world):
    case = decided(world)
    assert case.state == CaseState.DECIDED
    assert list(selectors.results_to_hand_over_for(world.clerk)) == [case]
    with pytest.raises(ValidationFailed):
        services.deliver_results(case=case, by=world.clerk)
    with pytest.raises(PermissionDenied):
        services.deliver_results(case=case, by=world.handler_b, tracking_number="SF1")
    delivery = services.deliver_results(case=case, by=world.clerk,
                                        tracking_number="SF1234567890", carrier="顺丰")
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED and case.trips == 0
    assert delivery.tracking_number == "SF1234567890"
    assert delivery.address == "福州市闽侯县上街镇1号"
    with pytest.raises(TransitionNotAllowed):
        services.deliver_results(case=case, by=world.clerk, tracking_number="again")


def test_window_pickup_counts_one_trip(world):
    case = decided(world, delivery="window", address="")
    services.deliver_results(case=case, by=world.clerk, now=at(2026, 3, 4))
    case.refresh_from_db()
    assert case.trips == 1
    assert Visit.objects.get(case=case).purpose == "pickup"


def test_every_visit_is_counted_and_cases_with_more_than_one_show_up(world):
    case = decided(world, delivery="window", address="")
    services.record_visit(case=case, by=world.clerk, purpose="consult", note="询问进度")
    services.deliver_results(case=case, by=world.clerk)
    case.refresh_from_db()
    assert case.trips == 2 and case.needed_more_than_one_trip
    assert list(selectors.cases_needing_more_than_one_trip(world.clerk)) == [case]
    assert list(selectors.cases_needing_more_than_one_trip(world.handler_a)) == []
    with pytest.raises(PermissionDenied):
        services.record_visit(case=case, by=world.applicant, purpose="consult")
    with pytest.raises(ValidationFailed):
        services.record_visit(case=case, by=world.clerk, purpose="lunch")


def test_the_applicant_may_switch_to_electronic_delivery_after_the_decision(world):
    case = decided(world)
    services.choose_delivery(case=case, by=world.applicant, method="electronic")
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED and case.delivery.method == "electronic"


def test_the_applicant_rates_once_after_the_decision(world):
    case = services.apply_online(by=world.applicant, item=world.item_b,
                                 uploads=single_uploads(world.item_b))
    with pytest.raises(TransitionNotAllowed):
        services.rate_case(case=case, by=world.applicant, level=5)
    case = decided(world)
    with pytest.raises(PermissionDenied):
        services.rate_case(case=case, by=world.other_applicant, level=1)
    with pytest.raises(ValidationFailed):
        services.rate_case(case=case, by=world.applicant, level=6)
    rating = services.rate_case(case=case, by=world.applicant, level=2, comment="等待时间长")
    assert rating.get_level_display() in ("dissatisfied", "不满意")
    with pytest.raises(Conflict):
        services.rate_case(case=case, by=world.applicant, level=5)


def test_a_walk_in_without_an_account_rates_with_the_query_code(world):
    case = services.register_walk_in(by=world.clerk, item=world.item_b, applicant_name="王五",
                                     uploads=single_uploads(world.item_b))
    services.refuse_case(case=case, by=world.clerk, reason="材料虚假")
    case.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.rate_case(case=case, level=1, query_code="WRONG1")
    rating = services.rate_case(case=case, level=1, query_code=case.query_code.lower())
    assert rating.rated_by is None
