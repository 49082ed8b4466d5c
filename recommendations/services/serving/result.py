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
    external_ids: dict[int, str]  # key -> item, shop or feature id
    total: int  # entries the recommendation_id can page through
    trace: Trace = field(default_factory=Trace)
    user_known: bool = True
    # features: each feature's servable items (keys) and what the app shows of it
    children: dict[int, list[int]] = field(default_factory=dict)
    details: dict[int, dict] = field(default_factory=dict)
    # with explain: every key the recommendation_id pages through, in order (the preview's "why not")
    ranked_keys: list[int] = field(default_factory=list)

    def shown_keys(self) -> list[int]:
        """The keys the user saw, for the impression: a feature page's items, else the entries themselves."""
        if self.slot == "features":
            return [k for e in self.entries for k in self.children.get(e.key, [])]
        return [e.key for e in self.entries]
