"""The interaction-matrix settings as recsite runs them (the engine has no defaults of its own)."""

from django.conf import settings


def matrix_options(**overrides: object) -> dict:
    return {
        "weights": settings.TRAINING_EVENT_WEIGHTS,
        "half_life_days": settings.TRAINING_HALF_LIFE_DAYS,
        "recency_half_life_events": settings.TRAINING_RECENCY_HALF_LIFE_EVENTS,
        **overrides,
    }
