"""How values are written to the shared cache (Redis): msgpack, never pickle.

A value that does not decode (written by something else, or a pickle planted in Redis) is read as a
miss, logged, and never run: the request then recomputes what it needed.
"""

from __future__ import annotations

import logging
from typing import Any

import msgpack
from django_redis.serializers.msgpack import MSGPackSerializer

logger = logging.getLogger(__name__)


class SafeMsgPackSerializer(MSGPackSerializer):
    def loads(self, value: bytes) -> Any:
        try:
            return super().loads(value)
        except (ValueError, TypeError, msgpack.UnpackException):
            logger.warning("a cache value that is not msgpack (%d bytes) was read as a miss", len(value))
            return None
