"""Deterministic per-world tables: truth at each tick and what each radar can see on each scan.

Everything the move stage and the deterministic half of the sense stage compute depends on the
World alone, never on the seed: where each object is at tick *k* (routes are pre-planned), and
which objects radar *r* can possibly detect on the scan it completes at tick *k* (line of
sight, range, elevation and altitude limits) with their single-look Pd and true
range/azimuth/elevation. The engine looks these up instead of recomputing them every
replication; only the random half (the Bernoulli detection draws, the measurement noise, the
false alarms) and the alive/dead filter are per replication. Results are the same as
computing them in place: the same formulas, evaluated over many ticks in one array pass.

Tables are computed lazily in blocks (``BLOCK_TICKS`` ticks of truth, ``BLOCK_SCANS`` scans of a
radar) so a large raid never holds a whole run's geometry in memory. For a World small enough
(:func:`table_cells` ≤ ``SHARED_CELLS``) one :class:`WorldTables` is kept per World object
and shared by every replication run on it in the process: a Monte Carlo study computes its
geometry once per worker, not once per replication. The registry holds the World weakly and
drops its tables when the World is garbage-collected (an uncertainty study compiles a World
per replication). A World is read-only once compiled.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pymap3d

from openiads.physics import detection, earth, rcs

if TYPE_CHECKING:
    from openiads.scenario.compile import World

#: Ticks of truth computed in one array pass.
BLOCK_TICKS = 64
#: Scans of one radar whose geometry is computed in one array pass.
BLOCK_SCANS = 32
#: Worlds whose tables hold at most this many rows (:func:`table_cells`; ~100 bytes each) keep
#: them for every replication.
SHARED_CELLS = 500_000


def ecef_to_enu_rotation(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """(R,3,3) rotations taking ECEF difference vectors to each site's local east-north-up."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    zero = np.zeros_like(lat)
    return np.stack(
        [
            np.stack([-so, co, zero], axis=-1),
            np.stack([-sl * co, -sl * so, cl], axis=-1),
            np.stack([cl * co, cl * so, sl], axis=-1),
        ],
        axis=-2,
    )


def route_state(world: World, t_s: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, ...]:
    """Truth of objects ``idx`` at times ``t_s`` (one per object).

    Returns lat/lon/alt (K,3), velocity in the scenario ENU frame (K,3), and flags
    ``airborne`` (between its first and last waypoint) and ``finished``.
    """
    times = world.air.wp_time_s[idx]
    lla = world.air.wp_lla[idx]
    t = np.asarray(t_s, dtype=float).reshape(-1, 1)
    n_wp = np.isfinite(times).sum(axis=1)
    k = np.clip((times <= t).sum(axis=1) - 1, 0, np.maximum(n_wp - 2, 0))
    rows = np.arange(len(idx))
    t0 = times[rows, k]
    t1 = times[rows, np.minimum(k + 1, times.shape[1] - 1)]
    span = np.where(np.isfinite(t1) & (t1 > t0), t1 - t0, 1.0)
    frac = np.clip((t[:, 0] - t0) / span, 0.0, 1.0)
    p0 = lla[rows, k]
    p1 = lla[rows, np.minimum(k + 1, lla.shape[1] - 1)]
    pos = p0 + (p1 - p0) * frac[:, None]
    vel = world.air.leg_vel_enu[idx][rows, k]
    t_first = times[:, 0]
    t_last = times[rows, np.maximum(n_wp - 1, 0)]
    airborne = (t[:, 0] >= t_first) & (t[:, 0] < t_last)
    finished = t[:, 0] >= t_last
    vel = np.where(airborne[:, None], vel, 0.0)
    return pos, vel, airborne, finished


def _frozen(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.flags.writeable = False


@dataclass(frozen=True)
class Truth:
    """Every air object at one tick (rows: objects); arrays are read-only."""

    lla: np.ndarray  # (N,3) lat deg, lon deg, alt m
    vel: np.ndarray  # (N,3) scenario ENU m/s
    airborne: np.ndarray  # (N,) between first and last waypoint (dead or alive)
    finished: np.ndarray  # (N,) past its last waypoint
    ecef: np.ndarray  # (N,3)
    enu: np.ndarray  # (N,3) scenario frame


@dataclass(frozen=True)
class ScanGeometry:
    """What one radar can possibly detect on one scan; arrays are read-only.

    ``idx``: objects (ascending) that are airborne, in line of sight and inside the radar's
    range, elevation and altitude limits; per object its slant range, SNR, single-look Pd,
    and the true range/azimuth/elevation along the scenario ENU axes (what the tracker is
    handed, before noise).
    """

    idx: np.ndarray
    slant_m: np.ndarray
    snr_db: np.ndarray
    pd: np.ndarray
    aer: np.ndarray  # (K,3)


class WorldTables:
    """Lazily filled truth and scan-geometry tables of one World (see module docstring)."""

    def __init__(self, world: World, *, shared: bool, masks: dict[int, Any] | None = None):
        # A weak reference: the process-wide registry must not keep a World alive (its
        # tables are dropped when the World is; see tables_for).
        self._world = weakref.ref(world)
        self.shared = shared
        n = len(world.air.ids)
        self.n = n
        self.k_end = int(np.floor(world.duration_s / world.tick_s + 1e-9))
        rd = world.radars
        x0, y0, z0 = pymap3d.geodetic2ecef(rd.lat_deg, rd.lon_deg, rd.alt_m)
        self.radar_ecef = np.stack([x0, y0, z0], axis=-1).reshape(-1, 3)
        self.radar_rot = ecef_to_enu_rotation(rd.lat_deg, rd.lon_deg)
        self.origin_ecef = np.array(pymap3d.geodetic2ecef(*world.origin), dtype=float)
        self.origin_rot = ecef_to_enu_rotation(
            np.array([world.origin[0]]), np.array([world.origin[1]])
        )[0]
        times = world.air.wp_time_s
        n_wp = np.isfinite(times).sum(axis=1)
        #: (N,) time each object reaches the end of its route
        self.route_end_s = times[np.arange(n), np.maximum(n_wp - 1, 0)]
        _frozen(self.route_end_s)
        self._memo: dict[str, Any] = {}
        self._truth: dict[int, Truth] = {}
        self._truth_block: set[int] = set()
        self._now_block = 0  # block of the run's present tick (unshared tables)
        self._scans: dict[tuple[int, int], ScanGeometry] = {}
        self._masks: dict[int, Any] = {} if masks is None else masks

    @property
    def w(self) -> World:
        world = self._world()
        if world is None:  # pragma: no cover - a run holds its World
            raise RuntimeError("the World of these tables no longer exists")
        return world

    def memo(self, name: str, build: Any) -> Any:
        """``build()``'s result, computed once per tables object (World-only values)."""
        if name not in self._memo:
            self._memo[name] = build()
        return self._memo[name]

    # ------------------------------------------------------------------------ truth
    def truth(self, k: int, *, ahead: bool = False) -> Truth:
        """Truth of every object at tick ``k`` (time ``k · tick``).

        Unshared tables take a call without ``ahead`` as the run's present and may drop the
        blocks before it; scan geometry computed ahead of the present passes ``ahead``.
        """
        if not ahead:
            self._now_block = k // BLOCK_TICKS
        got = self._truth.get(k)
        if got is None:
            self._fill_truth(k // BLOCK_TICKS)
            got = self._truth[k]
        return got

    def _fill_truth(self, block: int) -> None:
        w, n = self.w, self.n
        if not self.shared:  # a run moves forward in time: drop what lies behind it
            for old in [b for b in self._truth_block if b < self._now_block]:
                for k in range(old * BLOCK_TICKS, (old + 1) * BLOCK_TICKS):
                    self._truth.pop(k, None)
                self._truth_block.discard(old)
        ks = np.arange(block * BLOCK_TICKS, (block + 1) * BLOCK_TICKS)
        nk = ks.size
        t = np.repeat(ks * w.tick_s, n)
        idx = np.tile(np.arange(n), nk)
        lla, vel, airborne, finished = route_state(w, t, idx)
        x, y, z = pymap3d.geodetic2ecef(lla[:, 0], lla[:, 1], lla[:, 2])
        ecef = np.stack([x, y, z], axis=-1).reshape(-1, 3)
        enu = (ecef - self.origin_ecef) @ self.origin_rot.T
        shape3 = (nk, n, 3)
        lla3, vel3, ecef3, enu3 = (a.reshape(shape3) for a in (lla, vel, ecef, enu))
        air2, fin2 = airborne.reshape(nk, n), finished.reshape(nk, n)
        _frozen(lla3, vel3, ecef3, enu3, air2, fin2)
        for j in range(nk):
            self._truth[block * BLOCK_TICKS + j] = Truth(
                lla3[j], vel3[j], air2[j], fin2[j], ecef3[j], enu3[j]
            )
        self._truth_block.add(block)

    # ------------------------------------------------------------------------ sensing
    def terrain_mask(self, r: int) -> Any:
        """The radar's line-of-sight mask over the DEM, computed on first use."""
        mask = self._masks.get(r)
        if mask is None:
            from openiads.terrain import TerrainMask

            mask = TerrainMask(
                self.w.dem,
                self.w.radars.enu_m[r],
                k=self.w.terrain_k,
                max_distance_m=float(self.w.radars.instrumented_range_m[r]),
            )
            self._masks[r] = mask
        return mask

    def scan(self, r: int, k: int, due_s: float) -> ScanGeometry:
        """Geometry of radar ``r``'s scan processed at tick ``k`` (the scan due at ``due_s``).

        On a miss, computes this scan and the radar's next ``BLOCK_SCANS - 1`` scans (their
        due times ``due_s + j · period``, processed at the first tick at or after each) in one
        pass.
        """
        got = self._scans.get((r, k))
        if got is None:
            self._fill_scans(r, k, due_s)
            got = self._scans[(r, k)]
        return got

    def _fill_scans(self, r: int, k: int, due_s: float) -> None:
        w, rd, n = self.w, self.w.radars, self.n
        if not self.shared:
            for key in [key for key in self._scans if key[0] == r and key[1] < k]:
                del self._scans[key]
        tick = w.tick_s
        due = due_s + np.arange(1, BLOCK_SCANS) * float(rd.scan_period_s[r])
        later = np.ceil(due / tick - 1e-9).astype(np.int64)
        ks = np.unique(np.concatenate([[k], later[(later > k) & (later <= self.k_end)]]))
        truths = [self.truth(int(kk), ahead=True) for kk in ks]
        air = np.concatenate([tr.airborne for tr in truths])
        rows = np.flatnonzero(air)
        obj = rows % n
        scan_of = rows // n
        ecef = np.concatenate([tr.ecef for tr in truths])[rows]
        enu = np.concatenate([tr.enu for tr in truths])[rows]
        h_t = np.concatenate([tr.lla[:, 2] for tr in truths])[rows]
        vel = np.concatenate([tr.vel for tr in truths])[rows]

        local = (ecef - self.radar_ecef[r]) @ self.radar_rot[r].T
        slant = np.linalg.norm(local, axis=-1)
        ground = np.hypot(local[:, 0], local[:, 1])
        h_r = rd.alt_m[r]
        if w.dem is not None:
            visible = self.terrain_mask(r).visible(enu)
        else:
            visible = earth.smooth_earth_visible(ground, h_r, h_t, k=w.terrain_k)
        elev = earth.apparent_elevation_rad(ground, h_r, h_t, k=w.terrain_k)
        ok = (
            visible
            & (slant >= rd.min_range_m[r])
            & (slant <= rd.instrumented_range_m[r])
            & (elev >= rd.min_elevation_rad[r])
            & (elev <= rd.max_elevation_rad[r])
            & (h_t <= rd.max_altitude_m[r])
        )
        obj, scan_of, slant = obj[ok], scan_of[ok], slant[ok]
        rel = enu[ok] - rd.enu_m[r]
        aspect = rcs.aspect_angle_rad(vel[ok], -rel)
        sigma = rcs.aspect_rcs_m2(
            aspect, w.air.rcs_m2[obj, r, 0], w.air.rcs_m2[obj, r, 1], w.air.rcs_m2[obj, r, 2]
        )
        snr_db = detection.reference_snr_db(
            slant, sigma, rd.ref_range_m[r], rd.ref_rcs_m2[r], rd.ref_snr_db[r]
        )
        p = np.asarray(detection.pd(snr_db, rd.pfa[r], int(rd.swerling[r])), dtype=float)
        s_r, s_az, s_el = earth.enu_to_aer(rel[:, 0], rel[:, 1], rel[:, 2])
        aer = np.stack([s_r, s_az, s_el], axis=-1).reshape(-1, 3)
        cuts = np.searchsorted(scan_of, np.arange(ks.size + 1))
        for j, kk in enumerate(ks):
            a, b = cuts[j], cuts[j + 1]
            g = ScanGeometry(obj[a:b], slant[a:b], snr_db[a:b], p[a:b], aer[a:b])
            _frozen(g.idx, g.slant_m, g.snr_db, g.pd, g.aer)
            self._scans[(r, int(kk))] = g


def table_cells(world: World) -> int:
    """Rows the tables of ``world`` hold at most: one per (object, tick) for truth and one
    per (object, radar scan) for scan geometry."""
    ticks = world.duration_s / world.tick_s + 1
    scans = float(np.sum(world.duration_s / world.radars.scan_period_s + 1))
    return int(len(world.air.ids) * (ticks + scans))


_SHARED: dict[int, WorldTables] = {}
_MASKS: dict[int, dict[int, Any]] = {}
_LOCK = threading.Lock()


def _forget(key: int) -> None:
    with _LOCK:
        _SHARED.pop(key, None)
        _MASKS.pop(key, None)


def tables_for(world: World) -> WorldTables:
    """The tables of ``world``: shared by every replication if the World is small, else new
    for this run (terrain masks, computed once per radar, are shared in both cases)."""
    key = id(world)
    with _LOCK:
        known = key in _MASKS
        if not known:
            _MASKS[key] = {}
            weakref.finalize(world, _forget, key)
        masks = _MASKS[key]
        if table_cells(world) > SHARED_CELLS:
            return WorldTables(world, shared=False, masks=masks)
        tables = _SHARED.get(key)
        if tables is None:
            tables = _SHARED[key] = WorldTables(world, shared=True, masks=masks)
        return tables
