"""Tests of openiads.physics.kinematics: routes, fly-out model, intercept point, envelope, PN."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openiads.physics import kinematics as kin

INF = np.inf


# ---------------------------------------------------------------- routes


def _two_routes() -> tuple[np.ndarray, np.ndarray]:
    times = np.array([[0.0, 10.0, 30.0], [5.0, 15.0, INF]])
    pts = np.array(
        [
            [[0.0, 0.0, 100.0], [1000.0, 0.0, 100.0], [1000.0, 4000.0, 500.0]],
            [[0.0, 0.0, 0.0], [0.0, -2000.0, 0.0], [np.nan, np.nan, np.nan]],
        ]
    )
    return times, pts


def test_interpolate_routes_mid_leg_and_velocity() -> None:
    times, pts = _two_routes()
    pos, vel, started, finished = kin.interpolate_routes(20.0, times, pts)
    np.testing.assert_allclose(pos[0], [1000.0, 2000.0, 300.0])
    np.testing.assert_allclose(vel[0], [0.0, 200.0, 20.0])
    np.testing.assert_allclose(pos[1], [0.0, -2000.0, 0.0])
    np.testing.assert_array_equal(vel[1], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(started, [True, True])
    np.testing.assert_array_equal(finished, [False, True])


def test_interpolate_routes_before_start_and_after_end() -> None:
    times, pts = _two_routes()
    pos, vel, started, finished = kin.interpolate_routes(2.0, times, pts)
    np.testing.assert_allclose(pos[1], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(vel[1], 0.0)
    assert started.tolist() == [True, False] and finished.tolist() == [False, False]
    np.testing.assert_allclose(vel[0], [100.0, 0.0, 0.0])
    pos, vel, started, finished = kin.interpolate_routes(99.0, times, pts)
    np.testing.assert_allclose(pos[0], [1000.0, 4000.0, 500.0])
    assert finished.all() and started.all()
    np.testing.assert_array_equal(vel, 0.0)


def test_interpolate_routes_nan_padding_and_per_object_time() -> None:
    times, pts = _two_routes()
    times[1, 2] = np.nan
    pos, _, _, _ = kin.interpolate_routes(np.array([5.0, 10.0]), times, pts)
    np.testing.assert_allclose(pos, [[500.0, 0.0, 100.0], [0.0, -1000.0, 0.0]])


def test_interpolate_routes_single_waypoint_and_no_mutation() -> None:
    times = np.array([[3.0, INF]])
    pts = np.array([[[1.0, 2.0, 3.0], [np.nan] * 3]])
    t0, p0 = times.copy(), pts.copy()
    for t in (0.0, 3.0, 9.0):
        pos, vel, _, _ = kin.interpolate_routes(t, times, pts)
        np.testing.assert_array_equal(pos[0], [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(vel[0], 0.0)
    np.testing.assert_array_equal(times, t0)
    np.testing.assert_array_equal(pts, p0)


def test_interpolate_routes_matches_per_object_numpy_interp() -> None:
    rng = np.random.default_rng(11)
    n, k = 50, 6
    legs = rng.uniform(1.0, 20.0, (n, k - 1))
    times = np.concatenate([np.zeros((n, 1)), np.cumsum(legs, axis=1)], axis=1)
    pts = rng.normal(0.0, 1e4, (n, k, 3))
    for t in (0.0, 13.7, 42.0, 200.0):
        pos, _, _, _ = kin.interpolate_routes(t, times, pts)
        for i in range(n):  # reference only: the function under test has no such loop
            ref = [np.interp(t, times[i], pts[i, :, c]) for c in range(3)]
            np.testing.assert_allclose(pos[i], ref, atol=1e-8)


def test_waypoint_times_from_leg_speeds() -> None:
    pts = np.array([[0.0, 0.0, 0.0], [3000.0, 4000.0, 0.0], [3000.0, 4000.0, 1000.0]])
    np.testing.assert_allclose(kin.waypoint_times_s(pts, [250.0, 100.0], 60.0), [60, 80, 90])
    # Speeds per waypoint: the last one is unused.
    np.testing.assert_allclose(kin.waypoint_times_s(pts, [250.0, 100.0, 7.0]), [0, 20, 30])
    with pytest.raises(ValueError, match="positive"):
        kin.waypoint_times_s(pts, [250.0, 0.0])


# ---------------------------------------------------------------- fly-out model

MISSILES = [
    (1000.0, 2000.0, 200e3),  # long-range SAM class
    (700.0, 850.0, 12e3),  # short-range SAM class
    (500.0, 2000.0, 40e3),  # heavily drag-limited
    (1900.0, 2000.0, 200e3),  # nearly constant speed
    (1000.0, 1000.0, 50e3),  # constant speed (no boost, no drag)
]


@pytest.mark.parametrize("missile", MISSILES, ids=lambda m: f"{m[0]:.0f}_{m[1]:.0f}_{m[2]:.0f}")
def test_flyout_mean_speed_to_max_range_is_average_speed(missile: tuple) -> None:
    v_avg, _v_max, r_max = missile
    t_max = r_max / v_avg
    assert kin.flyout_distance_m(t_max, *missile) == pytest.approx(r_max, rel=1e-9, abs=1e-6)
    assert kin.time_of_flight_s(r_max, *missile) == pytest.approx(t_max, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("missile", MISSILES, ids=lambda m: f"{m[0]:.0f}_{m[1]:.0f}_{m[2]:.0f}")
def test_flyout_speed_is_derivative_and_never_exceeds_max(missile: tuple) -> None:
    v_avg, v_max, r_max = missile
    t = np.linspace(0.0, r_max / v_avg, 2001)
    d = kin.flyout_distance_m(t, *missile)
    v = kin.flyout_speed_mps(t, *missile)
    assert np.all(np.diff(d) >= 0.0)
    assert np.all(v <= v_max * (1 + 1e-12)) and np.all(v >= 0.0)
    # Trapezoid integral of speed reproduces distance (the boost kink limits accuracy).
    integral = np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * np.diff(t))])
    np.testing.assert_allclose(integral, d, atol=2e-4 * r_max)


def test_flyout_hand_computed_boost_phase() -> None:
    # 20 g boost to 2000 m/s: t_b = 2000 / 196.133 = 10.197 s, 10.197 km flown at burn-out.
    t_b, _, _ = kin.flyout_profile(1000.0, 2000.0, 200e3)
    assert t_b == pytest.approx(2000.0 / (20 * 9.80665), abs=1e-9)
    assert kin.flyout_distance_m(5.0, 1000.0, 2000.0, 200e3) == pytest.approx(
        0.5 * 20 * 9.80665 * 25.0, abs=1e-9
    )
    assert kin.flyout_distance_m(t_b, 1000.0, 2000.0, 200e3) == pytest.approx(
        1000.0 * t_b, abs=1e-6
    )


def test_flyout_drag_satisfies_coast_equation() -> None:
    # The fitted drag c solves ln(1 + c V τ)/c = R_max − V t_b / 2 with τ = T − t_b.
    v_avg, v_max, r_max = 1000.0, 2000.0, 200e3
    t_b, c, t_max = kin.flyout_profile(v_avg, v_max, r_max)
    coast = math.log1p(c * v_max * (t_max - t_b)) / c
    assert coast == pytest.approx(r_max - 0.5 * v_max * t_b, abs=1e-6)
    assert c > 0.0


def test_flyout_beyond_reach() -> None:
    m = (1000.0, 2000.0, 200e3)
    assert np.isnan(kin.flyout_distance_m(200.1, *m))
    assert kin.time_of_flight_s(200.1e3, *m) == np.inf
    assert np.isnan(kin.time_of_flight_s(-1.0, *m))
    assert kin.flyout_distance_m(-3.0, *m) == 0.0


def test_flyout_rejects_average_faster_than_max() -> None:
    with pytest.raises(ValueError, match="avg_speed"):
        kin.flyout_profile(1200.0, 1000.0, 10e3)


@settings(max_examples=60, deadline=None)
@given(
    v_avg=st.floats(min_value=100.0, max_value=2000.0),
    ratio=st.floats(min_value=1.0, max_value=4.0),
    r_max=st.floats(min_value=2e3, max_value=400e3),
    frac=st.floats(min_value=0.0, max_value=1.0),
)
def test_property_time_of_flight_inverts_distance(
    v_avg: float, ratio: float, r_max: float, frac: float
) -> None:
    missile = (v_avg, v_avg * ratio, r_max)
    t = frac * r_max / v_avg
    d = kin.flyout_distance_m(t, *missile)
    assert kin.time_of_flight_s(d, *missile) == pytest.approx(t, rel=1e-7, abs=1e-6)


# ---------------------------------------------------------------- intercept point


def test_pip_head_on_constant_speed_hand_computed() -> None:
    # Constant-speed missile (avg = max): d(t) = V t. Head-on at x0 closing at u:
    # x0 − u t = V t  ⇒  t = x0 / (V + u) = 60 000 / 1300 = 46.1538 s.
    pip, tof, ok = kin.predicted_intercept_point(
        [0.0, 0.0, 0.0], [[60e3, 0.0, 0.0]], [[-300.0, 0.0, 0.0]], 1000.0, 1000.0, 100e3
    )
    assert ok[0]
    assert tof[0] == pytest.approx(60e3 / 1300.0, abs=1e-6)
    np.testing.assert_allclose(pip[0], [1000.0 * 60e3 / 1300.0, 0.0, 0.0], atol=1e-3)


def test_pip_crossing_constant_speed_hand_computed() -> None:
    # Target at (0, y0) flying east at u; (V t)² = y0² + (u t)²  ⇒  t = y0 / √(V² − u²).
    y0, u, v = 30e3, 250.0, 800.0
    pip, tof, ok = kin.predicted_intercept_point(
        np.array([0.0, 0.0, 0.0]), [[0.0, y0, 0.0]], [[u, 0.0, 0.0]], v, v, 60e3
    )
    t = y0 / math.sqrt(v * v - u * u)
    assert ok[0]
    assert tof[0] == pytest.approx(t, abs=1e-6)
    np.testing.assert_allclose(pip[0], [u * t, y0, 0.0], atol=1e-3)


def test_pip_full_profile_consistent_with_time_of_flight() -> None:
    rng = np.random.default_rng(5)
    n = 300
    launcher = np.array([1000.0, -2000.0, 50.0])
    p = np.column_stack(
        [rng.uniform(-150e3, 150e3, n), rng.uniform(-150e3, 150e3, n), rng.uniform(30, 20e3, n)]
    )
    vel = rng.normal(0.0, 250.0, (n, 3)) * np.array([1.0, 1.0, 0.05])
    pip, tof, ok = kin.predicted_intercept_point(launcher, p, vel, 1000.0, 2000.0, 200e3)
    assert ok.sum() > 100
    dist = np.linalg.norm(pip[ok] - launcher, axis=1)
    np.testing.assert_allclose(
        kin.time_of_flight_s(dist, 1000.0, 2000.0, 200e3), tof[ok], rtol=1e-9, atol=1e-6
    )
    np.testing.assert_allclose(pip[ok], p[ok] + vel[ok] * tof[ok, None], atol=1e-6)
    assert np.all(np.isnan(pip[~ok])) and np.all(tof[~ok] == np.inf)


def test_pip_is_the_first_root_by_dense_scan() -> None:
    # A target that will pass close to the launcher after being out of reach: brute force.
    launcher = np.zeros(3)
    p = np.array([[120e3, 5e3, 8e3], [40e3, -60e3, 3e3]])
    vel = np.array([[-600.0, 0.0, 0.0], [0.0, 400.0, 0.0]])
    missile = (900.0, 1800.0, 90e3)
    _, tof, ok = kin.predicted_intercept_point(launcher, p, vel, *missile)
    t = np.linspace(0.0, missile[2] / missile[0], 200_001)
    for i in range(2):
        gap = kin.flyout_distance_m(t, *missile) - np.linalg.norm(
            p[i] + vel[i] * t[:, None], axis=1
        )
        first = t[np.argmax(gap >= 0.0)]
        assert ok[i]
        assert tof[i] == pytest.approx(first, abs=t[1] - t[0])


def test_pip_infeasible_receding_target() -> None:
    _, tof, ok = kin.predicted_intercept_point(
        [0.0, 0.0, 0.0], [[150e3, 0.0, 10e3]], [[400.0, 0.0, 0.0]], 1000.0, 2000.0, 200e3
    )
    assert not ok[0] and tof[0] == np.inf


def test_pip_per_engagement_missiles_and_no_mutation() -> None:
    p = np.array([[20e3, 0.0, 1e3], [20e3, 0.0, 1e3]])
    vel = np.array([[-200.0, 0.0, 0.0], [-200.0, 0.0, 0.0]])
    p0, v0 = p.copy(), vel.copy()
    _, tof, ok = kin.predicted_intercept_point(
        np.zeros(3), p, vel, np.array([500.0, 1000.0]), np.array([900.0, 2000.0]), 40e3
    )
    assert ok.all() and tof[1] < tof[0]
    np.testing.assert_array_equal(p, p0)
    np.testing.assert_array_equal(vel, v0)


# ---------------------------------------------------------------- envelope, PN


def test_in_envelope_bounds_inclusive_and_nan_false() -> None:
    kw = dict(
        min_range_m=3e3,
        max_range_m=200e3,
        min_alt_m=10.0,
        max_alt_m=27e3,
        max_tof_s=250.0,
        max_target_speed_mps=4800.0,
    )
    r = np.array([3e3, 200e3, 2.9e3, 100e3, 100e3, 100e3, np.nan])
    h = np.array([10.0, 27e3, 500.0, 5.0, 500.0, 500.0, 500.0])
    tof = np.array([1.0, 250.0, 1.0, 1.0, 251.0, 1.0, 1.0])
    spd = np.array([300.0, 4800.0, 300.0, 300.0, 300.0, 5000.0, 300.0])
    out = kin.in_envelope(r, h, tof, spd, **kw)
    np.testing.assert_array_equal(out, [True, True, False, False, False, False, False])


def test_pn_acceleration_physics_md_n4() -> None:
    a = kin.pn_acceleration_mps2(4.0, 1500.0, 0.02)
    assert a == pytest.approx(120.0, abs=1e-12)
    assert a / 9.80665 == pytest.approx(12.2, abs=0.05)
