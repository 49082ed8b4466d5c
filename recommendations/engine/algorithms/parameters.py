"""Each algorithm's parameters declared once: default, allowed range and a one-line description.

The admin builds its parameter form from these declarations and training refuses values outside them,
so a typo like factors=1e20 is caught before it costs a night's training or all the memory.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any


def gettext_noop(text: str) -> str:
    """Marks a description for the translation catalogue (makemessages reads the name) without Django."""
    return text


@dataclass(frozen=True)
class Param:
    """One parameter: its default, its bounds (inclusive) or choices, and what it does."""

    default: Any
    description: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def kind(self) -> type:
        return type(self.default)

    def problem(self, value: Any) -> str | None:
        """Why `value` cannot be used (in English, for logs and the engine's callers), or None."""
        if self.kind is bool:
            return None if isinstance(value, bool) else "must be true or false"
        if self.choices:
            return None if value in self.choices else f"must be one of {', '.join(self.choices)}"
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return "must be a number"
        if self.kind is int and not float(value).is_integer():
            return "must be a whole number"
        if not math.isfinite(value):
            return "must be a finite number"
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return f"must be between {self.low:g} and {self.high:g}"
        return None


def params_checked(algorithm: str, declared: dict[str, Param], given: dict[str, Any]) -> dict[str, Any]:
    """`given` over the defaults, ValueError naming each unknown or out-of-range parameter."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ValueError(f"{algorithm}: unknown parameter(s) {', '.join(unknown)}")
    problems = []
    checked = {}
    for name, value in given.items():
        problem = declared[name].problem(value)
        if problem:
            problems.append(f"{name} {problem} (got {value!r})")
        elif declared[name].kind is int:
            checked[name] = int(value)
        elif declared[name].kind is float:
            checked[name] = float(value)
        else:
            checked[name] = value
    if problems:
        raise ValueError(f"{algorithm}: {'; '.join(problems)}")
    return {**{name: p.default for name, p in declared.items()}, **checked}


# Descriptions several algorithms share
FACTORS = gettext_noop("Length of the user and item vectors: more fits finer tastes, costs memory and time.")
ITERATIONS = gettext_noop("Training passes over the data.")
LEARNING_RATE = gettext_noop("Step size of each update: too high diverges, too low learns slowly.")
REGULARIZATION = gettext_noop("Shrinks the vectors against over-fitting.")
SEED = Param(42, gettext_noop("Random seed: the same data and seed train the same model."), 0, 2**31 - 1)
