"""The one query-string parser of the API (and the admin pages that take the same parameters)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from recommendations.errors import FieldError, ValidationFailed
from recommendations.row_validation import external_id

_FIELDS: dict[type, dict] = {}


def query_values(
    params: Mapping[str, Any], serializer_class: type[serializers.Serializer], *, ignore: Iterable[str] = ()
) -> dict:
    """The serializer's fields read from `params` (a QueryDict); ValidationFailed naming each bad one, and
    each parameter the endpoint does not take (a typo would otherwise pass unnoticed), except `ignore`.

    Validates with one serializer instance's fields: building a serializer per request (it deep-copies
    its fields) was a tenth of a recommendation request (bench/serve.py).
    """
    fields = _FIELDS.get(serializer_class)
    if fields is None:
        fields = _FIELDS[serializer_class] = serializer_class().fields
    values, errors = {}, []
    for name in params:
        if name not in fields and name not in ignore:
            known = ", ".join(fields) or "none"
            errors.append(FieldError(None, str(name)[:60], f"is not a parameter of this endpoint (it takes {known})"))
    for name, field in fields.items():
        raw = params.get(name)
        if raw is None:
            if field.default is not empty:
                values[name] = field.default
            continue
        try:
            values[name] = field.run_validation(raw)
        except serializers.ValidationError as exc:
            errors += [FieldError(None, name, str(message)) for message in exc.detail]
    if errors:
        raise ValidationFailed("The request is invalid.", errors)
    return values


def path_id(value: str, field: str) -> str:
    """A marketplace id from the URL path, checked as a body's ids are; ValidationFailed naming `field`."""
    try:
        return external_id(value)
    except ValueError as exc:
        raise ValidationFailed("The request is invalid.", [FieldError(None, field, str(exc))]) from None
