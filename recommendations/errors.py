"""recsite's one application-error family: services raise these; the API maps each to its status and
the `{code, message, errors}` shape (recsite/api_errors.py), the admin shows the message, tasks record it
on the run. Nothing else (no ValueError, no botocore exception) signals a domain condition."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one row: `index` is the row's position in the batch (0-based)."""

    index: int | None
    field: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


class ApplicationError(Exception):
    """Base of recsite's own errors; `message` is written for the person who has to fix it."""

    code = "error"
    status = 400

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class ValidationFailed(ApplicationError):
    """Input was rejected as a whole; `errors` names every bad row and field."""

    code = "invalid"


class NotFound(ApplicationError):
    """The object named in the request does not exist."""

    code = "not_found"
    status = 404


class Conflict(ApplicationError):
    """The request is fine but the state of things does not allow it now (already published, not set up yet)."""

    code = "conflict"
    status = 409


class Unavailable(ApplicationError):
    """Something recsite depends on cannot answer now; the same request may succeed after `retry_after` seconds."""

    code = "unavailable"
    status = 503

    def __init__(self, message: str, *, retry_after: int = 30, reason: str = "") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.reason = reason or type(self).__name__
