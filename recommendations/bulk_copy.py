"""PostgreSQL COPY for the bulk writes that dominate their paths: event batches and candidate lists.

COPY skips the per-parameter adaptation of a multi-row INSERT (the ORM spends more time there than
PostgreSQL spends storing the rows). Events and impressions go in COPY's text format (`copy_text`
escapes a string); packed lists go in the binary format, which spares hex-encoding every byte twice.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection, models

# COPY's text format gives these characters a meaning; everything else passes through as it is.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


# NULL in COPY's text format.
COPY_NULL = "\\N"


def copy_bytea(value: bytes) -> str:
    """bytea in COPY's text format: \\x then hex, with the backslash itself escaped."""
    return f"\\\\x{value.hex()}"


def copy_available() -> bool:
    return connection.vendor == "postgresql"


def copy_rows(model: type[models.Model], columns: Sequence[str], lines: list[str]) -> None:
    """COPY tab-separated, already-escaped lines into the model's table (PostgreSQL only)."""
    if not lines:
        return
    _copy_in(model, columns, io.StringIO("\n".join(lines) + "\n"))


def copy_rows_new(model: type[models.Model], columns: Sequence[str], lines: list[str], conflict: Sequence[str]) -> int:
    """COPY the lines into a temporary twin of the model's table, then insert the rows whose `conflict`
    columns (a unique key) are not taken yet (PostgreSQL only); returns how many were inserted, whoever else
    writes at once."""
    if not lines:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    staging = connection.ops.quote_name(f"{model._meta.db_table}_incoming")
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # one per connection, emptied at each commit; created again after a rollback undid it
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS "
            f"AS SELECT {names} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {staging}")
        cursor.cursor.copy_expert(f"COPY {staging} ({names}) FROM STDIN", io.StringIO("\n".join(lines) + "\n"))
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} "
            f"ON CONFLICT ({', '.join(connection.ops.quote_name(c) for c in conflict)}) DO NOTHING"
        )
        return cursor.rowcount


def _copy_in(model: type[models.Model], columns: Sequence[str], stream: io.IOBase, options: str = "") -> None:
    with connection.cursor() as cursor, connection.wrap_database_errors:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)  # "offset" is a reserved word
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN {options}", stream, size=1 << 20)


_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_BINARY_TRAILER = struct.pack("!h", -1)
_BIGINT = struct.Struct("!iq")
_LENGTH = struct.Struct("!i")
_FIELDS = struct.Struct("!h")


def binary_row(values: Sequence[int | str | bytes]) -> bytes:
    """One row in COPY's binary format: an int goes to a bigint column, str to text, bytes to bytea."""
    parts = [_FIELDS.pack(len(values))]
    for value in values:
        if isinstance(value, int):
            parts.append(_BIGINT.pack(8, value))
            continue
        data = value.encode() if isinstance(value, str) else value
        parts += [_LENGTH.pack(len(data)), data]
    return b"".join(parts)


class _ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks, for copy_expert to pull from."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._pending = chunk
        if size < 0:
            size = len(self._pending)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out


def copy_binary(model: type[models.Model], columns: Sequence[str], chunks: Iterable[bytes]) -> None:
    """COPY rows made by `binary_row` (joined into chunks of any size) into the model's table.

    The chunks are pulled while PostgreSQL stores the ones before, so a generator that computes
    them overlaps with the database's work.
    """
    _copy_in(model, columns, _ChunkReader(_framed(chunks)), "WITH (FORMAT binary)")


def _framed(chunks: Iterable[bytes]) -> Iterator[bytes]:
    yield _BINARY_HEADER
    yield from chunks
    yield _BINARY_TRAILER
