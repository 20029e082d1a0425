"""The citizen's appeal form: malformed input becomes field errors before anything is stored.

`register_ticket` checks the same things again when the citizen confirms (the
rule lives there); this form exists so the "check your answers" page is only
reached with answers the service would take, and names every problem at once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.accounts.models import OrgUnit, UnitKind

from .models import Channel, Kind
from .services import MAX_CONTENT, PHONE_RE

FIELDS = (
    "kind",
    "content",
    "address",
    "township",
    "citizen_name",
    "citizen_phone",
    "confidential",
    "anonymous",
)


class PublicAppealForm(forms.Form):
    channel = forms.CharField(required=False)  # "mobile" when the page saw a phone
    kind = forms.ChoiceField(
        choices=Kind.choices, error_messages={"required": _("Choose the kind of appeal.")}
    )
    content = forms.CharField(
        max_length=MAX_CONTENT,
        min_length=5,
        error_messages={
            "required": _("Describe the matter in at least 5 characters."),
            "min_length": _("Describe the matter in at least 5 characters."),
            "max_length": _("At most %(limit_value)d characters."),
        },
    )
    address = forms.CharField(max_length=200, required=False)
    township = forms.ModelChoiceField(
        queryset=OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP, is_active=True),
        required=False,
        error_messages={"invalid_choice": _("Choose a township.")},
    )
    citizen_name = forms.CharField(max_length=64, required=False)
    citizen_phone = forms.CharField(max_length=20, required=False)
    confidential = forms.BooleanField(required=False)
    anonymous = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("anonymous"):
            return data
        if not data.get("citizen_name") and "citizen_name" not in self.errors:
            self.add_error("citizen_name", _("Enter your name, or file anonymously."))
        phone = data.get("citizen_phone", "")
        if "citizen_phone" in self.errors:
            pass
        elif not phone:
            self.add_error(
                "citizen_phone", _("Enter a phone number to call you back on, or file anonymously.")
            )
        elif not PHONE_RE.match(phone):
            self.add_error(
                "citizen_phone", _("Enter a phone number, like 13800001234 or 0591-22981234.")
            )
        return data

    def answers(self) -> dict[str, Any]:
        """The answers as kept in the session between the form and the check page."""
        data = self.cleaned_data
        township = data.get("township")
        return {
            "channel": Channel.MOBILE if data.get("channel") == Channel.MOBILE else Channel.WEB,
            "kind": data["kind"],
            "content": data["content"],
            "address": data.get("address", ""),
            "township": str(township.pk) if township else "",
            "citizen_name": data.get("citizen_name", ""),
            "citizen_phone": data.get("citizen_phone", ""),
            "confidential": bool(data.get("confidential")),
            "anonymous": bool(data.get("anonymous")),
        }


def raw_answers(post: Any) -> dict[str, Any]:
    """What was typed, as typed, to show again on the form beside its errors."""
    return {
        "channel": Channel.MOBILE if post.get("channel") == Channel.MOBILE else Channel.WEB,
        **{name: post.get(name, "")[:MAX_CONTENT] for name in FIELDS[:6]},
        "confidential": bool(post.get("confidential")),
        "anonymous": bool(post.get("anonymous")),
    }
