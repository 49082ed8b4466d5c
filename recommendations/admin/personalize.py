"""Admin page of what recsite knows of its Amazon Personalize resources."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from recommendations.models import PersonalizeResource
from recsite.admin_access import NamedActionPermissions


@admin.register(PersonalizeResource)
class PersonalizeResourceAdmin(NamedActionPermissions, admin.ModelAdmin):
    """What recsite knows of its Amazon Personalize resources; refreshed from AWS every 5 minutes."""

    list_display = ("kind", "name", "status", "arn", "updated_at")
    list_filter = ("kind", "status")
    search_fields = ("name", "arn")
    readonly_fields = ("kind", "name", "arn", "status", "details", "created_at", "updated_at")
    actions = ["refresh"]

    @admin.action(description="Ask AWS for the status now", permissions=["recommendations.change_personalizeresource"])
    def refresh(self, request: HttpRequest, queryset: QuerySet) -> None:
        from recommendations.services.personalize.setup import status_refresh

        for resource in queryset.exclude(arn=""):
            status_refresh(resource)
        self.message_user(request, f"Refreshed {queryset.count()} resource(s).")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
