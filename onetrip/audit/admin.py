from django.contrib import admin

from .models import Checkpoint, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, through services, never edited here."""

    list_display = ("at", "actor_name", "action", "object_type", "object_id", "seq")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_name", "action")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ("id", "at", "event_count", "hash")
    exclude = ("heads",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
