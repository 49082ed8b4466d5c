"""Similar items always fill: co-visited items, then items alike in content, then popular ones of the category."""

from __future__ import annotations

import pytest

from curation.models import NgItem
from recommendations.engine.algorithms.popularity import category_segment
from recommendations.services.serving.neighbour_cache import neighbour_cache_reset
from recommendations.services.serving.pipeline import recommend
from tests.factories import ContentNeighboursFactory, ItemFactory
from tests.recommendations.services.serving.world import live_version, neighbours, segment_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    kitchen = [ItemFactory(external_id=f"k-{n}", category_path="Home > Kitchen") for n in range(12)]
    garden = [ItemFactory(external_id=f"g-{n}", category_path="Home > Garden") for n in range(12)]
    bags = [ItemFactory(external_id=f"b-{n}", category_path="Fashion > Bags") for n in range(12)]
    version = live_version("segment_popularity")
    segment_list(version, "all", [i.pk for i in bags + garden + kitchen])
    segment_list(version, category_segment("Home > Kitchen"), [i.pk for i in kitchen[6:]])
    segment_list(version, category_segment("Home"), [i.pk for i in garden + kitchen])
    return {"kitchen": kitchen, "garden": garden, "bags": bags, "version": version}


def _ids(result) -> list[str]:
    return [result.external_ids[e.key] for e in result.entries]


def test_co_visited_then_alike_then_popular_in_the_category_from_the_finest_level(world):
    kitchen = world["kitchen"]
    neighbours(world["version"], kitchen[0], [kitchen[1].pk])
    ContentNeighboursFactory(item=kitchen[0], keys=[kitchen[2].pk, kitchen[1].pk, world["bags"][0].pk])
    result = recommend("similar", "", item_id="k-0", limit=20)
    ids = _ids(result)
    assert ids[:3] == ["k-1", "k-2", "b-0"]
    assert [e.source for e in result.entries[:3]] == ["covisitation", "content", "content"]
    assert ids[3:9] == [f"k-{n}" for n in range(6, 12)]  # popular in Home > Kitchen
    assert len(ids) == 20 and "k-0" not in ids and len(set(ids)) == 20
    assert all(i.startswith(("k-", "g-")) for i in ids[3:])  # then Home: never an unrelated category
    assert result.algorithm == "covisitation"


def test_an_item_nobody_has_viewed_gets_a_full_list_from_content_and_category(world):
    result = recommend("similar", "", item_id="k-5", limit=10)
    assert len(result.entries) == 10 and result.algorithm == "popularity"
    ContentNeighboursFactory(item=world["kitchen"][5], keys=[world["kitchen"][3].pk])
    # a worker keeps the lists it read for NEIGHBOUR_CACHE_SECONDS: a refresh shows once they expire
    assert recommend("similar", "", item_id="k-5", limit=10).algorithm == "popularity"
    neighbour_cache_reset()
    result = recommend("similar", "", item_id="k-5", limit=10)
    assert _ids(result)[0] == "k-3" and result.algorithm == "content"


def test_ng_items_never_come_through_any_tier(world):
    kitchen = world["kitchen"]
    ContentNeighboursFactory(item=kitchen[0], keys=[kitchen[2].pk])
    for item in (kitchen[2], kitchen[7]):
        NgItem.objects.create(item=item, reason="test")
    ids = _ids(recommend("similar", "", item_id="k-0", limit=30))
    assert "k-2" not in ids and "k-7" not in ids


def test_without_category_lists_the_popular_list_fills_with_its_own_top_level_category(world):
    from recommendations.models import SegmentCandidates

    SegmentCandidates.objects.exclude(segment="all").delete()
    ids = _ids(recommend("similar", "", item_id="k-0", limit=30))
    assert ids and all(i.startswith(("k-", "g-")) for i in ids)
