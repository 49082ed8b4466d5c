"""Template filters for the admin: {{ item.price|money }}, {{ comparison.p_value|p_value }}."""

from __future__ import annotations

from django import template

from recommendations import display

register = template.Library()
register.filter("money", display.money)
register.filter("p_value", display.p_value)
register.filter("p_clause", display.p_clause)
register.filter("percent", display.percent)
