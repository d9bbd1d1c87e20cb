"""Interval estimates and rank correlations for Monte Carlo outcomes.

Pure functions over NumPy arrays; docs/models/statistics.md gives the equations and sources.

* :func:`wilson_interval` – score interval for a binomial proportion (Wilson 1927), used for
  every proportion a study reports (probability that nothing leaks, that a magazine runs dry,
  that a target type is detected at all).
* :func:`mean_interval` – Student-t interval for a mean.
* :func:`quantiles` – sample quantiles (linear interpolation, Hyndman & Fan type 7).
* :func:`rank_correlation` – Spearman's rank correlation of each column of a draw matrix with
  one outcome (average ranks for ties), the bars of a tornado chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _sps

#: Confidence level used throughout reports unless a caller says otherwise.
CONFIDENCE = 0.95


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence}")
    return float(_sps.norm.ppf(0.5 + confidence / 2.0))


def wilson_interval(
    successes: Any, trials: Any, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval ``(low, high)`` for ``successes`` out of ``trials``.

    Works element-wise on arrays. ``trials == 0`` gives ``(nan, nan)``.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("successes must lie in [0, trials]")
    z = _z(confidence)
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / denom
        half = (z / denom) * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    # At k = 0 (k = n) the lower (upper) bound is exactly 0 (1); remove rounding noise.
    low = np.where(k == 0, 0.0, low)
    high = np.where(k == n, 1.0, high)
    bad = n <= 0
    low = np.where(bad, np.nan, low)
    high = np.where(bad, np.nan, high)
    return low, high


@dataclass(frozen=True)
class MeanInterval:
    """A sample mean with its Student-t confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    std: float

    def as_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n, "std": self.std}


def mean_interval(values: Any, confidence: float = CONFIDENCE) -> MeanInterval:
    """Mean of ``values`` (NaNs dropped) with a two-sided Student-t interval.

    ``mean ± t_{1-α/2, n-1} · s / √n``; with fewer than two values the interval is NaN.
    """
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return MeanInterval(math.nan, math.nan, math.nan, 0, math.nan)
    m = float(x.mean())
    if n == 1:
        return MeanInterval(m, math.nan, math.nan, 1, math.nan)
    s = float(x.std(ddof=1))
    _z(confidence)
    t = float(_sps.t.ppf(0.5 + confidence / 2.0, df=n - 1))
    half = t * s / math.sqrt(n)
    return MeanInterval(m, m - half, m + half, n, s)


def quantiles(values: Any, probs: Any = (0.05, 0.5, 0.95)) -> np.ndarray:
    """Sample quantiles (NaNs dropped; linear interpolation between order statistics)."""
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    q = np.asarray(probs, dtype=float)
    if x.size == 0:
        return np.full(q.shape, np.nan)
    return np.quantile(x, q)


def average_ranks(values: Any) -> np.ndarray:
    """Ranks 1..n of each column (or of a vector); ties share their average rank."""
    x = np.asarray(values, dtype=float)
    return np.asarray(_sps.rankdata(x, axis=0, method="average"), dtype=float)


def rank_correlation(draws: Any, outcome: Any) -> np.ndarray:
    """Spearman's ρ between each column of ``draws`` (shape ``(n, p)``) and ``outcome`` (n,).

    ρ is Pearson's correlation of the average ranks. A column (or an outcome) that never
    varies has no defined correlation and gives NaN.
    """
    d = np.asarray(draws, dtype=float)
    if d.ndim == 1:
        d = d[:, None]
    y = np.asarray(outcome, dtype=float).ravel()
    if d.shape[0] != y.size:
        raise ValueError(f"draws have {d.shape[0]} rows but the outcome has {y.size} values")
    if y.size < 2:
        return np.full(d.shape[1], np.nan)
    rd = average_ranks(d)
    ry = average_ranks(y)
    rd = rd - rd.mean(axis=0)
    ry = ry - ry.mean()
    num = ry @ rd
    den = np.sqrt((rd * rd).sum(axis=0) * float(ry @ ry))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return np.asarray(rho, dtype=float)


def rank_correlation_interval(
    rho: Any, n: int, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate interval for Spearman's ρ via Fisher's z with variance 1.06/(n−3).

    (Fieller, Hartley & Pearson 1957.) NaN where ``n ≤ 3``.
    """
    r = np.clip(np.asarray(rho, dtype=float), -0.999999, 0.999999)
    if n <= 3:
        nan = np.full(r.shape, np.nan)
        return nan, nan.copy()
    z = np.arctanh(r)
    half = _z(confidence) * math.sqrt(1.06 / (n - 3))
    return np.tanh(z - half), np.tanh(z + half)
