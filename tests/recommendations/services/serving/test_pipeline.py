"""The whole pipeline against the database: filters, rules, session, fallbacks, paging."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from curation.models import Boost, NgCategory, NgItem, NgShop, Pin
from recommendations.models import EventType, SlotConfig, Variant
from recommendations.services.serving.pipeline import recommend
from tests.factories import AppUserFactory, EventFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, neighbours, segment_list, user_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """4 shops x 10 items; user 'alice' whose item_knn list is every item, shop by shop interleaved."""
    shops = [ShopFactory(external_id=f"shop-{s}") for s in range(4)]
    items = [ItemFactory(external_id=f"item-{s}-{i}", shop=shops[s]) for i in range(10) for s in range(4)]
    alice = AppUserFactory(external_id="alice", gender="female", birth_year=1990, region="Kanto")
    knn = live_version("item_knn")
    user_list(knn, alice, [i.pk for i in items])
    user_list(knn, alice, [s.pk for s in shops], slot="shops")
    popular = live_version("segment_popularity")
    segment_list(popular, "all", [i.pk for i in reversed(items)])
    segment_list(popular, "all", [s.pk for s in reversed(shops)], slot="shops")
    segment_list(popular, "female|35-44|Kanto", [i.pk for i in items[20:]])
    Variant.objects.filter(slot__slot="items").exclude(name="A").update(weight=0)
    Variant.objects.filter(slot__slot__in=["items", "shops"], name="A").update(algorithm="item_knn")
    return {"shops": shops, "items": items, "alice": alice, "knn": knn, "popular": popular}


def _ids(result) -> list[str]:
    return [result.external_ids[e.key] for e in result.entries]


def test_known_user_gets_their_model_list_capped_per_shop(world):
    result = recommend("items", "alice", limit=20)
    assert result.algorithm == "item_knn" and result.model_version == world["knn"].pk
    shops = [world["items"][[i.external_id for i in world["items"]].index(x)].shop_id for x in _ids(result)]
    assert max(shops.count(s) for s in set(shops)) <= 2  # the items slot's default cap
    assert _ids(result)[:4] == ["item-0-0", "item-1-0", "item-2-0", "item-3-0"]


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ng_items=st.sets(st.integers(min_value=0, max_value=39), max_size=35),
    ng_shops=st.sets(st.integers(min_value=0, max_value=3), max_size=3),
    limit=st.integers(min_value=1, max_value=40),
)
def test_no_ng_item_or_item_of_an_ng_shop_is_ever_served(world, ng_items, ng_shops, limit):
    NgItem.objects.all().delete()
    NgShop.objects.all().delete()
    for i in ng_items:
        NgItem.objects.create(item=world["items"][i], reason="test")
    for s in ng_shops:
        NgShop.objects.create(shop=world["shops"][s], reason="test")
    Boost.objects.all().delete()
    result = recommend("items", "alice", limit=limit)
    banned_items = {world["items"][i].external_id for i in ng_items}
    banned_shops = {world["shops"][s].pk for s in ng_shops}
    served = _ids(result)
    assert not banned_items & set(served)
    by_id = {i.external_id: i for i in world["items"]}
    assert not {by_id[x].shop_id for x in served} & banned_shops
    # never empty while something can be shown
    servable = [i for n, i in enumerate(world["items"]) if n not in ng_items and i.shop_id not in banned_shops]
    assert bool(served) == bool(servable)


def test_ng_edit_applies_at_the_next_request(world):
    first = _ids(recommend("items", "alice", limit=5))[0]
    NgItem.objects.create(item=world["items"][0], reason="counterfeit reports", created_by="mika")
    again = recommend("items", "alice", limit=5)
    assert first not in _ids(again)
    assert "counterfeit reports" in again.trace.removed[world["items"][0].pk]


def test_sold_out_unpublished_bought_and_not_interested_are_removed(world):
    items = world["items"]
    items[0].in_stock = False
    items[0].save()
    items[1].published = False
    items[1].save()
    EventFactory(
        user=world["alice"], item=items[2], type=EventType.PURCHASE, occurred_at=timezone.now() - dt.timedelta(days=90)
    )
    EventFactory(user=world["alice"], item=items[3], type=EventType.NOT_INTERESTED)
    result = recommend("items", "alice", limit=40)
    served = set(_ids(result))
    assert not {i.external_id for i in items[:4]} & served
    assert result.trace.removed[items[3].pk] == "removed: marked not interested"
    assert result.trace.removed[items[2].pk].startswith("removed: bought on")


def test_just_viewed_items_neighbours_move_up_and_just_bought_disappears(world):
    items = world["items"]
    SlotConfig.objects.filter(slot="items").update(per_shop_cap=0)
    # item-3-8 (near the end) is co-visited with what alice views now
    neighbours(world["knn"], items[5], [items[35].pk])
    before = _ids(recommend("items", "alice", limit=40))
    EventFactory(
        user=world["alice"], item=items[5], type=EventType.VIEW, occurred_at=timezone.now() - dt.timedelta(minutes=2)
    )
    EventFactory(
        user=world["alice"],
        item=items[0],
        type=EventType.PURCHASE,
        occurred_at=timezone.now() - dt.timedelta(minutes=1),
    )
    after = recommend("items", "alice", limit=40)
    moved = items[35].external_id
    assert _ids(after).index(moved) < before.index(moved) - 5
    assert items[0].external_id not in _ids(after)
    assert any(step.startswith("session: 1 recent item") for step in after.trace.steps)


def test_session_id_counts_older_events_of_the_same_session(world):
    items = world["items"]
    SlotConfig.objects.filter(slot="items").update(per_shop_cap=0)
    neighbours(world["knn"], items[5], [items[35].pk])
    EventFactory(
        user=world["alice"], item=items[5], session_id="app-77", occurred_at=timezone.now() - dt.timedelta(hours=3)
    )
    without = _ids(recommend("items", "alice", limit=40))
    with_session = _ids(recommend("items", "alice", limit=40, session_id="app-77"))
    assert with_session.index(items[35].external_id) < without.index(items[35].external_id)


def test_pins_land_at_their_positions_and_a_pinned_ng_item_is_not_placed(world):
    items = world["items"]
    Pin.objects.create(slot="items", item=items[39], position=1, note="campaign")
    Pin.objects.create(slot="items", item=items[38], position=3)
    Pin.objects.create(slot="items", item=items[37], position=2)
    NgItem.objects.create(item=items[37], reason="recalled")
    Pin.objects.create(slot="items", item=items[36], position=4, starts_at=timezone.now() + dt.timedelta(days=1))
    result = recommend("items", "alice", limit=10)
    served = _ids(result)
    assert served[0] == items[39].external_id and served[2] == items[38].external_id
    assert items[37].external_id not in served and items[36].external_id not in served
    assert result.entries[0].source == "pinned"
    assert "pin at position 2 not placed: NG item: recalled" in result.trace.removed[items[37].pk]


def test_boosted_shop_comes_first_and_buried_category_sinks(world):
    Boost.objects.create(slot="items", shop=world["shops"][3], factor=10)
    result = recommend("items", "alice", limit=4)
    assert {world["items"][[i.external_id for i in world["items"]].index(x)].shop_id for x in _ids(result)[:2]} == {
        world["shops"][3].pk
    }


def test_unknown_user_gets_global_popularity_never_an_error(world):
    result = recommend("items", "nobody-knows-me", limit=5)
    assert result.algorithm == "segment_popularity" and not result.user_known
    assert _ids(result)[0] == "item-3-9"  # the 'all' list is the items reversed
    assert any("item_knn: user unknown" in s for s in result.trace.steps)


def test_known_user_without_a_model_list_gets_their_segment(world):
    AppUserFactory(external_id="bob", gender="female", birth_year=1990, region="Kanto")
    result = recommend("items", "bob", limit=5)
    assert "segment female|35-44|Kanto" in result.trace.steps[1]
    assert set(_ids(result)) <= {i.external_id for i in world["items"][20:]}


def test_filters_that_empty_the_list_trigger_backfill(world):
    for item in world["items"][:20]:
        NgItem.objects.create(item=item, reason="test")
    Variant.objects.filter(slot__slot="items", name="A").update(fallbacks=["popularity"])
    # alice's model list is cut to the NG items: everything comes from the fallback
    user_list(live_version("ease"), world["alice"], [i.pk for i in world["items"][:20]])
    Variant.objects.filter(slot__slot="items", name="A").update(algorithm="ease")
    result = recommend("items", "alice", limit=5)
    assert len(result.entries) == 5
    assert {e.source for e in result.entries} == {"popularity"}
    assert any(s.startswith("backfill:") for s in result.trace.steps)


def test_offset_pages_through_the_same_recommendation(world):
    first = recommend("items", "alice", limit=4)
    second = recommend("items", "alice", limit=4, offset=4, recommendation_id=first.recommendation_id)
    assert second.recommendation_id == first.recommendation_id
    assert not set(_ids(first)) & set(_ids(second))
    whole = _ids(recommend("items", "alice", limit=8))
    assert _ids(first) + _ids(second) == whole


def test_a_page_whose_list_is_not_stored_is_ranked_again_under_the_same_id(world):
    first = recommend("items", "alice", limit=4, log=False)  # log=False: its list is never stored
    second = recommend("items", "alice", limit=4, offset=4, recommendation_id=first.recommendation_id)
    assert second.recommendation_id == first.recommendation_id
    assert _ids(second) == _ids(recommend("items", "alice", limit=8, log=False))[4:]


def test_shops_slot_ranks_shops_and_drops_ng_shops(world):
    NgShop.objects.create(shop=world["shops"][0], reason="fraud")
    result = recommend("shops", "alice", limit=10)
    assert _ids(result) == ["shop-1", "shop-2", "shop-3"]


def test_segment_pin_applies_only_to_that_segment(world):
    AppUserFactory(external_id="ken", gender="male", birth_year=1990, region="Kanto")
    Pin.objects.create(slot="items", item=world["items"][39], position=1, segment="female|35-44")
    assert recommend("items", "alice", limit=3).entries[0].source == "pinned"
    # ken and a stranger get the 'all' popularity list, whose first item happens to be the same one
    assert {e.source for e in recommend("items", "ken", limit=3).entries} == {"segment_popularity"}
    assert {e.source for e in recommend("items", "stranger", limit=3).entries} == {"segment_popularity"}


def test_ng_category_covers_its_subcategories(world):
    items = world["items"]
    items[0].category_path = "Health > Supplements > Protein"
    items[0].save()
    NgCategory.objects.create(category_path="Health > Supplements", reason="regulated")
    result = recommend("items", "alice", limit=40)
    assert items[0].external_id not in _ids(result)
    assert result.trace.removed[items[0].pk] == "removed: NG category: regulated"


def test_ng_scoped_to_a_slot_leaves_the_other_slots_alone(world):
    NgShop.objects.create(shop=world["shops"][0], reason="shop page under review", slots=["shops"])
    assert "shop-0" not in _ids(recommend("shops", "alice", limit=10))
    assert "item-0-0" in _ids(recommend("items", "alice", limit=10))


def test_an_expired_ng_entry_stops_applying_by_itself(world, monkeypatch):
    from django.utils import timezone as django_timezone

    soon = timezone.now() + dt.timedelta(hours=1)
    NgItem.objects.create(item=world["items"][0], reason="flash sale ended", expires_at=soon)
    NgItem.objects.create(
        item=world["items"][1], reason="expired yesterday", expires_at=timezone.now() - dt.timedelta(days=1)
    )
    now_ids = _ids(recommend("items", "alice", limit=10))
    assert "item-0-0" not in now_ids and "item-1-0" in now_ids
    later = soon + dt.timedelta(minutes=1)
    monkeypatch.setattr(django_timezone, "now", lambda: later)
    assert "item-0-0" in _ids(recommend("items", "alice", limit=10, now=later))
