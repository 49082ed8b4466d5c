"""`field__any_of=[...]`: the same rows as `__in`, sent to PostgreSQL as one array literal.

For the 500-value lookups of an ingest batch, `IN (%s, %s, ...)` costs about 5 ms, spent adapting
500 parameters in psycopg2 and planning 500 constants; `= ANY('{...}'::type[])` costs about 2 ms
(bench/ingest.py). Other databases get a plain IN list.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import CharField, Lookup, UUIDField


def _array_literal(values: list[Any]) -> str:
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            db_type = self.lhs.output_field.db_type(connection)
            return f"{lhs} = ANY(%s::{db_type}[])", [*lhs_params, _array_literal(values)]
        field = self.lhs.output_field
        params = [field.get_db_prep_value(v, connection, prepared=False) for v in values]
        return f"{lhs} IN ({', '.join(['%s'] * len(params))})", [*lhs_params, *params]


CharField.register_lookup(AnyOf)
UUIDField.register_lookup(AnyOf)
