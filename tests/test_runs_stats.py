"""Interval estimates and rank correlation of openiads.runs.stats against published values
and independent implementations (docs/models/statistics.md)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy import stats as sps

from openiads.runs.stats import (
    mean_interval,
    quantiles,
    rank_correlation,
    rank_correlation_interval,
    wilson_interval,
)

# Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (Wilson score
# interval without continuity correction), 95 %: (successes, trials, low, high).
NEWCOMBE_1998_WILSON = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("k", "n", "low", "high"), NEWCOMBE_1998_WILSON)
def test_wilson_newcombe_1998_table_ii(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert float(lo) == pytest.approx(low, abs=6e-5)
    assert float(hi) == pytest.approx(high, abs=6e-5)


def test_wilson_vectorised_and_edges() -> None:
    lo, hi = wilson_interval(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert lo[0] == 0.0
    assert hi[2] == 1.0
    # symmetric around 1/2 for k = n/2
    assert lo[1] == pytest.approx(1.0 - hi[1], abs=1e-12)
    lo0, hi0 = wilson_interval(0, 0)
    assert np.isnan(lo0)
    assert np.isnan(hi0)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 3)


@settings(max_examples=60, deadline=None)
@given(n=hs.integers(1, 5000), data=hs.data())
def test_wilson_contains_the_estimate_and_matches_the_score_equation(n: int, data: object) -> None:
    k = data.draw(hs.integers(0, n))  # type: ignore[attr-defined]
    lo, hi = (float(v) for v in wilson_interval(k, n))
    p = k / n
    assert lo <= p <= hi
    # The bounds solve |p - π| = z sqrt(π(1-π)/n) (the score test), z for 95 %.
    z = sps.norm.ppf(0.975)
    for bound in (lo, hi):
        if 0.0 < bound < 1.0:
            assert abs(p - bound) == pytest.approx(
                z * np.sqrt(bound * (1 - bound) / n), rel=1e-9, abs=1e-12
            )


def test_mean_interval_worked_example_one_to_five() -> None:
    # mean 3, s = sqrt(2.5), t(0.975, 4) = 2.776445: 3 ± 1.963243
    mi = mean_interval([1, 2, 3, 4, 5])
    assert mi.mean == pytest.approx(3.0, abs=1e-12)
    assert mi.low == pytest.approx(3.0 - 1.963243, abs=1e-6)
    assert mi.high == pytest.approx(3.0 + 1.963243, abs=1e-6)


def test_mean_interval_matches_scipy_one_sample_t() -> None:
    rng = np.random.default_rng(5)
    x = rng.poisson(2.3, size=257).astype(float)
    mi = mean_interval(x, confidence=0.9)
    ci = sps.ttest_1samp(x, 0.0).confidence_interval(confidence_level=0.9)
    assert mi.low == pytest.approx(ci.low, rel=1e-12, abs=1e-12)
    assert mi.high == pytest.approx(ci.high, rel=1e-12, abs=1e-12)
    single = mean_interval([4.0, float("nan")])
    assert single.mean == 4.0
    assert np.isnan(single.low)


def test_quantiles_linear_interpolation() -> None:
    q = quantiles([0, 10, 20, 30, 40], (0.05, 0.5, 0.95))
    assert q.tolist() == pytest.approx([2.0, 20.0, 38.0], abs=1e-12)
    assert np.isnan(quantiles([], (0.5,))).all()


def test_spearman_wikipedia_iq_television_example() -> None:
    # Spearman's rank correlation coefficient, Wikipedia worked example: ρ = -29/165.
    iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110]
    tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17]
    rho = rank_correlation(np.array(iq)[:, None], tv)
    assert rho[0] == pytest.approx(-29 / 165, abs=1e-12)


def test_spearman_matches_scipy_with_ties_column_by_column() -> None:
    rng = np.random.default_rng(11)
    n = 300
    draws = np.column_stack(
        [rng.uniform(size=n), rng.integers(0, 4, size=n), rng.triangular(0, 1, 3, size=n)]
    )
    y = rng.poisson(1.0 + 2.0 * draws[:, 0] + 0.3 * draws[:, 1])
    rho = rank_correlation(draws, y)
    for j in range(draws.shape[1]):
        ref = sps.spearmanr(draws[:, j], y).statistic
        assert rho[j] == pytest.approx(ref, abs=1e-12)
    # the column that drives the outcome ranks first
    assert abs(rho[0]) > abs(rho[1]) > 0.0
    const = rank_correlation(np.ones((n, 1)), y)
    assert np.isnan(const[0])


def test_spearman_interval_brackets_rho_and_shrinks_with_n() -> None:
    lo1, hi1 = rank_correlation_interval(np.array([0.3]), 50)
    lo2, hi2 = rank_correlation_interval(np.array([0.3]), 5000)
    assert lo1[0] < lo2[0] < 0.3 < hi2[0] < hi1[0]
