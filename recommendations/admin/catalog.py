from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from curation.admin_actions import ng_add_action
from recommendations.models import AppUser, Item, Shop


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("external_id", "name", "item_count", "created_at", "updated_at")
    search_fields = ("external_id", "name")
    readonly_fields = ("updated_at",)
    actions = [ng_add_action("shops")]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_item_count=Count("items"))

    @admin.display(description="items", ordering="_item_count")
    def item_count(self, obj: Shop) -> int:
        return obj._item_count


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("external_id", "title", "shop_name", "category_path", "price", "published", "in_stock")
    list_filter = ("published", "in_stock")
    list_select_related = ("shop",)
    search_fields = ("external_id", "title", "category_path", "shop__external_id", "shop__name")
    autocomplete_fields = ("shop",)
    readonly_fields = ("updated_at",)
    actions = [ng_add_action("items")]

    @admin.display(description="shop", ordering="shop__name")
    def shop_name(self, obj: Item) -> str:
        return obj.shop.name


@admin.register(AppUser)
class AppUserAdmin(admin.ModelAdmin):
    list_display = ("external_id", "gender", "birth_year", "region", "created_at")
    list_filter = ("gender", "region")
    search_fields = ("external_id",)
    readonly_fields = ("updated_at",)
