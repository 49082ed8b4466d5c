"""Category paths as the engine reads them: every level of a path counts ('Home' holds 'Home > Kitchen')."""

from __future__ import annotations


def category_levels(path: str, separator: str) -> list[str]:
    """Every level of a category path: 'a > b > c' -> ['a', 'a > b', 'a > b > c']."""
    parts = [p.strip() for p in str(path or "").split(separator) if p.strip()]
    return [separator.join(parts[: i + 1]) for i in range(len(parts))]


def top_category(path: str, separator: str) -> str:
    """A path's top-level category ('a > b' -> 'a'); '' for an item without one."""
    levels = category_levels(path, separator)
    return levels[0] if levels else ""
