"""Experiment roll-up time for 10 million events in PostgreSQL.

    .venv/bin/python bench/rollup.py [--events 10000000] [--impressions 1000000] [--days 30] [--write] [--reuse]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/recsite_bench; dropped
and recreated). Builds 20,000 items, 100,000 users, the impressions (20 items each, two variants) and
the events over `--days` days: 30% follow an impression (the item it showed, to that user, within the
hour; half of them carrying its recommendation_id), the rest are organic; both tables are then
clustered by time, as ingestion lays them down. `--reuse` times the roll-up again on the last build.
Then, in one process:
  - the baseline: one SQL scan counting all events per day and type (the least a dashboard without
    roll-ups would run on every page view, with no attribution at all);
  - `rollup_days` over every day: attribution (ids, then the 24-hour window), the daily and per-user rows;
  - `rollup_day` for one day alone, as the 15-minute task runs it.
Prints the times and the ratios; --write puts the table into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import machine, setup_django, write_block

ITEMS, USERS, SHOPS = 20_000, 100_000, 500
CHUNK = 1_000_000
TYPES = np.array(["view", "favorite", "cart_add", "purchase"])
TYPE_SHARES = [0.80, 0.08, 0.08, 0.04]


def copy_frame(table: str, columns: list[str], frame: pd.DataFrame, not_null: tuple[str, ...] = ()) -> None:
    """COPY a frame's rows into `columns` of `table` as CSV (the columns in `not_null` read an empty field as '')."""
    from django.db import connection

    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    with connection.cursor() as cursor:
        # in CSV an empty field is NULL unless the column is named here
        force = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{force})", buffer)


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.integers(0, 2**63, size=(n, 2), dtype=np.int64).view(np.uint64)
    text = np.char.add(np.char.zfill(np.char.mod("%x", raw[:, 0]), 16), np.char.zfill(np.char.mod("%x", raw[:, 1]), 16))
    return np.array([f"{t[:8]}-{t[8:12]}-4{t[13:16]}-8{t[17:20]}-{t[20:32]}" for t in text.tolist()])


def _rows(cursor, sql: str, params: list) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def build(events: int, impressions: int, days: int, end: dt.datetime) -> tuple[dt.date, dt.date]:
    from recommendations.models import AppUser, Event, Impression, Item, Shop

    rng = np.random.default_rng(3)
    Shop.objects.bulk_create([Shop(external_id=f"s{n}", name=f"Shop {n}") for n in range(SHOPS)], batch_size=5000)
    shop_ids = np.array(Shop.objects.order_by("pk").values_list("pk", flat=True))
    categories = [f"Cat {c} > Sub {s}" for c in range(20) for s in range(10)]
    Item.objects.bulk_create(
        [
            Item(
                external_id=f"i{n}",
                shop_id=int(shop_ids[n % SHOPS]),
                title=f"Item {n}",
                category_path=categories[n % 200],
            )
            for n in range(ITEMS)
        ],
        batch_size=5000,
    )
    AppUser.objects.bulk_create([AppUser(external_id=f"u{n}") for n in range(USERS)], batch_size=10000)
    items = np.array(Item.objects.order_by("pk").values_list("pk", flat=True))
    users = np.array(AppUser.objects.order_by("pk").values_list("pk", flat=True))
    start = end - dt.timedelta(days=days)
    span_us = int(days * 86400 * 1e6)
    start_us = int(start.timestamp() * 1e6)

    imp_users = rng.choice(users, impressions)
    imp_at = start_us + rng.integers(0, span_us, impressions)
    imp_keys = rng.choice(items, (impressions, 20))
    imp_ids = _uuids(rng, impressions)
    keys_hex = ["\\x" + row.astype("<i8").tobytes().hex() for row in imp_keys]
    copy_frame(
        Impression._meta.db_table,
        ["recommendation_id", "user_id", "slot", "variant", "algorithm", '"offset"', "keys", "served_at"],
        pd.DataFrame(
            {
                "r": imp_ids,
                "u": imp_users,
                "s": "items",
                "v": np.where(imp_users % 2 == 0, "A", "B"),
                "a": np.where(imp_users % 2 == 0, "als", "ease"),
                "o": 0,
                "k": keys_hex,
                "t": pd.to_datetime(imp_at, unit="us", utc=True),
            }
        ),
    )
    print(f"{impressions:,} impressions stored", flush=True)
    from django.db import connection

    table = Event._meta.db_table
    with connection.cursor() as cursor:
        # a throwaway database: it makes the event ids itself, and the indexes are built once after loading
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN event_id SET DEFAULT gen_random_uuid()")
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_index x ON x.indexrelid = "
            "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass "
            "WHERE i.tablename = %s AND NOT x.indisprimary",
            [table],
        )
        indexes = cursor.fetchall()
        constraints = [
            name
            for (name,) in _rows(
                cursor,
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
                [table],
            )
        ]
        for name in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for first in range(0, events, CHUNK):
        n = min(CHUNK, events - first)
        follow = rng.random(n) < 0.30
        which = rng.integers(0, impressions, n)
        user = np.where(follow, imp_users[which], rng.choice(users, n))
        item = np.where(follow, imp_keys[which, rng.integers(0, 20, n)], rng.choice(items, n))
        at = np.where(
            follow, imp_at[which] + rng.integers(0, 3600 * 1_000_000, n), start_us + rng.integers(0, span_us, n)
        )
        carries = follow & (rng.random(n) < 0.5)
        copy_frame(
            Event._meta.db_table,
            ["user_id", "item_id", "session_id", "type", "occurred_at", "recommendation_id", "received_at"],
            pd.DataFrame(
                {
                    "u": user,
                    "i": item,
                    "s": "",
                    "t": rng.choice(TYPES, n, p=TYPE_SHARES),
                    "at": pd.to_datetime(np.minimum(at, int(end.timestamp() * 1e6)), unit="us", utc=True),
                    "r": np.where(carries, imp_ids[which], ""),
                    "rcv": pd.Timestamp(end),
                }
            ),
            not_null=("session_id", "recommendation_id"),
        )
        print(f"{first + n:,} events stored", flush=True)
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(
                definition.replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS")
                .replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS")
                .replace(" ON ONLY ", " ON ")  # a partitioned table's index, made on every partition again
            )
        # ingestion appends events and impressions as they happen, so a day's rows sit together on disk; the
        # generator wrote them in random time order, which would make every day's read touch every page
        cursor.execute(f"CLUSTER {table} USING event_occurred_at")
        cursor.execute(f"CLUSTER {Impression._meta.db_table} USING impression_served_at")
        cursor.execute("ANALYZE")
    return start.date(), end.date()


def rollup_timings(first: dt.date, last: dt.date) -> tuple[float, float, float, int]:
    """Seconds of the baseline scan, of `rollup_days` over every day and of `rollup_day` for one day alone,
    and how many events were attributed."""
    from django.db import connection

    from recommendations.models import Event, ExperimentDay
    from recommendations.services.measurement.rollup import rollup_day, rollup_days

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT occurred_at::date, type, count(*) FROM {Event._meta.db_table} GROUP BY 1, 2")
        cursor.fetchall()
    scan = time.perf_counter() - started
    print(f"baseline scan {scan:.1f} s", flush=True)
    started = time.perf_counter()
    rows = rollup_days(first, last)
    rollup = time.perf_counter() - started
    # what the 15-minute task does: recompute one day (today), alone; a day in the middle has full neighbours
    started = time.perf_counter()
    rollup_day(first + (last - first) / 2)
    per_day = time.perf_counter() - started
    attributed = sum(
        r.view_events + r.favorite_events + r.cart_add_events + r.purchase_events for r in ExperimentDay.objects.all()
    )
    print(f"roll-up {rollup:.1f} s ({rows} rows, {attributed:,} events attributed)", flush=True)
    return scan, rollup, per_day, attributed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--impressions", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    parser.add_argument("--reuse", action="store_true", help="time the roll-up again on the data the last run built")
    args = parser.parse_args()
    setup_django(fresh=not args.reuse)
    from django.conf import settings

    from recommendations.models import Event, Impression
    from recommendations.services.measurement.rollup import rollup_range_default

    if args.reuse:
        first, last = rollup_range_default()
        args.events = Event.objects.count()
        args.impressions = Impression.objects.count()
        args.days = (last - first).days - 1
    else:
        end = dt.datetime.now(dt.UTC).replace(microsecond=0)
        started = time.perf_counter()
        first, last = build(args.events, args.impressions, args.days, end)
        print(f"data built in {time.perf_counter() - started:.0f} s", flush=True)

    scan, rollup, per_day, attributed = rollup_timings(first, last)

    text = "\n".join(
        [
            f"Command: `.venv/bin/python bench/rollup.py --events {args.events} --impressions {args.impressions} "
            f"--days {args.days}`. Machine: {machine()}; run {dt.date.today().isoformat()}.",
            "",
            f"{args.events:,} events and {args.impressions:,} impressions (20 items each) over {args.days} days; "
            f"{attributed:,} events attributed (30% follow an impression, half of those carry its id).",
            "",
            "| | seconds | vs baseline |",
            "| --- | ---: | ---: |",
            f"| baseline: one SQL scan counting events per day and type | {scan:.1f} | 1.00 |",
            f"| `rollup_days` over all {(last - first).days + 1} days (attribution, daily and per-user rows; "
            f"{settings.ROLLUP_WORKERS} days at a time) | {rollup:.1f} | {rollup / scan:.2f} |",
            f"| `rollup_day` for one day alone (what the 15-minute task recomputes for today) | {per_day:.1f} | "
            f"{per_day / scan:.2f} |",
        ]
    )
    print(text)
    if args.write:
        write_block("rollup", text)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
