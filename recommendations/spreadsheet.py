"""CSV files staff open in Excel: no cell can run as a formula (OWASP's rule against CSV injection).

A text cell starting with =, +, -, @, a tab or a carriage return is written with a leading apostrophe, so
Excel shows it as text instead of evaluating it; reading an upload takes that apostrophe off again, so an
exported list uploaded back is unchanged. Numbers are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_out(value: Any) -> Any:
    """The value as a CSV cell that no spreadsheet evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_in(value: str) -> str:
    """An uploaded cell with the apostrophe an export put before a formula-like text taken off."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SafeWriter:
    """csv.writer whose rows go through cell_out."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell_out(value) for value in row])
