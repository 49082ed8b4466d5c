"""Generate a believable marketplace: shops, items, users and N days of shopping sessions.

Pure Python and numpy (no Django), deterministic for a seed and an end time. The signal is built
so that recommenders have something real to find:
- each user segment (gender x age band) prefers some top categories over others;
- each user has their own taste on top: a few favourite subcategories, favourite shops, and a
  hidden "style" vector that matches some items better than others, so collaborative filtering
  beats per-segment popularity;
- sessions stay mostly within one subcategory (co-visitation), and a view turns into a favorite,
  a cart add and a purchase with probabilities that rise with how well the item matches the user.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import numpy as np

from recommendations.demo_data import taxonomy as tx
from recommendations.demo_data.images import image_url

EVENT_NAMESPACE = uuid.UUID("0b8f4a52-93c4-4f3e-a3c2-3d6f0a7d9e10")
STYLE_DIMENSIONS = 4
# Shops list new items every day: this share of the catalogue was listed in the last NEW_ITEM_DAYS days (and
# is seen only from then on); the rest was listed up to a year before the events begin.
NEW_ITEM_SHARE = 0.06
NEW_ITEM_DAYS = 7


@dataclass(frozen=True)
class DemoSize:
    shops: int = 200
    items: int = 5000
    users: int = 2000
    days: int = 30


@dataclass
class DemoData:
    shops: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    end: dt.datetime | None = None  # no event after this


def _age_band(age: int) -> int:
    return next(i for i, (low, high) in enumerate(tx.AGE_BANDS) if low <= age <= high)


def _subcategories() -> list[tuple[str, str]]:
    return [(top, sub) for top, subs in tx.CATEGORIES.items() for sub in subs]


def generate(size: DemoSize, *, seed: int, end: dt.datetime, image_base: str = "") -> DemoData:
    """Build the whole marketplace in memory; same seed and end time give the same data. With `image_base`
    (the site's address), each item gets a picture drawn by recsite itself (demo_data/images.py)."""
    rng = np.random.default_rng(seed)
    data = DemoData(end=end)
    subs = _subcategories()
    tops = list(tx.CATEGORIES)
    shop_subs = _make_shops(rng, size, subs, data)
    item_sub, _shops, appeal, style = _make_items(rng, size, subs, shop_subs, data, image_base)
    _listing_times(seed, size, end, data)
    _make_users(rng, size, end, data)
    _make_sessions(rng, size, seed, end, data, subs, tops, item_sub, appeal, style)
    return data


def _make_shops(rng: np.random.Generator, size: DemoSize, subs: list, data: DemoData) -> list[np.ndarray]:
    shop_subs = []
    for n in range(size.shops):
        top = rng.integers(len(tx.CATEGORIES))
        own = [i for i, (t, _s) in enumerate(subs) if t == list(tx.CATEGORIES)[top]]
        chosen = rng.choice(own, size=min(len(own), 1 + rng.integers(2)), replace=False)
        shop_subs.append(chosen)
        name = f"{tx.SHOP_NAMES[rng.integers(len(tx.SHOP_NAMES))]} {tx.SHOP_WORDS[rng.integers(len(tx.SHOP_WORDS))]}"
        region = tx.REGIONS[rng.choice(len(tx.REGIONS), p=tx.REGION_WEIGHTS)]
        data.shops.append(
            {
                "shop_id": f"demo-shop-{n:04d}",
                "name": name,
                "attributes": {"region": region, "main_category": subs[chosen[0]][0]},
            }
        )
    return shop_subs


def _make_items(
    rng: np.random.Generator, size: DemoSize, subs: list, shop_subs: list[np.ndarray], data: DemoData, image_base: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # Shop sizes are skewed: a few shops list many items, most list a handful.
    shop_weight = rng.pareto(1.5, size.shops) + 1
    item_shop = rng.choice(size.shops, size=size.items, p=shop_weight / shop_weight.sum())
    item_sub = np.array([rng.choice(shop_subs[s]) for s in item_shop])
    appeal = rng.lognormal(0.0, 1.0, size.items)
    style = rng.normal(0.0, 1.0, (size.items, STYLE_DIMENSIONS))
    for n in range(size.items):
        top, sub = subs[item_sub[n]]
        noun = tx.CATEGORIES[top][sub][rng.integers(len(tx.CATEGORIES[top][sub]))]
        price = round(tx.TYPICAL_PRICE[top] * rng.lognormal(0.0, 0.5), -1)
        data.items.append(
            {
                "item_id": f"demo-item-{n:05d}",
                "shop_id": data.shops[item_shop[n]]["shop_id"],
                "title": f"{tx.ADJECTIVES[rng.integers(len(tx.ADJECTIVES))]} {noun}",
                "category_path": f"{top} > {sub}",
                "price": f"{max(price, 100):.0f}",
                "published": bool(rng.random() > 0.03),
                "in_stock": bool(rng.random() > 0.05),
                **({"image_url": image_url(image_base, top, noun)} if image_base else {}),
            }
        )
    return item_sub, item_shop, appeal, style


def _listing_times(seed: int, size: DemoSize, end: dt.datetime, data: DemoData) -> None:
    """When each item was listed, set on the items as created_at; from a generator of its own, so the rest
    of the data is what the seed gave before listing times existed (less the views before a listing)."""
    rng = np.random.default_rng([seed, 1])
    fresh = rng.random(size.items) < NEW_ITEM_SHARE
    before = end - dt.timedelta(days=size.days)
    listed = np.where(
        fresh,
        end.timestamp() - rng.uniform(0, NEW_ITEM_DAYS * 86400, size.items),
        before.timestamp() - rng.uniform(0, 365 * 86400, size.items),
    )
    for item, moment in zip(data.items, listed.tolist(), strict=True):
        item["created_at"] = dt.datetime.fromtimestamp(int(moment), tz=dt.UTC)


def _make_users(rng: np.random.Generator, size: DemoSize, end: dt.datetime, data: DemoData) -> None:
    for n in range(size.users):
        gender = "female" if rng.random() < 0.62 else "male"  # marketplace apps skew female
        age = int(np.clip(rng.normal(34, 11), 16, 80))
        data.users.append(
            {
                "user_id": f"demo-user-{n:05d}",
                "gender": gender,
                "birth_year": end.year - age,
                "region": tx.REGIONS[rng.choice(len(tx.REGIONS), p=tx.REGION_WEIGHTS)],
            }
        )


def _user_taste(rng: np.random.Generator, user: dict, end: dt.datetime, subs: list, tops: list) -> np.ndarray:
    """Weights over subcategories: segment preference x personal noise x a few favourites."""
    band = _age_band(end.year - user["birth_year"])
    top_pref = np.array(tx.SEGMENT_PREFERENCES[(user["gender"], band)])
    top_pref = top_pref * rng.dirichlet(np.full(len(tops), 2.0)) * len(tops)
    weights = np.array([top_pref[tops.index(t)] for t, _s in subs])
    favourites = rng.choice(len(subs), size=2, replace=False, p=weights / weights.sum())
    weights[favourites] *= 6.0
    return weights / weights.sum()


def _make_sessions(
    rng: np.random.Generator,
    size: DemoSize,
    seed: int,
    end: dt.datetime,
    data: DemoData,
    subs: list,
    tops: list,
    item_sub: np.ndarray,
    appeal: np.ndarray,
    style: np.ndarray,
) -> None:
    items_by_sub = [np.flatnonzero(item_sub == s) for s in range(len(subs))]
    start = end - dt.timedelta(days=size.days)
    # evening-heavy daily rhythm of app use (hour 0..23, local time ~ UTC+9 shifted into UTC)
    hour_weights = np.array([3, 2, 1, 1, 1, 1, 2, 3, 4, 4, 5, 6, 7, 6, 5, 5, 5, 6, 8, 10, 11, 11, 9, 6], float)
    hour_weights /= hour_weights.sum()
    counter = 0
    for user in data.users:
        taste = _user_taste(rng, user, end, subs, tops)
        user_style = rng.normal(0.0, 1.0, STYLE_DIMENSIONS)
        # 10% of users never act: the cold-start population segment popularity serves.
        activity = 0.0 if rng.random() < 0.10 else rng.lognormal(np.log(5.0), 0.8)
        for s in range(rng.poisson(activity * size.days / 30)):
            day = start + dt.timedelta(days=int(rng.integers(size.days)))
            clock = day.replace(hour=int(rng.choice(24, p=hour_weights)), minute=int(rng.integers(60)))
            sub = rng.choice(len(subs), p=taste)
            pool = items_by_sub[sub]
            if len(pool) == 0:
                continue
            match = style[pool] @ user_style / np.sqrt(STYLE_DIMENSIONS)
            weights = appeal[pool] * np.exp(1.2 * match)
            n_views = min(1 + rng.poisson(4), len(pool))
            viewed = rng.choice(len(pool), size=n_views, replace=False, p=weights / weights.sum())
            session_id = f"{user['user_id']}-s{s}"
            for v in viewed:
                item = pool[v]
                fit = 1.0 / (1.0 + np.exp(-2.0 * match[v]))  # 0..1: how well the item suits this user
                clock += dt.timedelta(seconds=int(rng.integers(8, 120)))
                counter = _emit(data, seed, counter, user, item, session_id, "view", clock)
                if rng.random() < 0.16 * fit:
                    counter = _emit(data, seed, counter, user, item, session_id, "favorite", clock)
                if rng.random() < 0.09 * fit:
                    clock += dt.timedelta(seconds=int(rng.integers(5, 60)))
                    counter = _emit(data, seed, counter, user, item, session_id, "cart_add", clock)
                    if rng.random() < 0.45:
                        clock += dt.timedelta(seconds=int(rng.integers(30, 300)))
                        counter = _emit(data, seed, counter, user, item, session_id, "purchase", clock)
                elif fit < 0.2 and rng.random() < 0.03:
                    counter = _emit(data, seed, counter, user, item, session_id, "not_interested", clock)
    data.events.sort(key=lambda e: e["occurred_at"])


def _emit(
    data: DemoData, seed: int, counter: int, user: dict, item: int, session_id: str, kind: str, when: dt.datetime
) -> int:
    if data.end is not None and when > data.end:  # a session begun late on the last day stops at the end
        return counter
    if when < data.items[item].get("created_at", when):  # nobody sees an item before it is listed
        return counter
    data.events.append(
        {
            "event_id": str(uuid.uuid5(EVENT_NAMESPACE, f"{seed}:{counter}")),
            "user_id": user["user_id"],
            "item_id": data.items[item]["item_id"],
            "session_id": session_id,
            "type": kind,
            "occurred_at": when,
            # a purchase is worth the item's price (one unit), in the site's currency
            **({"value": data.items[item]["price"], "quantity": 1} if kind == "purchase" else {}),
        }
    )
    return counter + 1
