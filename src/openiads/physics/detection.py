"""Radar detection: range equations, detectability factors and detection probability.

All functions are pure, broadcast over NumPy arrays and never modify their inputs. Units are SI
(W, Hz, m, m², s, K, sr); a quantity in decibels always has a name ending in ``_db``.
Probabilities are plain fractions in [0, 1]. See docs/models/radar-equation.md and
docs/models/detection-probability.md for the equations, their sources and the worked values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from openiads.units import from_db, to_db

__all__ = [
    "BOLTZMANN_J_PER_K",
    "SPEED_OF_LIGHT_MPS",
    "T0_K",
    "albersheim_snr_db",
    "cumulative_pd",
    "detection_range_m",
    "pd",
    "radar_equation_snr_db",
    "reference_snr_db",
    "search_radar_snr_db",
    "shnidman_snr_db",
    "snr_required_db",
    "solid_angle_sr",
]

FloatArray = NDArray[np.float64]

#: Boltzmann constant, J/K (exact in the 2019 SI).
BOLTZMANN_J_PER_K = 1.380649e-23
#: Speed of light in vacuum, m/s (exact).
SPEED_OF_LIGHT_MPS = 299_792_458.0
#: IEEE standard reference temperature for noise figure, K.
T0_K = 290.0

_FOUR_PI = 4.0 * np.pi
_SNR_CLAMP = 1e30
_SNR_CLAMP_SW0 = 1e6
SUPPORTED_SWERLING = (0, 1, 3)


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Range equations


def radar_equation_snr_db(
    peak_power_w: ArrayLike,
    gain_db: ArrayLike,
    freq_hz: ArrayLike,
    rcs_m2: ArrayLike,
    range_m: ArrayLike,
    bandwidth_hz: ArrayLike,
    noise_figure_db: ArrayLike = 0.0,
    losses_db: ArrayLike = 0.0,
    temperature_k: ArrayLike = T0_K,
) -> Any:
    """Single-pulse SNR of a monostatic radar (Skolnik; Mahafza eq. 1.56), in dB.

    ``SNR = Pt G² λ² σ / ((4π)³ k T B F L R⁴)`` with the same antenna gain on transmit and
    receive, ``λ = c / f``, ``T`` the noise reference temperature (290 K) and ``F`` the
    receiver noise figure. Worked: 1 MW, 40 dBi, 3 GHz, 1 m², 1 MHz, F 3 dB, L 6 dB, 100 km →
    21.999 dB.
    """
    wavelength_m = SPEED_OF_LIGHT_MPS / _f(freq_hz)
    gain = from_db(gain_db)
    num = _f(peak_power_w) * gain * gain * wavelength_m**2 * _f(rcs_m2)
    r = _f(range_m)
    den = (
        _FOUR_PI**3
        * BOLTZMANN_J_PER_K
        * _f(temperature_k)
        * _f(bandwidth_hz)
        * from_db(noise_figure_db)
        * from_db(losses_db)
        * r**4
    )
    with np.errstate(divide="ignore"):
        return to_db(num / den)


def solid_angle_sr(az_span_rad: ArrayLike, el_min_rad: ArrayLike, el_max_rad: ArrayLike) -> Any:
    """Solid angle of an azimuth × elevation sector: ``Δaz · (sin el_max − sin el_min)`` (sr).

    This is the search-volume definition used by MATLAB's ``solidangle``/``radareqsearchsnr``
    (30° of azimuth by 0–45° of elevation → 0.3702 sr).
    """
    return _f(az_span_rad) * (np.sin(_f(el_max_rad)) - np.sin(_f(el_min_rad)))


def search_radar_snr_db(
    avg_power_w: ArrayLike,
    aperture_m2: ArrayLike,
    scan_time_s: ArrayLike,
    rcs_m2: ArrayLike,
    range_m: ArrayLike,
    solid_angle_sr: ArrayLike,
    system_temp_k: ArrayLike,
    losses_db: ArrayLike = 0.0,
) -> Any:
    """SNR of a search radar that covers ``solid_angle_sr`` once every ``scan_time_s``, in dB.

    ``SNR = P_av A_e t_s σ / (4π Ω k T_s L R⁴)`` (Skolnik §2.11; Mahafza eq. 1.84; MATLAB
    ``radareqsearchsnr``). Worked (MATLAB example): R 1000 km, P_av·A_e 3e6 W·m², t_s 10 s,
    σ −10 dBsm, T_s 487 K, L 6 dB, 30° × (0–45°) → 13.8182 dB.
    """
    num = _f(avg_power_w) * _f(aperture_m2) * _f(scan_time_s) * _f(rcs_m2)
    r = _f(range_m)
    den = (
        _FOUR_PI
        * _f(solid_angle_sr)
        * BOLTZMANN_J_PER_K
        * _f(system_temp_k)
        * from_db(losses_db)
        * r**4
    )
    with np.errstate(divide="ignore"):
        return to_db(num / den)


def reference_snr_db(
    range_m: ArrayLike,
    rcs_m2: ArrayLike,
    ref_range_m: ArrayLike,
    ref_rcs_m2: ArrayLike,
    ref_snr_db: ArrayLike,
) -> Any:
    """SNR scaled from a reference point with the radar equation's ``σ / R⁴`` law, in dB.

    ``SNR = SNR_ref + 10 log10(σ / σ_ref) − 40 log10(R / R_ref)``. This is how a radar known
    only as "detects σ_ref at R_ref" (with the SNR its reference Pd needs) is modelled.
    Range 0 gives +inf; RCS 0 gives −inf.
    """
    sigma_ratio = _f(rcs_m2) / _f(ref_rcs_m2)
    range_ratio = _f(range_m) / _f(ref_range_m)
    with np.errstate(divide="ignore"):
        return _f(ref_snr_db) + to_db(sigma_ratio) - 40.0 * np.log10(range_ratio)


def detection_range_m(rcs_m2: ArrayLike, ref_range_m: ArrayLike, ref_rcs_m2: ArrayLike) -> Any:
    """Range at which a target of ``rcs_m2`` gives the reference SNR: ``R_ref (σ/σ_ref)^¼``.

    Worked: 250 km at 5 m² → 167.19 km at 1 m², 52.87 km at 0.01 m², 29.73 km at 0.001 m².
    """
    return _f(ref_range_m) * np.power(_f(rcs_m2) / _f(ref_rcs_m2), 0.25)


# --------------------------------------------------------------------------------------------
# Detectability factors (required SNR) from empirical fits


def albersheim_snr_db(pd: ArrayLike, pfa: ArrayLike, n: ArrayLike = 1) -> Any:
    """Albersheim's required SNR per pulse (dB), linear detector, non-fluctuating target.

    ``A = ln(0.62/Pfa)``, ``B = ln(Pd/(1−Pd))``,
    ``SNR = −5 log10 N + (6.2 + 4.54/√(N+0.44)) log10(A + 0.12 A B + 1.7 B)``
    (Albersheim 1981; Richards, "Alternative forms of Albersheim's equation"; MATLAB
    ``albersheim``). Stated accuracy 0.2 dB for 0.1 ≤ Pd ≤ 0.9, 1e-7 ≤ Pfa ≤ 1e-3,
    1 ≤ N ≤ 8096. ``n`` is the number of noncoherently integrated pulses.
    """
    p_d = _f(pd)
    p_fa = _f(pfa)
    n_f = _f(n)
    a = np.log(0.62 / p_fa)
    b = np.log(p_d / (1.0 - p_d))
    return -5.0 * np.log10(n_f) + (6.2 + 4.54 / np.sqrt(n_f + 0.44)) * np.log10(
        a + 0.12 * a * b + 1.7 * b
    )


def shnidman_snr_db(pd: ArrayLike, pfa: ArrayLike, n: ArrayLike = 1, swerling: int = 0) -> Any:
    """Shnidman's required SNR per pulse (dB), square-law detector, Swerling 0–4.

    Shnidman (2002), as given in Richards, *Fundamentals of Radar Signal Processing* §6.2 and
    MATLAB ``shnidman``. Valid 0.1 ≤ Pd ≤ 0.99, 1e-9 ≤ Pfa ≤ 1e-3, 1 ≤ N ≤ 100 (about
    0.5 dB). ``n`` is the number of noncoherently integrated pulses.
    """
    if swerling not in (0, 1, 2, 3, 4):
        raise ValueError(f"swerling must be 0, 1, 2, 3 or 4; got {swerling!r}")
    p_d = _f(pd)
    p_fa = _f(pfa)
    n_f = _f(n)
    alpha = np.where(n_f < 40.0, 0.0, 0.25)
    eta = np.sqrt(-0.8 * np.log(4.0 * p_fa * (1.0 - p_fa))) + np.sign(p_d - 0.5) * np.sqrt(
        -0.8 * np.log(4.0 * p_d * (1.0 - p_d))
    )
    x_inf = eta * (eta + 2.0 * np.sqrt(n_f / 2.0 + alpha - 0.25))
    if swerling == 0:
        c_db = np.zeros_like(x_inf)
    else:
        k: Any = {1: 1.0, 2: n_f, 3: 2.0, 4: 2.0 * n_f}[swerling]
        c1 = (((17.7006 * p_d - 18.4496) * p_d + 14.5339) * p_d - 3.525) / k
        c2 = (1.0 / k) * (
            np.exp(27.31 * p_d - 25.14)
            + (p_d - 0.8) * (0.7 * np.log(1e-5 / p_fa) + (2.0 * n_f - 20.0) / 80.0)
        )
        c_db = np.where(p_d <= 0.872, c1, c1 + c2)
    return 10.0 * np.log10(x_inf / n_f) + c_db


# --------------------------------------------------------------------------------------------
# Exact single-look detection probability (square-law detector, complex Gaussian noise)


def _pd_linear(snr: FloatArray, threshold: FloatArray, swerling: int) -> Any:
    """Pd for linear mean SNR ``snr`` and normalised threshold ``T = −ln Pfa``."""
    # Above 60 dB (Swerling 0) or 300 dB (1, 3) Pd is 1 in double precision for any
    # Pfa ≥ 1e-300; clamping keeps the formulas away from inf/inf and ncx2's NaN at huge nc.
    snr = np.minimum(snr, _SNR_CLAMP)
    if swerling == 0:
        # Marcum Q1(sqrt(2S), sqrt(2T)) = P(noncentral chi² with 2 dof, nc 2S > 2T).
        huge = snr > _SNR_CLAMP_SW0
        p = stats.ncx2.sf(2.0 * threshold, 2.0, 2.0 * np.minimum(snr, _SNR_CLAMP_SW0))
        return np.where(huge, 1.0, p)
    if swerling == 1:
        return np.exp(-threshold / (1.0 + snr))
    if swerling == 3:
        half = snr / 2.0
        return np.exp(-threshold / (1.0 + half)) * (1.0 + threshold * half / (1.0 + half) ** 2)
    raise ValueError(f"swerling must be one of {SUPPORTED_SWERLING}; got {swerling!r}")


def _by_swerling(swerling: ArrayLike, shape: tuple[int, ...]) -> list[tuple[int, Any]]:
    """Split an array of Swerling cases into (case, mask) pairs; raise on unsupported cases."""
    sw = np.asarray(swerling)
    if sw.dtype.kind not in "iuf":
        raise ValueError(f"swerling must be one of {SUPPORTED_SWERLING}; got {swerling!r}")
    cases = np.unique(sw)
    bad = [c for c in cases.tolist() if c not in SUPPORTED_SWERLING]
    if bad:
        raise ValueError(f"swerling must be one of {SUPPORTED_SWERLING}; got {bad[0]!r}")
    if sw.ndim == 0:
        return [(int(sw), None)]
    sw_b = np.broadcast_to(sw, shape)
    return [(int(c), sw_b == c) for c in cases]


def pd(snr_db: ArrayLike, pfa: ArrayLike, swerling: ArrayLike = 0) -> Any:
    """Exact single-look probability of detection for a square-law detector.

    ``T = −ln Pfa``, ``S`` the mean SNR (linear) over the target's fluctuation:

    * Swerling 0 (steady): ``Pd = Q₁(√(2S), √(2T))`` (Marcum Q);
    * Swerling 1 (Rayleigh, scan-to-scan): ``Pd = exp(−T/(1+S))``;
    * Swerling 3 (one dominant scatterer): ``Pd = exp(−T/(1+S/2))·(1 + T·(S/2)/(1+S/2)²)``.

    ``swerling`` may be an integer or an array of 0/1/3 that broadcasts with ``snr_db``; any
    other case raises ``ValueError``. At ``snr_db = −inf`` Pd equals Pfa.
    Worked (Pfa 1e-6, 13 dB): Sw0 0.874441, Sw1 0.517178, Sw3 0.608965.
    """
    snr = from_db(snr_db)
    threshold = -np.log(_f(pfa))
    shape = np.broadcast_shapes(snr.shape, threshold.shape, np.shape(swerling))
    groups = _by_swerling(swerling, shape)
    if len(groups) == 1 and groups[0][1] is None:
        snr_b, threshold_b = np.broadcast_arrays(snr, threshold)
        return _f(_pd_linear(snr_b, threshold_b, groups[0][0]))
    snr = np.broadcast_to(snr, shape)
    threshold = np.broadcast_to(threshold, shape)
    out = np.empty(shape, dtype=np.float64)
    for case, mask in groups:  # at most three cases, never a loop over targets
        out[mask] = _pd_linear(snr[mask], threshold[mask], case)
    return out


_BISECTION_LO_DB = -200.0
_BISECTION_HI_DB = 100.0
_BISECTION_STEPS = 64


def _snr_required_linear_db(p_d: FloatArray, p_fa: FloatArray, swerling: int) -> Any:
    if swerling == 1:
        # Pd = Pfa^(1/(1+S))  ⇒  S = ln Pfa / ln Pd − 1.
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.log(p_fa) / np.log(p_d) - 1.0
            return to_db(np.maximum(s, 0.0))
    if swerling not in (0, 3):
        raise ValueError(f"swerling must be one of {SUPPORTED_SWERLING}; got {swerling!r}")
    # Pd is strictly increasing in SNR: bisection on all elements at once.
    threshold = -np.log(p_fa)
    lo = np.full(p_d.shape, _BISECTION_LO_DB)
    hi = np.full(p_d.shape, _BISECTION_HI_DB)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        above = _pd_linear(from_db(mid), threshold, swerling) >= p_d
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return 0.5 * (lo + hi)


def snr_required_db(pd: ArrayLike, pfa: ArrayLike, swerling: ArrayLike = 0) -> Any:
    """Single-look SNR (dB) at which :func:`pd` equals ``pd``: the exact inverse of :func:`pd`.

    Closed form for Swerling 1; vectorised bisection (to double precision) for Swerling 0 and 3.
    ``pd <= pfa`` needs no signal (−inf dB); ``pd >= 1`` is unreachable (+inf dB).
    Worked (Pd 0.9, Pfa 1e-6): Sw0 13.1835 dB, Sw1 21.1436 dB, Sw3 17.2960 dB.
    """
    p_d, p_fa = np.broadcast_arrays(_f(pd), _f(pfa))
    shape = np.broadcast_shapes(p_d.shape, np.shape(swerling))
    p_d = np.broadcast_to(p_d, shape)
    p_fa = np.broadcast_to(p_fa, shape)
    out = np.empty(shape, dtype=np.float64)
    for case, mask in _by_swerling(swerling, shape):
        m = np.ones(shape, dtype=bool) if mask is None else mask
        out[m] = _snr_required_linear_db(p_d[m], p_fa[m], case)
    out = np.where(p_d <= p_fa, -np.inf, out)
    out = np.where(p_d >= 1.0, np.inf, out)
    out = np.where(np.isnan(p_d) | np.isnan(p_fa), np.nan, out)
    return out if out.ndim else out[()]


def cumulative_pd(pd_per_look: ArrayLike, axis: int = -1) -> Any:
    """Probability of at least one detection in independent looks: ``1 − Π(1 − Pd_i)``."""
    p = _f(pd_per_look)
    return 1.0 - np.prod(1.0 - p, axis=axis)
