"""A clerk registers a walk-in in Chromium: search, type, scan, a refused file, the receipt, accept.

Screenshots land in test-artifacts/screenshots/ (one per step) to be looked at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from onetrip.approvals.models import Case
from onetrip.approvals.states import CaseState
from onetrip.catalog.figures import material_key
from onetrip.testing import PASSWORD

from .builders import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    expect(page.locator(".user-name")).not_to_be_empty()


def test_a_clerk_registers_a_walk_in_and_hands_over_the_receipt(
    live_server, page, screenshot, world, tmp_path
):
    files = {}
    names = [("甲申请书", material_key("甲申请书")), ("乙申请书", material_key("乙申请书")),
             ("丙申请书", material_key("丙申请书")), ("身份证", "applicant-id"),
             ("场所证明", "premises")]
    for name, key in names:
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(PDF)
        files[key] = path
    scanned_wrong = tmp_path / "甲申请书扫描.txt"
    scanned_wrong.write_text("扫描失败，不是PDF")
    refused = material_key("甲申请书")

    log_in(page, world.clerk.username, "/cases/work/intake/")
    page.locator("[data-walk-in]").click()
    expect(page).to_have_url(re.compile(r"/cases/work/walk-in/$"))
    page.get_by_label("申请人要办什么事？").fill("开办测试店")
    page.get_by_role("button", name="搜索").click()
    screenshot(page, "01-search")
    page.get_by_role("link", name="开办测试店一件事").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("开办测试店一件事")

    page.locator("#id_applicant_name").fill("闽侯县甘蔗小吃店")
    page.locator("#id_applicant_id_number").fill("91350121MA2XYZ1234")
    page.locator("#id_applicant_phone").fill("13800000000")
    for key, path in files.items():
        page.locator(f"#file-{key}").set_input_files(str(scanned_wrong if key == refused
                                                          else path))
    screenshot(page, "02-form-filled")
    page.get_by_role("button", name="登记并打印回执").click()

    # The refused file is named beside its input, in Chinese; everything else stays.
    expect(page.locator(".error-summary")).to_be_visible()
    beside = page.locator(f"#material-{refused} .error-message")
    expect(beside).to_contain_text("只接受 PDF、JPEG 和 PNG 文件")
    expect(beside).to_contain_text("甲申请书扫描.txt")
    expect(page.locator("#id_applicant_name")).to_have_value("闽侯县甘蔗小吃店")
    expect(page.locator("#id_applicant_id_number")).to_have_value("91350121MA2XYZ1234")
    expect(page.locator(".kept-file")).to_have_count(len(files) - 1)
    assert not Case.objects.exists()
    screenshot(page, "03-refused-upload")

    page.locator(f"#file-{refused}").set_input_files(str(files[refused]))
    page.get_by_role("button", name="登记并打印回执").click()
    expect(page).to_have_url(re.compile(r"/cases/work/walk-in/MH\d{8}-\d{6}/receipt/$"))
    case = Case.objects.get()
    expect(page.locator("[data-case-number]")).to_have_text(case.number)
    expect(page.locator("[data-query-code]")).to_have_text(case.query_code)
    expect(page.locator(".receipt-document")).to_contain_text(case.query_code)
    assert case.state == CaseState.SUBMITTED and case.trips == 1
    assert case.materials.filter(is_current=True).count() == len(files)
    screenshot(page, "04-receipt")
    page.emulate_media(media="print")
    screenshot(page, "05-receipt-printed")
    page.emulate_media(media="screen")

    page.get_by_role("button", name="立即受理").click()
    expect(page).to_have_url(re.compile(rf"/cases/work/cases/{case.number}/$"))
    expect(page.locator(".notice-success")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW and case.tasks.count() == 3
    screenshot(page, "06-accepted")
