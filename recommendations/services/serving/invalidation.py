"""Every save or delete of what workers keep in memory (serving state, API keys) makes them rebuild it."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from recommendations.services.serving.state import serving_state_changed


def _changed(sender: type, **kwargs: object) -> None:
    serving_state_changed()


def _campaign_changed(sender: type, instance: object, **kwargs: object) -> None:
    if getattr(instance, "kind", "") in ("campaign", "filter"):
        serving_state_changed()


def connect_invalidation() -> None:
    """Connect the signals (from AppConfig.ready). Bulk updates call serving_state_changed themselves."""
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
