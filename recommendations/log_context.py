"""What every log line of a request or task carries: the request id and the recommendation it served, so a
line in the logs leads to the impression, the events and the preview of that list (docs/operations.md#logs).
"""

from __future__ import annotations

import contextvars
import logging

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_recommendation_id: contextvars.ContextVar[str] = contextvars.ContextVar("recommendation_id", default="")


def request_started(request_id: str) -> None:
    """A new request (or task) begins: its id, and no recommendation yet."""
    _request_id.set(request_id)
    _recommendation_id.set("")


def request_finished() -> None:
    """The request (or task) is over: later lines of this thread belong to none."""
    _request_id.set("")
    _recommendation_id.set("")


def recommendation_served(recommendation_id: str) -> None:
    """The recommendation this request answered with, for the log lines after it."""
    _recommendation_id.set(recommendation_id)


def current_request_id() -> str:
    """The id of the request being answered, or ''."""
    return _request_id.get()


class LogContextFilter(logging.Filter):
    """Adds `request_id` and `recommendation_id` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.recommendation_id = _recommendation_id.get()
        return True
