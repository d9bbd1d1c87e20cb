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
    combine_rows,
    fuse_into,
    mix_predict,
    predict_cv6,
    update_position,
)
from openiads.tracking.assignment import assign_pairs
from openiads.tracking.config import TrackerConfig
from openiads.tracking.filters import inv_sym3, rae_to_enu
from openiads.tracking.tracker import Event, MotionModel, RadarTracker, imm_posterior

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

CP = "cp"
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
        # fused tracks, ordered by id; a filter like the radars' when fusing detections,
        # a 6-state estimate when fusing radar-track estimates
        self.motion = MotionModel(cfg)
        if self._mode == 3:
            m, n = self.motion.n_models, self.motion.n_state
        else:
            m, n = 1, 6
        self._next_fused = 1
        self.f_ids = np.zeros(0, dtype=np.int64)
        self.f_x = np.zeros((0, m, n))
        self.f_p = np.zeros((0, m, n, n))
        self.f_mu = np.zeros((0, m))
        self.f_t = np.zeros(0)  # time of each fused estimate
        self.f_truth = np.zeros(0, dtype=np.int64)
        self.f_nrad = np.zeros(0, dtype=np.int64)
        self.f_born_s = np.zeros(0)
        self._fstats = _FusedStats()
        self.first_detect_s = np.zeros(0)

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
        pos, cov = rae_to_enu(z, np.asarray(sigma_rae), self.radar_positions_enu[radar_index])
        return self.scan_enu(t_s, radar_index, pos, cov, truth_id)

    def scan_enu(
        self,
        t_s: float,
        radar_index: int,
        z_enu: FloatArray,
        r_enu: FloatArray,
        truth_id: IntArray,
    ) -> list[Event]:
        """One radar scan of detections in ENU: positions (M,3), covariances (M,3,3) or (3,3)."""
        z = np.asarray(z_enu, dtype=np.float64).reshape(-1, 3)
        r = np.asarray(r_enu, dtype=np.float64)
        if r.ndim == 2:
            r = np.broadcast_to(r, (z.shape[0], 3, 3))
        truth = np.asarray(truth_id, dtype=np.int64).reshape(-1)
        if truth.shape[0] != z.shape[0]:
            raise ValueError(f"{z.shape[0]} detections but {truth.shape[0]} truth ids")
        self._note_detections(t_s, truth)
        trk = self.radars[radar_index]
        events = trk.scan(float(t_s), z, r, truth)
        self._fold(trk, float(t_s), np.ascontiguousarray(z), np.ascontiguousarray(r))
        return events

    def _note_detections(self, t_s: float, truth: IntArray) -> None:
        real = truth[truth >= 0]
        if real.size == 0:
            return
        n = int(real.max()) + 1
        if n > self.first_detect_s.size:
            pad = max(n, 2 * self.first_detect_s.size, 64) - self.first_detect_s.size
            self.first_detect_s = np.concatenate([self.first_detect_s, np.full(pad, np.nan)])
        new = real[np.isnan(self.first_detect_s[real])]
        self.first_detect_s[new] = t_s

    def _fold(self, trk: RadarTracker, t_s: float, z: FloatArray, r: FloatArray) -> None:
        """Fold the radar tracks this scan updated into the fused tracks they feed."""
        tr = trk.tracks
        ta, ma = trk.last_updated, trk.last_detections
        keep = tr.confirmed[ta] & (tr.fused_id[ta] >= 0)
        sel, det = ta[keep], ma[keep]
        if sel.size == 0 or self.f_ids.size == 0:
            return
        fid = tr.fused_id[sel]
        slot = np.searchsorted(self.f_ids, fid).clip(0, self.f_ids.size - 1)
        ok = self.f_ids[slot] == fid
        tr.fused_id[sel[~ok]] = -1
        sel, det, slot = sel[ok], det[ok], slot[ok]
        if self._mode == 3:
            outside = self._fold_detections(slot, z, r, det, t_s)
        else:
            lx, lp = trk.combined(sel, 6)
            modes = np.where(self.f_nrad[slot] <= 1, 0, self._mode).astype(np.int64)
            outside = fuse_into(
                self.f_x[:, 0],
                self.f_p[:, 0],
                self.f_t,
                slot,
                lx,
                lp,
                t_s,
                self.q_cv,
                modes,
                self.gamma_fusion,
            )
        tr.fused_id[sel[outside]] = -1

    def _predict_fused(self, slot: IntArray, t_s: float) -> None:
        """Predict fused tracks ``slot`` (filters of the radars' model) to t_s, in place."""
        dt = t_s - self.f_t[slot]
        for d in np.unique(dt[dt > 0.0]):  # a few distinct steps: the radars' scan times
            rows = slot[dt == d]
            f_idx, f_val, q, pi = self.motion.matrices(float(d))
            mix_predict(self.f_x, self.f_p, self.f_mu, rows, pi, f_idx, f_val, q)
        self.f_t[slot] = t_s

    def _fold_detections(
        self, slot: IntArray, z: FloatArray, r: FloatArray, det: IntArray, t_s: float
    ) -> BoolArray:
        """Kalman update of fused tracks ``slot`` with detections ``det``; True where gated out."""
        self._predict_fused(slot, t_s)
        pos, ppos = combine_rows(self.f_x, self.f_p, self.f_mu, slot, 3)
        s_inv, _ = inv_sym3(ppos + r[det])
        nu = z[det] - pos
        d2 = np.einsum("ki,kij,kj->k", nu, s_inv, nu)
        outside = d2 > self.gamma_fusion
        inside = slot[~outside]
        if inside.size:
            d2m, logdet = update_position(self.f_x, self.f_p, inside, z, r, det[~outside])
            if self.f_mu.shape[1] > 1:
                self.f_mu[inside] = imm_posterior(self.f_mu[inside], d2m, logdet)
        return np.asarray(outside)

    def _fused6(self, t_s: float) -> tuple[FloatArray, FloatArray]:
        """Every fused track's [position, velocity] and covariance, predicted to t_s."""
        rows = np.arange(self.f_ids.size, dtype=np.int64)
        x, p = combine_rows(self.f_x, self.f_p, self.f_mu, rows, 6)
        return predict_cv6(x, p, t_s - self.f_t, self.q_cv)

    # ----------------------------------------------------------------- fusion
    def _members(self) -> dict[str, IntArray]:
        """Every radar's live confirmed tracks: radar, slot, fused id, hits, truths."""
        parts: dict[str, list[IntArray]] = {
            k: [] for k in ("rad", "row", "fid", "hits", "cand", "last")
        }
        for r, trk in enumerate(self.radars):  # loop over radars, not tracks
            tr = trk.tracks
            rows = np.flatnonzero(tr.active & tr.confirmed)
            parts["rad"].append(np.full(rows.size, r, dtype=np.int64))
            parts["row"].append(rows)
            parts["fid"].append(tr.fused_id[rows])
            parts["hits"].append(tr.n_hits[rows])
            parts["cand"].append(tr.truth_cand[rows])
            parts["last"].append(tr.last_truth[rows])
        return {
            k: (np.concatenate(v) if v else np.zeros(0, dtype=np.int64)) for k, v in parts.items()
        }

    def _local_states(self, r: int, rows: IntArray, t_s: float) -> tuple[FloatArray, FloatArray]:
        trk = self.radars[r]
        x, p = trk.combined(rows, 6)
        dt = np.full(rows.size, t_s - (trk.t_s if trk.t_s is not None else t_s))
        return predict_cv6(x, p, dt, self.q_cv)

    def fuse(self, t_s: float) -> list[Event]:
        """Update the command post's air picture at t_s from every radar's confirmed tracks."""
        t_s = float(t_s)
        events: list[Event] = []
        mem = self._members()
        fid = mem["fid"]
        bad = (fid >= 0) & ~np.isin(fid, self.f_ids)
        fid[bad] = -1

        # 1. drop fused tracks that no radar track feeds any more
        fed = np.isin(self.f_ids, fid)
        for k in np.flatnonzero(~fed):
            events.append(
                (
                    t_s,
                    "track_lost",
                    CP,
                    f"{CP}/{self.f_ids[k]}",
                    {
                        "track_id": int(self.f_ids[k]),
                        "truth_id": int(self.f_truth[k]),
                        "age_s": float(t_s - self.f_born_s[k]),
                    },
                )
            )
        if not fed.all():
            self._keep(fed)
        n_old = self.f_ids.size

        # 2. associate radar tracks that feed no fused track, radar by radar
        fx, fp = self._fused6(t_s)
        joined: list[tuple[int, int, int]] = []  # (radar, slot, fused id)
        for r in np.unique(mem["rad"][fid < 0]):  # loop over radars
            idx = np.flatnonzero((mem["rad"] == r) & (fid < 0))
            rows = mem["row"][idx]
            lx, lp = self._local_states(int(r), rows, t_s)
            taken = np.isin(self.f_ids, fid[(mem["rad"] == r) & (fid >= 0)])
            ti, fj, d2 = self._t2t_pairs(lx, lp, fx, fp)
            ok = ~taken[fj]
            ti, fj, d2 = ti[ok], fj[ok], d2[ok]
            chosen = assign_pairs(ti, fj, d2 - self.gamma_fusion, rows.size, self.f_ids.size)
            a, f = ti[chosen], fj[chosen]
            if a.size:
                if self._mode != 3:  # estimates: fold the radar track's estimate in now
                    fuse_into(
                        self.f_x[:, 0],
                        self.f_p[:, 0],
                        self.f_t,
                        f,
                        lx[a],
                        lp[a],
                        t_s,
                        self.q_cv,
                        np.full(a.size, self._mode, dtype=np.int64),
                        np.inf,
                    )
                    fx[f], fp[f] = self.f_x[f, 0], self.f_p[f, 0]
                # detections: the radar track's next detections will feed the fused track
                fid[idx[a]] = self.f_ids[f]
                joined.extend(
                    (int(r), int(rw), int(i)) for rw, i in zip(rows[a], self.f_ids[f], strict=True)
                )
            new = np.ones(rows.size, dtype=bool)
            new[a] = False
            if new.any():  # start fused tracks, visible to the next radars' association
                m = int(new.sum())
                ids = np.arange(self._next_fused, self._next_fused + m, dtype=np.int64)
                self._next_fused += m
                fid[idx[new]] = ids
                self.f_ids = np.concatenate([self.f_ids, ids])
                trk = self.radars[int(r)]
                if self._mode == 3:  # start from the radar track's own filter state
                    src = rows[new]
                    self.f_x = np.concatenate([self.f_x, trk.tracks.x[src]])
                    self.f_p = np.concatenate([self.f_p, trk.tracks.p[src]])
                    self.f_mu = np.concatenate([self.f_mu, trk.tracks.mu[src]])
                    t_new = np.full(m, trk.t_s if trk.t_s is not None else t_s)
                else:
                    self.f_x = np.concatenate([self.f_x, lx[new][:, None, :]])
                    self.f_p = np.concatenate([self.f_p, lp[new][:, None, :, :]])
                    self.f_mu = np.concatenate([self.f_mu, np.ones((m, 1))])
                    t_new = np.full(m, t_s)
                self.f_t = np.concatenate([self.f_t, t_new])
                self.f_born_s = np.concatenate([self.f_born_s, np.full(m, t_s)])
                self.f_truth = np.concatenate([self.f_truth, np.full(m, -1, dtype=np.int64)])
                self.f_nrad = np.concatenate([self.f_nrad, np.zeros(m, dtype=np.int64)])
                fx = np.concatenate([fx, lx[new]])
                fp = np.concatenate([fp, lp[new]])
        # write the links back to the radar tracks
        for r in np.unique(mem["rad"]):
            sel = mem["rad"] == r
            self.radars[r].tracks.fused_id[mem["row"][sel]] = fid[sel]

        # 3. membership, truth (the radar track with most detections speaks for the fused one)
        slot = np.searchsorted(self.f_ids, fid)
        self.f_nrad = np.bincount(slot, minlength=self.f_ids.size).astype(np.int64)
        order = np.lexsort((-mem["hits"], slot))
        head = order[np.r_[True, slot[order][1:] != slot[order][:-1]]] if order.size else order
        self.f_truth = np.full(self.f_ids.size, -1, dtype=np.int64)
        self.f_truth[slot[head]] = mem["cand"][head]
        last_truth = np.full(self.f_ids.size, -1, dtype=np.int64)
        last_truth[slot[head]] = mem["last"][head]

        # 4. events
        for j in range(n_old, self.f_ids.size):
            events.append(
                (
                    t_s,
                    "track_confirmed",
                    CP,
                    f"{CP}/{self.f_ids[j]}",
                    {
                        "track_id": int(self.f_ids[j]),
                        "truth_id": int(self.f_truth[j]),
                        "n_radars": int(self.f_nrad[j]),
                        "position_enu_m": [round(float(v), 1) for v in fx[j, :3]],
                    },
                )
            )
        for r, rw, i in joined:
            j = int(np.searchsorted(self.f_ids, i))
            events.append(
                (
                    t_s,
                    "track_fused",
                    CP,
                    f"{CP}/{i}",
                    {
                        "track_id": i,
                        "radar": self.radar_ids[r],
                        "radar_track_id": int(self.radars[r].tracks.ids[rw]),
                        "n_radars": int(self.f_nrad[j]),
                    },
                )
            )
        born = np.zeros(self.f_ids.size, dtype=bool)
        born[n_old:] = True
        self._fstats.note(t_s, self.f_ids, last_truth, born, self.first_detect_s)
        return events

    def _keep(self, keep: BoolArray) -> None:
        self.f_ids = self.f_ids[keep]
        self.f_x = self.f_x[keep]
        self.f_p = self.f_p[keep]
        self.f_mu = self.f_mu[keep]
        self.f_t = self.f_t[keep]
        self.f_truth = self.f_truth[keep]
        self.f_nrad = self.f_nrad[keep]
        self.f_born_s = self.f_born_s[keep]

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
        """The fused air picture predicted to t_s."""
        x, p = self._fused6(float(t_s))
        return FusedTracks(
            ids=self.f_ids.copy(),
            x_enu=x,
            P=p,
            truth_id=self.f_truth.copy(),
            confirmed=np.ones(self.f_ids.size, dtype=bool),
            n_radars=self.f_nrad.copy(),
            t_s=float(t_s),
        )

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
        """Purity, continuity and timeliness of each radar's tracks and of the fused picture."""
        per_radar = {trk.name: trk.stats.summary() for trk in self.radars}
        return {"fused": self._fstats.summary(self.first_detect_s), "radars": per_radar}


class _FusedStats:
    """Continuity and timeliness of the fused picture, from the truth of its radar tracks."""

    def __init__(self) -> None:
        self.n_confirmed = 0
        self.n_lost = 0
        self.id_swaps = 0
        self.breaks = 0
        self.first_confirm_s = np.zeros(0)
        self.last_track = np.zeros(0, dtype=np.int64)
        self.prev_ids = np.zeros(0, dtype=np.int64)
        self.prev_truth = np.zeros(0, dtype=np.int64)

    def note(
        self,
        t_s: float,
        ids: IntArray,
        truth: IntArray,
        born: BoolArray,
        first_detect_s: FloatArray,
    ) -> None:
        """Record the picture after one fusion: ids (K,), current object of each (K,)."""
        self.n_confirmed += int(np.count_nonzero(born))
        self.n_lost += int(np.count_nonzero(~np.isin(self.prev_ids, ids)))
        n = max(first_detect_s.size, int(truth.max()) + 1 if truth.size else 0)
        if n > self.first_confirm_s.size:
            pad = n - self.first_confirm_s.size
            self.first_confirm_s = np.concatenate([self.first_confirm_s, np.full(pad, np.nan)])
            self.last_track = np.concatenate([self.last_track, np.full(pad, -1, dtype=np.int64)])
        # id swaps: a fused track whose current object changes
        if self.prev_ids.size and ids.size:
            pos = np.searchsorted(self.prev_ids, ids).clip(0, self.prev_ids.size - 1)
            was = self.prev_ids[pos] == ids
            prev = np.where(was, self.prev_truth[pos], -1)
            self.id_swaps += int(np.count_nonzero((prev >= 0) & (truth >= 0) & (prev != truth)))
        # breaks: an object whose fused track is no longer among those that hold it
        keep = truth >= 0
        if keep.any():
            obj, tid = truth[keep], ids[keep]
            big = np.int64(1) << 40
            held = np.isin(obj * big + self.last_track[obj], obj * big + tid)
            old = self.last_track[obj]
            changed = ~held
            self.breaks += int(np.unique(obj[changed & (old >= 0)]).size)
            # the smallest id among the holders becomes the object's track
            order = np.lexsort((tid, obj))
            firsts = order[np.r_[True, obj[order][1:] != obj[order][:-1]]]
            upd = firsts[changed[firsts] | (old[firsts] < 0)]
            self.last_track[obj[upd]] = tid[upd]
            first = np.unique(obj[np.isnan(self.first_confirm_s[obj])])
            self.first_confirm_s[first] = t_s
        self.prev_ids, self.prev_truth = ids.copy(), truth.copy()

    def summary(self, first_detect_s: FloatArray) -> dict[str, Any]:
        n = min(first_detect_s.size, self.first_confirm_s.size)
        lat = self.first_confirm_s[:n] - first_detect_s[:n]
        lat = lat[np.isfinite(lat)]
        return {
            "tracks_confirmed": self.n_confirmed,
            "tracks_lost": self.n_lost,
            "id_swaps": self.id_swaps,
            "breaks": self.breaks,
            "objects_detected": int(np.count_nonzero(np.isfinite(first_detect_s))),
            "objects_tracked": int(np.count_nonzero(np.isfinite(self.first_confirm_s))),
            "detection_to_confirmation_s_mean": float(lat.mean()) if lat.size else float("nan"),
            "detection_to_confirmation_s_max": float(lat.max()) if lat.size else float("nan"),
        }
