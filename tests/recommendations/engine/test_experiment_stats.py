"""Experiment statistics against known values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from recommendations.engine.experiment_stats import (
    cuped,
    holm_adjusted,
    minimum_detectable_effect,
    sample_ratio_mismatch,
    two_means,
    two_means_bootstrap,
    two_proportions,
    users_needed,
    users_needed_for_mean,
    wilson_interval,
)


def test_textbook_two_proportion_example():
    # Agresti & Caffo (2000), The American Statistician 54(4): add one success and one failure to each group.
    # A: 200 of 1,000, B: 250 of 1,000 -> 201/1002 and 251/1002; difference 50/1002 = 0.049900;
    # SE = sqrt(.200599*.799401/1002 + .250499*.749501/1002) = 0.018639; 95% CI 0.0499 +- 1.959964 * SE
    # = 0.013367 to 0.086433; z = 2.6772, two-sided p = 0.00742.
    comparison = two_proportions(200, 1000, 250, 1000)
    assert comparison.difference == pytest.approx(0.05)
    se = ((201 / 1002) * (801 / 1002) / 1002 + (251 / 1002) * (751 / 1002) / 1002) ** 0.5
    assert comparison.ci_low == pytest.approx(50 / 1002 - 1.959964 * se, abs=1e-6)
    assert comparison.ci_high == pytest.approx(50 / 1002 + 1.959964 * se, abs=1e-6)
    assert comparison.p_value == pytest.approx(0.00742, abs=2e-5)
    assert comparison.significant


def test_welch_means_match_the_textbook_formula():
    # Welch (1947): t = (mean_b - mean_a) / sqrt(var_a/n_a + var_b/n_b), Welch-Satterthwaite degrees of freedom
    a = np.array([0, 0, 1, 0, 2, 0, 0, 1, 0, 0] * 20, dtype=float)
    b = np.array([0, 1, 1, 0, 2, 0, 1, 1, 0, 3] * 20, dtype=float)
    comparison = two_means(a, b)
    se = (a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)) ** 0.5
    df = se**4 / ((a.var(ddof=1) / len(a)) ** 2 / (len(a) - 1) + (b.var(ddof=1) / len(b)) ** 2 / (len(b) - 1))
    t = stats.t.ppf(0.975, df)
    assert comparison.difference == pytest.approx(0.5)
    assert comparison.ci_low == pytest.approx(0.5 - t * se) and comparison.ci_high == pytest.approx(0.5 + t * se)
    assert comparison.p_value == pytest.approx(2 * stats.t.sf(0.5 / se, df))


def test_holm_adjusts_the_smallest_p_most():
    raw = [two_proportions(100, 1000, 130, 1000), two_proportions(100, 1000, 101, 1000)]
    adjusted = holm_adjusted(raw)
    assert adjusted[0].p_adjusted == pytest.approx(min(1.0, 2 * raw[0].p_value))
    assert adjusted[1].p_adjusted == pytest.approx(max(adjusted[0].p_adjusted, raw[1].p_value))


@settings(max_examples=300, deadline=None)
@given(
    units_a=st.integers(100, 5000),
    units_b=st.integers(100, 5000),
    share_a=st.floats(0, 1),
    share_b=st.floats(0, 1),
)
def test_the_verdict_and_the_p_value_never_disagree(units_a, units_b, share_a, share_b):
    comparison = two_proportions(round(share_a * units_a), units_a, round(share_b * units_b), units_b)
    if abs(comparison.p_value - comparison.alpha) < 1e-9:
        return  # on the edge itself rounding decides either way
    excludes_zero = comparison.ci_low > 0 or comparison.ci_high < 0
    assert excludes_zero == (comparison.p_value < comparison.alpha) == comparison.significant


def test_an_aa_experiment_calls_a_winner_in_at_most_5_percent_of_reports():
    """1,000 simulated reports with no true difference (A, B, C at the same rates; four rates, purchases and
    revenue per user each): after Holm, at most 5% of reports call any difference."""
    rng = np.random.default_rng(7)
    rates = [0.30, 0.08, 0.05, 0.02]
    false_alarms = 0
    for _ in range(1000):
        groups = [rng.binomial(1, rates, size=(400, len(rates))) for _variant in range(3)]
        baskets = [group[:, 3] * rng.lognormal(8.0, 1.0, 400).round() for group in groups]  # revenue per user
        tests = []
        for x, y in ((0, 1), (0, 2), (1, 2)):
            for k in range(len(rates)):
                tests.append(two_proportions(int(groups[x][:, k].sum()), 400, int(groups[y][:, k].sum()), 400))
            tests.append(two_means(groups[x][:, 3], groups[y][:, 3]))
            tests.append(two_means_bootstrap(baskets[x], baskets[y], resamples=1000))
        false_alarms += any(c.significant for c in holm_adjusted(tests))
    assert false_alarms / 1000 <= 0.05


def test_an_ab_experiment_is_detected_at_the_sample_size_the_power_figure_gives():
    """B truly converts 5% more (relative) at a 20% rate: with the users `users_needed` gives for 80% power,
    about 80% of simulated experiments find it."""
    n = users_needed(0.20, 0.01)
    assert minimum_detectable_effect(0.20, n, n) == pytest.approx(0.01, rel=0.01)
    rng = np.random.default_rng(11)
    found = sum(
        two_proportions(int(rng.binomial(n, 0.20)), n, int(rng.binomial(n, 0.21)), n).significant for _ in range(400)
    )
    assert 0.72 <= found / 400 <= 0.88


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


def test_b_selling_5_percent_more_per_user_is_found_at_the_powered_sample_size():
    """Revenue per user is heavy-tailed (most users buy nothing, baskets vary): 30% buy, lognormal baskets.
    B's baskets are 5% larger; with the users `users_needed_for_mean` gives, about 80% of runs find it."""
    rng = np.random.default_rng(5)

    def revenue(n, lift=1.0):
        return (rng.binomial(1, 0.3, n) * rng.lognormal(8.0, 0.5, n) * lift).round(-1)  # prices in 10 yen steps

    pilot = revenue(200_000)
    n = users_needed_for_mean(pilot.std(), 0.05 * pilot.mean())
    found = sum(
        two_means_bootstrap(revenue(n), revenue(n, 1.05), resamples=400, seed=k).significant for k in range(100)
    )
    assert 0.66 <= found / 100 <= 0.94


def test_the_revenue_bootstrap_is_the_bootstrap_of_users():
    """Resampling counts over distinct values is drawing users with replacement: the interval matches a plain
    percentile bootstrap of the users (Efron & Tibshirani 1993, ch. 13) to within resampling noise."""
    rng = np.random.default_rng(3)
    a = rng.binomial(1, 0.1, 3000) * rng.lognormal(7, 1.2, 3000).round()
    b = rng.binomial(1, 0.1, 3000) * rng.lognormal(7.2, 1.2, 3000).round()
    ours = two_means_bootstrap(a, b, resamples=4000)
    plain = stats.bootstrap(
        (a, b), lambda x, y, axis=-1: y.mean(axis=axis) - x.mean(axis=axis), method="percentile",
        n_resamples=4000, random_state=np.random.default_rng(4), batch=200,
    ).confidence_interval  # fmt: skip
    spread = plain.high - plain.low
    assert ours.ci_low == pytest.approx(plain.low, abs=0.05 * spread)
    assert ours.ci_high == pytest.approx(plain.high, abs=0.05 * spread)
    assert ours.difference == pytest.approx(b.mean() - a.mean())


@settings(max_examples=150, deadline=None)
@given(
    buyers_a=st.integers(0, 60),
    buyers_b=st.integers(0, 60),
    lift=st.floats(0.5, 2.0),
    seed=st.integers(0, 1000),
)
def test_the_revenue_verdict_and_its_p_value_never_disagree(buyers_a, buyers_b, lift, seed):
    rng = np.random.default_rng(seed)
    a = np.concatenate([np.zeros(150 - buyers_a), rng.lognormal(7, 1, buyers_a).round()])
    b = np.concatenate([np.zeros(150 - buyers_b), (lift * rng.lognormal(7, 1, buyers_b)).round()])
    comparison = two_means_bootstrap(a, b, resamples=500)
    excludes_zero = comparison.ci_low > 0 or comparison.ci_high < 0
    assert excludes_zero == (comparison.p_value < comparison.alpha) == comparison.significant
    assert comparison.ci_low <= comparison.ci_high


def test_the_rates_formula_is_statsmodels_agresti_caffo():
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

    for a, na, b, nb in [(0, 1000, 2, 400), (200, 1000, 250, 1000), (3, 150, 9, 160), (40, 40, 0, 35)]:
        ours = two_proportions(a, na, b, nb)
        low, high = confint_proportions_2indep(b, nb, a, na, method="agresti-caffo", compare="diff")
        theirs = test_proportions_2indep(b, nb, a, na, method="agresti-caffo", compare="diff")
        assert (ours.ci_low, ours.ci_high) == (pytest.approx(low), pytest.approx(high))
        assert ours.p_value == pytest.approx(theirs.pvalue)


def test_holm_is_statsmodels_holm():
    from statsmodels.stats.multitest import multipletests

    raw = [two_proportions(100, 1000, 100 + k, 1000) for k in (0, 12, 25, 31, 45, 3)]
    expected = multipletests([c.p_value for c in raw], method="holm")[1]
    assert [c.p_adjusted for c in holm_adjusted(raw)] == pytest.approx(list(expected))


def test_cuped_keeps_the_difference_and_narrows_the_interval():
    """Deng, Xu, Kohavi & Walker (2013): Y - theta (X - mean X), theta = cov(Y, X) / var(X). With revenue
    that follows each user's pre-period revenue, the interval narrows and the estimate stays unbiased."""
    rng = np.random.default_rng(3)
    raw_widths, cuped_widths, estimates = [], [], []
    for _ in range(200):
        before_a, before_b = rng.lognormal(7, 1, 2000), rng.lognormal(7, 1, 2000)
        after_a = 0.8 * before_a + rng.normal(0, 300, 2000)
        after_b = 0.8 * before_b + rng.normal(0, 300, 2000) + 50
        adjusted_a, adjusted_b, removed = cuped(after_a, after_b, before_a, before_b)
        raw, adjusted = two_means(after_a, after_b), two_means(adjusted_a, adjusted_b)
        raw_widths.append(raw.ci_high - raw.ci_low)
        cuped_widths.append(adjusted.ci_high - adjusted.ci_low)
        estimates.append(adjusted.difference)
        assert removed > 0.5
    assert np.mean(cuped_widths) < 0.6 * np.mean(raw_widths)
    assert np.mean(estimates) == pytest.approx(50, abs=5)


def test_cuped_without_a_pre_period_changes_nothing():
    values = np.array([0.0, 10, 0, 5])
    a, b, removed = cuped(values, values + 1, np.zeros(4), np.zeros(4))
    assert removed == 0.0 and list(a) == list(values) and list(b) == list(values + 1)


def test_wilsons_interval_matches_newcombes_worked_examples():
    # Newcombe (1998), Statistics in Medicine 17: 857-872, Table I, method 3 (score): 81/263 -> 0.2553 to 0.3662,
    # 15/148 -> 0.0624 to 0.1605
    assert wilson_interval(81, 263) == (pytest.approx(0.2553, abs=1e-4), pytest.approx(0.3662, abs=1e-4))
    assert wilson_interval(15, 148) == (pytest.approx(0.0624, abs=1e-4), pytest.approx(0.1605, abs=1e-4))
    assert wilson_interval(0, 20)[0] == pytest.approx(0.0, abs=1e-12) and 0 < wilson_interval(0, 20)[1] < 0.2
    assert wilson_interval(0, 0) == (0.0, 0.0)
