"""Sparse 2-D assignment: the optimal partial matching over a list of candidate pairs.

Used for global-nearest-neighbour association (tracks x detections) and for the OSPA/GOSPA
metrics (estimates x truths). Candidate pairs carry a cost *relative to leaving both ends
unassigned*, so only pairs with negative cost are worth taking. Pairs whose row and column
each appear in no other pair are taken directly; everything else (the conflicted clusters) is
solved at once with one call to :func:`scipy.optimize.linear_sum_assignment` on the dense
sub-matrix of the rows and columns involved, zero meaning "not a candidate".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

IntArray = NDArray[np.int64]


def assign_pairs(
    rows: IntArray, cols: IntArray, cost: NDArray[np.float64], n_rows: int, n_cols: int
) -> IntArray:
    """Minimum-cost partial matching over candidate pairs ``(rows[k], cols[k], cost[k])``.

    Costs must be negative (a pair is only a candidate if taking it beats leaving both ends
    unmatched) and each (row, col) pair may appear once. Returns the indices ``k`` of the
    chosen pairs, in increasing order.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    if rows.size == 0:
        return np.zeros(0, dtype=np.int64)
    row_deg = np.bincount(rows, minlength=n_rows)
    col_deg = np.bincount(cols, minlength=n_cols)
    simple = (row_deg[rows] == 1) & (col_deg[cols] == 1)
    chosen = np.flatnonzero(simple)
    if chosen.size == rows.size:
        return chosen
    rest = np.flatnonzero(~simple)
    ur, ri = np.unique(rows[rest], return_inverse=True)
    uc, ci = np.unique(cols[rest], return_inverse=True)
    dense = np.zeros((ur.size, uc.size))
    dense[ri, ci] = cost[rest]
    which = np.full((ur.size, uc.size), -1, dtype=np.int64)
    which[ri, ci] = rest
    a, b = linear_sum_assignment(dense)
    keep = dense[a, b] < 0.0
    return np.sort(np.concatenate([chosen, which[a[keep], b[keep]]]))
