"""New items explored at the slot's share of positions, the per-category cap, and impression fatigue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from curation.models import NgItem
from recommendations.models import EventType, Impression, SlotConfig, Variant
from recommendations.services.serving import impressions
from recommendations.services.serving.exploration import exploration_positions
from recommendations.services.serving.pipeline import recommend
from tests.factories import (
    AppUserFactory,
    ContentNeighboursFactory,
    EventFactory,
    ImpressionFactory,
    ItemFactory,
    ShopFactory,
)
from tests.recommendations.services.serving.world import live_version, segment_list, user_list

pytestmark = pytest.mark.django_db
OLD = dt.timedelta(days=90)


@pytest.fixture
def world():
    """30 old items (alice's list, half 'Home', half 'Fashion'), and 6 items listed yesterday nobody has seen."""
    now = timezone.now()
    shop = ShopFactory()
    old = [
        ItemFactory(
            external_id=f"old-{n}",
            shop=shop,
            category_path="Home > Kitchen" if n % 2 else "Fashion > Bags",
            created_at=now - OLD,
        )
        for n in range(30)
    ]
    new = [
        ItemFactory(
            external_id=f"new-{n}", shop=shop, category_path="Home > Kitchen", created_at=now - dt.timedelta(days=1)
        )
        for n in range(6)
    ]
    alice = AppUserFactory(external_id="alice")
    knn = live_version("item_knn")
    user_list(knn, alice, [i.pk for i in old])
    segment_list(knn, "all", [i.pk for i in old])
    Variant.objects.filter(slot__slot="items").exclude(name="A").update(weight=0)
    Variant.objects.filter(slot__slot="items", name="A").update(algorithm="item_knn", fallbacks=[])
    SlotConfig.objects.filter(slot="items").update(per_shop_cap=0, size=20)
    return {"old": old, "new": new, "alice": alice}


def _slot(**settings) -> None:
    config = SlotConfig.objects.get(slot="items")
    for name, value in settings.items():
        setattr(config, name, value)
    config.save()  # through save(): the serving state is rebuilt as in the admin


def _ids(result) -> list[str]:
    return [result.external_ids[e.key] for e in result.entries]


def test_positions_are_the_share_spread_evenly_after_the_protected_top():
    assert exploration_positions(20, 10, 3) == [9, 19]
    assert exploration_positions(20, 25, 3) == [3, 7, 11, 15, 19]
    assert exploration_positions(20, 50, 3) == [3, 5, 7, 9, 11, 13, 15, 17, 19]
    assert exploration_positions(20, 0, 3) == []
    assert all(p >= 10 for p in exploration_positions(60, 30, 10))


def test_no_exploration_by_default(world):
    result = recommend("items", "alice", limit=20)
    assert not [i for i in _ids(result) if i.startswith("new-")]


def test_new_items_take_the_share_of_positions_marked_and_recorded(world, settings):
    settings.IMPRESSION_LOG_MODE = "inline"
    _slot(exploration_share=25, exploration_after=3)
    result = recommend("items", "alice", limit=20)
    ids = _ids(result)
    explored = [n for n, e in enumerate(result.entries) if e.source == "exploration"]
    assert explored == [3, 7, 11, 15, 19] and all(ids[n].startswith("new-") for n in explored)
    assert not any(i.startswith("new-") for i in ids[:3])
    assert any("exploration" in step for step in result.trace.steps)
    stored = Impression.objects.get()
    assert sorted(stored.explored_keys) == sorted(result.entries[n].key for n in explored)
    impressions.impressions_stop()


def test_exploration_prefers_new_items_like_what_the_list_starts_with(world):
    _slot(exploration_share=10, exploration_after=3)
    liked = world["new"][4]
    ContentNeighboursFactory(item=world["old"][0], keys=[liked.pk])
    result = recommend("items", "alice", limit=20)
    entry = next(e for e in result.entries if e.source == "exploration")
    assert result.external_ids[entry.key] == "new-4"
    assert "old-0" in " ".join(entry.notes) or f"[[item:{world['old'][0].pk}]]" in " ".join(entry.notes)


def test_ng_and_sold_out_new_items_are_never_explored(world):
    _slot(exploration_share=50, exploration_after=0)
    for item in world["new"][:3]:
        NgItem.objects.create(item=item, reason="test")
    world["new"][3].in_stock = False
    world["new"][3].save()
    ids = _ids(recommend("items", "alice", limit=20))
    assert {i for i in ids if i.startswith("new-")} == {"new-4", "new-5"}


def test_an_item_listed_before_the_window_is_not_new(world):
    _slot(exploration_share=50, exploration_after=0, new_item_days=1)
    for item in world["new"]:
        item.created_at = timezone.now() - dt.timedelta(days=2)
        item.save()
    assert not [i for i in _ids(recommend("items", "alice", limit=20)) if i.startswith("new-")]


def test_the_category_cap_keeps_one_category_from_filling_the_list(world):
    _slot(per_category_cap=4)
    result = recommend("items", "alice", limit=20)
    tops = [result.external_ids[e.key] for e in result.entries]
    assert len(tops) == 8  # four of each of the two top-level categories, nothing else to fill with
    assert any("per-category cap 4" in step for step in result.trace.steps)


def test_an_item_shown_often_without_a_click_moves_down_until_clicked(world):
    _slot(fatigue_shows=3, fatigue_days=7)
    first = world["old"][0]
    for _n in range(3):
        ImpressionFactory(user=world["alice"], shown_keys=[first.pk], served_at=timezone.now() - dt.timedelta(days=1))
    result = recommend("items", "alice", limit=30)
    ids = _ids(result)
    assert ids[-1] == "old-0" and ids[0] == "old-1"
    assert any("fatigue" in note for note in result.entries[-1].notes)
    EventFactory(
        user=world["alice"], item=first, type=EventType.VIEW, occurred_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert _ids(recommend("items", "alice", limit=30))[0] == "old-0"


def test_shows_older_than_the_fatigue_window_do_not_count(world):
    _slot(fatigue_shows=2, fatigue_days=3)
    first = world["old"][0]
    for _n in range(3):
        ImpressionFactory(user=world["alice"], shown_keys=[first.pk], served_at=timezone.now() - dt.timedelta(days=4))
    assert _ids(recommend("items", "alice", limit=30))[0] == "old-0"
