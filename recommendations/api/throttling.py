"""Per-key request rate limit: the key's own rate if set in the admin, else API_KEY_THROTTLE_RATE.

A fixed-window counter (one atomic cache increment per request) rather than DRF's
SimpleRateThrottle, which stores and re-pickles a list of every request time in the window: at
thousands of requests a minute per key that list becomes the most expensive part of a request.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from recommendations.models import ApiKey
from recommendations.models.api_keys import parse_rate

if TYPE_CHECKING:  # DRF imports these settings while rest_framework.views loads
    from rest_framework.request import Request
    from rest_framework.views import APIView


_local_counts: dict[str, int] = {}


def _local_count(key: str) -> int:
    """This worker's count for the window's key (a key's limit then applies per worker)."""
    if len(_local_counts) > 10_000:
        _local_counts.clear()
    _local_counts[key] = _local_counts.get(key, 0) + 1
    return _local_counts[key]


def window_count(key: str, seconds: int) -> int:
    """Count one more in the fixed window `key` (lasting `seconds`) and return the count so far: one atomic
    cache increment, or this worker's own count while the shared cache is down."""
    try:
        count = cache.incr(key)  # one round trip for every request but a window's first
    except ValueError:  # the window's first request
        count = 1 if cache.add(key, 1, timeout=seconds + 1) else cache.incr(key)
    if count is None:  # the shared cache is down: count in this worker alone until it is back
        count = _local_count(key)
    return count


class ApiKeyRateThrottle(BaseThrottle):
    def allow_request(self, request: Request, view: APIView) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return True  # requests without a key are refused before they cost anything
        limit, self.window = parse_rate(api_key.throttle_rate or settings.API_KEY_THROTTLE_RATE)
        self.window_start = int(time.time()) // self.window * self.window
        return window_count(f"throttle:{api_key.prefix}:{self.window_start}", self.window) <= limit

    def wait(self) -> float:
        return max(1.0, self.window_start + self.window - time.time())
