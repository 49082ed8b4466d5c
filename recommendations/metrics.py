"""Prometheus metrics every recsite process records: what the API serves and how fast, what ingestion stored
and turned away, how Amazon Personalize answers, how long training takes (docs/operations.md#metrics).

The series are created here, once; the code that does the work records them. Under gunicorn and Celery
each process writes its samples to PROMETHEUS_MULTIPROC_DIR and /metrics adds them up (recsite/metrics.py
serves them, with the series read at scrape time: live version ages and queue lengths).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Request latency (seconds): the API's target is tens of milliseconds, an outage's fallback a few.
LATENCY_BUCKETS = (0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Training stages run from seconds to hours.
STAGE_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400)

http_requests = Counter(
    "recsite_http_requests", "HTTP requests answered, by route, method and status code.", ["route", "method", "status"]
)
http_seconds = Histogram(
    "recsite_http_request_seconds", "Time to answer an HTTP request, by route.", ["route"], buckets=LATENCY_BUCKETS
)
recommendations = Counter(
    "recsite_recommendations",
    "Recommendation pages served, by slot, experiment variant and the algorithm that supplied the list.",
    ["slot", "variant", "algorithm"],
)
recommendation_seconds = Histogram(
    "recsite_recommendation_seconds",
    "Time to rank and check a recommendation page (without HTTP), by slot, variant and algorithm.",
    ["slot", "variant", "algorithm"],
    buckets=LATENCY_BUCKETS,
)
recommendation_fallbacks = Counter(
    "recsite_recommendation_fallbacks",
    "Pages not supplied by the variant's first algorithm, by why: 'chain' (its list was missing or too short), "
    "'database' (the popular list from memory while the database was down).",
    ["slot", "variant", "algorithm", "reason"],
)
catalog_rows = Counter(
    "recsite_catalog_rows", "Catalogue rows written, by kind (shops, items, users) and outcome.", ["kind", "outcome"]
)
catalog_rejected = Counter(
    "recsite_catalog_rejected",
    "Problems that rejected a catalogue batch, by kind and the field named.",
    ["kind", "field"],
)
events_stored = Counter("recsite_events_stored", "Events stored, by how they came in.", ["path"])
events_duplicates = Counter("recsite_events_duplicates", "Events sent again (same event_id) and not stored twice.")
events_rejected = Counter(
    "recsite_events_rejected", "Problems that rejected an event batch, by the field named.", ["field"]
)
personalize_seconds = Histogram(
    "recsite_personalize_call_seconds",
    "Time of each call to Amazon Personalize (or its S3 bucket), by operation.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
personalize_errors = Counter(
    "recsite_personalize_errors",
    "Failed calls to Amazon Personalize, by operation and reason (timeout, throttled, an AWS error code).",
    ["operation", "reason"],
)
training_stage_seconds = Histogram(
    "recsite_training_stage_seconds",
    "Time of each stage of a training run (load, split, fit or tune, evaluate, store, candidates).",
    ["algorithm", "stage"],
    buckets=STAGE_BUCKETS,
)
training_runs = Counter(
    "recsite_training_runs", "Training runs finished, by algorithm and outcome.", ["algorithm", "status"]
)
