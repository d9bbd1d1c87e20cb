"""Coverage: Pd maps against the detection functions at sample points, envelopes against
hand-computed limits, vertical coverage against the detection range and horizon formulas,
GeoTIFF/GeoJSON outputs, and bad input through the real CLI.

Worked values: physics notes §1 (250 km at 5 m² → 52.87 km at 0.01 m²), §3 (horizon
d = sqrt(2kRh_r) + sqrt(2kRh_t)).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from openiads.analysis import coverage as cov
from openiads.physics import detection, earth, kinematics
from openiads.terrain import Dem
from openiads.terrain.synthetic import ridge, write_projected_geotiff

RADAR = cov.RadarSpec(
    name="test-radar",
    ref_range_m=100_000.0,
    ref_rcs_m2=5.0,
    ref_pd=0.5,
    pfa=1e-6,
    swerling=1,
    scan_period_s=10.0,
    instrumented_range_m=150_000.0,
    min_elevation_rad=math.radians(-3.0),
    max_elevation_rad=math.radians(60.0),
    max_altitude_m=30_000.0,
    antenna_height_m=20.0,
)
MISSILE = cov.MissileSpec(
    name="test-missile",
    max_range_m=250_000.0,
    min_range_m=3_000.0,
    max_altitude_m=27_000.0,
    min_altitude_m=10.0,
    avg_speed_mps=1_200.0,
    max_speed_mps=2_000.0,
    max_tof_s=math.inf,
    max_target_speed_mps=4_800.0,
)


def _flat(half_m: float, cell_m: float) -> Dem:
    return cov.flat_dem(half_m, cell_m, 27.0, 56.0)


def test_pd_map_matches_detection_functions_at_sample_points() -> None:
    dem = _flat(60_000.0, 1_000.0)
    rcs = 0.1
    grid = cov.detection_pd_grid(dem, RADAR, 0.0, 0.0, rcs, 3_000.0, exposure_s=60.0)
    ref_snr = detection.snr_required_db(0.5, 1e-6, 1)
    xx, yy = np.meshgrid(dem.x_centers_m(), dem.y_centers_m())
    for row, col in [(60, 70), (60, 95), (30, 40), (100, 10), (5, 60)]:
        d = math.hypot(xx[row, col], yy[row, col])
        slant, _ = cov.slant_range_elevation(d, 20.0, 3_000.0)
        snr = detection.reference_snr_db(float(slant), rcs, 100_000.0, 5.0, ref_snr)
        expected = float(detection.pd(snr, 1e-6, 1))
        assert float(grid.single[row, col]) == pytest.approx(expected, rel=1e-9, abs=1e-12)
        # Six looks in 60 s at a 10 s scan, independent: physics' cumulative Pd.
        cum = float(detection.cumulative_pd(np.full(6, expected)))
        assert float(grid.cumulative[row, col]) == pytest.approx(cum, rel=1e-9, abs=1e-12)
    assert grid.n_looks == 6


def test_pd_half_contour_sits_at_the_detection_range() -> None:
    dem = _flat(60_000.0, 250.0)
    rcs = 0.1  # 100 km at 5 m² -> 37.61 km at 0.1 m²
    r_det = 100_000.0 * (rcs / 5.0) ** 0.25
    assert r_det == pytest.approx(37_606.0, abs=1.0)
    grid = cov.detection_pd_grid(dem, RADAR, 0.0, 0.0, rcs, 2_000.0)
    xx, yy = np.meshgrid(dem.x_centers_m(), dem.y_centers_m())
    slant, _ = cov.slant_range_elevation(np.hypot(xx, yy), 20.0, 2_000.0)
    inside = (slant < r_det - 300.0) & (np.hypot(xx, yy) > 5_000.0)
    outside = slant > r_det + 300.0
    assert np.all(grid.single[inside] > 0.5) and np.all(grid.single[outside] < 0.5)


def test_pd_map_terrain_masking_behind_a_ridge() -> None:
    heights = ridge((81, 161), 250.0, col=100, height_m=300.0, half_width_m=750.0)
    dem = Dem(heights, west_m=-0.5 * 250.0, north_m=40.5 * 250.0, cell_m=250.0)
    grid = cov.detection_pd_grid(dem, RADAR, 0.0, 0.0, 5.0, 50.0)
    # Ridge crest 25 km east, 300 m high; the 20 m antenna looks over it at 1.2 %: 10 km
    # behind it a 50 m target needs ~420 m to be seen. In front of the ridge it is seen.
    assert float(grid.single[40, 140]) == 0.0
    assert float(grid.single[40, 60]) > 0.9


def test_slant_range_and_elevation_by_the_law_of_cosines() -> None:
    # 100 km over a 4/3 earth, antenna 20 m, target 3 km: the chord between the two points
    # at radii kR + h and central angle d / kR, and the elevation physics.earth computes.
    r_eff = 4.0 / 3.0 * 6_371_000.0
    theta = 100_000.0 / r_eff
    ra, rt = r_eff + 20.0, r_eff + 3_000.0
    chord = math.sqrt(ra**2 + rt**2 - 2.0 * ra * rt * math.cos(theta))
    slant, el = cov.slant_range_elevation(100_000.0, 20.0, 3_000.0)
    assert float(slant) == pytest.approx(chord, rel=1e-12, abs=1e-6)
    assert float(el) == pytest.approx(
        float(earth.apparent_elevation_rad(100_000.0, 20.0, 3_000.0)), rel=1e-12, abs=1e-12
    )
    # Straight overhead: the height difference, at 90 degrees.
    slant0, el0 = cov.slant_range_elevation(0.0, 20.0, 3_000.0)
    assert float(slant0) == pytest.approx(2_980.0, abs=1e-6)
    assert float(el0) == pytest.approx(math.pi / 2, abs=1e-12)


def test_nan_min_ignores_nan_and_keeps_cells_no_grid_sees() -> None:
    a = np.array([np.nan, 1.0, np.nan, 5.0])
    b = np.array([2.0, 3.0, np.nan, 4.0])
    np.testing.assert_array_equal(cov.nan_min([a, b]), [2.0, 1.0, np.nan, 4.0])
    assert np.isnan(a[0]) and b[0] == 2.0  # the inputs are not modified


def test_union_of_independent_radars() -> None:
    p1 = np.array([0.0, 0.5, 0.9])
    p2 = np.array([0.5, 0.5, 0.0])
    np.testing.assert_allclose(cov.union_pd([p1, p2]), [0.5, 0.75, 0.9], atol=1e-12)
    with pytest.raises(ValueError, match="no radar"):
        cov.union_pd([])


def test_cone_of_silence_above_the_max_elevation() -> None:
    dem = _flat(20_000.0, 500.0)
    grid = cov.detection_pd_grid(dem, RADAR, 0.0, 0.0, 5.0, 10_000.0)
    # tan(60°) = 1.732: at 10 km altitude the cone reaches 5.77 km of ground range.
    xx, yy = np.meshgrid(dem.x_centers_m(), dem.y_centers_m())
    d = np.hypot(xx, yy)
    assert np.all(grid.single[d < 5_500.0] == 0.0)
    assert np.all(grid.single[(d > 6_200.0) & (d < 15_000.0)] > 0.99)


def test_vertical_coverage_detection_range_and_horizon() -> None:
    vc = cov.vertical_coverage(RADAR, 0.1, n_range=800, n_alt=400, max_range_m=80_000.0)
    assert vc.detection_range_m == pytest.approx(37_606.0, abs=1.0)
    # At 1 km altitude the Pd 0.5 boundary is at slant range 37.6 km.
    row = int(np.argmin(np.abs(vc.altitude_m - 1_000.0)))
    slant, _ = cov.slant_range_elevation(vc.ground_range_m, 20.0, vc.altitude_m[row])
    cell = vc.ground_range_m[1]
    edge = vc.ground_range_m[vc.pd[row] >= 0.5].max()
    expected = vc.ground_range_m[np.argmin(np.abs(slant - vc.detection_range_m))]
    assert edge == pytest.approx(expected, abs=1.5 * cell)
    # Below the horizon nothing: the rule of thumb d ≈ 4.12 (√h_r + √h_t) km (4/3 earth).
    low = int(np.argmin(np.abs(vc.altitude_m - 100.0)))
    horizon = float(earth.radar_horizon_m(20.0, vc.altitude_m[low]))
    rule = 4_120.0 * (math.sqrt(20.0) + math.sqrt(float(vc.altitude_m[low])))
    assert horizon == pytest.approx(rule, rel=0.002)
    assert np.all(vc.pd[low, vc.ground_range_m > horizon + cell] == 0.0)


def test_detection_range_table_worked_values() -> None:
    radar = cov.RadarSpec("r", 250_000.0, 5.0, 0.5, 1e-6, 1, 10.0, 600_000.0, antenna_height_m=25.0)
    rows = cov.detection_range_table(
        radar, [("stealth", 0.01, 1.0, 10_000.0), ("cm", 5.0, 5.0, 30.0)]
    )
    by = {(r.target, r.aspect): r for r in rows}
    assert by[("stealth", "frontal")].free_space_range_m == pytest.approx(52_870.0, abs=10.0)
    assert by[("stealth", "beam")].free_space_range_m == pytest.approx(167_190.0, abs=10.0)
    # Horizon 25 m / 30 m on 4/3 earth: 43.19 km; it limits the low cruise missile.
    assert by[("cm", "frontal")].horizon_range_m == pytest.approx(43_190.0, abs=20.0)
    assert by[("cm", "frontal")].first_detection_m == pytest.approx(43_190.0, abs=20.0)


def test_envelope_hand_computed_limits() -> None:
    env = cov.engagement_envelope(MISSILE, 300.0, plan_altitude_m=1_000.0, n=800)
    step = env.ground_range_m[1]
    row = int(np.argmin(np.abs(env.altitude_m - 1_000.0)))
    h = env.altitude_m[row]
    feasible = env.ground_range_m[env.intercept[row]]
    # Dead zone: slant 3 km at ~1 km altitude -> ground sqrt(3000² - h²).
    assert feasible.min() == pytest.approx(math.sqrt(3_000.0**2 - h**2), abs=1.5 * step)
    assert feasible.max() == pytest.approx(math.sqrt(250_000.0**2 - h**2), abs=1.5 * step)
    # Head-on launch boundary: 250 km + 300 m/s x (250 km / 1200 m/s) = 312.5 km.
    assert float(env.launch_range_m[row]) == pytest.approx(312_500.0, abs=2.0 * step + 500.0)
    # Nothing above the ceiling.
    assert not env.intercept[env.altitude_m > 27_000.0 + 1.0].any()


def test_envelope_time_of_flight_limit_and_target_speed_limit() -> None:
    short = cov.MissileSpec(**{**MISSILE.__dict__, "max_tof_s": 100.0})
    env = cov.engagement_envelope(short, 300.0, n=800)
    reach = float(kinematics.flyout_distance_m(100.0, 1_200.0, 2_000.0, 250_000.0))
    row = int(np.argmin(np.abs(env.altitude_m - 1_000.0)))
    outer = env.ground_range_m[env.intercept[row]].max()
    assert outer == pytest.approx(math.sqrt(reach**2 - env.altitude_m[row] ** 2), abs=1_000.0)
    too_fast = cov.engagement_envelope(MISSILE, 5_000.0, n=100)
    assert not too_fast.intercept.any()


def test_engagement_grid_dead_zone_outer_limit_and_fire_control_los() -> None:
    dem = _flat(260_000.0, 2_000.0)
    fcr = cov.RadarSpec("fcr", 400_000.0, 5.0, 0.5, 1e-6, 1, 1.0, 400_000.0, antenna_height_m=25.0)
    site = cov.SiteSpec("s", 0.0, 0.0, (fcr,), fcr, (MISSILE,))
    high = cov.engagement_grid(dem, site, 10_000.0, 300.0)
    assert high.dead_zone_m < 4_000.0
    assert high.outer_limit_m == pytest.approx(math.sqrt(250_000.0**2 - 10_000.0**2), abs=3_000.0)
    # At 50 m the fire-control radar's horizon, not the missile, sets the outer limit.
    low = cov.engagement_grid(dem, site, 50.0, 300.0)
    horizon = float(earth.radar_horizon_m(25.0, 50.0))
    assert low.outer_limit_m == pytest.approx(horizon, abs=3_000.0)


def test_min_detectable_altitude_over_smooth_earth_matches_horizon_formula() -> None:
    dem = _flat(120_000.0, 1_000.0)
    grid = cov.min_detectable_altitude_grid(dem, RADAR, 0.0, 0.0)
    d = np.hypot(*np.meshgrid(dem.x_centers_m(), dem.y_centers_m()))
    expected = earth.min_visible_height_m(d, 20.0)
    ok = np.isfinite(grid) & (d > 2_000.0)
    np.testing.assert_allclose(grid[ok], expected[ok], atol=2.0, rtol=0.01)
    # Beyond the instrumented range (150 km) nothing.
    assert np.all(np.isnan(grid[d > 151_000.0]))


def test_contours_geojson_are_wgs84_lines_around_the_origin() -> None:
    dem = _flat(50_000.0, 1_000.0)
    d = np.hypot(*np.meshgrid(dem.x_centers_m(), dem.y_centers_m()))
    fc = cov.contours_geojson(dem, d, [20_000.0])
    assert fc["features"], "a circle of 20 km should give one contour"
    coords = np.array(fc["features"][0]["geometry"]["coordinates"])
    # 20 km from (27 N, 56 E): about 0.18 deg of latitude.
    dlat = np.abs(coords[:, 1] - 27.0).max()
    assert dlat == pytest.approx(20_000.0 / 110_800.0, abs=0.01)


# ------------------------------------------------------------------------------------------
# through the CLI

SCENARIO = """\
schema_version: 1
name: coverage test
epoch: 2026-01-01T02:00:00Z
duration: 10 min
sites:
  - id: bn1
    system: S-400
    position: {{lat: {lat}, lon: {lon}, alt: 30 m}}
    mast: 25 m
{extra}air:
  - id: f16
    type: F-16C
    side: hostile
    route:
      - {{lat: 26.5, lon: 56.0, alt: FL200, speed: 250 m/s}}
      - {{lat: 27.0, lon: 56.1}}
"""


FAR_SITE = """\
  - id: far
    system: 3rd-Khordad
    position: {lat: 27.9, lon: 56.1, alt: 10 m}
"""


def _scenario(tmp_path: Path, lat: float = 27.0, lon: float = 56.1, extra: str = "") -> Path:
    path = tmp_path / "scn.yaml"
    path.write_text(SCENARIO.format(lat=lat, lon=lon, extra=extra))
    return path


def _dem_tif(tmp_path: Path, *, crs: str | None = "EPSG:4326", hole: bool = False) -> Path:
    import rasterio

    from openiads.terrain.dem import north_up_transform

    n = 200
    step = 1.0 / 1200.0
    heights = np.full((n, n), 50.0, dtype=np.float32)
    heights[:, 130:135] = 400.0  # a ridge east of the site
    if hole:
        heights[20:25, 20:25] = -9999.0
    profile = {
        "driver": "GTiff",
        "width": n,
        "height": n,
        "count": 1,
        "dtype": "float32",
        "transform": north_up_transform(56.02, 27.08, step, step),
        "nodata": -9999.0,
    }
    if crs:
        profile["crs"] = crs
    path = tmp_path / ("dem.tif" if crs else "nocrs.tif")
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(heights, 1)
    return path


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openiads.cli", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _assert_one_line_error(res: subprocess.CompletedProcess[str], *words: str) -> None:
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert lines[0].startswith("error:")
    for w in words:
        assert w in lines[0], lines[0]


@pytest.mark.slow
def test_cli_map_writes_geotiff_with_crs_and_contours(tmp_path: Path) -> None:
    import rasterio

    dem = _dem_tif(tmp_path)
    out = tmp_path / "low.tif"
    gj = tmp_path / "low.geojson"
    res = _cli(
        "coverage", "map", _scenario(tmp_path), "--rcs", "0.1m^2", "--altitude", "50m",
        "--dem", dem, "--out", out, "--contours", gj, "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["altitude_reference"] == "agl" and summary["smooth_earth"] is False
    with rasterio.open(out) as ds:
        assert ds.crs is not None and ds.count == 2
        single = ds.read(1)
        assert "aeqd" in ds.crs.to_proj4()
    # The ridge 2.5 km east hides the ground behind it at 50 m AGL; the near side is seen.
    assert np.nanmax(single) > 0.9 and np.nanmin(single) == 0.0
    fc = json.loads(gj.read_text())
    assert fc["type"] == "FeatureCollection"
    eng = tmp_path / "eng.tif"
    res = _cli(
        "coverage", "map", _scenario(tmp_path), "--kind", "engagement", "--altitude", "50m",
        "--target-speed", "250m/s", "--dem", dem, "--out", eng, "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    unit = json.loads(res.stdout)["fire_units"][0]
    assert unit["dead_zone_m"] < unit["outer_limit_m"]
    with rasterio.open(eng) as ds:
        count, tof = ds.read(1), ds.read(2)
    assert set(np.unique(count)) <= {0.0, 1.0} and count.max() == 1.0
    assert np.all(np.isfinite(tof[count == 1.0])) and np.all(np.isnan(tof[count == 0.0]))


@pytest.mark.slow
def test_cli_gaps_and_envelope_and_vertical(tmp_path: Path) -> None:
    res = _cli(
        "coverage", "gaps", _scenario(tmp_path), "--dem", _dem_tif(tmp_path),
        "--out", tmp_path / "gaps.tif", "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    s = json.loads(res.stdout)
    assert s["area_seen_at_1000m_agl_km2"] >= s["area_seen_at_25m_agl_km2"] > 0
    res = _cli(
        "coverage", "envelope", "--missile", "48N6E3", "--target-speed", "300m/s",
        "--out", tmp_path / "env.png", "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    env = json.loads(res.stdout)
    assert env["dead_zone_m"] < env["outer_limit_m"] < env["launch_range_head_on_m"]
    assert (tmp_path / "env.png").stat().st_size > 10_000
    res = _cli(
        "coverage", "vertical", "--radar", "91N6E", "--rcs", "0.005m^2",
        "--out", tmp_path / "vcd.svg", "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["free_space_range_m"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("missing", ("not found", "missing.tif")),
        ("nocrs", ("coordinate reference system",)),
        ("outside", ("outside the DEM",)),
        ("site-outside", ("sites[1]", "'far'", "outside the DEM grid")),
        ("holes", ("no data", "fill")),
        ("badrcs", ("--rcs",)),
        ("badout", ("--out",)),
    ],
)
def test_cli_bad_input_one_line(tmp_path: Path, case: str, words: tuple[str, ...]) -> None:
    scenario = _scenario(tmp_path)
    dem: Path = _dem_tif(tmp_path)
    extra: list[str | Path] = ["--rcs", "1m^2"]
    out = tmp_path / "o.tif"
    if case == "missing":
        dem = tmp_path / "missing.tif"
    elif case == "nocrs":
        dem = _dem_tif(tmp_path, crs=None)
    elif case == "outside":
        scenario = _scenario(tmp_path, lat=27.9, lon=56.1)
    elif case == "site-outside":
        scenario = _scenario(tmp_path, extra=FAR_SITE)
    elif case == "holes":
        dem = _dem_tif(tmp_path, hole=True)
    elif case == "badrcs":
        extra = ["--rcs", "big"]
    elif case == "badout":
        out = tmp_path / "o.xyz"
    res = _cli("coverage", "map", scenario, "--dem", dem, "--out", out, *extra)
    _assert_one_line_error(res, *words)


def test_geotiff_written_on_the_local_grid(tmp_path: Path) -> None:
    import rasterio

    from openiads.terrain import write_geotiff

    dem = _flat(5_000.0, 500.0)
    path = write_geotiff(tmp_path / "x.tif", dem, np.ones(dem.shape), descriptions=("one",))
    with rasterio.open(path) as ds:
        assert ds.crs is not None and ds.descriptions == ("one",)
        # The origin cell's centre is (0, 0) in the local frame.
        row, col = ds.index(0.0, 0.0)
        assert (row, col) == (dem.shape[0] // 2, dem.shape[1] // 2)


def test_projected_dem_round_trip(tmp_path: Path) -> None:
    from openiads.terrain import load_dem

    heights = np.full((300, 300), 120.0)
    path = write_projected_geotiff(
        tmp_path / "utm.tif", heights, cell_m=30.0, west_m=400_000.0, north_m=3_000_000.0
    )
    # Origin inside the UTM 40N raster: 27.07 N, 56.0 E is about (400 km, 2995 km).
    dem = load_dem(path, 27.07, 56.0, 0.0)
    assert dem.cell_m == pytest.approx(30.0, abs=1e-6)
    assert float(np.nanmean(dem.heights_m)) == pytest.approx(120.0, abs=1e-3)


def test_scenario_grid_places_sites_and_radars(tmp_path: Path) -> None:
    from openiads.catalog import load_catalog
    from openiads.scenario import load_scenario

    scn = load_scenario(_scenario(tmp_path))
    grid = cov.scenario_grid(scn, load_catalog(), half_size_m=50_000.0, cell_m=1_000.0)
    assert grid.smooth_earth and len(grid.sites) == 1
    site = grid.sites[0]
    assert site.east_m == pytest.approx(0.0, abs=1.0)  # the origin defaults to the first site
    assert site.fire_control is not None
    # Over a smooth earth the mast (25 m) stands on the site's 30 m altitude.
    assert site.fire_control.antenna_height_m == pytest.approx(55.0, abs=1e-9)
    assert site.missiles


def test_textwrap_scenario_is_valid_yaml() -> None:
    # Guards the template above against indentation slips.
    import yaml

    text = textwrap.dedent(SCENARIO.format(lat=1, lon=2, extra=FAR_SITE))
    assert [s["id"] for s in yaml.safe_load(text)["sites"]] == ["bn1", "far"]


def test_detection_map_uses_the_rcs_of_each_radars_band() -> None:
    from dataclasses import replace

    dem = _flat(60_000.0, 2_000.0)
    s_band = replace(RADAR, name="s", band="S")
    x_band = replace(RADAR, name="x", band="X")
    grid = cov.ScenarioGrid(dem, (cov.SiteSpec("a", 0.0, 0.0, (s_band, x_band)),), 4 / 3, True)
    res = cov.detection_map(grid, {"S": 1.0, "X": 0.01}, 3_000.0)
    alone_s = cov.detection_pd_grid(dem, s_band, 0.0, 0.0, 1.0, 3_000.0).single
    alone_x = cov.detection_pd_grid(dem, x_band, 0.0, 0.0, 0.01, 3_000.0).single
    np.testing.assert_allclose(res["single"], 1 - (1 - alone_s) * (1 - alone_x), atol=1e-12)
    assert [r["rcs_m2"] for r in res["summary"]["radars"]] == [1.0, 0.01]
    with pytest.raises(KeyError):
        cov.rcs_for({"L": 1.0}, s_band)


@pytest.mark.slow
def test_cli_viewshed_writes_the_min_visible_height(tmp_path: Path) -> None:
    import rasterio

    from openiads.terrain import dem_min_visible_height, load_dem

    dem_path = _dem_tif(tmp_path)
    out = tmp_path / "vs.tif"
    res = _cli(
        "coverage", "viewshed", dem_path, "--lat", "27.0", "--lon", "56.1",
        "--antenna-height", "15m", "--out", out, "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    with rasterio.open(out) as ds:
        band = ds.read(1).astype(np.float64)
    expected = dem_min_visible_height(load_dem(dem_path, 27.0, 56.1), 0.0, 0.0, 15.0)
    np.testing.assert_allclose(band, expected, atol=1e-3)
    # The 350 m ridge 2.5 km east hides the ground behind it.
    assert float(np.nanmax(band)) > 100.0


def test_detection_reach_horizon_or_free_space_whichever_is_nearer() -> None:
    # 30 m target: the horizon (20 m antenna, 4/3 earth) at 18.4 + 22.6 = 41.0 km is farther
    # than the 0.1 m² free-space range, 37.6 km: Pd 0.5 reached out to about 37.6 km (slant).
    reach = cov.detection_reach_m(RADAR, 0.1, 30.0, step_m=10.0)
    assert reach == pytest.approx(37_606.0, abs=20.0)
    # 5 m² at 30 m: free space 100 km, the horizon limits it.
    horizon = float(earth.radar_horizon_m(20.0, 30.0))
    assert cov.detection_reach_m(RADAR, 5.0, 30.0, step_m=10.0) == pytest.approx(horizon, abs=20.0)
