"""Coverage: where a battery sees and where it can shoot.

Core functions take radar and missile figures as plain parameters (:class:`RadarSpec`,
:class:`MissileSpec`, built from the catalog by ``from_catalog``) and return NumPy grids:

* :func:`vertical_coverage` - single-look Pd over a ground-range x altitude grid (the vertical
  coverage diagram), smooth 4/3 earth, elevation limits, instrumented range, ceiling;
* :func:`detection_pd_grid` - single-look and cumulative Pd of one radar over a terrain grid at
  a target altitude (AGL or MSL), line of sight from the one-pass viewshed;
* :func:`min_detectable_altitude_grid` - lowest altitude above ground seen at each cell (gaps);
* :func:`engagement_grid` - where a missile can intercept a target of given speed and altitude,
  with the fire-control radar's line of sight; dead zone and outer limit;
* :func:`engagement_envelope` - the vertical-plane intercept zone and the launch boundary for an
  approaching target, and the plan-view launch zone against crossing targets;
* :func:`detection_range_table` - detection range against every catalog target, frontal and
  beam aspect.

Model, assumptions and sources: docs/models/coverage.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from openiads.physics import detection, earth, kinematics
from openiads.terrain.dem import Dem
from openiads.terrain.viewshed import EARTH_RADIUS_M, K_STANDARD, dem_min_visible_height

# --------------------------------------------------------------------------------------------
# parameters


def _save(fig: Any, out: str | Path, caveat: str = "") -> Path:
    """Write a figure (with its one-line caveat in the bottom-left corner), then close it."""
    import matplotlib.pyplot as plt

    if caveat:
        fig.text(0.01, 0.01, caveat, fontsize=7, color="0.4")
    path = Path(out)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def _nominal(x: Any) -> float:
    """A catalog Figure's nominal value, or a plain number."""
    return float(getattr(x, "nominal", x))


@dataclass(frozen=True)
class RadarSpec:
    """The radar figures coverage needs, in SI units (see the catalog's Radar)."""

    name: str
    ref_range_m: float
    ref_rcs_m2: float
    ref_pd: float
    pfa: float
    swerling: int
    scan_period_s: float
    instrumented_range_m: float
    min_range_m: float = 0.0
    min_elevation_rad: float = -math.radians(5.0)
    max_elevation_rad: float = math.radians(90.0)
    max_altitude_m: float = math.inf
    antenna_height_m: float = 10.0
    band: str = "S"

    @classmethod
    def from_catalog(cls, radar: Any, *, antenna_height_m: float | None = None) -> RadarSpec:
        """From a catalog ``Radar`` (nominal values); ``antenna_height_m`` overrides a mast."""
        return cls(
            name=str(radar.name),
            ref_range_m=_nominal(radar.ref_range_m),
            ref_rcs_m2=_nominal(radar.ref_rcs_m2),
            ref_pd=_nominal(radar.ref_pd),
            pfa=_nominal(radar.pfa),
            swerling=int(radar.swerling),
            scan_period_s=_nominal(radar.scan_period_s),
            instrumented_range_m=_nominal(radar.instrumented_range_m),
            min_range_m=_nominal(getattr(radar, "min_range_m", 0.0)),
            min_elevation_rad=_nominal(radar.min_elevation_rad),
            max_elevation_rad=_nominal(radar.max_elevation_rad),
            max_altitude_m=_nominal(radar.max_altitude_m),
            antenna_height_m=(
                _nominal(radar.antenna_height_m) if antenna_height_m is None else antenna_height_m
            ),
            band=str(getattr(radar, "band", "S")),
        )

    @property
    def ref_snr_db(self) -> float:
        """Single-look SNR at the reference point (what ``ref_pd`` at ``pfa`` needs)."""
        return float(detection.snr_required_db(self.ref_pd, self.pfa, self.swerling))

    def detection_range_m(self, rcs_m2: float | np.ndarray) -> Any:
        """Free-space range at which ``rcs_m2`` is seen with ``ref_pd`` (σ^1/4 law)."""
        return detection.detection_range_m(rcs_m2, self.ref_range_m, self.ref_rcs_m2)


@dataclass(frozen=True)
class MissileSpec:
    """The interceptor figures an envelope needs, in SI units (see the catalog's Missile)."""

    name: str
    max_range_m: float
    min_range_m: float
    max_altitude_m: float
    min_altitude_m: float
    avg_speed_mps: float
    max_speed_mps: float
    max_tof_s: float = math.inf
    max_target_speed_mps: float = math.inf

    @classmethod
    def from_catalog(cls, missile: Any) -> MissileSpec:
        return cls(
            name=str(missile.name),
            max_range_m=_nominal(missile.max_range_m),
            min_range_m=_nominal(missile.min_range_m),
            max_altitude_m=_nominal(missile.max_altitude_m),
            min_altitude_m=_nominal(missile.min_altitude_m),
            avg_speed_mps=_nominal(missile.avg_speed_mps),
            max_speed_mps=_nominal(missile.max_speed_mps),
            max_tof_s=_nominal(missile.max_tof_s),
            max_target_speed_mps=_nominal(missile.max_target_speed_mps),
        )

    def time_of_flight_s(self, distance_m: Any) -> Any:
        """Fly-out time to a path length (physics.kinematics boost-coast model)."""
        return kinematics.time_of_flight_s(
            distance_m, self.avg_speed_mps, self.max_speed_mps, self.max_range_m
        )


# --------------------------------------------------------------------------------------------
# geometry and detection


def slant_range_elevation(
    ground_range_m: Any, radar_alt_m: Any, target_alt_m: Any, k: float = K_STANDARD
) -> tuple[np.ndarray, np.ndarray]:
    """Slant range and apparent elevation over a sphere of radius ``k Re`` (straight rays).

    Radar at ``k Re + h_r`` from the centre, target at ``k Re + h_t`` and central angle
    ``d / (k Re)``: the same construction as :func:`openiads.physics.earth.apparent_elevation_rad`.
    """
    r_eff = k * EARTH_RADIUS_M
    d = np.asarray(ground_range_m, dtype=np.float64)
    theta = d / r_eff
    rt = r_eff + np.asarray(target_alt_m, dtype=np.float64)
    rr = r_eff + np.asarray(radar_alt_m, dtype=np.float64)
    x = rt * np.sin(theta)
    z = rt * np.cos(theta) - rr
    return np.hypot(x, z), np.arctan2(z, x)


def radar_pd(
    radar: RadarSpec,
    slant_range_m: Any,
    elevation_rad: Any,
    target_alt_m: Any,
    rcs_m2: float,
    visible: Any = True,
) -> np.ndarray:
    """Single-look Pd of a radar for targets at given slant ranges, elevations and altitudes.

    SNR scaled from the radar's reference point (``SNR ∝ σ / R⁴``), Pd from the exact
    Swerling formulas; 0 outside the radar's limits (min/instrumented range, elevation
    limits, ceiling) or without line of sight (``visible`` False).
    """
    r = np.asarray(slant_range_m, dtype=np.float64)
    el = np.asarray(elevation_rad, dtype=np.float64)
    h = np.asarray(target_alt_m, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        snr_db = detection.reference_snr_db(
            np.maximum(r, 1.0), rcs_m2, radar.ref_range_m, radar.ref_rcs_m2, radar.ref_snr_db
        )
    p = np.asarray(detection.pd(snr_db, radar.pfa, radar.swerling), dtype=np.float64)
    inside = (
        (r >= radar.min_range_m)
        & (r <= radar.instrumented_range_m)
        & (el >= radar.min_elevation_rad)
        & (el <= radar.max_elevation_rad)
        & (h <= radar.max_altitude_m)
        & np.asarray(visible, dtype=bool)
    )
    return np.where(inside, p, 0.0)


def looks_in(exposure_s: float, scan_period_s: float) -> int:
    """Independent looks a radar gets at a target during ``exposure_s`` (at least one)."""
    if exposure_s <= 0 or scan_period_s <= 0:
        return 1
    return max(1, math.floor(exposure_s / scan_period_s + 1e-9))


def cumulative_pd(pd_single: Any, n_looks: int) -> np.ndarray:
    """At least one detection in ``n_looks`` independent looks: ``1 − (1 − Pd)^n``."""
    p = np.asarray(pd_single, dtype=np.float64)
    return 1.0 - (1.0 - p) ** int(n_looks)


def union_pd(pds: Iterable[np.ndarray]) -> np.ndarray:
    """Probability that at least one of several independent radars detects: ``1 − Π(1 − Pd)``
    (:func:`openiads.physics.detection.cumulative_pd` across radars instead of looks)."""
    grids = [np.asarray(p, dtype=np.float64) for p in pds]
    if not grids:
        raise ValueError("no radar to combine")
    return np.asarray(detection.cumulative_pd(np.stack(grids), axis=0))


# --------------------------------------------------------------------------------------------
# vertical coverage diagram


@dataclass(frozen=True)
class VerticalCoverage:
    """Single-look Pd on a (altitude, ground range) grid; row i is ``altitude_m[i]``."""

    ground_range_m: np.ndarray
    altitude_m: np.ndarray
    pd: np.ndarray
    detection_range_m: float
    radar: RadarSpec
    rcs_m2: float
    k: float


def vertical_coverage(
    radar: RadarSpec,
    rcs_m2: float,
    *,
    k: float = K_STANDARD,
    max_range_m: float | None = None,
    max_altitude_m: float | None = None,
    n_range: int = 600,
    n_alt: int = 400,
) -> VerticalCoverage:
    """Single-look Pd over ground range x altitude above a smooth 4/3 earth (no lobing).

    Rays below the radar's horizon (the tangent from the antenna) are hidden; ranges and
    altitudes follow the curved effective earth, so lines of constant elevation bend upward.
    """
    r_det = float(radar.detection_range_m(rcs_m2))
    rmax = max_range_m or 1.15 * min(radar.instrumented_range_m, max(r_det, 1000.0))
    hmax = max_altitude_m or min(
        1.1 * radar.max_altitude_m if math.isfinite(radar.max_altitude_m) else 40_000.0, 40_000.0
    )
    d = np.linspace(0.0, rmax, n_range)
    h = np.linspace(0.0, hmax, n_alt)
    dd, hh = np.meshgrid(d, h)
    slant, el = slant_range_elevation(dd, radar.antenna_height_m, hh, k)
    visible = hh >= np.asarray(earth.min_visible_height_m(dd, radar.antenna_height_m, k))
    p = radar_pd(radar, slant, el, hh, rcs_m2, visible)
    return VerticalCoverage(d, h, p, r_det, radar, rcs_m2, k)


def detection_reach_m(
    radar: RadarSpec,
    rcs_m2: float,
    altitude_m: float,
    *,
    k: float = K_STANDARD,
    pd_min: float | None = None,
    step_m: float = 50.0,
) -> float:
    """Farthest ground range (m) at which a target at ``altitude_m`` (above the radar's ground)
    is seen with single-look Pd ≥ ``pd_min`` (default the radar's reference Pd) over a smooth
    earth; 0 if nowhere. Horizon, elevation limits and instrumented range included.
    """
    level = radar.ref_pd if pd_min is None else pd_min
    d = np.arange(0.0, radar.instrumented_range_m + step_m, step_m)
    slant, el = slant_range_elevation(d, radar.antenna_height_m, altitude_m, k)
    visible = altitude_m >= np.asarray(earth.min_visible_height_m(d, radar.antenna_height_m, k))
    p = radar_pd(radar, slant, el, np.full(d.shape, altitude_m), rcs_m2, visible)
    ok = p >= level
    return float(d[ok].max()) if ok.any() else 0.0


def plot_vertical_coverage(vc: VerticalCoverage, out: str | Path, *, title: str = "") -> Path:
    """Range-height diagram: Pd shading, the reference-Pd contour, elevation lines, horizon."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5.5), dpi=110)
    km = 1e-3
    mesh = ax.pcolormesh(
        vc.ground_range_m * km, vc.altitude_m * km, vc.pd, cmap="viridis", vmin=0, vmax=1
    )
    fig.colorbar(mesh, ax=ax, label="single-look Pd")
    if np.nanmax(vc.pd) >= vc.radar.ref_pd:
        cs = ax.contour(
            vc.ground_range_m * km,
            vc.altitude_m * km,
            vc.pd,
            levels=[vc.radar.ref_pd],
            colors="white",
            linewidths=1.5,
        )
        ax.clabel(cs, fmt=f"Pd {vc.radar.ref_pd:g}", fontsize=8)
    r_eff = vc.k * EARTH_RADIUS_M
    ha = vc.radar.antenna_height_m
    # Lines of constant apparent elevation over the effective earth.
    for deg in (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 45.0):
        e = math.radians(deg)
        rho = np.linspace(0.0, 2.0 * vc.ground_range_m[-1], 400)
        z = np.sqrt(rho**2 + (r_eff + ha) ** 2 + 2 * rho * (r_eff + ha) * np.sin(e)) - r_eff
        ground = r_eff * np.arcsin(np.clip(rho * np.cos(e) / (r_eff + z), -1, 1))
        keep = (ground <= vc.ground_range_m[-1]) & (z <= vc.altitude_m[-1])
        ax.plot(ground[keep] * km, z[keep] * km, color="0.85", lw=0.6, ls="--")
        if keep.any():
            i = np.flatnonzero(keep)[-1]
            ax.annotate(f"{deg:g}°", (ground[i] * km, z[i] * km), color="0.9", fontsize=7)
    hidden = np.asarray(earth.min_visible_height_m(vc.ground_range_m, ha, vc.k))
    ax.fill_between(vc.ground_range_m * km, 0, hidden * km, color="0.3", label="below horizon")
    ax.set_xlabel("ground range (km)")
    ax.set_ylabel("altitude above the radar's ground (km)")
    ax.set_title(
        title
        or (
            f"{vc.radar.name}: vertical coverage, RCS {vc.rcs_m2:g} m², k = {vc.k:.3g}; "
            f"free-space range {vc.detection_range_m / 1000:.0f} km at Pd {vc.radar.ref_pd:g}"
        ),
        fontsize=9,
    )
    ax.legend(loc="upper right", fontsize=8)
    return _save(
        fig,
        out,
        "Smooth 4/3 earth, no multipath lobing, no clutter or jamming; "
        "figures from public sources (openiads catalog).",
    )


# --------------------------------------------------------------------------------------------
# maps over a terrain grid


@dataclass(frozen=True)
class SiteSpec:
    """A deployed site on a grid: position in the grid frame, ground height and its radars."""

    id: str
    east_m: float
    north_m: float
    radars: tuple[RadarSpec, ...]
    fire_control: RadarSpec | None = None
    missiles: tuple[MissileSpec, ...] = ()


def flat_dem(
    half_size_m: float, cell_m: float, lat0_deg: float = 0.0, lon0_deg: float = 0.0
) -> Dem:
    """A sea-level grid (smooth earth) centred on the origin, for maps without a DEM."""
    n_half = max(1, math.ceil(half_size_m / cell_m - 0.5))
    n = 2 * n_half + 1
    edge = (n_half + 0.5) * cell_m
    return Dem(
        np.zeros((n, n)),
        west_m=-edge,
        north_m=edge,
        cell_m=cell_m,
        lat0_deg=lat0_deg,
        lon0_deg=lon0_deg,
        source="<smooth earth>",
    )


def _site_ground_m(dem: Dem, east_m: float, north_m: float) -> float:
    """Terrain of the cell a site stands in (the viewshed's observer cell)."""
    row, col = dem.cell_of(east_m, north_m)
    return float(dem.heights_m[row, col])


def _grid_xy(dem: Dem) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(dem.x_centers_m(), dem.y_centers_m())


def target_heights(dem: Dem, altitude_m: float, reference: str) -> tuple[np.ndarray, np.ndarray]:
    """(AGL, MSL) target heights on the grid for an altitude given AGL or MSL."""
    ground = dem.heights_m
    if reference.lower() == "agl":
        return np.full(ground.shape, float(altitude_m)), ground + altitude_m
    return float(altitude_m) - ground, np.full(ground.shape, float(altitude_m))


@dataclass(frozen=True)
class PdGrid:
    """Single-look and cumulative Pd of one radar on a DEM grid."""

    single: np.ndarray
    cumulative: np.ndarray
    n_looks: int


def detection_pd_grid(
    dem: Dem,
    radar: RadarSpec,
    east_m: float,
    north_m: float,
    rcs_m2: float,
    altitude_m: float,
    *,
    reference: str = "agl",
    exposure_s: float = 0.0,
    k: float = K_STANDARD,
    min_visible_m: np.ndarray | None = None,
) -> PdGrid:
    """Pd of one radar at every cell of ``dem`` for a target at ``altitude_m`` (AGL or MSL).

    The radar's antenna is ``radar.antenna_height_m`` above the terrain of its cell. Terrain
    masking comes from the one-pass minimum-visible-height viewshed (pass ``min_visible_m``
    to reuse one). Cumulative Pd assumes independent looks, one per scan period, during
    ``exposure_s`` seconds (fluctuation decorrelates scan to scan).
    """
    if min_visible_m is None:
        min_visible_m = dem_min_visible_height(
            dem,
            east_m,
            north_m,
            radar.antenna_height_m,
            k=k,
            max_distance_m=radar.instrumented_range_m * 1.01,
        )
    agl, msl = target_heights(dem, altitude_m, reference)
    with np.errstate(invalid="ignore"):
        visible = (agl >= 0.0) & (agl >= min_visible_m)
    xx, yy = _grid_xy(dem)
    ground_range = np.hypot(xx - east_m, yy - north_m)
    ground_here = _site_ground_m(dem, east_m, north_m)
    slant, el = slant_range_elevation(ground_range, ground_here + radar.antenna_height_m, msl, k)
    single = radar_pd(radar, slant, el, msl - ground_here, rcs_m2, visible)
    n = looks_in(exposure_s, radar.scan_period_s)
    return PdGrid(single, cumulative_pd(single, n), n)


def min_detectable_altitude_grid(
    dem: Dem,
    radar: RadarSpec,
    east_m: float,
    north_m: float,
    *,
    rcs_m2: float | None = None,
    k: float = K_STANDARD,
) -> np.ndarray:
    """Lowest target height above ground (m) the radar can see at each cell; NaN where none.

    Line of sight from the viewshed, cut at the instrumented range or, given ``rcs_m2``, at
    the free-space detection range of that RCS (reference Pd), and where the lowest visible
    height is above the radar's ceiling.
    """
    reach = radar.instrumented_range_m
    if rcs_m2 is not None:
        reach = min(reach, float(radar.detection_range_m(rcs_m2)))
    minh = dem_min_visible_height(
        dem, east_m, north_m, radar.antenna_height_m, k=k, max_distance_m=reach
    ).astype(np.float64)
    ground_here = _site_ground_m(dem, east_m, north_m)
    with np.errstate(invalid="ignore"):
        above_ceiling = (dem.heights_m + minh - ground_here) > radar.max_altitude_m
    minh[above_ceiling] = np.nan
    return minh


def nan_min(grids: Sequence[np.ndarray]) -> np.ndarray:
    """Element-wise minimum ignoring NaN; NaN where every grid is NaN."""
    return np.asarray(np.fmin.reduce([np.asarray(g, dtype=np.float64) for g in grids]))


@dataclass(frozen=True)
class EngagementGrid:
    """Where one fire unit can intercept: bool grid, tof to each cell, and the ring limits."""

    can_intercept: np.ndarray
    tof_s: np.ndarray
    dead_zone_m: float
    outer_limit_m: float


def intercept_feasible(
    missile: MissileSpec,
    ground_range_m: Any,
    launcher_alt_m: float,
    target_alt_msl_m: Any,
    target_alt_agl_m: Any,
    target_speed_mps: float,
    k: float = K_STANDARD,
) -> tuple[np.ndarray, np.ndarray]:
    """Kinematic check of an intercept point: (feasible, time of flight).

    Slant range from launcher to the point within [min, max] range, altitude above ground
    within [min, max] altitude, fly-out time within the maximum time of flight, target speed
    within the missile's limit (``physics.kinematics.in_envelope``).
    """
    slant, _ = slant_range_elevation(ground_range_m, launcher_alt_m, target_alt_msl_m, k)
    tof = np.asarray(missile.time_of_flight_s(slant), dtype=np.float64)
    ok = kinematics.in_envelope(
        slant,
        target_alt_agl_m,
        tof,
        target_speed_mps,
        min_range_m=missile.min_range_m,
        max_range_m=missile.max_range_m,
        min_alt_m=missile.min_altitude_m,
        max_alt_m=missile.max_altitude_m,
        max_tof_s=missile.max_tof_s,
        max_target_speed_mps=missile.max_target_speed_mps,
    )
    return np.asarray(ok, dtype=bool), tof


def engagement_grid(
    dem: Dem,
    site: SiteSpec,
    altitude_m: float,
    target_speed_mps: float,
    *,
    reference: str = "agl",
    k: float = K_STANDARD,
) -> EngagementGrid:
    """Cells where the site can intercept a target at ``altitude_m`` flying ``target_speed_mps``.

    Needs the fire-control radar's line of sight to the point (viewshed from its antenna, out
    to its instrumented range, within its elevation limits) and one of the site's missiles able
    to reach it (:func:`intercept_feasible`); launchers stand at the site. Dead zone and outer
    limit are the ground ranges of the nearest and farthest feasible cells.
    """
    agl, msl = target_heights(dem, altitude_m, reference)
    xx, yy = _grid_xy(dem)
    ground_range = np.hypot(xx - site.east_m, yy - site.north_m)
    ground_here = _site_ground_m(dem, site.east_m, site.north_m)
    can = np.zeros(dem.shape, dtype=bool)
    tof = np.full(dem.shape, np.inf)
    for missile in site.missiles:  # a handful of missile types per system
        ok, t = intercept_feasible(
            missile, ground_range, ground_here + 5.0, msl, agl, target_speed_mps, k
        )
        tof = np.where(ok & (t < tof), t, tof)
        can |= ok
    fcr = site.fire_control
    if fcr is not None:
        minh = dem_min_visible_height(
            dem,
            site.east_m,
            site.north_m,
            fcr.antenna_height_m,
            k=k,
            max_distance_m=fcr.instrumented_range_m,
        )
        slant, el = slant_range_elevation(ground_range, ground_here + fcr.antenna_height_m, msl, k)
        with np.errstate(invalid="ignore"):
            seen = (
                (agl >= minh)
                & (slant <= fcr.instrumented_range_m)
                & (el >= fcr.min_elevation_rad)
                & (el <= fcr.max_elevation_rad)
            )
        can &= seen
    can &= agl >= 0.0
    tof = np.where(can, tof, np.nan)
    if can.any():
        dead = float(ground_range[can].min())
        outer = float(ground_range[can].max())
    else:
        dead = outer = math.nan
    return EngagementGrid(can, tof, dead, outer)


# --------------------------------------------------------------------------------------------
# engagement envelope diagram


@dataclass(frozen=True)
class EngagementEnvelope:
    """Vertical-plane and plan-view envelopes of one missile against a target speed."""

    missile: MissileSpec
    target_speed_mps: float
    ground_range_m: np.ndarray
    altitude_m: np.ndarray
    intercept: np.ndarray  # (altitude, range) bool
    tof_s: np.ndarray  # (altitude, range), NaN outside
    launch_range_m: np.ndarray  # per altitude: farthest launch range for a head-on target
    plan_altitude_m: float
    plan_x_m: np.ndarray
    plan_y_m: np.ndarray
    plan_intercept: np.ndarray  # (y, x) bool at plan_altitude_m
    plan_launch_x_m: np.ndarray  # (y, x): target's along-track position at launch


def engagement_envelope(
    missile: MissileSpec,
    target_speed_mps: float,
    *,
    plan_altitude_m: float | None = None,
    k: float = K_STANDARD,
    n: int = 400,
) -> EngagementEnvelope:
    """Intercept zone in ground range x altitude, and where to launch against a moving target.

    A target flying straight at the site at ``target_speed_mps`` and meeting the missile at
    ground range ``x`` was at ``x + v * tof(x)`` when the missile left: the farthest such
    point at each altitude is the launch boundary. In plan view, targets fly along -x at
    offset ``y`` (the crossing parameter); the launch zone is the intercept zone shifted by
    ``v * tof`` along the track.
    """
    rmax = missile.max_range_m * 1.05
    hmax = missile.max_altitude_m * 1.1
    d = np.linspace(0.0, rmax, n)
    h = np.linspace(0.0, hmax, n // 2)
    dd, hh = np.meshgrid(d, h)
    ok, tof = intercept_feasible(missile, dd, 0.0, hh, hh, target_speed_mps, k)
    tof = np.where(ok, tof, np.nan)
    with np.errstate(invalid="ignore"):
        launch = np.where(ok, dd + target_speed_mps * np.nan_to_num(tof), -np.inf).max(axis=1)
    launch = np.where(np.isfinite(launch), launch, np.nan)

    alt = (
        plan_altitude_m
        if plan_altitude_m is not None
        else float(np.clip(1000.0, missile.min_altitude_m, missile.max_altitude_m))
    )
    x = np.linspace(-rmax, rmax, n)
    y = np.linspace(-rmax, rmax, n)
    xx, yy = np.meshgrid(x, y)
    pok, ptof = intercept_feasible(
        missile, np.hypot(xx, yy), 0.0, np.full(xx.shape, alt), alt, target_speed_mps, k
    )
    # Where the target was at launch, for an intercept at each cell (beyond the missile's
    # reach the fly-out time is extended at the average speed, only to keep the map smooth).
    reach_tof = np.hypot(xx, yy) / missile.avg_speed_mps
    plan_launch = xx + target_speed_mps * np.where(np.isfinite(ptof), ptof, reach_tof)
    return EngagementEnvelope(
        missile, target_speed_mps, d, h, ok, tof, launch, alt, x, y, pok, plan_launch
    )


def plot_engagement_envelope(env: EngagementEnvelope, out: str | Path) -> Path:
    """Two panels: vertical-plane intercept zone with launch boundary; plan-view launch zone."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    km = 1e-3
    m = env.missile
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.5), dpi=110)
    mesh = ax1.pcolormesh(
        env.ground_range_m * km, env.altitude_m * km, env.tof_s, cmap="magma_r", shading="auto"
    )
    fig.colorbar(mesh, ax=ax1, label="time of flight to intercept (s)")
    ax1.plot(
        env.launch_range_m * km,
        env.altitude_m * km,
        color="tab:blue",
        lw=1.5,
        label=f"launch boundary, head-on target at {env.target_speed_mps:g} m/s",
    )
    ax1.axvline(m.min_range_m * km, color="tab:red", ls=":", label="dead zone (min range)")
    ax1.set_xlim(0, max(float(np.nanmax(env.launch_range_m)) * km * 1.05, m.max_range_m * km))
    ax1.set_xlabel("ground range (km)")
    ax1.set_ylabel("altitude (km)")
    ax1.set_title(f"{m.name}: intercept zone (shaded) and launch boundary", fontsize=9)
    ax1.legend(fontsize=7, loc="upper right")

    ax2.contourf(
        env.plan_x_m * km,
        env.plan_y_m * km,
        env.plan_intercept.astype(float),
        levels=[0.5, 1.5],
        colors=["tab:orange"],
        alpha=0.6,
    )
    ax2.contourf(
        env.plan_launch_x_m * km,
        np.broadcast_to(env.plan_y_m[:, None], env.plan_launch_x_m.shape) * km,
        env.plan_intercept.astype(float),
        levels=[0.5, 1.5],
        colors=["tab:blue"],
        alpha=0.25,
    )
    ax2.plot([], [], color="tab:blue", lw=6, alpha=0.25, label="launch zone (target at launch)")
    ax2.plot([], [], color="tab:orange", lw=6, alpha=0.6, label="intercept zone")
    ax2.plot(0, 0, "k^", label="fire unit")
    ax2.annotate(
        "",
        xy=(-0.3 * m.max_range_m * km, 0.9 * m.max_range_m * km),
        xytext=(0.0, 0.9 * m.max_range_m * km),
        arrowprops={"arrowstyle": "->"},
    )
    ax2.text(-0.15 * m.max_range_m * km, 0.93 * m.max_range_m * km, "target track", fontsize=7)
    ax2.set_aspect("equal")
    ax2.set_xlabel("along track (km)")
    ax2.set_ylabel("crossing offset (km)")
    ax2.set_title(
        f"plan view at {env.plan_altitude_m:g} m, target {env.target_speed_mps:g} m/s", fontsize=9
    )
    ax2.legend(fontsize=7, loc="lower left")
    return _save(
        fig,
        out,
        "Kinematic envelope only (boost-coast fly-out, straight line to the intercept point); "
        "no guidance losses, terrain, or radar limits. Figures from public sources.",
    )


# --------------------------------------------------------------------------------------------
# detection range table


@dataclass(frozen=True)
class RangeRow:
    target: str
    aspect: str
    rcs_m2: float
    free_space_range_m: float
    horizon_range_m: float
    altitude_m: float
    first_detection_m: float


def detection_range_table(
    radar: RadarSpec,
    targets: Sequence[tuple[str, float, float, float]],
    *,
    k: float = K_STANDARD,
) -> list[RangeRow]:
    """Detection range (reference Pd) of each target, frontal and beam aspect.

    ``targets`` are ``(name, frontal_rcs_m2, beam_rcs_m2, typical_altitude_m)``. The first
    detection range is the least of the free-space range for that RCS, the smooth-earth
    horizon at the target's typical altitude and the instrumented range.
    """
    rows: list[RangeRow] = []
    for name, frontal, beam, alt in targets:  # one row per catalog target: a short table
        horizon = float(earth.radar_horizon_m(radar.antenna_height_m, alt, k))
        for aspect, rcs in (("frontal", frontal), ("beam", beam)):
            free = float(radar.detection_range_m(rcs))
            first = min(free, horizon, radar.instrumented_range_m)
            rows.append(RangeRow(name, aspect, rcs, free, horizon, alt, first))
    return rows


# --------------------------------------------------------------------------------------------
# GeoJSON contours


def contours_geojson(
    dem: Dem, grid: np.ndarray, levels: Sequence[float], *, name: str = "value"
) -> dict[str, Any]:
    """Contour lines of ``grid`` (on ``dem``'s cells) as a GeoJSON FeatureCollection (WGS-84)."""
    import contourpy

    gen = contourpy.contour_generator(
        dem.x_centers_m(),
        dem.y_centers_m(),
        np.asarray(grid, dtype=np.float64),
        line_type=contourpy.LineType.Separate,
    )
    features: list[dict[str, Any]] = []
    for level in levels:
        lines = gen.lines(float(level))
        for line in lines:  # one feature per contour line
            pts = np.asarray(line)
            if pts.shape[0] < 2:
                continue
            lat, lon = dem.to_geodetic(pts[:, 0], pts[:, 1])
            coords = np.column_stack([np.round(lon, 6), np.round(lat, 6)]).tolist()
            features.append(
                {
                    "type": "Feature",
                    "properties": {name: float(level)},
                    "geometry": {"type": "LineString", "coordinates": coords},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def plot_map(
    dem: Dem,
    grid: np.ndarray,
    out: str | Path,
    *,
    title: str,
    label: str,
    sites: Sequence[SiteSpec] = (),
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
) -> Path:
    """A quick-look PNG/SVG of a grid over the terrain's hillshade, sites marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LightSource

    km = 1e-3
    extent = (dem.west_m * km, dem.east_m * km, dem.south_m * km, dem.north_m * km)
    fig, ax = plt.subplots(figsize=(8, 7), dpi=110)
    if float(np.ptp(dem.heights_m)) > 0:
        shade = LightSource(azdeg=315, altdeg=45).hillshade(
            dem.heights_m, dx=dem.cell_m, dy=dem.cell_m
        )
        ax.imshow(shade, cmap="gray", extent=extent, origin="upper")
    img = ax.imshow(
        np.ma.masked_invalid(grid),
        extent=extent,
        origin="upper",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        alpha=0.75,
    )
    fig.colorbar(img, ax=ax, label=label, shrink=0.8)
    for s in sites:
        ax.plot(s.east_m * km, s.north_m * km, "r^")
        ax.annotate(s.id, (s.east_m * km, s.north_m * km), fontsize=7, color="red")
    ax.set_xlabel("east of origin (km)")
    ax.set_ylabel("north of origin (km)")
    ax.set_title(title, fontsize=9)
    return _save(fig, out)


# --------------------------------------------------------------------------------------------
# scenario level: sites of a scenario on a grid, and the union maps


@dataclass(frozen=True)
class ScenarioGrid:
    """The grid coverage is computed on, the sites placed on it and the refraction factor."""

    dem: Dem
    sites: tuple[SiteSpec, ...]
    k: float
    smooth_earth: bool


def _site_error(scenario: Any, message: str, index: int, field: str = "position") -> Exception:
    from openiads.errors import InputError

    if hasattr(scenario, "error"):
        err: Exception = scenario.error(message, ("sites", index, field))
        return err
    return InputError(message, field=f"sites[{index}].{field}")


def scenario_grid(
    scenario: Any,
    catalog: Any,
    *,
    dem_path: str | Path | None = None,
    half_size_m: float | None = None,
    cell_m: float | None = None,
    nodata: str = "error",
    k: float | None = None,
) -> ScenarioGrid:
    """Place a scenario's sites on a grid: its DEM (``dem_path`` or the scenario's terrain), or
    a smooth sea-level earth around the origin when there is none.

    Each site's radars come from its catalog system; the fire-control radar stands on the
    site's ``mast`` when given. Over a smooth earth the antenna stands at the site's altitude
    plus its height; over a DEM, at the terrain plus its height.
    """
    from openiads.errors import InputError
    from openiads.terrain.dem import load_dem

    sites = list(getattr(scenario, "sites", []))
    if not sites:
        raise InputError("the scenario has no sites to compute coverage for", field="sites")
    origin = getattr(scenario, "origin", None) or sites[0].position
    lat0, lon0 = float(origin.lat), float(origin.lon)
    alt0 = float(getattr(getattr(origin, "alt", None), "m", 0.0))
    terrain = getattr(scenario, "terrain", None)
    k_used = float(k if k is not None else (terrain.k if terrain is not None else K_STANDARD))
    if dem_path is None and terrain is not None:
        base = Path(getattr(scenario, "base_dir", Path.cwd()))
        dem_path = base / terrain.dem

    specs: list[tuple[Any, list[RadarSpec], RadarSpec | None, list[MissileSpec]]] = []
    reach = 0.0
    for site in sites:  # a few sites per scenario
        system = catalog.system(site.system)
        mast = getattr(site, "mast", None)
        radars: list[RadarSpec] = []
        fcr: RadarSpec | None = None
        for slot in system.radars:
            raw = catalog.radar(slot.radar)
            is_fcr = slot.radar == system.fire_control_radar
            spec = RadarSpec.from_catalog(
                raw, antenna_height_m=float(mast) if (is_fcr and mast is not None) else None
            )
            radars.append(spec)
            reach = max(reach, spec.instrumented_range_m)
            if is_fcr:
                fcr = spec
        missiles = [MissileSpec.from_catalog(catalog.missile(m)) for m in system.missiles]
        specs.append((site, radars, fcr, missiles))

    if dem_path is not None:
        dem = load_dem(dem_path, lat0, lon0, alt0, half_size_m, cell_m=cell_m, nodata=nodata)  # type: ignore[arg-type]
        smooth = False
    else:
        half = half_size_m or min(reach * 1.05, 700_000.0)
        dem = flat_dem(half, cell_m or max(half / 500.0, 100.0), lat0, lon0)
        smooth = True

    placed: list[SiteSpec] = []
    for i, (site, radars, fcr, missiles) in enumerate(specs):
        lat, lon = float(site.position.lat), float(site.position.lon)
        x, y = dem.from_geodetic(np.array([lat]), np.array([lon]))
        east, north = float(x[0]), float(y[0])
        try:
            dem.cell_of(east, north)
        except InputError as err:
            raise _site_error(
                scenario, f"site {site.id!r} lies outside the DEM grid ({err.message})", i
            ) from None
        if smooth:
            lift = max(float(site.position.alt.m), 0.0)
            radars = [_lifted(r, lift) for r in radars]
            fcr = _lifted(fcr, lift) if fcr is not None else None
        placed.append(SiteSpec(str(site.id), east, north, tuple(radars), fcr, tuple(missiles)))
    return ScenarioGrid(dem, tuple(placed), k_used, smooth)


def _lifted(radar: RadarSpec, lift_m: float) -> RadarSpec:
    from dataclasses import replace

    return replace(radar, antenna_height_m=radar.antenna_height_m + lift_m)


def rcs_for(rcs_m2: float | Mapping[str, float], radar: RadarSpec) -> float:
    """One RCS for every radar, or the RCS in the radar's band (``{"S": 0.1, "X": 0.005}``)."""
    if isinstance(rcs_m2, Mapping):
        if radar.band not in rcs_m2:
            raise KeyError(f"no RCS for {radar.name}'s band {radar.band!r}")
        return float(rcs_m2[radar.band])
    return float(rcs_m2)


def detection_map(
    grid: ScenarioGrid,
    rcs_m2: float | Mapping[str, float],
    altitude_m: float,
    *,
    reference: str = "agl",
    exposure_s: float = 0.0,
) -> dict[str, Any]:
    """Union over every radar of every site: single-look and cumulative Pd grids + summary.

    ``rcs_m2`` is one RCS, or a mapping from radar band to RCS (a target type seen by S-band
    and X-band radars: stealth shaping is less effective at lower frequency).
    """
    singles: list[np.ndarray] = []
    cumulative: list[np.ndarray] = []
    per_radar: list[dict[str, Any]] = []
    for site in grid.sites:
        for radar in site.radars:  # a handful of radars per scenario
            g = detection_pd_grid(
                grid.dem,
                radar,
                site.east_m,
                site.north_m,
                rcs_for(rcs_m2, radar),
                altitude_m,
                reference=reference,
                exposure_s=exposure_s,
                k=grid.k,
            )
            singles.append(g.single)
            cumulative.append(g.cumulative)
            per_radar.append(
                {
                    "site": site.id,
                    "radar": radar.name,
                    "band": radar.band,
                    "rcs_m2": rcs_for(rcs_m2, radar),
                    "antenna_height_m": radar.antenna_height_m,
                    "looks": g.n_looks,
                    "area_pd50_km2": _area_km2(grid.dem, g.single >= 0.5),
                    "area_cum_pd50_km2": _area_km2(grid.dem, g.cumulative >= 0.5),
                }
            )
    single = union_pd(singles)
    cum = union_pd(cumulative)
    return {
        "single": single,
        "cumulative": cum,
        "summary": {
            "rcs_m2": rcs_m2 if not isinstance(rcs_m2, Mapping) else dict(rcs_m2),
            "altitude_m": altitude_m,
            "altitude_reference": reference,
            "exposure_s": exposure_s,
            "k": grid.k,
            "smooth_earth": grid.smooth_earth,
            "cell_m": grid.dem.cell_m,
            "grid_area_km2": _area_km2(grid.dem, np.ones(grid.dem.shape, dtype=bool)),
            "area_pd50_km2": _area_km2(grid.dem, single >= 0.5),
            "area_cum_pd50_km2": _area_km2(grid.dem, cum >= 0.5),
            "radars": per_radar,
        },
    }


def gaps_map(
    grid: ScenarioGrid, *, rcs_m2: float | Mapping[str, float] | None = None
) -> dict[str, Any]:
    """Lowest altitude above ground seen by any radar at each cell (NaN: seen by none)."""
    per: list[np.ndarray] = []
    rows: list[dict[str, Any]] = []
    for site in grid.sites:
        for radar in site.radars:  # a handful of radars per scenario
            m = min_detectable_altitude_grid(
                grid.dem,
                radar,
                site.east_m,
                site.north_m,
                rcs_m2=None if rcs_m2 is None else rcs_for(rcs_m2, radar),
                k=grid.k,
            )
            per.append(m)
            rows.append(
                {
                    "site": site.id,
                    "radar": radar.name,
                    "antenna_height_m": radar.antenna_height_m,
                    "area_seen_at_100m_km2": _area_km2(grid.dem, _le(m, 100.0)),
                }
            )
    lowest = nan_min(per)
    summary: dict[str, Any] = {
        "rcs_m2": rcs_m2 if not isinstance(rcs_m2, Mapping) else dict(rcs_m2),
        "k": grid.k,
        "smooth_earth": grid.smooth_earth,
        "cell_m": grid.dem.cell_m,
        "radars": rows,
    }
    for h in (25.0, 50.0, 100.0, 300.0, 1000.0):
        summary[f"area_seen_at_{h:g}m_agl_km2"] = _area_km2(grid.dem, _le(lowest, h))
    return {
        "min_altitude_agl": lowest,
        "min_altitude_msl": lowest + grid.dem.heights_m,
        "summary": summary,
    }


def engagement_map(
    grid: ScenarioGrid,
    altitude_m: float,
    target_speed_mps: float,
    *,
    reference: str = "agl",
) -> dict[str, Any]:
    """Number of fire units able to intercept at each cell, and the shortest time of flight."""
    count = np.zeros(grid.dem.shape, dtype=np.int32)
    tof = np.full(grid.dem.shape, np.inf)
    rows: list[dict[str, Any]] = []
    for site in grid.sites:  # a few fire units
        eg = engagement_grid(
            grid.dem, site, altitude_m, target_speed_mps, reference=reference, k=grid.k
        )
        count += eg.can_intercept
        tof = np.where(eg.can_intercept, np.fmin(tof, eg.tof_s), tof)
        rows.append(
            {
                "site": site.id,
                "missiles": [m.name for m in site.missiles],
                "fire_control_radar": site.fire_control.name if site.fire_control else None,
                "dead_zone_m": eg.dead_zone_m,
                "outer_limit_m": eg.outer_limit_m,
                "area_km2": _area_km2(grid.dem, eg.can_intercept),
            }
        )
    tof = np.where(np.isfinite(tof), tof, np.nan)
    return {
        "count": count,
        "tof_s": tof,
        "summary": {
            "altitude_m": altitude_m,
            "altitude_reference": reference,
            "target_speed_mps": target_speed_mps,
            "k": grid.k,
            "smooth_earth": grid.smooth_earth,
            "area_km2": _area_km2(grid.dem, count > 0),
            "fire_units": rows,
        },
    }


def _le(grid: np.ndarray, value: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.asarray(grid <= value)


def _area_km2(dem: Dem, mask: np.ndarray) -> float:
    return round(float(np.count_nonzero(mask)) * dem.cell_m**2 / 1e6, 3)
