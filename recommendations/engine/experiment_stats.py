"""Statistics for comparing experiment variants, with the user as the unit (users are what is randomised).

Each comparison takes its interval and its p-value from one computation, so the two never disagree:
rates use the Agresti-Caffo interval and the matching Wald test on the adjusted counts (Agresti & Caffo
2000, "Simple and effective confidence intervals for proportions and differences of proportions result
from adding two successes and two failures"; it keeps its coverage at purchase-like rates of 1 to 3 %),
means per user use Welch's t-test and its interval, and revenue per user (heavy-tailed: most users spend
nothing, a few a lot) the percentile bootstrap. Holm's method adjusts a report's p-values for the
number of comparisons; the verdict reads the adjusted one. No Django; scipy. Both short formulas are written
out (a report runs them often) and tests check them against statsmodels' implementations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np
from scipy import stats

# Below this many users per variant, a difference is not called either way.
MIN_UNITS = 100
ALPHA = 0.05


@dataclass(frozen=True)
class Comparison:
    """B against A for one metric: each side's value, B - A with its interval, the test's p-value and,
    once a report has adjusted it for its number of comparisons, the adjusted p-value."""

    units_a: int
    units_b: int
    value_a: float
    value_b: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    confidence: float
    p_adjusted: float | None = None

    @property
    def rate_a(self) -> float:
        return self.value_a

    @property
    def rate_b(self) -> float:
        return self.value_b

    @property
    def alpha(self) -> float:
        return 1 - self.confidence

    @property
    def enough_data(self) -> bool:
        return min(self.units_a, self.units_b) >= MIN_UNITS

    @property
    def significant(self) -> bool:
        """The verdict: enough users, and the (adjusted, when adjusted) p-value below alpha."""
        p = self.p_value if self.p_adjusted is None else self.p_adjusted
        return self.enough_data and p < self.alpha


def two_proportions(
    successes_a: int, units_a: int, successes_b: int, units_b: int, *, confidence: float = 1 - ALPHA
) -> Comparison:
    """B's rate against A's: Agresti-Caffo interval for B - A and the Wald test on the same adjusted counts."""
    if min(units_a, units_b) <= 0:
        raise ValueError("each variant needs at least one unit")
    if not (0 <= successes_a <= units_a and 0 <= successes_b <= units_b):
        raise ValueError("successes must be between 0 and the number of units")
    # one success and one failure added to each side; the interval and the test share estimate and error
    adjusted_a, adjusted_b = (successes_a + 1) / (units_a + 2), (successes_b + 1) / (units_b + 2)
    estimate = adjusted_b - adjusted_a
    error = math.sqrt(adjusted_a * (1 - adjusted_a) / (units_a + 2) + adjusted_b * (1 - adjusted_b) / (units_b + 2))
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    low, high = estimate - z * error, estimate + z * error
    test_pvalue = 2 * NormalDist().cdf(-abs(estimate) / error)
    rate_a, rate_b = successes_a / units_a, successes_b / units_b
    p_value = float(test_pvalue)
    return Comparison(units_a, units_b, rate_a, rate_b, rate_b - rate_a, float(low), float(high), p_value, confidence)


def two_means(values_a: np.ndarray, values_b: np.ndarray, *, confidence: float = 1 - ALPHA) -> Comparison:
    """B's mean per user against A's: Welch's t-test and its interval for B - A (unequal variances)."""
    a, b = np.asarray(values_a, dtype=float), np.asarray(values_b, dtype=float)
    if min(len(a), len(b)) < 2:
        raise ValueError("each variant needs at least two units")
    difference = float(b.mean() - a.mean())
    if a.var() == 0 and b.var() == 0:  # no spread at all: the difference is exact
        p_value = 1.0 if difference == 0 else 0.0
        return Comparison(len(a), len(b), float(a.mean()), float(b.mean()), difference, difference, difference,
                          p_value, confidence)  # fmt: skip
    result = stats.ttest_ind(b, a, equal_var=False)
    interval = result.confidence_interval(confidence_level=confidence)
    return Comparison(
        len(a), len(b), float(a.mean()), float(b.mean()), difference,
        float(interval.low), float(interval.high), float(result.pvalue), confidence,
    )  # fmt: skip


RESAMPLES = 2000


def two_means_bootstrap(
    values_a: np.ndarray,
    values_b: np.ndarray,
    *,
    confidence: float = 1 - ALPHA,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Comparison:
    """B's mean per user against A's for heavy-tailed values such as revenue (most users 0, a few large):
    the percentile bootstrap interval for B - A and the p-value read off the same resampled differences
    (twice the share on the far side of 0), so the interval excludes 0 exactly when p < 1 - confidence.

    Each variant is resampled as counts over its distinct values (a multinomial draw), which is the same
    distribution as drawing users with replacement and costs resamples x distinct values, not x users."""
    a, b = np.asarray(values_a, dtype=float), np.asarray(values_b, dtype=float)
    if min(len(a), len(b)) < 2:
        raise ValueError("each variant needs at least two units")
    rng = np.random.default_rng(seed)
    means_a, means_b = _resampled_means(a, resamples, rng), _resampled_means(b, resamples, rng)
    differences = np.sort(means_b - means_a)
    tail = (1 - confidence) / 2
    # the k-th smallest of R differences with k = ceil(R * tail): below it lie fewer than R * tail of them
    k = max(1, math.ceil(resamples * tail - 1e-9))
    low, high = float(differences[k - 1]), float(differences[resamples - k])
    at_or_below, at_or_above = int((differences <= 0).sum()), int((differences >= 0).sum())
    # none on the far side is p below 1 / R, not 0: R resamples cannot say more
    p_value = min(1.0, max(2 * min(at_or_below, at_or_above), 1) / resamples)
    difference = float(b.mean() - a.mean())
    return Comparison(len(a), len(b), float(a.mean()), float(b.mean()), difference, low, high, p_value, confidence)


def _resampled_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    distinct, counts = np.unique(values, return_counts=True)
    draws = rng.multinomial(len(values), counts / len(values), size=resamples)
    return draws @ distinct / len(values)


def cuped(values_a: np.ndarray, values_b: np.ndarray, before_a: np.ndarray, before_b: np.ndarray) -> tuple:
    """Each user's metric less theta times their pre-period value's distance from the pooled mean (Deng, Xu,
    Kohavi & Walker 2013, "CUPED"): same expected difference, less variance when the two correlate.
    Returns the adjusted values of A and B and the share of variance removed (0 when there is no signal)."""
    y = np.concatenate([values_a, values_b]).astype(float)
    x = np.concatenate([before_a, before_b]).astype(float)
    if len(y) < 3 or x.var() == 0:
        return np.asarray(values_a, dtype=float), np.asarray(values_b, dtype=float), 0.0
    theta = float(np.cov(y, x, ddof=1)[0, 1] / x.var(ddof=1))
    adjusted = y - theta * (x - x.mean())
    removed = 1 - adjusted.var() / y.var() if y.var() > 0 else 0.0
    return adjusted[: len(values_a)], adjusted[len(values_a) :], max(0.0, float(removed))


def wilson_interval(successes: int, units: int, *, confidence: float = 1 - ALPHA) -> tuple[float, float]:
    """Wilson's score interval for one rate (Wilson 1927): stays inside 0..1 and fair at rates near 0."""
    if units <= 0:
        return 0.0, 0.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    rate = successes / units
    centre = (rate + z * z / (2 * units)) / (1 + z * z / units)
    half = z * math.sqrt(rate * (1 - rate) / units + z * z / (4 * units * units)) / (1 + z * z / units)
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(mean: float, std: float, units: int, *, confidence: float = 1 - ALPHA) -> tuple[float, float]:
    """The t interval of one mean from its sample standard deviation (0 wide below two units)."""
    if units < 2 or not std:
        return mean, mean
    half = float(stats.t.ppf(0.5 + confidence / 2, units - 1)) * std / math.sqrt(units)
    return mean - half, mean + half


def holm_adjusted(comparisons: list[Comparison]) -> list[Comparison]:
    """The comparisons of one report with Holm-adjusted p-values (family-wise error rate at alpha)."""
    # Holm (1979): the k-th smallest of m p-values times (m - k + 1), never below the one before, at most 1
    order = sorted(range(len(comparisons)), key=lambda i: comparisons[i].p_value)
    adjusted = [1.0] * len(comparisons)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(comparisons) - rank) * comparisons[i].p_value))
        adjusted[i] = running
    return [replace(c, p_adjusted=p) for c, p in zip(comparisons, adjusted, strict=True)]


def minimum_detectable_effect(
    rate: float, units_a: int, units_b: int, *, alpha: float = ALPHA, power: float = 0.8
) -> float | None:
    """The smallest difference in a rate (absolute) this many users detect with `power`, two-sided."""
    if min(units_a, units_b) <= 0 or not 0 < rate < 1:
        return None
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z * math.sqrt(rate * (1 - rate) * (1 / units_a + 1 / units_b)))


def users_needed(rate: float, effect: float, *, alpha: float = ALPHA, power: float = 0.8) -> int | None:
    """Users per variant (two equal groups) to detect an absolute change of `effect` in `rate`."""
    if effect <= 0 or not 0 < rate < 1:
        return None
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return math.ceil(2 * rate * (1 - rate) * (z / effect) ** 2)


def users_needed_for_mean(std: float, effect: float, *, alpha: float = ALPHA, power: float = 0.8) -> int | None:
    """Users per variant to detect an absolute change of `effect` in a per-user mean with spread `std`."""
    if effect <= 0 or std <= 0:
        return None
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return math.ceil(2 * (std * z / effect) ** 2)


def sample_ratio_mismatch(
    counts: dict[str, int], weights: dict[str, float], *, alpha: float = 0.001
) -> tuple[float, bool]:
    """Chi-square goodness of fit of the users each variant got against its configured weight.

    Returns the p-value and whether it flags a mismatch (p below `alpha`: the split itself is broken,
    so no comparison can be trusted until it is explained).
    """
    names = [n for n in counts if weights.get(n, 0) > 0]
    total = sum(counts[n] for n in names)
    if len(names) < 2 or total == 0:
        return 1.0, False
    weight_total = sum(weights[n] for n in names)
    expected = [total * weights[n] / weight_total for n in names]
    p_value = float(stats.chisquare([counts[n] for n in names], expected).pvalue)
    return p_value, p_value < alpha
