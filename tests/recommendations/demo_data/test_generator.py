"""The demo generator is pure Python: its data must carry the signals recommenders are meant to find."""

import datetime as dt
from collections import Counter, defaultdict

import pytest

from recommendations.demo_data.generator import DemoSize, generate

END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
SIZE = DemoSize(shops=60, items=1500, users=1200, days=30)


@pytest.fixture(scope="module")
def data():
    return generate(SIZE, seed=7, end=END)


def test_sizes_and_ids_are_as_asked(data):
    assert (len(data.shops), len(data.items), len(data.users)) == (60, 1500, 1200)
    assert len({e["event_id"] for e in data.events}) == len(data.events)
    assert all(END - dt.timedelta(days=31) <= e["occurred_at"] <= END for e in data.events)


def test_the_same_seed_gives_the_same_marketplace(data):
    again = generate(SIZE, seed=7, end=END)
    other = generate(SIZE, seed=8, end=END)

    assert again.events == data.events and again.items == data.items
    assert other.events != data.events


def test_the_funnel_narrows_from_view_to_purchase(data):
    counts = Counter(e["type"] for e in data.events)

    assert counts["view"] > counts["favorite"] > counts["cart_add"] > counts["purchase"] > 0
    assert 0.3 < counts["purchase"] / counts["cart_add"] < 0.6
    assert counts["purchase"] / counts["view"] < 0.05
    assert counts["not_interested"] > 0


def test_purchases_follow_a_cart_add_of_the_same_item_in_the_session(data):
    carted = {(e["session_id"], e["item_id"]) for e in data.events if e["type"] == "cart_add"}

    assert all((e["session_id"], e["item_id"]) in carted for e in data.events if e["type"] == "purchase")


def test_segments_prefer_different_categories(data):
    users = {u["user_id"]: u for u in data.users}
    top_of = {i["item_id"]: i["category_path"].split(" > ")[0] for i in data.items}
    share = defaultdict(Counter)
    for e in data.events:
        u = users[e["user_id"]]
        young = END.year - u["birth_year"] < 35
        share[(u["gender"], young)][top_of[e["item_id"]]] += 1

    def fraction(segment, category):
        return share[segment][category] / sum(share[segment].values())

    assert fraction(("female", True), "Beauty") > 2 * fraction(("male", True), "Beauty")
    assert fraction(("male", True), "Electronics") > 2 * fraction(("female", True), "Electronics")


def test_a_users_own_past_predicts_their_future_better_than_global_popularity(data):
    """Personal taste is real signal: the user's past favourite subcategory beats the global favourite."""
    sub_of = {i["item_id"]: i["category_path"] for i in data.items}
    cut = END - dt.timedelta(days=10)
    past, future = defaultdict(Counter), defaultdict(Counter)
    for e in data.events:
        (past if e["occurred_at"] < cut else future)[e["user_id"]][sub_of[e["item_id"]]] += 1
    global_top = sum(past.values(), Counter()).most_common(1)[0][0]
    users = [u for u in future if past[u]]
    personal_hits = sum(future[u][past[u].most_common(1)[0][0]] for u in users)
    global_hits = sum(future[u][global_top] for u in users)

    assert personal_hits > 2 * global_hits


def test_some_users_never_act_so_cold_start_is_exercised(data):
    active = {e["user_id"] for e in data.events}

    assert 0.03 < 1 - len(active) / len(data.users) < 0.25
