"""Recommendation ids that say whose list they name, so a made-up or another user's id cannot claim a list.

An id is a UUID (RFC 9562 version 8, "custom"): 8 random bytes, then 8 bytes of an HMAC (the project's
SECRET_KEY) of those bytes, the user and the slot. Checking one needs neither the cache nor the
database, so it holds while Redis is down, and an id stays the same string the app sends back on events.
"""

from __future__ import annotations

import os
import uuid

from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "recsite.recommendation-id"
_VARIANT_BITS = 0xC0  # the top two bits of byte 8 carry the UUID variant, not the signature


def new_recommendation_id(user_id: str, slot: str) -> str:
    """A fresh id for a list served to `user_id` in `slot`."""
    head = bytearray(os.urandom(8))
    head[6] = (head[6] & 0x0F) | 0x80  # version 8
    tail = bytearray(_signature(bytes(head), user_id, slot))
    tail[0] = (tail[0] & ~_VARIANT_BITS & 0xFF) | 0x80  # RFC 9562 variant
    return str(uuid.UUID(bytes=bytes(head + tail)))


def recommendation_id_belongs(recommendation_id: str, user_id: str, slot: str) -> bool:
    """Whether `recommendation_id` was issued by this site for this user and slot."""
    try:
        raw = uuid.UUID(recommendation_id).bytes
    except (ValueError, AttributeError, TypeError):
        return False
    expected = bytearray(_signature(raw[:8], user_id, slot))
    given = bytearray(raw[8:])
    expected[0] &= ~_VARIANT_BITS & 0xFF
    given[0] &= ~_VARIANT_BITS & 0xFF
    return constant_time_compare(bytes(expected), bytes(given))


def _signature(head: bytes, user_id: str, slot: str) -> bytes:
    # the lengths keep ("ab", "c") and ("a", "bc") apart
    message = b"%d:%s%d:%s%s" % (len(user_id), user_id.encode(), len(slot), slot.encode(), head)
    return salted_hmac(_SALT, message, algorithm="sha256").digest()[:8]
