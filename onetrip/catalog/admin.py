"""The catalogue in the admin site. Every save goes through services.save_item / save_package.

The forms check what they can show beside a field (committed ≤ legal, a
material's fields, dependencies that go round in a circle); the service then
saves the whole record in one transaction, with its version and audit event.
Nothing is deleted here: an item a case may point to is withdrawn instead
(“published” off).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.errors import ValidationFailed

from . import selectors, services
from .graph import find_cycle
from .green_channel import field_errors, rule_errors
from .models import (
    Delivery,
    ItemVersion,
    Material,
    Package,
    PackageMember,
    PackageVersion,
    ServiceItem,
    SpecialProcedure,
)
from .records import ITEM_FIELDS, MATERIAL_FIELDS, material_errors, normalise_material


class ServiceItemForm(forms.ModelForm):
    special_procedures = forms.MultipleChoiceField(
        label=gettext_lazy("special procedures"), choices=SpecialProcedure.choices,
        required=False, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ServiceItem
        fields = (
            "code", "name", "kind", "department", "co_units", "legal_basis", "conditions",
            "legal_limit", "committed_limit", "handling", "trips_required", "online_depth",
            "charges_fee", "fee", "fee_basis", "delivery_window", "delivery_post",
            "delivery_electronic", "result_name", "special_procedures", "approval_on_commitment",
            "application_fields", "green_channel_rules", "window", "location", "hours", "phone",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        legal, committed = data.get("legal_limit"), data.get("committed_limit")
        if legal is not None and committed is not None and committed > legal:
            self.add_error("committed_limit", _(
                "The committed limit (%(committed)d) cannot exceed the legal limit (%(legal)d)."
            ) % {"committed": committed, "legal": legal})
        flags = ("delivery_window", "delivery_post", "delivery_electronic")
        if not any(data.get(f) for f in flags):
            self.add_error("delivery_window", _("Give at least one way the result is delivered."))
        if data.get("charges_fee") and not data.get("fee"):
            self.add_error("fee", _("Say what the fee is when the item charges one."))
        fields, rules = data.get("application_fields"), data.get("green_channel_rules")
        for reason in field_errors(fields if fields is not None else []):
            self.add_error("application_fields", reason)
        for reason in rule_errors(rules if rules is not None else [], fields or []):
            self.add_error("green_channel_rules", reason)
        return data


class MaterialForm(forms.ModelForm):
    class Meta:
        model = Material
        fields = MATERIAL_FIELDS + ("position",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False
        self.fields["key"].help_text = _("Leave empty to derive it from the name.")


class MaterialFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            record = normalise_material({k: data.get(k) for k in MATERIAL_FIELDS})
            for error in material_errors(record):
                if error.field in form.fields:
                    form.add_error(error.field, error.reason)
            key = record["key"]
            if key in seen:
                form.add_error("key", _(
                    "Material %(other)d of this item has the same key “%(key)s”."
                ) % {"other": seen[key], "key": key})
            seen[key] = number


class MaterialInline(admin.TabularInline):
    model = Material
    form = MaterialForm
    formset = MaterialFormSet
    extra = 1
    fields = ("position", "name", "key", "requirement", "condition", "form", "paper_copies",
              "source", "blank_form", "sample", "notes")


def _item_record(form: forms.ModelForm, material_formset: forms.BaseInlineFormSet) -> dict:
    data = form.cleaned_data
    record: dict[str, Any] = {k: data[k] for k in ITEM_FIELDS if k in data}
    record["department"] = data["department"].code
    record["co_units"] = [unit.code for unit in data.get("co_units") or []]
    flags = ((Delivery.WINDOW, "delivery_window"), (Delivery.POST, "delivery_post"),
             (Delivery.ELECTRONIC, "delivery_electronic"))
    record["delivery_methods"] = [m.value for m, flag in flags if data.get(flag)]
    record["special_procedures"] = list(data.get("special_procedures") or [])
    rows = []
    for form_ in material_formset.forms:
        row = getattr(form_, "cleaned_data", None)
        if not row or row.get("DELETE") or not row.get("name"):
            continue
        rows.append(row)
    rows.sort(key=lambda r: r.get("position") or 0)
    record["materials"] = [normalise_material({k: row.get(k) for k in MATERIAL_FIELDS})
                           for row in rows]
    return record


class ServicesSaveMixin:
    """Saves the whole object through a service in save_related; save_model writes nothing."""

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm,
                   change: bool) -> None:
        pass  # saved whole, with its inlines, in save_related

    def construct_change_message(self, request: HttpRequest, form: forms.ModelForm,
                                 formsets: list, add: bool = False) -> list:
        # The inlines were not saved by their formsets (the service saved them), so
        # the log entry describes the main form's changes only.
        return construct_change_message(form, [], add)

    def _adopt(self, request: HttpRequest, form: forms.ModelForm, saved: services.Saved) -> None:
        """Point the admin's object at the saved row so its redirect and log entry work."""
        form.instance.pk = saved.obj.pk
        form.instance.version = saved.obj.version
        if saved.outcome == services.UNCHANGED:
            messages.info(request, _("Nothing changed."))


@admin.register(ServiceItem)
class ServiceItemAdmin(ServicesSaveMixin, admin.ModelAdmin):
    form = ServiceItemForm
    inlines = [MaterialInline]
    list_display = ("code", "name", "department", "kind", "committed_limit", "legal_limit",
                    "trips_required", "online_depth", "is_active", "version")
    list_filter = ("is_active", "kind", "online_depth", "handling", "department")
    search_fields = ("code", "name", "result_name")
    list_select_related = ("department",)
    filter_horizontal = ("co_units",)
    readonly_fields = ("version",)
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "department", "co_units", "is_active",
                           "version")}),
        (gettext_lazy("Limits and handling"), {"fields": (
            "legal_limit", "committed_limit", "handling", "trips_required", "online_depth",
            "special_procedures", "approval_on_commitment")}),
        (gettext_lazy("Result, fees, delivery"), {"fields": (
            "result_name", "charges_fee", "fee", "fee_basis", "delivery_window", "delivery_post",
            "delivery_electronic")}),
        (gettext_lazy("Where and how"), {"fields": ("window", "location", "hours", "phone")}),
        (gettext_lazy("Guide"), {"fields": ("conditions", "legal_basis")}),
        (gettext_lazy("Green channel"), {"classes": ("collapse",),
                                         "fields": ("application_fields", "green_channel_rules")}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list,
                     change: bool) -> None:
        material_formset = next(f for f in formsets if f.model is Material)
        record = _item_record(form, material_formset)
        try:
            saved = services.save_item(record=record, by=request.user)
        except ValidationFailed as exc:
            # The forms above check the same rules; reaching here means a race or a gap.
            raise ValidationError([f"{e.field}: {e.reason}" for e in exc.errors]) from exc
        self._adopt(request, form, saved)


class MemberForm(forms.ModelForm):
    waits_for = forms.ModelMultipleChoiceField(
        label=gettext_lazy("waits for"), queryset=ServiceItem.objects.all(), required=False,
        help_text=gettext_lazy("Items of this package that must finish first."),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    class Meta:
        model = PackageMember
        fields = ("position", "item")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = self.instance
        if member.pk:
            self.fields["waits_for"].initial = [
                d.requires_id for d in member.package.dependencies.filter(item_id=member.item_id)
            ]


class MemberFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        rows = [f.cleaned_data for f in self.forms
                if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
                and f.cleaned_data.get("item")]
        items = [row["item"] for row in rows]
        if not items:
            raise ValidationError(_("A package needs at least one item."))
        codes = [item.code for item in items]
        if len(set(codes)) != len(codes):
            raise ValidationError(_("The item “%(code)s” is listed twice.") % {
                "code": next(c for c in codes if codes.count(c) > 1)})
        names = {item.code: item.name for item in items}
        edges = []
        for row in rows:
            for required in row.get("waits_for") or []:
                if required.code not in names:
                    raise ValidationError(_("“%(code)s” is not an item of this package.")
                                          % {"code": f"{required.name}（{required.code}）"})
                if required.code == row["item"].code:
                    raise ValidationError(_("“%(name)s” cannot wait for itself.")
                                          % {"name": required.name})
                edges.append((required.code, row["item"].code))
        cycle = find_cycle(codes, edges)
        if cycle:
            raise ValidationError(_("The dependencies go round in a circle: %(cycle)s. "
                                    "Remove one of them.")
                                  % {"cycle": " → ".join(f"{names[c]}（{c}）" for c in cycle)})


class MemberInline(admin.TabularInline):
    model = PackageMember
    form = MemberForm
    formset = MemberFormSet
    extra = 1
    autocomplete_fields = ("item",)
    fields = ("position", "item", "waits_for")


@admin.register(Package)
class PackageAdmin(ServicesSaveMixin, admin.ModelAdmin):
    inlines = [MemberInline]
    list_display = ("code", "name", "category", "lead_department", "committed_limit", "is_active",
                    "version")
    list_filter = ("category", "is_active")
    search_fields = ("code", "name")
    readonly_fields = ("version", "figures")
    fields = ("code", "name", "category", "lead_department", "committed_limit", "description",
              "is_active", "version", "figures")

    @admin.display(description=gettext_lazy("computed figures"))
    def figures(self, obj: Package) -> str:
        if not obj.pk or not obj.is_active:
            return "—"
        f = selectors.package_by_code(obj.code).figures
        return _("%(one)d working days one by one, critical path %(critical)d, package limit "
                 "%(limit)d; trips %(t1)d → %(t2)d; materials %(m1)d → %(m2)d") % {
            "one": f.one_by_one_days, "critical": f.critical_path_days, "limit": f.package_limit,
            "t1": f.trips_one_by_one, "t2": f.trips_package,
            "m1": f.materials_one_by_one, "m2": f.materials_package,
        }

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list,
                     change: bool) -> None:
        data = form.cleaned_data
        members = next(f for f in formsets if f.model is PackageMember)
        rows = sorted(
            (f.cleaned_data for f in members.forms
             if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
             and f.cleaned_data.get("item")),
            key=lambda row: row.get("position") or 0,
        )
        record = {
            "code": data["code"], "name": data["name"], "category": data["category"],
            "lead_department": data["lead_department"].code if data.get("lead_department") else "",
            "committed_limit": data["committed_limit"], "description": data.get("description", ""),
            "is_active": data.get("is_active", True),
            "items": [row["item"].code for row in rows],
            "dependencies": [{"item": row["item"].code, "requires": required.code}
                             for row in rows for required in row.get("waits_for") or []],
        }
        try:
            saved = services.save_package(record=record, by=request.user)
        except ValidationFailed as exc:
            raise ValidationError([f"{e.field}: {e.reason}" for e in exc.errors]) from exc
        self._adopt(request, form, saved)


class VersionAdmin(admin.ModelAdmin):
    """Versions are written by the services only and never change."""

    list_display = ("__str__", "number", "created_at", "created_by")
    readonly_fields = ("number", "snapshot", "created_at", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ItemVersion)
class ItemVersionAdmin(VersionAdmin):
    list_filter = ("created_at",)
    search_fields = ("item__code", "item__name")


@admin.register(PackageVersion)
class PackageVersionAdmin(VersionAdmin):
    search_fields = ("package__code", "package__name")
