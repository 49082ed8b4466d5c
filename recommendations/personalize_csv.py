"""The CSV formats recsite reads and writes: Amazon Personalize's three data sets, plus shops.

Column names follow Personalize (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE, CREATION_TIMESTAMP, ...)
so one export serves both systems. Each function turns one CSV record (all strings) into the row
shape the API accepts; conversion problems come back as FieldErrors named by CSV column.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from recommendations.errors import FieldError
from recommendations.models.catalog import CATEGORY_SEPARATOR

# Event ids derived for files without EVENT_ID are stable, so importing a file twice stores it once.
EVENT_ID_NAMESPACE = uuid.UUID("6b3f5c1e-2a47-4d0e-9c55-0f1d7a3e8b21")
CATEGORY_COLUMNS = [f"CATEGORY_L{level}" for level in range(1, 6)]
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_EVENT_TYPE_ALIASES = {"add_to_cart": "cart_add", "addtocart": "cart_add", "cart": "cart_add", "like": "favorite"}


def epoch_to_datetime(value: str) -> dt.datetime:
    """Unix epoch seconds (Personalize's TIMESTAMP) or an ISO 8601 string with a zone."""
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value[:40]}' is neither Unix epoch seconds nor an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"'{value[:40]}' has no time zone; use Unix epoch seconds or add one")
    return parsed


def to_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"'{value[:20]}' is not true or false")


def to_int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(f"'{value[:20]}' is not a whole number") from None


def to_event_type(value: str) -> str:
    lowered = value.strip().lower().replace("-", "_").replace(" ", "_")
    return _EVENT_TYPE_ALIASES.get(lowered, lowered)


@dataclass(frozen=True)
class CsvFormat:
    """One data set's columns: CSV column -> (API field, converter). Other columns go to attributes."""

    name: str
    columns: dict[str, tuple[str, Callable[[str], Any]]]
    required: tuple[str, ...]
    has_attributes: bool = True

    def column_for(self, field: str) -> str:
        for column, (name, _convert) in self.columns.items():
            if name == field:
                return column
        if field == "category_path":
            return "CATEGORY_L1..L5"
        return field

    def check_header(self, header: list[str]) -> list[str]:
        """Problems with the header row, as messages."""
        missing = [c for c in self.required if c not in header]
        problems = [f"missing column {c}" for c in missing]
        duplicated = sorted({c for c in header if header.count(c) > 1})
        problems += [f"column {c} appears twice" for c in duplicated]
        if not self.has_attributes:
            known = set(self.columns)
            problems += [f"unknown column {c}; expected: {', '.join(self.columns)}" for c in header if c not in known]
        return problems

    def to_row(self, record: dict[str, str], index: int) -> tuple[dict[str, Any], list[FieldError]]:
        """Convert one CSV record; empty optional cells are left out, so they keep their stored value."""
        row: dict[str, Any] = {}
        errors: list[FieldError] = []
        attributes: dict[str, str] = {}
        categories: list[str] = []
        for column, raw in record.items():
            if column is None:
                errors.append(FieldError(index, "", "this row has more cells than the header"))
                continue
            value = (raw or "").strip()
            if column in self.columns:
                field, convert = self.columns[column]
                if value == "" and column not in self.required:
                    continue
                try:
                    row[field] = convert(value) if value != "" else value
                except ValueError as exc:
                    errors.append(FieldError(index, column, str(exc)))
            elif column in CATEGORY_COLUMNS and self.name == "items":
                if value:
                    categories.append((column, value))
            elif value:
                attributes[column.lower()] = value
        if categories:
            row["category_path"] = CATEGORY_SEPARATOR.join(v for _c, v in sorted(categories))
        if attributes and self.has_attributes:
            row["attributes"] = attributes
        return row, errors


def _keep(value: str) -> str:
    return value


SHOPS = CsvFormat(
    name="shops",
    columns={
        "SHOP_ID": ("shop_id", _keep),
        "NAME": ("name", _keep),
        "CREATION_TIMESTAMP": ("created_at", epoch_to_datetime),
    },
    required=("SHOP_ID",),
)
ITEMS = CsvFormat(
    name="items",
    columns={
        "ITEM_ID": ("item_id", _keep),
        "SHOP_ID": ("shop_id", _keep),
        "TITLE": ("title", _keep),
        "CATEGORY_PATH": ("category_path", _keep),
        "PRICE": ("price", _keep),
        "IMAGE_URL": ("image_url", _keep),
        "PUBLISHED": ("published", to_bool),
        "IN_STOCK": ("in_stock", to_bool),
        "CREATION_TIMESTAMP": ("created_at", epoch_to_datetime),
    },
    required=("ITEM_ID",),
)
USERS = CsvFormat(
    name="users",
    columns={
        "USER_ID": ("user_id", _keep),
        "GENDER": ("gender", _keep),
        "BIRTH_YEAR": ("birth_year", to_int),
        "REGION": ("region", _keep),
        "CREATION_TIMESTAMP": ("created_at", epoch_to_datetime),
    },
    required=("USER_ID",),
)
INTERACTIONS = CsvFormat(
    name="interactions",
    columns={
        "EVENT_ID": ("event_id", _keep),
        "USER_ID": ("user_id", _keep),
        "ITEM_ID": ("item_id", _keep),
        "TIMESTAMP": ("occurred_at", epoch_to_datetime),
        "EVENT_TYPE": ("type", to_event_type),
        "SESSION_ID": ("session_id", _keep),
        "RECOMMENDATION_ID": ("recommendation_id", _keep),
        # Personalize's EVENT_VALUE: for a purchase, what it was worth (in the site's currency)
        "EVENT_VALUE": ("value", _keep),
    },
    required=("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"),
    has_attributes=False,
)
CATALOG_FORMATS = {"shops": SHOPS, "items": ITEMS, "users": USERS}


def interaction_row(record: dict[str, str], index: int) -> tuple[dict[str, Any], list[FieldError]]:
    """An interactions record as an API event; a missing EVENT_ID is derived from the record's content."""
    row, errors = INTERACTIONS.to_row(record, index)
    row.setdefault("session_id", "")
    if row.get("type") != "purchase":  # Personalize files also weigh views with EVENT_VALUE: not money
        row.pop("value", None)
    if "event_id" not in row:
        key = "|".join(record.get(c) or "" for c in ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "SESSION_ID"))
        row["event_id"] = str(uuid.uuid5(EVENT_ID_NAMESPACE, key))
    return row, errors
