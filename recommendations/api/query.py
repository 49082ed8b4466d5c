"""The one query-string parser of the API (and the admin pages that take the same parameters)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from recommendations.errors import FieldError, ValidationFailed

_FIELDS: dict[type, dict] = {}


def query_values(params: Mapping[str, Any], serializer_class: type[serializers.Serializer]) -> dict:
    """The serializer's fields read from `params` (a QueryDict); ValidationFailed naming each bad one.

    Validates with one serializer instance's fields: building a serializer per request (it deep-copies
    its fields) was a tenth of a recommendation request (bench/serve.py).
    """
    fields = _FIELDS.get(serializer_class)
    if fields is None:
        fields = _FIELDS[serializer_class] = serializer_class().fields
    values, errors = {}, []
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
