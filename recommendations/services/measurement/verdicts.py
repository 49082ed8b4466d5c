"""The experiment report's sentences, in the reader's language: a verdict per comparison, the split check."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from recommendations.display import p_clause
from recommendations.engine.experiment_stats import MIN_UNITS, Comparison

RATE_LABELS = {
    "view": gettext_lazy("view rate"),
    "favorite": gettext_lazy("favorite rate"),
    "cart_add": gettext_lazy("cart-add rate"),
    "purchase": gettext_lazy("purchase rate"),
}


def verdict(kind: str, name_a: str, name_b: str, comparison: Comparison, *, min_units: int = MIN_UNITS) -> str:
    """One sentence a merchandiser can act on, e.g. "B's cart-add rate is higher than A's by 0.8 points (...)"."""
    label = str(RATE_LABELS[kind])
    fewest = min(comparison.units_a, comparison.units_b)
    if fewest < min_units:
        return gettext("Not enough data yet for the %(label)s (%(fewest)s of %(needed)s units needed per variant).") % {
            "label": label,
            "fewest": fewest,
            "needed": min_units,
        }
    points = 100 * comparison.difference
    interval = {
        "level": f"{comparison.confidence:.0%}",
        "low": f"{100 * comparison.ci_low:.1f}",
        "high": f"{100 * comparison.ci_high:.1f}",
    }
    if not comparison.significant:
        return gettext(
            "No clear difference in the %(label)s between %(a)s and %(b)s (%(level)s CI %(low)s to %(high)s points)."
        ) % {"label": label, "a": name_a, "b": name_b, **interval}
    values = {
        "label": label,
        "a": name_a,
        "b": name_b,
        "points": f"{abs(points):.1f}",
        "rate_a": f"{100 * comparison.rate_a:.1f}%",
        "rate_b": f"{100 * comparison.rate_b:.1f}%",
        "p": p_clause(comparison.p_value),
        **interval,
    }
    if points > 0:
        text = gettext(
            "%(b)s's %(label)s is higher than %(a)s's by %(points)s points (%(rate_b)s against %(rate_a)s, "
            "%(level)s CI %(low)s to %(high)s, %(p)s)."
        )
    else:
        text = gettext(
            "%(b)s's %(label)s is lower than %(a)s's by %(points)s points (%(rate_b)s against %(rate_a)s, "
            "%(level)s CI %(low)s to %(high)s, %(p)s)."
        )
    return text % values


def split_message(mismatch: bool) -> str:
    """What the sample-ratio check means for the reader."""
    if mismatch:
        return gettext(
            "Sample ratio mismatch: the variants got users out of proportion to their weights; find out why "
            "before trusting any comparison."
        )
    return gettext("Users split as the weights say.")
