"""Experiment statistics against known values."""

from __future__ import annotations

import pytest

from recommendations.engine.experiment_stats import sample_ratio_mismatch, two_proportions


def test_textbook_two_proportion_example():
    # A: 200 of 1,000 convert, B: 250 of 1,000. Pooled p = 0.225, SE = sqrt(.225*.775*(2/1000)) = 0.018675,
    # z = 0.05 / 0.018675 = 2.677, two-sided p = 0.0074; Wald 95% CI 0.05 ± 1.96*sqrt(.16/1000+.1875/1000)
    comparison = two_proportions(200, 1000, 250, 1000)
    assert comparison.difference == pytest.approx(0.05)
    assert comparison.p_value == pytest.approx(0.00743, abs=1e-4)
    assert comparison.ci_low == pytest.approx(0.05 - 1.959964 * (0.16 / 1000 + 0.1875 / 1000) ** 0.5, abs=1e-6)
    assert comparison.ci_high == pytest.approx(0.0865, abs=1e-3)
    assert comparison.significant


def test_no_difference_is_not_significant():
    comparison = two_proportions(50, 1000, 52, 1000)
    assert not comparison.significant and comparison.p_value > 0.8


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        two_proportions(5, 0, 1, 10)
    with pytest.raises(ValueError):
        two_proportions(11, 10, 1, 10)


def test_sample_ratio_mismatch():
    assert sample_ratio_mismatch({"A": 5030, "B": 4970}, {"A": 1, "B": 1}) == (pytest.approx(0.549, abs=1e-3), False)
    p_value, flagged = sample_ratio_mismatch({"A": 5400, "B": 4600}, {"A": 1, "B": 1})
    assert flagged and p_value < 1e-10
    # weights other than 50/50 are what is expected, not a mismatch
    assert not sample_ratio_mismatch({"A": 7500, "B": 2500}, {"A": 3, "B": 1})[1]
