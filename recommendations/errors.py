"""Domain errors raised by services; the API and commands turn them into responses and messages."""

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

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(ApplicationError):
    """Input was rejected as a whole; `errors` names every bad row and field."""

    def __init__(self, message: str, errors: list[FieldError]) -> None:
        super().__init__(message)
        self.errors = errors


class NotFound(ApplicationError):
    """The object named in the request does not exist."""
