"""Faults: recsite under gunicorn and Celery while Redis, PostgreSQL and workers fail, one fault at a time.

    .venv/bin/python bench/faults.py [--seconds 20] [--write]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/recsite_bench; dropped and
recreated) and Redis on 127.0.0.1:6379 (cache on db 2, broker on db 3) on this machine, and root to stop and
start them: each is restored exactly as found (Redis from its own CONFIG, PostgreSQL by pg_ctlcluster).

A bounded load on loopback runs through every phase: recommendation requests for random known users and
event batches with fresh event ids (a 503 is retried after its Retry-After, as a client should). Faults,
in turn: none (baseline); Redis stopped for 10 s; PostgreSQL restarted; a gunicorn worker killed with
SIGKILL; eight clients posting the same events in different orders at once; a training worker killed
with SIGKILL mid-run (the reaper queues the run again, a new worker finishes it). Per phase it prints
the requests, the 5xx answers (503 with Retry-After on ingestion is counted apart: it is correct), the
events sent against the events stored, and how long until both endpoints answered 200 again.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, gunicorn_start, machine, setup_django, write_block

PORT = 18767
RECS_PER_SECOND = 40
BATCHES_PER_SECOND = 8
EVENTS_PER_BATCH = 10


@dataclass
class Tally:
    requests: int = 0
    server_errors: int = 0  # 5xx other than an ingestion 503
    ingest_503: int = 0
    events_sent: set = field(default_factory=set)  # accepted with 200
    events_unsent: set = field(default_factory=set)  # still refused when the phase ended
    last_failure: float = 0.0


async def _request(method: str, path: str, key: str, body: bytes = b"") -> tuple[int, dict]:
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Api-Key {key}\r\nConnection: close\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    writer.write(head.encode() + b"\r\n" + body)
    data = await reader.read(-1)
    writer.close()
    status = int(data[9:12]) if len(data) >= 12 else 0
    headers = {}
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _sep, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


async def _load(seconds: float, key: str, users: list[str], items: list[str], tally: Tally) -> None:
    """Recommendations and event batches at fixed rates for `seconds`; refused batches retried."""
    rng = random.Random()
    end = time.monotonic() + seconds
    pending: list[tuple[float, list[dict]]] = []

    async def recommend() -> None:
        try:
            status, _h = await _request("GET", f"/api/v1/users/{rng.choice(users)}/recommendations/items", key)
        except OSError:
            status = 0
        tally.requests += 1
        if status >= 500 or status == 0:
            tally.server_errors += 1
            tally.last_failure = time.monotonic()

    async def ingest(batch: list[dict]) -> None:
        body = json.dumps({"events": batch}).encode()
        try:
            status, headers = await _request("POST", "/api/v1/events", key, body)
        except OSError:
            status, headers = 0, {}
        tally.requests += 1
        ids = {e["event_id"] for e in batch}
        if status == 200:
            tally.events_sent |= ids
            tally.events_unsent -= ids
            return
        tally.last_failure = time.monotonic()
        if status == 503 and "retry-after" in headers:
            tally.ingest_503 += 1
        else:
            tally.server_errors += 1
        tally.events_unsent |= ids
        pending.append((time.monotonic() + float(headers.get("retry-after", 1)), batch))

    tasks = []
    budget = 0.0
    while time.monotonic() < end:
        tasks += [asyncio.create_task(recommend()) for _ in range(RECS_PER_SECOND // 10)]
        budget += BATCHES_PER_SECOND / 10
        while budget >= 1:
            budget -= 1
            batch = [_event(rng, users, items) for _ in range(EVENTS_PER_BATCH)]
            tasks.append(asyncio.create_task(ingest(batch)))
        due = [p for p in pending if p[0] <= time.monotonic()]
        for p in due:
            pending.remove(p)
            tasks.append(asyncio.create_task(ingest(p[1])))
        await asyncio.sleep(0.1)
    await asyncio.gather(*tasks)
    for _at, batch in pending:  # the clients' last retries after the phase
        await ingest(batch)


def _event(rng: random.Random, users: list[str], items: list[str]) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "user_id": rng.choice(users),
        "session_id": "faults",
        "item_id": rng.choice(items),
        "type": "view",
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
    }


def _redis_config() -> list[str]:
    def get(name: str) -> str:
        out = subprocess.run(["redis-cli", "CONFIG", "GET", name], capture_output=True, text=True).stdout.split("\n")
        return out[1] if len(out) > 1 else ""

    args = ["--daemonize", "yes", "--port", get("port"), "--bind", *get("bind").split(), "--dir", get("dir")]
    args += ["--save", get("save") or '""', "--appendonly", get("appendonly") or "no"]
    if get("logfile"):
        args += ["--logfile", get("logfile")]
    return args


def fault_redis_down(context: dict) -> str:
    config = _redis_config()
    subprocess.run(["redis-cli", "shutdown", "nosave"], capture_output=True)
    time.sleep(10)
    subprocess.run(["redis-server", *[a if a != '""' else "" for a in config]], check=True, capture_output=True)
    return "Redis stopped 10 s, started again with its own configuration"


def fault_postgres_restart(context: dict) -> str:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)
    return f"PostgreSQL {version} restarted"


def fault_gunicorn_worker(context: dict) -> str:
    master = context["server"].pid
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    os.kill(int(children[0]), signal.SIGKILL)
    return f"gunicorn worker {children[0]} killed with SIGKILL"


def fault_overlapping_batches(context: dict) -> str:
    """Eight clients post the same 200 events, each in its own order, at once."""
    rng = random.Random(7)
    batch = [_event(rng, context["users"], context["items"]) for _ in range(200)]
    statuses: list[int] = []

    async def clients() -> None:
        async def one(seed: int) -> None:
            mine = batch[:]
            random.Random(seed).shuffle(mine)
            body = json.dumps({"events": mine}).encode()
            status, _h = await _request("POST", "/api/v1/events", context["key"], body)
            statuses.append(status)

        await asyncio.gather(*(one(seed) for seed in range(8)))

    asyncio.run(clients())
    context["tally"].requests += len(statuses)
    context["tally"].server_errors += sum(1 for s in statuses if s >= 500)
    context["tally"].events_sent |= {e["event_id"] for e in batch}
    return f"8 clients, the same 200 events in different orders: statuses {sorted(set(statuses))}"


def fault_training_worker(context: dict) -> str:
    from recommendations.models import ModelVersion, TrainingRun
    from recommendations.services.training.pipeline import training_run_queue, training_runs_reap
    from recsite.celery import app as celery_app

    celery_app.conf.task_always_eager = False

    def worker() -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", "training", "-P", "solo"]
        command += ["-l", "warning"]
        return subprocess.Popen(command, cwd=ROOT, env=dict(os.environ), stderr=subprocess.DEVNULL)

    def wait(condition: object, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.5)
        return False

    run = training_run_queue(algorithm="als", tune=True, trigger="command")
    first = worker()
    wait(lambda: TrainingRun.objects.get(pk=run.pk).status == "running", 120)
    os.kill(first.pid, signal.SIGKILL)
    killed = time.monotonic()
    first.wait()
    detected = None
    while time.monotonic() - killed < 300:  # the beat's minute-by-minute reaper, run here
        requeued, _failed = training_runs_reap()
        if run.pk in requeued:
            detected = time.monotonic() - killed
            break
        time.sleep(5)
    second = worker()
    wait(lambda: TrainingRun.objects.get(pk=run.pk).status in ("succeeded", "failed"), 300)
    second.terminate()
    second.wait()
    run.refresh_from_db()
    versions = ModelVersion.objects.filter(run=run).count()
    return (
        f"training worker killed mid-run; requeued after {detected:.0f} s; run {run.status} on attempt "
        f"{run.attempt}, {versions} version(s)"
        if detected is not None
        else f"training worker killed mid-run; NOT requeued within 300 s (run {run.status})"
    )


FAULTS = [
    ("none (baseline)", None),
    ("Redis stopped 10 s", fault_redis_down),
    ("PostgreSQL restarted", fault_postgres_restart),
    ("gunicorn worker SIGKILL", fault_gunicorn_worker),
    ("overlapping duplicate batches", fault_overlapping_batches),
    ("training worker SIGKILL", fault_training_worker),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="load per phase")
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")
    os.environ.setdefault("TRAINING_LEASE_SECONDS", "20")
    os.environ.setdefault("TRAINING_HEARTBEAT_SECONDS", "5")
    setup_django()
    from django.core.management import call_command
    from django.db import connections

    from recommendations.models import AppUser, Event, Item, Scope
    from recommendations.services.api_keys import api_key_create

    call_command("generate_demo", shops=50, items=2000, users=1000, days=14, verbosity=0)
    call_command("train", "segment_popularity", "item_knn", verbosity=0)
    _key, key = api_key_create(name="faults", scopes=list(Scope.values), throttle_rate="100000000/minute")
    users = list(AppUser.objects.values_list("external_id", flat=True))
    items = list(Item.objects.values_list("external_id", flat=True))
    server = gunicorn_start(PORT, 2, IMPRESSION_LOG_MODE="background")
    rows = []
    try:
        for name, fault in FAULTS:
            tally = Tally()
            context = {"server": server, "key": key, "users": users, "items": items, "tally": tally}
            load = threading.Thread(target=lambda t=tally: asyncio.run(_load(args.seconds, key, users, items, t)))
            started = time.monotonic()
            load.start()
            time.sleep(args.seconds / 4)
            what = fault(context) if fault else "no fault"
            fault_end = time.monotonic()
            load.join()
            connections.close_all()
            tried = tally.events_sent | tally.events_unsent
            stored = Event.objects.filter(event_id__in=list(tried)).count()
            recovery = max(0.0, tally.last_failure - fault_end) if tally.last_failure else 0.0
            rows.append(
                f"| {name} | {tally.requests:,} | {tally.server_errors} | {tally.ingest_503} | "
                f"{len(tried):,} / {stored:,} | {recovery:.1f} | {what} |"
            )
            print(rows[-1], f"({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [
        f"Command: `.venv/bin/python bench/faults.py --seconds {args.seconds:g}`. Machine: {machine()}; gunicorn 2 "
        f"sync workers, Redis cache and broker, a Celery training worker; run {dt.date.today().isoformat()}.",
        "",
        f"Load per phase: {RECS_PER_SECOND} recommendation requests and {BATCHES_PER_SECOND} batches of "
        f"{EVENTS_PER_BATCH} events a second for {args.seconds:g} s, the fault a quarter of the way in.",
        "",
        "| fault | requests | 5xx | ingestion 503 + Retry-After | events sent / stored "
        "| failures lasted past the fault (s) | what happened |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        *rows,
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_block("faults", text)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
