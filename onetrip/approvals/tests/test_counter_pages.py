"""The window's pages: register a walk-in, print the receipt, supply what the applicant brought.

A clerk of the county centre or of a township centre registers the applicant
on one page; the case lands in that centre's intake queue with its receipt,
its visit (one trip) and its audit events. A refused upload or a bad field is
named beside its input, in Chinese, and everything else stays.
"""

import re

import pytest
import time_machine
from django.urls import reverse

from onetrip.approvals import services
from onetrip.approvals.models import Case, Channel, Visit
from onetrip.approvals.states import CaseState
from onetrip.audit.selectors import events_for
from onetrip.audit.verify import verify
from onetrip.catalog.figures import material_key

from .builders import PDF, abc_uploads, at, pdf

pytestmark = pytest.mark.django_db

NOT_A_NUMBER = "请输入数字"
APPLICANT = {"applicant_name": "王五", "applicant_id_number": "350121199001011234",
             "applicant_phone": "13800000000"}


@pytest.fixture(autouse=True)
def tuesday_3_march_2026():
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        yield


def package_url(world):
    return reverse("approvals:walk_in_package", args=[world.package.code])


def item_url(item):
    return reverse("approvals:walk_in_item", args=[item.code])


def files_for_package(**replace):
    files = {f"file-{key}": upload for key, upload in abc_uploads().items()}
    files.update(replace)
    return files


def not_a_pdf(name="扫描件.txt"):
    return pdf(name, content="这不是PDF".encode())


# --- finding what to apply for -----------------------------------------------------------------

def test_the_clerk_finds_the_package_and_the_items_in_the_catalogue(client, world):
    client.force_login(world.clerk)
    response = client.get(reverse("approvals:walk_in"), {"q": "开办测试店"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "窗口登记" in page  # the tab and the heading, in Chinese by default
    assert package_url(world) in page and "开办测试店一件事" in page
    everything = client.get(reverse("approvals:walk_in")).content.decode()
    assert item_url(world.green) in everything


def test_the_intake_queue_and_the_tabs_lead_to_the_window(client, world):
    client.force_login(world.clerk)
    page = client.get(reverse("approvals:intake")).content.decode()
    assert 'data-walk-in' in page and reverse("approvals:walk_in") in page
    client.force_login(world.handler_a)  # a department's handler registers nothing
    assert reverse("approvals:walk_in") not in client.get(reverse("approvals:inbox")
                                                          ).content.decode()


@pytest.mark.parametrize("persona", ["applicant", "handler_a", "officer"])
def test_only_a_clerk_of_a_centre_may_open_the_window_pages(client, world, persona):
    client.force_login(getattr(world, persona))
    for url in (reverse("approvals:walk_in"), package_url(world), item_url(world.green)):
        assert client.get(url).status_code == 403
    response = client.post(package_url(world), {**APPLICANT, "delivery_method": "window",
                                                **files_for_package()})
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_someone_not_logged_in_is_refused(client, world):
    assert client.get(reverse("approvals:walk_in")).status_code in (302, 403)
    assert client.get(package_url(world)).status_code in (302, 403)


# --- the form ------------------------------------------------------------------------------------

def test_the_form_asks_the_items_fields_and_each_material_once(client, world):
    client.force_login(world.clerk)
    response = client.get(item_url(world.green))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="field-length_m"' in page and 'name="field-digging"' in page
    for m in world.green.materials.all():
        assert f'name="file-{m.key}"' in page
    assert re.search(r'value="window" id="[^"]+" checked', page)  # collected here by default
    assert 'name="centre"' not in page  # one centre: nothing to choose
    package_page = client.get(package_url(world)).content.decode()
    assert package_page.count('name="file-applicant-id"') == 1  # shared by three items


def test_registering_a_package_makes_the_case_with_its_audit_events(client, world):
    client.force_login(world.clerk)
    response = client.post(package_url(world), {**APPLICANT, "delivery_method": "window",
                                                "delivery_address": "", **files_for_package()})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:walk_in_receipt", args=[case.number])
    assert case.state == CaseState.SUBMITTED and case.channel == Channel.WINDOW
    assert case.intake_unit == world.centre and case.registered_by == world.clerk
    assert case.applicant is None and case.applicant_name == "王五"
    assert case.applicant_id_number == "350121199001011234"
    assert case.trips == 1 and Visit.objects.filter(case=case, purpose="apply").count() == 1
    assert case.materials.filter(is_current=True).count() == 5
    actions = [e.action for e in events_for(case)]
    assert "case.registered" in actions and "clock.started" in actions
    registered = next(e for e in events_for(case) if e.action == "case.registered")
    assert registered.actor_id == world.clerk.pk and registered.payload["visit"] == "apply"
    assert verify().ok
    # It waits in the centre's intake queue.
    assert case.number in client.get(reverse("approvals:intake")).content.decode()


def test_the_receipt_shows_the_number_and_the_query_code_to_print(client, world):
    client.force_login(world.clerk)
    client.post(package_url(world), {**APPLICANT, "delivery_method": "window",
                                     **files_for_package()})
    case = Case.objects.get()
    response = client.get(reverse("approvals:walk_in_receipt", args=[case.number]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"data-case-number>{case.number}<" in page
    assert f"data-query-code>{case.query_code}<" in page
    assert "window.print()" in page and "收件回执" in page
    assert reverse("approvals:case_action", args=[case.number, "accept"]) in page
    # Accept now: one click, the departments get their tasks.
    response = client.post(reverse("approvals:case_action", args=[case.number, "accept"]),
                           {"case-accept-note": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW and case.tasks.count() == 3


def test_the_receipt_is_for_the_receiving_centres_clerks(client, world):
    client.force_login(world.clerk)
    client.post(package_url(world), {**APPLICANT, "delivery_method": "window",
                                     **files_for_package()})
    case = Case.objects.get()
    client.force_login(world.township_clerk)  # another centre: cannot see the case
    assert client.get(reverse("approvals:walk_in_receipt", args=[case.number])
                      ).status_code == 404
    client.force_login(world.applicant)
    assert client.get(reverse("approvals:walk_in_receipt", args=[case.number])
                      ).status_code == 403


def test_a_township_centre_registers_for_the_county_departments(client, world):
    client.force_login(world.township_clerk)
    response = client.post(package_url(world), {**APPLICANT, "delivery_method": "window",
                                                **files_for_package()})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.intake_unit == world.township_centre
    assert case.number in client.get(reverse("approvals:intake")).content.decode()
    client.force_login(world.clerk)
    assert case.number not in client.get(reverse("approvals:intake")).content.decode()


def test_missing_materials_are_allowed_and_named_on_the_receipt(client, world):
    client.force_login(world.clerk)
    files = files_for_package()
    files.pop("file-premises")
    response = client.post(package_url(world), {**APPLICANT, "delivery_method": "window",
                                                **files})
    assert response.status_code == 302
    case = Case.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "经营场所使用证明" in page.split("data-case-number")[-1]
    assert f'{reverse("approvals:work_case", args=[case.number])}#case-supplement' in page


# --- problems are named beside their field; everything else stays ------------------------------

def test_a_refused_upload_is_named_beside_it_and_keeps_everything_else(client, world):
    client.force_login(world.clerk)
    refused = material_key("甲申请书")
    response = client.post(package_url(world), {
        **APPLICANT, "delivery_method": "post", "delivery_address": "福州市闽侯县甘蔗街道1号",
        **files_for_package(**{f"file-{refused}": not_a_pdf()}),
    })
    assert response.status_code == 400
    assert not Case.objects.exists()
    page = response.content.decode()
    block = page.split(f'id="material-{refused}"')[1].split("</li>")[0]
    assert "只接受 PDF、JPEG 和 PNG 文件" in block and "扫描件.txt" in block
    assert 'value="王五"' in page and 'value="350121199001011234"' in page
    assert "福州市闽侯县甘蔗街道1号" in page
    assert re.search(r'value="post" id="[^"]+" checked', page)
    kept = dict(re.findall(r'name="kept-([\w-]+)" value="(upload:\d+)"', page))
    assert sorted(kept) == sorted(k for k in abc_uploads() if k != refused)
    # Only the refused file is chosen again.
    response = client.post(package_url(world), {
        **APPLICANT, "delivery_method": "post", "delivery_address": "福州市闽侯县甘蔗街道1号",
        **{f"kept-{k}": ref for k, ref in kept.items()}, f"file-{refused}": pdf("甲.pdf"),
    })
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.materials.filter(is_current=True).count() == 5
    assert case.delivery_method == "post"


def test_a_bad_field_and_a_bad_id_number_are_named_beside_them(client, world):
    client.force_login(world.clerk)
    files = {f"file-{m.key}": pdf(f"{m.key}.pdf") for m in world.green.materials.all()}
    response = client.post(item_url(world.green), {
        **APPLICANT, "applicant_id_number": "12", "field-length_m": "很长",
        "field-digging": "false", "delivery_method": "window", **files,
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "请输入15至18位字母或数字" in page
    beside = page.split('for="field-length_m"')[1].split('id="field-length_m"')[0]
    assert 'class="error-message"' in beside and NOT_A_NUMBER in beside
    assert 'id="field-length_m" value="很长"' in page and 'value="王五"' in page
    assert not Case.objects.exists()
    kept = re.findall(r'name="kept-([\w-]+)"', page)
    assert len(kept) == world.green.materials.count()  # the files that passed stay


def test_a_green_channel_item_registered_at_the_window_takes_its_route(client, world):
    client.force_login(world.clerk)
    files = {f"file-{m.key}": pdf(f"{m.key}.pdf") for m in world.green.materials.all()}
    response = client.post(item_url(world.green), {
        **APPLICANT, "field-length_m": "150", "field-digging": "false",
        "delivery_method": "window", **files,
    })
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.application["length_m"] == 150 and case.items.get().route == "zero_day"


# --- supplements brought to the window ----------------------------------------------------------

def waiting_for_premises(world):
    uploads = abc_uploads()
    uploads.pop("premises")
    case = services.register_walk_in(by=world.clerk, package=world.package,
                                     applicant_name="王五", uploads=uploads,
                                     now=at(2026, 3, 2, 9))
    services.request_supplement(case=case, by=world.clerk, now=at(2026, 3, 2, 10),
                                items=[{"key": "premises", "reason": "缺少租赁合同"}])
    case.refresh_from_db()
    return case


def test_the_clerk_supplies_what_the_applicant_brought_and_the_visit_counts(client, world):
    case = waiting_for_premises(world)
    client.force_login(world.clerk)
    page = client.get(reverse("approvals:work_case", args=[case.number])).content.decode()
    supply_url = reverse("approvals:work_supply", args=[case.number])
    assert supply_url in page
    assert client.get(supply_url).status_code == 200
    response = client.post(supply_url, {"file-premises": not_a_pdf("合同.txt")})
    assert response.status_code == 400
    assert "只接受 PDF、JPEG 和 PNG 文件" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_SUPPLEMENT and case.trips == 1
    response = client.post(supply_url, {"file-premises": pdf("合同.pdf", PDF)})
    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:work_case", args=[case.number])
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED and case.trips == 2
    supplied = [e for e in events_for(case) if e.action == "case.supplement_supplied"]
    assert len(supplied) == 1 and supplied[0].actor_id == world.clerk.pk
    assert supplied[0].payload["visit"] is True
    assert Visit.objects.filter(case=case, purpose="supplement").count() == 1


def test_supplying_is_for_the_receiving_centres_clerks_only(client, world):
    case = waiting_for_premises(world)
    supply_url = reverse("approvals:work_supply", args=[case.number])
    client.force_login(world.applicant)
    assert client.get(supply_url).status_code == 403
    client.force_login(world.township_clerk)
    assert client.get(supply_url).status_code == 404
    client.force_login(world.clerk)
    services.supply_supplement(request=case.supplements.get(), by=world.clerk,
                               uploads={"premises": pdf()})
    response = client.get(supply_url)  # nothing asked any more: back to the case
    assert response.status_code == 302


def test_the_clerk_records_a_visit_on_the_case_page(client, world):
    case = waiting_for_premises(world)
    client.force_login(world.clerk)
    response = client.post(reverse("approvals:case_action", args=[case.number, "visit"]),
                           {"case-visit-purpose": "consult", "case-visit-note": "询问进度"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.trips == 2
    assert any(e.action == "case.visit_recorded" for e in events_for(case))
