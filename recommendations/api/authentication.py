"""`Authorization: Api-Key <key>` authentication; request.auth becomes the ApiKey row.

A verified key is remembered per worker (by its SHA-256, never in plain) until the shared generation
changes, which every save or delete of an API key does: looking the key up and checking its hash
was a fifth of a recommendation request (bench/serve.py), and a revoked key still fails at the next
request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

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
        key = self.key_parser.get_from_authorization(request)
        if not key:
            raise exceptions.AuthenticationFailed(
                f"Malformed Authorization header: send 'Authorization: {self.keyword} <key>'."
            )
        api_key = _verified(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        if api_key.has_expired:
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


_verified_keys: dict[bytes, ApiKey] = {}
_verified_generation: str | None = None
MAX_REMEMBERED = 10_000


def _verified(key: str) -> ApiKey | None:
    """The usable key row for a plain key, from this worker's memory while the generation holds."""
    global _verified_generation
    generation = current_generation()
    if generation != _verified_generation:
        _verified_keys.clear()
        _verified_generation = generation
    digest = hashlib.sha256(key.encode()).digest()
    api_key = _verified_keys.get(digest)
    if api_key is None:
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except ApiKey.DoesNotExist:
            return None
        if len(_verified_keys) >= MAX_REMEMBERED:
            _verified_keys.clear()
        _verified_keys[digest] = api_key
    return api_key
