"""The demo county's organisation and one account per role (demo seed only).

Modelled on Minhou County (闽侯县), Fuzhou, Fujian, the county the seed
report describes. Units are real in kind and name; people are invented.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from .models import Role, UnitKind, User
from .services import grant_role, upsert_unit

DEMO_PASSWORD = "demo12345"
COUNTY = ("minhou", "闽侯县人民政府", "闽侯县")

# (code, full name, short name). Codes are stable: usernames handler-<code>
# and head-<code>, catalogue imports and tests refer to them.
DEPARTMENTS = [
    ("scjg", "闽侯县市场监督管理局", "县市场监管局"),
    ("wsjk", "闽侯县卫生健康局", "县卫健局"),
    ("zjj", "闽侯县住房和城乡建设局", "县住建局"),
    ("zrzy", "闽侯县自然资源局", "县自然资源局"),
    ("jtys", "闽侯县交通运输局", "县交通运输局"),
    ("sthj", "福州市闽侯生态环境局", "闽侯生态环境局"),
    ("wlj", "闽侯县文化体育和旅游局", "县文体旅局"),
    ("wwj", "闽侯县文物保护中心", "县文物中心"),
    ("gaj", "闽侯县公安局", "县公安局"),
    ("xfj", "闽侯县消防救援大队", "县消防救援大队"),
    ("gdgs", "国网闽侯县供电公司", "县供电公司"),
    ("lyj", "闽侯县林业局", "县林业局"),
    ("slj", "闽侯县水利局", "县水利局"),
    ("nync", "闽侯县农业农村局", "县农业农村局"),
    ("fgj", "闽侯县发展和改革局", "县发改局"),
    ("jyj", "闽侯县教育局", "县教育局"),
    ("cgj", "闽侯县城市管理局", "县城管局"),
    ("rsj", "闽侯县人力资源和社会保障局", "县人社局"),
    ("mzj", "闽侯县民政局", "县民政局"),
    ("swj", "国家税务总局闽侯县税务局", "县税务局"),
    ("ycj", "闽侯县烟草专卖局", "县烟草专卖局"),
]

TOWNSHIPS = [
    ("ganzhe", "甘蔗街道"),
    ("shangjie", "上街镇"),
    ("nanyu", "南屿镇"),
    ("nantong", "南通镇"),
    ("qingkou", "青口镇"),
    ("shanggan", "尚干镇"),
    ("xiangqian", "祥谦镇"),
    ("jingxi", "荆溪镇"),
    ("baisha", "白沙镇"),
    ("zhuqi", "竹岐乡"),
    ("hongwei", "鸿尾乡"),
    ("yangli", "洋里乡"),
    ("dahu", "大湖乡"),
    ("tingping", "廷坪乡"),
    ("xiaoruo", "小箬乡"),
]

PEOPLE = {
    "admin": "系统管理员",
    "clerk": "林晓燕",
    "clerk-township": "陈美玲",
    "applicant": "王建国",
    "applicant2": "福州榕味餐饮管理有限公司",
    "operator": "郑丽娟",
    "officer": "黄志强",
    "leader": "刘副县长",
}


def _user(
    username: str, display_name: str, *, staff: bool = False, superuser: bool = False
) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"display_name": display_name, "is_staff": staff, "is_superuser": superuser},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed() -> list[tuple[str, str]]:
    """Create (or leave as they are) the demo units and accounts; idempotent.

    Returns (username, what they are) for the accounts, to print.
    """
    if not settings.DEMO_SEED_ALLOWED:
        raise RuntimeError("demo seeding is refused when ONETRIP_ENV=production")
    code, name, short = COUNTY
    county = upsert_unit(code=code, name=name, short_name=short, kind=UnitKind.COUNTY)
    centre = upsert_unit(
        code="centre",
        name="闽侯县行政服务中心",
        short_name="县行政服务中心",
        kind=UnitKind.CENTRE,
        parent=county,
        sort_order=1,
    )
    hotline = upsert_unit(
        code="hotline",
        name="闽侯县12345便民服务平台",
        short_name="12345平台",
        kind=UnitKind.HOTLINE,
        parent=county,
        sort_order=2,
    )
    office = upsert_unit(
        code="xnb",
        name="闽侯县机关效能建设领导小组办公室",
        short_name="县效能办",
        kind=UnitKind.OFFICE,
        parent=county,
        sort_order=3,
    )
    departments = {}
    for order, (dept_code, dept_name, dept_short) in enumerate(DEPARTMENTS, start=10):
        departments[dept_code] = upsert_unit(
            code=dept_code,
            name=dept_name,
            short_name=dept_short,
            kind=UnitKind.DEPARTMENT,
            parent=county,
            sort_order=order,
        )
    township_centres = {}
    for order, (town_code, town_name) in enumerate(TOWNSHIPS, start=100):
        town = upsert_unit(
            code=town_code,
            name=f"闽侯县{town_name}",
            short_name=town_name,
            kind=UnitKind.TOWNSHIP,
            parent=county,
            sort_order=order,
        )
        township_centres[town_code] = upsert_unit(
            code=f"centre-{town_code}",
            name=f"{town_name}便民服务中心",
            short_name=f"{town_name}便民服务中心",
            kind=UnitKind.CENTRE,
            parent=town,
            sort_order=order,
        )

    accounts: list[tuple[str, str]] = []

    def person(username: str, unit, role: Role, what: str, **flags) -> None:
        user = _user(username, PEOPLE.get(username, username), **flags)
        if unit is not None:
            grant_role(user=user, unit=unit, role=role)
        accounts.append((username, what))

    person("admin", county, Role.ADMIN, "administrator", staff=True, superuser=True)
    person("clerk", centre, Role.CLERK, f"window clerk, {centre.name}")
    person(
        "clerk-township",
        township_centres["nanyu"],
        Role.CLERK,
        f"window clerk, {township_centres['nanyu'].name}",
    )
    person("applicant", None, Role.APPLICANT, "applicant (citizen)")
    person("applicant2", None, Role.APPLICANT, "applicant (enterprise)")
    person("operator", hotline, Role.OPERATOR, "12345 operator")
    person("officer", office, Role.OFFICER, "efficiency officer")
    person("leader", county, Role.LEADER, "county leader")
    for dept_code, dept in departments.items():
        for role, title in ((Role.HANDLER, "handler"), (Role.HEAD, "head")):
            username = f"{role.value}-{dept_code}"
            user = _user(username, f"{dept.label}{'审批员' if role == Role.HANDLER else '负责人'}")
            grant_role(user=user, unit=dept, role=role)
            accounts.append((username, f"{title}, {dept.name}"))
    return accounts
