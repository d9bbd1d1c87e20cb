"""Terrain: DEM input on a local metric grid, line of sight and viewshed.

Public API::

    dem = load_dem(path, lat0_deg, lon0_deg, alt0_m, half_size_m=None, nodata="error")
    dem.height_at(east_m, north_m)                      # bilinear terrain height, m MSL
    los_visible(dem, observer_enu, targets_enu, k=4/3)  # bool per target
    min_visible_height_grid(heights_m, row, col, observer_height_m, cell_x_m, cell_y_m, k=4/3)
    dem_min_visible_height(dem, east_m, north_m, observer_height_m, k=4/3)
    TerrainMask(dem, observer_enu, k=4/3).visible(targets_enu)  # fixed radar: one sweep

Models and sources: docs/models/terrain.md.
"""

from openiads.terrain.dem import Dem, load_dem, local_crs_proj4, write_geotiff
from openiads.terrain.los import enu_to_grid, los_visible, los_visible_grid
from openiads.terrain.mask import TerrainMask
from openiads.terrain.viewshed import (
    EARTH_RADIUS_M,
    K_STANDARD,
    WGS84_A_M,
    curvature_coefficient,
    dem_min_visible_height,
    min_visible_height_grid,
    visibility_bands,
    visible_mask,
)

__all__ = [
    "EARTH_RADIUS_M",
    "K_STANDARD",
    "WGS84_A_M",
    "Dem",
    "TerrainMask",
    "curvature_coefficient",
    "dem_min_visible_height",
    "enu_to_grid",
    "load_dem",
    "local_crs_proj4",
    "los_visible",
    "los_visible_grid",
    "min_visible_height_grid",
    "visibility_bands",
    "visible_mask",
    "write_geotiff",
]
