"""`Authorization: Api-Key <key>` authentication; request.auth becomes the ApiKey row.

A verified key is remembered per worker (by its SHA-256, never in plain) until the shared generation
changes, which every save or delete of an API key does, and its row is read again every
API_KEY_RECHECK_SECONDS: looking the key up and checking its hash was a fifth of a recommendation
request (bench/serve.py). An address sending too many bad keys gets 429 until the minute is over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework_api_key.permissions import KeyParser

from recommendations.api.throttling import window_count
from recommendations.generation import current_generation
from recommendations.models import ApiKey

logger = logging.getLogger(__name__)
# Marking a key as used costs a write; once in this interval is enough for the admin's "last used".
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"
    key_parser = KeyParser()

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        _failures_check(request)
        key = self.key_parser.get_from_authorization(request)
        if not key:
            _failure_count(request)
            raise exceptions.AuthenticationFailed(
                f"Malformed Authorization header: send 'Authorization: {self.keyword} <key>'."
            )
        api_key = _verified(key)
        if api_key is None:
            _failure_count(request)
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        if api_key.has_expired:
            _failure_count(request)
            raise exceptions.AuthenticationFailed("This API key has expired.")
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            try:
                ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
            except DatabaseError:  # the admin's "last used" can wait for the database; the request cannot
                logger.warning("API key %s: last use not recorded (database unavailable)", api_key.prefix)
            api_key.last_used_at = now
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when no key is sent.
        return self.keyword


_verified_keys: dict[bytes, tuple[ApiKey, float]] = {}
_verified_generation: str | None = None
MAX_REMEMBERED = 10_000


def _verified(key: str) -> ApiKey | None:
    """The usable key row for a plain key, from this worker's memory while the generation holds and the
    row was read at most API_KEY_RECHECK_SECONDS ago: a key revoked or expired by any path (SQL
    included, which changes no generation) stops working within those seconds."""
    global _verified_generation
    generation = current_generation()
    if generation != _verified_generation:
        _verified_keys.clear()
        _verified_generation = generation
    digest = hashlib.sha256(key.encode()).digest()
    remembered = _verified_keys.get(digest)
    now = time.monotonic()
    if remembered is not None and now - remembered[1] < settings.API_KEY_RECHECK_SECONDS:
        return remembered[0]
    if remembered is not None:
        try:
            api_key = ApiKey.objects.filter(pk=remembered[0].pk, revoked=False).first()
        except DatabaseError:  # the database is down: the key verified a moment ago still holds
            return remembered[0]
    else:
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except ApiKey.DoesNotExist:
            return None
    if api_key is None:
        _verified_keys.pop(digest, None)
        return None
    if len(_verified_keys) >= MAX_REMEMBERED:
        _verified_keys.clear()
    _verified_keys[digest] = (api_key, now)
    return api_key


def _client(request: Request) -> str:
    """Who is knocking, as DRF's throttles name them (the address, or X-Forwarded-For past NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)


def _failures_key(request: Request) -> str:
    """The counter of this address's bad keys in the current minute."""
    return f"auth-failures:{_client(request)}:{int(time.time()) // 60}"


def _failures_check(request: Request) -> None:
    """429 for an address that has sent API_AUTH_FAILURES_PER_MINUTE bad keys in the current minute."""
    if (cache.get(_failures_key(request)) or 0) >= settings.API_AUTH_FAILURES_PER_MINUTE:
        raise exceptions.Throttled(wait=60 - time.time() % 60, detail="Too many invalid API keys from this address.")


def _failure_count(request: Request) -> None:
    window_count(_failures_key(request), 60)
