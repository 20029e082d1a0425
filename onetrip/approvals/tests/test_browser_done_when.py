"""The issue's "done when", driven through the pages in Chromium across the 2026 Spring Festival.

An applicant applies on a phone for the site-selection joint review (建设项目选址联合审查),
a package of eight departments; the clerk asks for one supplement; the applicant
supplies it; the clerk accepts; the eight departments work in parallel, one after its
head approved an extension and one after an expert review (a special procedure); the
certificates arrive electronically; the applicant rates the service. The case shows
zero trips, and every deadline below is computed by hand.

Working days around the festival (State Council notice for 2026): Sat 14 Feb and
Sat 28 Feb are make-up working days; 15–23 Feb are off. "Now" is frozen with
time_machine, which moves the live server's clock too (it patches the clock for the
whole process); every approval is clicked.

Every portal page is checked with axe-core on the phone (390×844) and on a desk
(1280×900): no serious or critical violations.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect

from onetrip.accounts.demo import DEMO_PASSWORD
from onetrip.approvals import selectors
from onetrip.approvals.models import Case, Task
from onetrip.approvals.states import CaseState, TaskState
from onetrip.catalog.models import Package
from onetrip.monitoring.services import sweep

from .builders import PDF, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PACKAGE = "xuanzhi"
DEPARTMENTS = ["zrzy", "sthj", "lyj", "slj", "wwj", "nync", "zjj", "fgj"]
SPECIAL = "zrzy"  # an expert review
EXTENDED = "slj"  # two more working days, approved by its head
SUPPLEMENT = "防洪评价报告"


class Axes:
    """axe-core on each page as it is; serious and critical findings collected by page."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.found: dict[str, list[str]] = {}
        self.lesser: set[str] = set()  # moderate and minor findings, printed for the record
        self.checked: list[str] = []

    def check(self, page, name: str) -> None:
        violations = self.axe.run(page).response["violations"]
        bad = [f"{v['id']}: {v['help']} ({len(v['nodes'])}×: "
               f"{v['nodes'][0]['target'] if v['nodes'] else ''})"
               for v in violations if v["impact"] in ("serious", "critical")]
        self.lesser |= {f"{v['id']} ({v['impact']})" for v in violations
                        if v["impact"] not in ("serious", "critical")}
        self.checked.append(name)
        if bad:
            self.found[name] = bad


def step(moment):
    """Move "now" (for the test and the live server) and run the clock sweep as cron would."""
    travel = time_machine.travel(moment, tick=False)
    travel.start()
    sweep(now=moment)
    return travel


def log_in(page, username: str, next_url: str = "/") -> None:
    page.context.clear_cookies()
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    expect(page.locator(".user-name")).not_to_be_empty()


@pytest.fixture
def desk_page(browser, live_server):
    """The applicant's own computer (the `page` fixture is the staff's): closed after the test,
    before the live server stops, so no request is left open."""
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def stranger_page(browser, live_server):
    """Someone with the number and the query code, on a phone, not logged in."""
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_an_application_goes_from_a_phone_to_eight_departments_and_back(
    live_server, page, phone_page, desk_page, stranger_page, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    travel = step(at(2026, 2, 9, 8))  # the demo's own cases land in the days before
    call_command("seed_demo", "--quiet-accounts")
    travel.stop()
    package = Package.objects.get(code=PACKAGE)
    form = selectors.application_form(package=package)
    required = [m for m in form.materials if m.required]
    files = {}
    for m in form.materials:
        path = tmp_path / f"{m.name[:20]}.pdf"
        path.write_bytes(PDF)
        files[m.key] = path
    not_a_pdf = tmp_path / "坐标表.txt"
    not_a_pdf.write_text("这不是PDF")

    axes = Axes()
    desk = desk_page
    phone = phone_page

    def both(url: str, name: str) -> None:
        """The portal page on the phone (as it is) and the same URL on the desk: axe on both."""
        axes.check(phone, f"phone {name}")
        no_sideways_scroll(phone)
        desk.goto(url)
        axes.check(desk, f"desk {name}")
        screenshot(phone, f"phone-{name}")
        screenshot(desk, f"desk-{name}")

    # --- Mon 9 Feb 2026, 09:00: the applicant applies on a phone --------------------------
    travel = step(at(2026, 2, 9, 9))
    phone.goto(f"/cases/apply/package/{PACKAGE}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text(package.name)
    both(f"/cases/apply/package/{PACKAGE}/", "01-start-anonymous")
    log_in(phone, "applicant", f"/cases/apply/package/{PACKAGE}/")
    log_in(desk, "applicant", f"/cases/apply/package/{PACKAGE}/")
    phone.locator("main form button.button-start").click()
    expect(phone).to_have_url(re.compile(r"/cases/drafts/\d+/$"))
    draft_url = phone.url.replace(live_server.url, "")
    both(draft_url, "02-task-list")

    phone.locator(f'a[href="{draft_url}applicant/"]').click()
    both(draft_url + "applicant/", "02b-applicant")
    phone.locator("#id_applicant_id_number").fill("91350121MA2XYZ1234")
    phone.locator("#id_applicant_phone").fill("13800000000")
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/materials/$"))

    # Every material but one, and a text file for the coordinates: refused, the rest kept.
    coordinates = next(m for m in form.materials if m.name.startswith("用地范围坐标表"))
    for m in required:
        if m.key != coordinates.key:
            phone.locator(f"#file-{m.key}").set_input_files(str(files[m.key]))
    phone.locator(f"#file-{coordinates.key}").set_input_files(str(not_a_pdf))
    phone.locator("button[name=continue]").click()
    summary = phone.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("PDF")
    expect(phone.locator(".kept-file")).to_have_count(len(required) - 1)
    both(draft_url + "materials/", "03-materials-refused")
    phone.locator(f"#file-{coordinates.key}").set_input_files(str(files[coordinates.key]))
    phone.locator("button[name=continue]").click()
    expect(phone).to_have_url(re.compile(r"/delivery/$"))
    both(draft_url + "delivery/", "05-delivery")
    phone.get_by_label("电子证照").check()
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/check/$"))
    both(draft_url + "check/", "06-check-answers")
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/cases/MH20260209-\d{6}/submitted/$"))
    case = Case.objects.get(package=package)
    assert case.state == CaseState.SUBMITTED
    expect(phone.locator("[data-case-number]")).to_have_text(case.number)
    expect(phone.locator("[data-query-code]")).to_have_text(case.query_code)
    both(f"/cases/{case.number}/submitted/", "07-submitted")
    travel.stop()

    # --- Tue 10 Feb, 10:00: the clerk asks for one supplement --------------------------------
    travel = step(at(2026, 2, 10, 10))
    log_in(page, "clerk", "/cases/work/intake/")
    row = page.locator("tr", has=page.get_by_text(case.number))
    # intake: 5 working days from Mon 9 Feb: 10, 11, 12, 13 and the make-up Sat 14 Feb
    expect(row.locator("[data-intake-last-day]")).to_have_text("2026-02-14")
    screenshot(page, "clerk-01-intake-queue")
    row.get_by_role("link", name=case.number).click()
    screenshot(page, "clerk-02-case")
    supplement = page.locator("details#case-supplement")
    supplement.locator("summary").click()
    flood = next(m for m in form.materials if m.name == SUPPLEMENT)
    supplement.locator(f"#id_case-supplement-material-{flood.key}").check()
    supplement.locator(f"#id_case-supplement-reason-{flood.key}").fill("缺少水利部门审查意见页")
    supplement.locator("button[type=submit]").click()
    expect(page.locator(".notice-success")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_SUPPLEMENT
    screenshot(page, "clerk-03-supplement-requested")
    travel.stop()

    # --- Wed 11 Feb, 15:00: the applicant supplies it on the phone ----------------------------
    travel = step(at(2026, 2, 11, 15))
    phone.goto("/cases/")
    expect(phone.locator(".notice-warning", has_text=case.number)).to_be_visible()
    both("/cases/", "08-my-cases-supplement-asked")
    phone.goto(f"/cases/{case.number}/")
    expect(phone.locator("#supplement-heading")).to_be_visible()
    both(f"/cases/{case.number}/", "09-case-supplement-asked")
    notice = case.notices.get(kind="supplement")
    phone.goto(f"/cases/{case.number}/notices/{notice.pk}/")
    expect(phone.locator(".document-body")).to_contain_text("缺少水利部门审查意见页")
    both(f"/cases/{case.number}/notices/{notice.pk}/", "10-supplement-notice")
    phone.goto(f"/cases/{case.number}/supplement/")
    both(f"/cases/{case.number}/supplement/", "11-supply")
    phone.locator(f"#file-{flood.key}").set_input_files(str(files[flood.key]))
    phone.locator("main form button[type=submit]").click()
    expect(phone.locator(".notice-success")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    travel.stop()

    # --- Thu 12 Feb, 10:00: the clerk accepts ----------------------------------------------
    travel = step(at(2026, 2, 12, 10))
    page.goto(f"/cases/work/cases/{case.number}/")
    # the second intake clock started the day the materials were complete (11 Feb):
    # 12, 13, Sat 14, (15–23 off) 24, 25 → the last day is Wed 25 Feb
    expect(page.locator('[data-deadline="intake"]')).to_have_text("2026-02-25")
    accept = page.locator("details#case-accept")
    accept.locator("summary").click()
    accept.locator("button[type=submit]").click()
    expect(page.locator(".notice-success")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    # the case: 7 working days from 12 Feb: 13, 14, 24, 25, 26, 27, Sat 28 Feb
    expect(page.locator('[data-deadline="case"]')).to_have_text("2026-02-28")
    screenshot(page, "clerk-04-accepted")
    travel.stop()
    tasks = {t.department.code: t for t in Task.objects.filter(case=case)
             .select_related("department")}
    assert sorted(tasks) == sorted(DEPARTMENTS)

    def case_page(username: str, anchor: str = "") -> None:
        log_in(page, username, f"/cases/work/cases/{case.number}/")

    def act(task: Task, action: str, fill=None, name: str = "") -> None:
        """Open the action's panel on the case page, fill it, submit it (htmx), see it done."""
        panel = page.locator(f"details#t{task.pk}-{action}")
        panel.locator("summary").click()
        if fill:
            fill(panel)
        panel.locator("button[type=submit]").click()
        expect(page.locator(".notice-success")).to_be_visible()
        if name:
            screenshot(page, name)

    # --- Thu 12 Feb, 11:00: every department signs for its task from its inbox -------------
    travel = step(at(2026, 2, 12, 11))
    for code in DEPARTMENTS:
        log_in(page, f"handler-{code}", "/cases/work/inbox/")
        row = page.locator(f"#row-{tasks[code].pk}")
        expect(row).to_be_visible()
        others = [t for c, t in tasks.items() if c != code]
        for other in others:  # its own task only
            expect(page.locator(f"#row-{other.pk}")).to_have_count(0)
        if code == SPECIAL:
            screenshot(page, f"handler-{code}-01-inbox")
        row.get_by_role("button").click()
        expect(row.locator(".ok-text")).to_be_visible()
        if code == SPECIAL:
            screenshot(page, f"handler-{code}-02-signed")
    travel.stop()

    # --- Fri 13 Feb: an expert review at one department, an extension at another -------------
    travel = step(at(2026, 2, 13, 10))
    case_page(f"handler-{SPECIAL}")

    def expert_review(panel):
        panel.locator("select").select_option("expert_review")
        panel.locator("input[name$=expected_workdays]").fill("3")
        panel.locator("textarea[name$=reason]").fill("选址涉及生态保护红线，需组织专家论证")

    act(tasks[SPECIAL], "special", expert_review, "handler-zrzy-03-special-procedure")
    travel.stop()
    travel = step(at(2026, 2, 13, 11))
    case_page(f"handler-{EXTENDED}")

    def two_more_days(panel):
        panel.locator("input[name$=days]").fill("2")
        panel.locator("textarea[name$=reason]").fill("需会同水文部门现场核查河道管理范围")

    act(tasks[EXTENDED], "extension", two_more_days, "handler-slj-01-extension-asked")
    travel.stop()
    travel = step(at(2026, 2, 13, 14))
    log_in(page, f"head-{EXTENDED}", "/cases/work/extensions/")
    row = page.locator("tbody tr[data-row]", has_text=case.number)
    expect(row).to_have_count(1)
    screenshot(page, "head-slj-01-extension-requests")
    row.locator("input[value=approve]").check()
    row.get_by_role("button").click()
    expect(page.locator("tbody tr[data-row]", has_text=case.number).locator(".tag-ok")
           ).to_be_visible()
    screenshot(page, "head-slj-02-extension-approved")
    travel.stop()

    # --- Tue 24 Feb, after the festival: six departments approve -----------------------------
    travel = step(at(2026, 2, 24, 10))
    for code in DEPARTMENTS:
        if code in (SPECIAL, EXTENDED):
            continue
        case_page(f"handler-{code}")
        act(tasks[code], "approve", name=f"handler-{code}-approved" if code == "zjj" else "")
    travel.stop()

    # --- Wed 25 Feb: the expert review ends; Thu 26 Feb: the extended one approves -----------
    travel = step(at(2026, 2, 25, 10))
    case_page(f"handler-{SPECIAL}")
    act(tasks[SPECIAL], "special-end",
        lambda panel: panel.locator("textarea").fill("专家论证通过，同意选址"))
    travel.stop()
    travel = step(at(2026, 2, 26, 10))
    case_page(f"handler-{EXTENDED}")
    act(tasks[EXTENDED], "approve")
    travel.stop()

    # --- Mon 2 Mar, 16:00: the last department approves; the case is decided ---------------
    travel = step(at(2026, 3, 2, 16))
    case_page(f"handler-{SPECIAL}")
    act(tasks[SPECIAL], "approve", name="handler-zrzy-04-last-approval")
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED and case.outcome == "approved"
    assert {t.state for t in Task.objects.filter(case=case)} == {TaskState.APPROVED}
    assert case.delivery.method == "electronic"
    assert case.certificates.count() == 8

    # The deadlines on the case page, each computed by hand:
    clocks = page.locator(".clocks-table")
    screenshot(page, "clerk-05-case-decided")

    def last_day(clock: str) -> str:
        return clocks.locator(f'tr[data-clock="{clock}"] [data-last-day]').first.inner_text()

    intake_rows = clocks.locator('tr[data-clock="intake"] [data-last-day]')
    # intake, round 1: from Mon 9 Feb: 10, 11, 12, 13, Sat 14 (a make-up working day)
    # intake, round 2: from Wed 11 Feb: 12, 13, Sat 14, (15–23 off) 24, 25
    expect(intake_rows).to_have_text(["2026-02-14", "2026-02-25"])
    # the case: 7 working days + the largest extension (2) = 9 counted days from Thu 12 Feb,
    # not counting 13 Feb, Sat 14 Feb and 24 Feb, when the expert review held it
    # (13 Feb 10:00 – 25 Feb 10:00): 25, 26, 27, Sat 28 Feb, 2, 3, 4, 5, 6 Mar
    assert last_day("case") == "2026-03-06"
    # the expert review's department (10 days), the same pause: 25, 26, 27, 28, 2 … 6, 9 Mar
    assert last_day(f"task-{tasks[SPECIAL].pk}") == "2026-03-09"
    # the extended department (7 + 2 = 9 days, never paused): 13, 14, 24, 25, 26, 27, 28, 2, 3
    assert last_day(f"task-{tasks[EXTENDED].pk}") == "2026-03-03"
    # the planning bureau (6 days): 13, Sat 14, 24, 25, 26, 27 Feb
    assert last_day(f"task-{tasks['zjj'].pk}") == "2026-02-27"
    # the ecology bureau (8 days): … 27, Sat 28 Feb, Mon 2 Mar
    assert last_day(f"task-{tasks['sthj'].pk}") == "2026-03-02"
    expect(page.locator("[data-trips]")).to_have_text("0")
    travel.stop()

    # --- Tue 3 Mar, 09:00: the applicant downloads the certificates and rates ---------------
    travel = step(at(2026, 3, 3, 9))
    # three weeks on, the session from 9 Feb has expired: the applicant logs in again
    log_in(phone, "applicant", f"/cases/{case.number}/")
    log_in(desk, "applicant", f"/cases/{case.number}/")
    expect(phone.locator("[data-trips]")).to_have_text("0")
    expect(phone.locator(".result-card")).to_have_count(8)
    titles = " ".join(n.title for n in case.notices.all())
    for kind in ("受理", "补正", "特别程序", "延期"):
        assert kind in titles, titles
    both(f"/cases/{case.number}/", "12-case-decided")
    href = phone.locator(".result-card a").first.get_attribute("href")
    pdf = phone.request.get(href)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    extension_notice = case.notices.get(kind="extension")
    phone.goto(f"/cases/{case.number}/notices/{extension_notice.pk}/")
    both(f"/cases/{case.number}/notices/{extension_notice.pk}/", "13-extension-notice")
    phone.goto(f"/cases/{case.number}/rate/")
    both(f"/cases/{case.number}/rate/", "14-rate")
    phone.get_by_label("非常满意").check()
    phone.locator("textarea").fill("全程网上办理，一趟没跑")
    phone.locator("main form button[type=submit]").click()
    expect(phone.locator("[data-rating]")).to_have_text("非常满意")
    case.refresh_from_db()
    assert case.rating.level == 5 and case.trips == 0
    screenshot(phone, "phone-15-rated")

    # Anyone with the number and the query code follows it without logging in.
    stranger = stranger_page
    stranger.goto("/cases/track/")
    axes.check(stranger, "phone 16-track")
    stranger.locator("#id_number").fill(case.number)
    stranger.locator("#id_query_code").fill(case.query_code)
    stranger.locator("main form button[type=submit]").click()
    expect(stranger.locator(".status-panel")).to_be_visible()
    axes.check(stranger, "phone 17-tracked")
    screenshot(stranger, "phone-17-tracked")
    desk.context.clear_cookies()
    desk.goto("/cases/track/")
    axes.check(desk, "desk 16-track")
    travel.stop()

    print("axe, moderate and minor findings:", sorted(axes.lesser) or "none")
    assert len(axes.checked) >= 25
    assert axes.found == {}, axes.found
    assert Path(screenshot(phone, "phone-99-end")).exists()
