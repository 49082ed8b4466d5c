"""The few indexed reads a request makes, in plain SQL: the ORM's per-query cost is a large share of a
request this short (bench/serve.py), and each of these is one index lookup. On PostgreSQL the reads every
request makes are prepared statements, which a pooler in transaction mode (PgBouncer) does not support:
point recsite at PostgreSQL directly or use session pooling.
"""

from recommendations.services.serving.reads.catalogue import (
    DETAIL_COLUMNS,
    ItemRow,
    content_neighbours,
    existing_shops,
    item_keys_of,
    item_neighbours,
    servable_items,
)
from recommendations.services.serving.reads.user import (
    Activity,
    UserReads,
    UserRow,
    shown_unopened,
    user_activity,
    user_context,
)

__all__ = [
    "DETAIL_COLUMNS",
    "Activity",
    "ItemRow",
    "UserReads",
    "UserRow",
    "content_neighbours",
    "existing_shops",
    "item_keys_of",
    "item_neighbours",
    "servable_items",
    "shown_unopened",
    "user_activity",
    "user_context",
]
