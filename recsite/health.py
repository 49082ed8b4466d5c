"""Health for people and load balancers.

- /healthz: every dependency checked separately (database, cache, broker); 503 when any is down.
- /healthz/live: the process answers (restart it when this fails).
- /healthz/ready: this instance can do useful work: the database answers (send it traffic). A cache
  or broker outage leaves it ready: serving and ingestion degrade gracefully (docs/operations.md).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

if TYPE_CHECKING:
    from kombu import Connection

BROKER_TIMEOUT_SECONDS = 2


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure means "unreachable"; say which
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def _cache() -> dict:
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    probe, value = "healthz:probe", uuid.uuid4().hex
    try:
        cache.set(probe, value, 30)
        if cache.get(probe) != value:  # django-redis answers None instead of raising while Redis is down
            return {"ok": False, "backend": backend, "error": "the cache did not keep a value (unreachable?)"}
        return {"ok": True, "backend": backend}
    except Exception as exc:
        return {"ok": False, "backend": backend, "error": f"{type(exc).__name__}: {exc}"}


def broker_connection() -> Connection:
    """A connection to CELERY_BROKER_URL as Celery makes it (Sentinel's master name included), giving up after
    BROKER_TIMEOUT_SECONDS."""
    from kombu import Connection  # imported only where a broker is configured

    return Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    )


def _broker() -> dict:
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "mode": "eager: tasks run in-process, no broker configured"}
    try:
        with broker_connection() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            transport = conn.transport_cls
        return {"ok": True, "transport": transport}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "cache": _cache(), "broker": _broker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks}, status=200 if healthy else 503)


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    database = _database()
    response = JsonResponse({"status": "ok" if database["ok"] else "unavailable", "checks": {"database": database}})
    if not database["ok"]:
        response.status_code = 503
        response["Retry-After"] = "5"
    return response
