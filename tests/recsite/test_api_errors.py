"""Every application error reaches an API client as JSON in one shape, with the status its kind means."""

from __future__ import annotations

import pytest

from recommendations.errors import Conflict, FieldError, NotFound, Unavailable, ValidationFailed
from recsite.api_errors import exception_handler


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ValidationFailed("bad batch", [FieldError(0, "type", "unknown")]), 400, "invalid"),
        (NotFound("no such item"), 404, "not_found"),
        (Conflict("already published"), 409, "conflict"),
        (Unavailable("Personalize is down", retry_after=12), 503, "unavailable"),
    ],
)
def test_each_kind_has_its_status_and_code(error, status, code):
    response = exception_handler(error, {})
    assert response.status_code == status
    assert response.data["code"] == code and response.data["message"] == error.message


def test_field_errors_name_the_row_and_field():
    response = exception_handler(ValidationFailed("bad batch", [FieldError(3, "occurred_at", "too far ahead")]), {})
    assert response.data["errors"] == [{"index": 3, "field": "occurred_at", "message": "too far ahead"}]


def test_unavailable_says_when_to_retry():
    assert exception_handler(Unavailable("down", retry_after=12), {})["Retry-After"] == "12"
