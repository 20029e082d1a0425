"""Every demo role logs in through a real browser; a screenshot of each is kept."""

import pytest
from django.core.management import call_command
from django.test import Client

from onetrip.accounts.demo import DEMO_PASSWORD, DEPARTMENTS
from onetrip.accounts.models import User

ROLES = [
    "admin",
    "clerk",
    "clerk-township",
    "applicant",
    "applicant2",
    "operator",
    "officer",
    "leader",
    "handler-scjg",
    "head-scjg",
]


@pytest.fixture
def demo_accounts(db):
    from onetrip.accounts.demo import seed

    seed()


def test_the_demo_seed_creates_every_account_and_is_idempotent(demo_accounts):
    from onetrip.accounts.demo import seed
    from onetrip.audit.models import Event

    expected = set(ROLES[:8]) | {
        f"{r}-{code}" for code, *_ in DEPARTMENTS for r in ("handler", "head")
    }
    assert expected <= set(User.objects.values_list("username", flat=True))
    events = Event.objects.count()
    users = User.objects.count()
    seed()
    assert (Event.objects.count(), User.objects.count()) == (events, users)


def test_every_demo_account_logs_in_with_the_demo_password(demo_accounts):
    for user in User.objects.all():
        response = Client().post(
            "/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, user.username


def test_a_handler_holds_exactly_their_departments_roles(demo_accounts):
    user = User.objects.get(username="handler-zrzy")
    assert [(m.unit.code, m.role) for m in user.memberships.select_related("unit")] == [
        ("zrzy", "handler")
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_demo_role_logs_in_in_a_browser(page, screenshot):
    call_command("seed_demo", "--quiet-accounts")
    for username in ROLES:
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        assert page.locator(".user-name").inner_text() != ""
        if username.startswith(("applicant",)):
            assert page.url.endswith("/")
        else:
            page.goto("/workbench/")
            assert page.get_by_role("heading", name="工作台").is_visible()
        screenshot(page, username)
        page.get_by_role("button", name="退出").click()
        page.wait_for_load_state()
        assert page.get_by_role("link", name="登录").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_login_page_on_a_phone(phone_page, screenshot):
    phone_page.goto("/accounts/login/")
    assert phone_page.get_by_role("heading", name="登录").is_visible()
    screenshot(phone_page, "login-phone")
