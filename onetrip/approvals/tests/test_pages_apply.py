"""Applying online through the pages: start, task list, one part per page, check, submit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onetrip.approvals.models import Case, CaseMaterial
from onetrip.approvals.states import CaseState
from onetrip.catalog.figures import material_key

from .builders import PDF, PNG

pytestmark = pytest.mark.django_db

PACKAGE_FILES = {
    material_key("甲申请书"): "a.pdf", material_key("乙申请书"): "b.pdf",
    material_key("丙申请书"): "c.pdf", "applicant-id": "id.pdf", "premises": "lease.pdf",
}


def upload(name, content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def start(client, world, package=None):
    client.force_login(world.applicant)
    code = (package or world.package).code
    response = client.post(reverse("approvals:apply_package", args=[code]))
    assert response.status_code == 302
    return Case.objects.get(applicant=world.applicant, state=CaseState.DRAFT)


def fill_applicant(client, case):
    return client.post(reverse("approvals:draft_applicant", args=[case.pk]), {
        "applicant_name": "张三", "applicant_id_number": "350121199001011234",
        "applicant_phone": "13800000000"})


def test_the_start_page_lists_what_to_have_ready_and_asks_to_log_in(client, world):
    response = client.get(reverse("approvals:apply_package", args=[world.package.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "开办测试店一件事" in page
    assert page.count("申请人身份证明") == 1  # a shared material is asked once
    assert reverse("login") in page
    anonymous_post = client.post(reverse("approvals:apply_package", args=[world.package.code]))
    assert anonymous_post.status_code == 302 and reverse("login") in anonymous_post["Location"]
    assert not Case.objects.exists()


def test_an_unknown_item_or_package_is_not_found(client, world):
    assert client.get(reverse("approvals:apply_package", args=["no-such"])).status_code == 404
    assert client.get(reverse("approvals:apply_item", args=["NO-SUCH"])).status_code == 404


def test_an_applicant_applies_for_a_package_part_by_part_and_submits(client, world):
    case = start(client, world)
    task_list = client.get(reverse("approvals:draft", args=[case.pk]))
    assert task_list.status_code == 200
    assert "未完成" in task_list.content.decode() or "not completed" in task_list.content.decode()

    response = fill_applicant(client, case)
    assert response.status_code == 302
    files = {f"file-{key}": upload(name) for key, name in PACKAGE_FILES.items()}
    response = client.post(reverse("approvals:draft_materials", args=[case.pk]),
                           {**files, "continue": "1"})
    assert response.status_code == 302
    assert CaseMaterial.objects.filter(case=case, is_current=True).count() == 5
    response = client.post(reverse("approvals:draft_delivery", args=[case.pk]),
                           {"delivery_method": "electronic"})
    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:draft_check", args=[case.pk])

    check = client.get(response["Location"])
    assert check.status_code == 200
    assert "lease.pdf" in check.content.decode()
    response = client.post(reverse("approvals:draft_check", args=[case.pk]))
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert response["Location"] == reverse("approvals:submitted", args=[case.number])
    confirmation = client.get(response["Location"]).content.decode()
    assert case.number in confirmation and case.query_code in confirmation
    # a submitted application is no longer a draft: its pages lead to the case
    assert client.get(reverse("approvals:draft", args=[case.pk]))["Location"] == reverse(
        "approvals:case", args=[case.number])


def test_a_refused_upload_says_why_and_keeps_the_other_files(client, world):
    case = start(client, world)
    response = client.post(reverse("approvals:draft_materials", args=[case.pk]), {
        "file-premises": SimpleUploadedFile("lease.exe", b"MZ\x90\x00 not a pdf"),
        "file-applicant-id": upload("id.png", PNG),
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#file-premises"' in page  # the error summary links to the field
    assert "PDF" in page and "JPEG" in page  # says which types are accepted
    assert "id.png" in page  # the accepted one is kept and shown
    kept = CaseMaterial.objects.get(case=case, is_current=True)
    assert kept.key == "applicant-id"


def test_submitting_with_parts_missing_names_each_with_a_link_to_its_page(client, world):
    case = start(client, world)
    response = client.post(reverse("approvals:draft_check", args=[case.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert reverse("approvals:draft_materials", args=[case.pk]) + "#material-premises" in page
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT


def test_the_details_page_keeps_what_was_typed_and_names_the_bad_field(client, world):
    client.force_login(world.applicant)
    client.post(reverse("approvals:apply_item", args=[world.green.code]))
    case = Case.objects.get(applicant=world.applicant)
    url = reverse("approvals:draft_details", args=[case.pk])
    response = client.post(url, {"field-length_m": "一百", "field-digging": "false"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#field-length_m"' in page and 'value="一百"' in page
    response = client.post(url, {"field-length_m": "150", "field-digging": "false"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.application == {"length_m": 150, "digging": False}
    check = client.get(reverse("approvals:draft_check", args=[case.pk])).content.decode()
    assert "免于审批" in check  # the green-channel route is shown before submitting


def test_the_applicant_details_are_checked(client, world):
    case = start(client, world)
    response = client.post(reverse("approvals:draft_applicant", args=[case.pk]), {
        "applicant_name": "", "applicant_id_number": "12", "applicant_phone": "x"})
    assert response.status_code == 400
    page = response.content.decode()
    for field in ("applicant_name", "applicant_id_number", "applicant_phone"):
        assert f'href="#id_{field}"' in page


def test_a_post_delivery_needs_an_address(client, world):
    case = start(client, world)
    response = client.post(reverse("approvals:draft_delivery", args=[case.pk]),
                           {"delivery_method": "post", "delivery_address": ""})
    assert response.status_code == 400
    assert 'href="#id_delivery_address"' in response.content.decode()


def test_nobody_else_sees_or_changes_a_draft(client, world):
    case = start(client, world)
    client.force_login(world.other_applicant)
    for name in ("draft", "draft_applicant", "draft_materials", "draft_check"):
        assert client.get(reverse(f"approvals:{name}", args=[case.pk])).status_code == 404
    assert fill_applicant(client, case).status_code == 404
    client.force_login(world.clerk)  # not even the centre, before it is submitted
    assert client.get(reverse("approvals:draft", args=[case.pk])).status_code == 404


def test_an_unfinished_application_can_be_deleted(client, world):
    case = start(client, world)
    response = client.post(reverse("approvals:draft_discard", args=[case.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN


def test_pages_need_a_login(client, world):
    response = client.get(reverse("approvals:mine"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_item_has_its_own_start_page_and_offers_earlier_materials(client, world):
    from onetrip.approvals import services

    from .builders import abc_uploads

    services.apply_online(by=world.applicant, package=world.package, uploads=abc_uploads())
    client.force_login(world.applicant)
    response = client.get(reverse("approvals:apply_item", args=[world.item_a.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "甲许可" in page and "tag-ok" in page  # "you gave it before: reuse it"
    client.post(reverse("approvals:apply_item", args=[world.item_a.code]))
    draft = Case.objects.get(applicant=world.applicant, state=CaseState.DRAFT)
    url = reverse("approvals:draft_materials", args=[draft.pk])
    page = client.get(url).content.decode()
    assert 'name="reuse-premises" value="material:' in page
    ref = page.split('name="reuse-premises" value="')[1].split('"')[0]
    assert client.post(url, {"reuse-premises": ref}).status_code == 302
    current = CaseMaterial.objects.get(case=draft, key="premises", is_current=True)
    assert current.reused_from_id == int(ref.split(":")[1])
