"""The command post's air picture: one tracker per radar, fused into one set of tracks.

Each radar keeps its own tracks (:class:`~openiads.tracking.tracker.RadarTracker`). At
:meth:`AirPicture.fuse` the command post takes every radar's confirmed tracks, predicted to
the fusion time, and

1. keeps each radar track on the fused track it already feeds (stable fused ids);
2. associates each radar track that feeds none with a fused track that has no track from the
   same radar yet (chi-square position gate on the difference of the two estimates, one
   assignment per radar) or starts a new fused track with it;
3. combines the radar tracks of each fused track by fast covariance intersection (or the
   configured alternative) and drops fused tracks whose radar tracks are all gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from scipy.stats import chi2

from openiads.tracking.assignment import assign_pairs
from openiads.tracking.config import TrackerConfig
from openiads.tracking.filters import inv_sym3, rae_to_enu
from openiads.tracking.tracker import Event, RadarTracker

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

CP = "cp"


@dataclass(frozen=True)
class FusedTracks:
    """The fused air picture at one time; row k describes one fused track."""

    ids: IntArray  # (K,) stable fused track ids
    x_enu: FloatArray  # (K, 6) [e, n, u, ve, vn, vu] in m and m/s, predicted to t_s
    P: FloatArray  # (K, 6, 6) covariance
    truth_id: IntArray  # (K,) majority air-object index of its detections, -1 none
    confirmed: BoolArray  # (K,) always True: fused tracks are built from confirmed radar tracks
    n_radars: IntArray  # (K,) radars whose tracks feed it
    t_s: float = 0.0

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def _predict6(
    x: FloatArray, p: FloatArray, dt_s: FloatArray | float, q_m2ps3: float
) -> tuple[FloatArray, FloatArray]:
    """CV prediction of stacked 6-states by per-row (or common) time steps."""
    dt = np.broadcast_to(np.asarray(dt_s, dtype=np.float64), x.shape[:1])
    if x.shape[0] == 0 or not np.any(dt):
        return x.copy(), p.copy()
    x_new = x.copy()
    x_new[:, :3] += dt[:, None] * x[:, 3:6]
    # F P F^T with F = [[I, dt I], [0, I]], block by block; Q of the CWNA model.
    d = dt[:, None, None]
    pp, pv, vv = p[:, :3, :3], p[:, :3, 3:], p[:, 3:, 3:]
    vp = p[:, 3:, :3]
    i3 = np.eye(3)
    p_new = np.empty_like(p)
    p_new[:, :3, :3] = pp + d * (pv + vp) + d * d * vv + q_m2ps3 * d**3 / 3.0 * i3
    p_new[:, :3, 3:] = pv + d * vv + q_m2ps3 * d**2 / 2.0 * i3
    p_new[:, 3:, :3] = np.swapaxes(p_new[:, :3, 3:], 1, 2)
    p_new[:, 3:, 3:] = vv + q_m2ps3 * d * i3
    return x_new, p_new


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
        # fused tracks
        self._next_fused = 1
        self.f_ids = np.zeros(0, dtype=np.int64)
        self.f_x = np.zeros((0, 6))
        self.f_p = np.zeros((0, 6, 6))
        self.f_truth = np.zeros(0, dtype=np.int64)
        self.f_nrad = np.zeros(0, dtype=np.int64)
        self.f_born_s = np.zeros(0)
        self.f_t_s = 0.0
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
        """One radar scan of detections already in ENU: positions (M,3), covariances (M,3,3) or (3,3)."""
        z = np.asarray(z_enu, dtype=np.float64).reshape(-1, 3)
        r = np.asarray(r_enu, dtype=np.float64)
        if r.ndim == 2:
            r = np.broadcast_to(r, (z.shape[0], 3, 3))
        truth = np.asarray(truth_id, dtype=np.int64).reshape(-1)
        if truth.shape[0] != z.shape[0]:
            raise ValueError(f"{z.shape[0]} detections but {truth.shape[0]} truth ids")
        self._note_detections(t_s, truth)
        return self.radars[radar_index].scan(float(t_s), z, r, truth)

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

    # ----------------------------------------------------------------- fusion
    def _radar_states(self, t_s: float) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        """Every radar's confirmed tracks predicted to t_s: radar, row, x (L,6), P (L,6,6)."""
        rad, row, xs, ps = [], [], [], []
        for r, trk in enumerate(self.radars):  # loop over radars, not tracks
            tr = trk.tracks
            if len(tr) == 0 or trk.t_s is None:
                continue
            rows = np.flatnonzero(tr.confirmed)
            if rows.size == 0:
                continue
            xc, pc = trk.combined()
            x6, p6 = _predict6(xc[rows, :6], pc[rows, :6, :6], t_s - trk.t_s, self.q_cv)
            rad.append(np.full(rows.size, r, dtype=np.int64))
            row.append(rows)
            xs.append(x6)
            ps.append(p6)
        if not rad:
            z = np.zeros(0, dtype=np.int64)
            return z, z.copy(), np.zeros((0, 6)), np.zeros((0, 6, 6))
        return np.concatenate(rad), np.concatenate(row), np.concatenate(xs), np.concatenate(ps)

    def fuse(self, t_s: float) -> list[Event]:
        """Update the command post's air picture at t_s from every radar's confirmed tracks."""
        t_s = float(t_s)
        events: list[Event] = []
        rad, row, x, p = self._radar_states(t_s)
        fid = np.full(rad.size, -1, dtype=np.int64)
        for r in np.unique(rad):
            sel = rad == r
            fid[sel] = self.radars[r].tracks.fused_id[row[sel]]
        # forget links to fused tracks that no longer exist
        fid[~np.isin(fid, self.f_ids)] = -1

        # predicted old fused picture, for association of radar tracks that feed none
        fx, fp = _predict6(self.f_x, self.f_p, t_s - self.f_t_s, self.q_cv)
        f_ids = self.f_ids
        joined: list[IntArray] = []
        for r in np.unique(rad[fid < 0]):  # loop over radars
            new = np.flatnonzero((rad == r) & (fid < 0))
            taken = np.unique(fid[(rad == r) & (fid >= 0)])
            ti, fj, d2 = self._t2t_pairs(x[new], p[new], fx, fp)
            ok = ~np.isin(f_ids[fj], taken)
            ti, fj, d2 = ti[ok], fj[ok], d2[ok]
            chosen = assign_pairs(ti, fj, d2 - self.gamma_fusion, new.size, f_ids.size)
            fid[new[ti[chosen]]] = f_ids[fj[chosen]]
            joined.append(new[ti[chosen]])
            rest = new[fid[new] < 0]
            if rest.size:  # start fused tracks, visible to the next radars' association
                ids = np.arange(self._next_fused, self._next_fused + rest.size, dtype=np.int64)
                self._next_fused += rest.size
                fid[rest] = ids
                f_ids = np.concatenate([f_ids, ids])
                fx = np.concatenate([fx, x[rest]])
                fp = np.concatenate([fp, p[rest]])
        # write the links back to the radar tracks
        for r in np.unique(rad):
            sel = rad == r
            self.radars[r].tracks.fused_id[row[sel]] = fid[sel]

        # combine the radar tracks of each fused track
        old_ids = self.f_ids
        uf, inv = np.unique(fid, return_inverse=True)
        new_x, new_p = self._combine(inv, uf.size, x, p)
        nrad = np.bincount(inv, minlength=uf.size).astype(np.int64)
        # truth and continuity: the radar track with most detections speaks for the fused one
        hits = np.zeros(rad.size, dtype=np.int64)
        cand = np.zeros(rad.size, dtype=np.int64)
        last = np.zeros(rad.size, dtype=np.int64)
        for r in np.unique(rad):
            sel = rad == r
            tr = self.radars[r].tracks
            hits[sel] = tr.n_hits[row[sel]]
            cand[sel] = tr.truth_cand[row[sel]]
            last[sel] = tr.last_truth[row[sel]]
        order = np.lexsort((-hits, inv))
        first = order[np.r_[True, inv[order][1:] != inv[order][:-1]]] if order.size else order
        truth = cand[first]
        last_truth = last[first]

        # events
        born = ~np.isin(uf, old_ids)
        lost = ~np.isin(old_ids, uf)
        for k in np.flatnonzero(lost):
            events.append(
                (
                    t_s,
                    "track_lost",
                    CP,
                    f"{CP}/{old_ids[k]}",
                    {
                        "track_id": int(old_ids[k]),
                        "truth_id": int(self.f_truth[k]),
                        "age_s": float(t_s - self.f_born_s[k]),
                    },
                )
            )
        born_s = np.full(uf.size, t_s)
        if old_ids.size and uf.size:
            pos_old = np.searchsorted(old_ids, uf).clip(0, old_ids.size - 1)
            was = old_ids[pos_old] == uf
            born_s[was] = self.f_born_s[pos_old[was]]
        for k in np.flatnonzero(born):
            events.append(
                (
                    t_s,
                    "track_confirmed",
                    CP,
                    f"{CP}/{uf[k]}",
                    {
                        "track_id": int(uf[k]),
                        "truth_id": int(truth[k]),
                        "n_radars": int(nrad[k]),
                        "position_enu_m": [round(float(v), 1) for v in new_x[k, :3]],
                    },
                )
            )
        if joined:
            j = np.concatenate(joined)
            for k in j:
                events.append(
                    (
                        t_s,
                        "track_fused",
                        CP,
                        f"{CP}/{fid[k]}",
                        {
                            "track_id": int(fid[k]),
                            "radar": self.radar_ids[int(rad[k])],
                            "radar_track_id": int(self.radars[int(rad[k])].tracks.ids[row[k]]),
                            "n_radars": int(nrad[np.searchsorted(uf, fid[k])]),
                        },
                    )
                )
        self._fstats.note(t_s, uf, truth, last_truth, born, self.first_detect_s)
        self.f_ids, self.f_x, self.f_p = uf, new_x, new_p
        self.f_truth, self.f_nrad, self.f_born_s = truth, nrad, born_s
        self.f_t_s = t_s
        return events

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

    def _combine(
        self, inv: IntArray, n_fused: int, x: FloatArray, p: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Fuse the rows of x/p that share a fused index ``inv`` into n_fused estimates."""
        count = np.bincount(inv, minlength=n_fused)
        out_x = np.zeros((n_fused, 6))
        out_p = np.zeros((n_fused, 6, 6))
        single = count[inv] == 1
        out_x[inv[single]] = x[single]
        out_p[inv[single]] = p[single]
        multi = np.flatnonzero(~single)
        if multi.size == 0:
            return out_x, out_p
        g = inv[multi]
        xm, pm = x[multi], p[multi]
        if self.cfg.fusion == "best":
            tr_pos = np.trace(pm[:, :3, :3], axis1=1, axis2=2)
            order = np.lexsort((tr_pos, g))
            first = order[np.r_[True, g[order][1:] != g[order][:-1]]]
            out_x[g[first]] = xm[first]
            out_p[g[first]] = pm[first]
            return out_x, out_p
        info = np.linalg.inv(pm)
        if self.cfg.fusion == "covariance_intersection":
            # fast CI weights (Niehsen 2002): omega_i proportional to 1 / tr(P_i)
            w = 1.0 / np.trace(pm, axis1=1, axis2=2)
            wsum = np.bincount(g, weights=w, minlength=n_fused)
            w = w / wsum[g]
        else:
            w = np.ones(multi.size)
        info_w = info * w[:, None, None]
        y = np.zeros((n_fused, 6, 6))
        np.add.at(y, g, info_w)
        yv = np.zeros((n_fused, 6))
        np.add.at(yv, g, np.einsum("kij,kj->ki", info_w, xm))
        tgt = np.unique(g)
        pf = np.linalg.inv(y[tgt])
        pf = 0.5 * (pf + np.swapaxes(pf, 1, 2))
        out_p[tgt] = pf
        out_x[tgt] = np.einsum("kij,kj->ki", pf, yv[tgt])
        return out_x, out_p

    # ----------------------------------------------------------------- output
    def fused_tracks(self, t_s: float) -> FusedTracks:
        """The fused air picture predicted to t_s (from the last :meth:`fuse`)."""
        x, p = _predict6(self.f_x, self.f_p, float(t_s) - self.f_t_s, self.q_cv)
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
        rows = np.flatnonzero(tr.confirmed) if confirmed_only else np.arange(len(tr))
        xc, pc = trk.combined()
        return FusedTracks(
            ids=tr.ids[rows].copy(),
            x_enu=xc[rows, :6].copy(),
            P=pc[rows, :6, :6].copy(),
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
        self.f_last_truth: dict[str, IntArray] = {
            "ids": np.zeros(0, dtype=np.int64),
            "truth": np.zeros(0, dtype=np.int64),
        }
        self.max_radars = 0

    def note(
        self,
        t_s: float,
        ids: IntArray,
        truth: IntArray,
        last_truth: IntArray,
        born: BoolArray,
        first_detect_s: FloatArray,
    ) -> None:
        prev_ids = self.f_last_truth["ids"]
        self.n_confirmed += int(np.count_nonzero(born))
        self.n_lost += int(np.count_nonzero(~np.isin(prev_ids, ids)))
        n = first_detect_s.size
        if n > self.first_confirm_s.size:
            pad = n - self.first_confirm_s.size
            self.first_confirm_s = np.concatenate([self.first_confirm_s, np.full(pad, np.nan)])
            self.last_track = np.concatenate([self.last_track, np.full(pad, -1, dtype=np.int64)])
        # id swaps: a fused track whose current object changes
        if prev_ids.size and ids.size:
            pos = np.searchsorted(prev_ids, ids).clip(0, prev_ids.size - 1)
            was = prev_ids[pos] == ids
            prev_truth = np.where(was, self.f_last_truth["truth"][pos], -1)
            self.id_swaps += int(
                np.count_nonzero((prev_truth >= 0) & (last_truth >= 0) & (prev_truth != last_truth))
            )
        keep = last_truth >= 0
        if keep.any():
            obj, tid = last_truth[keep], ids[keep]
            old = self.last_track[obj]
            self.breaks += int(np.count_nonzero((old >= 0) & (old != tid)))
            self.last_track[obj] = tid
            first = obj[np.isnan(self.first_confirm_s[obj])]
            self.first_confirm_s[first] = t_s
        self.f_last_truth = {"ids": ids.copy(), "truth": last_truth.copy()}

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
