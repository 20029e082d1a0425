"""The citizen's pages on a phone, and the staff lists, in a real browser (screenshots kept)."""

import pytest
from django.utils import timezone

from onetrip.hotline import dispatch, services
from onetrip.hotline.models import Ticket
from onetrip.testing import PASSWORD

from .conftest import register


@pytest.fixture
def no_model(tmp_path, monkeypatch):
    monkeypatch.setenv("ONETRIP_DISPATCH_MODEL", str(tmp_path / "none.pkl"))
    dispatch.forget_model()


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login" not in url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_files_an_appeal_on_a_phone_and_checks_it(county, tree, phone_page, screenshot):
    page = phone_page
    page.goto("/")
    page.click("text=12345热线")
    page.click("#kind-complaint + label")
    page.fill("#content", "短")
    page.click("main button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    screenshot(page, "1-error-summary")
    page.fill("#content", "测试镇幸福路的路灯坏了半个月，晚上一片漆黑，请尽快修理。")
    page.select_option("#township", label="测试镇")
    page.fill("#citizen_name", "李四")
    page.fill("#citizen_phone", "13900005678")
    page.click("main button[type=submit]")
    page.wait_for_url("**/hotline/check/")
    page.click("text=确认提交")
    page.wait_for_url("**/hotline/filed/")
    number = page.inner_text("#ticket-number")
    code = page.inner_text("#query-code")
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "mobile" and ticket.query_code == code
    screenshot(page, "2-filed")
    page.click("text=查询诉求")
    page.fill("#number", number)
    page.fill("#query_code", code)
    page.click("main button[type=submit]")
    assert "已登记" in page.content()
    screenshot(page, "3-lookup")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_queue_the_inbox_and_the_hot_issues(county, tree, no_model, page, screenshot):
    now = timezone.now()
    category = tree["环境保护/环境污染"]
    for text in (
        "测试镇幸福小区旁边工地每天晚上十一点后还在打桩施工，噪音太大，居民无法休息。",
        "幸福小区东侧工地夜间打桩施工，噪音扰民严重，孩子晚上睡不着。",
        "反映测试镇幸福小区附近工地半夜打桩施工噪音问题，已经持续一周。",
    ):
        ticket = register(county, content=text, category=category, now=now)
    services.dispatch_ticket(ticket=ticket, by=county.operator, lead_unit=county.dept_a, now=now)
    log_in(page, county.operator.username)
    page.goto("/hotline/queue/")
    assert page.locator(".hl-table tbody tr").count() == 2
    screenshot(page, "1-queue")
    page.goto("/hotline/hot/")
    assert "3" in page.inner_text(".hl-issue h2")
    screenshot(page, "2-hot-issues")
    page.context.clear_cookies()
    log_in(page, county.handler_a.username)
    page.goto("/hotline/inbox/")
    assert ticket.number in page.content()
    screenshot(page, "3-inbox")
