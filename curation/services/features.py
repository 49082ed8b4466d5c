"""Themed features: saving, publishing and unpublishing, one path each whatever the admin screen."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from curation.models import Feature
from recommendations.generation import generation_changed


def feature_save(feature: Feature, *, by: str) -> Feature:
    """Save a feature (validated by its form or full_clean); a new one records who made it."""
    if feature.pk is None:
        feature.created_by = by
        feature.source = feature.source or "made by hand"
    with transaction.atomic():
        feature.save()
        generation_changed()
    return feature


def features_status_set(features: Iterable[Feature], status: Feature.Status) -> int:
    """Publish (or send back to draft) each feature, with its history; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for feature in features:
            if feature.status != status:
                feature.status = status
                feature.save(update_fields=["status", "updated_at"])
                changed += 1
        if changed:
            generation_changed()
    return changed
