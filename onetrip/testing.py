"""Shared personas and helpers for tests (never imported by the running app)."""

from __future__ import annotations

from dataclasses import dataclass

from onetrip.accounts.models import OrgUnit, Role, UnitKind, User
from onetrip.accounts.services import grant_role, upsert_unit

PASSWORD = "test-pass-123"


def make_user(
    username: str, *, unit: OrgUnit | None = None, role: Role | None = None, **fields
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    if unit is not None and role is not None:
        grant_role(user=user, unit=unit, role=role)
    return user


@dataclass
class County:
    county: OrgUnit
    centre: OrgUnit
    township: OrgUnit
    township_centre: OrgUnit
    hotline: OrgUnit
    office: OrgUnit
    dept_a: OrgUnit
    dept_b: OrgUnit
    admin: User
    applicant: User
    other_applicant: User
    clerk: User
    township_clerk: User
    handler_a: User
    head_a: User
    handler_b: User
    operator: User
    officer: User
    leader: User


def make_county() -> County:
    """A small county: two departments, a township, and one person per role.

    handler_b is the persona that must see nothing of department A's.
    """
    county = upsert_unit(code="county", name="测试县", kind=UnitKind.COUNTY)
    centre = upsert_unit(
        code="centre", name="测试县行政服务中心", kind=UnitKind.CENTRE, parent=county
    )
    township = upsert_unit(code="town", name="测试镇", kind=UnitKind.TOWNSHIP, parent=county)
    township_centre = upsert_unit(
        code="centre-town", name="测试镇便民服务中心", kind=UnitKind.CENTRE, parent=township
    )
    hotline = upsert_unit(code="hotline", name="12345平台", kind=UnitKind.HOTLINE, parent=county)
    office = upsert_unit(code="xnb", name="县效能办", kind=UnitKind.OFFICE, parent=county)
    dept_a = upsert_unit(code="depta", name="甲局", kind=UnitKind.DEPARTMENT, parent=county)
    dept_b = upsert_unit(code="deptb", name="乙局", kind=UnitKind.DEPARTMENT, parent=county)
    admin = make_user("t-admin", unit=county, role=Role.ADMIN, is_staff=True, is_superuser=True)
    return County(
        county=county,
        centre=centre,
        township=township,
        township_centre=township_centre,
        hotline=hotline,
        office=office,
        dept_a=dept_a,
        dept_b=dept_b,
        admin=admin,
        applicant=make_user("t-applicant", display_name="张三"),
        other_applicant=make_user("t-applicant2", display_name="李四"),
        clerk=make_user("t-clerk", unit=centre, role=Role.CLERK),
        township_clerk=make_user("t-clerk-town", unit=township_centre, role=Role.CLERK),
        handler_a=make_user("t-handler-a", unit=dept_a, role=Role.HANDLER),
        head_a=make_user("t-head-a", unit=dept_a, role=Role.HEAD),
        handler_b=make_user("t-handler-b", unit=dept_b, role=Role.HANDLER),
        operator=make_user("t-operator", unit=hotline, role=Role.OPERATOR),
        officer=make_user("t-officer", unit=office, role=Role.OFFICER),
        leader=make_user("t-leader", unit=county, role=Role.LEADER),
    )
