"""The forms of the case pages: they check the shape of what was typed, services decide.

A form's errors and a service's `ValidationFailed` end up in the same error
summary at the top of the page, each linking to its field (`error_list`).
Dynamic parts (the items' application fields, the list of materials) are
built by the views from the catalogue; these forms hold the fixed ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onetrip.catalog.models import Delivery as DeliveryMethod
from onetrip.catalog.models import SpecialProcedure as SpecialProcedureKind
from onetrip.errors import DomainError

from .models import RatingLevel, VisitPurpose
from .services.common import JOINT_EXTENSION_MAX_WORKDAYS

ID_NUMBER = re.compile(r"^[0-9A-Za-z]{15,18}$")
PHONE = re.compile(r"^[0-9+\- ]{7,20}$")


def error_list(*, form: forms.Form | None = None, exc: DomainError | None = None,
               anchors: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """[{"href", "message"}] for the error summary: every form error, then every domain error.

    `anchors` maps a service's field name ("fields.length_m", "materials.premises",
    "reason") to the id of the input on the page; unknown fields link to the
    top of the form.
    """
    anchors = anchors or {}
    found: list[dict[str, str]] = []
    if form is not None:
        for name, errors in form.errors.items():
            target = "main" if name == "__all__" else form[name].auto_id or name
            for message in errors:
                found.append({"href": f"#{target}", "message": str(message), "field": name})
    if exc is not None:
        for error in exc.errors:
            field = error.field or ""
            target = anchors.get(field) or (f"id_{field}" if field and form is not None
                                            and field in form.fields else "main")
            found.append({"href": f"#{target}", "message": str(error.reason), "field": field})
    return found


def errors_by_field(errors: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """The first message for each field name (to show beside the field)."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.get("field", ""), error.get("inline") or error["message"])
    return found


def file_errors(exc: DomainError, *, key: str, material: str, file_name: str
                ) -> list[dict[str, str]]:
    """A refused upload in the summary names the material; beside the field, the file."""
    found = []
    for error in exc.errors:
        found.append({
            "href": f"#file-{key}", "field": f"materials.{key}",
            "message": _("%(material)s: %(reason)s") % {"material": material,
                                                         "reason": error.reason},
            "inline": _("%(reason)s (the file chosen: %(name)s)") % {
                "reason": error.reason, "name": file_name},
        })
    return found


def apply_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's field errors onto the form's own fields (others go to the top)."""
    for error in exc.errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.reason))


def field_rows(specs: Sequence[Mapping[str, Any]], values: Mapping[str, Any],
               errors: Mapping[str, str]) -> list[dict[str, Any]]:
    """The items' application fields as rows for approvals/includes/application_fields.html.

    `specs`: merged field specs (applications.merged_fields); `values`: what
    was typed or saved; `errors`: message by field name (`fields.<name>`).
    """
    rows = []
    for spec in specs:
        name = spec["name"]
        value = values.get(name, "")
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None:
            value = ""
        rows.append({
            "name": name, "id": f"field-{name}", "label": spec.get("label") or name,
            "type": spec.get("type", "text"), "unit": spec.get("unit", ""),
            "hint": spec.get("hint", ""), "required": bool(spec.get("required")),
            "choices": spec.get("choices") or [], "value": str(value),
            "error": errors.get(f"fields.{name}", ""),
        })
    return rows


def put_domain_errors(exc: DomainError, *forms_: forms.Form) -> None:
    """A service's errors on the forms' own fields (shown beside them); others are left out.

    Unlike apply_domain_error, errors of fields no form has (an application
    field, a material) are not pushed to the top of a form: the page shows
    those beside their own inputs.
    """
    for error in exc.errors:
        for form in forms_:
            if error.field in form.fields:
                form.add_error(error.field, str(error.reason))
                break


class TextInputs(forms.Form):
    """Adds the house style's autocomplete and spellcheck hints."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, (forms.TextInput, forms.Textarea)):
                field.widget.attrs.setdefault("spellcheck", "false")


# --- portal ----------------------------------------------------------------------------------

class ApplicantForm(TextInputs):
    applicant_name = forms.CharField(
        label=_("Full name or company name"), max_length=100,
        error_messages={"required": _("Enter the applicant's full name or company name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    applicant_id_number = forms.CharField(
        label=_("ID card number or unified social credit code"), max_length=32,
        help_text=_("18 characters, as printed on the ID card or the business licence."),
        error_messages={"required": _("Enter the ID card number or credit code.")},
    )
    applicant_phone = forms.CharField(
        label=_("Mobile phone number"), max_length=20,
        help_text=_("We send a text message when something happens to your case."),
        error_messages={"required": _("Enter a phone number we can reach you on.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )

    def clean_applicant_id_number(self) -> str:
        value = self.cleaned_data["applicant_id_number"].strip().upper()
        if not ID_NUMBER.match(value):
            raise forms.ValidationError(
                _("Enter 15 to 18 letters and digits, like 350121199001011234."))
        return value

    def clean_applicant_phone(self) -> str:
        value = self.cleaned_data["applicant_phone"].strip()
        if not PHONE.match(value):
            raise forms.ValidationError(_("Enter a phone number, like 13800000000."))
        return value


class DeliveryForm(TextInputs):
    delivery_method = forms.ChoiceField(
        label=_("How do you want to receive the results?"), widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you want to receive the results.")},
    )
    delivery_address = forms.CharField(
        label=_("Postal address"), max_length=200, required=False,
        help_text=_("Province, city, county, street, house number, recipient and phone."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )

    def __init__(self, *args: Any, methods: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(DeliveryMethod.choices)
        self.fields["delivery_method"].choices = [(m, labels[m]) for m in methods]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("delivery_method") == DeliveryMethod.POST and not data.get(
                "delivery_address", "").strip():
            self.add_error("delivery_address", _("Enter the postal address."))
        return data


class TrackForm(TextInputs):
    number = forms.CharField(
        label=_("Case number"), max_length=32,
        help_text=_("On your receipt, like MH20260209-000001."),
        error_messages={"required": _("Enter the case number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    query_code = forms.CharField(
        label=_("Query code"), max_length=12,
        help_text=_("6 letters and digits, on the same receipt."),
        error_messages={"required": _("Enter the query code.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class RatingForm(TextInputs):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you with the service?"), coerce=int,
        choices=[(level.value, level.label) for level in RatingLevel],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are.")},
    )
    comment = forms.CharField(
        label=_("Tell us more (optional)"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class WithdrawForm(TextInputs):
    reason = forms.CharField(label=_("Why are you withdrawing? (optional)"), required=False,
                             max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


# --- workbench: the case -------------------------------------------------------------------

class NoteForm(TextInputs):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(TextInputs):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason: the applicant is told it in writing.")},
    )


class VisitForm(TextInputs):
    purpose = forms.ChoiceField(label=_("Purpose of the visit"), choices=VisitPurpose.choices)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=200)


class DeliverForm(TextInputs):
    method = forms.ChoiceField(label=_("How the results were handed over"),
                               choices=DeliveryMethod.choices, widget=forms.RadioSelect)
    tracking_number = forms.CharField(label=_("Postal tracking number"), required=False,
                                      max_length=40)
    carrier = forms.CharField(label=_("Carrier"), required=False, max_length=40,
                              help_text=_("For example EMS."))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("method") == DeliveryMethod.POST and not data.get("tracking_number",
                                                                       "").strip():
            self.add_error("tracking_number", _("Enter the postal tracking number."))
        return data


class SupplementRequestForm(TextInputs):
    """The single complete notice: tick every material that is missing or wrong, say why.

    The page lists the case's materials (`material-<key>` checkboxes with
    `reason-<key>` beside each) and three free rows for anything the
    catalogue does not list.
    """

    EXTRA_ROWS = 3
    note = forms.CharField(label=_("Note to the applicant (optional)"), required=False,
                           max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, materials: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.materials = list(materials)
        for key, name in self.materials:
            self.fields[f"material-{key}"] = forms.BooleanField(label=name, required=False)
            self.fields[f"reason-{key}"] = forms.CharField(
                label=_("What is missing or wrong"), required=False, max_length=300)
        for index in range(1, self.EXTRA_ROWS + 1):
            self.fields[f"extra-name-{index}"] = forms.CharField(
                label=_("Other material"), required=False, max_length=200)
            self.fields[f"extra-reason-{index}"] = forms.CharField(
                label=_("What is missing or wrong"), required=False, max_length=300)

    def rows(self) -> list[dict[str, Any]]:
        return [{"key": key, "name": name, "check": self[f"material-{key}"],
                 "reason": self[f"reason-{key}"]} for key, name in self.materials]

    def extra_rows(self) -> list[dict[str, Any]]:
        return [{"name": self[f"extra-name-{i}"], "reason": self[f"extra-reason-{i}"]}
                for i in range(1, self.EXTRA_ROWS + 1)]

    def items(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        found = [{"key": key, "reason": data.get(f"reason-{key}", "").strip()}
                 for key, _name in self.materials if data.get(f"material-{key}")]
        for index in range(1, self.EXTRA_ROWS + 1):
            name = data.get(f"extra-name-{index}", "").strip()
            if name:
                found.append({"name": name,
                              "reason": data.get(f"extra-reason-{index}", "").strip()})
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.is_bound and not self.errors and not self.items():
            raise forms.ValidationError(
                _("Tick every material that is missing, or name it below: at least one."))
        return data


# --- workbench: a task -----------------------------------------------------------------------

class SpecialProcedureForm(TextInputs):
    kind = forms.ChoiceField(label=_("Procedure"))
    expected_workdays = forms.IntegerField(
        label=_("Expected length (working days)"), min_value=1, max_value=250,
        error_messages={"required": _("Give the expected length in working days.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.CharField(
        label=_("Reason (told to the applicant)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for the special procedure.")},
    )

    def __init__(self, *args: Any, allowed: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(SpecialProcedureKind.choices)
        kinds = [k for k in allowed if k in labels] or list(labels)
        self.fields["kind"].choices = [(k, labels[k]) for k in kinds]


class EndSpecialProcedureForm(TextInputs):
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(TextInputs):
    days = forms.IntegerField(
        label=_("Extra working days"), min_value=1, max_value=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Give the number of extra working days.")},
    )
    reason = forms.CharField(
        label=_("Reason (told to the applicant)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for the extension.")},
    )


class CaseExtensionForm(TextInputs):
    """The lead department's head asks the county leader for more time (joint handling)."""

    days = forms.IntegerField(
        label=_("Extra working days"), min_value=1, max_value=JOINT_EXTENSION_MAX_WORKDAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Give the number of extra working days.")},
    )
    reason = forms.CharField(
        label=_("Reason (told to the applicant)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for the extension.")},
    )


class DecideExtensionForm(TextInputs):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        error_messages={"required": _("Approve or refuse the request.")},
    )
    note = forms.CharField(label=_("Note (required when refusing)"), required=False,
                           max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("note", "").strip():
            self.add_error("note", _("Say why the extension is refused."))
        return data


class AssignForm(forms.Form):
    to = forms.ChoiceField(label=_("Assign to"))

    def __init__(self, *args: Any, people: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(p.username, str(p)) for p in people]


class CheckForm(TextInputs):
    compliant = forms.TypedChoiceField(
        label=_("Result of the follow-up check"), widget=forms.RadioSelect,
        coerce=lambda value: value == "yes",
        choices=[("yes", _("The commitment was kept")), ("no", _("The commitment was not kept"))],
    )
    note = forms.CharField(label=_("What was found"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


# --- workbench: registering a walk-in at the window ------------------------------------------

class WalkInApplicantForm(ApplicantForm):
    """The applicant's details as the clerk types them from the ID card or business licence.

    A person or a business, like the online form: the name or company name,
    the ID card number or unified social credit code. `centres`: the centres
    the clerk serves at; when there are several the clerk says which one.
    """

    centre = forms.TypedChoiceField(
        label=_("Service centre"), coerce=int, required=False,
        help_text=_("You serve at several centres: the one where the applicant is."),
        error_messages={"required": _("Choose the service centre you serve at.")},
    )

    def __init__(self, *args: Any, centres: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applicant_name"].help_text = _(
            "As on the ID card, or the company name as on the business licence.")
        self.fields["applicant_phone"].help_text = _(
            "The applicant's phone: text messages about the case go there.")
        self.fields["applicant_phone"].error_messages["required"] = _(
            "Enter the applicant's phone number.")
        if len(centres) > 1:
            self.fields["centre"].choices = [("", "—")] + [(c.pk, c.name) for c in centres]
            self.fields["centre"].required = True
            self.order_fields(["centre"])
        else:
            del self.fields["centre"]


class WalkInDeliveryForm(DeliveryForm):
    """How the applicant wants the results: collecting them here is offered first."""

    def __init__(self, *args: Any, methods: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, methods=methods, **kwargs)
        self.fields["delivery_method"].label = _(
            "How does the applicant want to receive the results?")
