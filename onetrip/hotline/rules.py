"""The hotline's time limits (DOMAIN.md's Fuzhou defaults). Pure: no Django models.

Counties change the numbers here (one place); every clock reads them when it starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HotlineRules:
    # Reply limits in working days, by kind.
    reply_workdays: dict[str, int] = field(
        default_factory=lambda: {
            "consultation": 2,
            "help": 3,
            "suggestion": 5,
            "complaint": 10,
            "report": 10,
        }
    )
    convenience_workdays: int = 3  # complaints/reports on the convenience list
    urgent_workdays: int = 0  # the same day
    sign_for_workhours: float = 2.0
    return_within_workdays: int = 1
    follow_up_workdays: int = 3
    follow_up_unsolved_consultation_workdays: int = 1
    # A reminder the day after an unexplained overrun (calendar days after the deadline).
    remind_after_days: int = 1
    max_extension_workdays: int = 10
    signal_policy: str = "hotline"

    def reply_limit(self, *, kind: str, urgent: bool, convenience: bool) -> int:
        if urgent:
            return self.urgent_workdays
        if convenience and kind in ("complaint", "report"):
            return self.convenience_workdays
        return self.reply_workdays[kind]

    def follow_up_limit(self, *, kind: str, solved: bool | None) -> int:
        if kind == "consultation" and solved is False:
            return self.follow_up_unsolved_consultation_workdays
        return self.follow_up_workdays


RULES = HotlineRules()
