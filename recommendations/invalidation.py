"""The safety net for writes that bypass the services: each save or delete of what workers keep in memory
(serving state, API keys) makes them rebuild it at their next request.

Services say so themselves after their writes (generation_changed); these signals remain for the writes
that go around them: the admin's plain model forms and inlines (slot settings and variants, API keys,
Personalize resources), the admin's "delete selected" action and history "Revert" on curation entries,
and anything done in `manage.py shell`. A bulk queryset update sends no signal: its caller says so.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from recommendations.generation import generation_changed


def _changed(sender: type, **kwargs: object) -> None:
    generation_changed()


def _campaign_changed(sender: type, instance: object, **kwargs: object) -> None:
    if getattr(instance, "kind", "") in ("campaign", "filter"):
        generation_changed()


def connect_invalidation() -> None:
    """Connect the signals (from AppConfig.ready)."""
    from curation.models import Boost, Feature, FeatureItem, NgCategory, NgItem, NgShop, Pin
    from recommendations.models import ApiKey, ModelVersion, PersonalizeResource, SlotConfig, Variant, VariantPin

    for model in (
        NgItem,
        NgShop,
        NgCategory,
        Pin,
        Boost,
        Feature,
        FeatureItem,
        SlotConfig,
        Variant,
        VariantPin,
        ModelVersion,
        ApiKey,
    ):
        post_save.connect(_changed, sender=model, dispatch_uid=f"serving-state-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"serving-state-{model.__name__}-delete")
    # of Personalize's resources only campaigns and filters are used in serving; jobs' status polls change nothing here
    post_save.connect(_campaign_changed, sender=PersonalizeResource, dispatch_uid="serving-state-campaign-save")
    post_delete.connect(_campaign_changed, sender=PersonalizeResource, dispatch_uid="serving-state-campaign-delete")
