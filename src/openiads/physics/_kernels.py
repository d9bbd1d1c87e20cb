"""Compiled refinement of the predicted intercept point (numba).

:func:`openiads.physics.kinematics.predicted_intercept_point` brackets the first time the
missile's fly-out distance reaches the target's range on a coarse grid (one NumPy pass), then
refines each bracket by bisection. Sixty bisection steps of a dozen NumPy operations each on
one or two engagements cost milliseconds per call; this loop does the same arithmetic
(``kinematics._distance`` and the Euclidean separation, operation for operation) in compiled
code. ``tests/test_physics_kinematics.py`` checks the intercept times against an independent
root finder.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@njit(cache=True)
def bisect_intercept(
    lo: FloatArray,
    hi: FloatArray,
    rel: FloatArray,
    vel: FloatArray,
    t_b: FloatArray,
    c: FloatArray,
    t_max: FloatArray,
    v_max: FloatArray,
    iterations: int,
) -> FloatArray:  # pragma: no cover - compiled
    """Bisect ``gap(t) = d(t) − |rel + vel t|`` on ``[lo, hi]`` per engagement; returns the
    upper end (the first time the gap is ≥ 0, to bisection precision)."""
    n = lo.shape[0]
    out = np.empty(n)
    for i in range(n):
        a, b = lo[i], hi[i]
        tb, ci, tm, vm = t_b[i], c[i], t_max[i], v_max[i]
        for _ in range(iterations):
            mid = 0.5 * (a + b)
            t = max(mid, 0.0)
            if tb > 0.0:
                tt = min(t, tb)
                boost = 0.5 * vm * (tt * tt) / tb
            else:
                boost = 0.0
            tau = max(t - tb, 0.0)
            if ci > 0.0:
                coast = math.log1p(ci * vm * tau) / ci
            else:
                coast = vm * tau
            x = rel[i, 0] + vel[i, 0] * mid
            y = rel[i, 1] + vel[i, 1] * mid
            z = rel[i, 2] + vel[i, 2] * mid
            sep = math.sqrt(x * x + y * y + z * z)
            if mid > tm * (1.0 + 1e-12):
                above = False  # past the maximum time of flight the distance is undefined
            else:
                above = boost + coast - sep >= 0.0
            if above:
                b = mid
            else:
                a = mid
        out[i] = b
    return out
