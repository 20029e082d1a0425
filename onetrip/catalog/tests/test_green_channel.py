"""The green-channel evaluator at every boundary of the demo's power-line rule. No database."""

import pytest

from onetrip.catalog.demo import GREEN_FIELDS, GREEN_RULES
from onetrip.catalog.green_channel import (
    ApplicationError,
    clean_application,
    decide,
    evaluate,
    rule_errors,
)


def route(length, digging, area=None):
    application = {"length_m": length, "digging": digging}
    if area is not None:
        application["dig_area_m2"] = area
    return evaluate(GREEN_RULES, application).outcome


@pytest.mark.parametrize("length", [0, 1, 199.9, 200])
def test_up_to_200_metres_without_digging_is_approved_at_once(length):
    assert route(length, False) == "zero_day"


@pytest.mark.parametrize("area", [0, 0.5, 14.99, 15])
def test_up_to_200_metres_digging_up_to_15_square_metres_is_on_commitment(area):
    assert route(200, True, area) == "commitment"
    assert route(50, True, area) == "commitment"


@pytest.mark.parametrize("area", [15.01, 16, 300])
def test_up_to_200_metres_digging_more_than_15_square_metres_is_reviewed_normally(area):
    assert route(200, True, area) == "normal"


def test_digging_without_saying_how_much_is_reviewed_normally():
    assert route(120, True) == "normal"


@pytest.mark.parametrize("length", [200.01, 201, 350, 499.99, 500])
def test_over_200_up_to_500_metres_is_filed(length):
    assert route(length, False) == "filing"
    assert route(length, True, 40) == "filing"  # digging does not change the filing route


@pytest.mark.parametrize("length", [500.01, 501, 5000])
def test_over_500_metres_is_reviewed_normally(length):
    assert route(length, False) == "normal"


def test_the_decision_names_the_rule_and_its_label():
    decision = evaluate(GREEN_RULES, {"length_m": 80, "digging": False})
    assert decision.rule == 0
    assert "免于审批" in decision.label
    assert decision.at_intake
    assert evaluate(GREEN_RULES, {"length_m": 800, "digging": False}).rule is None


def test_form_values_are_typed_before_deciding():
    typed = {"length_m": "200", "digging": "否"}
    assert decide(GREEN_FIELDS, GREEN_RULES, typed).outcome == "zero_day"
    typed = {"length_m": " 150 ", "digging": "是", "dig_area_m2": "15"}
    assert decide(GREEN_FIELDS, GREEN_RULES, typed).outcome == "commitment"


def test_missing_and_malformed_values_are_named_with_codes():
    with pytest.raises(ApplicationError) as caught:
        clean_application(GREEN_FIELDS, {"length_m": "两百", "dig_area_m2": "-1"})
    assert caught.value.errors == {
        "length_m": "not_a_number", "digging": "required", "dig_area_m2": "not_a_number",
    }


def test_the_demo_rules_are_valid_and_broken_rules_are_explained():
    assert rule_errors(GREEN_RULES, GREEN_FIELDS) == []
    broken = [{"outcome": "instant", "when": [{"field": "width", "op": "lte", "value": "x"}]}]
    errors = rule_errors(broken, GREEN_FIELDS)
    assert any("outcome" in e for e in errors)
    assert any("width" in e and "不在申请字段中" in e for e in errors)
    assert any("需要一个数字" in e for e in errors)


def test_no_rules_means_the_normal_route():
    assert evaluate([], {"length_m": 10}).outcome == "normal"
