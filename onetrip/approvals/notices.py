"""The written notices a case sends its applicant: Chinese documents, in any UI language.

Each function returns (title, body). The wording lives in English msgids with
their Chinese in this app's catalogue, and is always rendered in Chinese
(`translation.override("zh-hans")`): a notice is an official document, kept
as issued in `Notice.body`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from onetrip.workdays.calendar import local_date

DOCUMENT_LANGUAGE = "zh-hans"


def document_date(value: date | datetime | None) -> str:
    """A date as written in a Chinese document: 2026年3月2日."""
    if value is None:
        return ""
    day = local_date(value) if isinstance(value, datetime) else value
    with translation.override(DOCUMENT_LANGUAGE):
        return _("%(year)d-%(month)d-%(day)d") % {
            "year": day.year, "month": day.month, "day": day.day,
        }


def last_day(deadline_at: datetime | None) -> date | None:
    """The last day of a working-day limit: its deadline instant is 00:00 of the day after."""
    if deadline_at is None:
        return None
    return local_date(deadline_at) - timedelta(days=1)


def _render(title: str, lines: Iterable[str]) -> tuple[str, str]:
    return title, "\n".join(line for line in lines if line is not None)


def receipt(*, applicant: str, title: str, number: str, query_code: str, received: datetime,
            centre: str, intake_limit: int) -> tuple[str, str]:
    with translation.override(DOCUMENT_LANGUAGE):
        return _render(_("Receipt of application"), [
            _("%(applicant)s:") % {"applicant": applicant},
            _("Your application for “%(title)s” was received on %(date)s.")
            % {"title": title, "date": document_date(received)},
            _("Case number: %(number)s") % {"number": number},
            _("Query code: %(code)s (use it with the case number to follow the case "
              "without logging in)") % {"code": query_code},
            _("The centre decides within %(days)d working days whether to accept it; without a "
              "decision in that time it counts as accepted on the day it was received.")
            % {"days": intake_limit},
            centre,
        ])


def acceptance(*, applicant: str, title: str, number: str, received: datetime,
               accepted: datetime, deemed: bool, limit: int, deadline_at: datetime | None,
               centre: str, issued: datetime) -> tuple[str, str]:
    with translation.override(DOCUMENT_LANGUAGE):
        if deemed:
            decision = _(
                "No decision on acceptance was made within the legal time limit; under the law "
                "the application counts as accepted on the day it was received (%(date)s)."
            ) % {"date": document_date(accepted)}
        else:
            decision = _(
                "The materials are complete and in the legal form; the centre accepts the "
                "application as of %(date)s."
            ) % {"date": document_date(accepted)}
        return _render(_("Acceptance notice"), [
            _("%(applicant)s:") % {"applicant": applicant},
            _("Your application for “%(title)s” (case number %(number)s) was received on "
              "%(date)s.") % {"title": title, "number": number, "date": document_date(received)},
            decision,
            _("It will be decided within %(days)d working days, by %(date)s at the latest.")
            % {"days": limit, "date": document_date(last_day(deadline_at))},
            centre,
            document_date(issued),
        ])


def supplement(*, applicant: str, title: str, number: str, items: Iterable[Mapping[str, Any]],
               note: str, unit: str, issued: datetime, during_review: bool) -> tuple[str, str]:
    with translation.override(DOCUMENT_LANGUAGE):
        listed = []
        for index, entry in enumerate(items, start=1):
            line = f"{index}. {entry['name']}"
            if entry.get("reason"):
                line += _(" (%(reason)s)") % {"reason": entry["reason"]}
            listed.append(line)
        if during_review:
            waiting = _("The time limit does not run while the case waits for these materials.")
        else:
            waiting = _("The time for the acceptance decision starts again on the day all "
                        "these materials are received.")
        return _render(_("Notice to supplement materials"), [
            _("%(applicant)s:") % {"applicant": applicant},
            _("Your application for “%(title)s” (case number %(number)s) needs the following "
              "materials. This notice lists everything missing at once:")
            % {"title": title, "number": number},
            *listed,
            _("Note: %(note)s") % {"note": note} if note else None,
            waiting,
            unit,
            document_date(issued),
        ])


def not_accepted(*, applicant: str, title: str, number: str, reason: str, centre: str,
                 issued: datetime) -> tuple[str, str]:
    with translation.override(DOCUMENT_LANGUAGE):
        return _render(_("Notice of non-acceptance"), [
            _("%(applicant)s:") % {"applicant": applicant},
            _("Your application for “%(title)s” (case number %(number)s) is not accepted, "
              "for this reason: %(reason)s") % {"title": title, "number": number,
                                                "reason": reason},
            _("If you disagree you may apply for administrative reconsideration or bring an "
              "administrative lawsuit according to the law."),
            centre,
            document_date(issued),
        ])


def special_procedure(*, applicant: str, item: str, number: str, procedure: str, days: int,
                      reason: str, department: str, issued: datetime) -> tuple[str, str]:
    with translation.override(DOCUMENT_LANGUAGE):
        return _render(_("Notice of a special procedure"), [
            _("%(applicant)s:") % {"applicant": applicant},
            _("Your application for “%(item)s” (case number %(number)s) needs a %(procedure)s, "
              "expected to take %(days)d working days. Reason: %(reason)s")
            % {"item": item, "number": number, "procedure": procedure, "days": days,
               "reason": reason},
            _("Under Article 45 of the Administrative Licensing Law this time is not counted in "
              "the time limit."),
            department,
            document_date(issued),
        ])


def extension(*, applicant: str, item: str, number: str, days: int, reason: str,
              deadline_at: datetime | None, department: str,
              issued: datetime) -> tuple[str, str]:
    with translation.override(DOCUMENT_LANGUAGE):
        return _render(_("Notice of extension"), [
            _("%(applicant)s:") % {"applicant": applicant},
            _("The decision on your application for “%(item)s” (case number %(number)s) is "
              "extended by %(days)d working days with the approval of the head of the "
              "department. Reason: %(reason)s")
            % {"item": item, "number": number, "days": days, "reason": reason},
            _("The decision will be made by %(date)s at the latest.")
            % {"date": document_date(last_day(deadline_at))} if deadline_at else None,
            department,
            document_date(issued),
        ])


def joint_extension(*, applicant: str, title: str, number: str, days: int, reason: str,
                    deadline_at: datetime | None, unit: str,
                    issued: datetime) -> tuple[str, str]:
    """More time for a case handled jointly by several departments (Art. 42: +15 working days
    with the approval of the head of the county people's government)."""
    with translation.override(DOCUMENT_LANGUAGE):
        return _render(_("Notice of extension"), [
            _("%(applicant)s:") % {"applicant": applicant},
            _("Your application for “%(title)s” (case number %(number)s) is handled jointly by "
              "several departments. Its decision is extended by %(days)d working days with the "
              "approval of the head of the county people's government. Reason: %(reason)s")
            % {"title": title, "number": number, "days": days, "reason": reason},
            _("The decision will be made by %(date)s at the latest.")
            % {"date": document_date(last_day(deadline_at))} if deadline_at else None,
            unit,
            document_date(issued),
        ])


def decision(*, applicant: str, title: str, number: str, lines: Iterable[tuple[str, str, str]],
             issued: datetime) -> tuple[str, str]:
    """lines: (item name, task state, detail) for every item of the case."""
    with translation.override(DOCUMENT_LANGUAGE):
        words = {
            "approved": _("approved"),
            "refused": _("refused"),
            "filed": _("filed"),
            "stopped": _("stopped because an item it depends on was refused"),
        }
        rendered = []
        for item, state, detail in lines:
            line = f"“{item}”：{words.get(state, state)}"
            if detail:
                line += f"（{detail}）"
            rendered.append(line)
        return _render(_("Decision notice"), [
            _("%(applicant)s:") % {"applicant": applicant},
            _("Your application for “%(title)s” (case number %(number)s) has been decided:")
            % {"title": title, "number": number},
            *rendered,
            document_date(issued),
        ])
