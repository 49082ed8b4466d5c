"""Impressions: what was shown, written off the request path, with the lists later pages are served from.

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

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, close_old_connections, connection, transaction

from recommendations.bulk_copy import COPY_NULL, copy_available, copy_bytea, copy_rows, copy_text
from recommendations.models import AppUser, Impression, ModelVersion

logger = logging.getLogger(__name__)

COLUMNS = (
    "recommendation_id",
    "user_id",
    "user_ref",
    "slot",
    "variant",
    "algorithm",
    "model_version_id",
    "offset",
    "keys",
    "served_at",
    "explored",
)

# Impressions kept in memory while the database cannot take them: about a minute at 1,500 requests a second.
MAX_BUFFERED = 100_000

_lock = threading.Lock()
_buffer: list[dict] = []
_flusher_pid: int | None = None
_stop = threading.Event()


def impression_log(row: dict) -> None:
    """Record one served page (keys: recommendation_id, user_id, user_pk, slot, variant, algorithm,
    model_version, offset, keys, served_at, optionally explored (the keys shown at exploration positions),
    and stored_list: a (cache key, value) pair or None)."""
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
            _stop.clear()
            threading.Thread(target=_flush_forever, name="impression-flusher", daemon=True).start()


def impressions_flush() -> int:
    """Write whatever is buffered now; returns how many impressions were written. Should the database
    not take them (down, restarting), they go back to the front of the buffer for the next try."""
    with _lock:
        rows = _buffer[:]
        _buffer.clear()
    if rows:
        try:
            impressions_write(rows)
        except DatabaseError:
            with _lock:
                # kept for the next flush, newest dropped first past MAX_BUFFERED (minutes of traffic)
                _buffer[:0] = rows
                del _buffer[MAX_BUFFERED:]
            raise
    return len(rows)


def impressions_write(rows: list[dict]) -> None:
    """Store the rows' lists in the cache (one round trip), then insert the impressions in one
    transaction. A read creates no user: a page for an id recsite has no user for is stored under
    user_ref (so a key that only reads cannot fill the user table, and an erased user stays erased).

    A user erased, or a model version deleted, since the request was served is skipped or recorded as
    none rather than failing the batch.
    """
    lists = dict(r["stored_list"] for r in rows if r.get("stored_list"))
    if lists:
        cache.set_many(lists, settings.RECOMMENDATION_LIST_TTL)
    unknown = {r["user_id"] for r in rows if r["user_pk"] is None}
    versions = {r["model_version"] for r in rows} - {None}
    with transaction.atomic():
        versions = set(ModelVersion.objects.filter(pk__in=versions).values_list("pk", flat=True)) if versions else set()
        # users whose events arrived since the page was served
        pks = (
            dict(AppUser.objects.filter(external_id__any_of=list(unknown)).values_list("external_id", "pk"))
            if unknown
            else {}
        )
        known = {r["user_pk"] for r in rows} - {None}
        existing = set(AppUser.objects.filter(pk__in=known).values_list("pk", flat=True)) if known else set()
        values = []
        for r in rows:
            if r["user_pk"] is not None and r["user_pk"] not in existing:
                continue  # erased since the page was served
            user = r["user_pk"] if r["user_pk"] is not None else pks.get(r["user_id"])
            ref = "" if user is not None else r["user_id"]
            version = r["model_version"] if r["model_version"] in versions else None
            values.append((r, user, ref, version, np.asarray(r["keys"], dtype="<i8").tobytes(), _packed_explored(r)))
        if copy_available():  # a tenth of the ORM's Python time, which the serving worker would feel
            copy_rows(
                Impression,
                COLUMNS,
                [
                    f"{r['recommendation_id']}\t{user if user is not None else COPY_NULL}\t{copy_text(ref)}\t"
                    f"{r['slot']}\t{copy_text(r['variant'])}\t{copy_text(r['algorithm'])}\t"
                    f"{version if version is not None else COPY_NULL}\t{r['offset']}\t"
                    f"{copy_bytea(keys)}\t{r['served_at'].isoformat()}\t{copy_bytea(explored)}"
                    for r, user, ref, version, keys, explored in values
                ],
            )
            return
        Impression.objects.bulk_create(
            [
                Impression(
                    recommendation_id=r["recommendation_id"],
                    user_id=user,
                    user_ref=ref,
                    slot=r["slot"],
                    variant=r["variant"],
                    algorithm=r["algorithm"],
                    model_version_id=version,
                    offset=r["offset"],
                    keys=keys,
                    served_at=r["served_at"],
                    explored=explored,
                )
                for r, user, ref, version, keys, explored in values
            ],
            batch_size=1000,
        )


def _packed_explored(row: dict) -> bytes:
    return np.asarray(row.get("explored") or [], dtype="<i8").tobytes()


def impressions_stop() -> None:
    """Flush, then end this process's writer thread and its database connection (tests, shutdown)."""
    global _flusher_pid
    _stop.set()
    _flusher_pid = None
    impressions_flush()


def _flush_forever() -> None:
    try:
        while not _stop.wait(settings.IMPRESSION_FLUSH_SECONDS):
            try:
                impressions_flush()
            except Exception:  # the thread must outlive a database outage; the rows wait in the buffer
                logger.exception("writing impressions failed; %d kept for the next try", len(_buffer))
            finally:
                close_old_connections()
    finally:
        connection.close()


atexit.register(lambda: impressions_flush() if settings.IMPRESSION_LOG_MODE != "inline" else None)
