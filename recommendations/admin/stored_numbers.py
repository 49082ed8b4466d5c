"""Numbers read back from stored JSON (run metrics, choices) as staff see them: a row of another shape shows "?"
where a number should be, never a 500."""

from __future__ import annotations


def stored_number(value: object) -> float | None:
    """`value` as a float if it is a stored number (not a bool, a string or a list); else None."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def number_text(value: object, spec: str) -> str:
    """A stored number formatted by `spec` (".4f", ".1%", ","); "?" for anything else."""
    number = stored_number(value)
    return "?" if number is None else format(int(number) if spec == "," else number, spec)
