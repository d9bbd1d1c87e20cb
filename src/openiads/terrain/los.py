"""Line of sight between points over terrain, with earth curvature and refraction.

Model (effective earth radius ``k R``, docs/models/terrain.md): between an observer at height
``h_o`` and a target at ``h_t`` (m above mean sea level) a ground distance ``D`` apart, the
straight ray in the 4/3-earth frame clears a point at distance ``s`` along the ground when

    h_o + (h_t - h_o) * s / D  >=  terrain(s) + s * (D - s) / (2 k R)

The last term is the earth's bulge under the chord. Terrain is sampled (bilinear) every half
cell along the path; beyond the DEM the ground is taken at sea level (smooth earth), so the
radar horizon still applies. The ray test runs in a compiled loop (numba) over all targets.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from openiads.terrain.dem import Dem
from openiads.terrain.viewshed import EARTH_RADIUS_M, K_STANDARD, curvature_coefficient


@njit(cache=True, nogil=True)
def _bilinear(h: np.ndarray, row: float, col: float) -> float:
    ny, nx = h.shape
    if row < -0.5 or col < -0.5 or row > ny - 0.5 or col > nx - 0.5:
        return 0.0
    r = min(max(row, 0.0), ny - 1.0)
    c = min(max(col, 0.0), nx - 1.0)
    r0 = min(int(r), ny - 2)
    c0 = min(int(c), nx - 2)
    fr = r - r0
    fc = c - c0
    top = h[r0, c0] * (1.0 - fc) + h[r0, c0 + 1] * fc
    bot = h[r0 + 1, c0] * (1.0 - fc) + h[r0 + 1, c0 + 1] * fc
    return top * (1.0 - fr) + bot * fr


@njit(cache=True, nogil=True)
def _los_kernel(
    h: np.ndarray,
    west_m: float,
    north_m: float,
    cell_m: float,
    ox: float,
    oy: float,
    oz: float,
    tx: np.ndarray,
    ty: np.ndarray,
    tz: np.ndarray,
    curv: float,
    top_m: float,
    out: np.ndarray,
) -> None:
    step_m = 0.5 * cell_m
    for t in range(tx.shape[0]):
        dx = tx[t] - ox
        dy = ty[t] - oy
        dist = math.sqrt(dx * dx + dy * dy)
        if not (math.isfinite(dist) and math.isfinite(tz[t])):
            out[t] = False  # an unknown position is not in line of sight
            continue
        if min(oz, tz[t]) >= top_m + 0.25 * dist * dist * curv:
            # Above the highest ground plus the largest bulge: nothing can block this ray.
            out[t] = True
            continue
        n = math.ceil(dist / step_m)
        visible = True
        for s in range(1, n):
            f = s / n
            x = ox + f * dx
            y = oy + f * dy
            row = (north_m - y) / cell_m - 0.5
            col = (x - west_m) / cell_m - 0.5
            ground = _bilinear(h, row, col)
            along = f * dist
            ray = oz + (tz[t] - oz) * f
            if ground + along * (dist - along) * curv > ray:
                visible = False
                break
        out[t] = visible


def enu_to_grid(dem: Dem, enu_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ENU positions (N, 3) about the DEM's origin to (grid east, grid north, height MSL)."""
    import pymap3d

    enu = np.array(enu_m, dtype=np.float64, copy=True).reshape(-1, 3)
    lat, lon, alt = pymap3d.enu2geodetic(
        enu[:, 0].copy(),
        enu[:, 1].copy(),
        enu[:, 2].copy(),
        dem.lat0_deg,
        dem.lon0_deg,
        dem.alt0_m,
    )
    x, y = dem.from_geodetic(np.asarray(lat), np.asarray(lon))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), np.asarray(alt)


def los_visible_grid(
    dem: Dem,
    observer_xyz_m: np.ndarray,
    targets_xyz_m: np.ndarray,
    *,
    k: float = K_STANDARD,
    earth_radius_m: float = EARTH_RADIUS_M,
) -> np.ndarray:
    """Line of sight in grid coordinates: points are (east, north, height MSL) on ``dem``'s grid.

    A target with a non-finite coordinate is reported not visible.
    """
    obs = np.asarray(observer_xyz_m, dtype=np.float64).reshape(3)
    if not np.all(np.isfinite(obs)):
        raise ValueError(f"observer position must be finite, got {obs}")
    tgt = np.asarray(targets_xyz_m, dtype=np.float64).reshape(-1, 3)
    curv = curvature_coefficient(k, earth_radius_m)
    out = np.empty(tgt.shape[0], dtype=np.bool_)
    _los_kernel(
        dem.heights_m,
        dem.west_m,
        dem.north_m,
        dem.cell_m,
        float(obs[0]),
        float(obs[1]),
        float(obs[2]),
        np.ascontiguousarray(tgt[:, 0]),
        np.ascontiguousarray(tgt[:, 1]),
        np.ascontiguousarray(tgt[:, 2]),
        curv,
        max(dem.max_height_m, 0.0),
        out,
    )
    return out


def los_visible(
    dem: Dem,
    observer_enu: np.ndarray,
    targets_enu: np.ndarray,
    k: float = K_STANDARD,
    *,
    earth_radius_m: float = EARTH_RADIUS_M,
) -> np.ndarray:
    """Whether each target is in line of sight of the observer, terrain and curvature included.

    ``observer_enu`` (3,) and ``targets_enu`` (N, 3) are ENU metres about the DEM's origin (the
    scenario origin): put the antenna height into the observer's up coordinate. Returns a bool
    array (N,). ``k`` is the effective-earth-radius factor (4/3 standard refraction).
    """
    obs = np.asarray(observer_enu, dtype=np.float64).reshape(1, 3)
    tgt = np.asarray(targets_enu, dtype=np.float64).reshape(-1, 3)
    if tgt.shape[0] == 0:
        return np.zeros(0, dtype=np.bool_)
    both = np.vstack([obs, tgt])
    x, y, z = enu_to_grid(dem, both)
    grid = np.column_stack([x, y, z])
    return los_visible_grid(dem, grid[0], grid[1:], k=k, earth_radius_m=earth_radius_m)
