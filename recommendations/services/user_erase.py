"""Erase an app user and everything recsite holds about them (the privacy request every app must honour)."""

from __future__ import annotations

from django.db import transaction

from recommendations.errors import NotFound
from recommendations.models import AppUser
from recommendations.services.personalize.events import personalize_user_delete_later


def app_user_erase(*, external_id: str) -> dict[str, int]:
    """Delete the user and, by cascade, every row that refers to them; returns counts per kind of row."""
    with transaction.atomic():
        user = AppUser.objects.filter(external_id=external_id).first()
        if user is None:
            raise NotFound(f"No user '{external_id}' is known to recsite (already erased, or never seen).")
        _total, per_model = user.delete()
        personalize_user_delete_later(external_id)
    return {label.split(".")[-1].lower(): count for label, count in per_model.items()}
