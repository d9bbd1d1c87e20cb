"""Terrain: viewshed against the radar-horizon formula and a hand-computed ridge shadow; DEM
input (GeoTIFF, SRTM .hgt) and its errors; line of sight in ENU.

Reference values: radar horizon d = sqrt(2 k R h_r) + sqrt(2 k R h_t) (Skolnik, Introduction to
Radar Systems, section on the 4/3-earth model; worked values in shared physics notes: k = 4/3,
R = 6371 km, h_r 25 m, h_t 30 m -> 43.19 km; h_t 100 m -> 61.83 km).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openiads.errors import InputError
from openiads.terrain import (
    EARTH_RADIUS_M,
    Dem,
    dem_min_visible_height,
    load_dem,
    los_visible,
    los_visible_grid,
    min_visible_height_grid,
    visible_mask,
)
from openiads.terrain.synthetic import fractal_terrain, ridge, valley

CELL_M = 50.0


def _flat_strip(length_m: float) -> np.ndarray:
    """A sea-level strip three cells wide; the observer stands at its western end."""
    return np.zeros((3, int(length_m / CELL_M) + 1))


def _min_height_along_row(k: float, observer_m: float, length_m: float) -> np.ndarray:
    grid = min_visible_height_grid(_flat_strip(length_m), 1, 0, observer_m, CELL_M, CELL_M, k=k)
    return grid[1].astype(np.float64)


def _hidden_height_m(distance_m: np.ndarray, observer_m: float, k: float) -> np.ndarray:
    """Smooth-earth hidden height beyond the observer's horizon, from d = d_r + d_t."""
    kr = k * EARTH_RADIUS_M
    beyond = np.clip(distance_m - math.sqrt(2 * kr * observer_m), 0.0, None)
    return beyond**2 / (2 * kr)


def test_horizon_43km_for_25m_radar_and_30m_target_on_4_3_earth() -> None:
    heights = _min_height_along_row(4 / 3, 25.0, 70_000.0)
    col = round(43_190.0 / CELL_M)
    # Worked value: a 30 m target is on the horizon of a 25 m antenna at 43.19 km.
    assert float(heights[col]) == pytest.approx(30.0, abs=0.3)
    col100 = round(61_830.0 / CELL_M)
    assert float(heights[col100]) == pytest.approx(100.0, abs=0.5)


@pytest.mark.parametrize("k", [1.0, 4.0 / 3.0])
def test_viewshed_matches_smooth_earth_horizon_profile(k: float) -> None:
    heights = _min_height_along_row(k, 25.0, 70_000.0)
    d_m = np.arange(heights.size) * CELL_M
    expected = _hidden_height_m(d_m, 25.0, k)
    # The discrete tangent ray touches the ground at a cell, not at the true tangent point.
    np.testing.assert_allclose(heights, expected, atol=0.5)
    # True earth hides more than 4/3 earth: at 50 km, 4/3 earth needs less height.
    assert heights[1000] > 0


def test_flat_earth_sees_everything_over_flat_ground() -> None:
    heights = _min_height_along_row(math.inf, 25.0, 70_000.0)
    assert float(np.max(heights)) == pytest.approx(0.0, abs=1e-9)


def test_refraction_lowers_the_hidden_height() -> None:
    true_earth = _min_height_along_row(1.0, 25.0, 70_000.0)
    radio = _min_height_along_row(4 / 3, 25.0, 70_000.0)
    assert np.all(radio <= true_earth + 1e-6)
    assert float(true_earth[-1] - radio[-1]) > 20.0


RIDGE_COL = 250
RIDGE_M = 100.0
OBS_COL = 0
OBS_H_M = 10.0
RIDGE_CELL_M = 20.0


def _ridge_grid() -> np.ndarray:
    return ridge((201, 601), RIDGE_CELL_M, col=RIDGE_COL, height_m=RIDGE_M, half_width_m=60.0)


def test_single_ridge_shadow_flat_earth_hand_computed() -> None:
    # Observer 10 m above flat ground at x = 0; a 100 m ridge crest at x = 5 km. Behind it the
    # sight line grazing the crest rises 90 m per 5 km: at x, the hidden height is
    # 10 + 90 * x / 5000 m (and the crest line runs north-south, so any row gives the same).
    grid = min_visible_height_grid(
        _ridge_grid(), 100, OBS_COL, OBS_H_M, RIDGE_CELL_M, RIDGE_CELL_M, k=math.inf
    )
    x_m = (np.arange(601) - OBS_COL) * RIDGE_CELL_M
    behind = np.arange(601) > RIDGE_COL + 3
    expected = OBS_H_M + (RIDGE_M - OBS_H_M) * x_m / (RIDGE_COL * RIDGE_CELL_M)
    np.testing.assert_allclose(grid[100, behind], expected[behind], atol=1e-3)
    # Rows off the observer's row, where the ray crosses columns (|dx| > |dy|): interpolation
    # along the uniform crest is exact up to the grid.
    rows = np.arange(201)
    cols = np.arange(601)
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    region = (np.abs(rr - 100) < (cc - OBS_COL)) & (cc > RIDGE_COL + 3)
    np.testing.assert_allclose(
        grid[region], np.broadcast_to(expected, grid.shape)[region], atol=0.5
    )
    # In front of the ridge everything is visible.
    assert float(np.max(grid[:, 1 : RIDGE_COL - 3])) == pytest.approx(0.0, abs=1e-9)


def test_single_ridge_shadow_4_3_earth_hand_computed() -> None:
    grid = min_visible_height_grid(
        _ridge_grid(), 100, OBS_COL, OBS_H_M, RIDGE_CELL_M, RIDGE_CELL_M, k=4 / 3
    )
    curv = 1.0 / (2 * (4 / 3) * EARTH_RADIUS_M)
    crest_m = RIDGE_COL * RIDGE_CELL_M
    x_m = 10_000.0
    # Heights relative to the eye, each lowered by x^2 / (2 k R); the grazing ray is straight.
    crest_rel = RIDGE_M - curv * crest_m**2 - OBS_H_M
    ray_rel = crest_rel * x_m / crest_m
    ground_rel = 0.0 - curv * x_m**2 - OBS_H_M
    expected = ray_rel - ground_rel
    assert float(grid[100, round(x_m / RIDGE_CELL_M)]) == pytest.approx(expected, abs=1e-3)


def test_valley_floor_hidden_from_the_plateau_but_not_its_far_rim() -> None:
    heights = valley((101, 401), 25.0, col=200, depth_m=150.0, half_width_m=1000.0)
    grid = min_visible_height_grid(heights, 50, 0, 5.0, 25.0, 25.0, k=math.inf)
    assert float(grid[50, 200]) > 100.0  # the floor, 150 m below the rim
    assert float(grid[50, 260]) == pytest.approx(0.0, abs=1e-9)  # the far slope faces the eye


def test_visible_mask_and_nan_beyond_max_distance() -> None:
    heights = np.zeros((41, 41))
    grid = min_visible_height_grid(heights, 20, 20, 5.0, 100.0, 100.0, max_distance_m=1000.0)
    assert np.isnan(grid[20, 40]) and np.isnan(grid[0, 0])
    assert float(grid[20, 30]) == pytest.approx(0.0, abs=1e-6)
    mask = visible_mask(grid, 0.0)
    assert not mask[0, 0] and mask[20, 30]


def test_viewshed_does_not_modify_its_input() -> None:
    heights = fractal_terrain((64, 64), 30.0, np.random.default_rng(7))
    before = heights.copy()
    min_visible_height_grid(heights, 10, 20, 3.0, 30.0, 30.0)
    np.testing.assert_array_equal(heights, before)


def test_sweep_agrees_with_ray_per_cell_on_rough_terrain() -> None:
    # An independent check: a sampled ray to every cell (R3-style, bilinear terrain, half-cell
    # steps) against the one-pass sweep. Published comparisons put Wang's method within a few
    # per cent of R3 on rough terrain.
    heights = fractal_terrain((121, 121), 30.0, np.random.default_rng(1))
    dem = Dem(heights, west_m=-60.5 * 30.0, north_m=60.5 * 30.0, cell_m=30.0)
    sweep = dem_min_visible_height(dem, 0.0, 0.0, 10.0)
    xx, yy = np.meshgrid(dem.x_centers_m(), dem.y_centers_m())
    for target_m in (0.0, 50.0):
        targets = np.column_stack([xx.ravel(), yy.ravel(), heights.ravel() + target_m + 1e-6])
        ray = los_visible_grid(dem, [0.0, 0.0, heights[60, 60] + 10.0], targets)
        agree = float(np.mean(ray.reshape(heights.shape) == (sweep <= target_m)))
        assert agree >= 0.97


# ------------------------------------------------------------------------------------------
# DEM input

LAT0, LON0 = 35.70, 51.40


def _plane_geotiff(path: Path, *, crs: str | None = "EPSG:4326", nodata_hole: bool = False):
    import rasterio

    from openiads.terrain.dem import north_up_transform

    step = 1.0 / 1200.0  # 3 arc-seconds
    n = 240
    west, north = LON0 - 0.1, LAT0 + 0.1
    lon = west + (np.arange(n) + 0.5) * step
    lat = north - (np.arange(n) + 0.5) * step
    heights = 500.0 + 2000.0 * (lat[:, None] - LAT0) + 1000.0 * (lon[None, :] - LON0)
    heights = np.broadcast_to(heights, (n, n)).astype(np.float32).copy()
    if nodata_hole:
        heights[100:104, 100:104] = -9999.0
    profile = {
        "driver": "GTiff",
        "width": n,
        "height": n,
        "count": 1,
        "dtype": "float32",
        "transform": north_up_transform(west, north, step, step),
        "nodata": -9999.0,
    }
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(heights, 1)
    return path


def test_geotiff_plane_resampled_to_local_grid(tmp_path: Path) -> None:
    dem = load_dem(_plane_geotiff(tmp_path / "plane.tif"), LAT0, LON0, 0.0, half_size_m=5000.0)
    assert dem.cell_m == pytest.approx(75.2, abs=1.0)  # 3" of longitude at 35.7 N
    east = np.array([0.0, 2000.0, -3000.0, 1000.0])
    north = np.array([0.0, 1000.0, 2500.0, -4000.0])
    lat, lon = dem.to_geodetic(east, north)
    expected = 500.0 + 2000.0 * (lat - LAT0) + 1000.0 * (lon - LON0)
    np.testing.assert_allclose(dem.height_at(east, north), expected, atol=0.05)
    assert float(dem.height_at(0.0, 0.0)) == pytest.approx(500.0, abs=0.05)
    assert np.isnan(dem.height_at(1e6, 0.0))
    assert float(dem.height_at(1e6, 0.0, outside_m=0.0)) == 0.0


def test_srtm_hgt_tile(tmp_path: Path) -> None:
    side = 1201
    posts = np.arange(side)
    lat = 36.0 - posts / (side - 1)  # row 0 is the northern edge, N35 tile spans 35..36
    lon = 51.0 + posts / (side - 1)
    heights = np.rint(1000.0 + 300.0 * (lat[:, None] - 35.5) - 200.0 * (lon[None, :] - 51.5))
    raw = np.broadcast_to(heights, (side, side)).astype(">i2")
    path = tmp_path / "N35E051.hgt"
    raw.tofile(path)
    dem = load_dem(path, 35.5, 51.5, 0.0, half_size_m=3000.0)
    assert float(dem.height_at(0.0, 0.0)) == pytest.approx(1000.0, abs=1.0)
    lat_p, lon_p = dem.to_geodetic(np.array([2000.0]), np.array([-1500.0]))
    expected = 1000.0 + 300.0 * (lat_p - 35.5) - 200.0 * (lon_p - 51.5)
    np.testing.assert_allclose(dem.height_at(2000.0, -1500.0), expected.ravel(), atol=1.0)


def test_hgt_with_a_bad_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tehran.hgt"
    np.zeros((1201, 1201), dtype=">i2").tofile(path)
    with pytest.raises(InputError, match="N35E051"):
        load_dem(path, 35.5, 51.5)


def test_missing_dem_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found") as err:
        load_dem(tmp_path / "nope.tif", LAT0, LON0)
    assert "nope.tif" in str(err.value)


def test_dem_without_crs(tmp_path: Path) -> None:
    path = _plane_geotiff(tmp_path / "nocrs.tif", crs=None)
    with pytest.raises(InputError, match="coordinate reference system"):
        load_dem(path, LAT0, LON0)


def test_origin_outside_the_dem(tmp_path: Path) -> None:
    path = _plane_geotiff(tmp_path / "plane.tif")
    with pytest.raises(InputError, match="outside the DEM"):
        load_dem(path, 40.0, 51.4)


def test_nodata_policies(tmp_path: Path) -> None:
    path = _plane_geotiff(tmp_path / "holes.tif", nodata_hole=True)
    with pytest.raises(InputError, match="no data"):
        load_dem(path, LAT0, LON0)
    filled = load_dem(path, LAT0, LON0, nodata="fill")
    sea = load_dem(path, LAT0, LON0, nodata="sea-level")
    assert np.all(np.isfinite(filled.heights_m)) and np.all(np.isfinite(sea.heights_m))
    assert float(np.min(sea.heights_m)) == pytest.approx(0.0, abs=1e-9)
    # The hole (rows/cols 100-103 of the source) gets its neighbours' heights, close to the plane.
    lat_h, lon_h = LAT0 + 0.1 - 102.0 / 1200.0, LON0 - 0.1 + 102.0 / 1200.0
    x, y = filled.from_geodetic(np.array([lat_h]), np.array([lon_h]))
    plane = 500.0 + 2000.0 * (lat_h - LAT0) + 1000.0 * (lon_h - LON0)
    assert float(filled.height_at(x, y)[0]) == pytest.approx(plane, abs=5.0)
    assert float(sea.height_at(x, y)[0]) == pytest.approx(0.0, abs=1e-6)


# ------------------------------------------------------------------------------------------
# line of sight in ENU


def _sea_level_dem() -> Dem:
    return Dem(
        np.zeros((3, 3)), west_m=-150.0, north_m=150.0, cell_m=100.0, lat0_deg=26.2, lon0_deg=57.1
    )


def test_los_visible_enu_horizon_25m_radar_30m_target() -> None:
    import pymap3d

    dem = _sea_level_dem()  # beyond the DEM the ground is sea level
    lat = np.array([26.2 + 42_500.0 / 110_800.0, 26.2 + 44_000.0 / 110_800.0])
    e, n, u = pymap3d.geodetic2enu(lat, np.full(2, 57.1), np.full(2, 30.0), 26.2, 57.1, 0.0)
    targets = np.column_stack([e, n, u])
    seen = los_visible(dem, np.array([0.0, 0.0, 25.0]), targets)
    assert seen.tolist() == [True, False]


def test_los_visible_behind_a_ridge() -> None:
    heights = _ridge_grid()
    dem = Dem(heights, west_m=-0.5 * RIDGE_CELL_M, north_m=100.5 * RIDGE_CELL_M, cell_m=20.0)
    obs = np.array([0.0, 0.0, OBS_H_M])
    # 10 km east: the shadow boundary is 190 m (flat earth) plus a little curvature.
    low = np.array([[10_000.0, 0.0, 150.0]])
    high = np.array([[10_000.0, 0.0, 230.0]])
    assert not los_visible_grid(dem, obs, low)[0]
    assert los_visible_grid(dem, obs, high)[0]
    # And the sweep says the same about the boundary.
    sweep = dem_min_visible_height(dem, 0.0, 0.0, OBS_H_M)
    assert 150.0 < float(sweep[100, 500]) < 230.0


def test_visibility_bands_threshold_the_one_sweep() -> None:
    heights = fractal_terrain((50, 60), 30.0, np.random.default_rng(5))
    grid = min_visible_height_grid(heights, 25, 30, 10.0, 30.0, 30.0, max_distance_m=600.0)
    from openiads.terrain import visibility_bands

    bands = visibility_bands(grid, np.array([0.0, 20.0, 80.0]))
    assert bands.shape == (3, 50, 60) and bands.dtype == np.uint8
    for band, h in zip(bands, (0.0, 20.0, 80.0), strict=True):
        np.testing.assert_array_equal(band == 255, visible_mask(grid, h))
    assert np.all(bands[:, np.isnan(grid)] == 0)


def test_terrain_mask_agrees_with_rays_behind_a_ridge() -> None:
    from openiads.terrain import TerrainMask

    heights = _ridge_grid()
    dem = Dem(
        heights,
        west_m=-0.5 * RIDGE_CELL_M,
        north_m=100.5 * RIDGE_CELL_M,
        cell_m=RIDGE_CELL_M,
        lat0_deg=35.0,
        lon0_deg=51.0,
    )
    mask = TerrainMask(dem, np.array([0.0, 0.0, OBS_H_M]))
    assert mask.antenna_height_m == pytest.approx(OBS_H_M, abs=0.01)
    rng = np.random.default_rng(4)
    n = 400
    targets = np.column_stack(
        [rng.uniform(500.0, 11_900.0, n), rng.uniform(-1_900.0, 1_900.0, n), rng.uniform(0, 400, n)]
    )
    x, y, z = targets.T
    by_mask = mask.visible_grid(x, y, z)
    by_ray = los_visible_grid(dem, [0.0, 0.0, OBS_H_M], targets)
    assert float(np.mean(by_mask == by_ray)) >= 0.98
    # Far off the grid it falls back to the ray over sea level: a 10 km high target 100 km
    # east is above the horizon, a 10 m one is not.
    far = mask.visible_grid(np.array([100e3, 100e3]), np.array([0.0, 0.0]), np.array([1e4, 10.0]))
    assert far.tolist() == [True, False]


def test_cruise_missile_in_a_valley_is_unseen_until_it_pops_out() -> None:
    # A plateau at 300 m cut by a 150 m deep valley 5 km east of the radar (10 m mast on the
    # plateau). A missile 30 m above the valley floor hides below the rim; climbing to 200 m
    # above the floor (50 m above the rim) it is seen.
    cell = 25.0
    heights = valley((81, 401), cell, col=200, depth_m=150.0, half_width_m=1_000.0)
    dem = Dem(heights, west_m=-0.5 * cell, north_m=40.5 * cell, cell_m=cell, lat0_deg=27.0)
    x_valley = 200 * cell
    floor = float(dem.height_at(x_valley, 0.0)[()])
    assert floor == pytest.approx(150.0, abs=1e-6)
    radar = np.array([0.0, 0.0, 300.0 + 10.0])
    north = np.linspace(-500.0, 500.0, 5)
    low = np.column_stack([np.full(5, x_valley), north, np.full(5, floor + 30.0)])
    high = np.column_stack([np.full(5, x_valley), north, np.full(5, floor + 200.0)])
    assert not los_visible_grid(dem, radar, low).any()
    assert los_visible_grid(dem, radar, high).all()


# ------------------------------------------------------------------------------------------
# properties of the sweep


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    row=st.integers(0, 39),
    col=st.integers(0, 49),
    mast_m=st.floats(0.0, 50.0),
    lift_m=st.floats(1.0, 100.0),
    offset_m=st.floats(-300.0, 3_000.0),
)
def test_sweep_properties(
    seed: int, row: int, col: int, mast_m: float, lift_m: float, offset_m: float
) -> None:
    heights = fractal_terrain((40, 50), 30.0, np.random.default_rng(seed))
    base = min_visible_height_grid(heights, row, col, mast_m, 30.0, 30.0)
    assert np.all(base >= 0.0) and np.all(np.isfinite(base))
    # A taller mast never hides anything that a shorter one sees.
    taller = min_visible_height_grid(heights, row, col, mast_m + lift_m, 30.0, 30.0)
    assert np.all(taller <= base + 1e-6)
    # Shifting all terrain by a constant changes nothing.
    shifted = min_visible_height_grid(heights + offset_m, row, col, mast_m, 30.0, 30.0)
    np.testing.assert_allclose(shifted, base, atol=1e-3)
    # Refraction helps: 4/3 earth needs no more height than the true earth (k = 1).
    true_earth = min_visible_height_grid(heights, row, col, mast_m, 30.0, 30.0, k=1.0)
    assert np.all(base <= true_earth + 1e-6)


def test_unknown_positions_and_holes_are_refused_or_not_visible() -> None:
    dem = Dem(np.zeros((10, 10)), west_m=0.0, north_m=1000.0, cell_m=100.0)
    targets = np.array([[np.nan, 0.0, 0.0], [700.0, 500.0, 5.0], [0.0, 0.0, np.inf]])
    assert los_visible_grid(dem, [500.0, 500.0, 10.0], targets).tolist() == [False, True, False]
    with pytest.raises(ValueError, match="finite"):
        los_visible_grid(dem, [np.nan, 500.0, 10.0], targets)
    for k in (0.0, -4.0 / 3.0):  # the viewshed's rule: a refraction factor must be positive
        with pytest.raises(ValueError, match="k must be positive"):
            los_visible_grid(dem, [500.0, 500.0, 10.0], targets, k=k)
    holes = np.zeros((10, 10))
    holes[3, 3] = np.nan
    with pytest.raises(ValueError, match="without data"):
        Dem(holes, west_m=0.0, north_m=1000.0, cell_m=100.0)


def test_rays_above_all_terrain_skip_sampling_and_agree() -> None:
    heights = fractal_terrain((100, 100), 30.0, np.random.default_rng(9))
    dem = Dem(heights, west_m=0.0, north_m=3000.0, cell_m=30.0)
    top = dem.max_height_m
    assert top == pytest.approx(float(heights.max()), abs=1e-9)
    high = np.array([[2500.0, 500.0, top + 1.0], [100.0, 2900.0, top + 50.0]])
    assert los_visible_grid(dem, [1500.0, 1500.0, top + 1.0], high).all()
