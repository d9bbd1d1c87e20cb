"""Tests of openiads.physics.earth: horizon worked values, exact geometry, WGS-84 geodesy."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openiads.physics import earth

RANGES = json.loads((Path(__file__).parent / "authorities" / "horizon_and_ranges.json").read_text())

# WGS-84 defining constants (NIMA TR8350.2), for the hand-written ECEF check below.
WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563


@pytest.mark.parametrize(
    "case", RANGES["radar_horizon_km"], ids=lambda c: f"{c['h_radar_m']}m_{c['h_target_m']}m"
)
def test_radar_horizon_physics_md(case: dict) -> None:
    d_m = earth.radar_horizon_m(case["h_radar_m"], case["h_target_m"])
    # The worked values are rounded to 10 m; physics.md promises agreement within 0.1 %.
    assert d_m == pytest.approx(case["horizon_km"] * 1e3, abs=5.0 + 1e-6)


def test_radar_horizon_4_12_km_rule_of_thumb() -> None:
    # d ≈ 4.12 (√h_r + √h_t) km with heights in metres (Skolnik §8.2).
    d_m = earth.radar_horizon_m(100.0, 0.0)
    assert d_m == pytest.approx(4.12e3 * 10.0, rel=2e-3, abs=0.0)


def test_effective_radius_four_thirds() -> None:
    assert earth.effective_earth_radius_m() == pytest.approx(8_494_666.67, abs=0.01)


def test_horizon_clips_negative_heights_and_broadcasts() -> None:
    h = np.array([-5.0, 0.0, 100.0])
    d = earth.radar_horizon_m(h[:, None], np.array([0.0, 100.0]))
    assert d.shape == (3, 2)
    assert d[0, 0] == 0.0 and d[1, 0] == 0.0
    assert d[2, 0] == pytest.approx(d[1, 1], rel=1e-15, abs=0.0)
    np.testing.assert_array_equal(h, [-5.0, 0.0, 100.0])


@settings(max_examples=50, deadline=None)
@given(
    h1=st.floats(min_value=-100.0, max_value=30_000.0),
    h2=st.floats(min_value=-100.0, max_value=30_000.0),
    k=st.floats(min_value=0.5, max_value=4.0),
)
def test_property_horizon_symmetric(h1: float, h2: float, k: float) -> None:
    assert earth.radar_horizon_m(h1, h2, k) == earth.radar_horizon_m(h2, h1, k)


def test_curvature_drop_100km() -> None:
    # 100 km over a 4/3 earth: 1e10 / (2 · 8 494 666.67) = 588.605 m.
    assert earth.curvature_drop_m(100e3) == pytest.approx(588.605, abs=0.001)
    assert earth.curvature_drop_m(100e3, k=1.0) == pytest.approx(1e10 / (2 * 6_371_000.0), abs=1e-6)


def test_smooth_earth_visible_at_and_beyond_horizon() -> None:
    d_m = earth.radar_horizon_m(25.0, 100.0)
    vis = earth.smooth_earth_visible(np.array([0.0, d_m - 1.0, d_m + 1.0]), 25.0, 100.0)
    np.testing.assert_array_equal(vis, [True, True, False])


def test_min_visible_height_inverts_horizon() -> None:
    d = np.array([10e3, 43.18e3, 200e3])
    h = earth.min_visible_height_m(d, 25.0)
    assert h[0] == 0.0
    np.testing.assert_allclose(earth.radar_horizon_m(25.0, h[1:]), d[1:], rtol=1e-12)


def test_apparent_elevation_hand_computed() -> None:
    # Radar at sea level, target at 10 km height, 100 km ground range over R' = 8 494 666.67 m:
    # θ = d / R'; x = (R'+h) sin θ; z = (R'+h) cos θ − R'; elevation atan2(z, x).
    r_eff = 6_371_000.0 * 4.0 / 3.0
    theta = 100e3 / r_eff
    x = (r_eff + 10e3) * math.sin(theta)
    z = (r_eff + 10e3) * math.cos(theta) - r_eff
    assert earth.apparent_elevation_rad(100e3, 0.0, 10e3) == pytest.approx(
        math.atan2(z, x), abs=1e-12
    )
    # The flat-earth estimate with the curvature drop is within 0.2 mrad here.
    flat = math.atan2(10e3 - earth.curvature_drop_m(100e3), 100e3)
    assert earth.apparent_elevation_rad(100e3, 0.0, 10e3) == pytest.approx(flat, abs=2e-4)


def test_apparent_elevation_zero_at_tangent_point() -> None:
    # A target at the radar's tangent point (exact sphere) is seen at 0 elevation:
    # ground range R' acos(R'/(R'+h_r)) and target height (R'+h_r)/cos θ − R'.
    r_eff = earth.effective_earth_radius_m()
    h_r = 1000.0
    theta = 0.03
    h_t = (r_eff + h_r) / math.cos(theta) - r_eff
    assert earth.apparent_elevation_rad(theta * r_eff, h_r, h_t) == pytest.approx(0.0, abs=1e-12)
    # Directly overhead is +90°.
    assert earth.apparent_elevation_rad(0.0, 0.0, 5000.0) == pytest.approx(math.pi / 2, abs=1e-12)


# ---------------------------------------------------------------- geodesy


def _ecef_m(lat_deg: float, lon_deg: float, h_m: float) -> np.ndarray:
    """WGS-84 geodetic → ECEF, written out from the textbook formula (independent of pymap3d)."""
    e2 = WGS84_F * (2.0 - WGS84_F)
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    n = WGS84_A_M / math.sqrt(1.0 - e2 * math.sin(lat) ** 2)
    return np.array(
        [
            (n + h_m) * math.cos(lat) * math.cos(lon),
            (n + h_m) * math.cos(lat) * math.sin(lon),
            (n * (1.0 - e2) + h_m) * math.sin(lat),
        ]
    )


def _enu_by_hand(lat, lon, h, lat0, lon0, h0) -> np.ndarray:
    d = _ecef_m(lat, lon, h) - _ecef_m(lat0, lon0, h0)
    p, lam = math.radians(lat0), math.radians(lon0)
    rot = np.array(
        [
            [-math.sin(lam), math.cos(lam), 0.0],
            [-math.sin(p) * math.cos(lam), -math.sin(p) * math.sin(lam), math.cos(p)],
            [math.cos(p) * math.cos(lam), math.cos(p) * math.sin(lam), math.sin(p)],
        ]
    )
    return rot @ d


def test_geodetic_to_enu_equator_one_degree_east_by_hand() -> None:
    # On the equator, 1° east at zero height: e = a sin 1°, n = 0, u = a cos 1° − a.
    e, n, u = earth.geodetic_to_enu(0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    assert e == pytest.approx(WGS84_A_M * math.sin(math.radians(1.0)), abs=1e-6)
    assert n == pytest.approx(0.0, abs=1e-6)
    assert u == pytest.approx(WGS84_A_M * (math.cos(math.radians(1.0)) - 1.0), abs=1e-6)


def test_geodetic_to_enu_hormuz_against_hand_ecef() -> None:
    lat = np.array([25.30, 25.90, 26.90])
    lon = np.array([56.40, 57.20, 58.20])
    alt = np.array([17_983.0, 18_000.0, 30.0])
    e, n, u = earth.geodetic_to_enu(lat, lon, alt, 26.20, 57.10, 20.0)
    for i in range(3):
        ref = _enu_by_hand(lat[i], lon[i], alt[i], 26.20, 57.10, 20.0)
        np.testing.assert_allclose([e[i], n[i], u[i]], ref, atol=1e-4)


def test_geodetic_enu_round_trip_and_no_mutation() -> None:
    rng = np.random.default_rng(7)
    lat = rng.uniform(-80, 80, 200)
    lon = rng.uniform(-180, 180, 200)
    alt = rng.uniform(-100, 30_000, 200)
    lat0, lon0, alt0 = 35.7, 51.4, 1200.0
    # Keep targets within ~1000 km of the origin: the local frame's home ground.
    lat = lat0 + (lat - lat0) * 0.05
    lon = lon0 + (lon - lon0) * 0.05
    before = lat.copy(), lon.copy(), alt.copy()
    e, n, u = earth.geodetic_to_enu(lat, lon, alt, lat0, lon0, alt0)
    enu_before = e.copy(), n.copy(), u.copy()
    lat2, lon2, alt2 = earth.enu_to_geodetic(e, n, u, lat0, lon0, alt0)
    np.testing.assert_allclose(lat2, lat, atol=1e-9)
    np.testing.assert_allclose(lon2, lon, atol=1e-9)
    np.testing.assert_allclose(alt2, alt, atol=1e-4)
    for got, want in zip((lat, lon, alt, e, n, u), before + enu_before, strict=True):
        np.testing.assert_array_equal(got, want)


def test_enu_to_aer_does_not_mutate_tiny_inputs() -> None:
    e = np.array([1e-4, 100.0, -3.0])
    n = np.array([2e-4, 0.0, -4.0])
    u = np.array([5e-4, 0.0, 0.0])
    before = e.copy(), n.copy(), u.copy()
    r, az, _el = earth.enu_to_aer(e, n, u)
    for got, want in zip((e, n, u), before, strict=True):
        np.testing.assert_array_equal(got, want)
    assert r[0] == pytest.approx(math.sqrt(1e-8 + 4e-8 + 25e-8), rel=1e-12, abs=0.0)
    assert az[1] == pytest.approx(math.pi / 2, abs=1e-15)
    assert r[2] == pytest.approx(5.0, abs=1e-12)
    assert az[2] == pytest.approx(math.pi + math.atan2(3.0, 4.0), abs=1e-12)


def test_enu_to_aer_matches_pymap3d() -> None:
    rng = np.random.default_rng(3)
    e, n, u = rng.normal(0, 1e5, (3, 100))
    r, az, el = earth.enu_to_aer(e, n, u)
    az_p, el_p, r_p = pymap3d.enu2aer(e.copy(), n.copy(), u.copy(), deg=False)
    np.testing.assert_allclose(r, r_p, rtol=1e-14)
    np.testing.assert_allclose(az, az_p, atol=1e-12)
    np.testing.assert_allclose(el, el_p, atol=1e-12)


def test_azimuth_in_half_open_range() -> None:
    _, az, _ = earth.enu_to_aer(np.array([-1e-300, 0.0, -1.0]), np.array([1.0, 1.0, 1e-300]), 0.0)
    assert np.all(az >= 0.0) and np.all(az < 2 * math.pi)


@settings(max_examples=60, deadline=None)
@given(
    r=st.floats(min_value=1.0, max_value=1e6),
    az=st.floats(min_value=0.0, max_value=2 * math.pi, exclude_max=True),
    el=st.floats(min_value=-1.5, max_value=1.5),
)
def test_property_aer_round_trip(r: float, az: float, el: float) -> None:
    e, n, u = earth.aer_to_enu(r, az, el)
    r2, az2, el2 = earth.enu_to_aer(e, n, u)
    assert r2 == pytest.approx(r, rel=1e-12, abs=1e-9)
    assert el2 == pytest.approx(el, abs=1e-9)
    daz = (az2 - az + math.pi) % (2 * math.pi) - math.pi
    assert daz == pytest.approx(0.0, abs=1e-9 / max(math.cos(el), 1e-3))
