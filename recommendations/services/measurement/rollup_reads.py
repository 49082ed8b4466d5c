"""What a roll-up reads: a span's events and impressions as DataFrames, by COPY on PostgreSQL.

Fetching a day's third of a million events through the ORM builds a datetime and a Decimal per row
(most of the roll-up's time at 10 million events). On PostgreSQL the rows come out of one
`COPY ... TO STDOUT (FORMAT csv)` each, times as integer microseconds and the packed item keys as
hex, and pandas parses them in C. Other databases (the embedded SQLite) read through the ORM.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection

from recommendations.models import AppUser, Event, Impression

IMPRESSION_COLUMNS = ["recommendation_id", "user_id", "slot", "variant", "algorithm", "served_at", "keys", "explored"]
_STORED_COLUMNS = [*IMPRESSION_COLUMNS[:2], "user_ref", *IMPRESSION_COLUMNS[2:]]  # user_ref: the id of a stranger
EVENT_COLUMNS = ["user_id", "item_id", "type", "occurred_at", "recommendation_id", "value"]


def counted_currencies() -> list[str]:
    """The currencies revenue adds up: the site's, and none named (which means the site's)."""
    return ["", settings.CURRENCY_CODE]


def stranger_key(user_ref: str) -> int:
    """The roll-ups' key for a user id recsite did not know when it served them: negative, stable."""
    return -1 - int.from_bytes(hashlib.blake2b(user_ref.encode(), digest_size=7).digest(), "big")


def events_between(since: dt.datetime, until: dt.datetime, types: tuple[str, ...]) -> pd.DataFrame:
    """The events of `types` that occurred in [since, until); `value` only where it is in a counted
    currency (a value in another is left out, not converted)."""
    if connection.vendor == "postgresql":
        frame = _copied(
            f"SELECT user_id, item_id, type, {_micros('occurred_at')}, recommendation_id, "
            f"CASE WHEN currency = ANY(%s) THEN value END FROM {Event._meta.db_table} "
            "WHERE occurred_at >= %s AND occurred_at < %s AND type = ANY(%s)",
            [counted_currencies(), since, until, list(types)],
            EVENT_COLUMNS,
            {
                "user_id": "int64",
                "item_id": "int64",
                "type": "str",
                "occurred_at": "int64",
                "recommendation_id": "str",
                "value": "float64",
            },
        )
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], unit="us", utc=True)
        return frame
    rows = Event.objects.filter(occurred_at__gte=since, occurred_at__lt=until, type__in=types).values_list(
        "user_id", "item_id", "type", "occurred_at", "recommendation_id", "value", "currency"
    )
    frame = pd.DataFrame.from_records(list(rows), columns=[*EVENT_COLUMNS, "currency"])
    frame.loc[~frame["currency"].isin(counted_currencies()), "value"] = None
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame.drop(columns="currency")


def impressions_between(since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """The pages served in [since, until), `keys` as an int64 array per page.

    A page served before the user existed counts as theirs once their events made them a user; one still
    unknown counts as a user of its own (`stranger_key`), with no events."""
    if connection.vendor == "postgresql":
        frame = _copied(
            f"SELECT i.recommendation_id, i.user_id, i.user_ref, i.slot, i.variant, i.algorithm, "
            f"{_micros('i.served_at')}, encode(i.keys, 'hex'), encode(i.explored, 'hex') "
            f"FROM {Impression._meta.db_table} i WHERE i.served_at >= %s AND i.served_at < %s",
            [since, until],
            _STORED_COLUMNS,
            {
                "recommendation_id": "str",
                "user_id": "float64",
                "user_ref": "str",
                "slot": "str",
                "variant": "str",
                "algorithm": "str",
                "served_at": "int64",
                "keys": "str",
                "explored": "str",
            },
        )
        frame["served_at"] = pd.to_datetime(frame["served_at"], unit="us", utc=True)
        frame["keys"] = _unpacked_hex(frame["keys"].fillna(""))
        frame["explored"] = _unpacked_hex(frame["explored"].fillna(""))
    else:
        rows = Impression.objects.filter(served_at__gte=since, served_at__lt=until).values_list(*_STORED_COLUMNS)
        frame = pd.DataFrame.from_records(
            [(str(r), u, ref, s, v, a, t, _unpacked(k), _unpacked(x)) for r, u, ref, s, v, a, t, k, x in rows],
            columns=_STORED_COLUMNS,
        )
        frame["served_at"] = pd.to_datetime(frame["served_at"], utc=True)
    frame["user_id"] = _user_keys(frame["user_id"], frame["user_ref"])
    return frame[IMPRESSION_COLUMNS]


def _user_keys(user_ids: pd.Series, user_refs: pd.Series) -> pd.Series:
    """The user's key per page: the stored user, else the user the ref names now, else a stranger's key."""
    keys = pd.to_numeric(user_ids, errors="coerce").astype("Int64")
    missing = keys.isna()
    if missing.any():
        refs = set(user_refs[missing])
        known = dict(AppUser.objects.filter(external_id__in=refs).values_list("external_id", "pk"))
        named = {ref: known.get(ref, stranger_key(ref)) for ref in refs}
        keys[missing] = user_refs[missing].map(named)
    return keys.astype("int64")


def _unpacked(keys: bytes | memoryview | None) -> np.ndarray:
    return np.frombuffer(bytes(keys or b""), dtype="<i8").astype(np.int64)


def _micros(column: str) -> str:
    """SQL for a timestamptz as integer microseconds since 1970 (pandas reads an integer far faster)."""
    return f"(extract(epoch from {column}) * 1000000)::bigint"


def _copied(select: str, params: list, names: list[str], dtype: dict[str, str]) -> pd.DataFrame:
    buffer = io.BytesIO()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        query = cursor.cursor.mogrify(select, params).decode()
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer, size=1 << 20)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame({name: pd.Series(dtype=dtype.get(name, "object")) for name in names})
    # an empty field is NULL in COPY's CSV: only the nullable numbers get one; text columns are NOT NULL
    nullable = {name: [""] for name, kind in dtype.items() if kind == "float64"}
    return pd.read_csv(buffer, names=names, dtype=dtype, keep_default_na=False, na_values=nullable)


def _unpacked_hex(hexes: pd.Series) -> pd.Series:
    """Each page's packed little-endian int64 keys (as hex) as an array, decoded in one pass."""
    lengths = hexes.str.len().to_numpy() // 16
    flat = np.frombuffer(bytes.fromhex("".join(hexes.tolist())), dtype="<i8").astype(np.int64)
    return pd.Series(np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else [], index=hexes.index, dtype=object)
