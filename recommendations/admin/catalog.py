from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy

from curation.admin.actions import ng_add_action
from recommendations.admin.preview import preview_view
from recommendations.models import AppUser, Item, Shop
from recsite.admin_access import NamedActionPermissions, columns_allowed, permission_view


@admin.register(Shop)
class ShopAdmin(NamedActionPermissions, admin.ModelAdmin):
    list_display = ("external_id", "name", "item_count", "created_at", "updated_at")
    search_fields = ("external_id", "name")
    readonly_fields = ("updated_at",)
    actions = [ng_add_action("shops")]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_item_count=Count("items"))

    @admin.display(description=gettext_lazy("items"), ordering="_item_count")
    def item_count(self, obj: Shop) -> int:
        return obj._item_count


@admin.register(Item)
class ItemAdmin(NamedActionPermissions, admin.ModelAdmin):
    list_display = ("external_id", "title", "shop_name", "category_path", "price", "published", "in_stock")
    list_filter = ("published", "in_stock")
    list_select_related = ("shop",)
    search_fields = ("external_id", "title", "category_path", "shop__external_id", "shop__name")
    autocomplete_fields = ("shop",)
    readonly_fields = ("updated_at",)
    actions = [ng_add_action("items")]

    @admin.display(description=gettext_lazy("shop"), ordering="shop__name")
    def shop_name(self, obj: Item) -> str:
        return obj.shop.name


@admin.register(AppUser)
class AppUserAdmin(admin.ModelAdmin):
    list_display = ("external_id", "gender", "birth_year", "region", "created_at", "preview_link")
    list_filter = ("gender", "region")
    search_fields = ("external_id",)

    def get_urls(self) -> list:
        return [
            path(
                "preview/",
                permission_view(self, preview_view, "recommendations.preview_recommendations"),
                name="recommendations_preview",
            ),
            *super().get_urls(),
        ]

    def get_list_display(self, request: HttpRequest) -> tuple:
        shown = super().get_list_display(request)
        return columns_allowed(request, shown, "preview_link", "recommendations.preview_recommendations")

    @admin.display(description=gettext_lazy("recommendations"))
    def preview_link(self, obj: AppUser) -> str:
        url = f"{reverse('admin:recommendations_preview')}?{urlencode({'user_id': obj.external_id})}"
        return format_html('<a href="{}">{}</a>', url, gettext("preview"))

    readonly_fields = ("updated_at",)
