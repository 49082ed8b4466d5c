"""Field parsers and a row validator shared by every batch input (API bodies and CSV files).

A parser takes the raw value and returns the clean one or raises ValueError with a message meant
for the person who sent it. `validate_rows` runs them over a batch and collects every problem.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from recommendations.errors import FieldError
from recommendations.models.catalog import EXTERNAL_ID_MAX_LENGTH

Parser = Callable[[Any], Any]

# Every date-time a client sends lies between these (docs/api.md): no app event predates 1990 (the
# MovieLens ratings of 1997 are the oldest data recsite loads), and a clock a day ahead is a broken one.
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(hours=24)
# `attributes` objects: how deep and how large, as JSON text
ATTRIBUTES_MAX_DEPTH = 8
ATTRIBUTES_MAX_BYTES = 16_384
# A price sent as text: ASCII digits, at most ten before the point (the schema states the same pattern)
PRICE_TEXT = re.compile(r"[0-9]{1,10}(\.[0-9]+)?")
PRICE_LIMIT = Decimal("1e10")


@dataclass(frozen=True)
class FieldSpec:
    parse: Parser
    required: bool = False


def text(max_length: int, *, required: bool = False) -> Parser:
    def parse(value: Any) -> str:
        if value is None:
            if required:
                raise ValueError(_("must not be null"))
            return ""
        if not isinstance(value, str):
            raise ValueError(_("must be a string, not %(type)s") % {"type": type(value).__name__})
        if required and not value.strip():
            raise ValueError(_("must not be empty"))
        if len(value) > max_length:
            raise ValueError(_("must be at most %(max)s characters") % {"max": max_length})
        if "\x00" in value:
            raise ValueError(_("must not contain NUL characters"))
        _unicode_check(value)
        return value

    return parse


def _unicode_check(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_("must be valid Unicode text (it holds an unpaired surrogate)")) from None


def external_id(value: Any) -> str:
    """A marketplace id: a non-empty string of at most 128 characters."""
    return _external_id(value)


_external_id = text(EXTERNAL_ID_MAX_LENGTH, required=True)


def uuid_value(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise ValueError(_("must be a UUID string, not %(type)s") % {"type": type(value).__name__})
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueError(_("'%(value)s' is not a valid UUID") % {"value": value[:60]}) from None


def aware_datetime(value: Any) -> dt.datetime:
    """An ISO 8601 time with a zone (e.g. 2026-11-28T09:30:00+09:00), or an aware datetime."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(_("'%(value)s' is not an ISO 8601 date-time") % {"value": value[:60]}) from None
    else:
        raise ValueError(_("must be an ISO 8601 string, not %(type)s") % {"type": type(value).__name__})
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(_("must include a time zone, e.g. '2026-11-28T09:30:00+09:00' or '...Z'"))
    return within_range(parsed, EARLIEST, dt.datetime.now(dt.UTC) + FUTURE_SLACK)


def within_range(moment: dt.datetime, earliest: dt.datetime, latest: dt.datetime) -> dt.datetime:
    """`moment` in UTC if it lies between `earliest` and `latest`, else ValueError saying the range."""
    span = _("must be between %(earliest)s and %(latest)s UTC") % {
        "earliest": f"{earliest:%Y-%m-%d}",
        "latest": f"{latest:%Y-%m-%d %H:%M}",
    }
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:  # the calendar's first or last day with an offset that crosses its edge
        raise ValueError(span) from None
    if not earliest <= utc <= latest:
        raise ValueError(span)
    return utc


def optional_datetime(value: Any) -> dt.datetime | None:
    return None if value is None else aware_datetime(value)


def choice(allowed: Iterable[str]) -> Parser:
    allowed = tuple(allowed)

    def parse(value: Any) -> str:
        if value not in allowed:
            raise ValueError(
                _("'%(value)s' is not one of: %(allowed)s") % {"value": str(value)[:60], "allowed": ", ".join(allowed)}
            )
        return value

    return parse


def optional_decimal(value: Any) -> Decimal | None:
    """A price: a JSON number, or a string of digits with an optional decimal part ("4310", "4310.50");
    "" and null mean none. Zero or more and under 10 billion; kept to 2 decimal places."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(_("must be a number, not %(type)s") % {"type": type(value).__name__})
    if isinstance(value, str) and not PRICE_TEXT.fullmatch(value):
        raise ValueError(_("'%(value)s' is not a number like 4310 or 4310.50") % {"value": value[:60]})
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(_("must be a finite number"))
    number = Decimal(str(value))
    if number < 0:
        raise ValueError(_("must be zero or more"))
    if number >= PRICE_LIMIT:
        raise ValueError(_("is too large"))
    return number.quantize(Decimal("0.01"))


CURRENCY = re.compile(r"[A-Z]{3}")
QUANTITY_MAX = 100_000


def currency(value: Any) -> str:
    """An ISO 4217 code ("JPY", "USD"); "" and null mean the site's currency."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not CURRENCY.fullmatch(value):
        raise ValueError(
            _("must be a three-letter ISO 4217 code such as JPY, not %(value)s") % {"value": repr(value)[:20]}
        )
    return value


def optional_quantity(value: Any) -> int | None:
    """How many units a purchase was for: a whole number from 1; null means not said."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("must be a whole number, not %(type)s") % {"type": type(value).__name__})
    if not 1 <= value <= QUANTITY_MAX:
        raise ValueError(_("must be between 1 and %(max)s") % {"max": f"{QUANTITY_MAX:,}"})
    return value


def optional_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(_("must be true or false, not %(type)s") % {"type": type(value).__name__})


_url_validator = URLValidator(schemes=["http", "https"])


def optional_url(value: Any) -> str:
    value = text(500)(value)
    if value:
        try:
            _url_validator(value)
        except ValidationError:
            raise ValueError(_("'%(value)s' is not an http(s) URL") % {"value": value[:60]}) from None
    return value


def optional_year(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("must be a whole number, not %(type)s") % {"type": type(value).__name__})
    this_year = dt.date.today().year
    if not 1900 <= value <= this_year:
        raise ValueError(_("must be between 1900 and %(year)s") % {"year": this_year})
    return value


def attributes(value: Any) -> dict:
    """A JSON object of at most ATTRIBUTES_MAX_DEPTH levels and ATTRIBUTES_MAX_BYTES, with plain text in it."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(_("must be an object, not %(type)s") % {"type": type(value).__name__})
    _json_check(value, 1)
    if len(json.dumps(value, ensure_ascii=False).encode()) > ATTRIBUTES_MAX_BYTES:
        raise ValueError(_("must be at most %(bytes)s bytes as JSON") % {"bytes": f"{ATTRIBUTES_MAX_BYTES:,}"})
    return value


def _json_check(value: Any, depth: int) -> None:
    if depth > ATTRIBUTES_MAX_DEPTH:
        raise ValueError(_("must be nested at most %(levels)s levels deep") % {"levels": ATTRIBUTES_MAX_DEPTH})
    if isinstance(value, dict):
        for key, inner in value.items():
            _json_text_check(key)
            _json_check(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            _json_check(inner, depth + 1)
    elif isinstance(value, str):
        _json_text_check(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(_("must hold only finite numbers"))


def _json_text_check(value: str) -> None:
    if "\x00" in value:  # PostgreSQL's jsonb cannot hold it
        raise ValueError(_("must not contain NUL characters"))
    _unicode_check(value)


def validate_rows(
    rows: Any, fields: Mapping[str, FieldSpec], *, what: str
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """Parse every row; return the clean rows (only the keys each row gave) and every error found."""
    if not isinstance(rows, list):
        return [], [FieldError(None, what, _("must be a list"))]
    clean_rows: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    allowed = ", ".join(fields)
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            errors.append(FieldError(index, "", _("each entry of '%(what)s' must be an object") % {"what": what}))
            clean_rows.append({})
            continue
        clean: dict[str, Any] = {}
        for name in row.keys() - fields.keys():
            errors.append(
                FieldError(index, str(name), _("unknown field; expected: %(allowed)s") % {"allowed": allowed})
            )
        for name, spec in fields.items():
            if name not in row:
                if spec.required:
                    errors.append(FieldError(index, name, _("this field is required")))
                continue
            try:
                clean[name] = spec.parse(row[name])
            except ValueError as exc:
                errors.append(FieldError(index, name, str(exc)))
        clean_rows.append(clean)
    return clean_rows, errors


def duplicate_errors(values: list[str | None], field: str, what: str) -> list[FieldError]:
    """One error for each repeat of a value already seen earlier in the batch."""
    first_seen: dict[str, int] = {}
    errors = []
    for index, value in enumerate(values):
        if value is None:
            continue
        if value in first_seen:
            errors.append(
                FieldError(
                    index,
                    field,
                    _("'%(value)s' appears twice in this batch (also %(what)s %(first)s)")
                    % {"value": value, "what": what, "first": first_seen[value]},
                )
            )
        else:
            first_seen[value] = index
    return errors


def check_batch_size(rows: Any, what: str, limit: int) -> list[FieldError]:
    if isinstance(rows, list) and len(rows) > limit:
        return [
            FieldError(
                None,
                what,
                _("at most %(limit)s rows per request, got %(rows)s; split the batch")
                % {"limit": limit, "rows": len(rows)},
            )
        ]
    if isinstance(rows, list) and not rows:
        return [FieldError(None, what, _("must contain at least one row"))]
    return []
