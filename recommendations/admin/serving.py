"""Admin for how slots are served: size, per-shop cap, experiment variants, users pinned to a variant."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recommendations.admin.experiments import dashboard_view
from recommendations.admin.fallback_chain import VariantForm
from recommendations.models import (
    CONFIGURED_SLOTS,
    Impression,
    ModelVersion,
    SlotConfig,
    Variant,
    VariantPin,
)
from recommendations.services.serving.sources import POPULARITY_ALGORITHMS
from recommendations.services.serving.state import current_state
from recommendations.services.stored_times import times_out_of_range
from recommendations.services.variant_pins import variant_pin_save
from recsite.admin_access import columns_allowed, permission_view


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantForm
    extra = 0
    fields = ("name", "algorithm", "fallbacks", "weight", "share", "live_version")
    readonly_fields = ("share", "live_version")

    @admin.display(description=gettext_lazy("share of users"))
    def share(self, obj: Variant) -> str:
        if not obj.pk:
            return "-"
        total = sum(v.weight for v in obj.slot.variants.all())
        return f"{100 * obj.weight / total:.0f}%" if total else "-"

    @admin.display(description=gettext_lazy("serves from"))
    def live_version(self, obj: Variant) -> str:
        if not obj.pk:
            return "-"
        wanted = [*obj.chain, "segment_popularity"]
        live = {v.algorithm: v for v in ModelVersion.objects.filter(is_live=True, algorithm__in=wanted)}
        for algorithm in obj.chain:
            # popularity lists are the segment lists' "all" segment, as serving reads them (sources.py)
            if algorithm not in live and algorithm in POPULARITY_ALGORITHMS and "segment_popularity" in live:
                live[algorithm] = live["segment_popularity"]
        no_version = _("%(algorithm)s: no live version")
        parts = [f"{a} v{live[a].pk}" if a in live else no_version % {"algorithm": a} for a in obj.chain]
        if obj.algorithm not in live:
            return format_html("<strong>{}</strong>: {}", _("falls back"), " → ".join(parts))
        return " → ".join(parts)


@admin.register(SlotConfig)
class SlotConfigAdmin(admin.ModelAdmin):
    list_display = (
        "slot",
        "size",
        "per_shop_cap",
        "per_category_cap",
        "exploration_share",
        "fatigue_shows",
        "experiment",
        "variant_summary",
        "dashboard",
    )
    inlines = [VariantInline]
    fieldsets = (
        (None, {"fields": ("slot", "size", "experiment")}),
        (
            gettext_lazy("Variety"),
            {
                "fields": ("per_shop_cap", "per_category_cap"),
                "description": gettext_lazy("Limits that keep one shop or one category from filling a list."),
            },
        ),
        (
            gettext_lazy("New items"),
            {
                "fields": ("exploration_share", "exploration_after", "new_item_days"),
                "description": gettext_lazy(
                    "Positions given to new items so they are seen before any model knows them. They are marked "
                    "'exploration' in the preview and counted apart on the experiment dashboard."
                ),
            },
        ),
        (
            gettext_lazy("Rotation"),
            {
                "fields": ("fatigue_shows", "fatigue_days"),
                "description": gettext_lazy(
                    "Items a user keeps seeing without opening move down their list, so it changes from day to day."
                ),
            },
        ),
    )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> object:
        for problem in current_state().skipped:
            messages.warning(
                request, _("Serving leaves out a stored row it cannot use: %(problem)s.") % {"problem": problem}
            )
        for problem in times_out_of_range():
            messages.warning(request, _("%(problem)s Fix or delete them (docs/operations.md).") % {"problem": problem})
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list:
        return [
            path(
                "<str:slot>/dashboard/",
                permission_view(self, dashboard_view, "recommendations.view_experiment"),
                name="recommendations_experiment_dashboard",
            ),
            *super().get_urls(),
        ]

    def get_list_display(self, request: HttpRequest) -> tuple:
        shown = super().get_list_display(request)
        return columns_allowed(request, shown, "dashboard", "recommendations.view_experiment")

    @admin.display(description=gettext_lazy("experiment"))
    def dashboard(self, obj: SlotConfig) -> str:
        url = reverse("admin:recommendations_experiment_dashboard", args=[obj.slot])
        return format_html('<a href="{}">{}</a>', url, _("dashboard"))

    @admin.display(description=gettext_lazy("variants"))
    def variant_summary(self, obj: SlotConfig) -> str:
        each = _("%(name)s: %(algorithm)s (weight %(weight)s)")
        summary = [each % {"name": v.name, "algorithm": v.algorithm, "weight": v.weight} for v in obj.variants.all()]
        return ", ".join(summary) or _("none")

    def get_readonly_fields(self, request: HttpRequest, obj: SlotConfig | None = None) -> tuple[str, ...]:
        fixed = ("slot",) if obj else ()
        if not request.user.has_perm("recommendations.change_variant"):
            # merchandisers tune variety, new items and rotation; the experiment (its name reshuffles users)
            # and the page size stay with whoever runs the experiments
            fixed += ("size", "experiment")
        return fixed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return SlotConfig.objects.count() < len(CONFIGURED_SLOTS)  # every slot exists from the migrations

    def has_delete_permission(self, request: HttpRequest, obj: SlotConfig | None = None) -> bool:
        return False


@admin.register(VariantPin)
class VariantPinAdmin(admin.ModelAdmin):
    list_display = ("user", "variant", "created_by", "created_at")
    list_filter = ("variant__slot", "variant__name")
    autocomplete_fields = ("user",)
    search_fields = ("user__external_id",)
    exclude = ("created_by", "created_at")

    def save_model(self, request: HttpRequest, obj: VariantPin, form: object, change: bool) -> None:
        variant_pin_save(obj, by=request.user.get_username())


@admin.register(Impression)
class ImpressionAdmin(admin.ModelAdmin):
    list_display = ("served_at", "slot", "variant", "algorithm", "model_version", "served_to", "offset", "size")
    list_filter = ("slot", "variant", "algorithm")
    search_fields = ("=user__external_id", "=user_ref", "=recommendation_id")
    date_hierarchy = "served_at"
    show_full_result_count = False

    @admin.display(description=gettext_lazy("user"))
    def served_to(self, obj: Impression) -> str:
        if obj.user_id is not None:
            return obj.user.external_id
        return _("%(user)s (not a user yet)") % {"user": obj.user_ref}

    @admin.display(description=gettext_lazy("entries"))
    def size(self, obj: Impression) -> int:
        return len(obj.shown)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Impression | None = None) -> bool:
        return False
