"""Certificate numbers, and the PDFs of certificates and notices (Chinese documents).

Numbers: `<DEPARTMENT CODE>-<year>-<six digits>`, one sequence per department
and year (e.g. SCJG-2026-000012), taken from a Counter row inside the
issuing transaction.

PDFs are drawn on demand from the stored rows with reportlab, embedding a
TrueType CJK font (Debian's fonts-wqy-microhei; reportlab cannot embed the
CFF outlines of Noto CJK). Without the font file, reportlab's built-in CID
font STSong-Light is used: it needs no file but relies on the reader having a
Chinese font, so production machines should install fonts-wqy-microhei.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .models import Certificate, Counter, Notice
from .notices import DOCUMENT_LANGUAGE, document_date

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_NAME = "OneTripCJK"
FALLBACK_FONT = "STSong-Light"
_font_lock = threading.Lock()
_font_name: str | None = None


def next_value(key: str) -> int:
    """The next value of the sequence `key`; call inside the caller's transaction.

    One statement when the row exists (UPDATE … RETURNING, PostgreSQL and
    SQLite ≥ 3.35); the row is locked until the caller commits, so two
    writers never get the same value.
    """
    table = connection.ops.quote_name(Counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE key = %s RETURNING value",
                       [key])
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    try:
        with transaction.atomic():
            Counter.objects.create(key=key, value=1)
            return 1
    except IntegrityError:
        # Created by a concurrent transaction meanwhile: take the next value.
        Counter.objects.filter(key=key).update(value=F("value") + 1)
    return Counter.objects.filter(key=key).values_list("value", flat=True).get()


def certificate_number(*, department_code: str, department_id: int, year: int) -> str:
    value = next_value(f"cert:{department_id}:{year}")
    return f"{department_code.upper()}-{year}-{value:06d}"


def font_name() -> str:
    """Register the CJK font once per process; the name to draw with."""
    global _font_name
    if _font_name is not None:
        return _font_name
    with _font_lock:
        if _font_name is None:
            path = Path(getattr(settings, "ONETRIP_CJK_FONT", DEFAULT_FONT_PATH))
            if path.exists():
                pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
                _font_name = FONT_NAME
            else:  # pragma: no cover - depends on the machine's fonts
                pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
                _font_name = FALLBACK_FONT
    return _font_name


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines that fit `width`: by character, as Chinese is written."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, font, size) > width and line:
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a one-page A4 PDF (drawn from the row; same row, same content)."""
    font = font_name()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    width, height = A4
    with translation.override(DOCUMENT_LANGUAGE):
        pdf.setTitle(f"{certificate.title} {certificate.number}")
        pdf.setAuthor(certificate.department.name)
        pdf.setStrokeColor(colors.HexColor("#9b1c1c"))
        pdf.setLineWidth(2)
        pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
        pdf.setLineWidth(0.6)
        pdf.rect(18 * mm, 18 * mm, width - 36 * mm, height - 36 * mm)

        pdf.setFillColor(colors.black)
        pdf.setFont(font, 30)
        pdf.drawCentredString(width / 2, height - 55 * mm, certificate.title)
        pdf.setFont(font, 12)
        pdf.drawCentredString(
            width / 2, height - 68 * mm,
            _("Certificate number: %(number)s") % {"number": certificate.number},
        )

        rows = [
            (_("Holder"), certificate.holder_name),
            (_("ID number"), certificate.holder_id_number or "—"),
            (_("Item"), certificate.item_version.snapshot.get("name", certificate.item.name)),
            (_("Issued by"), certificate.department.name),
            (_("Date of issue"), document_date(certificate.issued_at)),
            (_("Case number"), certificate.case.number or ""),
        ]
        y = height - 95 * mm
        label_x, value_x = 35 * mm, 75 * mm
        for label, value in rows:
            pdf.setFont(font, 14)
            pdf.drawString(label_x, y, label)
            for line in _wrap(str(value), font, 14, width - value_x - 35 * mm):
                pdf.drawString(value_x, y, line)
                y -= 9 * mm
            y -= 3 * mm

        # The issuing department's seal, drawn (an electronic certificate's seal
        # is its signature in the national e-licence system, out of scope here).
        seal_x, seal_y, radius = width - 65 * mm, 60 * mm, 22 * mm
        pdf.setStrokeColor(colors.HexColor("#c81e1e"))
        pdf.setFillColor(colors.HexColor("#c81e1e"))
        pdf.setLineWidth(1.5)
        pdf.circle(seal_x, seal_y, radius)
        pdf.setFont(font, 20)
        pdf.drawCentredString(seal_x, seal_y - 7, "★")
        pdf.setFont(font, 9)
        pdf.drawCentredString(seal_x, seal_y + 8 * mm, certificate.department.name[:14])
        pdf.drawCentredString(seal_x, seal_y - 12 * mm, _("Electronic certificate"))

        pdf.setFillColor(colors.black)
        pdf.setFont(font, 9)
        pdf.drawString(
            25 * mm, 25 * mm,
            _("Issued through OneTrip; verify it with its number at the service centre."),
        )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def notice_pdf(notice: Notice) -> bytes:
    """A notice (acceptance, supplement, ...) as an A4 PDF, its text as issued."""
    font = font_name()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    width, height = A4
    pdf.setTitle(notice.title)
    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, height - 35 * mm, notice.title)
    if notice.case.number:
        pdf.setFont(font, 10)
        pdf.drawRightString(width - 25 * mm, height - 45 * mm, notice.case.number)
    size = 12.5
    y = height - 60 * mm
    left, right = 25 * mm, width - 25 * mm
    paragraphs = notice.body.split("\n")
    # As an official letter: the salutation flush left, the body indented by two
    # characters, the issuing unit and the date (the last two lines) flush right.
    signature = paragraphs[-2:] if len(paragraphs) > 3 else []
    body = paragraphs[: len(paragraphs) - len(signature)]
    lines: list[tuple[str, str]] = []
    for index, paragraph in enumerate(body):
        text = paragraph if index == 0 else "\u3000\u3000" + paragraph
        lines += [("left", line) for line in _wrap(text, font, size, right - left)]
    if signature:
        lines.append(("left", ""))
        lines += [("right", line) for line in signature]
    for align, line in lines:
        if y < 25 * mm:
            pdf.showPage()
            y = height - 25 * mm
        pdf.setFont(font, size)
        if align == "right":
            pdf.drawRightString(right, y, line)
        else:
            pdf.drawString(left, y, line)
        y -= size * 1.8
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
