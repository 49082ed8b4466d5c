"""Cold-start evaluation: how well a model ranks for users it has never seen, from attributes alone.

Two ways to get such users: `new_users_split` takes the users whose first event comes after a
cut-off date (real newcomers, as in a marketplace where most customers buy once); `held_out_users_split`
hides a random share of users entirely. Hits are counted for items and for any grouping of items
(shops, categories), whose ranking follows the best-ranked item of each group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommendations.engine.algorithms import Recommender
from recommendations.engine.interactions import POSITIVE_TYPES

Z95 = 1.959964


@dataclass
class ColdSplit:
    train: pd.DataFrame
    test: pd.DataFrame  # positive events of the cold users


def new_users_split(events: pd.DataFrame, cutoff: dt.datetime) -> ColdSplit:
    first_seen = events.groupby("user_id")["occurred_at"].min()
    newcomers = first_seen[first_seen >= cutoff].index
    train = events[events["occurred_at"] < cutoff]
    test = events[events["user_id"].isin(newcomers) & events["type"].isin(list(POSITIVE_TYPES))]
    return ColdSplit(train, test)


def held_out_users_split(events: pd.DataFrame, fraction: float = 0.2, seed: int = 0) -> ColdSplit:
    users = np.sort(events["user_id"].unique())
    rng = np.random.default_rng(seed)
    hidden = set(rng.choice(users, size=int(len(users) * fraction), replace=False))
    mask = events["user_id"].isin(hidden)
    return ColdSplit(events[~mask], events[mask & events["type"].isin(list(POSITIVE_TYPES))])


def _group_ranking(item_rows: np.ndarray, groups: np.ndarray, k: int) -> list:
    seen: list = []
    for row in item_rows:
        if row < 0:
            break
        group = groups[row]
        if group not in seen and not pd.isna(group):
            seen.append(group)
            if len(seen) == k:
                break
    return seen


def cold_hit_rates(
    model: Recommender,
    split: ColdSplit,
    users: pd.DataFrame,
    *,
    item_groups: dict[str, pd.Series] | None = None,
    k: int = 10,
    depth: int = 500,
) -> dict[str, np.ndarray]:
    """Per cold user, 1 if any of their later items (or item groups) is in the model's top k, else 0."""
    test_users = np.sort(split.test["user_id"].unique())
    profiles = users.reindex(test_users)
    ranked, _scores = model.recommend_cold(profiles, depth)
    truth = split.test.groupby("user_id")["item_id"].apply(set)
    item_ids = np.asarray(model.item_ids)
    hits: dict[str, list[int]] = {"items": []}
    group_arrays = {name: series.reindex(item_ids).to_numpy() for name, series in (item_groups or {}).items()}
    for name in group_arrays:
        hits[name] = []
    for row, user in enumerate(test_users):
        wanted = truth[user]
        top = {item_ids[i] for i in ranked[row][:k] if i >= 0}
        hits["items"].append(int(bool(top & wanted)))
        for name, groups in group_arrays.items():
            wanted_groups = {(item_groups or {})[name].get(i) for i in wanted}
            hits[name].append(int(bool(set(_group_ranking(ranked[row], groups, k)) & wanted_groups)))
    return {name: np.array(values) for name, values in hits.items()}


def mean_with_ci(values: np.ndarray) -> tuple[float, float]:
    """Mean and the half-width of its 95% normal-approximation confidence interval."""
    if len(values) == 0:
        return 0.0, 0.0
    return float(values.mean()), float(Z95 * values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0
