"""The experiment report's sentences, in the reader's language: a verdict per comparison, the split check."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy, ngettext

from recommendations.display import money, p_clause
from recommendations.engine.experiment_stats import MIN_UNITS, Comparison

RATE_LABELS = {
    "view": gettext_lazy("view rate"),
    "favorite": gettext_lazy("favorite rate"),
    "cart_add": gettext_lazy("cart-add rate"),
    "purchase": gettext_lazy("purchase rate"),
}
GUARDRAIL_LABELS = {"not_interested": gettext_lazy("not-interested rate")}
METRIC_LABELS = {
    **RATE_LABELS,
    "purchases": gettext_lazy("purchases per user"),
    "revenue": gettext_lazy("revenue per user"),
}


def verdict(kind: str, name_a: str, name_b: str, comparison: Comparison, *, tested: int = 1) -> str:
    """One sentence a merchandiser can act on, e.g. "B's cart-add rate is higher than A's by 0.8 points (...)".

    It follows `comparison.significant`, which reads the p-value adjusted for the report's `tested` comparisons.
    """
    label = str(METRIC_LABELS[kind])
    rate = kind in RATE_LABELS
    if not comparison.enough_data:
        return _too_few(label, comparison)
    scale = 100 if rate else 1
    unit = " " + gettext("points") if rate else ""
    values = {
        "label": label,
        "a": name_a,
        "b": name_b,
        "level": f"{comparison.confidence:.0%}",
        "low": f"{scale * comparison.ci_low:.2f}" if not rate else f"{scale * comparison.ci_low:.1f}",
        "high": f"{scale * comparison.ci_high:.2f}" if not rate else f"{scale * comparison.ci_high:.1f}",
        "unit": unit,
        "p": _p_text(comparison, tested),
    }
    if not comparison.significant:
        return (
            gettext(
                "No clear difference in the %(label)s between %(a)s and %(b)s "
                "(%(level)s CI %(low)s to %(high)s%(unit)s; %(p)s)."
            )
            % values
        )
    difference = scale * comparison.difference
    shown = (lambda v: f"{100 * v:.1f}%") if rate else (money if kind == "revenue" else (lambda v: f"{v:.3f}"))
    values |= {
        "points": f"{abs(difference):.1f}"
        if rate
        else (money(abs(difference)) if kind == "revenue" else f"{abs(difference):.3f}"),
        "rate_a": shown(comparison.value_a),
        "rate_b": shown(comparison.value_b),
    }
    if difference > 0:
        text = gettext(
            "%(b)s's %(label)s is higher than %(a)s's by %(points)s%(unit)s (%(rate_b)s against %(rate_a)s, "
            "%(level)s CI %(low)s to %(high)s; %(p)s)."
        )
    else:
        text = gettext(
            "%(b)s's %(label)s is lower than %(a)s's by %(points)s%(unit)s (%(rate_b)s against %(rate_a)s, "
            "%(level)s CI %(low)s to %(high)s; %(p)s)."
        )
    return text % values


def guardrail_verdict(kind: str, name_a: str, name_b: str, comparison: Comparison) -> tuple[str, str | None]:
    """The sentence for a guardrail and the variant that worsens it (None: neither, or too few users).

    A guardrail reads the unadjusted p-value: missing a harm costs more than a second look at a false alarm."""
    label = str(GUARDRAIL_LABELS[kind])
    if not comparison.enough_data:
        return _too_few(label, comparison), None
    values = {
        "label": label,
        "level": f"{comparison.confidence:.0%}",
        "low": f"{100 * comparison.ci_low:+.1f}",
        "high": f"{100 * comparison.ci_high:+.1f}",
        "p": p_clause(comparison.p_value),
    }
    if comparison.p_value >= comparison.alpha:
        text = gettext(
            "Neither %(a)s nor %(b)s worsens the %(label)s (%(b)s minus %(a)s: %(level)s CI %(low)s to %(high)s "
            "points; %(p)s)."
        )
        return text % (values | {"a": name_a, "b": name_b}), None
    worse, better = (name_b, name_a) if comparison.difference > 0 else (name_a, name_b)
    rates = {name_a: comparison.value_a, name_b: comparison.value_b}
    text = gettext(
        "%(worse)s worsens the %(label)s: %(worse_rate)s of its users turned an item away, against %(better_rate)s "
        "with %(better)s (%(level)s CI of the difference %(low)s to %(high)s points; %(p)s)."
    )
    values |= {
        "worse": worse,
        "better": better,
        "worse_rate": f"{100 * rates[worse]:.1f}%",
        "better_rate": f"{100 * rates[better]:.1f}%",
    }
    return text % values, worse


def _too_few(label: str, comparison: Comparison) -> str:
    return gettext("Not enough data yet for the %(label)s (%(fewest)s of %(needed)s users needed per variant).") % {
        "label": label,
        "fewest": min(comparison.units_a, comparison.units_b),
        "needed": MIN_UNITS,
    }


def _p_text(comparison: Comparison, tested: int) -> str:
    if comparison.p_adjusted is None or tested <= 1:
        return p_clause(comparison.p_value)
    return ngettext(
        "%(p)s, %(adjusted)s adjusted for %(tested)s comparison",
        "%(p)s, %(adjusted)s adjusted for %(tested)s comparisons",
        tested,
    ) % {"p": p_clause(comparison.p_value), "adjusted": p_clause(comparison.p_adjusted), "tested": tested}


def split_message(mismatch: bool) -> str:
    """What the sample-ratio check means for the reader."""
    if mismatch:
        return gettext(
            "Sample ratio mismatch: the variants got users out of proportion to their weights; find out why "
            "before trusting any comparison."
        )
    return gettext("Users split as the weights say.")


def split_explanation() -> str:
    """How the split is checked, in a sentence under the dashboard's figures."""
    return gettext(
        "The check counts each user once per variant over these days and compares the counts with the variants' "
        "weights (chi-square test; a mismatch is called below p = 0.001). Users who come back more often in one "
        "variant do not trip it; a broken assignment, a variant that fails to log its impressions or bots do."
    )
