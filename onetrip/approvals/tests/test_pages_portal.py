"""The applicant's pages of a submitted case: status, supplements, withdrawal, rating,
downloads, and tracking without logging in."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onetrip.approvals import services
from onetrip.approvals.models import CaseMaterial, Rating, Task
from onetrip.approvals.states import CaseState
from onetrip.files.models import StoredFile

from .builders import JPEG, PDF, abc_uploads, at

pytestmark = pytest.mark.django_db


def submitted(world, now=None):
    return services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=now or at(2026, 3, 2, 9))


def decided(world):
    case = submitted(world)
    services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    people = {"depta": world.handler_a, "deptb": world.handler_b, "deptc": world.handler_c}
    for task in Task.objects.filter(case=case).select_related("department"):
        by = people[task.department.code]
        services.sign_for_task(task=task, by=by, now=at(2026, 3, 2, 11))
        services.approve_task(task=task, by=by, now=at(2026, 3, 3, 11))
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED
    return case


def test_my_cases_lists_only_my_own_cases(client, world):
    mine = submitted(world)
    services.apply_online(by=world.other_applicant, item=world.item_b,
                          uploads={"乙申请书": SimpleUploadedFile("b.pdf", PDF),
                                   "applicant-id": SimpleUploadedFile("id.pdf", PDF)},
                          now=at(2026, 3, 2, 9))
    client.force_login(world.applicant)
    response = client.get(reverse("approvals:mine"))
    assert response.status_code == 200
    page = response.content.decode()
    assert mine.number in page and "乙许可" not in page


def test_the_case_page_shows_the_status_notices_and_trips(client, world):
    case = submitted(world)
    client.force_login(world.applicant)
    response = client.get(reverse("approvals:case", args=[case.number]))
    assert response.status_code == 200
    page = response.content.decode()
    assert case.query_code in page and 'data-trips>0<' in page
    receipt = case.notices.get(kind="receipt")
    assert reverse("approvals:notice", args=[case.number, receipt.pk]) in page
    notice = client.get(reverse("approvals:notice", args=[case.number, receipt.pk]))
    assert case.number in notice.content.decode()
    pdf = client.get(reverse("approvals:notice_pdf", args=[case.number, receipt.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_others_do_not_see_the_case_and_staff_are_sent_to_the_workbench(client, world):
    case = submitted(world)
    client.force_login(world.other_applicant)
    assert client.get(reverse("approvals:case", args=[case.number])).status_code == 404
    client.force_login(world.clerk)
    response = client.get(reverse("approvals:case", args=[case.number]))
    assert response["Location"] == reverse("approvals:work_case", args=[case.number])


def test_the_applicant_supplies_what_is_asked_and_a_refused_file_keeps_the_others(client, world):
    case = submitted(world)
    services.request_supplement(case=case, by=world.clerk, now=at(2026, 3, 2, 11), items=[
        {"key": "premises", "reason": "缺少签字页"}, {"key": "applicant-id", "reason": "模糊"}])
    client.force_login(world.applicant)
    page = client.get(reverse("approvals:case", args=[case.number])).content.decode()
    assert "缺少签字页" in page and reverse("approvals:supply", args=[case.number]) in page

    url = reverse("approvals:supply", args=[case.number])
    response = client.post(url, {
        "file-premises": SimpleUploadedFile("lease.pdf", PDF),
        "file-applicant-id": SimpleUploadedFile("id.txt", b"just text"),
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#file-applicant-id"' in page
    kept = StoredFile.objects.get(original_name="lease.pdf", uploaded_by=world.applicant)
    assert f'value="upload:{kept.pk}"' in page  # the good file is kept for the next try
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_SUPPLEMENT

    response = client.post(url, {"kept-premises": f"upload:{kept.pk}",
                                 "file-applicant-id": SimpleUploadedFile("id.jpg", JPEG)})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    current = CaseMaterial.objects.filter(case=case, is_current=True, supplement__isnull=False)
    assert {m.key: m.file.original_name for m in current} == {
        "premises": "lease.pdf", "applicant-id": "id.jpg"}


def test_someone_elses_kept_upload_cannot_be_slipped_in(client, world):
    case = submitted(world)
    services.request_supplement(case=case, by=world.clerk, items=[{"key": "premises"}],
                                now=at(2026, 3, 2, 11))
    foreign = StoredFile.objects.exclude(uploaded_by=world.other_applicant).first()
    client.force_login(world.other_applicant)
    assert client.post(reverse("approvals:supply", args=[case.number]),
                       {"kept-premises": f"upload:{foreign.pk}"}).status_code == 404
    client.force_login(world.applicant)
    other = StoredFile.objects.create(sha256="0" * 64, content_type="application/pdf", size=1,
                                      original_name="x.pdf", path="00/x.pdf",
                                      uploaded_by=world.other_applicant)
    response = client.post(reverse("approvals:supply", args=[case.number]),
                           {"kept-premises": f"upload:{other.pk}"})
    assert response.status_code == 400  # treated as nothing given
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_SUPPLEMENT


def test_the_applicant_withdraws(client, world):
    case = submitted(world)
    client.force_login(world.applicant)
    url = reverse("approvals:withdraw", args=[case.number])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "不办了"}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert client.get(url).status_code == 302  # nothing left to withdraw


def test_the_applicant_downloads_certificates_and_rates_the_service(client, world):
    case = decided(world)
    certificate = case.certificates.first()
    url = reverse("approvals:certificate_pdf", args=[case.number, certificate.pk])
    client.force_login(world.other_applicant)
    assert client.get(url).status_code == 404
    client.force_login(world.applicant)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")

    rate_url = reverse("approvals:rate", args=[case.number])
    response = client.post(rate_url, {"comment": "好"})
    assert response.status_code == 400 and 'href="#id_level"' in response.content.decode()
    assert client.post(rate_url, {"level": "5", "comment": "一次没跑"}).status_code == 302
    assert Rating.objects.get(case=case).level == 5
    page = client.get(reverse("approvals:case", args=[case.number])).content.decode()
    assert "data-rating" in page and rate_url not in page


def test_the_applicant_changes_how_results_are_delivered(client, world):
    case = submitted(world)
    client.force_login(world.applicant)
    url = reverse("approvals:choose_delivery", args=[case.number])
    response = client.post(url, {"delivery_method": "post", "delivery_address": ""})
    assert response.status_code == 400
    response = client.post(url, {"delivery_method": "post",
                                 "delivery_address": "闽侯县甘蔗街道1号"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.delivery_method, case.delivery_address) == ("post", "闽侯县甘蔗街道1号")


def test_anyone_tracks_a_case_with_its_number_and_query_code(client, world):
    cache.clear()
    case = submitted(world)
    url = reverse("approvals:track")
    assert client.get(url).status_code == 200
    response = client.post(url, {"number": case.number.lower(), "query_code": case.query_code})
    assert response.status_code == 200
    page = response.content.decode()
    assert "张*" in page and "甲许可" in page
    wrong = client.post(url, {"number": case.number, "query_code": "AAAAAA"})
    assert wrong.status_code == 404
    assert client.post(url, {"number": "", "query_code": ""}).status_code == 400


def test_tracking_stops_answering_after_too_many_wrong_codes(client, world):
    cache.clear()
    case = submitted(world)
    url = reverse("approvals:track")
    for _ in range(10):
        assert client.post(url, {"number": case.number, "query_code": "AAAAAA"}).status_code == 404
    response = client.post(url, {"number": case.number, "query_code": case.query_code})
    assert response.status_code == 429
    cache.clear()
