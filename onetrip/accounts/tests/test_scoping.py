"""The one selector every app scopes its queries through."""

import pytest

from onetrip.accounts.models import Membership, OrgUnit, Role, UnitKind
from onetrip.accounts.selectors import scope_of, units_of, visible_to
from onetrip.accounts.services import grant_role, revoke_role, upsert_unit
from onetrip.audit.models import Event

pytestmark = pytest.mark.django_db


def memberships_visible_to(user):
    return set(
        visible_to(
            Membership.objects.all(), user, unit_field="unit", owner_field="user"
        ).values_list("user__username", flat=True)
    )


def test_a_handler_of_department_b_sees_nothing_of_department_as(county):
    seen = memberships_visible_to(county.handler_b)
    assert "t-handler-a" not in seen and "t-head-a" not in seen
    assert seen == {"t-handler-b"}


def test_a_handler_sees_their_own_department(county):
    assert memberships_visible_to(county.handler_a) == {"t-handler-a", "t-head-a"}


def test_an_applicant_sees_only_their_own_rows(county):
    grant_role(user=county.applicant, unit=county.county, role=Role.APPLICANT)
    rows = visible_to(Membership.objects.all(), county.applicant, owner_field="user")
    assert {m.user_id for m in rows} == {county.applicant.pk}
    assert not visible_to(
        Membership.objects.all(), county.other_applicant, owner_field="user"
    ).exists()


@pytest.mark.parametrize("persona", ["officer", "leader", "admin"])
def test_county_wide_roles_see_everything(county, persona):
    assert visible_to(
        Membership.objects.all(), getattr(county, persona), unit_field="unit"
    ).count() == (Membership.objects.count())


def test_a_staff_role_in_a_township_covers_its_centre(county):
    user = county.township_clerk
    scope = scope_of(user)
    assert county.township_centre.pk in scope.units(Role.CLERK)
    assert county.centre.pk not in scope.units(Role.CLERK)


def test_a_parent_unit_role_covers_sub_units(county):
    sub = upsert_unit(
        code="depta-1", name="甲局审批科", kind=UnitKind.DEPARTMENT, parent=county.dept_a
    )
    assert sub.pk in scope_of(county.handler_a).units(Role.HANDLER)


def test_anonymous_and_inactive_users_see_nothing(county):
    assert not visible_to(OrgUnit.objects.all(), None, unit_field="pk").exists()
    county.handler_a.is_active = False
    county.handler_a.save()
    county.handler_a._onetrip_scope = None
    assert not visible_to(OrgUnit.objects.all(), county.handler_a, unit_field="pk").exists()


def test_unit_roles_narrow_what_grants_sight(county):
    visible = visible_to(
        OrgUnit.objects.all(), county.head_a, unit_field="pk", unit_roles=(Role.HANDLER,)
    )
    assert not visible.exists()
    assert list(units_of(county.head_a, Role.HEAD)) == [county.dept_a]


def test_granting_and_revoking_roles_write_audit_events(county):
    before = Event.objects.filter(action__startswith="accounts.role_").count()
    grant_role(user=county.applicant, unit=county.dept_a, role=Role.HANDLER)
    grant_role(user=county.applicant, unit=county.dept_a, role=Role.HANDLER)  # no change, no event
    revoke_role(user=county.applicant, unit=county.dept_a, role=Role.HANDLER)
    actions = list(
        Event.objects.filter(action__startswith="accounts.role_")
        .order_by("id")
        .values_list("action", flat=True)
    )[before:]
    assert actions == ["accounts.role_granted", "accounts.role_revoked"]


def test_scope_is_computed_with_a_fixed_number_of_queries(county, django_assert_num_queries):
    user = county.handler_a
    user._onetrip_scope = None
    with django_assert_num_queries(2):
        scope_of(user)
    with django_assert_num_queries(0):
        scope_of(user)
