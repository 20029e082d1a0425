"""A citizen files an appeal on a phone: form, check, change one answer, confirm (Chromium)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from onetrip.hotline.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {v['nodes'][0]['target'] if v['nodes'] else ''}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_citizen_checks_changes_and_confirms_an_appeal_on_a_phone(
    county, tree, media, phone_page, screenshot
):
    page = phone_page
    page.goto("/hotline/")
    page.get_by_label("投诉").check()
    page.get_by_label("诉求内容").fill("幸福路的路灯坏了半个月，晚上一片漆黑。")
    page.get_by_label("发生地点（地址）").fill("测试镇幸福路12号")
    page.get_by_label("乡镇（街道）").select_option(label="测试镇")
    page.get_by_label("您的姓名").fill("李四")
    page.get_by_label("联系电话").fill("1390000abc")
    page.locator("#attachments").set_input_files(
        {"name": "路灯.png", "mimeType": "image/png", "buffer": PNG}
    )
    screenshot(page, "1-form")
    assert serious_violations(page) == []
    page.get_by_role("button", name="下一步").click()

    # A mistake: named beside its field; what was typed and the file are kept.
    expect(page.locator(".error-summary")).to_contain_text("请填写正确的电话号码")
    expect(page.get_by_label("您的姓名")).to_have_value("李四")
    expect(page.get_by_label("路灯.png")).to_be_checked()
    screenshot(page, "1b-error")
    assert serious_violations(page) == []
    page.get_by_label("联系电话").fill("13900005678")
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url("**/hotline/check/")
    expect(page.get_by_role("heading", level=1)).to_have_text("核对信息")
    expect(page.locator("#answer-kind")).to_have_text("投诉")
    expect(page.locator("#answer-township")).to_have_text("测试镇")
    expect(page.locator("#answer-phone")).to_have_text("139 0000 5678")
    expect(page.locator("#answer-files")).to_have_text("路灯.png")
    assert not Ticket.objects.exists()
    assert no_sideways_scroll(page)
    screenshot(page, "2-check")
    assert serious_violations(page) == []

    page.get_by_role("link", name="修改 诉求内容").click()
    page.wait_for_url("**/hotline/#content")
    expect(page.get_by_label("诉求内容")).to_have_value("幸福路的路灯坏了半个月，晚上一片漆黑。")
    expect(page.get_by_label("您的姓名")).to_have_value("李四")
    expect(page.get_by_label("路灯.png")).to_be_checked()
    page.get_by_label("诉求内容").fill("幸福路的路灯坏了半个月，晚上一片漆黑，请尽快修理。")
    screenshot(page, "3-change")
    assert serious_violations(page) == []
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url("**/hotline/check/")
    expect(page.locator("#answer-content")).to_have_text(
        "幸福路的路灯坏了半个月，晚上一片漆黑，请尽快修理。"
    )
    expect(page.locator("#answer-files")).to_have_text("路灯.png")
    screenshot(page, "4-check-again")
    page.get_by_role("button", name="确认提交").click()

    page.wait_for_url("**/hotline/filed/")
    ticket = Ticket.objects.get()
    expect(page.locator("#ticket-number")).to_have_text(ticket.number)
    expect(page.locator("#query-code")).to_have_text(ticket.query_code)
    assert ticket.channel == "mobile" and ticket.content.endswith("请尽快修理。")
    assert ticket.attachments.get().file.original_name == "路灯.png"
    screenshot(page, "5-filed")
    assert serious_violations(page) == []
