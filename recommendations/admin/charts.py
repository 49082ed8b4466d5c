"""A small server-side SVG line chart (no JavaScript, no CDN) for metrics over training runs."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]
WIDTH, HEIGHT, PAD = 760, 240, 40


def line_chart(series: dict[str, list[tuple[str, float]]], *, title: str) -> SafeString:
    """One line per series of (label, value) points, in run order; values share one y axis from 0."""
    points = [v for values in series.values() for _label, v in values]
    if not points:
        return mark_safe("")
    top = max(points) * 1.1 or 1.0
    longest = max(len(values) for values in series.values())
    x_step = (WIDTH - 2 * PAD) / max(longest - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return PAD + i * x_step, HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT + 20 * len(series)}" '
        f'role="img" aria-label="{escape(title)}" style="background:#fff;border:1px solid #ddd">',
        f'<text x="{PAD}" y="20" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = HEIGHT - PAD - fraction * (HEIGHT - 2 * PAD)
        parts.append(f'<text x="4" y="{y + 4:.0f}" font-size="10">{top * fraction:.3f}</text>')
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
        legend_y = HEIGHT + 14 * n + 4
        parts.append(f'<rect x="{PAD}" y="{legend_y - 9}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{PAD + 16}" y="{legend_y}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
