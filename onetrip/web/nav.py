"""The portal's main navigation: one list, each entry shown once its page exists."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

MAIN_NAV = [
    ("home", _("Home")),
    ("catalog:list", _("Service guide")),
    ("approvals:track", _("Track a case")),
    ("hotline:new", _("12345 hotline")),
]


def main_nav() -> list[dict]:
    items = []
    for url_name, label in MAIN_NAV:
        try:
            items.append({"url": reverse(url_name), "label": label, "name": url_name})
        except NoReverseMatch:
            continue
    return items
