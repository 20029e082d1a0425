from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Category, KnowledgeEntry, Open311Client, ServiceAttribute


class ServiceAttributeInline(admin.TabularInline):
    model = ServiceAttribute
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories are written through services.upsert_category (audited), never saved here."""

    list_display = ("path", "code", "default_unit", "local", "is_active")
    list_filter = ("is_active", "local")
    search_fields = ("path", "code", "keywords")
    fields = (
        "path",
        "code",
        "description",
        "keywords",
        "default_unit",
        "local",
        "sort_order",
        "is_active",
    )
    inlines = [ServiceAttributeInline]

    def get_readonly_fields(self, request, obj=None):
        return ("path", "code") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        saved = services.upsert_category(
            path=obj.path,
            code=obj.code,
            by=request.user,
            default_unit=obj.default_unit,
            local=obj.local,
            keywords=obj.keywords.split(),
            sort_order=obj.sort_order,
            description=obj.description,
            is_active=obj.is_active,
        )
        obj.pk = saved.pk


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    list_display = ("question", "category", "is_active")
    search_fields = ("question", "answer", "keywords")


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("name", "prefix", "created_at", "revoked_at")
    exclude = ("digest",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        # Keys are shown once, in clear, by `manage.py open311_key NAME`.
        return False

    @admin.action(description=_("Revoke the selected Open311 keys"))
    def revoke(self, request, queryset):
        for client in queryset:
            services.revoke_open311_key(client=client, by=request.user)
