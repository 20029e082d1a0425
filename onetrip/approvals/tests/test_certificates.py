"""Certificates: numbered per department and year; a PDF with the Chinese text embedded."""

import shutil
import subprocess
from pathlib import Path

import pytest

from onetrip.approvals import selectors, services
from onetrip.approvals.certificates import certificate_pdf, next_value, notice_pdf
from onetrip.approvals.models import Certificate, Notice
from onetrip.errors import NotFound

from .builders import abc_uploads, at, single_uploads

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "approvals"


def approved(world, item, handler, when):
    case = services.apply_online(by=world.applicant, item=item, uploads=single_uploads(item),
                                 now=when)
    services.accept_case(case=case, by=world.clerk, now=when)
    task = case.tasks.get()
    services.sign_for_task(task=task, by=handler, now=when)
    services.approve_task(task=task, by=handler, now=when)
    return Certificate.objects.get(case=case)


def test_numbers_run_per_department_and_year(world):
    first = approved(world, world.item_a, world.handler_a, at(2026, 3, 2))
    second = approved(world, world.item_a, world.handler_a, at(2026, 3, 3))
    other = approved(world, world.item_b, world.handler_b, at(2026, 3, 3))
    next_year = approved(world, world.item_a, world.handler_a, at(2027, 1, 5))
    assert [first.number, second.number, other.number, next_year.number] == [
        "DEPTA-2026-000001", "DEPTA-2026-000002", "DEPTB-2026-000001", "DEPTA-2027-000001",
    ]


def test_a_counter_starts_at_one_and_counts_up():
    assert [next_value("x"), next_value("x"), next_value("y")] == [1, 2, 1]


def pdf_text(content: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_certificate_pdf_carries_its_chinese_text(world, tmp_path):
    certificate = approved(world, world.item_a, world.handler_a, at(2026, 3, 2))
    content = certificate_pdf(certificate)
    assert content.startswith(b"%PDF")
    assert b"FontFile2" in content  # the TrueType CJK font is embedded, not referenced
    text = pdf_text(content, tmp_path)
    for expected in ("甲许可证", "DEPTA-2026-000001", "张三", "甲局", "2026年3月2日", "发证机关"):
        assert expected in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "certificate.pdf").write_bytes(content)


def test_a_notice_pdf_carries_its_text(world, tmp_path):
    case = services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=at(2026, 3, 2))
    services.request_supplement(case=case, by=world.clerk, note="请携带原件核对",
                                items=[{"key": "premises", "reason": "租赁合同已过期"}],
                                now=at(2026, 3, 3))
    notice = Notice.objects.get(case=case, kind="supplement")
    assert notice.title == "补正材料通知书"
    text = pdf_text(notice_pdf(notice), tmp_path)
    assert "经营场所使用证明" in text and "租赁合同已过期" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "supplement-notice.pdf").write_bytes(notice_pdf(notice))


def test_notices_are_chinese_whatever_the_readers_language(world, settings):
    from django.utils import translation

    with translation.override("en"):
        case = services.apply_online(by=world.applicant, item=world.item_a,
                                     uploads=single_uploads(world.item_a))
    receipt = Notice.objects.get(case=case, kind="receipt")
    assert receipt.title == "收件回执" and "办件编号" in receipt.body


def test_only_those_who_see_the_case_get_the_certificate(world):
    certificate = approved(world, world.item_a, world.handler_a, at(2026, 3, 2))
    assert selectors.certificate_for(world.applicant, certificate.pk) == certificate
    with pytest.raises(NotFound):
        selectors.certificate_for(world.other_applicant, certificate.pk)
    with pytest.raises(NotFound):
        selectors.certificate_for(world.handler_b, certificate.pk)
