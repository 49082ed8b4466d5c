"""PostgreSQL COPY for the two bulk writes that dominate their paths: event batches and candidate lists.

COPY skips the per-parameter adaptation of a multi-row INSERT (the ORM spends more time there than
PostgreSQL spends storing the rows). Values go in COPY's text format; `copy_text` escapes a string.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

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
    data = io.StringIO("\n".join(lines) + "\n")
    with connection.cursor() as cursor, connection.wrap_database_errors:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)  # "offset" is a reserved word
        cursor.cursor.copy_expert(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN", data)
