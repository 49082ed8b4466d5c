"""Seeing inside a running recsite: a request id on every request and log line, request metrics, and
GET /metrics in Prometheus's text format (docs/operations.md#metrics).

Under gunicorn every worker is its own process: gunicorn.conf.py points PROMETHEUS_MULTIPROC_DIR at a
directory they share, and /metrics adds up what every worker of the host recorded. Two series are read
when Prometheus scrapes: the age of each live model version and the length of each Celery queue.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.signals import request_finished
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from recommendations import log_context, metrics
from recommendations.services.training.publishing import live_versions_published
from recsite.health import broker_connection

logger = logging.getLogger(__name__)
# A request id the client sends is kept (so its logs and ours join up) when it looks like one.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Any other method a client makes up is counted as "other": one series each would let clients grow them.
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestContextMiddleware:
    """First of all middleware: gives the request an id (X-Request-ID, kept from the client when sane),
    echoes it on the response, and records the request's count and latency by route."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        # kept until the response is closed (request_finished), so Django's own "Bad Request" line has it too
        log_context.request_started(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        match = getattr(request, "resolver_match", None)
        # the route pattern, not the path: one series per endpoint, whatever ids the paths carry
        route = match.route if match is not None and match.route else "unmatched"
        method = request.method if request.method in KNOWN_METHODS else "other"
        metrics.http_requests.labels(route, method, str(response.status_code)).inc()
        metrics.http_seconds.labels(route).observe(time.perf_counter() - started)
        return response


def _request_finished(**kwargs: object) -> None:
    log_context.request_finished()


request_finished.connect(_request_finished, dispatch_uid="recsite-log-context")


def registry(*, close_connections: bool = False) -> CollectorRegistry:
    """What /metrics shows: every process of this host that writes to PROMETHEUS_MULTIPROC_DIR, else this
    process's own series; both with the series read at scrape time (`close_connections`: outside a request,
    the database connection each scrape opens is closed after it)."""
    shown = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(shown)
    else:
        shown.register(_Own())
    shown.register(ScrapeTimeCollector(close_connections))
    return shown


class _Own(Collector):
    """This process's series (single-process mode: runserver, tests)."""

    def collect(self) -> Iterator:
        yield from REGISTRY.collect()


class ScrapeTimeCollector(Collector):
    """Series read when Prometheus asks: how old each live version is, and how many tasks wait per queue."""

    def __init__(self, close_connections: bool = False) -> None:
        self.close_connections = close_connections

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ages = GaugeMetricFamily(
            "recsite_live_version_age_seconds",
            "Seconds since the live version of each algorithm was published.",
            labels=["algorithm"],
        )
        try:
            now = timezone.now()
            for algorithm, published_at in live_versions_published():
                ages.add_metric([algorithm], (now - published_at).total_seconds())
        except DatabaseError as exc:  # the database is down: /healthz says so; the other series still count
            logger.warning("live version ages not read: %s", exc)
        finally:
            if self.close_connections:
                connection.close()
        yield ages
        queues = GaugeMetricFamily(
            "recsite_queue_length", "Celery tasks waiting in each queue (none without a broker).", labels=["queue"]
        )
        for queue, length in queue_lengths().items():
            queues.add_metric([queue], length)
        yield queues


def queue_lengths() -> dict[str, int]:
    """Tasks waiting in each of recsite's Celery queues; empty without a broker or while it is unreachable."""
    if not settings.CELERY_BROKER_URL:
        return {}
    lengths: dict[str, int] = {}
    try:
        with broker_connection() as conn:
            channel = conn.channel()
            for queue in settings.CELERY_QUEUES_MEASURED:
                try:
                    lengths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
                except conn.channel_errors:  # a queue no task was ever sent to
                    lengths[queue] = 0
                    channel = conn.channel()
    except Exception as exc:  # any broker failure leaves the queue series out of this scrape
        logger.warning("queue lengths not read: %s", exc)
        return {}
    return lengths


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: Prometheus's text format; with METRICS_TOKEN set, only for `Authorization: Bearer <it>`."""
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return HttpResponse("A bearer token is needed (METRICS_TOKEN).\n", status=401, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
