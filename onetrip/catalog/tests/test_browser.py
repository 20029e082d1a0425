"""A citizen opens the sunshine list, searches, and reads what a package saves (Chromium)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    violations = Axe().run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def test_a_citizen_searches_the_sunshine_list_and_opens_a_package(page, phone_page, screenshot):
    call_command("seed_demo", "--quiet-accounts")

    page.goto("/catalog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("政务服务事项阳光清单")
    expect(page.get_by_role("row", name=re.compile("合计（20个套餐）"))).to_contain_text("420")
    screenshot(page, "list")

    page.get_by_label("搜索事项和套餐").fill("餐饮")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page).to_have_url(re.compile(r"q=%E9%A4%90%E9%A5%AE"))
    package_link = page.get_by_role("link", name="开餐饮店一件事")
    expect(package_link).to_be_visible()
    screenshot(page, "search")
    assert serious_violations(page) == []

    package_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("开餐饮店一件事")
    expect(page.locator('[data-figure="one-by-one"]')).to_have_text("25")
    expect(page.locator('[data-figure="package-limit"]')).to_have_text("8")
    expect(page.locator('[data-figure="materials-package"]')).to_have_text("24")
    graph = page.get_by_role("group", name=re.compile("开餐饮店一件事各事项的前后关系"))
    expect(graph).to_be_visible()
    screenshot(page, "package")
    assert serious_violations(page) == []

    page.get_by_role("link", name="食品经营许可（新办）").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("食品经营许可（新办）")
    screenshot(page, "item")

    phone_page.goto("/catalog/?q=营业执照")
    expect(phone_page.get_by_role("link", name="企业设立登记（公司）")).to_be_visible()
    screenshot(phone_page, "phone-search")
    phone_page.goto("/catalog/packages/xuanzhi/")
    expect(phone_page.locator('[data-figure="package-limit"]')).to_have_text("7")
    screenshot(phone_page, "phone-package")
    # Nothing but the graph may scroll sideways on a phone.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
