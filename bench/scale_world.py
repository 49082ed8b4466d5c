"""A generated marketplace of any size for bench/scale.py, made with numpy and loaded with COPY.

At scale 1: 10,000 shops, 200,000 items in 200 categories, 1,000,000 users with gender, birth year and
region, and about 10 million events over 30 days. Item popularity follows a power law inside each
category; each user leans to two categories (60% and 15% of their events), and how active users are
is log-normal (a few heavy users, many with one or two events). Event types: 80% views, 8% favourites,
8% cart adds, 4% purchases. Events are written in time order, as ingestion lays them down, into the
month partitions made for them beforehand.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rollup import TYPE_SHARES, TYPES, copy_frame

CATEGORIES = [f"Category {c:02d} > Sub {s}" for c in range(20) for s in range(10)]
REGIONS = ["Hokkaido", "Tohoku", "Kanto", "Chubu", "Kinki", "Chugoku", "Shikoku", "Kyushu"]
GENDERS = ["female", "male", "other", ""]
CHUNK = 1_000_000


@dataclass(frozen=True)
class WorldSize:
    shops: int
    items: int
    users: int
    events: int
    days: int = 30

    @classmethod
    def at(cls, scale: float) -> WorldSize:
        return cls(
            shops=max(10, int(10_000 * scale)),
            items=max(100, int(200_000 * scale)),
            users=max(100, int(1_000_000 * scale)),
            events=max(1000, int(10_000_000 * scale)),
        )


def _catalog(size: WorldSize, rng: np.random.Generator, end: dt.datetime) -> None:
    from recommendations.models import AppUser, Item, Shop

    now = pd.Timestamp(end)
    copy_frame(
        Shop._meta.db_table,
        ["external_id", "name", "attributes", "created_at", "updated_at"],
        pd.DataFrame(
            {
                "e": [f"s{n}" for n in range(size.shops)],
                "n": [f"Shop {n}" for n in range(size.shops)],
                "a": "{}",
                "c": now,
                "u": now,
            }
        ),
    )
    shop_keys = np.array(Shop.objects.order_by("pk").values_list("pk", flat=True))
    # a few big shops, many small ones
    shop_weights = rng.pareto(1.2, size.shops) + 1
    listed = end - pd.to_timedelta(rng.integers(0, 365 * 86400, size.items), unit="s")
    copy_frame(
        Item._meta.db_table,
        [
            "external_id",
            "shop_id",
            "title",
            "category_path",
            "price",
            "image_url",
            "published",
            "in_stock",
            "attributes",
            "created_at",
            "updated_at",
        ],
        pd.DataFrame(
            {
                "e": [f"i{n}" for n in range(size.items)],
                "s": rng.choice(shop_keys, size.items, p=shop_weights / shop_weights.sum()),
                "t": [f"Item {n}" for n in range(size.items)],
                "c": np.array(CATEGORIES)[np.arange(size.items) % len(CATEGORIES)],
                "p": np.round(rng.lognormal(8.0, 0.8, size.items)),
                "i": "",
                "pub": True,
                "st": rng.random(size.items) > 0.03,
                "a": "{}",
                "ca": listed,
                "u": now,
            }
        ),
        not_null=("image_url",),
    )
    for first in range(0, size.users, CHUNK):
        n = min(CHUNK, size.users - first)
        copy_frame(
            AppUser._meta.db_table,
            ["external_id", "gender", "birth_year", "region", "attributes", "created_at", "updated_at"],
            pd.DataFrame(
                {
                    "e": [f"u{k}" for k in range(first, first + n)],
                    "g": rng.choice(GENDERS, n, p=[0.55, 0.35, 0.02, 0.08]),
                    "b": rng.integers(1950, 2008, n),
                    "r": rng.choice(REGIONS, n),
                    "a": "{}",
                    "c": now,
                    "u": now,
                }
            ),
            not_null=("gender", "region"),
        )


def _events(
    size: WorldSize, rng: np.random.Generator, users: np.ndarray, items: np.ndarray, start: dt.datetime
) -> pd.DataFrame:
    """Every event as (user key, item key, type, time), sorted by time."""
    activity = rng.lognormal(0.0, 1.2, len(users))
    counts = np.maximum(1, np.round(activity * size.events / activity.sum())).astype(np.int64)
    user = np.repeat(users, counts)
    n = len(user)
    favourite = np.repeat(rng.integers(0, len(CATEGORIES), len(users)), counts)
    second = np.repeat(rng.integers(0, len(CATEGORIES), len(users)), counts)
    draw = rng.random(n)
    category = np.where(draw < 0.60, favourite, np.where(draw < 0.75, second, rng.integers(0, len(CATEGORIES), n)))
    item = np.empty(n, dtype=np.int64)
    item_category = np.arange(len(items)) % len(CATEGORIES)
    for c in range(len(CATEGORIES)):
        members = items[item_category == c]
        cumulative = np.cumsum(rng.pareto(1.1, len(members)) + 0.01)
        where = np.flatnonzero(category == c)
        picks = np.searchsorted(cumulative, rng.random(len(where)) * cumulative[-1])
        item[where] = members[np.minimum(picks, len(members) - 1)]
    start_us = int(start.timestamp() * 1e6)
    at = np.sort(start_us + rng.integers(0, size.days * 86400 * 1_000_000, n))
    order = rng.permutation(n)  # the users' events spread over the whole span, in time order
    return pd.DataFrame({"u": user[order], "i": item[order], "t": rng.choice(TYPES, n, p=TYPE_SHARES), "at": at})


def world_build(size: WorldSize, seed: int, end: dt.datetime) -> dict[str, float]:
    """Make and store the marketplace; returns its counts and how long each part took."""
    from django.db import connection

    from recommendations.models import AppUser, Event, Item
    from recommendations.services.event_partitions import (
        events_partitioned,
        month_after,
        month_start,
        partition_create,
        partitions_existing,
    )

    rng = np.random.default_rng(seed)
    start = end - dt.timedelta(days=size.days)
    figures: dict[str, float] = {}
    started = time.perf_counter()
    _catalog(size, rng, end)
    figures["catalog_s"] = time.perf_counter() - started
    print(f"catalogue stored in {figures['catalog_s']:.0f} s", flush=True)
    users = np.array(AppUser.objects.order_by("pk").values_list("pk", flat=True))
    items = np.array(Item.objects.order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    events = _events(size, rng, users, items, start)
    figures["generate_s"] = time.perf_counter() - started
    if events_partitioned():
        month, existing = month_start(start), partitions_existing()
        while month <= end.date():
            if month not in existing:
                partition_create(month)
            month = month_after(month)
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        # a throwaway database: it makes the event ids itself
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN event_id SET DEFAULT gen_random_uuid()")
    started = time.perf_counter()
    received = pd.Timestamp(end)
    for first in range(0, len(events), CHUNK):
        part = events.iloc[first : first + CHUNK]
        copy_frame(
            table,
            ["user_id", "item_id", "session_id", "type", "occurred_at", "recommendation_id", "received_at"],
            pd.DataFrame(
                {
                    "u": part["u"].to_numpy(),
                    "i": part["i"].to_numpy(),
                    "s": "",
                    "t": part["t"].to_numpy(),
                    "at": pd.to_datetime(part["at"].to_numpy(), unit="us", utc=True),
                    "r": "",
                    "rcv": received,
                }
            ),
            not_null=("session_id", "recommendation_id"),
        )
        print(f"{first + len(part):,} events stored", flush=True)
    figures["copy_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures["analyze_s"] = time.perf_counter() - started
    figures["events"] = len(events)
    return figures
