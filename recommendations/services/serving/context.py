"""One request as it moves through the serving pipeline: what was asked, and what each stage found.

Every stage of every slot takes this context and nothing else (gorse's server/rest.go is the model):
it reads what earlier stages left, fills `pool` or answers the request whole (`result`), and notes
what it did in `trace`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from recommendations.engine.algorithms.popularity import GLOBAL
from recommendations.services.serving import reads
from recommendations.services.serving.request_filter import NO_FILTER, RequestFilter
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.sources import Source
from recommendations.services.serving.specs import SlotSpec, VariantSpec
from recommendations.services.serving.state import ServingState
from recommendations.services.serving.steps import Entry, Trace

# Backfill fills a list to at least PAGE_POOL so a few pages of infinite scroll follow the first.
PAGE_POOL = 60


@dataclass
class ServingContext:
    # what was asked
    slot: str
    user_id: str
    state: ServingState
    now: dt.datetime
    trace: Trace
    limit: int = 0
    offset: int = 0
    session_id: str = ""
    recommendation_id: str | None = None
    variant: str | None = None  # forced (the staff preview)
    subject: str = ""  # what the list is about: the item of similar items, the shop of similar shops
    filters: RequestFilter = NO_FILTER  # what the app narrowed this request to
    fields: tuple[str, ...] = ()  # the catalogue fields the app wants beside each item (item_details)
    # what the stages found
    spec: SlotSpec | None = None
    chosen: VariantSpec | None = None
    chain: list[str] = field(default_factory=list)
    user: reads.UserRow | None = None
    lists: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    activity: list[reads.Activity] = field(default_factory=list)
    shown: dict[int, int] = field(default_factory=dict)  # items shown to the user unopened: pages, by key (fatigue)
    segments: list[str] = field(default_factory=lambda: [GLOBAL])
    sources: list[Source] = field(default_factory=list)
    # what supplied the list (the first source that had one), for the answer and its impression
    algorithm: str = ""
    model_version: int | None = None
    subject_key: int | None = None
    subject_category: str = ""
    pool: list[Entry] = field(default_factory=list)  # the ranked list the page is cut from
    children: dict[int, list[int]] = field(default_factory=dict)  # a feature's item keys, by feature key
    result: Recommendation | None = None  # set once the request is answered
    paged: bool = False  # answered from a list stored under recommendation_id

    @property
    def need(self) -> int:
        """How many entries the list should hold: this page and the next few."""
        return max(self.offset + self.limit, PAGE_POOL)
