"""Terrain masking for a fixed radar: one viewshed, then O(1) look-ups per target.

A radar that does not move sees the same terrain all run long. :class:`TerrainMask` computes
its minimum-visible-height grid once (one sweep, terrain.md) and answers "is this target in
line of sight?" by comparing the target's height above ground with that grid at its position
(bilinear). Targets off the grid or beyond the computed distance fall back to the ray test
(:func:`~openiads.terrain.los.los_visible_grid`, sea level beyond the DEM).

Agreement with the ray test is that of the sweep with a ray per cell (98-99 % of cells on
rough terrain, better on smooth ground); use :func:`~openiads.terrain.los.los_visible` where a
single answer must be exact to the sampling.
"""

from __future__ import annotations

import math

import numpy as np

from openiads.terrain.dem import Dem, bilinear
from openiads.terrain.los import enu_to_grid, los_visible_grid
from openiads.terrain.viewshed import EARTH_RADIUS_M, K_STANDARD, min_visible_height_grid


def _bilinear_nan(grid: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """Bilinear between cell centres; NaN outside the span of the centres."""
    ny, nx = grid.shape
    inside = (row >= 0) & (row <= ny - 1) & (col >= 0) & (col <= nx - 1)
    return np.where(inside, bilinear(grid, row, col), np.nan)


class TerrainMask:
    """Line of sight from one fixed antenna over a DEM, precomputed once.

    ``observer_enu`` is the antenna position (ENU about the DEM's origin, antenna height
    included in the up coordinate). The antenna's height above the terrain of its cell is
    derived from it (at least 0).
    """

    def __init__(
        self,
        dem: Dem,
        observer_enu: np.ndarray,
        *,
        k: float = K_STANDARD,
        earth_radius_m: float = EARTH_RADIUS_M,
        max_distance_m: float = math.inf,
    ) -> None:
        obs = np.asarray(observer_enu, dtype=np.float64).reshape(1, 3)
        x, y, z = enu_to_grid(dem, obs)
        self.dem = dem
        self.k = k
        self.earth_radius_m = earth_radius_m
        self.observer_grid = np.array([x[0], y[0], z[0]])
        row, col = dem.cell_of(float(x[0]), float(y[0]))
        ground = float(dem.heights_m[row, col])
        self.antenna_height_m = max(float(z[0]) - ground, 0.0)
        self.min_visible_m = min_visible_height_grid(
            dem.heights_m,
            row,
            col,
            self.antenna_height_m,
            dem.cell_m,
            dem.cell_m,
            k=k,
            earth_radius_m=earth_radius_m,
            max_distance_m=max_distance_m,
        )
        self.min_visible_m.setflags(write=False)

    def visible(self, targets_enu: np.ndarray) -> np.ndarray:
        """Whether each target (N, 3) ENU is in line of sight of the antenna."""
        tgt = np.asarray(targets_enu, dtype=np.float64).reshape(-1, 3)
        if tgt.shape[0] == 0:
            return np.zeros(0, dtype=np.bool_)
        x, y, z = enu_to_grid(self.dem, tgt)
        return self.visible_grid(x, y, z)

    def visible_grid(
        self, east_m: np.ndarray, north_m: np.ndarray, alt_msl_m: np.ndarray
    ) -> np.ndarray:
        """Same, for targets already in grid coordinates (east, north, height MSL)."""
        e = np.asarray(east_m, dtype=np.float64).ravel()
        n = np.asarray(north_m, dtype=np.float64).ravel()
        h = np.asarray(alt_msl_m, dtype=np.float64).ravel()
        row, col = self.dem.fractional_index(e, n)
        need = _bilinear_nan(self.min_visible_m, row, col)
        agl = h - self.dem.height_at(e, n)
        known = np.isfinite(need) & np.isfinite(agl)
        out = np.zeros(e.shape, dtype=np.bool_)
        with np.errstate(invalid="ignore"):
            out[known] = agl[known] >= need[known]
        rest = ~known
        if rest.any():
            out[rest] = los_visible_grid(
                self.dem,
                self.observer_grid,
                np.column_stack([e[rest], n[rest], h[rest]]),
                k=self.k,
                earth_radius_m=self.earth_radius_m,
            )
        return out
