"""Small wordings shared by the catalogue's pages: working days and trips."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def days(value: int | None) -> str:
    """“5 个工作日”; a limit of 0 is decided on the spot."""
    if value is None:
        return ""
    if value == 0:
        return _("on the spot")
    return ngettext("%(n)d working day", "%(n)d working days", value) % {"n": value}


@register.filter
def trips(value: int | None) -> str:
    if value is None:
        return ""
    if value == 0:
        return _("zero trips")
    if value == 1:
        return _("at most one trip")
    return ngettext("%(n)d trip", "%(n)d trips", value) % {"n": value}


@register.filter
def trips_tag(value: int | None) -> str:
    """The tag colour for a trip count: zero trips is the promise kept best."""
    if value == 0:
        return "tag-ok"
    if value == 1:
        return "tag-prewarning"
    return "tag-yellow"
