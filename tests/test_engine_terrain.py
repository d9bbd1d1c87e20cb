"""The engine masks detections and fire control by terrain when the scenario names a DEM.

A radar stands west of a 600 m north-south ridge; a cruise missile flies west towards it at
30 m above the ground. Over a smooth 4/3 earth the radar sees it at the radar horizon
(~45 km); with the ridge in between it is hidden until it crosses the ridge line ~20 km out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from openiads.engine import simulate
from openiads.physics.earth import radar_horizon_m
from openiads.scenario import compile_world, load_scenario_text
from openiads.terrain.synthetic import ridge, write_projected_geotiff

LAT0, LON0 = 27.0, 56.0
CELL_M = 100.0
RIDGE_EAST_M = 20_000.0  # ridge crest 20 km east of the radar

SCENARIO = """
schema_version: 1
name: ridge
epoch: 2026-01-01T00:00:00Z
duration: 12 min
seed: 3
{terrain}
sites:
  - id: bn
    system: S-400
    position: {{lat: {lat0}, lon: {lon0}, alt: 0 m AGL}}
    mast: 10 m
    roe: weapons-free
raids:
  - id: cm
    type: Tomahawk
    count: 1
    from: {{lat: {lat0}, lon: {lon_from:.4f}}}
    to: {{lat: {lat0}, lon: {lon0}}}
    altitude: 30 m AGL
"""


def _dem(tmp_path: Path) -> Path:
    from rasterio.warp import transform

    (x0,), (y0,) = transform("EPSG:4326", "EPSG:32640", [LON0], [LAT0])
    shape = (801, 1601)  # 80 km north-south, 160 km east-west, radar at column 400
    heights = ridge(
        shape, CELL_M, col=400 + RIDGE_EAST_M / CELL_M, height_m=600.0, half_width_m=3_000.0
    )
    west = x0 - 400 * CELL_M
    north = y0 + 400 * CELL_M
    return write_projected_geotiff(
        tmp_path / "ridge.tif", heights, cell_m=CELL_M, west_m=west, north_m=north
    )


def _first_detection_range_m(text: str) -> float:
    summary = simulate(compile_world(load_scenario_text(text, "ridge.yaml")), 3).summary
    cm = next(o for o in summary["objects"] if o["id"] == "cm")
    assert cm["first_detection_range_m"] is not None
    return float(cm["first_detection_range_m"])


@pytest.mark.slow
def test_cruise_missile_hidden_behind_ridge_until_it_crosses(tmp_path: Path) -> None:
    dem = _dem(tmp_path)
    lon_from = LON0 + 0.7  # ~70 km east
    base = dict(lat0=LAT0, lon0=LON0, lon_from=lon_from)
    smooth = _first_detection_range_m(SCENARIO.format(terrain="", **base))
    with_ridge = _first_detection_range_m(
        SCENARIO.format(terrain=f"terrain: {{dem: {dem}}}", **base)
    )
    # Smooth earth: first seen near the 4/3-earth radar horizon of the highest antenna of the
    # battalion for a 30 m target (e.g. 43.2 km for a 25 m mast, 35.6 km for 10 m).
    world = compile_world(load_scenario_text(SCENARIO.format(terrain="", **base), "r.yaml"))
    horizon = float(radar_horizon_m(world.radars.antenna_agl_m.max(), 30.0))
    assert smooth == pytest.approx(horizon, abs=3_000.0, rel=0)
    assert smooth <= horizon + 100.0
    # Terrain: nothing before the missile is over the crest (20 km), then seen quickly.
    assert with_ridge <= RIDGE_EAST_M + 500.0
    assert with_ridge > 10_000.0
    assert np.isfinite(with_ridge)


@pytest.mark.slow
def test_route_starting_off_the_dem_still_flies(tmp_path: Path) -> None:
    dem = _dem(tmp_path)
    text = SCENARIO.format(
        terrain=f"terrain: {{dem: {dem}, nodata: error}}",
        lat0=LAT0,
        lon0=LON0,
        lon_from=LON0 + 1.4,  # ~139 km east, beyond the DEM's 120 km eastern edge
    ).replace("duration: 12 min", "duration: 20 min")
    summary = simulate(compile_world(load_scenario_text(text, "off.yaml")), 3).summary
    cm = next(o for o in summary["objects"] if o["id"] == "cm")
    assert cm["first_detection_range_m"] is not None
    assert cm["first_detection_range_m"] <= RIDGE_EAST_M + 500.0
    assert cm["status"] in ("killed", "leaked")
