"""One shape for every API error: {"message": ..., "code": ..., "errors": [{index, field, message}]}."""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from recommendations.errors import ApplicationError, Unavailable


def _flatten(detail: Any, field: str = "") -> list[dict]:
    """Turn DRF's nested error detail into a flat list of {index, field, message}."""
    if isinstance(detail, dict):
        out: list[dict] = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            out += _flatten(value, f"{field}.{name}" if field and name else (name or field))
        return out
    if isinstance(detail, list):
        if all(not isinstance(d, (dict, list)) for d in detail):
            return [{"index": None, "field": field, "message": str(d)} for d in detail]
        out = []
        for i, value in enumerate(detail):
            out += _flatten(value, f"{field}[{i}]")
        return out
    return [{"index": None, "field": field, "message": str(detail)}]


def application_error_response(exc: ApplicationError) -> Response:
    """The response for one of recsite's own errors: its status, code and message, and its field errors."""
    body: dict[str, Any] = {"message": exc.message, "code": exc.code}
    if exc.errors or exc.code == "invalid":
        body["errors"] = [e.as_dict() for e in exc.errors]
    response = Response(body, status=exc.status)
    if isinstance(exc, Unavailable):
        response["Retry-After"] = str(exc.retry_after)
    return response


DATABASE_RETRY_SECONDS = 5


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler rendering domain and framework errors in recsite's error shape."""
    if isinstance(exc, ApplicationError):
        return application_error_response(exc)
    if isinstance(exc, (OperationalError, InterfaceError)):  # the database is down or restarting: nothing was
        # written (a transaction rolls back whole), so the client sends the same request again after a while
        return application_error_response(
            Unavailable(
                "The database cannot be reached just now; nothing was changed. Send the request again.",
                retry_after=DATABASE_RETRY_SECONDS,
            )
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"message": "The request is invalid.", "code": "invalid", "errors": _flatten(exc.detail)}
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else "The request failed."
        response.data = {"message": message, "code": exc.get_codes() if isinstance(exc.get_codes(), str) else "error"}
    return response
