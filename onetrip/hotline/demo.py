"""The demo county's hotline: categories, knowledge base, handlers, past and open tickets.

Idempotent: categories and accounts are brought up to date; tickets are made
only when there are none. Past tickets are drawn from the synthetic corpus
(corpus/appeals.jsonl.gz) and go through the real services with past times,
so their timelines, clocks and indicators are what the running system makes.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onetrip.accounts.models import OrgUnit, Role, UnitKind, User
from onetrip.accounts.services import grant_role, upsert_unit

from . import dispatch, services
from .corpus.generate import load as load_corpus
from .models import Category, Channel, KnowledgeEntry, ServiceAttribute, Ticket
from .services import Citizen
from .taxonomy import TAXONOMY, TOWNSHIP, service_code

EXTRA_UNITS = [("yjj", "闽侯县应急管理局", "县应急管理局")]

KNOWLEDGE = [
    (
        "公积金怎么提取",
        "购买、建造自住住房，租房，退休等情形可提取住房公积金。可登录福州住房公积金中心网上服务大厅或闽政通APP办理，也可到县行政服务中心公积金窗口办理，一般3个工作日内到账。",
        "公积金 提取 首付 租房",
    ),  # noqa: E501
    (
        "新生儿怎么参加城乡居民医保",
        "新生儿出生后3个月内参保缴费的，自出生之日起享受待遇。监护人可携带户口簿或出生医学证明到户籍所在地便民服务中心办理，也可在闽政通APP线上办理。",
        "新生儿 居民医保 参保 出生",
    ),  # noqa: E501
    (
        "社保卡丢了怎么补办",
        "请先拨打12333挂失，再携带身份证到县内社保卡服务网点补办；挂失后可在闽政通或微信申领电子社保卡就医结算。",
        "社保卡 丢失 补办 挂失",
    ),  # noqa: E501
    (
        "居住证怎么办理",
        "在闽侯居住满半年并有合法稳定就业、住所或连续就读的，可携带身份证、居住登记凭证到居住地派出所申领，15个工作日内制证。",
        "居住证 办理 派出所",
    ),  # noqa: E501
    (
        "育儿补贴怎么申请",
        "3周岁以下婴幼儿每孩每年可领取育儿补贴3600元，父母一方可通过闽政通APP或到户籍所在地便民服务中心申请，需提供出生医学证明和户口簿。",
        "育儿补贴 二孩 生育 申请",
    ),  # noqa: E501
    (
        "最低工资标准是多少",
        "闽侯县执行月最低工资标准2030元、小时最低工资标准21.5元。用人单位低于该标准支付工资的，可拨打12333举报。",
        "最低工资 标准 工资",
    ),  # noqa: E501
    (
        "不动产转移登记要带什么",
        "二手房转移登记须买卖双方携带身份证、不动产权证书、网签合同和完税凭证到县不动产登记中心一窗受理，一般3个工作日内办结。",
        "二手房 不动产 转移登记 过户",
    ),  # noqa: E501
    (
        "老年人乘公交免费吗",
        "年满65周岁的老年人可免费乘坐县内公交车，携带身份证和一寸照片到县公交公司服务大厅办理老年人乘车卡，当场可取。",
        "老年人 公交 免费 乘车卡",
    ),  # noqa: E501
]

NOISE_ATTRIBUTES = [
    {
        "code": "source",
        "datatype": ServiceAttribute.Datatype.SINGLE,
        "required": False,
        "description": "污染来源",
        "values": [
            {"key": "construction", "name": "施工"},
            {"key": "industry", "name": "工厂"},
            {"key": "catering", "name": "餐饮"},
            {"key": "livestock", "name": "养殖"},
        ],
    },
    {
        "code": "time_of_day",
        "datatype": ServiceAttribute.Datatype.MULTI,
        "required": False,
        "description": "发生时段",
        "values": [
            {"key": "day", "name": "白天"},
            {"key": "evening", "name": "傍晚"},
            {"key": "night", "name": "夜间"},
        ],
    },
]


def seed_categories(units: dict[str, OrgUnit] | None = None) -> int:
    """The seven first-level classes and their second-level classes, with the catalogue."""
    units = units if units is not None else {u.code: u for u in OrgUnit.objects.all()}
    count = 0
    for top_index, (top, children) in enumerate(TAXONOMY, start=1):
        services.upsert_category(path=top, code=service_code(top_index), sort_order=top_index * 100)
        count += 1
        for leaf_index, leaf in enumerate(children, start=1):
            services.upsert_category(
                path=f"{top}/{leaf.name}",
                code=service_code(top_index, leaf_index),
                default_unit=None if leaf.unit in ("", TOWNSHIP) else units.get(leaf.unit),
                local=leaf.unit == TOWNSHIP,
                keywords=leaf.keywords,
                sort_order=top_index * 100 + leaf_index,
            )
            count += 1
    pollution = Category.objects.filter(path="环境保护/环境污染").first()
    if pollution is not None:
        for order, spec in enumerate(NOISE_ATTRIBUTES, start=1):
            ServiceAttribute.objects.update_or_create(
                category=pollution, code=spec["code"], defaults={**spec, "order": order}
            )
    return count


def _user(username: str, name: str) -> User:
    from onetrip.accounts.demo import DEMO_PASSWORD

    user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


REPLY_OPENINGS = [
    "您好，接到您的诉求后，{unit}于{date}派员到现场核实，",
    "您好！{unit}已于{date}会同属地对您反映的情况进行了核查，",
    "您好，关于您反映的情况，{unit}于{date}进行了调查处理，",
]
REPLY_RESULTS = [
    "已责令相关责任方于{due}前整改到位，{due2}复查时问题已解决。",
    "问题已处理完毕，并建立了日常巡查制度。",
    "已依法处理并跟踪落实，目前情况已恢复正常。",
]
REPLY_CONTACTS = [
    "如仍有问题，可拨打{phone}联系。",
    "联系人：{person}，电话{phone}。",
    "感谢您的监督。",
]


def _reply_text(rng: random.Random, ticket: Ticket, at: datetime) -> str:
    unit = ticket.lead_unit.short_name or ticket.lead_unit.name
    return (
        rng.choice(REPLY_OPENINGS).format(unit=unit, date=f"{at:%m月%d日}")
        + f"针对“{ticket.title}”一事，"
        + rng.choice(REPLY_RESULTS).format(
            due=f"{at + timedelta(days=5):%m月%d日}", due2=f"{at + timedelta(days=6):%m月%d日}"
        )
        + rng.choice(REPLY_CONTACTS).format(
            phone=f"0591-22{rng.randint(100000, 999999)}", person=rng.choice("陈林黄郑王") + "工"
        )
    )


NAMES = "陈林黄郑王刘张吴李杨"
GIVEN = ["建国", "秀英", "志强", "丽华", "明", "芳", "伟", "丽娟", "海燕", "国平", "美玲", "金水"]


def _citizen(rng: random.Random) -> Citizen:
    return Citizen(
        name=rng.choice(NAMES) + rng.choice(GIVEN),
        phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
    )


def seed_tickets(*, operator: User, history: int = 240, now: datetime | None = None) -> int:
    """Closed past tickets from the corpus, then a few open ones in every state."""
    now = now or timezone.now()
    rng = random.Random(2026)
    rows = [r for r in load_corpus() if r["split"] == "train"]
    rng.shuffle(rows)
    categories = {c.path: c for c in Category.objects.all()}
    units = {u.code: u for u in OrgUnit.objects.all()}
    handlers: dict[str, User] = {}

    def handler_of(unit: OrgUnit) -> User:
        if unit.code not in handlers:
            handlers[unit.code] = User.objects.get(username=f"handler-{unit.code}")
        return handlers[unit.code]

    def register(row: dict, at: datetime, *, kind: str = "complaint") -> Ticket:
        return services.register_ticket(
            by=operator,
            channel=Channel.PHONE,
            kind=kind,
            content=row["text"],
            citizen=_citizen(rng),
            township=units.get(row["township"]),
            suggestion=(row["category"], row["unit"]),
            now=at,
        )

    made = 0
    for row in rows[:history]:
        at = now - timedelta(days=rng.randint(8, 120), hours=rng.randint(0, 8))
        at = at.replace(hour=9 + rng.randint(0, 6), minute=rng.randint(0, 59))
        unit = units.get(row["unit"])
        if unit is None or row["category"] not in categories:
            continue
        kind = rng.choice(["complaint", "complaint", "help", "suggestion", "consultation"])
        ticket = register(row, at, kind=kind)
        services.dispatch_ticket(
            ticket=ticket, by=operator, lead_unit=unit, category=categories[row["category"]], now=at
        )
        handler = handler_of(unit)
        step = at + timedelta(hours=1)
        services.sign_for(ticket=ticket, by=handler, now=step)
        services.record_contact(
            ticket=ticket, by=handler, note="电话联系诉求人", now=step + timedelta(hours=2)
        )
        ticket.refresh_from_db()
        replied = step + timedelta(days=rng.randint(1, 4))
        reply = services.submit_reply(
            ticket=ticket, by=handler, text=_reply_text(rng, ticket, replied), now=replied
        )
        services.review_reply(
            reply=reply,
            by=operator,
            accept=True,
            flag_decisions={f.pk: False for f in reply.flags.all()},
            now=replied + timedelta(hours=3),
        )
        services.record_follow_up(
            ticket=ticket,
            by=operator,
            reached=True,
            solved=True,
            satisfaction=rng.choice(["very_satisfied", "satisfied", "satisfied", "basically"]),
            now=replied + timedelta(days=1),
        )
        made += 1

    # Open tickets for the demo: one cluster (a hot issue) and one in each state.
    noise = [r for r in rows[history:] if r["category"] == "环境保护/环境污染"][:1]
    cluster_text = [
        "南屿镇旗山湖小区旁边的工地每天晚上十一点后还在施工打桩，噪音太大，居民无法休息。",
        "旗山湖小区东侧工地夜间施工，噪声扰民严重，孩子晚上根本睡不着，请尽快处理。",
        "反映南屿镇旗山湖小区附近工地半夜施工噪音问题，已经持续一个星期了。",
        "南屿旗山湖小区楼下工地晚上打桩，噪音震得窗户都响，请环保部门来查。",
    ]
    pollution = categories.get("环境保护/环境污染")
    for i, text in enumerate(cluster_text):
        at = now - timedelta(days=6 - i, hours=3)
        ticket = services.register_ticket(
            by=operator,
            channel=Channel.PHONE,
            kind="complaint",
            content=text,
            citizen=_citizen(rng),
            township=units.get("nanyu"),
            address="南屿镇旗山湖小区",
            category=pollution,
            now=at,
        )
        if i == 0 and pollution is not None:
            services.dispatch_ticket(
                ticket=ticket,
                by=operator,
                lead_unit=units["sthj"],
                category=pollution,
                now=at + timedelta(minutes=20),
            )
        made += 1
    for row in noise:
        register(row, now - timedelta(hours=2))
        made += 1
    # One ticket waiting for the unit to sign for, one being handled, one to review.
    picks = rows[history + 5 : history + 8]
    for index, row in enumerate(picks):
        unit = units.get(row["unit"])
        if unit is None:
            continue
        at = now - timedelta(days=2 - index, hours=1)
        ticket = register(row, at)
        services.dispatch_ticket(
            ticket=ticket, by=operator, lead_unit=unit, category=categories[row["category"]], now=at
        )
        made += 1
        if index >= 1:
            handler = handler_of(unit)
            services.sign_for(ticket=ticket, by=handler, now=at + timedelta(hours=1))
            services.record_contact(ticket=ticket, by=handler, now=at + timedelta(hours=2))
        if index == 2:
            services.submit_reply(
                ticket=ticket,
                by=handler_of(unit),
                now=at + timedelta(hours=4),
                text="您好，您反映的问题已收悉，我局高度重视，将加强管理。",
            )
    return made


def seed() -> None:
    if not settings.DEMO_SEED_ALLOWED:
        raise RuntimeError("demo seeding is refused when ONETRIP_ENV=production")
    county = OrgUnit.objects.filter(kind=UnitKind.COUNTY).order_by("id").first()
    with transaction.atomic():
        for order, (code, name, short) in enumerate(EXTRA_UNITS, start=60):
            unit = upsert_unit(
                code=code,
                name=name,
                short_name=short,
                kind=UnitKind.DEPARTMENT,
                parent=county,
                sort_order=order,
            )
            for role, title in ((Role.HANDLER, "办理员"), (Role.HEAD, "负责人")):
                grant_role(
                    user=_user(f"{role.value}-{code}", f"{short}{title}"), unit=unit, role=role
                )
        for town in OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP):
            grant_role(
                user=_user(f"handler-{town.code}", f"{town.label}办理员"),
                unit=town,
                role=Role.HANDLER,
            )
        seed_categories()
        for question, answer, keywords in KNOWLEDGE:
            KnowledgeEntry.objects.update_or_create(
                question=question, defaults={"answer": answer, "keywords": keywords}
            )
    operator = User.objects.filter(username="operator").first()
    if operator is not None and not Ticket.objects.exists():
        seed_tickets(operator=operator)
    if dispatch.load_model() is None:
        texts, labels = dispatch.training_set()
        dispatch.save_model(
            dispatch.train(texts, labels), trained_on=len(texts), source="history+corpus"
        )
