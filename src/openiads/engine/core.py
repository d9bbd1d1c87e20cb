"""The tick loop: move → sense → track → decide → fly → resolve, over struct-of-arrays state.

One call of :func:`simulate` is one replication. All randomness comes from child streams of
one :class:`numpy.random.SeedSequence`, one per stage, so the same world and seed give a
byte-identical event table on any machine and in any worker. docs/models/engine.md
describes every stage, its assumptions and its sources.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pymap3d

from openiads import __version__
from openiads.c2 import pack_areas
from openiads.engine._kernels import plan_engagements
from openiads.engine.tables import route_state, tables_for
from openiads.outcome import EVENT_SCHEMA, OBJECT_SCHEMA, TRAJECTORY_SCHEMA, Outcome
from openiads.physics import detection, kinematics, lethality
from openiads.scenario.compile import SIDES, TARGET_CLASSES, World

HOSTILE = SIDES.index("hostile")
#: Terminal homing basket: an interceptor whose aim point (the command-guidance prediction
#: from the fused track) is farther than this from the target at arrival misses. The 48N6
#: family (track-via-missile) and the 40N6/9M96 (active radar) seekers acquire a
#: fighter-size target well beyond this distance and remove the remaining error in the
#: end-game. An assumption (no public figure); see docs/models/engine.md.
HOMING_BASKET_M = 5_000.0
#: A fire-control radar "holds" a target if it detected it within this many scan periods.
FC_HOLD_SCANS = 2.5
_MAX_FA_ALT_M = 20_000.0

Event = tuple[float, str, str, str, dict[str, Any]]


class _Interceptors:
    """Interceptors launched or scheduled so far, as growable parallel arrays."""

    _INT = ("fu", "missile", "target", "track", "engagement", "state", "left")
    _FLOAT = ("launch_t", "arrive_t", "aim_t")
    _VEC = ("launch_enu", "aim_enu")

    def __init__(self) -> None:
        self.n = 0
        cap = 64
        for name in self._INT:
            setattr(self, name, np.zeros(cap, dtype=np.int64))
        for name in self._FLOAT:
            setattr(self, name, np.zeros(cap))
        for name in self._VEC:
            setattr(self, name, np.zeros((cap, 3)))
        self.fu: np.ndarray
        self.missile: np.ndarray
        self.target: np.ndarray
        self.track: np.ndarray
        self.engagement: np.ndarray
        self.state: np.ndarray  # 0 scheduled, 1 flying, 2 done
        self.left: np.ndarray  # ready rounds left at the fire unit after this one
        self.launch_t: np.ndarray
        self.arrive_t: np.ndarray
        self.aim_t: np.ndarray  # time of the last guidance update
        self.launch_enu: np.ndarray
        self.aim_enu: np.ndarray

    def add(self, **values: Any) -> int:
        if self.n == len(self.state):
            for name in (*self._INT, *self._FLOAT, *self._VEC):
                old = getattr(self, name)
                grown = np.zeros((2 * len(old), *old.shape[1:]), dtype=old.dtype)
                grown[: len(old)] = old
                setattr(self, name, grown)
        i = self.n
        for name, value in values.items():
            getattr(self, name)[i] = value
        self.n += 1
        return i

    def active(self) -> bool:
        return bool((self.state[: self.n] < 2).any())


def _decide_args(world: World) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Defended areas and fire units as the decide kernel takes them (engine/_kernels.py)."""
    packed = pack_areas(world.areas)
    fu, ms = world.fire_units, world.missiles
    units = (
        np.ascontiguousarray(fu.enu_m, dtype=float),
        fu.fc_radar.astype(np.int64),
        fu.reaction_time_s.astype(float),
        fu.roe.astype(np.int64),
        fu.salvo.astype(np.int64),
        fu.shoot_look_shoot.astype(np.bool_),
        fu.max_salvos.astype(np.int64),
        ms.max_range_m.astype(float),
        ms.max_tof_s.astype(float),
    )
    return (packed.vertices, packed.start, packed.centers, packed.radii), units


def _child_rngs(seed: np.random.SeedSequence | int) -> dict[str, np.random.Generator]:
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    names = ("sense", "clutter", "noise", "resolve")
    return {n: np.random.default_rng(s) for n, s in zip(names, ss.spawn(len(names)), strict=True)}


def _details(d: dict[str, Any]) -> str:
    return json.dumps(
        {k: (round(v, 3) if isinstance(v, float) else v) for k, v in d.items()},
        sort_keys=True,
        separators=(",", ":"),
    )


class _Simulation:
    def __init__(
        self, world: World, seed: np.random.SeedSequence | int, trajectory_dt_s: float | None
    ):
        from openiads.tracking import AirPicture, TrackerConfig

        self.w = world
        self.rng = _child_rngs(seed)
        self.seed_repr = seed.entropy if isinstance(seed, np.random.SeedSequence) else seed
        self.traj_dt = trajectory_dt_s
        n = len(world.air.ids)
        r = len(world.radars.ids)
        f = len(world.fire_units.ids)
        self.events: list[Event] = []
        self.alive = np.ones(n, dtype=bool)
        self.ended = np.zeros(n, dtype=bool)  # killed, leaked or exited
        self.detected = np.zeros((r, n), dtype=bool)
        self.last_seen = np.full((r, n), -np.inf)
        self.next_scan = world.radars.scan_phase_s + world.radars.scan_period_s
        self.ready = world.fire_units.ready.copy()
        self.reserve = world.fire_units.reserve.copy()
        self.reload_at = np.full(self.ready.shape, np.inf)
        self.next_reload = np.inf  # earliest pending reload
        self.rounds_changed = True  # ready rounds changed since the last reload check
        self.magazine_empty_reported = np.zeros(f, dtype=bool)
        self.targets_busy = np.zeros(f, dtype=np.int64)
        self.missiles_busy = np.zeros(f, dtype=np.int64)
        self.ic = _Interceptors()
        self.n_engagements = 0
        self.salvos_at_target = np.zeros(n, dtype=np.int64)
        self.tgt_rounds_left = np.zeros(n, dtype=np.int64)
        self.tgt_busy_until = np.full(n, -np.inf)
        self.air_ids = np.array(world.air.ids, dtype=object)
        self.tables = tables_for(world)
        self.side = world.air.side.astype(np.int64)
        self.first_confirmed = np.full(64, np.inf)  # by fused track id: first seen confirmed
        # The decide kernel's World-only arguments, packed once per World.
        self.area_args, self.fu_args = self.tables.memo("decide", lambda: _decide_args(world))
        self.skip_idle = True
        self.next_decide = 0.0
        self.t_last = self.tables.route_end_s
        self.next_route_end = float(self.t_last.min(initial=np.inf))  # a lower bound
        # Missile types ranked by reach: the shortest that can do the job is preferred.
        self.reach_rank = np.argsort(np.argsort(world.missiles.max_range_m, kind="stable"))
        cfg = TrackerConfig.model_validate(world.tracking)
        self.picture = AirPicture(cfg, list(world.radars.ids), world.radars.enu_m.copy())
        self.traj_rows: list[tuple[np.ndarray, ...]] = []
        self.next_traj = 0.0
        # Current truth (read-only table rows), refreshed by _move.
        self.lla = np.zeros((n, 3))
        self.enu = np.zeros((n, 3))
        self.vel = np.zeros((n, 3))
        self.airborne = np.zeros(n, dtype=bool)
        self.k = 0  # current tick index: time is k * tick

    # ------------------------------------------------------------------------------------
    def run(self) -> Outcome:
        w = self.w
        k_end = self.tables.k_end
        k = 0
        while k <= k_end:
            self.k = k
            t = k * w.tick_s
            self._move(t)
            self._sense(t)
            self.events.extend(self.picture.fuse(t))
            self._decide(t)
            self._fly(t)
            self._resolve(t)
            self._reload(t)
            self._sample(t)
            if not self.alive.any() and not self.ic.active():
                break
            k = self._next_step(k)
        return self._outcome()

    def _next_step(self, k: int) -> int:
        """The index of the next tick at which any stage can change anything (past the end
        of the run if none can).

        Ticks in between are idle: no radar scan completes, no interceptor is launched or
        arrives, no object ends its route, no reload or trajectory sample is due, and the
        decide stage has shown (with lower bounds on when each blocking condition can
        clear) that no engagement can start. Skipping them gives exactly the events of a
        tick-by-tick run (tested), much faster for sparse scenarios.
        """
        tick = self.w.tick_s
        if not self.skip_idle:
            return k + 1
        ic = self.ic
        n = ic.n
        times = [float(self.next_scan.min(initial=np.inf)), self.next_decide]
        if n:
            st = ic.state[:n]
            times.append(float(ic.launch_t[:n][st == 0].min(initial=np.inf)))
            times.append(float(ic.arrive_t[:n][st == 1].min(initial=np.inf)))
        if self.traj_dt is not None:
            times.append(self.next_traj)
        times.append(self.next_route_end)
        times.append(self.next_reload)
        soonest = min(times)
        if not np.isfinite(soonest):
            return self.tables.k_end + 1
        return max(k + 1, int(np.ceil(soonest / tick - 1e-9)))

    # ---- move ------------------------------------------------------------------------------
    def _move(self, t: float) -> None:
        w = self.w
        truth = self.tables.truth(self.k)
        self.lla, self.vel, self.enu = truth.lla, truth.vel, truth.enu
        self.airborne = truth.airborne & self.alive
        if t < self.next_route_end:
            return
        done = truth.finished & self.alive & ~self.ended
        for j in np.flatnonzero(done):
            leak = bool(w.air.side[j] == HOSTILE and w.air.ends_in_area[j])
            kind = "leak" if leak else "exit"
            self.events.append((t, kind, "", w.air.ids[j], {"type": w.air.types[j]}))
            self.ended[j] = True
            self.alive[j] = False
        self.next_route_end = float(self.t_last[~self.ended].min(initial=np.inf))

    # ---- sense ------------------------------------------------------------------------------
    def _sense(self, t: float) -> None:
        rd = self.w.radars
        due = np.flatnonzero(self.next_scan <= t + 1e-9)
        for r in due:
            due_s = float(self.next_scan[r])
            self.next_scan[r] += rd.scan_period_s[r]
            self._scan_radar(t, int(r), self.tables.scan(int(r), self.k, due_s))

    def _scan_radar(self, t: float, r: int, geo: Any) -> None:
        """One scan of radar ``r``: detection draws over the objects it can see at all
        (``geo``, from the World's tables), measurement noise, false alarms; to the tracker."""
        w, rd = self.w, self.w.radars
        tgt = geo.idx
        n_hit = 0
        if tgt.size:
            live = self.alive[tgt]
            p, aer, slant, snr_db = geo.pd, geo.aer, geo.slant_m, geo.snr_db
            if not live.all():
                tgt, p, aer, slant, snr_db = (
                    tgt[live],
                    p[live],
                    aer[live],
                    slant[live],
                    snr_db[live],
                )
            hit = self.rng["sense"].random(tgt.size) < p
            seen = tgt[hit]
            n_hit = seen.size
            self.last_seen[r, seen] = t
            new = hit & ~self.detected[r, tgt]
            if new.any():
                self.detected[r, tgt[new]] = True
                for k in np.flatnonzero(new):
                    self.events.append(
                        (
                            t,
                            "detect",
                            rd.ids[r],
                            w.air.ids[tgt[k]],
                            {"range_m": float(slant[k]), "snr_db": float(snr_db[k])},
                        )
                    )
        crng = self.rng["clutter"]
        n_fa = int(crng.poisson(rd.false_alarms_per_scan[r]))
        # Measurements: detections (true range/azimuth/elevation + noise), then false alarms
        # uniform in range and azimuth at a height uniform in [0, 20 km].
        zz = np.empty((n_hit + n_fa, 3))
        tt = np.empty(n_hit + n_fa, dtype=np.int64)
        sigma = rd.sigma_rae[r]
        if n_hit:
            zz[:n_hit] = aer[hit] + self.rng["noise"].normal(size=(n_hit, 3)) * sigma
            tt[:n_hit] = seen
        if n_fa:
            lo = max(rd.min_range_m[r], 1_000.0)
            u = crng.random((3, n_fa))  # the draws of three successive uniform(size=n_fa)
            fr = lo + (rd.instrumented_range_m[r] - lo) * u[0]
            zz[n_hit:, 0] = fr
            zz[n_hit:, 1] = (2 * np.pi) * u[1]
            zz[n_hit:, 2] = np.arctan2(_MAX_FA_ALT_M * u[2], fr)
            tt[n_hit:] = -1
        self.events.extend(self.picture.scan(t, r, zz, sigma.copy(), tt))

    # ---- decide ------------------------------------------------------------------------------
    def _decide(self, t: float) -> None:
        """Threat evaluation and weapon-target assignment; sets ``next_decide``, the earliest
        tick at which a decision could differ (a lower bound over every blocked option)."""
        w, fu, ms = self.w, self.w.fire_units, self.w.missiles
        self.next_decide = np.inf
        tracks = self.picture.fused_tracks(t)
        if len(tracks.ids) == 0 or len(fu.ids) == 0:
            return
        if tracks.ids[-1] >= self.first_confirmed.size:  # ids increase: grow the table
            grown = np.full(2 * int(tracks.ids[-1]) + 64, np.inf)
            grown[: self.first_confirmed.size] = self.first_confirmed
            self.first_confirmed = grown
        # Candidates in threat order and the pre-checks of every (track, fire unit, missile)
        # option, with when a blocked one could pass at the earliest (engine/_kernels.py).
        cand, pre, wake = plan_engagements(
            t,
            w.tick_s,
            FC_HOLD_SCANS,
            HOSTILE,
            tracks.ids,
            tracks.confirmed,
            tracks.truth_id,
            tracks.x_enu,
            self.first_confirmed,
            self.side,
            self.alive,
            self.tgt_rounds_left,
            self.tgt_busy_until,
            self.area_args,
            self.fu_args,
            (
                self.last_seen,
                w.radars.scan_period_s,
                self.next_scan,
                self.ready,
                self.reload_at,
                self.salvos_at_target,
            ),
        )
        self.next_decide = wake
        if not pre.any():
            return
        pos = tracks.x_enu[cand, :3]
        vel = tracks.x_enu[cand, 3:]
        n_c, n_f, n_m = cand.size, len(fu.ids), len(ms.names)
        k = np.flatnonzero(pre.ravel())
        c_k, f_k, m_k = np.unravel_index(k, pre.shape)
        fc_k = np.maximum(fu.fc_radar[f_k], 0)
        p_pip, p_tof, p_ok = kinematics.predicted_intercept_point(
            fu.enu_m[f_k],
            pos[c_k],
            vel[c_k],
            ms.avg_speed_mps[m_k],
            ms.max_speed_mps[m_k],
            ms.max_range_m[m_k],
        )
        rng_m = np.linalg.norm(p_pip - fu.enu_m[f_k], axis=-1)
        _, _, alt = pymap3d.enu2geodetic(p_pip[:, 0], p_pip[:, 1], p_pip[:, 2], *w.origin)
        env = kinematics.in_envelope(
            rng_m,
            np.asarray(alt),
            p_tof,
            np.linalg.norm(vel[c_k], axis=-1),
            min_range_m=ms.min_range_m[m_k],
            max_range_m=ms.max_range_m[m_k],
            min_alt_m=ms.min_altitude_m[m_k],
            max_alt_m=ms.max_altitude_m[m_k],
            max_tof_s=ms.max_tof_s[m_k],
            max_target_speed_mps=ms.max_target_speed_mps[m_k],
        )
        in_fc = (
            np.linalg.norm(p_pip - w.radars.enu_m[fc_k], axis=-1)
            <= w.radars.instrumented_range_m[fc_k]
        )
        ok = p_ok & env & in_fc
        if not ok.any():
            return
        tof_flat = np.full(pre.size, np.inf)
        tof_flat[k[ok]] = p_tof[ok]
        tof = tof_flat.reshape(n_c, n_f, n_m)
        pip_flat = np.zeros((pre.size, 3))
        pip_flat[k[ok]] = p_pip[ok]
        pip = pip_flat.reshape(n_c, n_f, n_m, 3)
        # Prefer the shortest-reach missile that can do the job (keep long-range rounds),
        # then the earliest intercept.
        score = np.where(np.isfinite(tof), self.reach_rank[None, None, :] * 1e6 + tof, np.inf)
        # Greedy assignment in priority order; the loop runs over engageable tracks only and
        # stops as soon as every fire unit is out of channels.
        for c in np.flatnonzero(np.isfinite(score).any(axis=(1, 2))):
            blocked = (self.targets_busy >= fu.channels_targets) | (
                self.missiles_busy + fu.salvo > fu.channels_missiles
            )
            if blocked.all():
                break
            s = np.where(blocked[:, None] | (self.ready < fu.salvo[:, None]), np.inf, score[c])
            if not np.isfinite(s).any():
                continue
            f, m = np.unravel_index(int(np.argmin(s)), s.shape)
            self._launch_salvo(
                t, int(cand[c]), tracks, int(f), int(m), float(tof[c, f, m]), pip[c, f, m]
            )

    def _launch_salvo(
        self, t: float, k: int, tracks: Any, f: int, m: int, tof: float, pip0: np.ndarray
    ) -> None:
        w, fu, ms = self.w, self.w.fire_units, self.w.missiles
        track_id = int(tracks.ids[k])
        target = int(tracks.truth_id[k])
        salvo = int(fu.salvo[f])
        self.salvos_at_target[target] += 1
        self.n_engagements += 1
        self.tgt_rounds_left[target] = salvo
        self.tgt_busy_until[target] = np.inf
        self.targets_busy[f] += 1
        self.missiles_busy[f] += salvo
        self.events.append(
            (
                t,
                "engage",
                fu.ids[f],
                w.air.ids[target],
                {
                    "track": track_id,
                    "missile": ms.names[m],
                    "salvo": salvo,
                    "salvo_number": int(self.salvos_at_target[target]),
                },
            )
        )
        x = tracks.x_enu[k]
        delays = np.arange(salvo) * float(fu.launch_interval_s[f])
        p, tf, ok = kinematics.predicted_intercept_point(
            np.repeat(fu.enu_m[f][None, :], salvo, axis=0),
            x[None, :3] + x[None, 3:] * delays[:, None],
            np.repeat(x[None, 3:], salvo, axis=0),
            np.full(salvo, ms.avg_speed_mps[m]),
            np.full(salvo, ms.max_speed_mps[m]),
            np.full(salvo, ms.max_range_m[m]),
        )
        tf = np.where(ok, tf, tof)
        p = np.where(ok[:, None], p, pip0[None, :])
        self.rounds_changed = True
        for j in range(salvo):
            self.ready[f, m] -= 1
            self.ic.add(
                fu=f,
                missile=m,
                target=target,
                track=track_id,
                engagement=self.n_engagements,
                state=0,
                left=int(self.ready[f].sum()),
                launch_t=t + delays[j],
                arrive_t=t + delays[j] + tf[j],
                aim_t=t,
                launch_enu=fu.enu_m[f],
                aim_enu=p[j],
            )
        if self.ready[f].sum() == 0 and not self.magazine_empty_reported[f]:
            self.magazine_empty_reported[f] = True
            self.events.append((t, "magazine_empty", fu.ids[f], "", {}))

    # ---- fly -----------------------------------------------------------------------------------
    def _fly(self, t: float) -> None:
        ic = self.ic
        if ic.n == 0:
            return
        n = ic.n
        go = np.flatnonzero((ic.state[:n] == 0) & (ic.launch_t[:n] <= t + 1e-9))
        for i in go:
            ic.state[i] = 1
            self.events.append(
                (
                    float(ic.launch_t[i]),
                    "launch",
                    self.w.fire_units.ids[ic.fu[i]],
                    self.w.air.ids[ic.target[i]],
                    {
                        "interceptor": f"I{i + 1}",
                        "left": int(ic.left[i]),
                        "missile": self.w.missiles.names[ic.missile[i]],
                        "track": int(ic.track[i]),
                        "tof_s": float(ic.arrive_t[i] - ic.launch_t[i]),
                        "aim_e_m": float(ic.aim_enu[i, 0]),
                        "aim_n_m": float(ic.aim_enu[i, 1]),
                        "aim_u_m": float(ic.aim_enu[i, 2]),
                    },
                )
            )
        flying = np.flatnonzero(ic.state[:n] == 1)
        if flying.size == 0:
            return
        # Command guidance: aim at the fused track's prediction for the arrival time.
        tracks = self.picture.fused_tracks(t)
        if len(tracks.ids) == 0:
            return
        trk = ic.track[flying]
        pos = np.minimum(np.searchsorted(tracks.ids, trk), len(tracks.ids) - 1)  # ids increase
        found = tracks.ids[pos] == trk
        rows = pos[found]
        lead = np.maximum(ic.arrive_t[flying[found]] - t, 0.0)
        ic.aim_enu[flying[found]] = tracks.x_enu[rows, :3] + tracks.x_enu[rows, 3:] * lead[:, None]
        ic.aim_t[flying[found]] = t

    # ---- resolve -----------------------------------------------------------------------------
    def _resolve(self, t: float) -> None:
        ic = self.ic
        n = ic.n
        if n == 0:
            return
        due = np.flatnonzero((ic.state[:n] == 1) & (ic.arrive_t[:n] <= t + 1e-9))
        if due.size == 0:
            return
        due = due[np.argsort(ic.arrive_t[due], kind="stable")]
        w, fu, ms = self.w, self.w.fire_units, self.w.missiles
        arrive = ic.arrive_t[due]
        aim = ic.aim_enu[due]
        intended = ic.target[due]
        # The seeker homes on what is in its basket: normally the intended target, but after
        # a track swap it may be another object near the aim point (even a civil one).
        tgt = intended.copy()
        live = np.flatnonzero(self.alive & self.airborne)
        if live.size:
            d2 = np.sum((self.enu[live][None, :, :] - aim[:, None, :]) ** 2, axis=-1)
            nearest = live[np.argmin(d2, axis=1)]
            t_pos, _ = self._truth_at(arrive, intended)
            lost = self.alive[intended] & (np.linalg.norm(t_pos - aim, axis=-1) > HOMING_BASKET_M)
            tgt = np.where(lost, nearest, intended)
        truth, vel = self._truth_at(arrive, tgt)
        miss_m = np.linalg.norm(truth - aim, axis=-1)
        f_arr = ic.fu[due]
        m_arr = ic.missile[due]
        override = fu.pk_override[f_arr]
        pk = np.where(
            np.isnan(override),
            lethality.single_shot_pk(
                ms.pk[m_arr, w.air.cls[tgt]],
                np.linalg.norm(vel, axis=-1),
                ms.max_target_speed_mps[m_arr],
                np.linalg.norm(aim - fu.enu_m[f_arr], axis=-1),
                ms.max_range_m[m_arr],
            ),
            override,
        )
        draws = self.rng["resolve"].random(due.size)
        for j, i in enumerate(due):
            ic.state[i] = 2
            f, target = int(f_arr[j]), int(tgt[j])
            ta = float(arrive[j])
            name = f"I{i + 1}"
            self.missiles_busy[f] -= 1
            engaged = int(intended[j])  # engagement bookkeeping follows the C2's target
            self.tgt_rounds_left[engaged] -= 1
            if self.tgt_rounds_left[engaged] == 0:
                self.targets_busy[f] -= 1
                self.tgt_busy_until[engaged] = ta + float(fu.kill_assessment_s[f])
            common = {
                "intended": w.air.ids[int(intended[j])],
                "interceptor": name,
                "fire_unit": fu.ids[f],
                "miss_distance_m": float(miss_m[j]),
                "guidance_age_s": float(ta - ic.aim_t[i]),
            }
            tname = w.air.ids[target]
            self.events.append((ta, "intercept", name, tname, common))
            if not self.alive[target]:
                self.events.append((ta, "miss", name, tname, {**common, "reason": "target gone"}))
            elif miss_m[j] > HOMING_BASKET_M:
                self.events.append(
                    (ta, "miss", name, tname, {**common, "reason": "outside basket"})
                )
            elif draws[j] < pk[j]:
                self.alive[target] = False
                self.ended[target] = True
                self.next_route_end = float(self.t_last[~self.ended].min(initial=np.inf))
                self.events.append((ta, "kill", name, tname, {**common, "pk": float(pk[j])}))
            else:
                self.events.append(
                    (ta, "miss", name, tname, {**common, "reason": "pk draw", "pk": float(pk[j])})
                )

    def _truth_at(self, t_s: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """True positions (scenario ENU) and velocities of objects ``idx`` at times ``t_s``."""
        lla, vel, _, _ = route_state(self.w, t_s, idx)
        e, n, u = pymap3d.geodetic2enu(lla[:, 0], lla[:, 1], lla[:, 2], *self.w.origin)
        return np.stack([e, n, u], axis=-1).reshape(-1, 3), vel

    def _reload(self, t: float) -> None:
        fu = self.w.fire_units
        if self.rounds_changed:  # a launcher may have run dry: start its reload
            self.rounds_changed = False
            start = (self.ready == 0) & (self.reserve > 0) & ~np.isfinite(self.reload_at)
            if start.any():
                self.reload_at[start] = t + fu.reload_time_s[np.nonzero(start)[0]]
                self.next_reload = float(self.reload_at.min())
        if self.next_reload > t + 1e-9:
            return
        due = np.isfinite(self.reload_at) & (self.reload_at <= t + 1e-9)
        for f, m in zip(*np.nonzero(due), strict=True):
            n = int(min(self.reserve[f, m], fu.capacity[f, m]))
            self.ready[f, m] += n
            self.reserve[f, m] -= n
            self.reload_at[f, m] = np.inf
            self.magazine_empty_reported[f] = False
            self.events.append(
                (
                    t,
                    "reload",
                    fu.ids[f],
                    "",
                    {
                        "missile": self.w.missiles.names[m],
                        "rounds": n,
                        "left": int(self.ready[f].sum()),
                    },
                )
            )
        self.next_reload = float(self.reload_at.min(initial=np.inf))

    # ---- trajectories --------------------------------------------------------------------------
    def _sample(self, t: float) -> None:
        if self.traj_dt is None or t + 1e-9 < self.next_traj:
            return
        self.next_traj += self.traj_dt
        air = np.flatnonzero(self.airborne & self.alive)
        rows = [(np.full(air.size, t), self.air_ids[air], self.lla[air], self.enu[air])]
        ic = self.ic
        flying = np.flatnonzero(ic.state[: ic.n] == 1)
        if flying.size:
            ms = self.w.missiles
            m = ic.missile[flying]
            dist = kinematics.flyout_distance_m(
                t - ic.launch_t[flying], ms.avg_speed_mps[m], ms.max_speed_mps[m], ms.max_range_m[m]
            )
            start = ic.launch_enu[flying]
            span = ic.aim_enu[flying] - start
            length = np.maximum(np.linalg.norm(span, axis=-1), 1.0)
            # Past the missile's maximum flight time the distance is NaN: hold the last point.
            frac = np.clip(np.where(np.isnan(dist), length, dist) / length, 0.0, 1.0)
            pos = start + span * frac[:, None]
            la, lo, al = pymap3d.enu2geodetic(pos[:, 0], pos[:, 1], pos[:, 2], *self.w.origin)
            lla = np.stack([la, lo, al], axis=-1)
            names = np.char.add("I", (flying + 1).astype(str)).astype(object)
            rows.append((np.full(flying.size, t), names, lla, pos))
        self.traj_rows.extend(rows)

    # ---- outcome -------------------------------------------------------------------------------
    def _outcome(self) -> Outcome:
        w = self.w
        ev = sorted(
            enumerate(self.events), key=lambda x: (x[1][0], x[0])
        )  # by time, stable in emission order
        events = pa.table(
            {
                "t": pa.array([e[0] for _, e in ev], pa.float64()),
                "kind": pa.array([e[1] for _, e in ev], pa.string()),
                "actor": pa.array([e[2] for _, e in ev], pa.string()),
                "target": pa.array([e[3] for _, e in ev], pa.string()),
                "details": pa.array([_details(e[4]) for _, e in ev], pa.string()),
            },
            schema=EVENT_SCHEMA,
        )
        if self.traj_rows:
            t_all = np.concatenate([r[0] for r in self.traj_rows])
            id_all = np.concatenate([r[1] for r in self.traj_rows])
            lla = np.concatenate([r[2] for r in self.traj_rows]).reshape(-1, 3)
            enu = np.concatenate([r[3] for r in self.traj_rows]).reshape(-1, 3)
        else:
            t_all, id_all = np.zeros(0), np.zeros(0, dtype=object)
            lla = enu = np.zeros((0, 3))
        traj = pa.table(
            {
                "t": t_all,
                "id": pa.array(list(id_all), pa.string()),
                "lat_deg": lla[:, 0],
                "lon_deg": lla[:, 1],
                "alt_m": lla[:, 2],
                "east_m": enu[:, 0],
                "north_m": enu[:, 1],
                "up_m": enu[:, 2],
            },
            schema=TRAJECTORY_SCHEMA,
        )
        return Outcome(
            events=events,
            trajectories=traj,
            objects=_objects_table(w, self.tables, self.ic),
            manifest=manifest(w, self.seed_repr),
        )


def _objects_table(w: World, tables: Any, ic: _Interceptors) -> pa.Table:
    """Every object of the run: air objects, interceptors, fire units, radars (in that order).

    Only the interceptor rows depend on the run; the others are built once per World.
    """
    air, sites = tables.memo("objects", lambda: _world_objects(w))
    n = ic.n
    nan = np.full(n, np.nan)
    interceptors = pa.table(
        {
            "id": [f"I{i + 1}" for i in range(n)],
            "category": ["interceptor"] * n,
            "type": [w.missiles.names[m] for m in ic.missile[:n]],
            "side": ["friendly"] * n,
            "cls": ["interceptor"] * n,
            "parent": [w.fire_units.ids[f] for f in ic.fu[:n]],
            "lat_deg": nan,
            "lon_deg": nan,
            "alt_m": nan,
            "detect_range_m": nan,
            "engage_range_m": nan,
        },
        schema=OBJECT_SCHEMA,
    )
    return pa.concat_tables([air, interceptors, sites])


def _world_objects(w: World) -> tuple[pa.Table, pa.Table]:
    """The run-independent rows of the objects table: air objects, then fire units and radars."""
    air, fu, rd, ms = w.air, w.fire_units, w.radars, w.missiles
    n_air = len(air.ids)
    air_tbl = pa.table(
        {
            "id": list(air.ids),
            "category": ["air"] * n_air,
            "type": list(air.types),
            "side": [SIDES[int(s)] for s in air.side],
            "cls": [TARGET_CLASSES[int(c)] for c in air.cls],
            "parent": [""] * n_air,
            "lat_deg": air.wp_lla[:, 0, 0].astype(float),
            "lon_deg": air.wp_lla[:, 0, 1].astype(float),
            "alt_m": air.wp_lla[:, 0, 2].astype(float),
            "detect_range_m": np.full(n_air, np.nan),
            "engage_range_m": np.full(n_air, np.nan),
        },
        schema=OBJECT_SCHEMA,
    )
    n_f, n_r = len(fu.ids), len(rd.ids)
    # A fire unit's reach: its longest-range missile type on the launchers.
    reach = np.where(fu.capacity > 0, ms.max_range_m[None, :], -np.inf).max(axis=1, initial=-np.inf)
    # Display ring of a radar: detection range against a 1 m² target at the reference Pd.
    ring = np.minimum(
        detection.detection_range_m(1.0, rd.ref_range_m, rd.ref_rcs_m2), rd.instrumented_range_m
    )
    site_tbl = pa.table(
        {
            "id": [*fu.ids, *rd.ids],
            "category": ["site"] * (n_f + n_r),
            "type": [*fu.systems, *rd.names],  # radar names: the catalog's canonical ones
            "side": ["defence"] * (n_f + n_r),
            "cls": [*(["fire_unit"] * n_f), *rd.role],
            "parent": [*([""] * n_f), *(fu.ids[int(s)] for s in rd.site)],
            "lat_deg": np.concatenate([fu.lat_deg, rd.lat_deg]).astype(float),
            "lon_deg": np.concatenate([fu.lon_deg, rd.lon_deg]).astype(float),
            "alt_m": np.concatenate([fu.alt_m, rd.alt_m]).astype(float),
            "detect_range_m": np.concatenate([np.full(n_f, np.nan), ring]).astype(float),
            "engage_range_m": np.concatenate(
                [np.where(np.isfinite(reach), reach, np.nan), np.full(n_r, np.nan)]
            ).astype(float),
        },
        schema=OBJECT_SCHEMA,
    )
    return air_tbl, site_tbl


def manifest(w: World, seed: Any) -> dict[str, Any]:
    """What is needed to reproduce a run: scenario text and hash, seed, versions, frame."""
    return {
        "scenario_name": w.name,
        "scenario_text": w.scenario_text,
        "scenario_sha256": w.scenario_sha256,
        "seed": seed if isinstance(seed, int) else str(seed),
        "openiads_version": __version__,
        "catalog_version": w.catalog_version,
        "epoch": w.epoch_iso,
        "duration_s": w.duration_s,
        "tick_s": w.tick_s,
        "origin": {"lat_deg": w.origin[0], "lon_deg": w.origin[1], "alt_m": w.origin[2]},
        "defended_areas": w.areas.geo,
        "notes": list(w.notes),
    }


def simulate(
    world: World,
    seed: np.random.SeedSequence | int | None = None,
    *,
    trajectory_dt_s: float | str | None = "scenario",
) -> Outcome:
    """Run one replication of ``world``.

    ``seed``: root seed (int) or a :class:`numpy.random.SeedSequence` (a study's child);
    default: the scenario's ``seed``. ``trajectory_dt_s``: sampling interval of recorded
    trajectories; ``"scenario"`` uses the scenario's ``trajectory_interval``; ``None`` records
    none (faster, for large studies). The summary is filled in.
    """
    from openiads.engine.summary import summarize

    dt = world.trajectory_dt_s if trajectory_dt_s == "scenario" else trajectory_dt_s
    sim = _Simulation(world, world.default_seed if seed is None else seed, dt)  # type: ignore[arg-type]
    outcome = sim.run()
    outcome.summary = summarize(outcome)
    outcome.summary["tracking"] = sim.picture.metrics()
    return outcome
