"""Signal policies by name. DOMAIN.md's defaults; counties change them here."""

from __future__ import annotations

from onetrip.workdays.clocks import DEFAULT_POLICY, SignalPolicy

POLICIES: dict[str, SignalPolicy] = {
    "default": DEFAULT_POLICY,
}


def policy_named(name: str) -> SignalPolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown signal policy {name!r}; known: {', '.join(POLICIES)}") from None
