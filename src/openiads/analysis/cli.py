"""``openiads coverage``: vertical coverage diagrams, coverage maps, gaps and envelopes.

Thin commands over :mod:`openiads.analysis.coverage`; heavy imports happen inside them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from openiads.errors import InputError

coverage_app = typer.Typer(
    name="coverage",
    help="Where a battery sees and where it can shoot: diagrams, maps, gaps, envelopes.",
    no_args_is_help=True,
)

_PLOT_SUFFIXES = (".png", ".svg", ".pdf")
_TIFF_SUFFIXES = (".tif", ".tiff")


_NODATA_HELP = "DEM cells without data: error, fill (nearest height) or sea-level (0 m)"

# Options shared by several coverage commands, declared once.
HalfSizeOpt = Annotated[str | None, typer.Option("--half-size", help="e.g. 150km")]
CellOpt = Annotated[str | None, typer.Option("--cell", help="grid cell, e.g. 500m")]
NodataOpt = Annotated[str, typer.Option("--nodata", help=_NODATA_HELP)]
KOpt = Annotated[float | None, typer.Option("--k", help="effective earth radius factor")]
KStandardOpt = Annotated[float, typer.Option("--k", help="effective earth radius factor")]
ContoursOpt = Annotated[
    Path | None, typer.Option("--contours", help="also write GeoJSON contours here")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the summary as JSON")]
AspectOpt = Annotated[str, typer.Option("--aspect", help="with --target: frontal, beam or rear")]


def register(app: typer.Typer) -> None:
    app.add_typer(coverage_app, name="coverage")


def _quantity(text: str | None, kind: str, option: str) -> float | None:
    from openiads.units import parse_quantity

    if text is None:
        return None
    try:
        return parse_quantity(text, kind)
    except InputError as err:
        raise err.located(field=option) from None


def _rcs(text: str) -> float:
    return _quantity(text, "rcs", "--rcs") or 0.0  # text is given, so never None


def _altitude(text: str) -> tuple[float, str]:
    """A target altitude: above ground unless it says MSL or is a flight level."""
    from openiads.units import parse_altitude

    try:
        value, _ = parse_altitude(text)
    except InputError as err:
        raise err.located(field="--altitude") from None
    t = text.strip().upper()
    ref = "msl" if (t.endswith("MSL") or re.match(r"^FL\s*\d", t)) else "agl"
    return value, ref


def _target_rcs(grid: Any, target: str, aspect: str) -> dict[str, float]:
    """RCS of a catalog target in the band of each radar on the grid."""
    t = _catalog().target(target)
    bands = {r.band for site in grid.sites for r in site.radars}
    return {band: float(t.rcs_m2(band, aspect).nominal) for band in sorted(bands)}


def _check_out(out: Path, allowed: tuple[str, ...], option: str = "--out") -> None:
    if out.suffix.lower() not in allowed:
        raise InputError(
            f"cannot tell the format of {out.name!r}; use one of {', '.join(allowed)}",
            field=option,
        )
    if not out.parent.exists():
        raise InputError("the output folder does not exist", file=str(out.parent), field=option)


def _emit(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=_json_default))
        return
    from rich.console import Console

    console = Console()
    for key, value in summary.items():
        if isinstance(value, list):
            console.print(f"[bold]{key}[/bold]:")
            for row in value:
                console.print("  " + ", ".join(f"{k}={_fmt(v)}" for k, v in row.items()))
        else:
            console.print(f"[bold]{key}[/bold]: {_fmt(value)}")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _json_default(v: Any) -> Any:
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def _catalog() -> Any:
    from openiads.catalog import load_catalog

    return load_catalog()


# --------------------------------------------------------------------------------------------


@coverage_app.command("vertical")
def vertical(
    radar: Annotated[str, typer.Option("--radar", help="catalog radar, e.g. 91N6E")],
    rcs: Annotated[str, typer.Option("--rcs", help="target RCS, e.g. 0.005m^2 or -23dBsm")],
    out: Annotated[Path, typer.Option("--out", "-o", help="plot file (.png, .svg, .pdf)")],
    k: KStandardOpt = 4.0 / 3.0,
    antenna_height: Annotated[
        str | None, typer.Option("--antenna-height", help="replaces the catalog's, e.g. 25m")
    ] = None,
    max_range: Annotated[str | None, typer.Option("--max-range", help="e.g. 300km")] = None,
    max_altitude: Annotated[str | None, typer.Option("--max-altitude", help="e.g. 30km")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Vertical coverage diagram (range-height, 4/3 earth) of a radar for one RCS."""
    from openiads.analysis import coverage as cov

    _check_out(out, _PLOT_SUFFIXES)
    sigma = _rcs(rcs)
    spec = cov.RadarSpec.from_catalog(
        _catalog().radar(radar),
        antenna_height_m=_quantity(antenna_height, "length", "--antenna-height"),
    )
    vc = cov.vertical_coverage(
        spec,
        sigma,
        k=k,
        max_range_m=_quantity(max_range, "length", "--max-range"),
        max_altitude_m=_quantity(max_altitude, "altitude", "--max-altitude"),
    )
    cov.plot_vertical_coverage(vc, out)
    reach = {
        f"range_at_{h:g}m_m": cov.detection_reach_m(spec, sigma, h, k=k)
        for h in (30.0, 100.0, 1_000.0, 10_000.0)
    }
    _emit(
        {
            "radar": spec.name,
            "rcs_m2": sigma,
            "k": k,
            "antenna_height_m": spec.antenna_height_m,
            "free_space_range_m": float(vc.detection_range_m),
            "ref_pd": spec.ref_pd,
            **reach,
            "out": str(out),
        },
        as_json,
    )


@coverage_app.command("table")
def table(
    radar: Annotated[str, typer.Option("--radar", help="catalog radar, e.g. 91N6E")],
    k: KStandardOpt = 4.0 / 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON rows")] = False,
) -> None:
    """Detection range of every catalog target, frontal and beam aspect ("can it see an F-35")."""
    from openiads.analysis import coverage as cov

    cat = _catalog()
    raw = cat.radar(radar)
    spec = cov.RadarSpec.from_catalog(raw)
    targets = []
    for name in cat.names("target"):  # one row per catalog target
        t = cat.target(name)
        targets.append(
            (
                name,
                float(t.rcs_m2(spec.band, "frontal").nominal),
                float(t.rcs_m2(spec.band, "beam").nominal),
                float(t.typical_altitude_m.nominal),
            )
        )
    rows = cov.detection_range_table(spec, targets, k=k)
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in rows], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    tab = Table(
        title=f"{spec.name} ({spec.band} band): range at Pd {spec.ref_pd:g}, "
        f"ref {spec.ref_range_m / 1000:.0f} km at {spec.ref_rcs_m2:g} m²"
    )
    for col in (
        "target",
        "aspect",
        "RCS m²",
        "free space km",
        "altitude m",
        "horizon km",
        "first km",
    ):
        tab.add_column(col, justify="right" if col != "target" else "left")
    for r in rows:
        tab.add_row(
            r.target,
            r.aspect,
            f"{r.rcs_m2:.3g}",
            f"{r.free_space_range_m / 1000:.0f}",
            f"{r.altitude_m:.0f}",
            f"{r.horizon_range_m / 1000:.0f}",
            f"{r.first_detection_m / 1000:.0f}",
        )
    Console().print(tab)
    typer.echo(
        "first = min(free-space range, smooth-earth horizon at the typical altitude, "
        "instrumented range). Catalog RCS figures are public estimates with wide ranges."
    )


def _grid(
    scenario: Path,
    dem: Path | None,
    half_size: str | None,
    cell: str | None,
    nodata: str,
    k: float | None,
) -> Any:
    from openiads.analysis import coverage as cov
    from openiads.scenario import load_scenario

    scn = load_scenario(scenario)
    return cov.scenario_grid(
        scn,
        _catalog(),
        dem_path=dem,
        half_size_m=_quantity(half_size, "length", "--half-size"),
        cell_m=_quantity(cell, "length", "--cell"),
        nodata=nodata,
        k=k,
    )


def _write_outputs(
    grid: Any,
    out: Path,
    bands: list[Any],
    descriptions: tuple[str, ...],
    *,
    title: str,
    label: str,
    contours: Path | None,
    levels: list[float],
    vmin: float | None = None,
    vmax: float | None = None,
) -> None:
    """Write ``bands`` as a GeoTIFF, or plot the first band; contour the first band if asked."""
    from openiads.analysis import coverage as cov
    from openiads.terrain.dem import write_geotiff

    if out.suffix.lower() in _TIFF_SUFFIXES:
        import numpy as np

        write_geotiff(out, grid.dem, np.stack(bands), descriptions=descriptions)
    else:
        cov.plot_map(
            grid.dem,
            bands[0],
            out,
            title=title,
            label=label,
            sites=grid.sites,
            vmin=vmin,
            vmax=vmax,
        )
    if contours is not None:
        fc = cov.contours_geojson(grid.dem, bands[0], levels, name="level")
        contours.write_text(json.dumps(fc))


@coverage_app.command("map")
def map_(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path, typer.Option("--out", "-o", help="GeoTIFF (.tif) or plot (.png/.svg)")],
    rcs: Annotated[str, typer.Option("--rcs", help="target RCS, e.g. 0.1m^2")] = "1 m^2",
    target: Annotated[
        str | None,
        typer.Option("--target", help="catalog target (RCS per radar band), replaces --rcs"),
    ] = None,
    aspect: AspectOpt = "frontal",
    altitude: Annotated[
        str, typer.Option("--altitude", help="target altitude: '50m' is AGL; '3000 m MSL', FL300")
    ] = "100 m",
    dem: Annotated[Path | None, typer.Option("--dem", help="GeoTIFF or .hgt DEM")] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="detection (Pd) or engagement (intercept zone)")
    ] = "detection",
    exposure: Annotated[
        str, typer.Option("--exposure", help="exposure time for cumulative Pd, e.g. 60s")
    ] = "60 s",
    target_speed: Annotated[
        str, typer.Option("--target-speed", help="for --kind engagement, e.g. 300m/s")
    ] = "250 m/s",
    half_size: HalfSizeOpt = None,
    cell: CellOpt = None,
    nodata: NodataOpt = "error",
    k: KOpt = None,
    contours: ContoursOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Coverage map of a scenario: Pd (single look, cumulative) or engagement zone, union of sites."""
    from openiads.analysis import coverage as cov

    _check_out(out, _TIFF_SUFFIXES + _PLOT_SUFFIXES)
    if kind not in ("detection", "engagement"):
        raise InputError(f"unknown kind {kind!r}; expected detection or engagement", field="--kind")
    alt_m, ref = _altitude(altitude)
    grid = _grid(scenario, dem, half_size, cell, nodata, k)
    if kind == "detection":
        sigma: Any = _target_rcs(grid, target, aspect) if target else _rcs(rcs)
        exposure_s = _quantity(exposure, "time", "--exposure") or 0.0
        res = cov.detection_map(grid, sigma, alt_m, reference=ref, exposure_s=exposure_s)
        what = f"{target} ({aspect})" if target else f"RCS {sigma:g} m²"
        _write_outputs(
            grid,
            out,
            [res["single"], res["cumulative"]],
            ("pd_single_look_union", f"pd_cumulative_{exposure_s:g}s_union"),
            title=f"single-look Pd, {what}, {alt_m:g} m {ref.upper()}",
            label="Pd",
            contours=contours,
            levels=[0.1, 0.5, 0.9],
            vmin=0.0,
            vmax=1.0,
        )
    else:
        speed = _quantity(target_speed, "speed", "--target-speed") or 0.0
        res = cov.engagement_map(grid, alt_m, speed, reference=ref)
        count = res["count"].astype(float)
        _write_outputs(
            grid,
            out,
            [count, res["tof_s"]],
            ("fire_units_able_to_intercept", "min_time_of_flight_s"),
            title=f"fire units able to intercept at {alt_m:g} m {ref.upper()}, {speed:g} m/s",
            label="fire units",
            contours=contours,
            levels=[0.5],
        )
    summary = dict(res["summary"])
    summary["out"] = str(out)
    _emit(summary, as_json)


@coverage_app.command("gaps")
def gaps(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path, typer.Option("--out", "-o", help="GeoTIFF (.tif) or plot (.png/.svg)")],
    dem: Annotated[Path | None, typer.Option("--dem", help="GeoTIFF or .hgt DEM")] = None,
    rcs: Annotated[
        str | None, typer.Option("--rcs", help="cut at the detection range of this RCS")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="catalog target: cut at its detection range per band"),
    ] = None,
    aspect: AspectOpt = "frontal",
    half_size: HalfSizeOpt = None,
    cell: CellOpt = None,
    nodata: NodataOpt = "error",
    k: KOpt = None,
    contours: ContoursOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lowest altitude (AGL) any radar of the scenario sees at each cell: the low-level gaps."""
    from openiads.analysis import coverage as cov

    _check_out(out, _TIFF_SUFFIXES + _PLOT_SUFFIXES)
    grid = _grid(scenario, dem, half_size, cell, nodata, k)
    sigma: Any = _rcs(rcs) if rcs is not None else None
    if target:
        sigma = _target_rcs(grid, target, aspect)
    res = cov.gaps_map(grid, rcs_m2=sigma)
    _write_outputs(
        grid,
        out,
        [res["min_altitude_agl"], res["min_altitude_msl"]],
        ("min_visible_altitude_agl_m", "min_visible_altitude_msl_m"),
        title="lowest altitude seen (m AGL); blank: not seen",
        label="m above ground",
        contours=contours,
        levels=[25.0, 50.0, 100.0, 300.0, 1000.0],
        vmin=0.0,
        vmax=1000.0,
    )
    summary = dict(res["summary"])
    summary["out"] = str(out)
    _emit(summary, as_json)


@coverage_app.command("envelope")
def envelope(
    missile: Annotated[str, typer.Option("--missile", help="catalog missile, e.g. 48N6E3")],
    out: Annotated[Path, typer.Option("--out", "-o", help="plot file (.png, .svg, .pdf)")],
    target_speed: Annotated[
        str, typer.Option("--target-speed", help="target speed, e.g. 300m/s or Mach 0.9")
    ] = "250 m/s",
    altitude: Annotated[
        str, typer.Option("--altitude", help="altitude of the plan view, e.g. 1000m")
    ] = "1000 m",
    k: KStandardOpt = 4.0 / 3.0,
    as_json: JsonOpt = False,
) -> None:
    """Kinematic engagement envelope of a missile: intercept zone, dead zone, launch boundary."""
    import numpy as np

    from openiads.analysis import coverage as cov

    _check_out(out, _PLOT_SUFFIXES)
    speed = _quantity(target_speed, "speed", "--target-speed") or 0.0
    alt_m, _ = _altitude(altitude)
    spec = cov.MissileSpec.from_catalog(_catalog().missile(missile))
    env = cov.engagement_envelope(spec, speed, plan_altitude_m=alt_m, k=k)
    cov.plot_engagement_envelope(env, out)
    row = int(np.argmin(np.abs(env.altitude_m - alt_m)))
    feasible = env.intercept[row]
    _emit(
        {
            "missile": spec.name,
            "target_speed_mps": speed,
            "max_target_speed_mps": spec.max_target_speed_mps,
            "engageable": bool(env.intercept.any()),
            "altitude_m": float(env.altitude_m[row]),
            "dead_zone_m": float(env.ground_range_m[feasible].min()) if feasible.any() else None,
            "outer_limit_m": float(env.ground_range_m[feasible].max()) if feasible.any() else None,
            "launch_range_head_on_m": float(env.launch_range_m[row])
            if np.isfinite(env.launch_range_m[row])
            else None,
            "out": str(out),
        },
        as_json,
    )


@coverage_app.command("viewshed")
def viewshed(
    dem: Annotated[Path, typer.Argument(help="GeoTIFF or .hgt DEM")],
    lat: Annotated[float, typer.Option("--lat", help="observer latitude, degrees")],
    lon: Annotated[float, typer.Option("--lon", help="observer longitude, degrees")],
    out: Annotated[Path, typer.Option("--out", "-o", help="GeoTIFF (.tif) or plot (.png/.svg)")],
    antenna_height: Annotated[
        str, typer.Option("--antenna-height", help="antenna above ground, e.g. 25m")
    ] = "10 m",
    max_distance: Annotated[
        str | None, typer.Option("--max-distance", help="e.g. 100km (default: whole DEM)")
    ] = None,
    half_size: HalfSizeOpt = None,
    cell: Annotated[str | None, typer.Option("--cell", help="grid cell, e.g. 90m")] = None,
    nodata: NodataOpt = "error",
    k: KStandardOpt = 4.0 / 3.0,
    contours: ContoursOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Minimum visible target height (m AGL) from one antenna over a DEM, in one pass."""
    import math

    import numpy as np

    from openiads.analysis import coverage as cov
    from openiads.terrain import dem_min_visible_height, load_dem

    _check_out(out, _TIFF_SUFFIXES + _PLOT_SUFFIXES)
    mast = _quantity(antenna_height, "length", "--antenna-height") or 0.0
    reach = _quantity(max_distance, "length", "--max-distance") or math.inf
    grid_dem = load_dem(
        dem,
        lat,
        lon,
        0.0,
        _quantity(half_size, "length", "--half-size"),
        cell_m=_quantity(cell, "length", "--cell"),
        nodata=nodata,  # type: ignore[arg-type]
    )
    minh = dem_min_visible_height(grid_dem, 0.0, 0.0, mast, k=k, max_distance_m=reach)
    site = cov.SiteSpec("observer", 0.0, 0.0, ())
    grid = cov.ScenarioGrid(grid_dem, (site,), k, False)
    _write_outputs(
        grid,
        out,
        [minh, minh + grid_dem.heights_m],
        ("min_visible_height_agl_m", "min_visible_height_msl_m"),
        title=f"minimum visible target height (m AGL), antenna {mast:g} m, k = {k:.3g}",
        label="m above ground",
        contours=contours,
        levels=[25.0, 50.0, 100.0, 300.0, 1000.0],
        vmin=0.0,
        vmax=1000.0,
    )
    summary: dict[str, Any] = {
        "dem": str(dem),
        "cell_m": grid_dem.cell_m,
        "shape": list(grid_dem.shape),
        "antenna_height_m": mast,
        "k": k,
        "out": str(out),
    }
    for h in (0.0, 50.0, 100.0, 500.0):
        with np.errstate(invalid="ignore"):
            summary[f"visible_fraction_at_{h:g}m_agl"] = round(float(np.mean(minh <= h)), 6)
    _emit(summary, as_json)
