"""The content neighbour refresh: every servable item gets its alike items, replacing the last refresh."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from recommendations.models import ContentNeighbours
from recommendations.services.training.content_lists import content_neighbours_refresh
from tests.factories import ContentNeighboursFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_alike_items_find_each_other_and_unservable_ones_are_left_out():
    totes = [
        ItemFactory(title=f"\u9769\u306e\u30c8\u30fc\u30c8\u30d0\u30c3\u30b0 {c}", category_path="Fashion > Bags")
        for c in "ABC"
    ]
    board = ItemFactory(title="\u6728\u306e\u307e\u306a\u677f", category_path="Home > Kitchen")
    sold_out = ItemFactory(
        title="\u9769\u306e\u30c8\u30fc\u30c8\u30d0\u30c3\u30b0 D", category_path="Fashion > Bags", in_stock=False
    )
    stale = ContentNeighboursFactory(item=board, keys=[totes[0].pk])
    outcome = content_neighbours_refresh()
    assert outcome["items"] == 4 and outcome["with_neighbours"] == 3
    lists = {row.item_id: row.keys for row in ContentNeighbours.objects.all()}
    assert set(lists[totes[0].pk]) == {totes[1].pk, totes[2].pk}
    assert sold_out.pk not in lists and all(sold_out.pk not in keys for keys in lists.values())
    assert board.pk not in lists  # alone in its top-level category; the old list went with the refresh
    assert not ContentNeighbours.objects.filter(pk=stale.pk).exists()


def test_the_command_says_what_it_did():
    ItemFactory.create_batch(3, category_path="Fashion > Bags")
    out = io.StringIO()
    call_command("refresh_content", stdout=out)
    assert "3 of 3 items" in out.getvalue()
