"""The command post's air picture: one tracker per radar, fused into one set of tracks.

Each radar keeps its own tracks (:class:`~openiads.tracking.tracker.RadarTracker`). The
command post keeps fused tracks, each fed by at most one track of each radar:

* at every radar scan, each updated, confirmed radar track that feeds a fused track is folded
  into it. With ``fusion="measurement"`` (the default) the fused track, a filter of its own
  with the same motion model, is updated with the detection the radar track just took
  (centralised fusion of the associated detections: each detection used once, errors of
  different radars independent, so the plain Kalman update is exact). With
  ``fusion="covariance_intersection"`` the fused estimate is combined with the radar track's
  estimate by fast covariance intersection (for radar tracks whose errors are correlated in
  an unknown way: what a command post gets when it only receives tracks). A radar track or
  detection outside the fused track's gate is unlinked instead;
* at :meth:`AirPicture.fuse`, fused tracks left without any radar track are dropped, and
  each confirmed radar track that feeds none is associated (chi-square position gate, one
  assignment per radar, never two tracks of one radar on one fused track) with a fused track,
  or starts a new one. Fused ids are stable for the life of the fused track.

Work per scan is proportional to the tracks that scan updated, and :meth:`AirPicture.fuse`
only touches radar tracks that are new to the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from scipy.stats import chi2

from openiads.tracking._kernels import (
    Motion,
    combine_rows,
    fold_measurements,
    fuse_into,
    fused_view,
    predict_cv6,
    rae_to_enu_fast,
)
from openiads.tracking.assignment import assign_pairs
from openiads.tracking.config import TrackerConfig
from openiads.tracking.filters import inv_sym3, rae_to_enu
from openiads.tracking.tracker import (
    Event,
    MotionModel,
    RadarTracker,
    TrackArrays,
    TrackStats,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

CP = "cp"
# motion matrices of several time steps, stacked (a Motion with a leading axis S):
# f_idx, f_val (S,M,n,3), q (S,M,n,n), pi (S,M,M)
_NO_STEPS: Motion = (
    np.zeros((0, 1, 1, 3), dtype=np.int64),
    np.zeros((0, 1, 1, 3)),
    np.zeros((0, 1, 1, 1)),
    np.zeros((0, 1, 1)),
)
_MODE = {"measurement": 3, "covariance_intersection": 1, "best": 2}


@dataclass(frozen=True)
class FusedTracks:
    """The fused air picture at one time; row k describes one fused track."""

    ids: IntArray  # (K,) stable fused track ids, increasing
    x_enu: FloatArray  # (K, 6) [e, n, u, ve, vn, vu] in m and m/s, predicted to t_s
    P: FloatArray  # (K, 6, 6) covariance
    truth_id: IntArray  # (K,) majority air-object index of its detections, -1 none
    confirmed: BoolArray  # (K,) always True: fused tracks are built from confirmed radar tracks
    n_radars: IntArray  # (K,) radars whose tracks feed it
    t_s: float = 0.0

    def __len__(self) -> int:
        return int(self.ids.shape[0])


class AirPicture:
    """Per-radar multi-target trackers and their fusion at the command post.

    ``radar_positions_enu`` (R,3): radar positions in metres in the scenario's ENU frame.
    """

    def __init__(
        self, cfg: TrackerConfig, radar_ids: list[str], radar_positions_enu: FloatArray
    ) -> None:
        pos = np.asarray(radar_positions_enu, dtype=np.float64).reshape(-1, 3)
        if pos.shape[0] != len(radar_ids):
            raise ValueError(f"{len(radar_ids)} radar ids but {pos.shape[0]} radar positions")
        self.cfg = cfg
        self.radar_ids = list(radar_ids)
        self.radar_positions_enu = pos.copy()
        self._ids = [1]
        self.radars = [RadarTracker(cfg, name, self._ids) for name in self.radar_ids]
        self.gamma_fusion = float(chi2.ppf(cfg.fusion_gate_probability, 3))
        self.q_cv = cfg.process_noise_mps2**2
        self._mode = _MODE[cfg.fusion]
        # Fused tracks: a slot store like the radars'. When fusing detections each is a filter
        # with the radars' motion model; when fusing estimates, a 6-state estimate.
        self.motion = MotionModel(cfg)
        if self._mode == 3:
            m, n = self.motion.n_models, self.motion.n_state
        else:
            m, n = 1, 6
        self.fused = TrackArrays.empty(m, n)
        self.f_t = np.zeros(self.fused.capacity)  # time of each fused estimate
        self.f_nrad = np.zeros(self.fused.capacity, dtype=np.int64)  # radar tracks feeding it
        self._slot_of = np.full(64, -1, dtype=np.int64)  # fused id -> slot (-1: none)
        self._next_fused = 1
        self.fstats = TrackStats()
        self._dirty = False  # a radar track was confirmed or unlinked since the last fuse
        # motion matrices of the fused filters' recent time steps, stacked for the fold kernel
        self._steps = np.zeros(0)
        self._step_mats: Motion = _NO_STEPS
        # the last fused_tracks answer; None once a scan or fuse may have changed the picture
        self._view: FusedTracks | None = None

    # ------------------------------------------------------------------ scans
    def scan(
        self,
        t_s: float,
        radar_index: int,
        z_rae: FloatArray,
        sigma_rae: FloatArray,
        truth_id: IntArray,
    ) -> list[Event]:
        """One radar scan of detections in range (m), azimuth, elevation (rad) from that radar."""
        z = np.asarray(z_rae, dtype=np.float64).reshape(-1, 3)
        sig = np.asarray(sigma_rae, dtype=np.float64)
        radar = self.radar_positions_enu[radar_index]
        if sig.shape == (3,):
            pos, cov = rae_to_enu_fast(np.ascontiguousarray(z), np.ascontiguousarray(sig), radar)
        else:  # one sigma triple per detection
            pos, cov = rae_to_enu(z, sig, radar)
            pos, cov = np.ascontiguousarray(pos), np.ascontiguousarray(cov)
        truth = np.ascontiguousarray(np.asarray(truth_id, dtype=np.int64).reshape(-1))
        return self._scan(float(t_s), radar_index, pos, cov, truth)

    def scan_enu(
        self,
        t_s: float,
        radar_index: int,
        z_enu: FloatArray,
        r_enu: FloatArray,
        truth_id: IntArray,
    ) -> list[Event]:
        """One radar scan of detections in ENU: positions (M,3), covariances (M,3,3) or (3,3)."""
        z = np.ascontiguousarray(np.asarray(z_enu, dtype=np.float64).reshape(-1, 3))
        r = np.asarray(r_enu, dtype=np.float64)
        if r.ndim == 2:
            r = np.broadcast_to(r, (z.shape[0], 3, 3))
        r = np.ascontiguousarray(r)
        truth = np.ascontiguousarray(np.asarray(truth_id, dtype=np.int64).reshape(-1))
        return self._scan(float(t_s), radar_index, z, r, truth)

    def _scan(
        self, t_s: float, radar_index: int, z: FloatArray, r: FloatArray, truth: IntArray
    ) -> list[Event]:
        """scan_enu on checked arrays: z (M,3), r (M,3,3) C-contiguous float, truth (M,) int."""
        if truth.shape[0] != z.shape[0]:
            raise ValueError(f"{z.shape[0]} detections but {truth.shape[0]} truth ids")
        self._view = None
        self.fstats.note_detections(t_s, truth)
        trk = self.radars[radar_index]
        events = trk.scan(t_s, z, r, truth)
        if trk.last_unlinked.size:
            self._unlink(trk.last_unlinked)
        if trk.last_fold.size:
            self._fold(trk, t_s, z, r, truth)
        if events:  # confirmations (new radar tracks to link) or losses
            self._dirty = True
        return events

    def _slots(self, fused_ids: IntArray) -> IntArray:
        ok = fused_ids < self._slot_of.size
        out = np.full(fused_ids.size, -1, dtype=np.int64)
        out[ok] = self._slot_of[fused_ids[ok]]
        return out

    def _unlink(self, fused_ids: IntArray) -> None:
        """A radar track stopped feeding each of these fused tracks."""
        slot = self._slots(fused_ids)
        np.subtract.at(self.f_nrad, slot[slot >= 0], 1)

    def _fold(
        self, trk: RadarTracker, t_s: float, z: FloatArray, r: FloatArray, truth: IntArray
    ) -> None:
        """Fold the radar tracks this scan updated into the fused tracks they feed."""
        tr = trk.tracks
        # updated, confirmed and feeding a fused track
        sel, det = trk.last_fold, trk.last_fold_detections
        if sel.size == 0:
            return
        if self._mode == 3:
            self._fold_kernel(tr.fused_id, sel, det, z, r, truth, t_s)
            return
        slot = self._slots(tr.fused_id[sel])
        ok = slot >= 0
        tr.fused_id[sel[~ok]] = -1
        sel, det, slot = sel[ok], det[ok], slot[ok]
        lx, lp = trk.combined(sel, 6)
        modes = np.where(self.f_nrad[slot] <= 1, 0, self._mode).astype(np.int64)
        outside = fuse_into(
            self.fused.x[:, 0],
            self.fused.p[:, 0],
            self.f_t,
            slot,
            lx,
            lp,
            t_s,
            self.q_cv,
            modes,
            self.gamma_fusion,
        )
        if outside.any():
            tr.fused_id[sel[outside]] = -1
            np.subtract.at(self.f_nrad, slot[outside], 1)
            self._dirty = True
        inside = slot[~outside]
        self.fused.n_hits[inside] += 1
        self.fused.misses[inside] = 0
        self.fstats.note_updates(t_s, self.fused, inside, truth[det[~outside]])

    def _fold_kernel(
        self,
        fused_id: IntArray,
        sel: IntArray,
        det: IntArray,
        z: FloatArray,
        r: FloatArray,
        truth: IntArray,
        t_s: float,
    ) -> None:
        """_fold with measurement fusion, in one compiled call (two when the kernel's table
        of motion steps lacks a step the fused tracks need)."""
        fu, st = self.fused, self.fstats
        if self._steps.size > 16:  # start the table afresh; it only ever gains steps below
            self._steps, self._step_mats = np.zeros(0), _NO_STEPS
        while True:
            head, missing = fold_measurements(
                fu.kernel_args(), self.f_t, self.f_nrad, self._slot_of, fused_id, sel, det,
                (z, r, truth), self.gamma_fusion, self._steps, self._step_mats,
                st.kernel_args(), t_s,
            )  # fmt: skip
            if head[0]:
                break
            self._add_steps(missing)  # every missing step: the next call completes
        if head[1]:
            self._dirty = True
        if head.size > 4:
            st.note_update_keys(int(head[2]), int(head[3]), head[4:])

    def _add_steps(self, steps: FloatArray) -> None:
        """Add the motion matrices of time steps ``steps`` to the fold kernel's table."""
        old = [float(d) for d in self._steps]
        keep = old + [float(d) for d in np.unique(steps) if float(d) not in old]
        mats = [self.motion.matrices(d) for d in keep]
        self._steps = np.array(keep, dtype=np.float64)
        self._step_mats = (
            np.ascontiguousarray(np.stack([m[0] for m in mats])),
            np.ascontiguousarray(np.stack([m[1] for m in mats])),
            np.ascontiguousarray(np.stack([m[2] for m in mats])),
            np.ascontiguousarray(np.stack([m[3] for m in mats])),
        )

    def _fused6(self, rows: IntArray, t_s: float) -> tuple[FloatArray, FloatArray]:
        """Fused tracks ``rows``: [position, velocity] and covariance, predicted to t_s."""
        fu = self.fused
        x, p = combine_rows(fu.x, fu.p, fu.mu, rows, 6)
        return predict_cv6(x, p, t_s - self.f_t[rows], self.q_cv)

    # ----------------------------------------------------------------- fusion
    def fuse(self, t_s: float) -> list[Event]:
        """Update the command post's air picture at t_s from every radar's confirmed tracks.

        Drops fused tracks no radar track feeds any more, and links each confirmed radar track
        that feeds none to a fused track (or starts one). Costs almost nothing when no radar
        track is new to the picture.
        """
        t_s = float(t_s)
        events: list[Event] = []
        if not self._dirty:
            return events
        self._dirty = False
        self._view = None
        fu = self.fused
        # 1. drop fused tracks that no radar track feeds any more
        dead = np.flatnonzero(fu.active & (self.f_nrad <= 0))
        if dead.size:
            events.extend(
                (
                    t_s,
                    "track_lost",
                    CP,
                    f"{CP}/{fid}",
                    {"track_id": int(fid), "truth_id": int(truth), "age_s": float(t_s - born)},
                )
                for fid, truth, born in zip(
                    fu.ids[dead], fu.last_truth[dead], fu.t_born_s[dead], strict=True
                )
            )
            fu.active[dead] = False
            self._slot_of[fu.ids[dead]] = -1
            self.f_nrad[dead] = 0
            self.fstats.n_lost += int(dead.size)

        # 2. radar tracks that feed no fused track yet, radar by radar
        pending = [
            np.flatnonzero(trk.tracks.active & trk.tracks.confirmed & (trk.tracks.fused_id < 0))
            for trk in self.radars
        ]
        if not any(p.size for p in pending):
            return events
        for r, rows in enumerate(pending):  # loop over radars
            if rows.size:  # against the fused tracks as the radars before left them
                frows = fu.rows()
                fx, fp = self._fused6(frows, t_s)
                events.extend(self._associate(r, rows, t_s, frows, fx, fp))
        return events

    def _associate(
        self, r: int, rows: IntArray, t_s: float, frows: IntArray, fx: FloatArray, fp: FloatArray
    ) -> list[Event]:
        """Link radar r's unlinked confirmed tracks ``rows`` to fused tracks or start new ones."""
        trk = self.radars[r]
        tr, fu = trk.tracks, self.fused
        events: list[Event] = []
        lx, lp = trk.combined(rows, 6)
        lx, lp = predict_cv6(
            lx, lp, np.full(rows.size, t_s - (trk.t_s if trk.t_s is not None else t_s)), self.q_cv
        )
        # fused tracks already fed by a track of this radar are not candidates
        linked = tr.fused_id[tr.active & (tr.fused_id >= 0)]
        taken = np.zeros(fu.capacity, dtype=bool)
        taken[self._slots(linked)] = True
        ti, fj, d2 = self._t2t_pairs(lx, lp, fx, fp)
        ok = ~taken[frows[fj]]
        ti, fj, d2 = ti[ok], fj[ok], d2[ok]
        chosen = assign_pairs(ti, fj, d2 - self.gamma_fusion, rows.size, frows.size)
        a, f = ti[chosen], frows[fj[chosen]]
        if a.size:
            if self._mode != 3:  # estimates: fold the radar track's estimate in now
                fuse_into(
                    fu.x[:, 0],
                    fu.p[:, 0],
                    self.f_t,
                    f,
                    lx[a],
                    lp[a],
                    t_s,
                    self.q_cv,
                    np.full(a.size, self._mode, dtype=np.int64),
                    np.inf,
                )
            # detections: the radar track's next detections will feed the fused track
            tr.fused_id[rows[a]] = fu.ids[f]
            self.f_nrad[f] += 1
            events.extend(
                (
                    t_s,
                    "track_fused",
                    CP,
                    f"{CP}/{fid}",
                    {
                        "track_id": int(fid),
                        "radar": self.radar_ids[r],
                        "radar_track_id": int(rid),
                        "n_radars": int(nrad),
                    },
                )
                for fid, rid, nrad in zip(fu.ids[f], tr.ids[rows[a]], self.f_nrad[f], strict=True)
            )
        new = np.ones(rows.size, dtype=bool)
        new[a] = False
        if new.any():
            events.extend(self._start_fused(trk, rows[new], lx[new], lp[new], t_s))
        return events

    def _start_fused(
        self, trk: RadarTracker, src: IntArray, lx: FloatArray, lp: FloatArray, t_s: float
    ) -> list[Event]:
        """Start fused tracks from radar tracks ``src`` (their estimates at t_s: lx, lp)."""
        m = src.size
        fu = self.fused
        slots = fu.free_slots(m)
        if fu.capacity > self.f_t.size:
            pad = fu.capacity - self.f_t.size
            self.f_t = np.concatenate([self.f_t, np.zeros(pad)])
            self.f_nrad = np.concatenate([self.f_nrad, np.zeros(pad, dtype=np.int64)])
        tr = trk.tracks
        ids = np.arange(self._next_fused, self._next_fused + m, dtype=np.int64)
        self._next_fused += m
        if ids[-1] >= self._slot_of.size:
            grow = max(2 * self._slot_of.size, int(ids[-1]) + 1) - self._slot_of.size
            self._slot_of = np.concatenate([self._slot_of, np.full(grow, -1, dtype=np.int64)])
        self._slot_of[ids] = slots
        if self._mode == 3:  # start from the radar track's own filter state
            fu.x[slots] = tr.x[src]
            fu.p[slots] = tr.p[src]
            fu.mu[slots] = tr.mu[src]
            self.f_t[slots] = trk.t_s if trk.t_s is not None else t_s
        else:
            fu.x[slots, 0] = lx
            fu.p[slots, 0] = lp
            fu.mu[slots] = 1.0
            self.f_t[slots] = t_s
        fu.ids[slots] = ids
        fu.active[slots] = True
        fu.confirmed[slots] = True
        fu.age[slots] = 1
        fu.n_hits[slots] = tr.n_hits[src]
        fu.misses[slots] = 0
        fu.t_born_s[slots] = t_s
        fu.truth_cand[slots] = tr.truth_cand[src]
        fu.truth_votes[slots] = tr.truth_votes[src]
        fu.last_truth[slots] = tr.last_truth[src]
        fu.pending_truth[slots] = -1
        fu.fused_id[slots] = -1
        self.f_nrad[slots] = 1
        tr.fused_id[src] = ids
        self.fstats.note_confirmed(t_s, ids, tr.last_truth[src], np.full(m, t_s))
        return [
            (
                t_s,
                "track_confirmed",
                CP,
                f"{CP}/{fid}",
                {
                    "track_id": int(fid),
                    "truth_id": int(truth),
                    "radar": trk.name,
                    "radar_track_id": int(rid),
                    "position_enu_m": [round(float(v), 1) for v in xyz],
                },
            )
            for fid, truth, rid, xyz in zip(
                ids, tr.truth_cand[src], tr.ids[src], lx[:, :3], strict=True
            )
        ]

    def _t2t_pairs(
        self, x: FloatArray, p: FloatArray, fx: FloatArray, fp: FloatArray
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Gated (radar track, fused track) pairs by the chi-square distance of their positions."""
        n, m = x.shape[0], fx.shape[0]
        if n == 0 or m == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z.copy(), np.zeros(0)
        # Pre-gate: a sphere of radius sqrt(gamma * (max tr P + max tr Pf)) holds every gate.
        tr_a = np.trace(p[:, :3, :3], axis1=1, axis2=2).max()
        tr_b = np.trace(fp[:, :3, :3], axis1=1, axis2=2).max()
        radius = float(np.sqrt(self.gamma_fusion * (tr_a + tr_b)))
        sdm = cKDTree(x[:, :3]).sparse_distance_matrix(
            cKDTree(fx[:, :3]), radius, output_type="ndarray"
        )
        ti, fj = sdm["i"].astype(np.int64), sdm["j"].astype(np.int64)
        if ti.size == 0:
            return ti, fj, np.zeros(0)
        s_inv, _ = inv_sym3(p[ti, :3, :3] + fp[fj, :3, :3])
        nu = x[ti, :3] - fx[fj, :3]
        d2 = np.einsum("ki,kij,kj->k", nu, s_inv, nu)
        ok = d2 < self.gamma_fusion
        return ti[ok], fj[ok], d2[ok]

    # ----------------------------------------------------------------- output
    def fused_tracks(self, t_s: float) -> FusedTracks:
        """The fused air picture predicted to t_s, ordered by fused track id.

        Its arrays are read-only: a second call at the same time with no scan or fuse in
        between returns the same object.
        """
        t_s = float(t_s)
        view = self._view
        if view is not None and view.t_s == t_s:
            return view
        fu = self.fused
        # six arrays rather than fu.kernel_args(): numba types a tuple argument more slowly
        # (about 0.06 us an element against 0.045 us an array argument)
        ints, fl = fused_view(
            fu.x, fu.p, fu.mu, fu.active, fu.ids, fu.truth_cand, self.f_nrad, self.f_t, t_s,
            self.q_cv,
        )  # fmt: skip
        ints.flags.writeable = False  # and so every view of them
        fl.flags.writeable = False
        k = ints.shape[1]
        confirmed = np.ones(k, dtype=bool)
        confirmed.flags.writeable = False
        view = FusedTracks(
            ids=ints[0],
            x_enu=fl[: 6 * k].reshape(k, 6),
            P=fl[6 * k :].reshape(k, 6, 6),
            truth_id=ints[1],
            confirmed=confirmed,
            n_radars=ints[2],
            t_s=t_s,
        )
        self._view = view
        return view

    def radar_tracks(self, radar_index: int, confirmed_only: bool = True) -> FusedTracks:
        """One radar's own tracks at its last scan time, in the same form as the fused picture."""
        trk = self.radars[radar_index]
        tr = trk.tracks
        rows = np.flatnonzero(tr.active & (tr.confirmed | (not confirmed_only)))
        rows = rows[np.argsort(tr.ids[rows], kind="stable")]
        xc, pc = trk.combined(rows, 6)
        return FusedTracks(
            ids=tr.ids[rows].copy(),
            x_enu=xc,
            P=pc,
            truth_id=tr.truth_cand[rows].copy(),
            confirmed=tr.confirmed[rows].copy(),
            n_radars=np.ones(rows.size, dtype=np.int64),
            t_s=float(trk.t_s if trk.t_s is not None else 0.0),
        )

    def metrics(self) -> dict[str, Any]:
        """Purity, continuity and timeliness of each radar's tracks and of the fused picture.

        The fused picture's detection-to-confirmation time runs from an object's first
        detection by any radar.
        """
        per_radar = {trk.name: trk.stats.summary() for trk in self.radars}
        return {"fused": self.fstats.summary(), "radars": per_radar}
