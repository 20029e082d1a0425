"""Signal policies by name. DOMAIN.md's defaults; counties change them here."""

from __future__ import annotations

from onetrip.workdays.clocks import DEFAULT_POLICY, SignalPolicy

POLICIES: dict[str, SignalPolicy] = {
    "default": DEFAULT_POLICY,
    # 12345 tickets: the 2-hour sign-for clock pre-warns with half an hour left and
    # turns red one working day after it ran out; reply clocks as the default.
    "hotline": SignalPolicy(prewarn_workhours_left=0.5, yellow_grace_workhours=6.5),
}


def policy_named(name: str) -> SignalPolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown signal policy {name!r}; known: {', '.join(POLICIES)}") from None
