"""Multi-target distance metrics: OSPA and GOSPA, between estimated and true positions.

OSPA (Schuhmacher, Vo & Vo, IEEE Trans. Signal Processing 56(8), 2008): for estimates X (m)
and truths Y (n), m <= n (swap otherwise), cut-off c and order p,

    OSPA = ( (1/n) * ( min_pi sum_{i<=m} min(d(x_i, y_pi(i)), c)^p + c^p (n - m) ) )^(1/p),

0 when both sets are empty and c when only one is.

GOSPA with alpha = 2 (Rahmathullah, Garcia-Fernandez & Svensson, FUSION 2017):

    GOSPA = ( min over partial assignments gamma of
              sum_{(i,j) in gamma} d(x_i, y_j)^p + (c^p / 2) (m + n - 2 |gamma|) )^(1/p),

with only pairs closer than c worth assigning; it splits into localisation, missed-target
and false-target parts and is not normalised by the set size.

Both are solved exactly: candidate pairs within c come from a KD-tree, then the sparse
assignment of :mod:`openiads.tracking.assignment` (one SciPy ``linear_sum_assignment`` on the
conflicted pairs).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from openiads.tracking.assignment import assign_pairs

FloatArray = NDArray[np.float64]


def _pairs_within(
    x: FloatArray, y: FloatArray, c: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:
    tx, ty = cKDTree(x), cKDTree(y)
    sdm = tx.sparse_distance_matrix(ty, c, output_type="ndarray")
    d = sdm["v"]
    keep = d < c
    return sdm["i"][keep].astype(np.int64), sdm["j"][keep].astype(np.int64), d[keep]


def ospa(x: FloatArray, y: FloatArray, c: float = 500.0, p: float = 1.0) -> float:
    """OSPA distance between point sets x (m,d) and y (n,d), cut-off ``c`` (same unit), order ``p``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m = 0 if x.size == 0 else x.shape[0]
    n = 0 if y.size == 0 else y.shape[0]
    big = max(m, n)
    if big == 0:
        return 0.0
    if min(m, n) == 0:
        return float(c)
    i, j, d = _pairs_within(x, y, c)
    total = c**p * big
    if i.size:
        gain = d**p - c**p
        total += float(gain[assign_pairs(i, j, gain, m, n)].sum())
    return float((total / big) ** (1.0 / p))


def gospa(x: FloatArray, y: FloatArray, c: float = 500.0, p: float = 1.0) -> dict[str, float]:
    """GOSPA (alpha = 2) between estimates x (m,d) and truths y (n,d).

    Returns ``{"gospa", "localisation", "missed", "false"}``: the distance itself and the
    three parts of its p-th power (sum of d^p over assigned pairs, c^p/2 per missed truth,
    c^p/2 per false estimate).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m = 0 if x.size == 0 else x.shape[0]
    n = 0 if y.size == 0 else y.shape[0]
    loc = 0.0
    n_assigned = 0
    if m and n:
        i, j, d = _pairs_within(x, y, c)
        if i.size:
            dp = d**p
            k = assign_pairs(i, j, dp - c**p, m, n)
            loc = float(dp[k].sum())
            n_assigned = int(k.size)
    missed = c**p / 2.0 * (n - n_assigned)
    false = c**p / 2.0 * (m - n_assigned)
    return {
        "gospa": float((loc + missed + false) ** (1.0 / p)),
        "localisation": loc,
        "missed": float(missed),
        "false": float(false),
    }
