"""What the Prometheus metrics cost a recommendation request, as gunicorn records them (one file per worker).

    .venv/bin/python bench/metrics_cost.py [--requests 20000] [--write]

Records, per simulated request, exactly the series the items endpoint records (the HTTP request count and
latency, the page count and latency, one fallback in ten), in multiprocess mode (PROMETHEUS_MULTIPROC_DIR,
as under gunicorn) and in a plain process; the baseline in the same process is the same loop without the
metric calls. Then renders /metrics once over the files, as a scrape does. No database needed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import machine, write_block


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="recsite-bench-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory  # before prometheus_client is imported
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    from recommendations import metrics

    route, labels = "api/v1/users/<str:user_id>/recommendations/items", ("items", "A", "item_knn")

    def one_request(n: int) -> None:
        metrics.recommendations.labels(*labels).inc()
        metrics.recommendation_seconds.labels(*labels).observe(0.004)
        if n % 10 == 0:
            metrics.recommendation_fallbacks.labels(*labels, "chain").inc()
        metrics.http_requests.labels(route, "GET", "200").inc()
        metrics.http_seconds.labels(route).observe(0.006)

    def baseline(n: int) -> None:
        _ = (labels, route, n % 10 == 0)

    def timed(step) -> float:
        best = float("inf")
        for _rep in range(3):
            started = time.perf_counter()
            for n in range(args.requests):
                step(n)
            best = min(best, (time.perf_counter() - started) / args.requests * 1e6)
        return best

    bare = timed(baseline)
    recorded = timed(one_request) - bare
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    started = time.perf_counter()
    size = len(generate_latest(registry))
    scrape_ms = (time.perf_counter() - started) * 1000
    lines = [
        f"Command: `.venv/bin/python bench/metrics_cost.py --requests {args.requests}`. Machine: {machine()}.",
        "",
        "| what | cost |",
        "| --- | ---: |",
        f"| the series one items request records (multiprocess files, as gunicorn), a request | {recorded:.1f} µs |",
        f"| rendering /metrics from the files (one worker's, {size:,} bytes) | {scrape_ms:.1f} ms |",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_block("metrics-cost", text)


if __name__ == "__main__":
    main()
