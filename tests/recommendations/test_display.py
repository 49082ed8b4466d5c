"""Numbers as staff read them."""

from decimal import Decimal

import pytest

from recommendations.display import money, p_value


@pytest.mark.parametrize(("value", "shown"), [(Decimal("4310.00"), "¥4,310"), (1234567, "¥1,234,567"), (0, "¥0")])
def test_prices_read_as_the_shop_shows_them(value, shown):
    assert money(value) == shown


def test_the_currency_format_is_a_setting(settings):
    settings.CURRENCY_FORMAT = "{:,.2f} USD"
    assert money(Decimal("4310.5")) == "4,310.50 USD"


@pytest.mark.parametrize(("value", "shown"), [(0.00001, "< 0.001"), (0.0234, "0.023"), (1.0, "1.000"), (None, "-")])
def test_p_values_have_no_false_precision(value, shown):
    assert p_value(value) == shown
