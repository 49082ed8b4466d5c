"""A pickle that records it ran when loaded: tests plant it where recsite must never unpickle it."""

from __future__ import annotations

RAN: list[str] = []


def _planted() -> None:
    RAN.append("the planted pickle ran")


class Planted:
    def __reduce__(self) -> tuple:
        return (_planted, ())
