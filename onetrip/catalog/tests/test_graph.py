"""The dependency graph: pure Python, no database."""

import pytest

from onetrip.catalog.graph import (
    CycleError,
    UnknownNodeError,
    critical_path,
    find_cycle,
    layers,
    topological_order,
)


def test_parallel_items_take_the_longest_of_them():
    path = critical_path({"a": 5, "b": 3, "c": 7}, [])
    assert path.length == 7
    assert path.path == ("c",)


def test_a_chain_adds_up():
    # c waits for b, b waits for a
    path = critical_path({"a": 1, "b": 5, "c": 2}, [("a", "b"), ("b", "c")])
    assert path.length == 8
    assert path.path == ("a", "b", "c")


def test_a_diamond_takes_its_longer_branch():
    # licence (1) -> food (5) and sign (1); health check (3) -> food
    durations = {"licence": 1, "health": 3, "food": 5, "sign": 1}
    edges = [("licence", "food"), ("health", "food"), ("licence", "sign")]
    path = critical_path(durations, edges)
    assert path.length == 8  # health 3 + food 5, not licence 1 + food 5
    assert path.path == ("health", "food")


def test_the_hand_worked_hotel_package():
    # licence 1 -> fire 5 -> lodging 5; health 3 -> hygiene 7; licence -> hygiene, drain 5
    durations = {"licence": 1, "fire": 5, "lodging": 5, "health": 3, "hygiene": 7, "drain": 5}
    edges = [("licence", "fire"), ("fire", "lodging"), ("licence", "hygiene"),
             ("health", "hygiene"), ("licence", "drain")]
    path = critical_path(durations, edges)
    assert path.length == 11  # 1 + 5 + 5 beats 3 + 7 = 10 and 1 + 5 = 6
    assert path.path == ("licence", "fire", "lodging")


def test_zero_day_items_add_nothing():
    assert critical_path({"seal": 0, "licence": 1}, [("licence", "seal")]).length == 1


def test_equal_chains_are_broken_by_the_given_order():
    assert critical_path({"x": 4, "y": 4}, []).path == ("x",)


def test_an_empty_package_has_length_zero():
    assert critical_path({}, []).length == 0


def test_a_cycle_is_refused_naming_it():
    with pytest.raises(CycleError) as caught:
        critical_path({"a": 1, "b": 1, "c": 1}, [("a", "b"), ("b", "c"), ("c", "a")])
    assert caught.value.cycle == ["a", "b", "c", "a"]
    assert str(caught.value) == "a → b → c → a"


def test_a_cycle_message_uses_the_labels_given():
    names = {"f": "食品经营许可", "l": "营业执照"}
    with pytest.raises(CycleError, match="食品经营许可 → 营业执照 → 食品经营许可"):
        topological_order(["f", "l"], [("f", "l"), ("l", "f")], label=names.__getitem__)


def test_find_cycle_finds_a_self_loop_and_nothing_in_a_dag():
    assert find_cycle(["a"], [("a", "a")]) == ["a", "a"]
    assert find_cycle(["a", "b", "c"], [("a", "b"), ("a", "c"), ("b", "c")]) is None


def test_find_cycle_reports_only_the_cycle_not_the_path_into_it():
    assert find_cycle(["s", "a", "b"], [("s", "a"), ("a", "b"), ("b", "a")]) == ["a", "b", "a"]


def test_an_edge_to_an_unknown_node_is_an_error():
    with pytest.raises(UnknownNodeError):
        find_cycle(["a"], [("a", "z")])


def test_topological_order_keeps_the_given_order_among_equals():
    order = topological_order(["c", "a", "b"], [("a", "b")])
    assert order == ["c", "a", "b"]
    assert order.index("a") < order.index("b")


def test_layers_group_what_can_start_together():
    nodes = ["licence", "health", "food", "sign", "tobacco"]
    edges = [("licence", "food"), ("health", "food"), ("licence", "sign"), ("sign", "tobacco")]
    # sign waits only for the first node (mean position 0), food for both (0.5):
    # sign is drawn above food so that fewer arrows cross.
    assert layers(nodes, edges) == [["licence", "health"], ["sign", "food"], ["tobacco"]]
