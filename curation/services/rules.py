"""Pins, boosts and buries: every save goes through here, so each is attributed, takes effect at the next
request and comes back with what a merchandiser should know about it (conflicts)."""

from __future__ import annotations

from django.db import transaction

from curation.models import Boost, Pin
from curation.services.rule_conflicts import boost_conflicts, pin_conflicts
from recommendations.generation import generation_changed


def rule_save(rule: Pin | Boost, *, by: str) -> list[str]:
    """Save a pin or boost (validated by its form or full_clean); returns the conflict warnings it now has."""
    if rule.pk is None:
        rule.created_by = by
    with transaction.atomic():
        rule.save()
        generation_changed()
    return pin_conflicts(rule) if isinstance(rule, Pin) else boost_conflicts(rule)
