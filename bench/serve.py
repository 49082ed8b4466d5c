"""Serving speed: the recommendation endpoints under gunicorn against PostgreSQL.

    .venv/bin/python bench/serve.py [--users 10000] [--items 40000] [--seconds 15] [--write]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/recsite_bench; dropped
and recreated) and Redis (REDIS_URL, default redis://127.0.0.1:6379/2) as production would use them.
Builds a demo marketplace, trains item-kNN, ALS and segment popularity (real candidate lists and
co-visitation neighbours), puts 10,000 items on the NG list and 1,000 pins in place (10 for everyone,
the rest spread over user segments), then serves with gunicorn (2 sync workers) on loopback and, in
the same run, drives the endpoints below with an asyncio load generator (new connection per request):
  - the machine's floor: a WSGI application with no framework sending the same fixed list
    (bench/wsgi_floor.py), under its own gunicorn beside recsite's: what this machine, gunicorn and
    the load generator give before any framework runs;
  - the framework's floor: a bare DRF view returning a fixed 20-entry list, behind the same API-key
    authentication, scope check and throttle as every recsite endpoint (bench/serve_urls.py);
  - recsite's items endpoint for random known users (limit 20), impressions logged as in production;
    the items slot explores new items (10% of positions), caps each top-level category at 10 and
    moves down items shown 5 times in 7 days without a click, as the demo does;
  - the same with a category filter (a random top-level category), and with `fields=` (title, price,
    image, shop name and category beside each id);
  - similar items of random items for random known users (limit 20), impressions logged;
  - themed features for random known users (FEATURES published features, one per top category).
For each: maximum throughput (16 concurrent connections, closed loop), then latency percentiles at
half of that rate and at the items endpoint's half load (open loop: requests start on schedule, latency
counted from the scheduled start, so a stall is not hidden). Rounds alternate between the endpoints; the
medians are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from common import ROOT, gunicorn_start, machine, setup_django, write_block

PORT = 18766
WSGI_PORT = PORT + 1
MACHINE_FLOOR = "WSGI app, no framework, fixed list (machine floor)"
FLOOR = "bare DRF view, fixed list (floor)"
ITEMS = "recsite items endpoint"
CONCURRENCY = 16
NG_ITEMS = 10_000
PINS = 1_000
FEATURES = 12


def build_world(users: int, items: int) -> tuple[list[str], str]:
    """Demo data, three trained models, NG items and pins; returns the known user ids and an API key."""
    from django.utils import timezone

    from curation.models import Feature, NgItem, Pin
    from recommendations.demo_data.generator import DemoSize, generate
    from recommendations.demo_data.store import catalog_store, demo_serving_settings, trusted_events_store
    from recommendations.models import AppUser, Item, ModelVersion, Scope, SegmentCandidates, Variant
    from recommendations.services.api_keys import api_key_create
    from recommendations.services.training.content_lists import content_neighbours_refresh
    from recommendations.services.training.pipeline import training_run_create, training_run_execute

    end = timezone.now()
    data = generate(DemoSize(shops=items // 40, items=items, users=users, days=30), seed=11, end=end)
    for kind in ("shops", "items", "users"):
        catalog_store(kind, getattr(data, kind))
    trusted_events_store(data.events)
    print(f"{len(data.events):,} events, {users:,} users, {items:,} items", flush=True)
    for algorithm in ("segment_popularity", "item_knn", "als"):
        started = time.perf_counter()
        run = training_run_execute(training_run_create(algorithm=algorithm, trigger="command").pk)
        assert run.status == "succeeded", run.error
        print(f"trained and published {algorithm} in {time.perf_counter() - started:.1f} s", flush=True)
    Variant.objects.filter(slot__slot="items", name="A").update(algorithm="item_knn", weight=1)
    Variant.objects.filter(slot__slot="items", name="B").update(algorithm="als", weight=1)

    rng = random.Random(5)
    item_keys = list(Item.objects.values_list("pk", flat=True))
    NgItem.objects.bulk_create(
        [NgItem(item_id=k, reason="bench", created_by="bench") for k in rng.sample(item_keys, NG_ITEMS)]
    )
    segment_version = ModelVersion.objects.get(algorithm="segment_popularity", is_live=True)
    segments = [
        s
        for s in SegmentCandidates.objects.filter(version=segment_version, slot="items").values_list(
            "segment", flat=True
        )
        if s != "all"
    ]
    pins = [Pin(slot="items", item_id=rng.choice(item_keys), position=rng.randint(1, 20)) for _ in range(10)]
    pins += [
        Pin(slot="items", item_id=rng.choice(item_keys), position=rng.randint(1, 40), segment=rng.choice(segments))
        for _ in range(PINS - len(pins))
    ]
    Pin.objects.bulk_create(pins)
    tops = sorted({path.split(" > ")[0] for path in Item.objects.values_list("category_path", flat=True)})
    Feature.objects.bulk_create(
        [
            Feature(title=f"Best of {top}", slug=f"best-{n}", status="published", rule_categories=[top])
            for n, top in enumerate(tops[:FEATURES])
        ]
    )
    started = time.perf_counter()
    content = content_neighbours_refresh()
    print(f"content neighbours of {content['items']:,.0f} items in {time.perf_counter() - started:.1f} s", flush=True)
    demo_serving_settings()
    _key, plain = api_key_create(name="bench", scopes=[Scope.RECOMMENDATIONS_READ], throttle_rate="100000000/minute")
    known = list(AppUser.objects.values_list("external_id", flat=True))
    return known, plain


async def _get(port: int, path: str, key: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Api-Key {key}\r\nConnection: close\r\n\r\n".encode()
    )
    data = await reader.read(-1)
    writer.close()
    return int(data[9:12]) if len(data) >= 12 else 0


async def max_throughput(port: int, paths: list[str], key: str, seconds: float) -> tuple[float, int]:
    """Requests per second with CONCURRENCY connections always busy; returns (rate, failures)."""
    deadline = time.perf_counter() + seconds
    done = failed = 0

    async def worker() -> None:
        nonlocal done, failed
        rng = random.Random()
        while time.perf_counter() < deadline:
            status = await _get(port, rng.choice(paths), key)
            done += 1
            failed += status != 200

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return done / (time.perf_counter() - started), failed


async def latency_at(port: int, paths: list[str], key: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """Start requests on a fixed schedule of `rate` per second; latencies (ms) from each scheduled start."""
    latencies: list[float] = []
    failed = 0
    rng = random.Random(3)

    async def one(scheduled: float) -> None:
        nonlocal failed
        status = await _get(port, rng.choice(paths), key)
        latencies.append((time.perf_counter() - scheduled) * 1000)
        failed += status != 200

    tasks = []
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    return latencies, failed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _p99(values: list[float] | None) -> str:
    return f"{percentile(values, 0.99):.1f}" if values else ""


def start_servers() -> list[subprocess.Popen]:
    """recsite (with the DRF floor's URL) and the framework-less floor, each under gunicorn with 2 workers."""
    return [
        gunicorn_start(PORT, 2, DJANGO_SETTINGS_MODULE="serve_settings", PYTHONPATH=f"{ROOT / 'bench'}:{ROOT}"),
        gunicorn_start(WSGI_PORT, 2, "wsgi_floor", PYTHONPATH=str(ROOT / "bench")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=40_000)
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    parser.add_argument("--reuse", action="store_true", help="serve the database the last run built (faster tries)")
    parser.add_argument(
        "--plain-slot",
        action="store_true",
        help="turn the items slot's exploration, fatigue and category cap off (what they cost)",
    )
    args = parser.parse_args()

    setup_django(fresh=not args.reuse)
    if args.reuse:
        from recommendations.models import AppUser, Scope
        from recommendations.services.api_keys import api_key_create

        users = list(AppUser.objects.values_list("external_id", flat=True))
        key = api_key_create(name="bench", scopes=[Scope.RECOMMENDATIONS_READ], throttle_rate="100000000/minute")[1]
    else:
        users, key = build_world(args.users, args.items)
    from recommendations.models import Item, SlotConfig

    if args.plain_slot:
        config = SlotConfig.objects.get(slot="items")
        config.exploration_share = config.fatigue_shows = config.per_category_cap = 0
        config.save()
    rng = random.Random(1)
    sample = rng.sample(users, min(len(users), 5000))
    items = list(Item.objects.values_list("external_id", flat=True))
    tops = sorted({p.split(" > ")[0] for p in Item.objects.values_list("category_path", flat=True)})
    fields = "title,price,image_url,shop_name,category"
    endpoints = {
        MACHINE_FLOOR: (WSGI_PORT, [f"/users/{u}/fixed" for u in sample]),
        FLOOR: (PORT, [f"/bench/users/{u}/fixed" for u in sample]),
        ITEMS: (PORT, [f"/api/v1/users/{u}/recommendations/items?limit=20" for u in sample]),
        "recsite items, category filter": (
            PORT,
            [f"/api/v1/users/{u}/recommendations/items?limit=20&category={quote(rng.choice(tops))}" for u in sample],
        ),
        "recsite items, fields=": (
            PORT,
            [f"/api/v1/users/{u}/recommendations/items?limit=20&fields={fields}" for u in sample],
        ),
        "recsite similar items": (
            PORT,
            [f"/api/v1/items/{rng.choice(items)}/similar?limit=20&user_id={u}" for u in sample],
        ),
        "recsite features": (PORT, [f"/api/v1/users/{u}/recommendations/features" for u in sample]),
    }
    servers = start_servers()
    try:
        for port, paths in endpoints.values():  # warm both workers' state, connections and caches
            asyncio.run(max_throughput(port, paths, key, 3))
        rates: dict[str, list[float]] = {name: [] for name in endpoints}
        for _round in range(args.rounds):
            for name, (port, paths) in endpoints.items():
                rate, failed = asyncio.run(max_throughput(port, paths, key, args.seconds))
                if failed:
                    raise RuntimeError(f"{name}: {failed} requests failed")
                rates[name].append(rate)
                print(f"{name}: {rate:,.0f} req/s", flush=True)
        medians = {name: statistics.median(rates[name]) for name in endpoints}
        # each at half its own maximum; the floors also at the items endpoint's half load: at the same arrival
        # rate they show how much of the items endpoint's tail the machine and the framework already have
        common_rate = medians[ITEMS] / 2
        latency: dict[str, list[float]] = {}
        at_common: dict[str, list[float]] = {}
        for name, (port, paths) in endpoints.items():
            runs = [(medians[name] / 2, latency)]
            if name in (MACHINE_FLOOR, FLOOR):
                runs.append((common_rate, at_common))
            for rate, into in runs:
                values, failed = asyncio.run(latency_at(port, paths, key, rate, args.seconds))
                if failed:
                    raise RuntimeError(f"{name}: {failed} requests failed at {rate:,.0f} req/s")
                into[name] = values
                p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
                print(f"{name} at {rate:,.0f} req/s: p50 {p50:.1f} ms, p99 {p99:.1f} ms", flush=True)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)

    floor = medians[FLOOR]
    lines = [
        f"Command: `.venv/bin/python bench/serve.py --users {args.users} --items {args.items} --seconds "
        f"{args.seconds:g} --rounds {args.rounds}{' --reuse' if args.reuse else ''}`. Machine: {machine()}; "
        "gunicorn 2 sync workers, Redis cache, "
        f"load generator on the same machine; run {dt.date.today().isoformat()}.",
        "",
        f"{args.users:,} users, {args.items:,} items, {NG_ITEMS:,} NG items, {PINS:,} pins, {FEATURES} published "
        "features; 20 entries per response (features: the slot's 6, each with up to 8 items).",
        "",
        f"| endpoint | max req/s (median of rounds) | vs DRF floor | half load req/s | p50 ms | p95 ms | p99 ms | "
        f"p99 ms at {common_rate:,.0f} req/s (the items endpoint's half load) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, base in medians.items():
        values = latency[name]
        lines.append(
            f"| {name} | {base:,.0f} ({' / '.join(f'{r:,.0f}' for r in rates[name])}) | {base / floor:.2f} | "
            f"{base / 2:,.0f} | {percentile(values, 0.5):.1f} | {percentile(values, 0.95):.1f} | "
            f"{percentile(values, 0.99):.1f} | {_p99(at_common.get(name))} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_block("serve", text)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
