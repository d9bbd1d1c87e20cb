"""Minimum visible target height over a DEM grid, in one sweep (Wang et al. 2000).

The question a radar planner asks of terrain is not "is this cell visible?" but "how high must
a target be above this cell to be seen?". :func:`min_visible_height_grid` answers it for every
cell of a regular grid in a single pass, with the reference-plane method of

    Wang, J., Robinson, G. J., White, K. (2000). "Generating viewsheds without using
    sightlines". Photogrammetric Engineering & Remote Sensing 66(1), 87-90.

which is also the algorithm behind GDAL's ``gdal_viewshed``; the benchmark
``benchmarks/viewshed_vs_gdal.py`` and ``tests/test_terrain_gdal.py`` check the two agree.

Heights are first corrected for earth curvature and refraction with the effective-earth-radius
model (factor ``k``, default 4/3): a cell at horizontal distance ``d`` from the observer is
lowered by ``d**2 / (2 k R)`` and taken relative to the observer's eye. In that frame lines of
sight are straight. Cells are swept outward from the observer, ring by ring (row by row and,
inside a row, column by column away from the observer's column). Each cell keeps a
"line-of-sight surface" height ``L``: the lowest height at which a point there is visible,
or the terrain itself if that is higher. For a new cell, the sight line from the observer
crosses the previous row (or column) between two already-swept cells; ``L`` there is linearly
interpolated and extended along the ray to the new cell. The minimum visible target height
above ground is that extended value minus the terrain, floored at zero. Everything is
computed in float64 in compiled loops (numba); the work is a few flops per cell.

Full model description: ``docs/models/terrain.md``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from openiads.terrain.dem import Dem

#: Mean earth radius, m (IUGG). GDAL uses the semi-major axis of the raster's ellipsoid.
EARTH_RADIUS_M = 6_371_000.0
#: WGS-84 semi-major axis, m (what ``gdal_viewshed`` uses with a WGS-84-based CRS).
WGS84_A_M = 6_378_137.0
#: Effective-earth-radius factor for standard radio refraction (4/3 earth).
K_STANDARD = 4.0 / 3.0


@njit(cache=True, nogil=True)
def _sweep_row(
    heights: np.ndarray,
    row: int,
    j: int,
    c0: int,
    dx2: float,
    dy2: float,
    curv: float,
    z_obs: float,
    max_d2: float,
    prev: np.ndarray,
    cur: np.ndarray,
    out: np.ndarray,
    neighbour_los: float,
) -> None:
    """Sweep one row at ``j`` rows from the observer; ``prev`` holds the row nearer to it.

    ``neighbour_los`` is NaN (the observer's neighbours are visible) or, to reproduce GDAL 3.6,
    the height its sweep gives the neighbours in the rows next to the observer's.
    """
    nx = heights.shape[1]
    jj = float(j * j) * dy2
    for side in range(2):
        step = 1 if side == 0 else -1
        c = c0 if side == 0 else c0 - 1
        i = 0 if side == 0 else 1
        while 0 <= c < nx:
            d2 = float(i * i) * dx2 + jj
            z = heights[row, c] - curv * d2 - z_obs
            if d2 > max_d2:
                cur[c] = z
                out[row, c] = np.nan
            elif i <= 1 and j <= 1 and (j == 0 or neighbour_los != neighbour_los):
                # The observer's cell and its eight neighbours are always visible.
                cur[c] = z
                out[row, c] = 0.0
            else:
                if i <= 1 and j == 1:
                    los = neighbour_los
                elif j == 0:
                    # Along the observer's row: straight extension of the previous cell.
                    los = cur[c - step] * i / (i - 1)
                elif i == 0:
                    los = prev[c] * j / (j - 1)
                elif i == j:
                    los = prev[c - step] * i / (i - 1)
                elif j > i:
                    # The ray crosses the previous row between columns i-1 and i.
                    los = (prev[c - step] * i + prev[c] * (j - i)) / (j - 1)
                else:
                    # The ray crosses the previous column between rows j-1 and j.
                    los = (prev[c - step] * j + cur[c - step] * (i - j)) / (i - 1)
                if los > z:
                    out[row, c] = los - z
                    cur[c] = los
                else:
                    out[row, c] = 0.0
                    cur[c] = z
            c += step
            i += 1


@njit(cache=True, nogil=True)
def _sweep(
    heights: np.ndarray,
    r0: int,
    c0: int,
    observer_height_m: float,
    dx: float,
    dy: float,
    curv: float,
    max_d2: float,
    out: np.ndarray,
    gdal36_neighbours: bool,
) -> None:
    ny, nx = heights.shape
    z_obs = heights[r0, c0] + observer_height_m
    dx2 = dx * dx
    dy2 = dy * dy
    # GDAL 3.6 extends the observer's *ground* (not its eye) to the neighbours off its row.
    neighbour_los = -observer_height_m if gdal36_neighbours else np.nan
    first = np.empty(nx)
    scratch = np.empty(nx)
    _sweep_row(
        heights, r0, 0, c0, dx2, dy2, curv, z_obs, max_d2, scratch, first, out, neighbour_los
    )
    for direction in range(2):
        step = -1 if direction == 0 else 1
        prev = first.copy()
        cur = np.empty(nx)
        row = r0 + step
        j = 1
        while 0 <= row < ny:
            if float(j * j) * dy2 > max_d2:
                out[row, :] = np.nan
            else:
                _sweep_row(
                    heights,
                    row,
                    j,
                    c0,
                    dx2,
                    dy2,
                    curv,
                    z_obs,
                    max_d2,
                    prev,
                    cur,
                    out,
                    neighbour_los,
                )
                prev, cur = cur, prev
            row += step
            j += 1


def curvature_coefficient(k: float, earth_radius_m: float) -> float:
    """Drop per squared metre of distance: ``1 / (2 k R)`` (GDAL: ``cc / (2 a)``, ``cc = 1/k``).

    ``k = inf`` gives 0 (flat earth).
    """
    if not k > 0:
        raise ValueError(f"k must be positive, got {k}")
    return 0.0 if math.isinf(k) else 1.0 / (2.0 * k * earth_radius_m)


def min_visible_height_grid(
    heights_m: np.ndarray,
    observer_row: int,
    observer_col: int,
    observer_height_m: float,
    cell_x_m: float,
    cell_y_m: float,
    *,
    k: float = K_STANDARD,
    earth_radius_m: float = EARTH_RADIUS_M,
    max_distance_m: float = math.inf,
    gdal36_neighbours: bool = False,
) -> np.ndarray:
    """Minimum target height above ground (m) at which each cell is seen from the observer.

    ``heights_m`` is a (rows, cols) terrain grid with square or rectangular cells of
    ``cell_x_m`` by ``cell_y_m``; the observer stands at cell ``(observer_row, observer_col)``
    with its eye (antenna) ``observer_height_m`` above that cell's terrain. Returns a float32
    grid of the same shape: 0 where the ground itself is visible, the clearance needed
    elsewhere, NaN beyond ``max_distance_m``. A target at ``h`` metres above ground is visible
    where ``h >= result``. ``k`` is the effective-earth-radius factor (4/3 for radio,
    ``math.inf`` for a flat earth). The input array is not modified.

    ``gdal36_neighbours=True`` reproduces a quirk of GDAL 3.6's ``gdal_viewshed``, which
    compares the observer's neighbours in the rows above and below it with the observer's
    ground height instead of its eye (and carries that outward); used only to show that the
    rest of the sweep matches GDAL's exactly (docs/models/terrain.md).
    """
    grid = np.ascontiguousarray(heights_m, dtype=np.float64)
    if grid.ndim != 2:
        raise ValueError(f"heights_m must be 2-D, got shape {grid.shape}")
    ny, nx = grid.shape
    if not (0 <= observer_row < ny and 0 <= observer_col < nx):
        raise ValueError(f"observer cell ({observer_row}, {observer_col}) outside grid {ny}x{nx}")
    if not np.isfinite(grid[observer_row, observer_col]):
        raise ValueError("terrain under the observer is not a number")
    out = np.empty((ny, nx), dtype=np.float32)
    max_d2 = math.inf if math.isinf(max_distance_m) else float(max_distance_m) ** 2
    _sweep(
        grid,
        int(observer_row),
        int(observer_col),
        float(observer_height_m),
        abs(float(cell_x_m)),
        abs(float(cell_y_m)),
        curvature_coefficient(k, earth_radius_m),
        max_d2,
        out,
        bool(gdal36_neighbours),
    )
    return out


def visible_mask(min_height_m: np.ndarray, target_height_agl_m: float) -> np.ndarray:
    """Cells where a target ``target_height_agl_m`` above ground is visible (NaN: not visible)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(min_height_m <= target_height_agl_m)


def dem_min_visible_height(
    dem: Dem,
    east_m: float,
    north_m: float,
    observer_height_m: float,
    *,
    k: float = K_STANDARD,
    earth_radius_m: float = EARTH_RADIUS_M,
    max_distance_m: float = math.inf,
) -> np.ndarray:
    """:func:`min_visible_height_grid` on a :class:`~openiads.terrain.dem.Dem` grid.

    The observer stands in the cell containing (``east_m``, ``north_m``), its antenna
    ``observer_height_m`` above that cell's terrain (a mast: e.g. 40V6M tower height).
    Raises :class:`~openiads.errors.InputError` when the point is off the grid.
    """
    row, col = dem.cell_of(east_m, north_m)
    return min_visible_height_grid(
        dem.heights_m,
        row,
        col,
        observer_height_m,
        dem.cell_m,
        dem.cell_m,
        k=k,
        earth_radius_m=earth_radius_m,
        max_distance_m=max_distance_m,
    )


@njit(cache=True, nogil=True)
def _masks_kernel(min_h: np.ndarray, heights: np.ndarray, out: np.ndarray) -> None:
    ny, nx = min_h.shape
    for r in range(ny):
        for c in range(nx):
            m = min_h[r, c]
            for b in range(heights.shape[0]):
                out[b, r, c] = 255 if m <= heights[b] else 0


def visibility_bands(min_height_m: np.ndarray, target_heights_agl_m: np.ndarray) -> np.ndarray:
    """Visible (255) / not visible (0) uint8 bands, one per target height, from one sweep.

    The many-heights product of a single :func:`min_visible_height_grid` pass (what
    ``gdal_viewshed -om NORMAL -tz h`` gives for one ``h`` per run). NaN cells are 0.
    """
    grid = np.ascontiguousarray(min_height_m)
    heights = np.ascontiguousarray(target_heights_agl_m, dtype=grid.dtype).ravel()
    out = np.empty((heights.size, *grid.shape), dtype=np.uint8)
    _masks_kernel(grid, heights, out)
    return out
