"""Tags for what every case list shows in each row: the signal, and a state as a coloured tag.

Tags rather than included templates: the inbox renders them for each of its
50 rows, and an `{% include %}` costs a template render each time.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext

register = template.Library()

_SIGNALS = {
    "red": ("tag-red", "red card"),
    "yellow": ("tag-yellow", "yellow card"),
    "prewarning": ("tag-prewarning", "pre-warning"),
    "done": ("", "finished"),
    "normal": ("tag-ok", "on time"),
}

_TASK_STATE_CLASSES = {
    "approved": "tag-ok", "filed": "tag-ok", "checked": "tag-ok",
    "refused": "tag-red", "stopped": "tag-red",
    "supplement": "tag-yellow", "special_procedure": "tag-yellow",
    "pending": "tag-prewarning", "in_review": "tag-blue",
}

_CASE_STATE_CLASSES = {
    "submitted": "tag-prewarning", "awaiting_supplement": "tag-yellow", "in_review": "tag-blue",
    "decided": "tag-ok", "completed": "tag-ok", "not_accepted": "tag-red",
}


@register.simple_tag
def signal(colour: str | None) -> str:
    """A clock's signal (on time, pre-warning, yellow or red card, finished); nothing if none."""
    found = _SIGNALS.get(colour or "")
    if found is None:
        return ""
    css, label = found
    return format_html('<span class="{}">{}</span>', f"tag {css}".strip(), gettext(label))


@register.simple_tag
def task_state(state: str, label: str) -> str:
    """A task's (or a request's) state as a tag coloured by what it means."""
    return format_html('<span class="{}">{}</span>',
                       f"tag {_TASK_STATE_CLASSES.get(state, '')}".rstrip(), label)


@register.simple_tag
def case_state(state: str, label: str) -> str:
    """A case's state as a tag coloured by what it means."""
    if state == "completed":
        label = pgettext("case state", "completed")
    return format_html('<span class="{}">{}</span>',
                       f"tag {_CASE_STATE_CLASSES.get(state, '')}".rstrip(), label)
