"""Writing a whole checked NG file at once on PostgreSQL: the rows go in by COPY into a temporary table,
then one statement inserts the new entries, one updates the listed ones, and one each writes their
history rows, all inside the database. A 200,000-row file is saved well within a request's time
(bench/ng_upload.py); the ORM path (SQLite) writes the same rows and history through django-simple-history.
"""

from __future__ import annotations

import io
import json

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models
from django.utils import timezone

from recommendations.bulk_copy import COPY_NULL, copy_text

COLUMNS = ("reason", "slots", "expires_at", "created_by", "created_at")


def ng_rows_copy(
    model: type[models.Model], column: str, rows: list[dict], by: str, user: AbstractBaseUser | None
) -> None:
    """Put every checked row on the model's list (insert or replace) with a history row each."""
    quote = connection.ops.quote_name
    table, history = quote(model._meta.db_table), quote(model.history.model._meta.db_table)
    target = quote(column)
    now = timezone.now()
    lines = io.StringIO()
    for row in rows:
        expires = row.get("expires_at")
        lines.write(
            f"{copy_text(str(row['target']))}\t{copy_text(row['reason'])}\t"
            f"{copy_text(json.dumps(row.get('slots', [])))}\t{expires.isoformat() if expires else COPY_NULL}\n"
        )
    lines.seek(0)
    target_type = "bigint" if column.endswith("_id") else "text"
    kept = ", ".join(quote(c) for c in COLUMNS)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute("DROP TABLE IF EXISTS ng_incoming")  # one file per transaction, twice in a test's
        cursor.execute(
            f"CREATE TEMPORARY TABLE ng_incoming (target {target_type} PRIMARY KEY, reason text, slots jsonb, "
            "expires_at timestamptz) ON COMMIT DROP"
        )
        cursor.cursor.copy_expert("COPY ng_incoming FROM STDIN", lines, size=1 << 20)
        cursor.execute(
            f"UPDATE {table} t SET reason = s.reason, slots = s.slots, expires_at = s.expires_at "
            f"FROM ng_incoming s WHERE t.{target} = s.target RETURNING t.id"
        )
        changed = [r[0] for r in cursor.fetchall()]
        cursor.execute(
            f"INSERT INTO {table} ({target}, {kept}) SELECT s.target, s.reason, s.slots, s.expires_at, %s, %s "
            f"FROM ng_incoming s WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{target} = s.target) RETURNING id",
            [by, now],
        )
        added = [r[0] for r in cursor.fetchall()]
        for ids, kind in ((added, "+"), (changed, "~")):
            cursor.execute(
                f"INSERT INTO {history} (id, {target}, {kept}, history_date, history_change_reason, history_type, "
                f"history_user_id) SELECT id, {target}, {kept}, %s, %s, %s, %s FROM {table} WHERE id = ANY(%s)",
                [now, by, kind, user.pk if user is not None else None, ids],
            )
