"""Which recommendation each event follows from, and the daily counts per slot and variant.

An event is attributed to a recommendation when it carries that recommendation's id; otherwise to
the latest impression that showed the same item to the same user within `window` before the event
(last touch wins). docs/measurement.md states the rule. Pure pandas: no Django.
"""

from __future__ import annotations

import pandas as pd

EVENT_TYPES = ("view", "favorite", "cart_add", "purchase")
GROUP = ["slot", "variant", "algorithm"]
EVENT_COLUMNS = ["user_id", "item_id", "type", "occurred_at", "recommendation_id"]
IMPRESSION_COLUMNS = ["recommendation_id", "user_id", "slot", "variant", "algorithm", "served_at", "keys"]


def attribute(events: pd.DataFrame, impressions: pd.DataFrame, window: pd.Timedelta) -> pd.DataFrame:
    """`events` with slot, variant, algorithm and attributed_to (a recommendation id) added; NaN where
    nothing attributes. `impressions.keys` holds the list of item keys each impression showed."""
    out = events.copy()
    for column in [*GROUP, "attributed_to"]:
        out[column] = pd.Series([None] * len(out), index=out.index, dtype="object")
    if not len(out) or not len(impressions):
        return out
    # 1. the event names its recommendation
    lists = impressions.drop_duplicates("recommendation_id").set_index("recommendation_id")[GROUP]
    named = out["recommendation_id"].fillna("").astype(str)
    known = named.isin(lists.index)
    for column in GROUP:
        out.loc[known, column] = named[known].map(lists[column])
    out.loc[known, "attributed_to"] = named[known]
    # 2. otherwise the last impression that showed the item to the user within the window
    rest = out[~known & out["type"].isin(EVENT_TYPES)]
    if len(rest):
        shown = impressions[["recommendation_id", "user_id", *GROUP, "served_at", "keys"]].explode("keys")
        shown = shown.dropna(subset=["keys"]).rename(columns={"keys": "item_id"})
        shown["item_id"] = shown["item_id"].astype("int64")
        left = rest[["user_id", "item_id", "occurred_at"]].reset_index().sort_values("occurred_at")
        right = shown.sort_values("served_at")
        matched = pd.merge_asof(
            left,
            right,
            left_on="occurred_at",
            right_on="served_at",
            by=["user_id", "item_id"],
            direction="backward",
            tolerance=window,
        ).set_index("index")
        hit = matched["recommendation_id"].notna()
        for column in GROUP:
            out.loc[matched.index[hit], column] = matched.loc[hit, column]
        out.loc[matched.index[hit], "attributed_to"] = matched.loc[hit, "recommendation_id"].astype(str)
    return out


def daily_counts(attributed: pd.DataFrame, impressions: pd.DataFrame) -> pd.DataFrame:
    """Per (slot, variant, algorithm): lists served, pages, items shown, user-days, and for each event
    type the attributed events, the users who had one and the items it was about. Both frames hold one
    day's rows."""
    if len(impressions):
        shown = impressions.assign(items=impressions["keys"].map(len))
        base = shown.groupby(GROUP, dropna=False).agg(
            lists=("recommendation_id", "nunique"),
            pages=("recommendation_id", "size"),
            items_shown=("items", "sum"),
            users=("user_id", "nunique"),
        )
    else:
        base = pd.DataFrame(
            columns=["lists", "pages", "items_shown", "users"], index=pd.MultiIndex.from_tuples([], names=GROUP)
        )
    hits = attributed.dropna(subset=["attributed_to"])
    for kind in EVENT_TYPES:
        of_kind = hits[hits["type"] == kind]
        grouped = of_kind.groupby(GROUP, dropna=False)
        base = base.join(grouped.size().rename(f"{kind}_events"), how="outer")
        base = base.join(grouped["user_id"].nunique().rename(f"{kind}_users"), how="outer")
        base = base.join(grouped["item_id"].nunique().rename(f"{kind}_items"), how="outer")
    base = base.join(_revenue(hits, GROUP), how="outer")
    return _typed(base.fillna(0)).reset_index()


def daily_user_counts(attributed: pd.DataFrame, impressions: pd.DataFrame) -> pd.DataFrame:
    """Per (slot, variant, user): lists served that day and the events of each type attributed to the
    variant. A user counts once per variant whichever algorithms of its chain served them."""
    keys = ["slot", "variant", "user_id"]
    if len(impressions):
        base = impressions.groupby(keys, dropna=False).agg(lists=("recommendation_id", "nunique"))
    else:
        base = pd.DataFrame(columns=["lists"], index=pd.MultiIndex.from_tuples([], names=keys))
    hits = attributed.dropna(subset=["attributed_to"])
    for kind in EVENT_TYPES:
        grouped = hits[hits["type"] == kind].groupby(keys, dropna=False)
        base = base.join(grouped.size().rename(f"{kind}_events"), how="outer")
    base = base.join(_revenue(hits, keys), how="outer")
    return _typed(base.fillna(0)).reset_index()


def _revenue(hits: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The summed value of the attributed purchases (events without a value count 0)."""
    purchases = hits[hits["type"] == "purchase"]
    values = pd.to_numeric(purchases["value"], errors="coerce").fillna(0.0) if "value" in purchases else 0.0
    return purchases.assign(revenue=values).groupby(keys, dropna=False)["revenue"].sum().round(2)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts as integers, revenue as a float rounded to the yen or cent."""
    return frame.astype({c: ("float64" if c == "revenue" else "int64") for c in frame.columns})
