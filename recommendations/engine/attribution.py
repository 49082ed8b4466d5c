"""Which recommendation each event follows from, and the daily counts per slot and variant.

An event is attributed to a recommendation when it carries that recommendation's id; otherwise to
the latest impression that showed the same item to the same user within `window` before the event
(last touch wins). docs/measurement.md states the rule. Pure pandas: no Django.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EVENT_TYPES = ("view", "favorite", "cart_add", "purchase")
# what a variant should not make worse: counted like the rest, reported as guardrails
GUARDRAIL_TYPES = ("not_interested",)
ATTRIBUTED_TYPES = EVENT_TYPES + GUARDRAIL_TYPES
GROUP = ["slot", "variant", "algorithm"]
EVENT_COLUMNS = ["user_id", "item_id", "type", "occurred_at", "recommendation_id"]
IMPRESSION_COLUMNS = ["recommendation_id", "user_id", "slot", "variant", "algorithm", "served_at", "keys"]
# event types counted apart when their item sat at an exploration position of the page they follow from
EXPLORED_TYPES = ("view", "purchase")


def attribute(
    events: pd.DataFrame, impressions: pd.DataFrame, window: pd.Timedelta, shop_slots: tuple[str, ...] = ()
) -> pd.DataFrame:
    """`events` with slot, variant, algorithm and attributed_to (a recommendation id) added; NaN where
    nothing attributes; and `explored`, whether the item was at an exploration position of that page.
    `impressions.keys` holds the list of item keys each impression showed (`explored`, if present, those
    of them at exploration positions); pages of `shop_slots` show shops, so only an event naming them
    is theirs (a shop's key is not an item's)."""
    out = events.copy()
    for column in [*GROUP, "attributed_to"]:
        out[column] = pd.Series([None] * len(out), index=out.index, dtype="object")
    out["explored"] = False
    if not len(out) or not len(impressions):
        return out
    _attribute_named_or_shown(out, impressions, window, shop_slots)
    _mark_explored(out, impressions)
    return out


def _attribute_named_or_shown(
    out: pd.DataFrame, impressions: pd.DataFrame, window: pd.Timedelta, shop_slots: tuple[str, ...]
) -> None:
    # 1. the event names its recommendation
    lists = impressions.drop_duplicates("recommendation_id").set_index("recommendation_id")[GROUP]
    named = out["recommendation_id"].fillna("").astype(str)
    known = named.isin(lists.index)
    for column in GROUP:
        out.loc[known, column] = named[known].map(lists[column])
    out.loc[known, "attributed_to"] = named[known]
    # 2. otherwise the last impression that showed the item to the user within the window
    rest = out[~known & out["type"].isin(ATTRIBUTED_TYPES)]
    showing_items = impressions[~impressions["slot"].isin(shop_slots)] if shop_slots else impressions
    if len(rest) and len(showing_items):
        _attribute_by_window(out, rest, showing_items.reset_index(drop=True), window)


def _attribute_by_window(
    out: pd.DataFrame, rest: pd.DataFrame, impressions: pd.DataFrame, window: pd.Timedelta
) -> None:
    """Fill `out`'s rows of `rest` from the last impression that showed that user that item within `window`.

    Each (user, item) pair is one integer, so the as-of join matches on a single key, and only the shown
    pairs some event is about take part: a day's pages show a million pairs, its events touch a fraction."""
    lengths = impressions["keys"].map(len).to_numpy()
    page = np.repeat(np.arange(len(impressions)), lengths)
    if not len(page):
        return
    items = np.concatenate(impressions["keys"].to_numpy()).astype(np.int64)
    users = impressions["user_id"].to_numpy(dtype=np.int64)[page]
    event_users, event_items = rest["user_id"].to_numpy(dtype=np.int64), rest["item_id"].to_numpy(dtype=np.int64)
    span = int(max(items.max(), event_items.max())) + 1
    known_user = users >= 0  # a user unknown when served (a negative key) has no events to attribute
    shown = np.where(known_user, users * span + items, -1)
    wanted = event_users * span + event_items
    keep = known_user & np.isin(shown, wanted)
    if not keep.any():
        return
    right = pd.DataFrame(
        {"pair": shown[keep], "served_at": _utc(impressions["served_at"])[page[keep]], "page": page[keep]}
    ).sort_values("served_at", kind="stable")
    left = pd.DataFrame({"pair": wanted, "occurred_at": _utc(rest["occurred_at"]), "row": rest.index}).sort_values(
        "occurred_at", kind="stable"
    )
    matched = pd.merge_asof(
        left, right, left_on="occurred_at", right_on="served_at", by="pair", direction="backward", tolerance=window
    )
    hit = matched["page"].notna().to_numpy()
    if not hit.any():
        return
    pages = matched["page"].to_numpy()[hit].astype(np.int64)
    rows = matched["row"].to_numpy()[hit]
    for column in GROUP:
        out.loc[rows, column] = impressions[column].to_numpy()[pages]
    out.loc[rows, "attributed_to"] = impressions["recommendation_id"].astype(str).to_numpy()[pages]


def _mark_explored(out: pd.DataFrame, impressions: pd.DataFrame) -> None:
    """Set `explored` on the attributed events whose item was at an exploration position of their page."""
    if "explored" not in impressions or not len(out):
        return
    lengths = impressions["explored"].map(len).to_numpy()
    if not lengths.sum():
        return
    pages = np.repeat(impressions["recommendation_id"].astype(str).to_numpy(), lengths)
    items = np.concatenate(impressions["explored"].to_numpy()).astype(np.int64)
    shown = pd.MultiIndex.from_arrays([pages, items])
    mine = pd.MultiIndex.from_arrays([out["attributed_to"].astype(str).to_numpy(), out["item_id"].to_numpy(np.int64)])
    out["explored"] = mine.isin(shown) & out["attributed_to"].notna().to_numpy()


def _utc(times: pd.Series) -> np.ndarray:
    """Times as naive UTC nanoseconds (one resolution on both sides of the as-of join)."""
    return pd.to_datetime(times, utc=True).dt.tz_localize(None).astype("datetime64[ns]").to_numpy()


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
    for kind in ATTRIBUTED_TYPES:
        of_kind = hits[hits["type"] == kind]
        grouped = of_kind.groupby(GROUP, dropna=False)
        base = base.join(grouped.size().rename(f"{kind}_events"), how="outer")
        base = base.join(grouped["user_id"].nunique().rename(f"{kind}_users"), how="outer")
        base = base.join(grouped["item_id"].nunique().rename(f"{kind}_items"), how="outer")
    base = base.join(_revenue(hits, GROUP), how="outer")
    if "explored" in impressions and len(impressions):
        shown_explored = impressions.assign(explored_shown=impressions["explored"].map(len))
        base = base.join(shown_explored.groupby(GROUP, dropna=False)["explored_shown"].sum(), how="outer")
        for kind in EXPLORED_TYPES:
            grouped = hits[hits["explored"].astype(bool) & (hits["type"] == kind)].groupby(GROUP, dropna=False)
            base = base.join(grouped.size().rename(f"explored_{kind}_events"), how="outer")
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
    for kind in ATTRIBUTED_TYPES:
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
