"""CSV files staff trade with Excel, as it is used in Japan.

Encodings: an upload may be UTF-8 (with or without the BOM Excel's "CSV UTF-8" writes) or Shift_JIS
(cp932, Excel's plain "CSV"); an export is UTF-8 with a BOM, which Excel opens without garbling
Japanese, or cp932 on request.

Formulas: a text cell starting with =, +, -, @, a tab or a carriage return is written with a leading
apostrophe, so Excel shows it as text instead of evaluating it (OWASP's rule against CSV injection);
reading an upload takes that apostrophe off again, so an exported list uploaded back is unchanged.
Numbers are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from django.utils.translation import gettext_lazy

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What an upload form offers, and what each choice reads
ENCODINGS = {
    "auto": gettext_lazy("UTF-8 or Shift_JIS, whichever the file is"),
    "utf-8": "UTF-8",
    "cp932": "Shift_JIS (cp932)",
}
BOM = "\ufeff"


class NotText(ValueError):
    """The bytes are not text in the encoding(s) asked for."""


def csv_text(raw: bytes, encoding: str = "auto") -> str:
    """An uploaded file's text: UTF-8 (a BOM is dropped) or cp932; with "auto", UTF-8 if it decodes as
    UTF-8, else cp932 (Shift_JIS files are almost never valid UTF-8). NotText says what was tried."""
    tried = ["utf-8", "cp932"] if encoding == "auto" else [encoding]
    for name in tried:
        try:
            return raw.decode("utf-8-sig" if name == "utf-8" else name)
        except (UnicodeDecodeError, LookupError):
            continue
    raise NotText(" or ".join(ENCODINGS.get(n, n) for n in tried))


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    """An export's bytes: UTF-8 with a BOM, or cp932 with any character it lacks written as '?'."""
    if encoding == "cp932":
        return text.encode("cp932", errors="replace")
    return (BOM + text).encode("utf-8")


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
