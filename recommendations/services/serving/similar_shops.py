"""The similar-shops slot: shops whose items are viewed with this shop's, then shops selling alike items, then
the popular shops of its main category, then the popular shops of all; NG shops and the shop itself left out.

A shop is as near another as the links between their items: the co-visitation (then content) neighbour lists
of the shop's items are read in one query and summed by the neighbours' shops.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np
from django.utils.translation import gettext as _

from recommendations.engine.algorithms.popularity import GLOBAL, category_segment
from recommendations.errors import NotFound
from recommendations.models import Shop
from recommendations.services.serving import neighbour_cache
from recommendations.services.serving.context import ServingContext
from recommendations.services.serving.item_flags import ItemFlags, item_flags
from recommendations.services.serving.lists import shop_filter
from recommendations.services.serving.similar import tiers_fill
from recommendations.services.serving.steps import Entry, entries_from_list, shop_ref

ITEMS_READ = 30  # the shop's items whose neighbour lists speak for it (one query)


def subject_shop(ctx: ServingContext) -> None:
    """Stage: the shop the list is about; NotFound for a shop recsite does not have."""
    key = Shop.objects.filter(external_id=ctx.subject).values_list("pk", flat=True).first()
    if key is None:
        raise NotFound(f"No shop with shop_id '{ctx.subject[:128]}'.")
    ctx.subject_key = key
    ctx.limit = ctx.limit or 10


def similar_shops_fill(ctx: ServingContext) -> None:
    """Stage: the tiers in order until the list holds `ctx.need`, each filtered (NG shops, exclude, itself)."""
    shop = ctx.subject_key
    assert shop is not None  # the subject_shop stage ran
    servable = shop_filter(ctx.state.ng["shops"], ctx.filters)

    def allowed(key: int) -> str | None:
        return _("the shop itself") if key == shop else servable(key)

    ctx.algorithm, ctx.model_version = "covisitation", ctx.state.neighbours_version  # unless a tier has something
    ctx.pool = tiers_fill(ctx, _tiers(ctx, item_flags()), allowed)


def _tiers(ctx: ServingContext, flags: ItemFlags) -> Iterator[tuple[str, list[Entry]]]:
    state, shop = ctx.state, ctx.subject_key
    assert shop is not None
    own = np.flatnonzero((flags.shop == shop) & flags.servable)[:ITEMS_READ].tolist()
    if state.neighbours_version is not None and own:
        found = neighbour_cache.covisited(state.neighbours_version, own)
        label = _("shops whose items are viewed with %(shop)s's (version %(version)s)") % {
            "shop": shop_ref(shop),
            "version": state.neighbours_version,
        }
        ctx.trace.step("candidates", label)
        yield label, _by_shop(found, flags, "covisitation", state.neighbours_version)
    if own:
        label = _("shops selling items alike to %(shop)s's") % {"shop": shop_ref(shop)}
        ctx.trace.step("backfill", label)
        yield label, _by_shop(neighbour_cache.alike(own), flags, "content", None)
    tops = Counter(flags.top_categories_of(np.asarray(own, dtype=np.int64)).tolist())
    tops.pop(-1, None)
    if tops:
        top = flags.top_categories[tops.most_common(1)[0][0]]
        popular = state.segment_lists.get(("items", category_segment(top)))
        if popular is not None:
            label = _("popular shops in %(category)s") % {"category": top}
            ctx.trace.step("backfill", label)
            shops = np.fromiter(dict.fromkeys(s for s in flags.shops_of(popular[0]).tolist() if s >= 0), np.int64)
            yield label, entries_from_list(shops, np.zeros(len(shops), np.float32), "popularity", state.segment_version)
    popular = state.segment_lists.get(("shops", GLOBAL))
    if popular is not None:
        label = _("popular shops")
        ctx.trace.step("backfill", label)
        yield label, entries_from_list(*popular, "popularity", state.segment_version)


def _by_shop(
    lists: dict[int, tuple[np.ndarray, np.ndarray]], flags: ItemFlags, source: str, version: int | None
) -> list[Entry]:
    """The neighbour lists of a shop's items summed by each neighbour's shop, strongest first."""
    strength: Counter[int] = Counter()
    for keys, scores in lists.values():
        for neighbour_shop, score in zip(flags.shops_of(keys).tolist(), scores.tolist(), strict=True):
            if neighbour_shop >= 0:
                strength[neighbour_shop] += score
    ranked = strength.most_common()
    keys = np.fromiter((s for s, _v in ranked), dtype=np.int64, count=len(ranked))
    return entries_from_list(keys, np.fromiter((v for _s, v in ranked), np.float32, len(ranked)), source, version)
