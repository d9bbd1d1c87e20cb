"""Kinematics at mission level: routes, interceptor fly-out, intercept point, envelope, PN.

Everything is vectorised over objects (no Python loop over targets or missiles), in SI units
(m, s, m/s, rad) in the local east-north-up frame, and never modifies its inputs. See
docs/models/kinematics-and-intercept.md for the equations, the assumptions and the sources.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from openiads.physics._kernels import bisect_intercept

__all__ = [
    "DEFAULT_BOOST_ACCEL_MPS2",
    "flyout_distance_m",
    "flyout_profile",
    "flyout_speed_mps",
    "in_envelope",
    "interpolate_routes",
    "pn_acceleration_mps2",
    "predicted_intercept_point",
    "time_of_flight_s",
    "waypoint_times_s",
]

FloatArray = NDArray[np.float64]

#: Boost acceleration assumed when the catalog gives none: 20 g. ASSUMPTION (order of
#: magnitude of solid-rocket SAM boost phases; the fly-out model is insensitive to it because
#: the coast drag is fitted so that the average speed to maximum range stays as published).
DEFAULT_BOOST_ACCEL_MPS2 = 20.0 * 9.80665


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Routes


def waypoint_times_s(points_enu: ArrayLike, speeds_mps: ArrayLike, t0_s: ArrayLike = 0.0) -> Any:
    """Time at each waypoint of a route flown at constant speed along straight legs.

    ``points_enu`` has shape ``(..., K, 3)``; ``speeds_mps`` either ``(..., K-1)`` (one speed
    per leg) or ``(..., K)`` (a speed at each waypoint, applying to the leg that leaves it; the
    last one is ignored). Leg lengths are 3-D (slant) distances. Returns ``(..., K)`` with
    ``times[..., 0] = t0_s``. NaN points (padding) give NaN times. Speeds must be positive.
    """
    pts = _f(points_enu)
    if pts.ndim < 2 or pts.shape[-1] != 3:
        raise ValueError(f"points_enu must have shape (..., K, 3); got {pts.shape}")
    k = pts.shape[-2]
    spd = _f(speeds_mps)
    if spd.shape[-1:] == (k,) and k > 1:
        spd = spd[..., :-1]
    elif spd.ndim == 0:
        spd = np.full((*pts.shape[:-2], k - 1), float(spd))
    if k > 1 and spd.shape[-1] != k - 1:
        raise ValueError(f"speeds_mps must have K-1 = {k - 1} or K = {k} values per route")
    if np.any(spd <= 0.0):
        raise ValueError("speeds_mps must be positive")
    legs_m = np.linalg.norm(np.diff(pts, axis=-2), axis=-1)
    dt = legs_m / spd
    zero = np.zeros((*dt.shape[:-1], 1))
    return _f(t0_s)[..., None] + np.concatenate([zero, np.cumsum(dt, axis=-1)], axis=-1)


def interpolate_routes(
    t_s: ArrayLike, times_s: ArrayLike, points_enu: ArrayLike
) -> tuple[Any, Any, Any, Any]:
    """Positions and velocities of many objects on piecewise-linear routes at time ``t_s``.

    ``times_s`` is ``(N, K)``: waypoint times, increasing, padded with +inf or NaN after each
    object's last waypoint (every object needs at least one finite time). ``points_enu`` is
    ``(N, K, 3)``. ``t_s`` is a scalar or ``(N,)``.

    Returns ``pos (N, 3)``, ``vel (N, 3)``, ``started (N,)``, ``finished (N,)``. Before the
    first waypoint time the object is at its first point, not started, velocity zero; at or
    after its last waypoint time it is at its last point, finished, velocity zero. Between
    waypoints the velocity is the leg's constant velocity.
    """
    times = _f(times_s)
    pts = _f(points_enu)
    if times.ndim != 2 or pts.shape != (*times.shape, 3):
        raise ValueError(
            f"times_s must be (N, K) and points_enu (N, K, 3); got {times.shape}, {pts.shape}"
        )
    n_obj, _ = times.shape
    t = np.broadcast_to(_f(t_s), (n_obj,))
    valid = np.isfinite(times)
    n_valid = valid.sum(axis=1)
    if np.any(n_valid == 0):
        raise ValueError("every route needs at least one finite waypoint time")
    rows = np.arange(n_obj)
    last = n_valid - 1
    passed = np.sum(valid & (times <= t[:, None]), axis=1)
    i = np.clip(passed - 1, 0, np.maximum(last - 1, 0))
    j = np.minimum(i + 1, last)
    t0, t1 = times[rows, i], times[rows, j]
    p0, p1 = pts[rows, i], pts[rows, j]
    dt = t1 - t0
    moving = dt > 0.0
    safe_dt = np.where(moving, dt, 1.0)
    frac = np.where(moving, np.clip((t - t0) / safe_dt, 0.0, 1.0), 0.0)
    pos = p0 + frac[:, None] * (p1 - p0)
    started = t >= times[:, 0]
    finished = t >= times[rows, last]
    flying = started & ~finished & moving
    vel = np.where(flying[:, None], (p1 - p0) / safe_dt[:, None], 0.0)
    return pos, vel, started, finished


# --------------------------------------------------------------------------------------------
# Interceptor fly-out: boost at constant acceleration, then a drag-limited coast


def flyout_profile(
    avg_speed_mps: ArrayLike,
    max_speed_mps: ArrayLike,
    max_range_m: ArrayLike,
    *,
    boost_accel_mps2: ArrayLike = DEFAULT_BOOST_ACCEL_MPS2,
) -> tuple[Any, Any, Any]:
    """Parameters of the fly-out model: ``(boost_time_s, drag_per_m, max_tof_s)``.

    Model (docs/models/kinematics-and-intercept.md): the missile accelerates uniformly from 0 to
    ``V = max_speed_mps`` in ``t_b = V / a``, then coasts under quadratic drag
    ``dv/dt = −c v²`` (constant air density, no gravity), so ``v = V / (1 + c V τ)`` and
    ``s = ln(1 + c V τ) / c`` after ``τ`` seconds of coast. ``c`` (1/m) is chosen so that the
    missile reaches ``max_range_m`` at ``T = max_range_m / avg_speed_mps``: its mean speed over
    a maximum-range shot is the published average speed. ``t_b`` is shortened where needed so
    that the boost covers at most half the maximum range and the fit exists
    (``t_b ≤ 2T(1 − V̄/V)``; at that limit ``c = 0`` and the coast is at constant speed).
    Requires ``0 < avg_speed ≤ max_speed`` and ``max_range > 0``.
    """
    v_avg = _f(avg_speed_mps)
    v_max = _f(max_speed_mps)
    r_max = _f(max_range_m)
    accel = _f(boost_accel_mps2)
    if np.any(~(v_avg > 0.0)) or np.any(~(r_max > 0.0)) or np.any(~(accel > 0.0)):
        raise ValueError("avg_speed_mps, max_range_m and boost_accel_mps2 must be positive")
    if np.any(v_avg > v_max):
        raise ValueError("avg_speed_mps must not exceed max_speed_mps")
    t_max = r_max / v_avg
    ratio = v_avg / v_max
    t_boost = np.minimum(v_max / accel, np.minimum(t_max * ratio, 2.0 * t_max * (1.0 - ratio)))
    coast_dist = r_max - 0.5 * v_max * t_boost
    coast_time = t_max - t_boost
    # ln(1 + a u) = u with u = c·coast_dist and a = V·coast_time / coast_dist ≥ 1.
    a = np.maximum(v_max * coast_time / coast_dist, 1.0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        arg = -np.exp(-1.0 / a) / a
        u_exact = -1.0 / a - np.real(special.lambertw(arg, k=-1))
    small = (a - 1.0) < 1e-6  # near the branch point: e^u = 1 + a u  ⇒  u ≈ 2(a − 1)
    u = np.where(small, 2.0 * (a - 1.0), u_exact)
    drag_per_m = np.maximum(u, 0.0) / coast_dist
    return t_boost, drag_per_m, t_max


def _coast_distance(tau: Any, v_max: Any, c: Any) -> Any:
    pos_c = c > 0.0
    safe_c = np.where(pos_c, c, 1.0)
    return np.where(pos_c, np.log1p(safe_c * v_max * tau) / safe_c, v_max * tau)


def flyout_distance_m(
    t_s: ArrayLike,
    avg_speed_mps: ArrayLike,
    max_speed_mps: ArrayLike,
    max_range_m: ArrayLike,
    *,
    boost_accel_mps2: ArrayLike = DEFAULT_BOOST_ACCEL_MPS2,
) -> Any:
    """Path length flown ``t_s`` seconds after launch (see :func:`flyout_profile`).

    0 for ``t ≤ 0``; NaN after the maximum time of flight ``max_range / avg_speed`` (the
    missile has spent its energy and is assumed to self-destruct).
    """
    t_b, c, t_max = flyout_profile(
        avg_speed_mps, max_speed_mps, max_range_m, boost_accel_mps2=boost_accel_mps2
    )
    return _distance(_f(t_s), t_b, c, t_max, _f(max_speed_mps))


def _distance(t_s: Any, t_b: Any, c: Any, t_max: Any, v_max: Any) -> Any:
    """Fly-out distance from precomputed profile parameters (see :func:`flyout_profile`)."""
    t = np.maximum(t_s, 0.0)
    safe_tb = np.where(t_b > 0.0, t_b, 1.0)
    boost = np.where(t_b > 0.0, 0.5 * v_max * np.minimum(t, t_b) ** 2 / safe_tb, 0.0)
    coast = _coast_distance(np.maximum(t - t_b, 0.0), v_max, c)
    return np.where(t_s > t_max * (1.0 + 1e-12), np.nan, boost + coast)


def flyout_speed_mps(
    t_s: ArrayLike,
    avg_speed_mps: ArrayLike,
    max_speed_mps: ArrayLike,
    max_range_m: ArrayLike,
    *,
    boost_accel_mps2: ArrayLike = DEFAULT_BOOST_ACCEL_MPS2,
) -> Any:
    """Speed ``t_s`` seconds after launch: the derivative of :func:`flyout_distance_m`."""
    t_b, c, t_max = flyout_profile(
        avg_speed_mps, max_speed_mps, max_range_m, boost_accel_mps2=boost_accel_mps2
    )
    t = np.maximum(_f(t_s), 0.0)
    v_max = _f(max_speed_mps)
    safe_tb = np.where(t_b > 0.0, t_b, 1.0)
    boosting = t < t_b
    speed = np.where(boosting, v_max * t / safe_tb, v_max / (1.0 + c * v_max * (t - t_b)))
    return np.where(_f(t_s) > t_max * (1.0 + 1e-12), np.nan, speed)


def time_of_flight_s(
    distance_m: ArrayLike,
    avg_speed_mps: ArrayLike,
    max_speed_mps: ArrayLike,
    max_range_m: ArrayLike,
    *,
    boost_accel_mps2: ArrayLike = DEFAULT_BOOST_ACCEL_MPS2,
) -> Any:
    """Time to fly a path length: the inverse of :func:`flyout_distance_m` (closed form).

    +inf beyond ``max_range_m``; NaN for negative distances.
    """
    t_b, c, _ = flyout_profile(
        avg_speed_mps, max_speed_mps, max_range_m, boost_accel_mps2=boost_accel_mps2
    )
    d = _f(distance_m)
    v_max = _f(max_speed_mps)
    d_boost = 0.5 * v_max * t_b
    in_boost = d <= d_boost
    t_boost_part = np.sqrt(2.0 * np.maximum(d, 0.0) * t_b / v_max)
    beyond = np.maximum(d - d_boost, 0.0)
    pos_c = c > 0.0
    safe_c = np.where(pos_c, c, 1.0)
    with np.errstate(over="ignore"):
        tau = np.where(pos_c, np.expm1(safe_c * beyond) / (safe_c * v_max), beyond / v_max)
    out = np.where(in_boost, t_boost_part, t_b + tau)
    out = np.where(d > _f(max_range_m) * (1.0 + 1e-12), np.inf, out)
    return np.where(d < 0.0, np.nan, out)


# --------------------------------------------------------------------------------------------
# Predicted intercept point


def predicted_intercept_point(
    launcher_enu: ArrayLike,
    target_pos_enu: ArrayLike,
    target_vel_enu: ArrayLike,
    avg_speed_mps: ArrayLike,
    max_speed_mps: ArrayLike,
    max_range_m: ArrayLike,
    *,
    boost_accel_mps2: ArrayLike = DEFAULT_BOOST_ACCEL_MPS2,
    grid_points: int = 128,
    iterations: int = 60,
) -> tuple[Any, Any, Any]:
    """Earliest point where a missile launched now meets a constant-velocity target.

    Solves ``|p + v t − L| = d(t)`` for the smallest ``t > 0`` no later than the maximum time of
    flight, where ``d(t)`` is :func:`flyout_distance_m` (a straight-line fly-out: the missile
    flies directly to the predicted point). Vectorised over ``N`` engagements: the gap
    ``g(t) = d(t) − |p + v t − L|`` is sampled on ``grid_points`` times, the first sign change
    is bracketed and refined by ``iterations`` bisection steps on all engagements at once.

    ``launcher_enu`` is ``(3,)`` or ``(N, 3)``; ``target_pos_enu`` and ``target_vel_enu``
    ``(N, 3)`` (or ``(3,)`` for one); missile figures scalars or ``(N,)``. Returns
    ``pip_enu (N, 3)``, ``tof_s (N,)`` and ``feasible (N,)``; where infeasible (the missile
    cannot reach the target within its maximum range) ``pip`` is NaN and ``tof`` is +inf.
    An intercept window shorter than ``T / grid_points`` can be missed (a marginal shot).
    """
    launcher = _f(launcher_enu)
    p = _f(target_pos_enu)
    v = _f(target_vel_enu)
    p, v, launcher = np.broadcast_arrays(np.atleast_2d(p), np.atleast_2d(v), launcher)
    n = p.shape[0]
    v_avg = np.broadcast_to(_f(avg_speed_mps), (n,))
    v_max = np.broadcast_to(_f(max_speed_mps), (n,))
    r_max = np.broadcast_to(_f(max_range_m), (n,))
    accel = np.broadcast_to(_f(boost_accel_mps2), (n,))
    t_b, c, t_max = (
        x[:, None] for x in flyout_profile(v_avg, v_max, r_max, boost_accel_mps2=accel)
    )
    v_max_col = v_max[:, None]
    rel = p - launcher

    def gap(t: FloatArray) -> FloatArray:
        """d(t) − |p + v t − L| for t of shape (N, M)."""
        d = _distance(t, t_b, c, t_max, v_max_col)
        sep = np.linalg.norm(rel[:, None, :] + v[:, None, :] * t[..., None], axis=-1)
        return np.asarray(d - sep, dtype=np.float64)

    fractions = np.linspace(0.0, 1.0, grid_points + 1)[1:]
    t_grid = t_max * fractions[None, :]
    t_grid[:, -1] = t_max[:, 0]  # the last sample exactly at the maximum time of flight
    g = gap(t_grid)
    hit = g >= 0.0
    feasible = hit.any(axis=1)
    first = np.argmax(hit, axis=1)
    rows = np.arange(n)
    hi = t_grid[rows, first]
    lo = np.where(first > 0, t_grid[rows, np.maximum(first - 1, 0)], 0.0)
    hi = bisect_intercept(
        np.ascontiguousarray(lo, dtype=np.float64),
        np.ascontiguousarray(hi, dtype=np.float64),
        np.ascontiguousarray(rel),
        np.ascontiguousarray(v),
        np.ascontiguousarray(t_b[:, 0]),
        np.ascontiguousarray(c[:, 0]),
        np.ascontiguousarray(t_max[:, 0]),
        np.ascontiguousarray(v_max, dtype=np.float64),
        int(iterations),
    )
    at_launcher = np.linalg.norm(rel, axis=-1) == 0.0
    tof = np.where(at_launcher, 0.0, hi)
    feasible = feasible | at_launcher
    tof = np.where(feasible, tof, np.inf)
    pip = np.where(feasible[:, None], p + v * np.where(feasible, tof, 0.0)[:, None], np.nan)
    return pip, tof, feasible


# --------------------------------------------------------------------------------------------
# Envelope and guidance


def in_envelope(
    slant_range_m: ArrayLike,
    target_alt_m: ArrayLike,
    tof_s: ArrayLike,
    target_speed_mps: ArrayLike,
    *,
    min_range_m: ArrayLike = 0.0,
    max_range_m: ArrayLike = np.inf,
    min_alt_m: ArrayLike = -np.inf,
    max_alt_m: ArrayLike = np.inf,
    max_tof_s: ArrayLike = np.inf,
    max_target_speed_mps: ArrayLike = np.inf,
) -> Any:
    """True where an intercept lies inside a missile's kinematic engagement envelope.

    All bounds are inclusive: ``min_range ≤ slant range ≤ max_range``,
    ``min_alt ≤ target altitude ≤ max_alt``, ``tof ≤ max_tof`` and
    ``target speed ≤ max target speed``. NaN anywhere gives False. Normally evaluated at the
    predicted intercept point (slant range from the launcher to the PIP, PIP altitude).
    """
    r = _f(slant_range_m)
    h = _f(target_alt_m)
    tof = _f(tof_s)
    spd = _f(target_speed_mps)
    return (
        (r >= _f(min_range_m))
        & (r <= _f(max_range_m))
        & (h >= _f(min_alt_m))
        & (h <= _f(max_alt_m))
        & (tof <= _f(max_tof_s))
        & (spd <= _f(max_target_speed_mps))
    )


def pn_acceleration_mps2(
    nav_constant: ArrayLike, closing_speed_mps: ArrayLike, los_rate_rad_s: ArrayLike
) -> Any:
    """Proportional-navigation lateral acceleration ``a_n = N' V_c λ̇`` (Zarchan, ch. 2).

    Worked: N' = 4, V_c = 1500 m/s, λ̇ = 0.02 rad/s → 120 m/s² (12.2 g).
    """
    return _f(nav_constant) * _f(closing_speed_mps) * _f(los_rate_rad_s)
