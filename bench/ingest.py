"""Event ingestion throughput into PostgreSQL: through POST /api/v1/events and through import_events.

    .venv/bin/python bench/ingest.py [--batches 200] [--workers 2] [--write]

Needs a PostgreSQL server (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/recsite_bench;
the database is dropped and recreated). Runs, in one process and on the same data:
  1. the baseline: Django's bulk_create of already-resolved 500-event batches (a plain ORM write);
  2. the ingest service in-process, timing validation and database write separately;
  3. the HTTP API under gunicorn, with 4 client threads posting pre-encoded 500-event batches;
  4. `manage.py import_events` on a CSV of the same size.
Prints events/s for each and the ratio to the baseline; --write puts the table into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import http.client
import json
import queue
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from common import gunicorn_start, machine, setup_django, write_block

BATCH = 500
SHOPS, ITEMS, USERS = 200, 10_000, 50_000
PORT = 18765


def seed_catalog() -> str:
    from django.db import connection

    from recommendations.demo_data.store import catalog_store
    from recommendations.services.api_keys import api_key_create

    catalog_store("shops", [{"shop_id": f"s{i}", "name": f"Shop {i}"} for i in range(SHOPS)])
    catalog_store(
        "items", [{"item_id": f"i{i}", "shop_id": f"s{i % SHOPS}", "title": f"Item {i}"} for i in range(ITEMS)]
    )
    # 90% of the users the events name exist already; the rest are created by ingestion
    catalog_store("users", [{"user_id": f"u{i}"} for i in range(int(USERS * 0.9))])
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    _key, plain = api_key_create(name="bench", scopes=["events:write"], throttle_rate="1000000/minute")
    return plain


def uuid7(rng: random.Random, moment: dt.datetime) -> uuid.UUID:
    """A time-ordered UUID (version 7, RFC 9562): milliseconds since the epoch first, then random bits."""
    ms = int(moment.timestamp() * 1000)
    return uuid.UUID(int=(ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62))


def make_batches(
    n: int, rng: random.Random, users: int = USERS, items: int = ITEMS, *, time_ordered_ids: bool = False
) -> list[list[dict]]:
    """`n` batches of new events by users u0.. and on items i0.. (ids as seed_catalog and bench/scale.py name them);
    event ids random (version 4) or, with `time_ordered_ids`, version 7 as a client sending them in order would."""
    now = dt.datetime.now(dt.UTC)
    kinds = ["view"] * 80 + ["favorite"] * 8 + ["cart_add"] * 8 + ["purchase"] * 4
    sent = iter(range(n * BATCH))

    def event_id() -> str:
        if time_ordered_ids:
            return str(uuid7(rng, now + dt.timedelta(milliseconds=next(sent))))
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    return [
        [
            {
                "event_id": event_id(),
                "user_id": f"u{rng.randrange(users)}",
                "session_id": f"sess-{rng.randrange(10**6)}",
                "item_id": f"i{rng.randrange(items)}",
                "type": rng.choice(kinds),
                "occurred_at": (now - dt.timedelta(seconds=rng.randrange(86400))).isoformat(),
            }
            for _ in range(BATCH)
        ]
        for _ in range(n)
    ]


def bench_baseline(batches: list[list[dict]]) -> float:
    """A plain Django write: bulk_create of events whose user and item keys are already known."""
    from django.db import transaction
    from django.utils import timezone

    from recommendations.models import AppUser, Event, Item

    users = dict(AppUser.objects.values_list("external_id", "id"))
    items = dict(Item.objects.values_list("external_id", "id"))
    resolved = [[e for e in b if e["user_id"] in users] for b in batches]
    count, start = 0, time.perf_counter()
    for b in resolved:
        now = timezone.now()
        objs = [
            Event(
                event_id=e["event_id"],
                user_id=users[e["user_id"]],
                item_id=items[e["item_id"]],
                session_id=e["session_id"],
                type=e["type"],
                occurred_at=dt.datetime.fromisoformat(e["occurred_at"]),
                received_at=now,
            )
            for e in b
        ]
        with transaction.atomic():
            Event.objects.bulk_create(objs)
        count += len(objs)
    return count / (time.perf_counter() - start)


def bench_service(batches: list[list[dict]]) -> dict:
    """The ingest service in-process: JSON decode + validation, then the database write."""
    from recommendations.services.event_ingest import event_batch_check, event_batch_write

    bodies = [json.dumps({"events": b}) for b in batches]
    check_ms, write_ms = [], []
    for body in bodies:
        t0 = time.perf_counter()
        checked = event_batch_check(json.loads(body)["events"])
        t1 = time.perf_counter()
        event_batch_write(checked)
        t2 = time.perf_counter()
        check_ms.append((t1 - t0) * 1000)
        write_ms.append((t2 - t1) * 1000)
    total_s = (sum(check_ms) + sum(write_ms)) / 1000
    return {
        "events_per_s": len(batches) * BATCH / total_s,
        "check_ms": statistics.median(check_ms),
        "write_ms": statistics.median(write_ms),
    }


def bench_http(batches: list[list[dict]], key: str, workers: int, clients: int) -> dict:
    server = gunicorn_start(PORT, workers)
    try:
        bodies: queue.Queue[bytes] = queue.Queue()
        for b in batches:
            bodies.put(json.dumps({"events": b}).encode())
        headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
        latencies: list[float] = []
        failures: list[str] = []

        def client() -> None:
            while True:
                try:
                    body = bodies.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                conn.request("POST", "/api/v1/events", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                conn.close()
                latencies.append((time.perf_counter() - t0) * 1000)
                if response.status != 200:
                    failures.append(f"{response.status} {payload[:200]!r}")

        threads = [threading.Thread(target=client) for _ in range(clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        if failures:
            raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
        latencies.sort()
        return {
            "events_per_s": len(batches) * BATCH / elapsed,
            "p50_ms": latencies[len(latencies) // 2],
            "p95_ms": latencies[int(len(latencies) * 0.95)],
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def bench_import(batches: list[list[dict]]) -> float:
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "interactions.csv"
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["EVENT_ID", "USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "SESSION_ID"])
            for b in batches:
                for e in b:
                    ts = int(dt.datetime.fromisoformat(e["occurred_at"]).timestamp())
                    writer.writerow([e["event_id"], e["user_id"], e["item_id"], ts, e["type"], e["session_id"]])
        start = time.perf_counter()
        call_command("import_events", str(path), verbosity=0)
        return len(batches) * BATCH / (time.perf_counter() - start)


def analyzed(phase, *args):
    """Run a phase on fresh planner statistics. The events table grows by 100,000 rows a phase here, far
    faster than autovacuum's once-a-minute analyse follows on a new database; left stale, the planner
    reads whole partitions for the ingest path's look-up of event ids (140 ms a batch instead of 9 ms)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE recommendations_event")
    return phase(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=200, help="500-event batches per phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all four phases; medians are reported")
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()

    setup_django()
    key = seed_catalog()
    rng = random.Random(20261128)
    n = args.batches
    # Every round runs all four phases back to back, so a slow spell of this shared machine hits the
    # baseline and the measured paths alike; each figure is the median over rounds.
    rounds = []
    for _ in range(args.rounds):
        rounds.append(
            {
                "baseline": analyzed(bench_baseline, make_batches(n, rng)),
                "service": analyzed(bench_service, make_batches(n, rng)),
                "http": analyzed(bench_http, make_batches(n, rng), key, args.workers, args.clients),
                "import": analyzed(bench_import, make_batches(n, rng)),
            }
        )
    baseline = statistics.median(r["baseline"] for r in rounds)
    imported = statistics.median(r["import"] for r in rounds)
    service = {k: statistics.median(r["service"][k] for r in rounds) for k in rounds[0]["service"]}
    http_result = {k: statistics.median(r["http"][k] for r in rounds) for k in rounds[0]["http"]}
    http_range = sorted(r["http"]["events_per_s"] for r in rounds)

    rows = [
        ("baseline: bulk_create of resolved events", baseline, "1.00", ""),
        (
            "ingest service in-process (validate + write)",
            service["events_per_s"],
            f"{service['events_per_s'] / baseline:.2f}",
            f"per 500-event batch: validation {service['check_ms']:.1f} ms, write {service['write_ms']:.1f} ms",
        ),
        (
            f"POST /api/v1/events, gunicorn -w {args.workers}, {args.clients} clients",
            http_result["events_per_s"],
            f"{http_result['events_per_s'] / baseline:.2f}",
            f"latency p50 {http_result['p50_ms']:.0f} ms, p95 {http_result['p95_ms']:.0f} ms; "
            f"rounds {', '.join(f'{v:,.0f}' for v in http_range)}",
        ),
        ("manage.py import_events (CSV, 5,000-row chunks)", imported, f"{imported / baseline:.2f}", ""),
    ]
    table = [
        f"Command: `.venv/bin/python bench/ingest.py --batches {n} --workers {args.workers} --clients {args.clients} "
        f"--rounds {args.rounds}`",
        f"Machine: {machine()}. {n} batches of {BATCH} events per phase, medians of {args.rounds} rounds; "
        f"run {dt.date.today()}.",
        "",
        "| path | events/s | vs baseline | notes |",
        "| --- | ---: | ---: | --- |",
        *[f"| {name} | {rate:,.0f} | {ratio} | {note} |" for name, rate, ratio, note in rows],
    ]
    text = "\n".join(table)
    print(text)
    if args.write:
        write_block("ingest", text)


if __name__ == "__main__":
    main()
