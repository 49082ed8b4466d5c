"""One value in the shared cache that changes whenever something each worker keeps in memory changes:
the serving state (slots, live versions, NG lists, pins, boosts) and the API keys.

A request reads it once (the first time anything asks) and every in-process copy built under an
older value is rebuilt, so an edit applies at the next request in every worker.
"""

from __future__ import annotations

import threading
import time
import uuid

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

KEY = "serving:generation"
# While the shared cache cannot answer, every worker rebuilds its copies this often instead.
FALLBACK_SECONDS = 5

_local = threading.local()


def generation_changed() -> None:
    """Invalidate every worker's copies: now, and again once the current transaction commits."""
    cache.set(KEY, uuid.uuid4().hex, None)
    _local.value = None
    transaction.on_commit(lambda: cache.set(KEY, uuid.uuid4().hex, None))


def current_generation() -> str:
    """The shared value; read once per request (every time outside one)."""
    value = getattr(_local, "value", None)
    if value is not None and getattr(_local, "in_request", False):
        return value
    value = cache.get(KEY)
    if value is None:
        cache.add(KEY, uuid.uuid4().hex, None)
        value = cache.get(KEY)
    if value is None:  # the cache is down: changes made elsewhere reach this worker within FALLBACK_SECONDS
        value = f"clock:{int(time.time() // FALLBACK_SECONDS)}"
    _local.value = value
    return value


def _request_started(**kwargs: object) -> None:
    _local.value, _local.in_request = None, True


def _request_finished(**kwargs: object) -> None:
    _local.value, _local.in_request = None, False


request_started.connect(_request_started, dispatch_uid="generation-request-started")
request_finished.connect(_request_finished, dispatch_uid="generation-request-finished")
