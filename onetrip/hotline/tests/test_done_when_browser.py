"""The issue's "done when", in a real browser, with screenshots at each step.

An operator registers a complaint and takes the suggested unit; the unit signs
for it and replies with a perfunctory answer, sees the flags; the hotline
sends it back; the unit replies properly; the follow-up records
dissatisfaction, the ticket is reopened, answered again and closed.
"""

import pytest

from onetrip.hotline import dispatch
from onetrip.hotline.models import Ticket
from onetrip.testing import PASSWORD

APPEAL = (
    "测试镇幸福小区3号楼电梯一个月坏了四次，物业公司每次只是简单重启，上周还困住了一位老人，"
    "请督促物业公司彻底维修电梯。"
)
PERFUNCTORY = "您好，您反映的问题已收悉，我局高度重视，将督促物业公司加强管理。"
PROPER = (
    "您好！甲局于3月3日会同测试镇到幸福小区现场检查，3号楼电梯制动器磨损严重。已责令物业公司停用"
    "该电梯并更换制动器，3月5日经检验合格后恢复运行。如再出现故障，可拨打0591-22981234反映。"
)
SECOND = (
    "您好！针对您回访时反映电梯仍偶有停运，甲局于3月9日再次到幸福小区检查，发现主板老化，"
    "已责令物业公司于3月10日更换主板，更换后连续运行48小时无故障。联系人：陈工，电话0591-22981235。"
)


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
def test_complaint_to_perfunctory_reply_send_back_reopen_and_close(
    county, tree, no_model, page, browser, live_server, screenshot
):
    operator = page
    log_in(operator, county.operator.username)
    unit_context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    unit = unit_context.new_page()
    unit.set_default_timeout(15_000)
    log_in(unit, county.handler_a.username)

    # 1. The operator registers the call, keyboard first, and takes the suggestion.
    operator.goto("/hotline/console/")
    operator.fill("#content", APPEAL)
    operator.fill("#citizen_name", "王建国")
    operator.fill("#citizen_phone", "13800001234")
    operator.select_option("#township", label="测试镇")
    operator.fill("#address", "测试镇幸福小区3号楼")
    suggestion = operator.locator('[data-suggestion="1"]')
    suggestion.wait_for()
    assert "城乡建设/住房保障与房地产" in suggestion.inner_text()
    assert "甲局" in suggestion.inner_text()
    operator.focus("#content")
    operator.keyboard.press("Alt+1")
    assert operator.input_value("#lead_unit") == str(county.dept_a.pk)
    screenshot(operator, "1-console-with-suggestion")
    operator.keyboard.press("Control+Enter")
    operator.wait_for_url("**/hotline/t/*/")
    ticket = Ticket.objects.get()
    assert ticket.status == "dispatched" and ticket.lead_unit == county.dept_a
    assert ticket.suggested_unit == "depta"
    screenshot(operator, "2-dispatched")

    # 2. The unit signs for it, contacts the citizen and drafts a perfunctory reply.
    unit.goto("/hotline/inbox/")
    unit.click(f"text={ticket.number}")
    unit.click("#sign-for")
    unit.click("#record-contact")
    unit.fill("#reply-text", PERFUNCTORY)
    unit.locator("#reply-flags .hl-flag").first.wait_for()
    flags = unit.inner_text("#reply-flags")
    assert "敷衍" in flags or "套话" in flags
    screenshot(unit, "3-flags-before-submitting")
    unit.click("#submit-reply")
    unit.wait_for_load_state()

    # 3. The hotline sees the flags, confirms them and sends the reply back.
    operator.goto(f"/hotline/t/{ticket.number}/")
    assert operator.locator("#review .hl-flag-decision").count() >= 2
    operator.fill("#review-note", "答复敷衍，请写明处理措施、结果和联系人。")
    screenshot(operator, "4-review-with-flags")
    operator.click("#send-back")
    operator.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == "signed"

    # 4. The unit replies properly: no flags before submitting.
    unit.goto(f"/hotline/t/{ticket.number}/")
    unit.fill("#reply-text", PROPER)
    unit.locator("#reply-flags .hl-flags-ok").wait_for()
    screenshot(unit, "5-proper-reply-no-flags")
    unit.click("#submit-reply")
    unit.wait_for_load_state()

    # 5. Accepted; the follow-up call finds the citizen dissatisfied: reopened.
    operator.goto(f"/hotline/t/{ticket.number}/")
    operator.click("#accept-reply")
    operator.wait_for_load_state()
    operator.select_option("#fu-solved", "no")
    operator.select_option("#fu-satisfaction", "dissatisfied")
    operator.fill("#fu-comment", "电梯这两天又停了一次，仍不放心")
    operator.click("#record-follow-up")
    operator.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == "signed" and ticket.round == 2
    screenshot(operator, "6-reopened")

    # 6. The unit handles it again; the hotline accepts; satisfied: closed.
    unit.goto(f"/hotline/t/{ticket.number}/")
    unit.click("#record-contact")
    unit.fill("#reply-text", SECOND)
    unit.locator("#reply-flags .hl-flags-ok").wait_for()
    unit.click("#submit-reply")
    unit.wait_for_load_state()
    operator.goto(f"/hotline/t/{ticket.number}/")
    operator.click("#accept-reply")
    operator.wait_for_load_state()
    operator.select_option("#fu-solved", "yes")
    operator.select_option("#fu-satisfaction", "satisfied")
    operator.click("#record-follow-up")
    operator.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert "已办结" in operator.inner_text("#ticket-status") or "closed" in operator.inner_text(
        "#ticket-status"
    )
    screenshot(operator, "7-closed-with-timeline")

    # The other unit's handler sees nothing of it.
    other_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    other = other_context.new_page()
    log_in(other, county.handler_b.username)
    assert other.goto(f"/hotline/t/{ticket.number}/").status == 404
    other.goto("/hotline/inbox/")
    assert ticket.number not in other.content()
    other_context.close()
    unit_context.close()
