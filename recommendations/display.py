"""Numbers as staff read them: money as the shop shows it (¥4,310), p-values without false precision."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _


def money(value: Decimal | float | int | None) -> str:
    """A price in the site's currency format (CURRENCY_FORMAT, ¥ with thousands separators by default)."""
    if value is None:
        return _("no price")
    return settings.CURRENCY_FORMAT.format(value)


def p_value(value: float | None) -> str:
    """'< 0.001' below a thousandth, else three decimals; '-' when there is none."""
    if value is None:
        return "-"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def p_clause(value: float | None) -> str:
    """'p < 0.001' or 'p = 0.025', as a clause inside a sentence."""
    shown = p_value(value)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def percent(value: float | None) -> str:
    """A share as a percent with two decimals ('3.25%'); '-' when there is none."""
    if value is None:
        return "-"
    return f"{100 * value:.2f}%"
