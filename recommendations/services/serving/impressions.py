"""Impressions: what was shown, written off the request path.

In "background" mode a request only appends to an in-process buffer; a daemon thread writes the
buffer every IMPRESSION_FLUSH_SECONDS in one bulk insert (and at exit). A worker killed with
SIGKILL loses at most that interval's impressions, which measurement tolerates; the request never
waits for the database. "inline" mode writes at once (tests, debugging).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

import numpy as np
from django.conf import settings
from django.db import close_old_connections, transaction

from recommendations.models import AppUser, Impression, ModelVersion

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_buffer: list[dict] = []
_flusher_pid: int | None = None


def impression_log(row: dict) -> None:
    """Record one served page (keys: recommendation_id, user_id, user_pk, slot, variant, algorithm,
    model_version, offset, keys, served_at)."""
    if settings.IMPRESSION_LOG_MODE == "inline":
        impressions_write([row])
        return
    global _flusher_pid
    with _lock:
        _buffer.append(row)
        # a forked worker (gunicorn) inherits the buffer but not the thread: start one per process
        if _flusher_pid != os.getpid():
            _flusher_pid = os.getpid()
            _buffer[:] = [row]
            threading.Thread(target=_flush_forever, name="impression-flusher", daemon=True).start()


def impressions_flush() -> int:
    """Write whatever is buffered now; returns how many impressions were written."""
    with _lock:
        rows = _buffer[:]
        _buffer.clear()
    if rows:
        impressions_write(rows)
    return len(rows)


def impressions_write(rows: list[dict]) -> None:
    """Insert impressions in one transaction, creating users recsite had not heard of (as event ingest does)."""
    unknown = {r["user_id"] for r in rows if r["user_pk"] is None}
    versions = {r["model_version"] for r in rows} - {None}
    with transaction.atomic():
        # a version deleted since the request was served is recorded as none rather than failing the batch
        versions = set(ModelVersion.objects.filter(pk__in=versions).values_list("pk", flat=True)) if versions else set()
        if unknown:
            AppUser.objects.bulk_create([AppUser(external_id=u) for u in unknown], ignore_conflicts=True)
            pks = dict(AppUser.objects.filter(external_id__any_of=list(unknown)).values_list("external_id", "pk"))
        else:
            pks = {}
        Impression.objects.bulk_create(
            [
                Impression(
                    recommendation_id=r["recommendation_id"],
                    user_id=r["user_pk"] or pks[r["user_id"]],
                    slot=r["slot"],
                    variant=r["variant"],
                    algorithm=r["algorithm"],
                    model_version_id=r["model_version"] if r["model_version"] in versions else None,
                    offset=r["offset"],
                    keys=np.asarray(r["keys"], dtype="<i8").tobytes(),
                    served_at=r["served_at"],
                )
                for r in rows
            ],
            batch_size=1000,
        )


def _flush_forever() -> None:
    while True:
        time.sleep(settings.IMPRESSION_FLUSH_SECONDS)
        try:
            impressions_flush()
        except Exception:  # the thread must outlive a database hiccup; the rows are lost, not the worker
            logger.exception("writing impressions failed")
        finally:
            close_old_connections()


atexit.register(lambda: impressions_flush() if settings.IMPRESSION_LOG_MODE != "inline" else None)
