"""What a registration costs and what it must still do: one query for the token, few
statements for the ticket, its event, its number and what the citizen is told, in one
transaction; the small tables are read once per process and forgotten on a change."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onetrip.accounts.auth import user_for_token
from onetrip.accounts.models import ApiToken, Role, UnitKind
from onetrip.accounts.selectors import scope_of
from onetrip.accounts.services import grant_role, issue_api_token, revoke_role, upsert_unit
from onetrip.audit.models import Event
from onetrip.hotline import services, tables
from onetrip.hotline.models import CitizenMessage, Ticket

pytestmark = pytest.mark.django_db

APPEAL = {
    "kind": "complaint",
    "content": "幸福小区的物业公司只收钱不干活，电梯坏了也不修。",
    "citizen_name": "王建国",
    "citizen_phone": "13800001234",
}


def _statements(context: CaptureQueriesContext) -> list[str]:
    """The statements that do work: not BEGIN, COMMIT, SAVEPOINT or RELEASE."""
    skip = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    return [q["sql"] for q in context.captured_queries if not q["sql"].startswith(skip)]


def test_a_token_is_looked_up_with_its_user_and_scope_in_one_query(county):
    token = issue_api_token(user=county.operator)
    with CaptureQueriesContext(connection) as first:
        user = user_for_token(token)
    assert user == county.operator
    # one query, and the once-a-minute write of last_used_at
    assert len(first) == 2 and "UPDATE" in first.captured_queries[1]["sql"]
    with CaptureQueriesContext(connection) as again:
        user = user_for_token(token)
        scope = scope_of(user)
    assert len(again) == 1  # last_used_at is fresh: no write; the scope is already there
    assert scope.units(Role.OPERATOR) == frozenset({county.hotline.pk})
    assert ApiToken.objects.get().last_used_at is not None


def test_the_scope_read_with_the_token_is_the_scope_of_the_user(county):
    """Sub-units included, as scope_of computes it; a role revoked counts at the next request."""
    sub = upsert_unit(code="sub-a", name="甲局一科", kind=UnitKind.DEPARTMENT, parent=county.dept_a)
    subsub = upsert_unit(code="sub-a-1", name="甲局一科一组", kind=UnitKind.DEPARTMENT, parent=sub)
    grant_role(user=county.handler_a, unit=county.township, role=Role.HEAD)
    token = issue_api_token(user=county.handler_a)
    from_token = scope_of(user_for_token(token))
    county.handler_a._onetrip_scope = None
    assert from_token == scope_of(county.handler_a)
    assert {county.dept_a.pk, sub.pk, subsub.pk} <= from_token.units(Role.HANDLER)
    revoke_role(user=county.handler_a, unit=county.township, role=Role.HEAD)
    assert not scope_of(user_for_token(token)).has_role(Role.HEAD)


def test_last_used_is_written_at_most_once_a_minute(county):
    token = issue_api_token(user=county.operator)
    user_for_token(token)
    stamp = ApiToken.objects.get().last_used_at
    user_for_token(token)
    assert ApiToken.objects.get().last_used_at == stamp
    ApiToken.objects.update(last_used_at=timezone.now() - timezone.timedelta(minutes=2))
    user_for_token(token)
    assert ApiToken.objects.get().last_used_at > stamp


def test_an_api_registration_is_a_handful_of_statements_and_keeps_every_rule(county):
    token = issue_api_token(user=county.operator)
    client = Client()
    with CaptureQueriesContext(connection) as context:
        response = client.post(
            "/api/hotline/tickets",
            APPEAL,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(number=response.json()["number"])
    # the hotline of the operator, the number from the key, the event, the citizen told
    assert ticket.hotline == county.hotline and ticket.registered_by == county.operator
    assert ticket.number.endswith(f"{ticket.pk:06d}") and len(ticket.number) == 14
    event = Event.objects.get(object_type="hotline.ticket", object_id=str(ticket.pk))
    assert event.action == "ticket.registered" and event.payload["number"] == ticket.number
    told = CitizenMessage.objects.get(ticket=ticket).text
    assert ticket.number in told and ticket.query_code in told
    if connection.vendor == "postgresql":
        # the token, the once-a-minute last_used_at, and one statement for the ticket,
        # its number, message and event, outside any BEGIN/COMMIT of its own
        statements = [q["sql"] for q in context.captured_queries]
        assert len(statements) == 3, statements
        from onetrip.audit.verify import verify

        assert verify().ok  # the event hashed by the database checks like any other
    else:
        assert len(_statements(context)) <= 8, _statements(context)


def test_no_hotline_unit_is_a_conflict_and_nothing_is_written(county):
    from onetrip.accounts.models import OrgUnit
    from onetrip.errors import Conflict

    OrgUnit.objects.filter(kind=UnitKind.HOTLINE).update(kind=UnitKind.OFFICE)
    county.operator._onetrip_scope = None
    with pytest.raises(Conflict):
        services.register_ticket(
            by=None,
            channel="web",
            kind="complaint",
            content="路灯不亮已经半个月了",
            citizen=services.Citizen(name="王", phone="13800001234"),
        )
    assert not Ticket.objects.exists() and not CitizenMessage.objects.exists()


def test_an_anonymous_appeal_tells_no_one(county):
    ticket = services.register_ticket(
        by=county.operator,
        channel="phone",
        kind="complaint",
        content="路灯不亮已经半个月了",
        citizen=services.Citizen(anonymous=True),
    )
    assert ticket.number and not CitizenMessage.objects.filter(ticket=ticket).exists()


def test_a_category_or_township_change_is_seen_at_once(county, tree):
    category = tree["环境保护/环境污染"]
    assert tables.open311_service(category.code) == category
    assert tables.township("town") == county.township
    services.upsert_category(path=category.path, code=category.code, is_active=False)
    assert tables.open311_service(category.code) is None
    upsert_unit(code="newtown", name="新镇", kind=UnitKind.TOWNSHIP, parent=county.county)
    assert tables.township("newtown") is not None


def test_another_process_sees_a_change_by_the_stamp(county, tree):
    category = tree["环境保护/环境污染"]
    assert tables.open311_service(category.code) is not None
    # A bulk update sends no signal; another process touching the stamp is what tells us.
    type(category).objects.filter(pk=category.pk).update(is_active=False)
    assert tables.open311_service(category.code) is not None  # our copy, not yet told
    loaded = tables._loaded
    tables.changed()
    assert tables._loaded is None and loaded is not None
    assert tables.open311_service(category.code) is None
