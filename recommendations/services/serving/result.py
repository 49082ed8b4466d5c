"""What the pipeline returns: one page of a ranked list, and how it was made."""

from __future__ import annotations

from dataclasses import dataclass, field

from recommendations.services.serving.steps import Entry, Trace


@dataclass
class Recommendation:
    recommendation_id: str
    slot: str
    variant: str
    algorithm: str  # what supplied the list (the first of the chain that had one)
    model_version: int | None
    offset: int
    entries: list[Entry]  # this page, in order
    external_ids: dict[int, str]  # key -> item or shop id
    total: int  # entries the recommendation_id can page through
    trace: Trace = field(default_factory=Trace)
    user_known: bool = True
