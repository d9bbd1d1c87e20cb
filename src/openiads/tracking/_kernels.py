"""Compiled inner loops of the tracker (numba): IMM mixing + prediction, and the Kalman update.

The NumPy versions of these steps (``einsum`` over (K, M, 9, 9) stacks) are correct but spend
most of their time in temporary arrays; these kernels do the same algebra track by track in
compiled code, using the sparsity of the transition matrix (at most three non-zeros per row).
They are checked against the NumPy algebra in ``tests/test_tracking_filters.py``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# The kernels take each group of arrays that travels together as one tuple (numba compiles
# a heterogeneous tuple of arrays as one argument), unpacked where it is used.

# A track store (``tracker.TrackArrays.kernel_args``), one slot per track; C slots, M motion
# models, n state components.
TrackStore = tuple[
    FloatArray,  # x (C, M, n) state of each motion model
    FloatArray,  # p (C, M, n, n) its covariance
    FloatArray,  # mu (C, M) model probabilities
    BoolArray,  # active (C,) slot holds a live track
    IntArray,  # ids (C,) track ids
    BoolArray,  # confirmed (C,)
    IntArray,  # age (C,) scans since the first detection
    IntArray,  # n_hits (C,) detections taken
    IntArray,  # misses (C,) consecutive scans without one
    FloatArray,  # t_born_s (C,) time of the first detection
    IntArray,  # truth_cand (C,) majority candidate of the detections' objects
    IntArray,  # truth_votes (C,) its votes
    IntArray,  # last_truth (C,) object the track follows now (-1 none)
    IntArray,  # pending_truth (C,) another object seen once since (-1 none)
    IntArray,  # fused_id (C,) fused track this track feeds (-1 none)
]
# Per air object (``tracker.TrackStats.kernel_args``): the confirmed track holding it, that
# track's slot, and when a confirmed track first held it (NaN until then).
TruthLog = tuple[IntArray, IntArray, FloatArray]
# A scan's detections: ENU positions z (D, 3), covariances r (D, 3, 3), objects truth (D,).
Detections = tuple[FloatArray, FloatArray, IntArray]
# Motion over one time step (``tracker.MotionModel.matrices``): F as its sparse rows f_idx,
# f_val (M, n, 3), Q (M, n, n) and the IMM mode-transition matrix pi (M, M). Stacked over
# S time steps (a leading axis on each), a table of steps.
Motion = tuple[IntArray, FloatArray, FloatArray, FloatArray]
# A radar tracker's track management: confirm M of N (confirm_m, confirm_n), delete a
# confirmed track after delete_after misses or when a position variance exceeds max_var
# (m^2); new tracks' velocity and acceleration variances var_vel (m^2/s^2), var_acc
# (m^2/s^4) and model probabilities mu0.
TrackRules = tuple[int, int, int, float, float, float, float]
# what scan_apply returns (see there)
ScanResult = tuple[
    IntArray,
    FloatArray,
    FloatArray,
    IntArray,
    IntArray,
    IntArray,
    IntArray,
    IntArray,
    FloatArray,
    NDArray[np.bool_],
    IntArray,
    IntArray,
    IntArray,
    IntArray,
]


def sparse_rows(f: FloatArray) -> tuple[NDArray[np.int64], FloatArray]:
    """Column indices and values of the non-zeros of each row of F (M, n, n), padded to 3."""
    m, n, _ = f.shape
    idx = np.zeros((m, n, 3), dtype=np.int64)
    val = np.zeros((m, n, 3))
    for a in range(m):
        for i in range(n):
            nz = np.flatnonzero(f[a, i])
            if nz.size > 3:
                raise ValueError("transition matrix rows may hold at most 3 non-zeros")
            idx[a, i, : nz.size] = nz
            val[a, i, : nz.size] = f[a, i, nz]
    return idx, val


@njit(cache=True)
def mix_predict(
    x: FloatArray,
    p: FloatArray,
    mu: FloatArray,
    rows: NDArray[np.int64],
    motion: Motion,
) -> None:  # pragma: no cover - compiled
    """IMM mixing (when M > 1) then prediction of every model of the tracks ``rows``, in place.

    x (K,M,n), p (K,M,n,n), mu (K,M) are the track store; ``motion`` the step's F, given by
    its sparse rows (f_idx, f_val) (M,n,3), q (M,n,n) and the mode-transition matrix pi
    (M,M). Mode probabilities become the predicted ones, c_j = sum_i pi_ij mu_i.
    """
    f_idx, f_val, q, pi = motion
    n_models = x.shape[1]
    n = x.shape[2]
    x0 = np.empty((n_models, n))
    p0 = np.empty((n_models, n, n))
    tmp = np.empty((n, n))
    c = np.empty(n_models)
    w = np.empty((n_models, n_models))
    dx = np.empty(n)
    for kk in range(rows.shape[0]):
        k = rows[kk]
        if n_models == 1:
            for a in range(n):
                x0[0, a] = x[k, 0, a]
                for b in range(n):
                    p0[0, a, b] = p[k, 0, a, b]
        else:
            for j in range(n_models):
                s = 0.0
                for i in range(n_models):
                    s += pi[i, j] * mu[k, i]
                c[j] = s
            for j in range(n_models):
                for i in range(n_models):
                    w[i, j] = pi[i, j] * mu[k, i] / c[j] if c[j] > 0.0 else 0.0
            for j in range(n_models):
                for a in range(n):
                    s = 0.0
                    for i in range(n_models):
                        s += w[i, j] * x[k, i, a]
                    x0[j, a] = s
                for a in range(n):
                    for b in range(n):
                        p0[j, a, b] = 0.0
                for i in range(n_models):
                    wij = w[i, j]
                    if wij == 0.0:
                        continue
                    for a in range(n):
                        dx[a] = x[k, i, a] - x0[j, a]
                    for a in range(n):
                        for b in range(a, n):
                            p0[j, a, b] += wij * (p[k, i, a, b] + dx[a] * dx[b])
                for a in range(n):
                    for b in range(a + 1, n):
                        p0[j, b, a] = p0[j, a, b]
            for j in range(n_models):
                mu[k, j] = c[j]
        for j in range(n_models):
            # x' = F x0 ; tmp = F P0 ; P' = tmp F^T + Q
            for a in range(n):
                s = 0.0
                for t in range(3):
                    s += f_val[j, a, t] * x0[j, f_idx[j, a, t]]
                x[k, j, a] = s
            for a in range(n):
                for b in range(n):
                    s = 0.0
                    for t in range(3):
                        s += f_val[j, a, t] * p0[j, f_idx[j, a, t], b]
                    tmp[a, b] = s
            for a in range(n):
                for b in range(a, n):
                    s = q[j, a, b]
                    for t in range(3):
                        s += tmp[a, f_idx[j, b, t]] * f_val[j, b, t]
                    p[k, j, a, b] = s
                    p[k, j, b, a] = s


@njit(cache=True)
def combine_rows(
    x: FloatArray, p: FloatArray, mu: FloatArray, rows: NDArray[np.int64], n_out: int
) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - compiled
    """Moment-matched mean (R, n_out) and covariance (R, n_out, n_out) of tracks ``rows``.

    Only the first ``n_out`` state components are produced (3: position, 6: position and
    velocity). For one model this is a copy of that model's state.
    """
    n_models = x.shape[1]
    xo = np.zeros((rows.shape[0], n_out))
    po = np.zeros((rows.shape[0], n_out, n_out))
    for kk in range(rows.shape[0]):
        k = rows[kk]
        for m in range(n_models):
            w = mu[k, m] if n_models > 1 else 1.0
            for a in range(n_out):
                xo[kk, a] += w * x[k, m, a]
        for m in range(n_models):
            w = mu[k, m] if n_models > 1 else 1.0
            for a in range(n_out):
                da = x[k, m, a] - xo[kk, a]
                for b in range(a, n_out):
                    db = x[k, m, b] - xo[kk, b]
                    po[kk, a, b] += w * (p[k, m, a, b] + da * db)
        for a in range(n_out):
            for b in range(a + 1, n_out):
                po[kk, b, a] = po[kk, a, b]
    return xo, po


@njit(cache=True)
def update_position(
    x: FloatArray,
    p: FloatArray,
    rows: NDArray[np.int64],
    z: FloatArray,
    r: FloatArray,
    det_idx: NDArray[np.int64],
) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - compiled
    """Kalman update, in place, of every model of tracks ``rows`` with detections ``det_idx``.

    A position measurement (H = [I3 0]): x (K,M,n), p (K,M,n,n) the track store, z (D,3) and
    r (D,3,3) the detections. Returns the squared Mahalanobis distance (A,M) of each
    innovation and log det S (A,M). Covariance update P - G S G^T = P - G P[:3, :],
    symmetrised (Bar-Shalom et al. 2001, ch. 5).
    """
    n_models = x.shape[1]
    n = x.shape[2]
    d2 = np.empty((rows.shape[0], n_models))
    logdet = np.empty((rows.shape[0], n_models))
    s = np.empty((3, 3))
    si = np.empty((3, 3))
    g = np.empty((n, 3))
    nu = np.empty(3)
    pn = np.empty((n, n))
    for kk in range(rows.shape[0]):
        k = rows[kk]
        jd = det_idx[kk]
        for m in range(n_models):
            for a in range(3):
                for b in range(3):
                    s[a, b] = p[k, m, a, b] + r[jd, a, b]
                nu[a] = z[jd, a] - x[k, m, a]
            c00 = s[1, 1] * s[2, 2] - s[1, 2] * s[2, 1]
            c01 = s[0, 2] * s[2, 1] - s[0, 1] * s[2, 2]
            c02 = s[0, 1] * s[1, 2] - s[0, 2] * s[1, 1]
            det = s[0, 0] * c00 + s[1, 0] * c01 + s[2, 0] * c02
            inv_det = 1.0 / det
            si[0, 0] = c00 * inv_det
            si[0, 1] = c01 * inv_det
            si[0, 2] = c02 * inv_det
            si[1, 0] = (s[1, 2] * s[2, 0] - s[1, 0] * s[2, 2]) * inv_det
            si[1, 1] = (s[0, 0] * s[2, 2] - s[0, 2] * s[2, 0]) * inv_det
            si[1, 2] = (s[0, 2] * s[1, 0] - s[0, 0] * s[1, 2]) * inv_det
            si[2, 0] = (s[1, 0] * s[2, 1] - s[1, 1] * s[2, 0]) * inv_det
            si[2, 1] = (s[0, 1] * s[2, 0] - s[0, 0] * s[2, 1]) * inv_det
            si[2, 2] = (s[0, 0] * s[1, 1] - s[0, 1] * s[1, 0]) * inv_det
            dd = 0.0
            for a in range(3):
                t = 0.0
                for b in range(3):
                    t += si[a, b] * nu[b]
                dd += nu[a] * t
            d2[kk, m] = dd
            logdet[kk, m] = math.log(det)
            for a in range(n):
                for b in range(3):
                    t = 0.0
                    for c in range(3):
                        t += p[k, m, a, c] * si[c, b]
                    g[a, b] = t
            for a in range(n):
                for b in range(a, n):
                    t1 = p[k, m, a, b]
                    t2 = p[k, m, b, a]
                    for c in range(3):
                        t1 -= g[a, c] * p[k, m, c, b]
                        t2 -= g[b, c] * p[k, m, c, a]
                    v = 0.5 * (t1 + t2)
                    pn[a, b] = v
                    pn[b, a] = v
            for a in range(n):
                t = x[k, m, a]
                for b in range(3):
                    t += g[a, b] * nu[b]
                x[k, m, a] = t
                for b in range(n):
                    p[k, m, a, b] = pn[a, b]
    return d2, logdet


@njit(cache=True)
def _inv_spd(a: FloatArray, out: FloatArray, low: FloatArray) -> float:  # pragma: no cover
    """Inverse of a symmetric positive-definite matrix by Cholesky; returns log det (or NaN)."""
    n = a.shape[0]
    logdet = 0.0
    for i in range(n):
        for j in range(i + 1):
            s = a[i, j]
            for k in range(j):
                s -= low[i, k] * low[j, k]
            if i == j:
                if s <= 0.0:
                    return np.nan
                low[i, i] = math.sqrt(s)
                logdet += 2.0 * math.log(low[i, i])
            else:
                low[i, j] = s / low[j, j]
        for j in range(i + 1, n):
            low[i, j] = 0.0
    # out = L^-T L^-1: invert L in place into out's lower triangle first
    for i in range(n):
        for j in range(n):
            out[i, j] = 0.0
    for j in range(n):
        out[j, j] = 1.0 / low[j, j]
        for i in range(j + 1, n):
            s = 0.0
            for k in range(j, i):
                s -= low[i, k] * out[k, j]
            out[i, j] = s / low[i, i]
    # (L^-1)^T (L^-1), symmetric
    for i in range(n):
        for j in range(i, n):
            s = 0.0
            for k in range(j, n):
                s += out[k, i] * out[k, j]
            low[i, j] = s
    for i in range(n):
        for j in range(i, n):
            out[i, j] = low[i, j]
            out[j, i] = low[i, j]
    return logdet


@njit(cache=True)
def predict_cv6(
    x: FloatArray, p: FloatArray, dt: FloatArray, q: float
) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - compiled
    """CV (CWNA) prediction of stacked 6-states x (R,6), p (R,6,6) by per-row steps dt (R,)."""
    n_rows = x.shape[0]
    xo = np.empty_like(x)
    po = np.empty_like(p)
    for k in range(n_rows):
        d = dt[k]
        for a in range(3):
            xo[k, a] = x[k, a] + d * x[k, a + 3]
            xo[k, a + 3] = x[k, a + 3]
        for a in range(3):
            for b in range(3):
                pp = p[k, a, b]
                pv = p[k, a, b + 3]
                vp = p[k, a + 3, b]
                vv = p[k, a + 3, b + 3]
                po[k, a, b] = pp + d * (pv + vp) + d * d * vv
                po[k, a, b + 3] = pv + d * vv
                po[k, a + 3, b] = vp + d * vv
                po[k, a + 3, b + 3] = vv
            po[k, a, a] += q * d * d * d / 3.0
            po[k, a, a + 3] += q * d * d / 2.0
            po[k, a + 3, a] += q * d * d / 2.0
            po[k, a + 3, a + 3] += q * d
    return xo, po


# The cofactors of a symmetric 3x3 matrix [[a, b, c], [b, d, e], [c, e, f]] (its inverse is
# their matrix over the determinant): c00, c01, c02, c11, c12, c22, det.
Cofactors3 = tuple[float, float, float, float, float, float, float]


@njit(cache=True)
def _cofactors3(
    a: float, b: float, c: float, d: float, e: float, f: float
) -> Cofactors3:  # pragma: no cover - compiled
    """Cofactors and determinant of the symmetric 3x3 matrix with upper triangle a b c / d e / f."""
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    c11 = a * f - c * c
    c12 = b * c - a * e
    c22 = a * d - b * b
    return c00, c01, c02, c11, c12, c22, a * c00 + b * c01 + c * c02


@njit(cache=True)
def _quad3(cof: Cofactors3, e0: float, e1: float, e2: float) -> float:  # pragma: no cover
    """e^T S^-1 e for e = (e0, e1, e2) and S given by its cofactors (:func:`_cofactors3`)."""
    c00, c01, c02, c11, c12, c22, det = cof
    return (
        c00 * e0 * e0
        + c11 * e1 * e1
        + c22 * e2 * e2
        + 2.0 * (c01 * e0 * e1 + c02 * e0 * e2 + c12 * e1 * e2)
    ) / det


@njit(cache=True)
def fuse_into(
    fx: FloatArray,
    fp: FloatArray,
    ft: FloatArray,
    slots: NDArray[np.int64],
    lx: FloatArray,
    lp: FloatArray,
    t: float,
    q: float,
    modes: NDArray[np.int64],
    gamma: float,
) -> NDArray[np.bool_]:  # pragma: no cover - compiled
    """Fold radar-track estimates (lx (R,6), lp (R,6,6), at time t) into fused tracks ``slots``.

    Each fused track (fx, fp at its own time ft) is predicted to t, checked against the radar
    track (chi-square position gate ``gamma`` on P_f + P_l; a radar track outside it is
    reported and not folded in), then combined:
    ``modes[i]`` 0 copy (the radar track is the fused track's only source), 1 fast covariance
    intersection with weights omega_i proportional to 1/tr(P_i) (Niehsen 2002), 2 keep
    whichever of the two has the smaller position covariance trace. Returns, per row,
    whether the radar track was outside the gate.
    """
    n_rows = slots.shape[0]
    outside = np.zeros(n_rows, dtype=np.bool_)
    one = np.empty(1)
    xf1 = np.empty((1, 6))
    pf1 = np.empty((1, 6, 6))
    ya = np.empty((6, 6))
    yb = np.empty((6, 6))
    low = np.empty((6, 6))
    yy = np.empty((6, 6))
    pn = np.empty((6, 6))
    v = np.empty(6)
    for i in range(n_rows):
        f = slots[i]
        mode = modes[i]
        one[0] = max(t - ft[f], 0.0)  # a late report is folded in at the track's time
        for a in range(6):
            xf1[0, a] = fx[f, a]
            for b in range(6):
                pf1[0, a, b] = fp[f, a, b]
        xp, pp = predict_cv6(xf1, pf1, one, q)
        # gate on position
        s00 = pp[0, 0, 0] + lp[i, 0, 0]
        s01 = pp[0, 0, 1] + lp[i, 0, 1]
        s02 = pp[0, 0, 2] + lp[i, 0, 2]
        s11 = pp[0, 1, 1] + lp[i, 1, 1]
        s12 = pp[0, 1, 2] + lp[i, 1, 2]
        s22 = pp[0, 2, 2] + lp[i, 2, 2]
        e0 = lx[i, 0] - xp[0, 0]
        e1 = lx[i, 1] - xp[0, 1]
        e2 = lx[i, 2] - xp[0, 2]
        d2 = _quad3(_cofactors3(s00, s01, s02, s11, s12, s22), e0, e1, e2)
        if mode != 0 and d2 > gamma:
            outside[i] = True
            continue
        ft[f] = max(ft[f], t)
        tr_f = pp[0, 0, 0] + pp[0, 1, 1] + pp[0, 2, 2]
        tr_l = lp[i, 0, 0] + lp[i, 1, 1] + lp[i, 2, 2]
        if mode == 0 or (mode == 2 and tr_l <= tr_f):
            for a in range(6):
                fx[f, a] = lx[i, a]
                for b in range(6):
                    fp[f, a, b] = lp[i, a, b]
            continue
        if mode == 2:
            for a in range(6):
                fx[f, a] = xp[0, a]
                for b in range(6):
                    fp[f, a, b] = pp[0, a, b]
            continue
        tr_f6 = 0.0
        tr_l6 = 0.0
        for a in range(6):
            tr_f6 += pp[0, a, a]
            tr_l6 += lp[i, a, a]
        w_f = tr_l6 / (tr_f6 + tr_l6)
        w_l = 1.0 - w_f
        ok_a = _inv_spd(pp[0], ya, low)
        ok_b = _inv_spd(lp[i], yb, low)
        if np.isnan(ok_a) or np.isnan(ok_b):
            for a in range(6):
                fx[f, a] = lx[i, a]
                for b in range(6):
                    fp[f, a, b] = lp[i, a, b]
            continue
        for a in range(6):
            s = 0.0
            for b in range(6):
                yy[a, b] = w_f * ya[a, b] + w_l * yb[a, b]
                s += w_f * ya[a, b] * xp[0, b] + w_l * yb[a, b] * lx[i, b]
            v[a] = s
        _inv_spd(yy, pn, low)
        for a in range(6):
            s = 0.0
            for b in range(6):
                s += pn[a, b] * v[b]
                fp[f, a, b] = pn[a, b]
            fx[f, a] = s
    return outside


@njit(cache=True)
def _upper_bound(a: FloatArray, v: float) -> int:  # pragma: no cover - compiled
    """First index i with a[i] > v in sorted a."""
    lo, hi = 0, a.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if a[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _lower_bound(a: FloatArray, v: float) -> int:  # pragma: no cover - compiled
    """First index i with a[i] >= v in sorted a."""
    lo, hi = 0, a.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if a[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def gate_tracks(
    x: FloatArray,
    p: FloatArray,
    mu: FloatArray,
    rows: NDArray[np.int64],
    z: FloatArray,
    r: FloatArray,
    gamma: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:  # pragma: no cover - compiled
    """Pairs (index into rows, detection) inside the chi-square gate, with their distance.

    x (C,M,n), p (C,M,n,n), mu (C,M) the track store, rows the live slots, z (D,3),
    r (D,3,3). With one model the distance is the squared Mahalanobis distance
    g = nu^T (P_pos + R)^-1 nu. With several (IMM) it is its mixture generalisation

        g = -2 ln( sum_m mu_m N(nu_m; 0, S_m) ) - 3 ln(2 pi) - ln det S_c,

    S_c the moment-matched innovation covariance: g = d^2 for a single model, and a
    detection that only a wide, improbable model explains pays for that model's
    improbability and volume. A pair is a candidate when g < gamma.
    Pre-gate: detections sorted along the axis where they spread most; each track looks
    only at those within a sphere bounding all its models' gates on that axis.
    """
    n_tracks = rows.shape[0]
    n_det = z.shape[0]
    n_models = x.shape[1]
    if n_tracks == 0 or n_det == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    max_tr_r = 0.0
    for j in range(n_det):
        t = r[j, 0, 0] + r[j, 1, 1] + r[j, 2, 2]
        if t > max_tr_r:
            max_tr_r = t
    axis = 0
    best = -1.0
    for a in range(3):
        lo = z[0, a]
        hi = z[0, a]
        for j in range(n_det):
            if z[j, a] < lo:
                lo = z[j, a]
            if z[j, a] > hi:
                hi = z[j, a]
        if hi - lo > best:
            best = hi - lo
            axis = a
    order = np.argsort(z[:, axis])
    zs = np.empty(n_det)
    for s in range(n_det):
        zs[s] = z[order[s], axis]
    xc, pc = combine_rows(x, p, mu, rows, 3)
    # sphere radius: a detection with g < gamma has d_m^2 < gamma + slack for some model
    g_sphere = gamma if n_models == 1 else 2.0 * gamma + 10.0
    lo_idx = np.empty(n_tracks, dtype=np.int64)
    hi_idx = np.empty(n_tracks, dtype=np.int64)
    radius = np.empty(n_tracks)
    cap = 0
    for kk in range(n_tracks):
        k = rows[kk]
        rad = 0.0
        for m in range(n_models):
            tp = p[k, m, 0, 0] + p[k, m, 1, 1] + p[k, m, 2, 2]
            rr = math.sqrt(g_sphere * (tp + max_tr_r))
            dm = 0.0
            for a in range(3):
                d = x[k, m, a] - xc[kk, a]
                dm += d * d
            rr += math.sqrt(dm)
            if rr > rad:
                rad = rr
        radius[kk] = rad
        c = xc[kk, axis]
        lo_idx[kk] = _lower_bound(zs, c - rad)
        hi_idx[kk] = _upper_bound(zs, c + rad)
        cap += hi_idx[kk] - lo_idx[kk]
    ti = np.empty(cap, dtype=np.int64)
    mj = np.empty(cap, dtype=np.int64)
    d2 = np.empty(cap)
    lse = np.empty(n_models)
    n = 0
    for kk in range(n_tracks):
        k = rows[kk]
        rk2 = radius[kk] * radius[kk]
        for s in range(lo_idx[kk], hi_idx[kk]):
            j = order[s]
            e0 = z[j, 0] - xc[kk, 0]
            e1 = z[j, 1] - xc[kk, 1]
            e2 = z[j, 2] - xc[kk, 2]
            if e0 * e0 + e1 * e1 + e2 * e2 > rk2:
                continue
            for m in range(n_models + (1 if n_models > 1 else 0)):
                if m < n_models:
                    e0 = z[j, 0] - x[k, m, 0]
                    e1 = z[j, 1] - x[k, m, 1]
                    e2 = z[j, 2] - x[k, m, 2]
                    a = p[k, m, 0, 0] + r[j, 0, 0]
                    b = p[k, m, 0, 1] + r[j, 0, 1]
                    c = p[k, m, 0, 2] + r[j, 0, 2]
                    d = p[k, m, 1, 1] + r[j, 1, 1]
                    e = p[k, m, 1, 2] + r[j, 1, 2]
                    f = p[k, m, 2, 2] + r[j, 2, 2]
                else:  # moment-matched innovation covariance (only its determinant)
                    a = pc[kk, 0, 0] + r[j, 0, 0]
                    b = pc[kk, 0, 1] + r[j, 0, 1]
                    c = pc[kk, 0, 2] + r[j, 0, 2]
                    d = pc[kk, 1, 1] + r[j, 1, 1]
                    e = pc[kk, 1, 2] + r[j, 1, 2]
                    f = pc[kk, 2, 2] + r[j, 2, 2]
                cof = _cofactors3(a, b, c, d, e, f)
                det = cof[6]
                if m == n_models:
                    logdet_c = math.log(det)
                    break
                q = _quad3(cof, e0, e1, e2)
                if n_models == 1:
                    lse[0] = q
                else:
                    w = mu[k, m]
                    lse[m] = (-0.5 * q - 0.5 * math.log(det) + math.log(w)) if w > 0.0 else -np.inf
            if n_models == 1:
                g = lse[0]
            else:
                mx = lse.max()
                tot = 0.0
                for m in range(n_models):
                    tot += math.exp(lse[m] - mx)
                g = -2.0 * (mx + math.log(tot)) - logdet_c
            if g < gamma:
                ti[n] = kk
                mj[n] = j
                d2[n] = g
                n += 1
    return ti[:n], mj[:n], d2[:n]


@njit(cache=True)
def rae_to_enu_fast(
    z: FloatArray, sigma: FloatArray, radar: FloatArray
) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - compiled
    """Compiled twin of :func:`openiads.tracking.filters.rae_to_enu` (sigma (3,))."""
    m = z.shape[0]
    pos = np.empty((m, 3))
    cov = np.empty((m, 3, 3))
    v0, v1, v2 = sigma[0] ** 2, sigma[1] ** 2, sigma[2] ** 2
    jac = np.empty((3, 3))
    for i in range(m):
        rr, az, el = z[i, 0], z[i, 1], z[i, 2]
        ca, sa = math.cos(az), math.sin(az)
        ce, se = math.cos(el), math.sin(el)
        pos[i, 0] = rr * ce * sa + radar[0]
        pos[i, 1] = rr * ce * ca + radar[1]
        pos[i, 2] = rr * se + radar[2]
        jac[0, 0] = ce * sa
        jac[0, 1] = rr * ce * ca
        jac[0, 2] = -rr * se * sa
        jac[1, 0] = ce * ca
        jac[1, 1] = -rr * ce * sa
        jac[1, 2] = -rr * se * ca
        jac[2, 0] = se
        jac[2, 1] = 0.0
        jac[2, 2] = rr * ce
        for a in range(3):
            for b in range(a, 3):
                s = jac[a, 0] * jac[b, 0] * v0 + jac[a, 1] * jac[b, 1] * v1
                s += jac[a, 2] * jac[b, 2] * v2
                cov[i, a, b] = s
                cov[i, b, a] = s
    return pos, cov


@njit(cache=True)
def note_truth(
    store: TrackStore,
    ta: NDArray[np.int64],
    truth: NDArray[np.int64],
    log: TruthLog,
    t_s: float,
) -> tuple[int, int]:  # pragma: no cover - compiled
    """Truth bookkeeping of the tracks ``ta`` that took detections of objects ``truth``.

    Boyer-Moore majority vote per track; the track's current object (changes after two
    consecutive detections of the same other object: an id swap when confirmed); per
    object (``log``), the confirmed track holding it (a break when another track takes
    over from one that no longer holds it). Returns (id swaps, breaks).
    """
    _x, _p, _mu, active, ids, confirmed, _age, _n_hits, _misses, _t_born_s = store[:10]
    truth_cand, truth_votes, last_truth, pending_truth, _fused_id = store[10:]
    last_track, last_slot, first_confirm_s = log
    swaps = 0
    breaks = 0
    for i in range(ta.shape[0]):
        k = ta[i]
        t = truth[i]
        # majority vote
        if truth_cand[k] == t:
            truth_votes[k] += 1
        elif truth_votes[k] == 0:
            truth_cand[k] = t
            truth_votes[k] = 1
        else:
            truth_votes[k] -= 1
        if t < 0:
            continue
        cur = last_truth[k]
        if cur < 0:
            last_truth[k] = t
            pending_truth[k] = -1
        elif t == cur:
            pending_truth[k] = -1
        elif t == pending_truth[k]:
            if confirmed[k]:
                swaps += 1
            last_truth[k] = t
            pending_truth[k] = -1
        else:
            pending_truth[k] = t
        cur = last_truth[k]
        if confirmed[k] and cur >= 0:
            prev_id = last_track[cur]
            prev_slot = last_slot[cur]
            held = (
                prev_id >= 0
                and active[prev_slot]
                and ids[prev_slot] == prev_id
                and last_truth[prev_slot] == cur
                and confirmed[prev_slot]
            )
            if not held and prev_id != ids[k]:
                if prev_id >= 0:
                    breaks += 1
                last_track[cur] = ids[k]
                last_slot[cur] = k
            if np.isnan(first_confirm_s[cur]):
                first_confirm_s[cur] = t_s
    return swaps, breaks


@njit(cache=True)
def gate_update(
    x: FloatArray,
    p: FloatArray,
    mu: FloatArray,
    rows: NDArray[np.int64],
    z: FloatArray,
    r: FloatArray,
    det_idx: NDArray[np.int64],
    gamma: float,
) -> NDArray[np.bool_]:  # pragma: no cover - compiled
    """Update tracks ``rows`` with detections ``det_idx`` unless outside the chi-square gate.

    The gate uses the moment-matched position and covariance of the track; rows outside it
    are left as they are (returned True). Inside: Kalman update of every model and, for
    several models, the IMM mode probabilities mu_j proportional to mu_j N(nu_j; 0, S_j).
    """
    n_models = x.shape[1]
    n_rows = rows.shape[0]
    outside = np.zeros(n_rows, dtype=np.bool_)
    xc, pc = combine_rows(x, p, mu, rows, 3)
    keep = np.empty(n_rows, dtype=np.bool_)
    for i in range(n_rows):
        jd = det_idx[i]
        a = pc[i, 0, 0] + r[jd, 0, 0]
        b = pc[i, 0, 1] + r[jd, 0, 1]
        c = pc[i, 0, 2] + r[jd, 0, 2]
        d = pc[i, 1, 1] + r[jd, 1, 1]
        e = pc[i, 1, 2] + r[jd, 1, 2]
        f = pc[i, 2, 2] + r[jd, 2, 2]
        e0 = z[jd, 0] - xc[i, 0]
        e1 = z[jd, 1] - xc[i, 1]
        e2 = z[jd, 2] - xc[i, 2]
        q = _quad3(_cofactors3(a, b, c, d, e, f), e0, e1, e2)
        outside[i] = q > gamma
        keep[i] = not outside[i]
    sel = rows[keep]
    dsel = det_idx[keep]
    d2, logdet = update_position(x, p, sel, z, r, dsel)
    if n_models > 1:
        for i in range(sel.shape[0]):
            k = sel[i]
            mx = -np.inf
            for m in range(n_models):
                v = -0.5 * (d2[i, m] + logdet[i, m])
                if v > mx:
                    mx = v
            tot = 0.0
            for m in range(n_models):
                w = mu[k, m] * math.exp(-0.5 * (d2[i, m] + logdet[i, m]) - mx)
                mu[k, m] = w
                tot += w
            for m in range(n_models):
                mu[k, m] /= tot
    return outside


# --------------------------------------------------------------------------------------------
# Whole-scan kernels. A radar scan of a few tracks and detections is dominated by the fixed
# cost of each NumPy call on tiny arrays, so the scan's steps run here in one compiled call
# each; they call the kernels above, so every floating-point result is the same.


@njit(cache=True)
def scan_gate(
    store: TrackStore,
    predict: bool,
    motion: Motion,
    dets: Detections,
    gamma: float,
) -> tuple[
    NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], FloatArray, bool
]:  # pragma: no cover - compiled
    """Predict the live tracks (when ``predict``) and gate them against the detections.

    Returns the live slots, the gated pairs (index into the slots, detection), their
    assignment cost d^2 - gamma (1 + confirmed) (confirmed tracks win conflicts) and whether
    no track and no detection appears in two pairs (then every pair is taken).
    """
    x, p, mu, active, _ids, confirmed = store[:6]
    z, r = dets[:2]
    rows = np.flatnonzero(active)
    if rows.shape[0] and predict:
        mix_predict(x, p, mu, rows, motion)
    ti, mj, d2 = gate_tracks(x, p, mu, rows, z, r, gamma)
    n = ti.shape[0]
    simple = True
    if n > 1:
        row_deg = np.zeros(rows.shape[0], dtype=np.int64)
        col_deg = np.zeros(z.shape[0], dtype=np.int64)
        for k in range(n):
            row_deg[ti[k]] += 1
            col_deg[mj[k]] += 1
        for k in range(n):
            if row_deg[ti[k]] != 1 or col_deg[mj[k]] != 1:
                simple = False
                break
    cost = np.empty(n)
    for k in range(n):
        cost[k] = d2[k] - gamma * (1.0 + (1.0 if confirmed[rows[ti[k]]] else 0.0))
    return rows, ti, mj, cost, simple


@njit(cache=True)
def _max_nan(a: float, b: float) -> float:  # pragma: no cover - compiled
    """np.maximum of two floats (NaN wins)."""
    if math.isnan(a) or math.isnan(b):
        return np.nan
    return a if a >= b else b


@njit(cache=True)
def birth_tracks(
    store: TrackStore,
    slots: NDArray[np.int64],
    det_idx: NDArray[np.int64],
    dets: Detections,
    t_s: float,
    first_id: int,
    rules: TrackRules,
) -> None:  # pragma: no cover - compiled
    """Tentative tracks, ids from ``first_id``, in free ``slots`` on detections ``det_idx``:
    position and its covariance from the detection, zero velocity (and acceleration) with
    variance var_vel (var_acc) of ``rules``; confirmed at birth when confirm_m is 1."""
    x, p, mu, active, ids, confirmed, age, n_hits, misses, t_born_s = store[:10]
    truth_cand, truth_votes, last_truth, pending_truth, fused_id = store[10:]
    z, r, truth = dets
    confirm_m, _confirm_n, _delete_after, _max_var, var_vel, var_acc, mu0 = rules
    born_confirmed = confirm_m == 1
    n_models = x.shape[1]
    n = x.shape[2]
    for i in range(slots.shape[0]):
        k = slots[i]
        j = det_idx[i]
        for m in range(n_models):
            for a in range(n):
                x[k, m, a] = z[j, a] if a < 3 else 0.0
                for b in range(n):
                    p[k, m, a, b] = r[j, a, b] if a < 3 and b < 3 else 0.0
            for a in range(3, n):
                p[k, m, a, a] = var_vel if a < 6 else var_acc
            mu[k, m] = mu0
        ids[k] = first_id + i
        active[k] = True
        confirmed[k] = born_confirmed
        age[k] = 1
        n_hits[k] = 1
        misses[k] = 0
        t_born_s[k] = t_s
        truth_cand[k] = truth[j]
        truth_votes[k] = 1
        last_truth[k] = truth[j] if truth[j] >= 0 else -1
        pending_truth[k] = -1
        fused_id[k] = -1


@njit(cache=True)
def birth_in_free_slots(
    store: TrackStore,
    det_idx: NDArray[np.int64],
    dets: Detections,
    t_s: float,
    first_id: int,
    rules: TrackRules,
) -> NDArray[np.int64]:  # pragma: no cover - compiled
    """:func:`birth_tracks` in the first free slots, in slot order; returns those slots, or
    nothing (and changes nothing) when there are fewer free slots than detections."""
    active = store[3]  # (TrackStore order)
    m = det_idx.shape[0]
    slots = np.empty(m, dtype=np.int64)
    n_slot = 0
    for k in range(active.shape[0]):
        if n_slot == m:
            break
        if not active[k]:
            slots[n_slot] = k
            n_slot += 1
    if n_slot < m:
        return np.empty(0, dtype=np.int64)
    birth_tracks(store, slots, det_idx, dets, t_s, first_id, rules)
    return slots


@njit(cache=True)
def scan_apply(
    store: TrackStore,
    rows: NDArray[np.int64],
    la: NDArray[np.int64],
    ma: NDArray[np.int64],
    dets: Detections,
    log: TruthLog,
    t_s: float,
    rules: TrackRules,
    births: bool,
    first_id: int,
) -> ScanResult:  # pragma: no cover - compiled
    """The rest of a scan once tracks ``rows[la]`` are assigned detections ``ma``.

    Kalman update of the assigned tracks, ages and misses, truth bookkeeping
    (:func:`note_truth`), M-of-N confirmation, deletion (tentative that cannot reach M in N,
    confirmed after ``delete_after`` misses, position variance above ``max_var`` without a
    detection; see :data:`TrackRules`) and, when ``births``, tentative tracks with ids from
    ``first_id`` on the unassigned detections if free slots suffice. Returns, as arrays:

    ta (A,) the updated slots; d2, logdet (A, M) of their innovations (for the IMM mode
    probabilities, not updated here); [id swaps, breaks]; purity keys of (track id, object)
    per update; newly confirmed slots; lost tracks' id, object, birth time and whether lost
    by misses; fused ids of deleted tracks; unassigned detections; slots of the tracks born
    on them (empty when not done here); index into ta of the confirmed updated tracks that
    still feed a fused track.
    """
    x, p, _mu, active, ids, confirmed, age, n_hits, misses, t_born_s = store[:10]
    truth_cand, _truth_votes, _last_truth, _pending_truth, fused_id = store[10:]
    z, r, truth = dets
    confirm_m, confirm_n, delete_after, max_var, _var_vel, _var_acc, _mu0 = rules
    n_rows = rows.shape[0]
    n_det = z.shape[0]
    na = la.shape[0]
    ta = np.empty(na, dtype=np.int64)
    for i in range(na):
        ta[i] = rows[la[i]]
    d2m, logdet = update_position(x, p, ta, z, r, ma)
    hit = np.zeros(n_rows, dtype=np.bool_)
    for i in range(na):
        hit[la[i]] = True
    for kk in range(n_rows):
        age[rows[kk]] += 1
    for i in range(na):
        n_hits[ta[i]] += 1
    for kk in range(n_rows):
        k = rows[kk]
        misses[k] = 0 if hit[kk] else misses[k] + 1
    counts = np.zeros(2, dtype=np.int64)
    tsel = np.empty(na, dtype=np.int64)
    keys = np.empty(na, dtype=np.int64)
    for i in range(na):
        tsel[i] = truth[ma[i]]
    if na:
        swaps, breaks = note_truth(store, ta, tsel, log, t_s)
        counts[0] = swaps
        counts[1] = breaks
    for i in range(na):
        keys[i] = ids[ta[i]] * (1 << 24) + (tsel[i] + 1)
    # confirmation
    n_new = 0
    newly = np.empty(n_rows, dtype=np.int64)
    for kk in range(n_rows):
        k = rows[kk]
        if not confirmed[k] and n_hits[k] >= confirm_m:
            confirmed[k] = True
            newly[n_new] = k
            n_new += 1
    # deletion
    n_lost = 0
    lost_ids = np.empty(n_rows, dtype=np.int64)
    lost_truth = np.empty(n_rows, dtype=np.int64)
    lost_born = np.empty(n_rows)
    lost_miss = np.empty(n_rows, dtype=np.bool_)
    n_gone = 0
    gone = np.empty(n_rows, dtype=np.int64)
    n_models = x.shape[1]
    for kk in range(n_rows):
        k = rows[kk]
        vm = 0.0
        for m in range(n_models):
            v = _max_nan(_max_nan(p[k, m, 0, 0], p[k, m, 1, 1]), p[k, m, 2, 2])
            vm = v if m == 0 else _max_nan(vm, v)
        too_wide = vm > max_var and not hit[kk]
        conf = confirmed[k]
        hopeless = (not conf) and (n_hits[k] + (confirm_n - age[k]) < confirm_m)
        missed = conf and misses[k] >= delete_after
        if hopeless or missed or too_wide:
            if conf:
                lost_ids[n_lost] = ids[k]
                lost_truth[n_lost] = truth_cand[k]
                lost_born[n_lost] = t_born_s[k]
                lost_miss[n_lost] = missed
                n_lost += 1
            active[k] = False
            if fused_id[k] >= 0:
                gone[n_gone] = fused_id[k]
                n_gone += 1
            fused_id[k] = -1
    # updated tracks that feed the fused picture
    n_fold = 0
    fold = np.empty(na, dtype=np.int64)
    for i in range(na):
        if confirmed[ta[i]] and fused_id[ta[i]] >= 0:
            fold[n_fold] = i
            n_fold += 1
    # detections left unassigned
    used = np.zeros(n_det, dtype=np.bool_)
    for i in range(na):
        used[ma[i]] = True
    n_free = 0
    free = np.empty(n_det, dtype=np.int64)
    for j in range(n_det):
        if not used[j]:
            free[n_free] = j
            n_free += 1
    free = free[:n_free]
    born = np.empty(0, dtype=np.int64)
    if births and n_free:
        born = birth_in_free_slots(store, free, dets, t_s, first_id, rules)
    return (
        ta,
        d2m,
        logdet,
        counts,
        keys,
        newly[:n_new],
        lost_ids[:n_lost],
        lost_truth[:n_lost],
        lost_born[:n_lost],
        lost_miss[:n_lost],
        gone[:n_gone],
        free,
        born,
        fold[:n_fold],
    )


@njit(cache=True)
def _put(out: NDArray[np.int64], o: int, seg: NDArray[np.int64]) -> int:  # pragma: no cover
    """Copy seg into out from index o; return the index after it."""
    for i in range(seg.shape[0]):
        out[o + i] = seg[i]
    return o + seg.shape[0]


# radar_scan's packed integer answer: a header, then the segments it names
SCAN_HEAD = 12  # [done, A, new, lost, gone, free, born, fold, swaps, breaks, rows, pairs]


@njit(cache=True)
def radar_scan(
    store: TrackStore,
    gate: bool,
    predict: bool,
    motion: Motion,
    dets: Detections,
    gamma: float,
    la_in: NDArray[np.int64],
    ma_in: NDArray[np.int64],
    log: TruthLog,
    t_s: float,
    rules: TrackRules,
    births: bool,
    first_id: int,
) -> tuple[NDArray[np.int64], FloatArray]:  # pragma: no cover - compiled
    """One radar scan: :func:`scan_gate` then :func:`scan_apply`, answers packed in two arrays.

    With ``gate``, predicts (when ``predict``) and gates; if some track or detection is in
    two gated pairs, stops there and returns header[0] = 0, header[10] = live tracks,
    header[11] = K pairs, then the pairs' row indices (K) and detections (K), and their
    costs as the float array: the caller assigns them and calls again without ``gate``,
    passing the chosen pairs as ``la_in``, ``ma_in``. Otherwise (or without ``gate``) it
    finishes the scan and returns header[0] = 1 and the segment lengths of header[1:8]
    followed by the segments ta, ma, keys (A each), newly, lost ids, lost objects, lost by
    misses (0/1), gone, free, born, then the slots and detections of the updated tracks
    that feed a fused track (fold, twice), with [swaps, breaks] in header[8:10]; the float
    array holds the lost tracks' birth times, then d2 and logdet (A*M each).
    """
    head = np.zeros(SCAN_HEAD, dtype=np.int64)
    active = store[3]  # (TrackStore order)
    rows = np.flatnonzero(active)
    if gate:
        rows, ti, mj, cost, simple = scan_gate(store, predict, motion, dets, gamma)
        if not simple:
            n = ti.shape[0]
            out = np.empty(SCAN_HEAD + 2 * n, dtype=np.int64)
            out[:SCAN_HEAD] = head
            out[10] = rows.shape[0]
            out[11] = n
            out[SCAN_HEAD : SCAN_HEAD + n] = ti
            out[SCAN_HEAD + n :] = mj
            return out, cost
        la, ma = ti, mj
    else:
        la, ma = la_in, ma_in
    (
        ta,
        d2m,
        logdet,
        counts,
        keys,
        newly,
        lost_ids,
        lost_truth,
        lost_born,
        lost_miss,
        gone,
        free,
        born,
        fold,
    ) = scan_apply(store, rows, la, ma, dets, log, t_s, rules, births, first_id)
    na = ta.shape[0]
    nl = lost_ids.shape[0]
    head[0] = 1
    head[1] = na
    head[2] = newly.shape[0]
    head[3] = nl
    head[4] = gone.shape[0]
    head[5] = free.shape[0]
    head[6] = born.shape[0]
    head[7] = fold.shape[0]
    head[8] = counts[0]
    head[9] = counts[1]
    size = SCAN_HEAD + 3 * na + head[2] + 3 * nl + head[4] + head[5] + head[6] + 2 * head[7]
    out = np.empty(size, dtype=np.int64)
    out[:SCAN_HEAD] = head
    o = _put(out, SCAN_HEAD, ta)
    o = _put(out, o, ma)
    o = _put(out, o, keys)
    o = _put(out, o, newly)
    o = _put(out, o, lost_ids)
    o = _put(out, o, lost_truth)
    for i in range(nl):
        out[o + i] = 1 if lost_miss[i] else 0
    o += nl
    o = _put(out, o, gone)
    o = _put(out, o, free)
    o = _put(out, o, born)
    for i in range(fold.shape[0]):
        out[o + i] = ta[fold[i]]
        out[o + fold.shape[0] + i] = ma[fold[i]]
    nm = d2m.shape[1]
    fl = np.empty(nl + 2 * na * nm)
    fl[:nl] = lost_born
    for i in range(na):
        for m in range(nm):
            fl[nl + i * nm + m] = d2m[i, m]
            fl[nl + na * nm + i * nm + m] = logdet[i, m]
    return out, fl


@njit(cache=True)
def fold_measurements(
    fused: TrackStore,
    f_t: FloatArray,
    f_nrad: NDArray[np.int64],
    slot_of: NDArray[np.int64],
    tr_fused_id: NDArray[np.int64],
    sel: NDArray[np.int64],
    det: NDArray[np.int64],
    dets: Detections,
    gamma: float,
    steps: FloatArray,
    step_motion: Motion,
    log: TruthLog,
    t_s: float,
) -> tuple[NDArray[np.int64], FloatArray]:  # pragma: no cover - compiled
    """Fold detections ``det`` of radar tracks ``sel`` into the fused tracks they feed.

    Each fused track (store ``fused``, with times ``f_t`` and numbers of radar tracks
    feeding them ``f_nrad``; looked up by the radar track's ``tr_fused_id`` in ``slot_of``;
    a radar track whose fused track is gone is unlinked) is predicted to t_s with the
    motion matrices of its time step, taken from the table ``steps`` (S,) with
    ``step_motion`` (:data:`Motion` stacked over S); then gated and updated
    (:func:`gate_update`). A radar track whose detection falls outside the gate is
    unlinked. Then the fused tracks' hit and miss counts and truth bookkeeping
    (:func:`note_truth`).

    Returns [status, unlinked any (0/1), id swaps, breaks] followed by the purity keys of
    the updates, and the time steps missing from the table. Status 0: a step was missing
    and nothing was changed (call again with a table that holds it); 1: done.
    """
    fx, fp, fmu, _f_active, f_ids, _f_confirmed, _f_age, f_n_hits, f_misses = fused[:9]
    z, r, truth = dets
    f_idx, f_val, q, pi = step_motion
    n = sel.shape[0]
    slot = np.empty(n, dtype=np.int64)
    step_of = np.full(n, -1, dtype=np.int64)
    missing = np.empty(n)
    n_missing = 0
    for i in range(n):
        fid = tr_fused_id[sel[i]]
        slot[i] = slot_of[fid] if fid < slot_of.shape[0] else -1
        if slot[i] < 0:
            continue
        d = t_s - f_t[slot[i]]
        if d > 0.0:
            for s in range(steps.shape[0]):
                if steps[s] == d:
                    step_of[i] = s
                    break
            if step_of[i] < 0:
                missing[n_missing] = d
                n_missing += 1
    if n_missing:
        return np.zeros(4, dtype=np.int64), missing[:n_missing]
    # radar tracks whose fused track is gone
    n_ok = 0
    for i in range(n):
        if slot[i] < 0:
            tr_fused_id[sel[i]] = -1
        else:
            n_ok += 1
    sel_ok = np.empty(n_ok, dtype=np.int64)
    det_ok = np.empty(n_ok, dtype=np.int64)
    slot_ok = np.empty(n_ok, dtype=np.int64)
    step_ok = np.empty(n_ok, dtype=np.int64)
    j = 0
    for i in range(n):
        if slot[i] >= 0:
            sel_ok[j] = sel[i]
            det_ok[j] = det[i]
            slot_ok[j] = slot[i]
            step_ok[j] = step_of[i]
            j += 1
    # predict, one motion step at a time
    rows = np.empty(n_ok, dtype=np.int64)
    for s in range(steps.shape[0]):
        n_rows = 0
        for i in range(n_ok):
            if step_ok[i] == s:
                rows[n_rows] = slot_ok[i]
                n_rows += 1
        if n_rows:
            mix_predict(fx, fp, fmu, rows[:n_rows], (f_idx[s], f_val[s], q[s], pi[s]))
    for i in range(n_ok):
        f = slot_ok[i]
        f_t[f] = max(f_t[f], t_s)
    outside = gate_update(fx, fp, fmu, slot_ok, z, r, det_ok, gamma)
    n_in = 0
    unlinked = 0
    inside = np.empty(n_ok, dtype=np.int64)
    t_in = np.empty(n_ok, dtype=np.int64)
    for i in range(n_ok):
        if outside[i]:
            tr_fused_id[sel_ok[i]] = -1
            f_nrad[slot_ok[i]] -= 1
            unlinked = 1
        else:
            inside[n_in] = slot_ok[i]
            t_in[n_in] = truth[det_ok[i]]
            n_in += 1
    inside = inside[:n_in]
    t_in = t_in[:n_in]
    for i in range(n_in):
        f_n_hits[inside[i]] += 1
        f_misses[inside[i]] = 0
    out = np.zeros(4 + n_in, dtype=np.int64)
    out[0] = 1
    out[1] = unlinked
    if n_in:
        swaps, breaks = note_truth(fused, inside, t_in, log, t_s)
        out[2] = swaps
        out[3] = breaks
        for i in range(n_in):
            out[4 + i] = f_ids[inside[i]] * (1 << 24) + (t_in[i] + 1)
    return out, np.empty(0)


@njit(cache=True)
def fused_view(
    x: FloatArray,
    p: FloatArray,
    mu: FloatArray,
    active: NDArray[np.bool_],
    ids: NDArray[np.int64],
    truth_cand: NDArray[np.int64],
    n_radars: NDArray[np.int64],
    t_est: FloatArray,
    t_s: float,
    q: float,
) -> tuple[NDArray[np.int64], FloatArray]:  # pragma: no cover - compiled
    """The live fused tracks ordered by id, moment-matched and CV-predicted from their own
    times ``t_est`` to t_s. Returns (3, R) ids, majority objects and numbers of radar tracks
    feeding them, and R*42 floats: the (R,6) states [position, velocity] then the (R,6,6)
    covariances."""
    rows = np.flatnonzero(active)
    rows = rows[np.argsort(ids[rows], kind="mergesort")]
    n = rows.shape[0]
    x6, p6 = combine_rows(x, p, mu, rows, 6)
    dt = np.empty(n)
    for i in range(n):
        dt[i] = t_s - t_est[rows[i]]
    xo, po = predict_cv6(x6, p6, dt, q)
    ints = np.empty((3, n), dtype=np.int64)
    fl = np.empty(42 * n)
    for i in range(n):
        k = rows[i]
        ints[0, i] = ids[k]
        ints[1, i] = truth_cand[k]
        ints[2, i] = n_radars[k]
        for a in range(6):
            fl[6 * i + a] = xo[i, a]
            for b in range(6):
                fl[6 * n + 36 * i + 6 * a + b] = po[i, a, b]
    return ints, fl
