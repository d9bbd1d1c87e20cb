"""Motion models, measurement conversion and batched Kalman-filter algebra.

Everything here is a pure function over arrays. States are in the local ENU frame, ordered
by derivative: ``[e, n, u, ve, vn, vu]`` (CV, 6 states) or
``[e, n, u, ve, vn, vu, ae, an, au]`` (CA, 9 states). Each axis follows the same 1-D model, so
every matrix is ``kron(one_axis_matrix, I3)``.

Sources: Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to Tracking and
Navigation* (Wiley, 2001), section 6.2 (continuous white-noise acceleration, CWNA, and
Wiener-process acceleration, WPA); Blackman & Popoli, *Design and Analysis of Modern
Tracking Systems* (Artech House, 1999), section 4.2 (converted measurements).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_I3 = np.eye(3)


def cv_matrices(dt_s: float, q_m2ps3: float) -> tuple[FloatArray, FloatArray]:
    """Transition F (6,6) and process noise Q (6,6) of the CWNA (nearly constant velocity) model.

    ``q_m2ps3`` is the power spectral density of the white acceleration noise.
    Q per axis is q [[dt^3/3, dt^2/2], [dt^2/2, dt]].
    """
    f1 = np.array([[1.0, dt_s], [0.0, 1.0]])
    q1 = q_m2ps3 * np.array([[dt_s**3 / 3.0, dt_s**2 / 2.0], [dt_s**2 / 2.0, dt_s]])
    return np.kron(f1, _I3).astype(np.float64), np.kron(q1, _I3).astype(np.float64)


def ca_matrices(dt_s: float, q_m2ps5: float) -> tuple[FloatArray, FloatArray]:
    """Transition F (9,9) and process noise Q (9,9) of the WPA (nearly constant acceleration) model.

    ``q_m2ps5`` is the power spectral density of the white jerk noise. Q per axis is
    q [[dt^5/20, dt^4/8, dt^3/6], [dt^4/8, dt^3/3, dt^2/2], [dt^3/6, dt^2/2, dt]].
    """
    t = dt_s
    f1 = np.array([[1.0, t, t * t / 2.0], [0.0, 1.0, t], [0.0, 0.0, 1.0]])
    q1 = q_m2ps5 * np.array(
        [
            [t**5 / 20.0, t**4 / 8.0, t**3 / 6.0],
            [t**4 / 8.0, t**3 / 3.0, t**2 / 2.0],
            [t**3 / 6.0, t**2 / 2.0, t],
        ]
    )
    return np.kron(f1, _I3).astype(np.float64), np.kron(q1, _I3).astype(np.float64)


def cv_in_ca_matrices(dt_s: float, q_m2ps3: float) -> tuple[FloatArray, FloatArray]:
    """The CWNA model written in the 9-state CA space (acceleration forced to zero).

    This is how an IMM mixes a 6-state CV model with a 9-state CA model: the CV model carries
    the acceleration components but predicts them as zero with zero variance.
    """
    f1 = np.array([[1.0, dt_s, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    q1 = q_m2ps3 * np.array(
        [[dt_s**3 / 3.0, dt_s**2 / 2.0, 0.0], [dt_s**2 / 2.0, dt_s, 0.0], [0.0, 0.0, 0.0]]
    )
    return np.kron(f1, _I3).astype(np.float64), np.kron(q1, _I3).astype(np.float64)


def rae_to_enu(
    z_rae: FloatArray, sigma_rae: FloatArray, radar_enu_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Convert range/azimuth/elevation detections to ENU positions with their covariance.

    ``z_rae`` (M,3): slant range m, azimuth rad (from north, clockwise), elevation rad, of the
    line of sight expressed in the scenario's ENU axes, from the radar at ``radar_enu_m`` (3,).
    ``sigma_rae`` (3,) or (M,3): standard deviations of the three measured quantities.
    Returns positions (M,3) and covariances R = J diag(sigma^2) J^T (M,3,3), J the Jacobian
    of the polar-to-Cartesian map at the measured point (the standard converted measurement,
    Blackman & Popoli 1999 sec. 4.2); its bias is negligible while
    r sigma_az^2 / sigma_r < 0.4 (Lerro & Bar-Shalom 1993).
    """
    z = np.asarray(z_rae, dtype=np.float64)
    r, az, el = z[:, 0], z[:, 1], z[:, 2]
    ca, sa = np.cos(az), np.sin(az)
    ce, se = np.cos(el), np.sin(el)
    pos = np.empty((z.shape[0], 3))
    pos[:, 0] = r * ce * sa
    pos[:, 1] = r * ce * ca
    pos[:, 2] = r * se
    pos += np.asarray(radar_enu_m, dtype=np.float64)
    jac = np.empty((z.shape[0], 3, 3))
    jac[:, 0, 0] = ce * sa
    jac[:, 0, 1] = r * ce * ca
    jac[:, 0, 2] = -r * se * sa
    jac[:, 1, 0] = ce * ca
    jac[:, 1, 1] = -r * ce * sa
    jac[:, 1, 2] = -r * se * ca
    jac[:, 2, 0] = se
    jac[:, 2, 1] = 0.0
    jac[:, 2, 2] = r * ce
    var = np.broadcast_to(np.asarray(sigma_rae, dtype=np.float64) ** 2, z.shape)
    cov = np.matmul(jac * var[:, None, :], jac.transpose(0, 2, 1))
    return pos, cov


def inv_sym3(s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse and determinant of a stack of symmetric 3x3 matrices (..., 3, 3), by cofactors."""
    a, b, c = s[..., 0, 0], s[..., 0, 1], s[..., 0, 2]
    d, e = s[..., 1, 1], s[..., 1, 2]
    f = s[..., 2, 2]
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    c11 = a * f - c * c
    c12 = b * c - a * e
    c22 = a * d - b * b
    det = a * c00 + b * c01 + c * c02
    inv = np.empty_like(s)
    r = 1.0 / det
    inv[..., 0, 0] = c00 * r
    inv[..., 0, 1] = c01 * r
    inv[..., 0, 2] = c02 * r
    inv[..., 1, 0] = c01 * r
    inv[..., 1, 1] = c11 * r
    inv[..., 1, 2] = c12 * r
    inv[..., 2, 0] = c02 * r
    inv[..., 2, 1] = c12 * r
    inv[..., 2, 2] = c22 * r
    return inv, det


def mahalanobis2(nu: FloatArray, s_inv: FloatArray) -> FloatArray:
    """Squared Mahalanobis distance nu^T S^-1 nu over stacks: nu (...,3), s_inv (...,3,3)."""
    return np.einsum("...i,...ij,...j->...", nu, s_inv, nu)


def kf_update_position(
    x: FloatArray, p: FloatArray, z: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Kalman update of stacked states with a position measurement (H = [I3 0 ...]).

    x (...,n), p (...,n,n), z (...,3), r (...,3,3), all broadcast together.
    Returns the updated x and P, the squared Mahalanobis distance of the innovation and
    det(S). Covariance update P - K S K^T, symmetrised (Bar-Shalom et al. 2001, ch. 5).
    """
    s = p[..., :3, :3] + r
    s_inv, det = inv_sym3(s)
    nu = z - x[..., :3]
    gain = np.matmul(p[..., :, :3], s_inv)
    x_new = x + np.einsum("...ij,...j->...i", gain, nu)
    p_new = p - np.matmul(gain, p[..., :3, :])
    p_new = 0.5 * (p_new + np.swapaxes(p_new, -1, -2))
    return x_new, p_new, mahalanobis2(nu, s_inv), det
