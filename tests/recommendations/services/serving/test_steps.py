"""Each serving step alone, on hand-made lists."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from recommendations.services.serving.specs import BoostSpec, PinSpec, SlotSpec, VariantSpec, Window
from recommendations.services.serving.steps import (
    BUCKETS,
    Entry,
    Trace,
    boosts_apply,
    entries_from_list,
    live_filter,
    pins_place,
    session_rerank,
    variant_bucket,
    variant_pick,
)
from recommendations.services.serving.variety import shop_cap

ALWAYS = Window(None, None)


def _entries(keys: list[int]) -> list[Entry]:
    return entries_from_list(np.array(keys, dtype=np.int64), np.arange(len(keys), 0, -1, dtype=np.float32), "als", 1)


def _slot(*weights: int) -> SlotSpec:
    variants = tuple(
        VariantSpec(pk=i, name=name, algorithm="als", chain=("als",), weight=w)
        for i, (name, w) in enumerate(zip("ABC", weights, strict=False))
    )
    return SlotSpec(slot="items", size=20, per_shop_cap=2, experiment="exp", variants=variants)


def test_variant_assignment_is_stable_per_user_and_experiment():
    assert variant_bucket("exp", "u1") == variant_bucket("exp", "u1")
    assert 0 <= variant_bucket("exp", "u1") < BUCKETS
    # another experiment reshuffles: over many users, buckets differ for most
    moved = sum(variant_bucket("exp", f"u{i}") != variant_bucket("exp2", f"u{i}") for i in range(200))
    assert moved > 190


def test_variant_shares_match_weights_over_10000_users():
    slot = _slot(1, 3)
    picks = [variant_pick(slot, f"user-{i}", None, Trace()).name for i in range(10_000)]
    share_b = picks.count("B") / len(picks)
    assert share_b == pytest.approx(0.75, abs=0.015)
    again = [variant_pick(slot, f"user-{i}", None, Trace()).name for i in range(10_000)]
    assert again == picks


def test_zero_weight_variant_gets_nobody_but_staff_pins_win():
    slot = _slot(1, 0)
    assert {variant_pick(slot, f"u{i}", None, Trace()).name for i in range(500)} == {"A"}
    trace = Trace()
    assert variant_pick(slot, "u1", "B", trace).name == "B"
    assert "pinned to this user by staff" in trace.steps[0]


def test_session_moves_neighbours_of_the_latest_item_up_and_adds_missing_ones():
    entries = _entries([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    neighbours = {100: (np.array([9, 42]), np.array([1.0, 0.8], dtype=np.float32))}
    out = session_rerank(entries, [100], neighbours, boost=0.5, trace=Trace())
    order = [e.key for e in out]
    assert order.index(9) <= 5  # from 9th place up by half the list's length (boost 0.5)
    assert order.index(42) < 3  # not a candidate, but strongly co-visited: near the top
    added = next(e for e in out if e.key == 42)
    assert added.source == "session"


def test_session_without_items_changes_nothing():
    entries = _entries([1, 2, 3])
    trace = Trace()
    assert [e.key for e in session_rerank(entries, [], {}, 0.5, trace)] == [1, 2, 3]
    assert trace.steps == ["session: no recent views or carts"]


def test_live_filter_removes_and_says_why():
    trace = Trace()
    kept = live_filter(_entries([1, 2, 3]), lambda k: "NG item: fake" if k == 2 else None, trace, "als v1")
    assert [e.key for e in kept] == [1, 3]
    assert trace.removed[2] == "removed: NG item: fake"
    assert "1 NG item" in trace.steps[0]


def test_shop_cap_keeps_the_best_of_each_shop():
    shops = np.array([10, 10, 10, 20, 10, -1, -1, -1])
    trace = Trace()
    kept = shop_cap(_entries([1, 2, 3, 4, 5, 6, 7, 8]), shops, 2, trace)
    assert [e.key for e in kept] == [1, 2, 4, 6, 7, 8]  # an unknown shop is no shop: never capped
    assert "[[shop:10]] already has 2 item(s)" in trace.removed[3]  # the preview names the shop
    assert [e.key for e in shop_cap(_entries([1, 2, 3]), shops[:3], 0, Trace())] == [1, 2, 3]


def test_boost_lifts_and_bury_sinks_by_item_shop_and_category():
    describe = {1: (10, "Fashion > Bags"), 2: (10, "Home"), 3: (20, "Fashion > Bags > Totes"), 4: (30, "Home")}.get
    boosts = [
        BoostSpec(pk=1, item=None, shop=None, category="Fashion > Bags", factor=3.0, window=ALWAYS, note=""),
        BoostSpec(pk=2, item=1, shop=None, category="", factor=0.1, window=ALWAYS, note="overstocked"),
    ]
    out = boosts_apply(_entries([1, 2, 3, 4]), boosts, describe, Trace())
    order = [e.key for e in out]
    assert order[0] == 3  # category boost, and it is under Fashion > Bags
    assert order.index(1) > order.index(2)  # boosted as a bag, buried as an item: x0.3 in all
    assert any("bury x0.1 (overstocked)" in n for n in out[order.index(1)].notes)


def test_boost_never_moves_backfill_above_the_main_list():
    entries = _entries([1, 2])
    backfill = _entries([3])
    backfill[0].group = 1
    boost = BoostSpec(pk=1, item=3, shop=None, category="", factor=100.0, window=ALWAYS, note="")
    out = boosts_apply(entries + backfill, [boost], lambda k: (None, ""), Trace())
    assert [e.key for e in out] == [1, 2, 3]


def test_pins_land_at_their_positions():
    pins = [
        (PinSpec(pk=1, key=50, position=1, window=ALWAYS, note="campaign"), Entry(50, 0.0, "pinned", 0.0)),
        (PinSpec(pk=2, key=4, position=3, window=ALWAYS, note=""), Entry(4, 1.0, "als", 0.1)),
    ]
    out = pins_place(_entries([1, 2, 3, 4, 5]), pins, Trace())
    assert [e.key for e in out] == [50, 1, 4, 2, 3, 5]
    assert out[0].source == "pinned" and out[2].source == "pinned"


def test_pin_past_the_end_goes_last():
    pin = (PinSpec(pk=1, key=9, position=50, window=ALWAYS, note=""), Entry(9, 0.0, "pinned", 0.0))
    assert [e.key for e in pins_place(_entries([1, 2]), [pin], Trace())] == [1, 2, 9]


def test_window_applies_between_start_and_end():
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    assert Window(now - dt.timedelta(days=1), now + dt.timedelta(days=1)).active(now)
    assert not Window(now + dt.timedelta(hours=1), None).active(now)
    assert not Window(None, now).active(now)


def test_two_pins_at_one_position_the_older_keeps_it():
    older = (PinSpec(pk=1, key=50, position=2, window=ALWAYS, note=""), Entry(50, 0.0, "pinned", 0.0))
    newer = (PinSpec(pk=2, key=60, position=2, window=ALWAYS, note=""), Entry(60, 0.0, "pinned", 0.0))
    assert [e.key for e in pins_place(_entries([1, 2, 3]), [older, newer], Trace())] == [1, 50, 60, 2, 3]
