"""Hotline test setup: the county personas, the real category tree, fixed times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from onetrip.hotline import services
from onetrip.hotline.demo import seed_categories
from onetrip.hotline.models import Category, Channel
from onetrip.hotline.services import Citizen

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


MONDAY = at(2026, 3, 2, 9, 0)  # an ordinary working week


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tree(county):
    """The real taxonomy; department A leads housing matters, B city management."""
    seed_categories(units={"zjj": county.dept_a, "cgj": county.dept_b})
    return {c.path: c for c in Category.objects.all()}


@pytest.fixture
def property_category(tree) -> Category:
    return tree["城乡建设/住房保障与房地产"]


def register(county, *, kind="complaint", content=None, now=MONDAY, **extra):
    defaults = {
        "citizen": Citizen(name="王建国", phone="13800001234", id_number="350121198001011234"),
        "township": county.township,
        "address": "测试镇幸福小区3号楼",
    }
    defaults.update(extra)
    return services.register_ticket(
        by=county.operator,
        channel=Channel.PHONE,
        kind=kind,
        content=content
        or "幸福小区3号楼电梯一个月坏了四次，物业只是简单重启，请求督促物业彻底维修。",
        now=now,
        **defaults,
    )


def dispatched(county, category, *, now=MONDAY, **extra):
    ticket = register(county, now=now, **extra)
    return services.dispatch_ticket(
        ticket=ticket, by=county.operator, lead_unit=county.dept_a, category=category, now=now
    )


def handling(county, category, *, now=MONDAY, **extra):
    ticket = dispatched(county, category, now=now, **extra)
    services.sign_for(ticket=ticket, by=county.handler_a, now=now.replace(hour=10))
    return services.record_contact(
        ticket=ticket, by=county.handler_a, note="电话联系", now=now.replace(hour=11)
    )


GOOD_REPLY = (
    "您好！甲局于3月3日会同测试镇到幸福小区现场检查，3号楼电梯制动器磨损严重。"
    "已责令物业公司停用该电梯并更换制动器，3月5日经检验合格后恢复运行。"
    "如再出现故障，可拨打0591-22981234反映。"
)
PERFUNCTORY_REPLY = "您好，您反映的问题已收悉，我局高度重视，将加强管理。"


@pytest.fixture(autouse=True)
def _fresh_tables():
    """Each test's rows are rolled back without a signal: no process copy survives a test."""
    from onetrip.hotline import tables

    tables._loaded = None
    yield
    tables._loaded = None
