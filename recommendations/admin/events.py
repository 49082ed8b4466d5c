from django.contrib import admin
from django.http import HttpRequest

from recommendations.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Events are the app's record of what happened: staff may look and filter, never edit."""

    list_display = ("occurred_at", "type", "user", "item", "session_id")
    list_filter = ("type",)
    list_select_related = ("user", "item")
    search_fields = ("=user__external_id", "=item__external_id", "=session_id", "=event_id")
    date_hierarchy = "occurred_at"
    ordering = ["-occurred_at"]
    show_full_result_count = False  # counting millions of events on every page view is slow

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False
