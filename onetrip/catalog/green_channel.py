"""Green-channel rules: which route an application takes, decided at intake. Pure Python.

An item declares the fields its application form asks for and an ordered
list of rules; the first rule whose conditions all hold decides the route,
and an application no rule matches takes the normal route.

    application_fields:
      - {name: length_m, label: 线路长度, type: number, unit: 米, required: true}
      - {name: digging, label: 是否开挖道路, type: boolean, required: true}
      - {name: dig_area_m2, label: 开挖面积, type: number, unit: 平方米}
    green_channel_rules:
      - outcome: zero_day
        label: 200米及以下且不开挖道路：免于审批，即时办结
        when:
          - {field: length_m, op: lte, value: 200}
          - {field: digging, op: eq, value: false}
      - ...

Operators: eq, ne, lt, lte, gt, gte, between (inclusive [low, high]), in.
A condition on a field the application leaves empty does not hold.
Outcomes, from most to least generous:
  zero_day   approved at intake, no review ("零天审批")
  commitment approved at intake on the applicant's written commitment, checked afterwards
  filing     recorded, not reviewed (备案)
  normal     reviewed within the item's committed limit
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

OUTCOMES = ("zero_day", "commitment", "filing", "normal")
DEFAULT_OUTCOME = "normal"
OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "in")
FIELD_TYPES = ("number", "boolean", "text", "choice")


@dataclass(frozen=True)
class Decision:
    outcome: str
    rule: int | None  # index of the matching rule, None for the default
    label: str = ""

    @property
    def at_intake(self) -> bool:
        """Decided at the window, without a review (zero-day or on commitment)."""
        return self.outcome in ("zero_day", "commitment")


class ApplicationError(ValueError):
    """The application's values do not fit the item's fields.

    `errors` maps each bad field to a code: required, not_a_number,
    not_yes_or_no, not_a_choice (the caller words them for its user).
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _holds(condition: Mapping[str, Any], application: Mapping[str, Any]) -> bool:
    actual = application.get(condition["field"])
    if actual is None or actual == "":
        return False
    op, expected = condition["op"], condition.get("value")
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "in":
        return actual in expected
    if not _is_number(actual):
        return False
    if op == "between":
        low, high = expected
        return low <= actual <= high
    return {
        "lt": actual < expected, "lte": actual <= expected,
        "gt": actual > expected, "gte": actual >= expected,
    }[op]


def evaluate(rules: Sequence[Mapping[str, Any]], application: Mapping[str, Any]) -> Decision:
    """The route for an application: the first rule whose conditions all hold.

    `application` maps field names to values (numbers, booleans, text), as
    cleaned by `clean_application`. Rules are assumed valid (`rule_errors`).
    """
    for index, rule in enumerate(rules):
        if all(_holds(cond, application) for cond in rule.get("when", ())):
            return Decision(rule["outcome"], index, rule.get("label", ""))
    return Decision(DEFAULT_OUTCOME, None, "")


def clean_application(
    fields: Sequence[Mapping[str, Any]], raw: Mapping[str, Any]
) -> dict[str, Any]:
    """Turn submitted values (strings from a form, or JSON values) into typed values.

    Raises ApplicationError naming every field that is missing or malformed.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in fields:
        name, kind = spec["name"], spec.get("type", "text")
        value = raw.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if spec.get("required"):
                errors[name] = "required"
            continue
        if kind == "number":
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    errors[name] = "not_a_number"
                    continue
            if not _is_number(value) or value < 0:
                errors[name] = "not_a_number"
                continue
            if float(value).is_integer():
                value = int(value)
        elif kind == "boolean":
            if isinstance(value, str):
                lowered = value.lower()
                if lowered in ("true", "1", "yes", "on", "是"):
                    value = True
                elif lowered in ("false", "0", "no", "off", "否"):
                    value = False
            if not isinstance(value, bool):
                errors[name] = "not_yes_or_no"
                continue
        elif kind == "choice":
            if value not in spec.get("choices", ()):
                errors[name] = "not_a_choice"
                continue
        else:
            value = str(value)
        cleaned[name] = value
    if errors:
        raise ApplicationError(errors)
    return cleaned


def decide(
    fields: Sequence[Mapping[str, Any]],
    rules: Sequence[Mapping[str, Any]],
    raw: Mapping[str, Any],
) -> Decision:
    """clean_application then evaluate: what the approvals app calls at intake."""
    return evaluate(rules, clean_application(fields, raw))


# The declaration checks below answer in Chinese: they are read by the
# county's catalogue administrators, in the import report and the admin.


def field_errors(fields: Any) -> list[str]:
    """What is wrong with an item's application-field declarations (empty if nothing)."""
    if not isinstance(fields, list):
        return ["申请字段必须是列表"]
    errors: list[str] = []
    seen: set[str] = set()
    for i, spec in enumerate(fields, start=1):
        if not isinstance(spec, dict):
            errors.append(f"第{i}个字段：必须是键值对象")
            continue
        name = spec.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            errors.append(f"第{i}个字段：name 必须是英文标识符")
        elif name in seen:
            errors.append(f"第{i}个字段：name {name} 重复")
        else:
            seen.add(name)
        if spec.get("type", "text") not in FIELD_TYPES:
            errors.append(f"第{i}个字段：type 只能是 {'、'.join(FIELD_TYPES)}")
        if spec.get("type") == "choice" and not isinstance(spec.get("choices"), list):
            errors.append(f"第{i}个字段：选择字段需要 choices 列表")
        unknown = set(spec) - {"name", "label", "type", "unit", "required", "choices", "help"}
        if unknown:
            errors.append(f"第{i}个字段：未知的键 {'、'.join(sorted(unknown))}")
    return errors


def rule_errors(rules: Any, fields: Any) -> list[str]:
    """What is wrong with an item's rules, given its fields (empty if nothing)."""
    if not isinstance(rules, list):
        return ["绿色通道规则必须是列表"]
    types = {}
    if isinstance(fields, list):
        types = {f.get("name"): f.get("type", "text") for f in fields if isinstance(f, dict)}
    errors: list[str] = []
    for i, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            errors.append(f"第{i}条规则：必须是键值对象")
            continue
        if rule.get("outcome") not in OUTCOMES:
            errors.append(f"第{i}条规则：outcome 只能是 {'、'.join(OUTCOMES)}")
        unknown = set(rule) - {"outcome", "label", "when"}
        if unknown:
            errors.append(f"第{i}条规则：未知的键 {'、'.join(sorted(unknown))}")
        when = rule.get("when")
        if not isinstance(when, list) or not when:
            errors.append(f"第{i}条规则：when 下至少要有一个条件")
            continue
        for j, cond in enumerate(when, start=1):
            where = f"第{i}条规则第{j}个条件"
            if not isinstance(cond, dict):
                errors.append(f"{where}：必须是键值对象")
                continue
            name, op, value = cond.get("field"), cond.get("op"), cond.get("value")
            if name not in types:
                errors.append(f"{where}：字段 {name} 不在申请字段中")
            if op not in OPERATORS:
                errors.append(f"{where}：op 只能是 {'、'.join(OPERATORS)}")
            elif op == "between":
                if not (isinstance(value, list) and len(value) == 2
                        and all(_is_number(v) for v in value) and value[0] <= value[1]):
                    errors.append(f"{where}：between 需要 [下限, 上限] 两个数字")
            elif op == "in":
                if not isinstance(value, list):
                    errors.append(f"{where}：in 需要一个列表")
            elif op in ("lt", "lte", "gt", "gte"):
                if not _is_number(value):
                    errors.append(f"{where}：{op} 需要一个数字")
                elif types.get(name) not in (None, "number"):
                    errors.append(f"{where}：{op} 只能比较数字，而 {name} 是 {types[name]} 类型")
    return errors


def describe_condition(cond: Mapping[str, Any], fields: Sequence[Mapping[str, Any]]) -> str:
    """A condition in plain words, for the public guide: "线路长度 ≤ 200 米"."""
    spec = next((f for f in fields if f.get("name") == cond["field"]), {})
    label = spec.get("label") or cond["field"]
    unit = spec.get("unit", "")
    value = cond.get("value")
    if spec.get("type") == "boolean" and cond["op"] in ("eq", "ne"):
        truth = bool(value) if cond["op"] == "eq" else not bool(value)
        return f"{label}：{'是' if truth else '否'}"
    symbols = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}
    if cond["op"] == "between":
        return f"{value[0]} ≤ {label} ≤ {value[1]} {unit}".strip()
    if cond["op"] == "in":
        return f"{label} ∈ {'、'.join(str(v) for v in value)}"
    return f"{label} {symbols[cond['op']]} {value} {unit}".strip()
