"""Admin for NG lists, pins, boosts and buries. Each entry records who made it.

The curation issue builds the full merchandiser tool (CSV upload, history, preview); these pages
already take effect at the next API request.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from curation.models import Boost, NgItem, NgShop, Pin


class AttributedAdmin(admin.ModelAdmin):
    exclude = ("created_by", "created_at")
    readonly_fields = ()

    def save_model(self, request: HttpRequest, obj: object, form: object, change: bool) -> None:
        if not change:
            obj.created_by = request.user.get_username()
        super().save_model(request, obj, form, change)


@admin.register(NgItem)
class NgItemAdmin(AttributedAdmin):
    list_display = ("item", "reason", "created_by", "created_at")
    search_fields = ("item__external_id", "item__title", "reason")
    autocomplete_fields = ("item",)


@admin.register(NgShop)
class NgShopAdmin(AttributedAdmin):
    list_display = ("shop", "reason", "created_by", "created_at")
    search_fields = ("shop__external_id", "shop__name", "reason")
    autocomplete_fields = ("shop",)


@admin.register(Pin)
class PinAdmin(AttributedAdmin):
    list_display = ("slot", "position", "item", "shop", "starts_at", "ends_at", "note", "created_by")
    list_filter = ("slot",)
    autocomplete_fields = ("item", "shop")


@admin.register(Boost)
class BoostAdmin(AttributedAdmin):
    list_display = ("slot", "item", "shop", "category_path", "factor", "starts_at", "ends_at", "note", "created_by")
    list_filter = ("slot",)
    autocomplete_fields = ("item", "shop")
