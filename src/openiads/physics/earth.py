"""The earth: effective-radius refraction model, radar horizon, and WGS-84 geodesy.

Everything works on NumPy arrays (scalars are 0-d arrays) and broadcasts; inputs are never
modified. Lengths in metres, angles in radians, latitudes and longitudes in degrees (the only
place degrees appear, because that is how positions are written).

Model: standard atmospheric refraction is represented by an earth of radius ``k * Re`` over
which radio rays travel in straight lines (Skolnik, *Introduction to Radar Systems*, 3rd ed.,
§8.2; ITU-R P.834). ``k = 4/3`` is the usual value for a standard atmosphere. See
docs/models/geodesy-and-horizon.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pymap3d
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "EARTH_RADIUS_M",
    "STANDARD_K",
    "aer_to_enu",
    "apparent_elevation_rad",
    "curvature_drop_m",
    "effective_earth_radius_m",
    "enu_to_aer",
    "enu_to_geodetic",
    "geodetic_to_enu",
    "min_visible_height_m",
    "radar_horizon_m",
    "smooth_earth_visible",
]

FloatArray = NDArray[np.float64]

#: Mean earth radius used by the effective-earth model, m (IUGG mean radius, rounded).
EARTH_RADIUS_M = 6_371_000.0
#: Effective earth radius factor of a standard atmosphere.
STANDARD_K = 4.0 / 3.0

_TWO_PI = 2.0 * np.pi


def _f(x: ArrayLike) -> FloatArray:
    """A float64 copy of ``x`` (never a view of the caller's array)."""
    return np.array(x, dtype=np.float64, copy=True)


def effective_earth_radius_m(k: ArrayLike = STANDARD_K) -> Any:
    """Effective earth radius ``k * Re`` in metres (8 494 667 m for k = 4/3)."""
    return np.asarray(k, dtype=np.float64) * EARTH_RADIUS_M


def radar_horizon_m(h_radar_m: ArrayLike, h_target_m: ArrayLike, k: ArrayLike = STANDARD_K) -> Any:
    """Greatest ground range at which a target can be above the smooth-earth horizon.

    ``d = sqrt(2 k Re h_r) + sqrt(2 k Re h_t)`` (Skolnik §8.2). Symmetric in the two heights;
    negative heights are treated as zero. Worked: 25 m / 30 m → 43.19 km;
    10 m / 10 000 m → 425.22 km.
    """
    re_m = effective_earth_radius_m(k)
    hr = np.maximum(np.asarray(h_radar_m, dtype=np.float64), 0.0)
    ht = np.maximum(np.asarray(h_target_m, dtype=np.float64), 0.0)
    return np.sqrt(2.0 * re_m * hr) + np.sqrt(2.0 * re_m * ht)


def curvature_drop_m(ground_range_m: ArrayLike, k: ArrayLike = STANDARD_K) -> Any:
    """Drop of the effective earth's surface below the tangent plane: ``d² / (2 k Re)``."""
    d = np.asarray(ground_range_m, dtype=np.float64)
    return d * d / (2.0 * effective_earth_radius_m(k))


def smooth_earth_visible(
    ground_range_m: ArrayLike,
    h_radar_m: ArrayLike,
    h_target_m: ArrayLike,
    k: ArrayLike = STANDARD_K,
) -> Any:
    """True where the target is above the smooth-earth radar horizon.

    Uses the same (parabolic-earth) approximation as :func:`radar_horizon_m`: visible when
    ``ground_range <= sqrt(2 k Re h_r) + sqrt(2 k Re h_t)``. Terrain is not considered here.
    """
    d = np.abs(np.asarray(ground_range_m, dtype=np.float64))
    return d <= radar_horizon_m(h_radar_m, h_target_m, k)


def min_visible_height_m(
    ground_range_m: ArrayLike, h_radar_m: ArrayLike, k: ArrayLike = STANDARD_K
) -> Any:
    """Lowest target height visible over a smooth effective earth at a ground range.

    Inverse of :func:`radar_horizon_m` in the target height:
    ``h_min = max(0, d - sqrt(2 k Re h_r))² / (2 k Re)``.
    """
    re_m = effective_earth_radius_m(k)
    d = np.abs(np.asarray(ground_range_m, dtype=np.float64))
    hr = np.maximum(np.asarray(h_radar_m, dtype=np.float64), 0.0)
    beyond = np.maximum(d - np.sqrt(2.0 * re_m * hr), 0.0)
    return beyond * beyond / (2.0 * re_m)


def apparent_elevation_rad(
    ground_range_m: ArrayLike,
    h_radar_m: ArrayLike,
    h_target_m: ArrayLike,
    k: ArrayLike = STANDARD_K,
) -> Any:
    """Elevation angle of the target seen from the radar over an earth of radius ``k Re``.

    Exact spherical geometry: the radar sits at ``R' + h_r`` from the centre of a sphere of
    radius ``R' = k Re``, the target at ``R' + h_t`` and at central angle ``θ = d / R'`` where
    ``d`` is the ground range along the surface. In the radar's local vertical plane the
    target is at ``x = (R' + h_t) sin θ``, ``z = (R' + h_t) cos θ − (R' + h_r)`` and the
    elevation is ``atan2(z, x)``. Negative below the radar's local horizontal.
    """
    r_eff = effective_earth_radius_m(k)
    d = np.asarray(ground_range_m, dtype=np.float64)
    theta = d / r_eff
    rt = r_eff + np.asarray(h_target_m, dtype=np.float64)
    rr = r_eff + np.asarray(h_radar_m, dtype=np.float64)
    x = rt * np.sin(theta)
    z = rt * np.cos(theta) - rr
    return np.arctan2(z, x)


# --------------------------------------------------------------------------------------------
# WGS-84 geodesy (pymap3d). pymap3d is given copies: its enu2aer zeroes tiny inputs in place.


def geodetic_to_enu(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    alt_m: ArrayLike,
    lat0_deg: ArrayLike,
    lon0_deg: ArrayLike,
    alt0_m: ArrayLike,
) -> tuple[Any, Any, Any]:
    """WGS-84 geodetic position → local east, north, up (m) about the origin ``lat0, lon0, alt0``.

    Heights are ellipsoidal heights in metres.
    """
    args = np.broadcast_arrays(
        _f(lat_deg), _f(lon_deg), _f(alt_m), _f(lat0_deg), _f(lon0_deg), _f(alt0_m)
    )
    e, n, u = pymap3d.geodetic2enu(*(np.array(a) for a in args), deg=True)
    return _f(e), _f(n), _f(u)


def enu_to_geodetic(
    e_m: ArrayLike,
    n_m: ArrayLike,
    u_m: ArrayLike,
    lat0_deg: ArrayLike,
    lon0_deg: ArrayLike,
    alt0_m: ArrayLike,
) -> tuple[Any, Any, Any]:
    """Local east, north, up (m) about ``lat0, lon0, alt0`` → WGS-84 (lat°, lon°, height m)."""
    args = np.broadcast_arrays(_f(e_m), _f(n_m), _f(u_m), _f(lat0_deg), _f(lon0_deg), _f(alt0_m))
    lat, lon, alt = pymap3d.enu2geodetic(*(np.array(a) for a in args), deg=True)
    return _f(lat), _f(lon), _f(alt)


def enu_to_aer(e_m: ArrayLike, n_m: ArrayLike, u_m: ArrayLike) -> tuple[Any, Any, Any]:
    """Local east, north, up → (slant range m, azimuth rad, elevation rad).

    Azimuth is measured clockwise from north and lies in ``[0, 2π)``; elevation in
    ``[-π/2, π/2]``. Computed directly (the same formulas as pymap3d's ``enu2aer``, without
    its in-place zeroing of components under 1 mm).
    """
    e, n, u = np.broadcast_arrays(_f(e_m), _f(n_m), _f(u_m))
    horizontal = np.hypot(e, n)
    slant = np.hypot(horizontal, u)
    el = np.arctan2(u, horizontal)
    az = np.mod(np.arctan2(e, n), _TWO_PI)
    az = np.where(az >= _TWO_PI, 0.0, az)  # -tiny mod 2π rounds up to 2π
    return slant, az, el


def aer_to_enu(
    slant_range_m: ArrayLike, az_rad: ArrayLike, el_rad: ArrayLike
) -> tuple[Any, Any, Any]:
    """(slant range m, azimuth rad clockwise from north, elevation rad) → east, north, up (m)."""
    r = np.asarray(slant_range_m, dtype=np.float64)
    az = np.asarray(az_rad, dtype=np.float64)
    el = np.asarray(el_rad, dtype=np.float64)
    horizontal = r * np.cos(el)
    e, n, u = np.broadcast_arrays(horizontal * np.sin(az), horizontal * np.cos(az), r * np.sin(el))
    return _f(e), _f(n), _f(u)
