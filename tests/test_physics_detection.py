"""Reference-value and property tests of openiads.physics.detection.

Authorities (MATLAB documentation outputs, the sdr package, physics.md worked values) are kept
verbatim in tests/authorities/detection_matlab.json with their provenance.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from openiads.physics import detection as det

AUTH = json.loads((Path(__file__).parent / "authorities" / "detection_matlab.json").read_text())
RANGES = json.loads((Path(__file__).parent / "authorities" / "horizon_and_ranges.json").read_text())


def _half_unit(decimals: int) -> float:
    """Half a unit in the last published decimal (the rounding of the authority)."""
    return 0.5 * 10.0 ** (-decimals)


# ---------------------------------------------------------------- radar range equations


def test_radar_equation_physics_md_1mw_40dbi_100km() -> None:
    case = AUTH["radar_equation"][0]
    freq_hz = det.SPEED_OF_LIGHT_MPS / case["wavelength_m"]  # the authority's lambda = 0.1 m
    snr_db = det.radar_equation_snr_db(
        case["peak_power_w"],
        case["gain_db"],
        freq_hz,
        case["rcs_m2"],
        case["range_m"],
        case["bandwidth_hz"],
        noise_figure_db=case["noise_figure_db"],
        losses_db=case["losses_db"],
        temperature_k=case["temperature_k"],
    )
    assert snr_db == pytest.approx(case["snr_db"], abs=_half_unit(case["decimals"]) + 1e-4)


def test_radar_equation_at_3ghz_exact_speed_of_light_is_6_mdb_lower() -> None:
    snr_db = det.radar_equation_snr_db(1e6, 40.0, 3e9, 1.0, 1e5, 1e6, 3.0, 6.0)
    shift_db = 20.0 * math.log10((det.SPEED_OF_LIGHT_MPS / 3e9) / 0.1)
    assert snr_db == pytest.approx(21.999 + shift_db, abs=1e-3)


@pytest.mark.parametrize("case", AUTH["radar_equation"][1:], ids=lambda c: c["name"])
def test_radar_equation_matlab_radareqpow(case: dict) -> None:
    snr_db = det.radar_equation_snr_db(
        case["peak_power_w"],
        case["gain_db"],
        case["freq_hz"],
        case["rcs_m2"],
        case["range_m"],
        case["bandwidth_hz"],
        noise_figure_db=case["noise_figure_db"],
        losses_db=case["losses_db"],
        temperature_k=case["temperature_k"],
    )
    # The power is published to 5 significant digits: ±5e-5 relative is ±0.0002 dB.
    assert snr_db == pytest.approx(case["snr_db"], abs=3e-4)


@pytest.mark.parametrize("case", AUTH["search_radar_equation"], ids=lambda c: c["name"])
def test_search_radar_equation_matlab(case: dict) -> None:
    omega_sr = det.solid_angle_sr(
        math.radians(case["az_deg"][1] - case["az_deg"][0]),
        math.radians(case["el_deg"][0]),
        math.radians(case["el_deg"][1]),
    )
    snr_db = det.search_radar_snr_db(
        case["pap_w_m2"],
        1.0,
        case["scan_time_s"],
        case["rcs_m2"],
        case["range_m"],
        omega_sr,
        case["system_temp_k"],
        losses_db=case["losses_db"],
    )
    tol_db = _half_unit(case["decimals"]) if "decimals" in case else 3e-4
    assert snr_db == pytest.approx(case["snr_db"], abs=tol_db + 1e-6)


def test_solid_angle_full_hemisphere_is_2pi() -> None:
    assert det.solid_angle_sr(2 * math.pi, 0.0, math.pi / 2) == pytest.approx(
        2 * math.pi, rel=1e-12, abs=0.0
    )


@pytest.mark.parametrize("case", RANGES["reference_range_km"], ids=lambda c: f"{c['rcs_m2']}m2")
def test_detection_range_physics_md_250km_at_5m2(case: dict) -> None:
    range_m = det.detection_range_m(case["rcs_m2"], case["ref_range_km"] * 1e3, case["ref_rcs_m2"])
    assert range_m == pytest.approx(case["range_km"] * 1e3, abs=5.0)


def test_reference_snr_is_ref_snr_at_detection_range_and_falls_40db_per_decade() -> None:
    ref_snr_db = 13.0
    r_m = det.detection_range_m(0.01, 250e3, 5.0)
    assert det.reference_snr_db(r_m, 0.01, 250e3, 5.0, ref_snr_db) == pytest.approx(
        ref_snr_db, abs=1e-9
    )
    snr_db = det.reference_snr_db(np.array([25e3, 250e3, 2500e3]), 5.0, 250e3, 5.0, ref_snr_db)
    np.testing.assert_allclose(snr_db, [53.0, 13.0, -27.0], atol=1e-9)


def test_reference_snr_matches_full_radar_equation_scaling() -> None:
    args = (1e6, 40.0, 3e9)
    full_db = det.radar_equation_snr_db(*args, 0.3, 77e3, 1e6)
    ref_db = det.radar_equation_snr_db(*args, 2.0, 150e3, 1e6)
    assert det.reference_snr_db(77e3, 0.3, 150e3, 2.0, ref_db) == pytest.approx(full_db, abs=1e-9)


# ---------------------------------------------------------------- empirical fits


@pytest.mark.parametrize("case", AUTH["albersheim"], ids=lambda c: f"pd{c['pd']}_n{c['n']}")
def test_albersheim_matlab(case: dict) -> None:
    snr_db = det.albersheim_snr_db(case["pd"], case["pfa"], case["n"])
    assert snr_db == pytest.approx(case["snr_db"], abs=1e-6)


@pytest.mark.parametrize("case", AUTH["shnidman"], ids=lambda c: f"sw{c['swerling']}")
def test_shnidman_matlab_pd09_pfa1e6(case: dict) -> None:
    snr_db = det.shnidman_snr_db(case["pd"], case["pfa"], case["n"], swerling=case["swerling"])
    assert snr_db == pytest.approx(case["snr_db"], abs=1e-6)


@pytest.mark.parametrize("swerling", [0, 1, 3])
@pytest.mark.parametrize("pd_target", [0.1, 0.3, 0.5, 0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("pfa", [1e-4, 1e-6, 1e-8])
def test_shnidman_close_to_exact_single_pulse(swerling: int, pd_target: float, pfa: float) -> None:
    # Observed departures of the fit from the exact single-pulse inverse on this grid: under
    # 0.19 dB for Swerling 0, up to 0.83 dB for Swerling 1 (Pd 0.1, Pfa 1e-4; the fit also
    # jumps by 0.37 dB at its Pd = 0.872 seam) and under 0.5 dB for Swerling 3.
    bound_db = {0: 0.2, 1: 0.9, 3: 0.5}[swerling]
    exact_db = det.snr_required_db(pd_target, pfa, swerling)
    shnidman_db = det.shnidman_snr_db(pd_target, pfa, 1, swerling)
    assert shnidman_db == pytest.approx(exact_db, abs=bound_db)


def test_shnidman_single_pulse_swerling_2_and_4_equal_1_and_3() -> None:
    # K = N for Swerling 2 and K = 2N for Swerling 4: with N = 1 they coincide with 1 and 3.
    pds = np.array([0.2, 0.5, 0.9, 0.95])
    for fast, slow in ((2, 1), (4, 3)):
        np.testing.assert_allclose(
            det.shnidman_snr_db(pds, 1e-6, 1, fast), det.shnidman_snr_db(pds, 1e-6, 1, slow)
        )


@pytest.mark.parametrize("pd_target", [0.5, 0.9])
@pytest.mark.parametrize("pfa", [1e-4, 1e-6])
def test_albersheim_linear_detector_close_to_square_law_exact(pd_target: float, pfa: float) -> None:
    # Linear and square-law detectors differ by < 0.2 dB for one pulse (Richards §6.2).
    exact_db = det.snr_required_db(pd_target, pfa, 0)
    assert det.albersheim_snr_db(pd_target, pfa) == pytest.approx(exact_db, abs=0.2)


def test_shnidman_rejects_unknown_swerling() -> None:
    with pytest.raises(ValueError, match="swerling"):
        det.shnidman_snr_db(0.9, 1e-6, 1, swerling=5)


# ---------------------------------------------------------------- exact Pd


@pytest.mark.parametrize(
    "case", AUTH["exact_pd"], ids=lambda c: f"sw{c['swerling']}_{c['snr_db']}dB_pfa{c['pfa']}"
)
def test_pd_exact_reference(case: dict) -> None:
    p = det.pd(case["snr_db"], case["pfa"], case["swerling"])
    assert p == pytest.approx(case["pd"], abs=_half_unit(case["decimals"]) + 1e-9)


@pytest.mark.parametrize("case", AUTH["exact_snr_required"], ids=lambda c: f"sw{c['swerling']}")
def test_snr_required_pd09_pfa1e6(case: dict) -> None:
    snr_db = det.snr_required_db(case["pd"], case["pfa"], case["swerling"])
    tol_db = _half_unit(case["decimals"]) if "decimals" in case else 1e-6
    assert snr_db == pytest.approx(case["snr_db"], abs=tol_db + 1e-9)


def _pd_by_integration(snr_db: float, pfa: float, swerling: int) -> float:
    """Independent check: average the steady-target Pd over the Swerling RCS distribution."""
    mean = 10.0 ** (snr_db / 10.0)
    threshold = -math.log(pfa)

    def steady(s: float) -> float:
        return float(stats.ncx2.sf(2 * threshold, 2, 2 * s)) if s > 0 else pfa

    if swerling == 1:  # exponential RCS (chi-square, 2 dof)
        density = stats.expon(scale=mean).pdf
    else:  # Swerling 3: chi-square with 4 dof, mean `mean`
        density = stats.gamma(a=2.0, scale=mean / 2.0).pdf
    value, _ = integrate.quad(lambda s: steady(s) * density(s), 0.0, 60.0 * mean, limit=400)
    return float(value)


def _marcum_q1_by_rice_integral(a: float, b: float) -> float:
    """Q1(a, b) = ∫_b^∞ x exp(−(x² + a²)/2) I0(a x) dx, integrated numerically (Rice density)."""

    def density(x: float) -> float:
        # exp(−(x−a)²/2) · i0e(a x) = exp(−(x² + a²)/2) · I0(a x), without overflow.
        return x * math.exp(-0.5 * (x - a) ** 2) * float(special.i0e(a * x))

    peak = max(a, b)
    value, _ = integrate.quad(density, b, peak + 40.0, limit=400, points=[peak])
    return float(value)


@pytest.mark.parametrize("snr_db", [0.0, 6.0, 10.0, 13.0, 16.0])
@pytest.mark.parametrize("pfa", [1e-3, 1e-6, 1e-9])
def test_pd_swerling0_matches_marcum_q_integral(snr_db: float, pfa: float) -> None:
    s = 10.0 ** (snr_db / 10.0)
    expected = _marcum_q1_by_rice_integral(math.sqrt(2 * s), math.sqrt(-2 * math.log(pfa)))
    assert det.pd(snr_db, pfa, 0) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("swerling", [1, 3])
@pytest.mark.parametrize("snr_db", [3.0, 13.0, 20.0])
def test_pd_fluctuating_matches_numerical_average_of_marcum_q(swerling: int, snr_db: float) -> None:
    expected = _pd_by_integration(snr_db, 1e-6, swerling)
    assert det.pd(snr_db, 1e-6, swerling) == pytest.approx(expected, abs=1e-7)


def test_pd_at_zero_signal_is_pfa_for_every_model() -> None:
    for swerling in (0, 1, 3):
        assert det.pd(-np.inf, 1e-5, swerling) == pytest.approx(1e-5, rel=1e-9, abs=0.0)


def test_pd_broadcasts_and_accepts_swerling_array() -> None:
    snr_db = np.array([[10.0], [13.0]])
    sw = np.array([0, 1, 3])
    p = det.pd(snr_db, 1e-6, sw)
    assert p.shape == (2, 3)
    for j, case in enumerate(sw):
        np.testing.assert_allclose(p[:, j], det.pd(snr_db[:, 0], 1e-6, int(case)), rtol=1e-14)


def test_pd_rejects_unsupported_swerling() -> None:
    for bad in (2, 4, 5):
        with pytest.raises(ValueError, match="swerling"):
            det.pd(10.0, 1e-6, bad)
    with pytest.raises(ValueError, match="swerling"):
        det.pd(np.array([10.0, 11.0]), 1e-6, np.array([0, 2]))


def test_pd_and_inverse_do_not_mutate_inputs() -> None:
    snr = np.array([1.0, 5.0, 12.0])
    pfa = np.array([1e-6, 1e-4, 1e-3])
    snr0, pfa0 = snr.copy(), pfa.copy()
    det.pd(snr, pfa, 0)
    det.snr_required_db(np.array([0.5, 0.9, 0.99]), pfa, 3)
    np.testing.assert_array_equal(snr, snr0)
    np.testing.assert_array_equal(pfa, pfa0)


def test_snr_required_edge_cases() -> None:
    out = det.snr_required_db(np.array([1e-7, 1e-6, 1.0]), 1e-6, 0)
    assert out[0] == -np.inf and out[1] == -np.inf and out[2] == np.inf


def test_cumulative_pd_scan_to_scan() -> None:
    looks = np.array([[0.5, 0.5, 0.5], [0.9, 0.0, 0.0]])
    np.testing.assert_allclose(det.cumulative_pd(looks), [0.875, 0.9], atol=1e-15)
    np.testing.assert_allclose(det.cumulative_pd(looks, axis=0), [0.95, 0.5, 0.5], atol=1e-15)


# ---------------------------------------------------------------- properties

pfas = st.floats(min_value=1e-10, max_value=1e-2)
snrs = st.floats(min_value=-20.0, max_value=40.0)
swerlings = st.sampled_from([0, 1, 3])


@settings(max_examples=60, deadline=None)
@given(snr_db=snrs, step_db=st.floats(min_value=0.05, max_value=10.0), pfa=pfas, sw=swerlings)
def test_property_pd_increases_with_snr(snr_db: float, step_db: float, pfa: float, sw: int) -> None:
    assert det.pd(snr_db + step_db, pfa, sw) >= det.pd(snr_db, pfa, sw)


@settings(max_examples=60, deadline=None)
@given(snr_db=snrs, pfa=pfas, factor=st.floats(min_value=1.5, max_value=100.0), sw=swerlings)
def test_property_pd_increases_with_pfa(snr_db: float, pfa: float, factor: float, sw: int) -> None:
    assert det.pd(snr_db, pfa * factor, sw) >= det.pd(snr_db, pfa, sw)


@settings(max_examples=60, deadline=None)
@given(pd_target=st.floats(min_value=0.01, max_value=0.999), pfa=pfas, sw=swerlings)
def test_property_snr_required_inverts_pd(pd_target: float, pfa: float, sw: int) -> None:
    if pd_target <= pfa:
        return
    snr_db = det.snr_required_db(pd_target, pfa, sw)
    assert det.pd(snr_db, pfa, sw) == pytest.approx(pd_target, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(snr_db=snrs, pfa=pfas, sw=swerlings)
def test_property_pd_inverts_snr_required(snr_db: float, pfa: float, sw: int) -> None:
    p = float(det.pd(snr_db, pfa, sw))
    if not pfa * 1.001 < p < 1.0 - 1e-9:
        return  # flat ends: SNR is not identifiable from Pd in floating point
    assert det.snr_required_db(p, pfa, sw) == pytest.approx(snr_db, abs=1e-4)


def test_snr_required_vectorised_matches_scalar_calls() -> None:
    pds = np.linspace(0.1, 0.99, 7)
    vec = det.snr_required_db(pds, 1e-6, 3)
    one = [float(det.snr_required_db(p, 1e-6, 3)) for p in pds]
    np.testing.assert_allclose(vec, one, atol=1e-12)


def test_pd_extreme_snr_is_one_without_warnings() -> None:
    # Range 0 in the reference form gives +inf dB; ncx2 alone returns NaN at huge nc.
    snr_db = np.array([59.9, 60.1, 200.0, np.inf])
    for sw in (0, 1, 3):
        p = det.pd(snr_db, np.array([1e-6, 1e-12, 0.5, 1e-6]), sw)
        np.testing.assert_allclose(p, 1.0, atol=1e-4)
        assert p[2] == 1.0 and p[3] == 1.0
    # Swerling 0 just above and below the 60 dB clamp, at the most extreme threshold.
    assert det.pd(np.array([59.9, 60.1]), 1e-300, 0) == pytest.approx(1.0, abs=1e-12)


def test_nan_in_nan_out() -> None:
    assert np.isnan(det.pd(np.nan, 1e-6, 0))
    assert np.isnan(det.snr_required_db(np.nan, 1e-6, 3))
    assert np.isnan(det.snr_required_db(0.9, np.nan, 1))
