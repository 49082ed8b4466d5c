"""Themed features for a user: the features slot of the API (the features are curated in curation/)."""

from __future__ import annotations

import uuid


def features_for_user_response(user_id: str, limit: int = 10) -> dict:
    """The published, in-schedule features for the user, closest to what they do first, each with its first items."""
    from curation.services.features import features_for_user

    return {
        "recommendation_id": str(uuid.uuid4()),
        "slot": "features",
        "features": features_for_user(user_id, limit=limit),
    }
