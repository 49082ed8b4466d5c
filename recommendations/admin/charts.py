"""Small server-side SVG charts (no JavaScript, no CDN): lines over runs or days, bars when each series
has a single point (a line of one point is a dot on the axis)."""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]
WIDTH, HEIGHT, PAD, LEFT = 760, 240, 40, 56
MAX_X_LABELS = 8


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least `top` (steps of 1, 2 or 5 times a power of ten)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


def tick_text(value: float) -> str:
    """A tick label with no more decimals than it needs (0.05, 2, 12.5)."""
    return f"{value:.6f}".rstrip("0").rstrip(".") if value else "0"


def line_chart(
    series: dict[str, list[tuple[str, float]]],
    *,
    title: str,
    x_title: str = "",
    bands: dict[str, list[tuple[float, float]]] | None = None,
) -> SafeString:
    """One line per series of (label, value) points in order; the y axis starts at 0 and has round ticks.
    `bands` gives a series a shaded (low, high) range per point, e.g. its confidence interval."""
    points = [v for values in series.values() for _label, v in values]
    bands = bands or {}
    if not points:
        return mark_safe("")
    if max(len(values) for values in series.values()) == 1:
        return bar_chart({name: values[0][1] for name, values in series.items()}, title=title)
    ticks = nice_ticks(max([*points, *(high for band in bands.values() for _low, high in band)]))
    top = ticks[-1] or 1.0
    labels = max(series.values(), key=len)
    x_step = (WIDTH - LEFT - PAD) / max(len(labels) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return LEFT + i * x_step, HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD)

    parts = _frame(title, len(series))
    for tick in ticks:
        _x, y = xy(0, tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.0f}" font-size="10" text-anchor="end">{tick_text(tick)}</text>')
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    for i, (label, _v) in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            x, _y = xy(i, 0)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - PAD + 14}" font-size="10" text-anchor="middle">{escape(label)}</text>'
            )
    if x_title:
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 6}" font-size="10" text-anchor="end">{escape(x_title)}</text>'
        )
    for name, band in bands.items():
        if name in series and len(band) > 1:
            color = COLORS[list(series).index(name) % len(COLORS)]
            edge = [xy(i, high) for i, (_low, high) in enumerate(band)]
            edge += [xy(i, max(low, 0.0)) for i, (low, _high) in reversed(list(enumerate(band)))]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in edge)
            parts.append(f'<polygon points="{path}" fill="{color}" fill-opacity="0.15" stroke="none"/>')
    for n, (name, values) in enumerate(series.items()):
        color = COLORS[n % len(COLORS)]
        coords = [xy(i, v) for i, (_label, v) in enumerate(values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        for (x, y), (label, v) in zip(coords, values, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{escape(name)} {escape(label)}: '
                f"{v:.4f}</title></circle>"
            )
        parts.extend(_legend(n, name, color))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bar_chart(values: dict[str, float], *, title: str) -> SafeString:
    """One horizontal bar per name, its value printed at its end."""
    if not values:
        return mark_safe("")
    top = nice_ticks(max(values.values()))[-1] or 1.0
    row = 22
    height = 36 + row * len(values)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" style="background:#fff;border:1px solid #ddd">',
        f'<text x="{PAD}" y="20" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    label_width = 150
    span = WIDTH - label_width - 2 * PAD - 60
    for n, (name, value) in enumerate(values.items()):
        y = 32 + n * row
        width = max(1.0, span * value / top)
        color = COLORS[n % len(COLORS)]
        parts.append(f'<text x="{PAD}" y="{y + 13}" font-size="11">{escape(name)}</text>')
        parts.append(
            f'<rect x="{PAD + label_width}" y="{y}" width="{width:.1f}" height="16" fill="{color}">'
            f"<title>{escape(name)}: {value:.4f}</title></rect>"
        )
        parts.append(f'<text x="{PAD + label_width + width + 6:.1f}" y="{y + 13}" font-size="11">{value:.4f}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _frame(title: str, series_count: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT + 16 * series_count}" '
        f'role="img" aria-label="{escape(title)}" style="background:#fff;border:1px solid #ddd">',
        f'<text x="{LEFT}" y="20" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>',
        f'<line x1="{LEFT}" y1="{PAD}" x2="{LEFT}" y2="{HEIGHT - PAD}" stroke="#999"/>',
    ]


def _legend(n: int, name: str, color: str) -> list[str]:
    legend_y = HEIGHT + 16 * n + 4
    return [
        f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" fill="{color}"/>',
        f'<text x="{LEFT + 16}" y="{legend_y}" font-size="11">{escape(name)}</text>',
    ]
