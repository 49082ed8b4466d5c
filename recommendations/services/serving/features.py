"""Themed features for a user. Features themselves arrive with curation; until then the list is empty."""

from __future__ import annotations

import uuid


def features_for_user(user_id: str) -> dict:
    """The published, in-schedule features for the user, best first (none are defined yet)."""
    return {"recommendation_id": str(uuid.uuid4()), "slot": "features", "features": []}
