from django.utils import translation

from recommendations.engine.experiment_stats import two_proportions
from recommendations.services.measurement.verdicts import verdict


def test_verdicts_in_plain_words():
    better = verdict("cart_add", "A", "B", two_proportions(200, 1000, 250, 1000))
    assert better.startswith("B's cart-add rate is higher than A's by 5.0 points")
    assert "95% CI 1.3 to 8.6" in better
    assert "p = 0.007" in better
    assert verdict("view", "A", "B", two_proportions(50, 1000, 52, 1000)).startswith("No clear difference")
    assert verdict("view", "A", "B", two_proportions(1, 20, 5, 20)).startswith("Not enough data yet")


def test_a_japanese_reader_gets_the_verdict_in_japanese():
    with translation.override("ja"):
        text = verdict("cart_add", "A", "B", two_proportions(200, 1000, 250, 1000))
    assert "カート追加率" in text and "5.0" in text
