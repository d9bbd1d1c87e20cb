"""Compile a validated scenario and the catalog into a :class:`World` of plain arrays.

The World is what the engine simulates: SI floats in NumPy arrays indexed by stable integer
ids, nothing that needs the YAML or the catalog again. It pickles, so a Monte Carlo study
compiles it once and ships it to every worker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pymap3d

from openiads.catalog.model import ASPECTS
from openiads.catalog.model import TARGET_CLASSES as CATALOG_TARGET_CLASSES
from openiads.errors import InputError
from openiads.physics.detection import snr_required_db
from openiads.physics.earth import geodetic_to_enu
from openiads.scenario.load import origin_of
from openiads.scenario.schema import Altitude, Scenario

if TYPE_CHECKING:
    from openiads.catalog import Catalog

SIDES = ("hostile", "friendly", "civil")
#: Target classes, in the order of the missile Pk table columns (defined by the catalog).
TARGET_CLASSES = CATALOG_TARGET_CLASSES
ROES = ("weapons-free", "weapons-tight", "hold", "area-violation")


@dataclass
class Radars:
    ids: list[str]
    names: list[str]  # catalog names
    site: np.ndarray  # (R,) index of the owning fire unit
    role: list[str]
    band: list[str]
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray  # antenna altitude above the ellipsoid (site altitude + mast)
    antenna_agl_m: np.ndarray
    enu_m: np.ndarray  # (R,3) antenna in the scenario frame
    ref_range_m: np.ndarray
    ref_rcs_m2: np.ndarray
    ref_snr_db: np.ndarray  # SNR that gives ref_pd at ref_range on ref_rcs
    pfa: np.ndarray
    swerling: np.ndarray
    scan_period_s: np.ndarray
    scan_phase_s: np.ndarray
    instrumented_range_m: np.ndarray
    min_range_m: np.ndarray
    min_elevation_rad: np.ndarray
    max_elevation_rad: np.ndarray
    max_altitude_m: np.ndarray
    sigma_rae: np.ndarray  # (R,3) range m, azimuth rad, elevation rad
    false_alarms_per_scan: np.ndarray
    fire_control: np.ndarray  # (R,) bool: guides missiles for its fire unit


@dataclass
class FireUnits:
    ids: list[str]
    systems: list[str]
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray
    enu_m: np.ndarray  # (F,3)
    fc_radar: np.ndarray  # (F,) index into Radars, -1 = none
    channels_targets: np.ndarray  # (F,) int
    channels_missiles: np.ndarray  # (F,) int
    reaction_time_s: np.ndarray
    reload_time_s: np.ndarray
    ready: np.ndarray  # (F,M) int rounds on launchers
    reserve: np.ndarray  # (F,M) int rounds for reloading
    capacity: np.ndarray  # (F,M) int launcher capacity per type
    salvo: np.ndarray
    shoot_look_shoot: np.ndarray  # bool
    max_salvos: np.ndarray
    launch_interval_s: np.ndarray
    pk_override: np.ndarray  # NaN = use catalog
    kill_assessment_s: np.ndarray
    roe: np.ndarray  # index into ROES


@dataclass
class Missiles:
    names: list[str]
    max_range_m: np.ndarray
    min_range_m: np.ndarray
    max_altitude_m: np.ndarray
    min_altitude_m: np.ndarray
    avg_speed_mps: np.ndarray
    max_speed_mps: np.ndarray
    max_tof_s: np.ndarray
    max_target_speed_mps: np.ndarray
    pk: np.ndarray  # (M, len(TARGET_CLASSES))


@dataclass
class AirObjects:
    ids: list[str]
    types: list[str]
    side: np.ndarray  # index into SIDES
    cls: np.ndarray  # index into TARGET_CLASSES
    wp_time_s: np.ndarray  # (N,K) padded with +inf
    wp_lla: np.ndarray  # (N,K,3) lat deg, lon deg, alt m; padded with the last point
    leg_vel_enu: np.ndarray  # (N,K,3) velocity on the leg starting at each waypoint
    rcs_m2: np.ndarray  # (N, R, 3) frontal/beam/rear RCS in each radar's band
    ends_in_area: np.ndarray  # (N,) bool: the route ends inside a defended area


@dataclass
class Areas:
    ids: list[str]
    polygons_enu: list[np.ndarray | None]  # (P,2) east, north or None for a circle
    centers_enu: np.ndarray  # (A,2)
    radii_m: np.ndarray  # (A,) circle radius, or polygon circumradius about its centroid
    geo: list[dict[str, Any]]  # for the manifest: {"id", "polygon": [[lat, lon]...]} / circle


@dataclass
class World:
    """Everything the engine needs, in SI arrays; see module docstring."""

    name: str
    scenario_text: str
    scenario_sha256: str
    default_seed: int
    epoch_iso: str
    duration_s: float
    tick_s: float
    trajectory_dt_s: float
    origin: tuple[float, float, float]
    catalog_version: str
    air: AirObjects
    radars: Radars
    fire_units: FireUnits
    missiles: Missiles
    areas: Areas
    tracking: dict[str, Any] = field(default_factory=dict)
    dem: Any = None  # openiads.terrain.Dem or None
    terrain_k: float = 4.0 / 3.0
    notes: list[str] = field(default_factory=list)


def _enu(lat: Any, lon: Any, alt: Any, origin: tuple[float, float, float]) -> np.ndarray:
    return np.stack(geodetic_to_enu(lat, lon, alt, *origin), axis=-1)


def compile_world(scenario: Scenario, catalog: Catalog | None = None) -> World:
    """Turn a validated scenario into a :class:`World`, using ``catalog`` (default: bundled)."""
    from openiads.catalog import load_catalog

    cat = catalog if catalog is not None else load_catalog()
    origin = origin_of(scenario)
    text = getattr(scenario, "text", "") or ""
    file = getattr(scenario, "file", "") or "<scenario>"

    dem = None
    k_factor = 4.0 / 3.0
    if scenario.terrain is not None:
        from pathlib import Path

        from openiads.terrain import load_dem

        base = getattr(scenario, "base_dir", Path.cwd())
        dem_path = Path(scenario.terrain.dem)
        if not dem_path.is_absolute():
            dem_path = base / dem_path
        try:
            dem = load_dem(dem_path, *origin, nodata=scenario.terrain.nodata)
        except InputError as err:
            raise err.located(file=file, field="terrain.dem") from None
        k_factor = scenario.terrain.k

    def ground_m(lat: float, lon: float) -> float:
        if dem is None:
            return 0.0
        e, n, _ = _enu(lat, lon, 0.0, origin)
        # Off the DEM the ground is taken at sea level (as the line-of-sight code does).
        h = dem.height_at(np.array([e]), np.array([n]), outside_m=0.0)
        return float(np.asarray(h)[0])

    def msl(alt: Altitude, lat: float, lon: float) -> float:
        return alt.m + ground_m(lat, lon) if alt.ref == "agl" else alt.m

    # ---- missiles used anywhere --------------------------------------------------------
    missile_names: list[str] = []

    def missile_index(name: str) -> int:
        canonical = cat.missile(name).name
        if canonical not in missile_names:
            missile_names.append(canonical)
        return missile_names.index(canonical)

    # ---- fire units and radars -------------------------------------------------------------
    fu_rows: list[dict[str, Any]] = []
    radar_rows: list[dict[str, Any]] = []
    for fi, site in enumerate(scenario.sites):
        system = cat.system(site.system)
        lat, lon = site.position.lat, site.position.lon
        alt = msl(site.position.alt, lat, lon)
        fc_index = -1
        for slot in system.radars:
            radar = cat.radar(slot.radar)
            for c in range(int(slot.count)):
                suffix = f"-{c + 1}" if slot.count > 1 else ""
                is_fc = radar.name == cat.radar(system.fire_control_radar).name and fc_index < 0
                mast = float(radar.antenna_height_m.nominal)
                if is_fc and site.mast is not None:
                    mast = site.mast
                if is_fc:
                    fc_index = len(radar_rows)
                fa = (
                    site.false_alarms_per_scan
                    if site.false_alarms_per_scan is not None
                    else float(radar.false_alarms_per_scan.nominal)
                )
                radar_rows.append(
                    {
                        "id": f"{site.id}/{radar.name}{suffix}",
                        "name": radar.name,
                        "site": fi,
                        "role": slot.role,
                        "band": radar.band,
                        "lat": lat,
                        "lon": lon,
                        "alt": alt + mast,
                        "agl": mast + (alt - ground_m(lat, lon) if dem is not None else 0.0),
                        "ref_range": float(radar.ref_range_m.nominal),
                        "ref_rcs": float(radar.ref_rcs_m2.nominal),
                        "ref_pd": float(radar.ref_pd.nominal),
                        "pfa": float(radar.pfa.nominal),
                        "swerling": int(radar.swerling),
                        "scan": float(radar.scan_period_s.nominal),
                        "inst": float(radar.instrumented_range_m.nominal),
                        "minr": float(radar.min_range_m.nominal),
                        "minel": float(radar.min_elevation_rad.nominal),
                        "maxel": float(radar.max_elevation_rad.nominal),
                        "maxalt": float(radar.max_altitude_m.nominal),
                        "sig": (
                            float(radar.sigma_range_m.nominal),
                            float(radar.sigma_azimuth_rad.nominal),
                            float(radar.sigma_elevation_rad.nominal),
                        ),
                        "fa": fa,
                        "fc": is_fc,
                    }
                )
        launcher = cat.launcher(system.launcher)
        if site.missiles is not None:
            loadout = {missile_index(m): int(n) for m, n in site.missiles.items()}
        else:
            loadout = {}
            for ls in system.loadout:
                mi = missile_index(ls.missile)
                loadout[mi] = loadout.get(mi, 0) + int(ls.launchers) * int(ls.per_launcher)
        reserve = {missile_index(m): int(n) for m, n in site.reserve.items()}
        d = site.doctrine
        fu_rows.append(
            {
                "id": site.id,
                "system": system.name,
                "lat": lat,
                "lon": lon,
                "alt": alt,
                "fc": fc_index,
                "ct": int(system.channels_targets.nominal),
                "cm": int(system.channels_missiles.nominal),
                "react": float(system.reaction_time_s.nominal),
                "reload": float(launcher.reload_time_s.nominal),
                "loadout": loadout,
                "reserve": reserve,
                "salvo": d.salvo,
                "sls": d.shoot_look_shoot,
                "max_salvos": d.max_salvos,
                "interval": d.launch_interval,
                "pk": np.nan if d.pk is None else d.pk,
                "ka": d.kill_assessment,
                "roe": ROES.index(site.roe),
            }
        )

    n_m = len(missile_names)
    n_f = len(fu_rows)
    ready = np.zeros((n_f, n_m), dtype=np.int64)
    reserve_arr = np.zeros((n_f, n_m), dtype=np.int64)
    for fi, row in enumerate(fu_rows):
        for mi, n in row["loadout"].items():
            ready[fi, mi] = n
        for mi, n in row["reserve"].items():
            reserve_arr[fi, mi] = n

    def col(rows: list[dict[str, Any]], key: str, dtype: Any = float) -> np.ndarray:
        return np.array([r[key] for r in rows], dtype=dtype)

    fire_units = FireUnits(
        ids=[r["id"] for r in fu_rows],
        systems=[r["system"] for r in fu_rows],
        lat_deg=col(fu_rows, "lat"),
        lon_deg=col(fu_rows, "lon"),
        alt_m=col(fu_rows, "alt"),
        enu_m=_enu(col(fu_rows, "lat"), col(fu_rows, "lon"), col(fu_rows, "alt"), origin).reshape(
            -1, 3
        ),
        fc_radar=col(fu_rows, "fc", np.int64),
        channels_targets=col(fu_rows, "ct", np.int64),
        channels_missiles=col(fu_rows, "cm", np.int64),
        reaction_time_s=col(fu_rows, "react"),
        reload_time_s=col(fu_rows, "reload"),
        ready=ready,
        reserve=reserve_arr,
        capacity=ready.copy(),
        salvo=col(fu_rows, "salvo", np.int64),
        shoot_look_shoot=col(fu_rows, "sls", bool),
        max_salvos=col(fu_rows, "max_salvos", np.int64),
        launch_interval_s=col(fu_rows, "interval"),
        pk_override=col(fu_rows, "pk"),
        kill_assessment_s=col(fu_rows, "ka"),
        roe=col(fu_rows, "roe", np.int64),
    )

    radars = Radars(
        ids=[r["id"] for r in radar_rows],
        names=[r["name"] for r in radar_rows],
        site=col(radar_rows, "site", np.int64),
        role=[r["role"] for r in radar_rows],
        band=[r["band"] for r in radar_rows],
        lat_deg=col(radar_rows, "lat"),
        lon_deg=col(radar_rows, "lon"),
        alt_m=col(radar_rows, "alt"),
        antenna_agl_m=col(radar_rows, "agl"),
        enu_m=_enu(
            col(radar_rows, "lat"), col(radar_rows, "lon"), col(radar_rows, "alt"), origin
        ).reshape(-1, 3),
        ref_range_m=col(radar_rows, "ref_range"),
        ref_rcs_m2=col(radar_rows, "ref_rcs"),
        # SNR at which each radar reaches its reference Pd at its Pfa, for its Swerling case.
        ref_snr_db=np.asarray(
            snr_required_db(
                col(radar_rows, "ref_pd"),
                col(radar_rows, "pfa"),
                col(radar_rows, "swerling", np.int64),
            ),
            dtype=float,
        ),
        pfa=col(radar_rows, "pfa"),
        swerling=col(radar_rows, "swerling", np.int64),
        scan_period_s=col(radar_rows, "scan"),
        scan_phase_s=np.zeros(len(radar_rows)),
        instrumented_range_m=col(radar_rows, "inst"),
        min_range_m=col(radar_rows, "minr"),
        min_elevation_rad=col(radar_rows, "minel"),
        max_elevation_rad=col(radar_rows, "maxel"),
        max_altitude_m=col(radar_rows, "maxalt"),
        sigma_rae=np.array([r["sig"] for r in radar_rows], dtype=float).reshape(-1, 3),
        false_alarms_per_scan=col(radar_rows, "fa"),
        fire_control=col(radar_rows, "fc", bool),
    )
    # Stagger scans deterministically so radars of one site do not all report on one tick.
    radars.scan_phase_s = (np.arange(len(radar_rows)) * 0.37) % np.maximum(
        radars.scan_period_s, 1e-9
    )

    used = [cat.missile(m) for m in missile_names]

    def nominal(attr: str) -> np.ndarray:
        return np.array([getattr(m, attr).nominal for m in used], dtype=float)

    missiles = Missiles(
        names=missile_names,
        max_range_m=nominal("max_range_m"),
        min_range_m=nominal("min_range_m"),
        max_altitude_m=nominal("max_altitude_m"),
        min_altitude_m=nominal("min_altitude_m"),
        avg_speed_mps=nominal("avg_speed_mps"),
        max_speed_mps=nominal("max_speed_mps"),
        max_tof_s=nominal("max_tof_s"),
        max_target_speed_mps=nominal("max_target_speed_mps"),
        pk=np.array(
            [[float(m.pk[c].nominal) if c in m.pk else 0.0 for c in TARGET_CLASSES] for m in used],
            dtype=float,
        ).reshape(len(used), len(TARGET_CLASSES)),
    )

    areas = _compile_areas(scenario, origin)
    air = _compile_air(scenario, cat, origin, radars, areas, msl)

    notes = []
    if dem is None:
        notes.append("no terrain: line of sight uses a smooth 4/3 earth")
    return World(
        name=scenario.name,
        scenario_text=text,
        scenario_sha256=hashlib.sha256(text.encode()).hexdigest(),
        default_seed=scenario.seed,
        epoch_iso=scenario.epoch.isoformat(),
        duration_s=float(scenario.duration),
        tick_s=float(scenario.tick),
        trajectory_dt_s=float(scenario.trajectory_interval),
        origin=origin,
        catalog_version=cat.version,
        air=air,
        radars=radars,
        fire_units=fire_units,
        missiles=missiles,
        areas=areas,
        tracking=dict(scenario.tracking),
        dem=dem,
        terrain_k=k_factor,
        notes=notes,
    )


def _compile_areas(scenario: Scenario, origin: tuple[float, float, float]) -> Areas:
    ids: list[str] = []
    polys: list[np.ndarray | None] = []
    centers: list[np.ndarray] = []
    radii: list[float] = []
    geo: list[dict[str, Any]] = []
    for a in scenario.defended_areas:
        ids.append(a.id)
        if a.polygon is not None:
            lat = np.array([p[0] for p in a.polygon])
            lon = np.array([p[1] for p in a.polygon])
            enu = _enu(lat, lon, np.zeros_like(lat), origin)[:, :2]
            c = enu.mean(axis=0)
            polys.append(enu)
            centers.append(c)
            radii.append(float(np.max(np.hypot(*(enu - c).T))))
            geo.append({"id": a.id, "polygon": [[float(x), float(y)] for x, y in a.polygon]})
        else:
            assert a.circle is not None
            c = _enu(a.circle.center.lat, a.circle.center.lon, 0.0, origin)[:2]
            polys.append(None)
            centers.append(c)
            radii.append(float(a.circle.radius))
            geo.append(
                {
                    "id": a.id,
                    "circle": {
                        "lat": a.circle.center.lat,
                        "lon": a.circle.center.lon,
                        "radius_m": float(a.circle.radius),
                    },
                }
            )
    return Areas(
        ids=ids,
        polygons_enu=polys,
        centers_enu=np.array(centers, dtype=float).reshape(-1, 2),
        radii_m=np.array(radii, dtype=float),
        geo=geo,
    )


def inside_areas(areas: Areas, east_m: np.ndarray, north_m: np.ndarray) -> np.ndarray:
    """(N,) bool: which points lie inside at least one defended area."""
    from matplotlib.path import Path as MplPath

    east_m = np.asarray(east_m, dtype=float)
    north_m = np.asarray(north_m, dtype=float)
    out = np.zeros(east_m.shape, dtype=bool)
    pts = np.stack([east_m.ravel(), north_m.ravel()], axis=-1)
    for poly, c, r in zip(areas.polygons_enu, areas.centers_enu, areas.radii_m, strict=True):
        if poly is None:
            out |= np.hypot(east_m - c[0], north_m - c[1]) <= r
        else:
            out |= MplPath(poly).contains_points(pts).reshape(east_m.shape)
    return out


def _compile_air(
    scenario: Scenario,
    cat: Catalog,
    origin: tuple[float, float, float],
    radars: Radars,
    areas: Areas,
    msl: Any,
) -> AirObjects:
    routes: list[tuple[np.ndarray, np.ndarray]] = []  # (times (K,), lla (K,3))
    ids: list[str] = []
    types: list[str] = []
    sides: list[int] = []
    overrides: list[tuple[float | None, float | None, float | None]] = []

    for obj in scenario.air:
        target = cat.target(obj.type)
        lat = np.array([w.lat for w in obj.route])
        lon = np.array([w.lon for w in obj.route])
        alt = np.zeros(len(obj.route))
        prev: Altitude | None = None
        for j, w in enumerate(obj.route):
            prev = w.alt if w.alt is not None else prev
            assert prev is not None
            alt[j] = msl(prev, w.lat, w.lon)
        if obj.route[0].time is not None:
            times = np.array([w.time for w in obj.route], dtype=float)
        else:
            speeds = np.zeros(len(obj.route) - 1)
            speed = float(target.cruise_speed_mps.nominal)
            for j, w in enumerate(obj.route[:-1]):
                speed = w.speed if w.speed is not None else speed
                speeds[j] = speed
            times = obj.start + np.concatenate(
                [[0.0], np.cumsum(_leg_lengths(lat, lon, alt) / speeds)]
            )
        routes.append((times, np.stack([lat, lon, alt], axis=-1)))
        ids.append(obj.id)
        types.append(target.name)
        sides.append(SIDES.index(obj.side))
        overrides.append((obj.rcs_frontal, obj.rcs_beam, obj.rcs_rear))

    for raid in scenario.raids:
        target = cat.target(raid.type)
        if isinstance(raid.to, str):
            ai = areas.ids.index(raid.to)
            ce, cn = areas.centers_enu[ai]
            to_lat, to_lon, _ = pymap3d.enu2geodetic(ce, cn, 0.0, *origin)
            to_lat, to_lon = float(to_lat), float(to_lon)
        else:
            to_lat, to_lon = raid.to.lat, raid.to.lon
        speed = raid.speed if raid.speed is not None else float(target.cruise_speed_mps.nominal)
        a = _enu(raid.origin.lat, raid.origin.lon, 0.0, origin)[:2]
        b = _enu(to_lat, to_lon, 0.0, origin)[:2]
        d = b - a
        normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1.0)
        for i in range(raid.count):
            off = (i - (raid.count - 1) / 2.0) * raid.spread * normal
            pts_e = np.array([a[0] + off[0], b[0] + off[0]])
            pts_n = np.array([a[1] + off[1], b[1] + off[1]])
            lat, lon, _ = pymap3d.enu2geodetic(pts_e, pts_n, np.zeros(2), *origin)
            lat = np.asarray(lat, dtype=float)
            lon = np.asarray(lon, dtype=float)
            alt = np.array([msl(raid.altitude, la, lo) for la, lo in zip(lat, lon, strict=True)])
            t0 = raid.start + i * raid.spacing
            times = t0 + np.concatenate([[0.0], np.cumsum(_leg_lengths(lat, lon, alt) / speed)])
            routes.append((times, np.stack([lat, lon, alt], axis=-1)))
            ids.append(f"{raid.id}-{i + 1}" if raid.count > 1 else raid.id)
            types.append(target.name)
            sides.append(SIDES.index(raid.side))
            overrides.append((raid.rcs_frontal, raid.rcs_beam, raid.rcs_rear))

    n = len(routes)
    k = max(len(t) for t, _ in routes)
    wp_time = np.full((n, k), np.inf)
    wp_lla = np.zeros((n, k, 3))
    leg_vel = np.zeros((n, k, 3))
    for i, (times, lla) in enumerate(routes):
        m = len(times)
        wp_time[i, :m] = times
        wp_lla[i, :m] = lla
        wp_lla[i, m:] = lla[-1]
        enu = _enu(lla[:, 0], lla[:, 1], lla[:, 2], origin).reshape(-1, 3)
        leg_vel[i, : m - 1] = np.diff(enu, axis=0) / np.diff(times)[:, None]

    cls = np.array([TARGET_CLASSES.index(cat.target(t).cls) for t in types], dtype=np.int64)
    # Catalog RCS per (type, band, aspect), looked up once per type and band.
    table: dict[tuple[str, str], np.ndarray] = {}
    for t in set(types):
        target = cat.target(t)
        for band in set(radars.band):
            table[(t, band)] = np.array(
                [float(target.rcs_m2(band, aspect).nominal) for aspect in ASPECTS]
            )
    rcs = np.zeros((n, len(radars.ids), 3))
    for r, band in enumerate(radars.band):
        rcs[:, r, :] = np.array([table[(t, band)] for t in types]).reshape(n, 3)
    over = np.array([[np.nan if v is None else v for v in o] for o in overrides]).reshape(n, 3)
    rcs = np.where(np.isnan(over)[:, None, :], rcs, over[:, None, :])
    last = wp_lla[:, -1]  # routes are padded with their last waypoint
    last_enu = _enu(last[:, 0], last[:, 1], last[:, 2], origin).reshape(-1, 3)
    ends_in = (
        inside_areas(areas, last_enu[:, 0], last_enu[:, 1])
        if areas.ids
        else np.zeros(n, dtype=bool)
    )
    return AirObjects(
        ids=ids,
        types=types,
        side=np.array(sides, dtype=np.int64),
        cls=cls,
        wp_time_s=wp_time,
        wp_lla=wp_lla,
        leg_vel_enu=leg_vel,
        rcs_m2=rcs,
        ends_in_area=ends_in,
    )


def _leg_lengths(lat: np.ndarray, lon: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """Straight-line (ECEF chord) length of each leg, m."""
    x, y, z = pymap3d.geodetic2ecef(lat, lon, alt)
    p = np.stack([np.asarray(x), np.asarray(y), np.asarray(z)], axis=-1)
    return np.linalg.norm(np.diff(p, axis=0), axis=-1)
