"""Builders for approvals tests (and benches): a small catalogue over the test county.

`make_world(county)` adds a third department (丙局) with its people, three
items of three departments sharing materials, a package of them, the demo's
low-voltage road-occupation green-channel item, and a package whose items
wait for one another. Items are saved through `catalog.services`, like any
catalogue change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.accounts.models import OrgUnit, Role, UnitKind, User
from onetrip.accounts.services import upsert_unit
from onetrip.catalog import services as catalog
from onetrip.catalog.models import Package, ServiceItem
from onetrip.testing import County, make_user

SH = ZoneInfo("Asia/Shanghai")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64

GREEN_FIELDS = [
    {"name": "length_m", "label": "线路长度", "type": "number", "unit": "米", "required": True},
    {"name": "digging", "label": "是否开挖道路或占用绿地", "type": "boolean", "required": True},
    {"name": "dig_area_m2", "label": "开挖（占用）面积", "type": "number", "unit": "平方米"},
]
GREEN_RULES = [
    {"outcome": "zero_day", "label": "200米及以下且不开挖：免于审批",
     "when": [{"field": "length_m", "op": "lte", "value": 200},
              {"field": "digging", "op": "eq", "value": False}]},
    {"outcome": "commitment", "label": "200米及以下、开挖15平方米及以下：告知承诺",
     "when": [{"field": "length_m", "op": "lte", "value": 200},
              {"field": "digging", "op": "eq", "value": True},
              {"field": "dig_area_m2", "op": "lte", "value": 15}]},
    {"outcome": "filing", "label": "200米以上、500米及以下：备案",
     "when": [{"field": "length_m", "op": "gt", "value": 200},
              {"field": "length_m", "op": "lte", "value": 500}]},
]


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SH)


def pdf(name: str = "material.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def material(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, **extra}


def item_record(code: str, department: str, **fields: Any) -> dict[str, Any]:
    record = {
        "code": code, "name": f"测试事项{code}", "kind": "licensing", "department": department,
        "legal_limit": 20, "committed_limit": 5, "trips_required": 0, "online_depth": "full",
        "result_name": "", "delivery_methods": ["electronic", "post", "window"],
        "materials": [material("申请书")],
    }
    record.update(fields)
    return record


@dataclass
class World:
    county: County
    dept_c: OrgUnit
    handler_a2: User
    head_b: User
    handler_c: User
    head_c: User
    item_a: ServiceItem
    item_b: ServiceItem
    item_c: ServiceItem
    green: ServiceItem
    commitment_item: ServiceItem
    package: Package
    chain: Package  # B waits for A, C waits for B

    def __getattr__(self, name: str) -> Any:  # county personas: world.clerk, world.handler_a
        return getattr(self.county, name)


def make_world(county: County) -> World:
    dept_c = upsert_unit(code="deptc", name="丙局", kind=UnitKind.DEPARTMENT, parent=county.county)
    handler_a2 = make_user("t-handler-a2", unit=county.dept_a, role=Role.HANDLER)
    head_b = make_user("t-head-b", unit=county.dept_b, role=Role.HEAD)
    handler_c = make_user("t-handler-c", unit=dept_c, role=Role.HANDLER)
    head_c = make_user("t-head-c", unit=dept_c, role=Role.HEAD)
    shared = [material("申请人身份证明", key="applicant-id", form="copy"),
              material("经营场所使用证明", key="premises", form="copy")]
    item_a = catalog.save_item(record=item_record(
        "T-A", "depta", name="甲许可", committed_limit=5, legal_limit=20, result_name="甲许可证",
        special_procedures=["expert_review", "hearing"],
        materials=[material("甲申请书"), *shared],
    )).obj
    item_b = catalog.save_item(record=item_record(
        "T-B", "deptb", name="乙许可", committed_limit=3, legal_limit=20, result_name="乙许可证",
        materials=[material("乙申请书"), shared[0],
                   material("消防说明", requirement="conditional", condition="面积较大的")],
    )).obj
    item_c = catalog.save_item(record=item_record(
        "T-C", "deptc", name="丙许可", committed_limit=4, legal_limit=20, result_name="丙许可证",
        materials=[material("丙申请书"), *shared, material("甲许可证", form="copy",
                                                             source="case")],
    )).obj
    green = catalog.save_item(record=item_record(
        "T-GREEN", "depta", name="低压电力接入工程占用、挖掘城市道路审批", committed_limit=3,
        legal_limit=20, result_name="占道挖掘许可", approval_on_commitment=True,
        application_fields=GREEN_FIELDS, green_channel_rules=GREEN_RULES,
        delivery_methods=["electronic"],
        materials=[material("电力接入工程占用挖掘道路申请表"), material("接入线路路径图")],
    )).obj
    commitment_item = catalog.save_item(record=item_record(
        "T-PROMISE", "deptb", name="乙告知承诺事项", committed_limit=5, legal_limit=20,
        result_name="乙备案证明", approval_on_commitment=True,
        materials=[material("告知承诺书")],
    )).obj
    package = catalog.save_package(record={
        "code": "pkg-abc", "name": "开办测试店一件事", "lead_department": "depta",
        "committed_limit": 6, "items": ["T-A", "T-B", "T-C"], "dependencies": [],
    }).obj
    chain = catalog.save_package(record={
        "code": "pkg-chain", "name": "串联测试一件事", "lead_department": "depta",
        "committed_limit": 10, "items": ["T-A", "T-B", "T-C"],
        "dependencies": [{"item": "T-B", "requires": "T-A"}, {"item": "T-C", "requires": "T-B"}],
    }).obj
    return World(county, dept_c, handler_a2, head_b, handler_c, head_c, item_a, item_b, item_c,
                 green, commitment_item, package, chain)


def abc_uploads() -> dict[str, SimpleUploadedFile]:
    """A complete upload set for the package pkg-abc (every required material once)."""
    from onetrip.catalog.figures import material_key

    names = ["甲申请书", "乙申请书", "丙申请书"]
    uploads = {material_key(n): pdf(f"{n}.pdf") for n in names}
    uploads["applicant-id"] = pdf("id.pdf")
    uploads["premises"] = pdf("premises.pdf")
    return uploads


def single_uploads(item: ServiceItem) -> dict[str, SimpleUploadedFile]:
    return {m.key: pdf(f"{m.key}.pdf") for m in item.materials.all()
            if m.requirement == "required" and m.source != "case"}


def stream(content: bytes) -> io.BytesIO:
    return io.BytesIO(content)


# --- invariants shared by tests -------------------------------------------------------------

def clocks_from_events(case) -> dict[int, Any]:
    """Rebuild every clock of `case` from the clock events on its audit chain (pure clocks)."""
    from django.utils.dateparse import parse_datetime

    from onetrip.audit.selectors import events_for
    from onetrip.workdays import clocks as pure
    from onetrip.workdays.services import current_calendar

    state: dict[int, dict[str, Any]] = {}
    for event in events_for(case):
        p = event.payload
        if not event.action.startswith("clock."):
            continue
        clock_id = p["clock"]
        if event.action == "clock.started":
            state[clock_id] = {"start": parse_datetime(p["start"]), "limit": p["limit"],
                               "legal": p["legal_limit"], "pauses": [], "ext": [],
                               "done": None}
        elif event.action == "clock.paused":
            state[clock_id]["pauses"].append([parse_datetime(p["at"]), None])
        elif event.action == "clock.resumed":
            state[clock_id]["pauses"][-1][1] = parse_datetime(p["at"])
        elif event.action == "clock.extended":
            state[clock_id]["ext"].append(p["amount"])
        elif event.action == "clock.stopped":
            done = parse_datetime(p["at"])
            if state[clock_id]["pauses"] and state[clock_id]["pauses"][-1][1] is None:
                state[clock_id]["pauses"][-1][1] = done
            state[clock_id]["done"] = done
    calendar = current_calendar()
    return {
        clock_id: pure.Clock(
            calendar=calendar, start=s["start"], limit=pure.Limit(int(s["limit"])),
            legal_limit=pure.Limit(int(s["legal"])) if s["legal"] is not None else None,
            pauses=tuple(pure.Pause("x", a, b) for a, b in s["pauses"]),
            extensions=tuple(pure.Extension(int(x), "x") for x in s["ext"]),
            done_at=s["done"],
        )
        for clock_id, s in state.items()
    }


def assert_clocks_match_events(case) -> None:
    """Every stored deadline equals its recomputation from the case's events."""
    from onetrip.monitoring.models import Clock

    rebuilt = clocks_from_events(case)
    stored = {c.pk: c for c in Clock.objects.filter(subject_type="approvals.case",
                                                    subject_id=str(case.pk))}
    assert set(rebuilt) == set(stored)
    for pk, clock in stored.items():
        model = rebuilt[pk]
        deadline, legal = model.deadline(), model.legal_deadline()
        assert clock.deadline_at == (deadline.at if deadline else None), clock
        assert clock.legal_deadline_at == (legal.at if legal else None), clock
