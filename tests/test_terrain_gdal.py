"""The one-pass minimum-visible-height sweep against GDAL's ``gdal_viewshed`` (Debian gdal-bin).

GDAL implements the same Wang et al. (2000) reference-plane method; ``-cc 0.75`` is the 4/3
earth (curvature coefficient = 1/k) and ``-om GROUND`` writes the minimum visible target
height above ground. GDAL drops heights by ``cc * d^2 / (2 a)`` with ``a`` the ellipsoid's
semi-major axis, so the comparison runs with ``earth_radius_m = 6378137``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from openiads.terrain import WGS84_A_M, min_visible_height_grid
from openiads.terrain.synthetic import fractal_terrain, write_projected_geotiff

pytestmark = pytest.mark.gdal

GDAL_VIEWSHED = shutil.which("gdal_viewshed")
CELL_M = 30.0
WEST_M, NORTH_M = 400_000.0, 3_000_000.0


@pytest.mark.skipif(GDAL_VIEWSHED is None, reason="gdal_viewshed (GDAL gdal-bin) not installed")
@pytest.mark.parametrize("seed", [3, 11])
def test_min_visible_height_agrees_with_gdal_viewshed_cc075_ground(
    tmp_path: Path, seed: int
) -> None:
    import rasterio

    n = 241
    heights = fractal_terrain((n, n), CELL_M, np.random.default_rng(seed))
    dem_path = write_projected_geotiff(
        tmp_path / "dem.tif", heights, cell_m=CELL_M, west_m=WEST_M, north_m=NORTH_M
    )
    r0, c0 = 120, 97
    ox = WEST_M + (c0 + 0.5) * CELL_M
    oy = NORTH_M - (r0 + 0.5) * CELL_M
    out_path = tmp_path / "gdal.tif"
    subprocess.run(
        [
            str(GDAL_VIEWSHED),
            "-q",
            "-ox",
            str(ox),
            "-oy",
            str(oy),
            "-oz",
            "10",
            "-cc",
            "0.75",
            "-om",
            "GROUND",
            str(dem_path),
            str(out_path),
        ],
        check=True,
        capture_output=True,
    )
    with rasterio.open(out_path) as ds:
        gdal = ds.read(1).astype(np.float64)
    assert gdal.shape == (n, n)

    # Same float32 heights as GDAL read from the file.
    ours = min_visible_height_grid(
        heights.astype(np.float32),
        r0,
        c0,
        10.0,
        CELL_M,
        CELL_M,
        k=4.0 / 3.0,
        earth_radius_m=WGS84_A_M,
    ).astype(np.float64)
    for target_m in (0.0, 50.0, 100.0, 500.0):
        agree = float(np.mean((gdal <= target_m) == (ours <= target_m)))
        assert agree >= 0.995, f"{target_m} m: {agree:.4%}"
    diff_m = np.abs(gdal - ours)
    # GDAL 3.6 takes the eight cells around the observer against the observer's ground height
    # rather than its eye; away from them the two agree to rounding.
    near = np.zeros_like(diff_m, dtype=bool)
    near[r0 - 3 : r0 + 4, c0 - 3 : c0 + 4] = True
    assert float(np.quantile(diff_m[~near], 0.99)) == pytest.approx(0.0, abs=1e-3)
    assert float(np.mean(diff_m)) < 0.05


@pytest.mark.skipif(GDAL_VIEWSHED is None, reason="gdal_viewshed (GDAL gdal-bin) not installed")
def test_sweep_reproduces_gdal_exactly_with_its_neighbour_rule_observer_on_a_peak(
    tmp_path: Path,
) -> None:
    import rasterio

    n = 161
    heights = fractal_terrain((n, n), CELL_M, np.random.default_rng(5), relief_m=800.0)
    inner = heights[40:-40, 40:-40]
    r0, c0 = (int(v) + 40 for v in np.unravel_index(np.argmax(inner), inner.shape))
    dem_path = write_projected_geotiff(
        tmp_path / "dem.tif", heights, cell_m=CELL_M, west_m=WEST_M, north_m=NORTH_M
    )
    out_path = tmp_path / "gdal.tif"
    subprocess.run(
        [
            str(GDAL_VIEWSHED), "-q",
            "-ox", str(WEST_M + (c0 + 0.5) * CELL_M), "-oy", str(NORTH_M - (r0 + 0.5) * CELL_M),
            "-oz", "2", "-cc", "0.75", "-om", "GROUND", str(dem_path), str(out_path),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with rasterio.open(out_path) as ds:
        gdal = ds.read(1).astype(np.float64)
    compat = min_visible_height_grid(
        heights.astype(np.float32), r0, c0, 2.0, CELL_M, CELL_M,
        k=4.0 / 3.0, earth_radius_m=WGS84_A_M, gdal36_neighbours=True,
    )  # fmt: skip
    # With GDAL 3.6's rule for the observer's neighbours the two sweeps are the same to
    # floating-point rounding, even where that rule matters most (a 2 m mast on a summit).
    np.testing.assert_allclose(compat, gdal, atol=1e-3, rtol=0)
    ours = min_visible_height_grid(
        heights.astype(np.float32), r0, c0, 2.0, CELL_M, CELL_M,
        k=4.0 / 3.0, earth_radius_m=WGS84_A_M,
    )  # fmt: skip
    # The eye-height rule only ever sees more than GDAL's ground-height rule.
    assert np.all(ours <= gdal + 1e-3)
