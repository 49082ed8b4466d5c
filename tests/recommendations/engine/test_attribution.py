"""Attribution on hand-made timelines: ids, the window's edges, last touch, events with and without ids."""

from __future__ import annotations

import pandas as pd

from recommendations.engine.attribution import attribute, daily_counts

T0 = pd.Timestamp("2026-11-20 12:00", tz="UTC")
DAY = pd.Timedelta(hours=24)


def _impressions(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["recommendation_id", "user_id", "slot", "variant", "algorithm", "served_at", "keys"]
    )


def _events(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "item_id", "type", "occurred_at", "recommendation_id"])


IMPRESSIONS = _impressions(
    ("r1", 1, "items", "A", "als", T0, [10, 11]),
    ("r2", 1, "items", "B", "ease", T0 + pd.Timedelta(hours=2), [11, 12]),
    ("r3", 2, "shops", "A", "ease", T0, [50]),
)


def test_an_event_carrying_an_id_goes_to_that_recommendation():
    out = attribute(_events((1, 99, "view", T0 + pd.Timedelta(hours=30), "r1")), IMPRESSIONS, DAY)
    assert out.loc[0, "attributed_to"] == "r1" and out.loc[0, "variant"] == "A"  # even outside the window


def test_without_an_id_the_last_impression_showing_the_item_wins():
    out = attribute(_events((1, 11, "cart_add", T0 + pd.Timedelta(hours=3), "")), IMPRESSIONS, DAY)
    assert out.loc[0, "attributed_to"] == "r2" and out.loc[0, "variant"] == "B"  # r1 showed it too, earlier


def test_window_edges():
    events = _events(
        (1, 10, "view", T0 + DAY, ""),  # exactly 24 h after r1: inside
        (1, 10, "view", T0 + DAY + pd.Timedelta(seconds=1), ""),  # one second later: outside
        (1, 10, "view", T0 - pd.Timedelta(seconds=1), ""),  # before it was shown
    )
    out = attribute(events, IMPRESSIONS, DAY)
    assert list(out["attributed_to"].fillna("-")) == ["r1", "-", "-"]


def test_other_users_and_items_do_not_attribute():
    events = _events((2, 10, "view", T0 + pd.Timedelta(hours=1), ""), (1, 13, "view", T0 + pd.Timedelta(hours=1), ""))
    assert attribute(events, IMPRESSIONS, DAY)["attributed_to"].isna().all()


def test_an_unknown_id_falls_back_to_the_window_rule():
    out = attribute(_events((1, 12, "purchase", T0 + pd.Timedelta(hours=5), "not-a-known-id")), IMPRESSIONS, DAY)
    assert out.loc[0, "attributed_to"] == "r2"


def test_daily_counts_per_variant():
    events = _events(
        (1, 11, "view", T0 + pd.Timedelta(hours=3), ""),
        (1, 12, "view", T0 + pd.Timedelta(hours=3), ""),
        (1, 12, "cart_add", T0 + pd.Timedelta(hours=4), "r2"),
        (2, 50, "view", T0 + pd.Timedelta(hours=1), ""),
    )
    counts = daily_counts(attribute(events, IMPRESSIONS, DAY), IMPRESSIONS).set_index(["slot", "variant"])
    b = counts.loc[("items", "B")]
    assert (b["lists"], b["items_shown"], b["users"]) == (1, 2, 1)
    assert (b["view_events"], b["view_users"], b["cart_add_events"], b["cart_add_users"]) == (2, 1, 1, 1)
    assert b["view_items"] == 2  # items 11 and 12
    assert counts.loc[("items", "A")]["view_events"] == 0
    assert counts.loc[("shops", "A")]["view_users"] == 1


def test_a_shops_page_takes_only_events_that_name_it_since_its_keys_are_shops():
    # user 2's shops page showed shop 50; item 50 is a different thing altogether
    event = _events((2, 50, "view", T0 + pd.Timedelta(hours=1), ""))
    assert attribute(event, IMPRESSIONS, DAY, shop_slots=("shops",)).loc[0, "attributed_to"] is None
    named = _events((2, 7, "view", T0 + pd.Timedelta(hours=1), "r3"))
    assert attribute(named, IMPRESSIONS, DAY, shop_slots=("shops",)).loc[0, "attributed_to"] == "r3"
