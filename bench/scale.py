"""recsite at marketplace scale on PostgreSQL: where each stage stands, and where it breaks first.

    .venv/bin/python bench/scale.py [--scale 1] [--stages build,ingest,fit,pipeline,serve,rollup]
                                    [--algorithms ...] [--rank-users 20000] [--limit 1200] [--reuse] [--write]

At --scale 1 (bench/scale_world.py): 10,000 shops, 200,000 items, 1,000,000 users, about 10 million
events over 30 days; --scale 2 doubles every count, 0.1 is a quick try. Needs PostgreSQL
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/recsite_bench; dropped and recreated
unless --reuse) and Redis. Stages, each beside its baseline in the same run:
  - build: the world generated with numpy and loaded with COPY into month partitions (a fixture, not a
    product path: the rate says what the disk and indexes allow);
  - ingest: the ingest service (validate + write 500-event batches, as POST /api/v1/events does) into
    the big table, beside a plain bulk_create of resolved events (bench/ingest.py's baseline);
  - fit: the training window read from PostgreSQL once (the pipeline's load), then every algorithm in a
    process of its own: interaction matrix, fit with its defaults, peak memory, and the ranking of
    --rank-users random users scaled to every user with events; beside a bare `implicit` ALS doing the same.
    A process past --limit seconds is stopped and reported as such;
  - pipeline: one real training run (--pipeline-algorithm, default item-kNN) in a process of its own:
    every stage, the candidate lists of every user written, and the tables' size on disk;
  - serve: the items endpoint under gunicorn for random users of that world, at half of its maximum
    rate, beside the bare DRF view of bench/serve.py;
  - rollup: the experiment roll-up over every day and one day alone, beside one SQL scan.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import pickle
import random
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, setup_django, write_block
from scale_processes import BARE_ALS, child, peak_mb

STAGES = ["build", "ingest", "fit", "pipeline", "serve", "rollup"]
ALGORITHM_ORDER = [
    BARE_ALS,
    "popularity",
    "trending",
    "segment_popularity",
    "item_knn",
    "item_knn_bm25",
    "als",
    "bpr",
    "ease",
    "lightfm",
]


def stage_build(scale: float) -> list[str]:
    from django.db import connection
    from django.utils import timezone
    from scale_world import WorldSize, world_build

    size = WorldSize.at(scale)
    end = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    figures = world_build(size, seed=19, end=end)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c "
            "JOIN pg_inherits i ON i.inhrelid = c.oid WHERE i.inhparent = 'recommendations_event'::regclass"
        )
        sizes = cursor.fetchall()
    total, indexes = sum(s[0] for s in sizes), sum(s[1] for s in sizes)
    return [
        f"**World**: {size.shops:,} shops, {size.items:,} items, {size.users:,} users, {figures['events']:,.0f} "
        f"events over {size.days} days. Catalogue COPY {figures['catalog_s']:.0f} s; events generated in "
        f"{figures['generate_s']:.0f} s and loaded with COPY into {len(sizes)} partitions in {figures['copy_s']:.0f} s "
        f"({figures['events'] / figures['copy_s']:,.0f} events/s, indexes kept); ANALYZE {figures['analyze_s']:.0f} s. "
        f"Events on disk: {total / 2**30:.2f} GiB, of which indexes {indexes / 2**30:.2f} GiB "
        f"({total / figures['events']:.0f} bytes an event).",
    ]


def stage_ingest(batches: int, rounds: int) -> list[str]:
    from ingest import analyzed, bench_baseline, bench_service, make_batches

    from recommendations.models import AppUser, Item

    users, items = AppUser.objects.count(), Item.objects.count()
    rng = random.Random(20261201)
    measured: dict[str, list] = {"baseline": [], "random": [], "ordered": []}
    for _round in range(rounds):  # interleaved, so a checkpoint or a slow spell hits every side alike
        measured["baseline"].append(analyzed(bench_baseline, make_batches(batches, rng, users, items)))
        measured["random"].append(analyzed(bench_service, make_batches(batches, rng, users, items)))
        # ids a client makes in time order (UUID version 7) land at the end of the unique index's month
        ordered = make_batches(batches, rng, users, items, time_ordered_ids=True)
        measured["ordered"].append(analyzed(bench_service, ordered))
    baseline = statistics.median(measured["baseline"])
    service, ordered = (
        {k: statistics.median(r[k] for r in measured[side]) for k in ("events_per_s", "write_ms", "check_ms")}
        for side in ("random", "ordered")
    )
    return [
        f"**Ingest** into the big table ({batches} batches of 500 events a side, medians of {rounds} interleaved "
        f"rounds): baseline bulk_create of resolved events {baseline:,.0f} events/s; the ingest service (validate + "
        f"write) {service['events_per_s']:,.0f} events/s = {service['events_per_s'] / baseline:.2f}x the baseline "
        f"(per batch: validation {service['check_ms']:.1f} ms, write {service['write_ms']:.1f} ms) with random "
        f"(version 4) event ids; with time-ordered (version 7) ids {ordered['events_per_s']:,.0f} events/s = "
        f"{ordered['events_per_s'] / baseline:.2f}x (write {ordered['write_ms']:.1f} ms a batch).",
    ]


def stage_fit(algorithms: list[str], rank_users: int, limit: float, overrides: dict[str, dict]) -> list[str]:
    from django.conf import settings

    from recommendations.services.training.candidates import configured_input
    from recommendations.services.training.data_load import training_frames

    started = time.perf_counter()
    frames = training_frames()
    load_s = time.perf_counter() - started
    load_mb = peak_mb()
    lines = [
        f"**Fit and rank**: the pipeline's load read {len(frames.events):,} events, {len(frames.users):,} users and "
        f"{len(frames.items):,} items from PostgreSQL in {load_s:.1f} s (peak {load_mb:,.0f} MB in that process). "
        f"Each algorithm then ran in its own process with its defaults (overrides named); ranking is timed on "
        f"{rank_users:,} random users with events and scaled to all of them (top-{settings.CANDIDATES_PER_USER}, "
        f"seen items removed); a process past {limit:.0f} s was stopped.",
        "",
        "| algorithm | matrix s | fit s | rank all users s (scaled) | fit + rank s | vs bare ALS | peak MB | notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "frames.pickle")
        with open(path, "wb") as f:
            frozen = (frames.events, frames.users, frames.items, frames.now)  # plain frames, read without a database
            pickle.dump((frozen, configured_input().options(), settings.CANDIDATES_PER_USER), f, protocol=5)
        del frames, frozen
        floor = None  # the bare ALS baseline's fit + rank, when it runs (it does by default, first)
        for name in algorithms:
            params = overrides.get(name, {})
            print(f"fitting {name} {params or ''}", flush=True)
            figures = child(["fit", name, path, str(rank_users), json.dumps(params)], limit)
            notes = [f"{k}={v}" for k, v in params.items()]
            if "timeout" in figures or "error" in figures:
                reason = f"stopped after {limit:.0f} s" if "timeout" in figures else f"failed: {figures['error']}"
                lines.append(f"| {name} | | | | | | | {'; '.join([reason, *notes])} |")
                continue
            total = figures["fit_s"] + figures["rank_all_s"]
            floor = total if name == BARE_ALS else floor
            if name == "ease":
                notes.append(f"ranks its {figures['items_ranked']:,} most popular items only (max_items)")
            report = figures.get("fit_report") or {}
            if report.get("stopped"):
                notes.append(f"ran {report['epochs']} of {report['of']} epochs, stopped by: {report['stopped']}")
            ratio = f"{total / floor:.2f}" if floor else "-"
            lines.append(
                f"| {name} | {figures['matrix_s']:.1f} | {figures['fit_s']:.1f} | {figures['rank_all_s']:.0f} "
                f"({figures['ranked_users']:,} users) | {total:,.0f} | {ratio} | "
                f"{figures['peak_mb']:,.0f} | {'; '.join(notes)} |"
            )
            print(lines[-1], flush=True)
    return lines


def stage_pipeline(algorithm: str, limit: float) -> list[str]:
    from django.db import connection

    figures = child(["pipeline", algorithm], limit)
    if "timeout" in figures or "error" in figures:
        why = f"stopped after {limit:.0f} s" if "timeout" in figures else f"failed: {figures['error']}"
        return [f"**Pipeline** ({algorithm}): {why}."]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), pg_total_relation_size('recommendations_usercandidates') "
            "FROM recommendations_usercandidates"
        )
        rows, size = cursor.fetchone()
    stages = ", ".join(f"{k} {v:,.0f}" for k, v in figures["timings"].items())
    return [
        f"**Pipeline**: one full {algorithm} run (`training_run_execute`) took {figures['seconds']:,.0f} s "
        f"(stages, s: {stages}); {figures['ranking'].get('ranked', 0):,} users ranked; "
        f"peak {figures['peak_mb']:,.0f} MB. "
        f"Candidate lists: {rows:,} rows (items and shops per user), {size / 2**30:.2f} GiB on disk "
        f"({size / max(1, rows):,.0f} bytes a row).",
    ]


def stage_serve(seconds: float, rounds: int) -> list[str]:
    from serve import latency_at, max_throughput, percentile, start_server

    from recommendations.demo_data.store import demo_serving_settings
    from recommendations.models import ModelVersion, Scope, UserCandidates, Variant
    from recommendations.services.api_keys import api_key_create

    live = ModelVersion.objects.filter(is_live=True).exclude(algorithm="segment_popularity").first()
    if live is None:
        return ["**Serve**: skipped, no live version (run the pipeline stage first)."]
    Variant.objects.filter(slot__slot="items").update(algorithm=live.algorithm)
    demo_serving_settings()
    key = api_key_create(name="scale", scopes=[Scope.RECOMMENDATIONS_READ], throttle_rate="100000000/minute")[1]
    users = list(
        UserCandidates.objects.filter(version=live, slot="items")
        .order_by("?")
        .values_list("user__external_id", flat=True)[:5000]
    )
    endpoints = {
        "floor": [f"/bench/users/{u}/fixed" for u in users],
        "items": [f"/api/v1/users/{u}/recommendations/items?limit=20" for u in users],
    }
    server = start_server()
    try:
        started = time.perf_counter()
        asyncio.run(max_throughput(endpoints["items"][:1], key, 0.01))
        first = time.perf_counter() - started
        rates: dict[str, list[float]] = {name: [] for name in endpoints}
        p50s: dict[str, list[float]] = {name: [] for name in endpoints}
        p99s: dict[str, list[float]] = {name: [] for name in endpoints}
        for paths in endpoints.values():
            asyncio.run(max_throughput(paths, key, 3))  # warm both workers
        for _round in range(rounds):  # the endpoints alternate, so a slow spell hits both
            for name, paths in endpoints.items():
                rate, failed = asyncio.run(max_throughput(paths, key, seconds))
                values, failed_half = asyncio.run(latency_at(paths, key, rate / 2, seconds))
                if failed or failed_half:
                    raise RuntimeError(f"{name}: {failed + failed_half} requests failed")
                rates[name].append(rate)
                p50s[name].append(percentile(values, 0.5))
                p99s[name].append(percentile(values, 0.99))
    finally:
        server.terminate()
        server.wait(timeout=30)
    median = statistics.median
    rate, floor_rate = median(rates["items"]), median(rates["floor"])
    return [
        f"**Serve** ({live.algorithm} lists of 5,000 random users, gunicorn 2 workers, medians of {rounds} "
        f"alternating rounds): the items endpoint {rate:,.0f} req/s at most ({rate / floor_rate:.2f}x the bare DRF "
        f"view's {floor_rate:,.0f}); at half load p50 {median(p50s['items']):.1f} ms, p99 "
        f"{median(p99s['items']):.1f} ms (rounds {' / '.join(f'{v:.1f}' for v in p99s['items'])}); the bare view at "
        f"its half load p50 {median(p50s['floor']):.1f} ms, p99 {median(p99s['floor']):.1f} ms (rounds "
        f"{' / '.join(f'{v:.1f}' for v in p99s['floor'])}). The first request after start (the serving state "
        f"loaded) took {first:.1f} s.",
    ]


def stage_rollup() -> list[str]:
    from django.db.models import Min
    from django.utils import timezone
    from rollup import rollup_timings

    from recommendations.models import Event

    first = timezone.localdate(Event.objects.aggregate(first=Min("occurred_at"))["first"])
    last = timezone.localdate()
    scan, rollup, per_day, _attributed = rollup_timings(first, last)
    return [
        f"**Roll-up** over {(last - first).days + 1} days: one SQL scan counting events per day and type "
        f"{scan:.1f} s; `rollup_days` {rollup:.1f} s ({rollup / scan:.2f}x); `rollup_day` for one day "
        f"{per_day:.1f} s ({per_day / scan:.2f}x). (No impressions in this world: bench/rollup.py measures "
        "attribution at 10 million events.)",
    ]


def overrides_parsed(text: str) -> dict[str, dict]:
    """'lightfm:epochs=2,als:factors=32' as {algorithm: {param: value}}."""
    out: dict[str, dict] = {}
    for part in filter(None, text.split(",")):
        name, _, pair = part.partition(":")
        key, _, value = pair.partition("=")
        out.setdefault(name, {})[key] = json.loads(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1: 10M events, 1M users, 200k items")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument(
        "--algorithms", default=",".join(ALGORITHM_ORDER), help=f"'{BARE_ALS}' is the baseline the ratios use"
    )
    parser.add_argument(
        "--params",
        default="",
        help="overrides, e.g. lightfm:epochs=2 (shipped defaults when empty)",
    )
    parser.add_argument("--rank-users", type=int, default=20_000, help="users whose ranking is timed and scaled")
    parser.add_argument("--limit", type=float, default=1200, help="seconds before a fit or pipeline process is stopped")
    parser.add_argument("--pipeline-algorithm", default="item_knn")
    parser.add_argument("--ingest-batches", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the ingest and serve stages")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each serving measurement")
    parser.add_argument("--reuse", action="store_true", help="keep the database the last run built")
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()
    stages = args.stages.split(",")
    setup_django(fresh=not args.reuse)
    if "build" in stages and args.reuse:
        raise SystemExit("--reuse keeps the last world: leave 'build' out of --stages")
    lines = []
    steps = {
        "build": lambda: stage_build(args.scale),
        "ingest": lambda: stage_ingest(args.ingest_batches, args.rounds),
        "fit": lambda: stage_fit(
            args.algorithms.split(","), args.rank_users, args.limit, overrides_parsed(args.params)
        ),
        "pipeline": lambda: stage_pipeline(args.pipeline_algorithm, args.limit),
        "serve": lambda: stage_serve(args.seconds, args.rounds),
        "rollup": stage_rollup,
    }
    for name in STAGES:
        if name in stages:
            started = time.perf_counter()
            lines += [*steps[name](), ""]
            print("\n".join(lines[-2:]), f"({name}: {time.perf_counter() - started:,.0f} s)", flush=True)
    given = shlex.join(a for a in sys.argv[1:] if a != "--write")
    command = f"`.venv/bin/python bench/scale.py {given}`".replace(" `", "`")
    text = "\n".join([f"Command: {command}. Machine: {machine()}; run {dt.date.today()}.", "", *lines]).strip()
    print(text)
    if args.write:
        write_block("scale", text)


if __name__ == "__main__":
    main()
