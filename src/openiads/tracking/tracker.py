"""One radar's multi-target tracker: predict, gate, assign (GNN), update, confirm, delete.

All tracks of a radar live in a struct of arrays (:class:`TrackArrays`) and share one state
time (the radar's last scan), so one scan is a fixed number of NumPy operations whatever the
number of tracks and detections:

1. predict every track (and, for the IMM, mix the model states first) to the scan time;
2. pre-gate with KD-trees (Euclidean radius bounding each track's chi-square ellipsoid),
   then keep the pairs inside the chi-square Mahalanobis gate;
3. global-nearest-neighbour assignment of the gated pairs (:func:`assign_pairs`);
4. Kalman update of the assigned tracks (IMM: each model, then model probabilities);
5. M-of-N confirmation, deletion after consecutive misses or covariance growth;
6. a new tentative track from each detection left unassigned.

``truth_id`` of the detections is carried only into bookkeeping (purity, id swaps, breaks);
it never enters gating or assignment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from scipy.stats import chi2

from openiads.tracking.assignment import assign_pairs
from openiads.tracking.config import TrackerConfig
from openiads.tracking.filters import (
    ca_matrices,
    cv_in_ca_matrices,
    cv_matrices,
    inv_sym3,
    kf_update_position,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

Event = tuple[float, str, str, str, dict[str, Any]]

_LOG_2PI3 = 3.0 * math.log(2.0 * math.pi)


@dataclass
class TrackArrays:
    """The tracks of one radar, one row per track (struct of arrays)."""

    x: FloatArray  # (K, M, n) state of each motion model
    p: FloatArray  # (K, M, n, n) covariance of each motion model
    mu: FloatArray  # (K, M) model probabilities (all ones for a single model)
    ids: IntArray  # (K,) stable track id
    confirmed: BoolArray  # (K,)
    age: IntArray  # (K,) scans since the first detection, that one included
    n_hits: IntArray  # (K,) detections associated so far
    misses: IntArray  # (K,) consecutive scans without a detection
    t_born_s: FloatArray  # (K,) time of the first detection
    truth_cand: IntArray  # (K,) Boyer-Moore majority candidate of the detections' truth
    truth_votes: IntArray  # (K,) its vote count
    last_truth: IntArray  # (K,) truth of the last detection from an air object (-1 none yet)
    fused_id: IntArray  # (K,) fused air-picture track this track feeds (-1 none)

    @classmethod
    def empty(cls, n_models: int, n_state: int) -> TrackArrays:
        z = np.zeros(0, dtype=np.int64)
        return cls(
            x=np.zeros((0, n_models, n_state)),
            p=np.zeros((0, n_models, n_state, n_state)),
            mu=np.zeros((0, n_models)),
            ids=z.copy(),
            confirmed=np.zeros(0, dtype=bool),
            age=z.copy(),
            n_hits=z.copy(),
            misses=z.copy(),
            t_born_s=np.zeros(0),
            truth_cand=z.copy(),
            truth_votes=z.copy(),
            last_truth=z.copy(),
            fused_id=z.copy(),
        )

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def select(self, index: IntArray | BoolArray) -> TrackArrays:
        return TrackArrays(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def concat(self, other: TrackArrays) -> TrackArrays:
        return TrackArrays(
            **{
                f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                for f in fields(self)
            }
        )


class RadarTracker:
    """The tracks one radar keeps from its own detections (ENU positions with covariance)."""

    def __init__(self, cfg: TrackerConfig, name: str, id_source: list[int]) -> None:
        self.cfg = cfg
        self.name = name
        self._id_source = id_source  # shared one-element counter, so ids are unique per picture
        self.n_models = 2 if cfg.model == "imm" else 1
        self.n_state = 6 if cfg.model == "cv" else 9
        self.gamma = float(chi2.ppf(cfg.gate_probability, 3))
        self.q_cv = cfg.process_noise_mps2**2
        self.q_ca = cfg.maneuver_noise_mps3**2
        self.tracks = TrackArrays.empty(self.n_models, self.n_state)
        self.t_s: float | None = None
        self._mat_cache: dict[float, tuple[FloatArray, FloatArray, FloatArray | None]] = {}
        self.stats = _TrackStats()

    # ------------------------------------------------------------------ models
    def _models(self, dt_s: float) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        """F (M,n,n), Q (M,n,n) and the IMM mode-transition matrix (M,M) for a step of dt_s."""
        hit = self._mat_cache.get(dt_s)
        if hit is not None:
            return hit
        if self.cfg.model == "cv":
            f, q = cv_matrices(dt_s, self.q_cv)
            out: tuple[FloatArray, FloatArray, FloatArray | None] = (f[None], q[None], None)
        elif self.cfg.model == "ca":
            f, q = ca_matrices(dt_s, self.q_ca)
            out = (f[None], q[None], None)
        else:
            f0, q0 = cv_in_ca_matrices(dt_s, self.q_cv)
            f1, q1 = ca_matrices(dt_s, self.q_ca)
            stay = math.exp(-dt_s / self.cfg.imm_mean_sojourn_s)
            pi = np.array([[stay, 1.0 - stay], [1.0 - stay, stay]])
            out = (np.stack([f0, f1]), np.stack([q0, q1]), pi)
        if len(self._mat_cache) > 64:
            self._mat_cache.clear()
        self._mat_cache[dt_s] = out
        return out

    def _predict(self, dt_s: float) -> None:
        tr = self.tracks
        if len(tr) == 0 or dt_s <= 0.0:
            return
        f, q, pi = self._models(dt_s)
        x, p = tr.x, tr.p
        if pi is not None:  # IMM mixing (Blom & Bar-Shalom 1988)
            c = tr.mu @ pi  # (K, M) predicted mode probabilities
            w = tr.mu[:, :, None] * pi[None, :, :] / c[:, None, :]  # (K, i, j)
            x0 = np.einsum("kij,kin->kjn", w, x)
            dx = x[:, :, None, :] - x0[:, None, :, :]  # (K, i, j, n)
            p0 = np.einsum("kij,kinm->kjnm", w, p) + np.einsum("kij,kijn,kijm->kjnm", w, dx, dx)
            x, p = x0, p0
            tr.mu = c
        tr.x = np.einsum("mij,kmj->kmi", f, x)
        tr.p = np.matmul(np.matmul(f, p), np.swapaxes(f, -1, -2)) + q

    # ---------------------------------------------------------------- combined
    def combined(self) -> tuple[FloatArray, FloatArray]:
        """Moment-matched state (K,n) and covariance (K,n,n) of every track."""
        tr = self.tracks
        if self.n_models == 1:
            return tr.x[:, 0], tr.p[:, 0]
        xc = np.einsum("km,kmn->kn", tr.mu, tr.x)
        dx = tr.x - xc[:, None, :]
        pc = np.einsum("km,kmij->kij", tr.mu, tr.p) + np.einsum("km,kmi,kmj->kij", tr.mu, dx, dx)
        return xc, pc

    def _combined_position(self) -> tuple[FloatArray, FloatArray]:
        tr = self.tracks
        if self.n_models == 1:
            return tr.x[:, 0, :3], tr.p[:, 0, :3, :3]
        pos = tr.x[:, :, :3]
        xc = np.einsum("km,kmn->kn", tr.mu, pos)
        dx = pos - xc[:, None, :]
        pc = np.einsum("km,kmij->kij", tr.mu, tr.p[:, :, :3, :3]) + np.einsum(
            "km,kmi,kmj->kij", tr.mu, dx, dx
        )
        return xc, pc

    # ----------------------------------------------------------------- gating
    def _gate(
        self, pos: FloatArray, ppos: FloatArray, z: FloatArray, r: FloatArray
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Pairs (track, detection) inside the chi-square gate, with their squared distance."""
        k_tracks, m_det = pos.shape[0], z.shape[0]
        empty = np.zeros(0, dtype=np.int64)
        if k_tracks == 0 or m_det == 0:
            return empty, empty.copy(), np.zeros(0)
        tr_r = r[:, 0, 0] + r[:, 1, 1] + r[:, 2, 2]
        tr_p = ppos[:, 0, 0] + ppos[:, 1, 1] + ppos[:, 2, 2]
        # lambda_max(P + R) <= tr(P) + max tr(R): a sphere that holds the whole gate ellipsoid.
        radius = np.sqrt(self.gamma * (tr_p + tr_r.max()))
        det_tree = cKDTree(z)
        bucket = np.ceil(np.log2(radius)).astype(np.int64)
        ti_parts, mj_parts = [], []
        for b in np.unique(bucket):  # a few radius classes, never one per track
            sel = np.flatnonzero(bucket == b)
            sdm = cKDTree(pos[sel]).sparse_distance_matrix(
                det_tree, float(2.0**b), output_type="ndarray"
            )
            ti = sel[sdm["i"]]
            ok = sdm["v"] <= radius[ti]
            ti_parts.append(ti[ok])
            mj_parts.append(sdm["j"][ok].astype(np.int64))
        ti = np.concatenate(ti_parts)
        mj = np.concatenate(mj_parts)
        if ti.size == 0:
            return ti, mj, np.zeros(0)
        s_inv, _ = inv_sym3(ppos[ti] + r[mj])
        nu = z[mj] - pos[ti]
        d2 = np.einsum("ki,kij,kj->k", nu, s_inv, nu)
        inside = d2 < self.gamma
        return ti[inside], mj[inside], d2[inside]

    # ------------------------------------------------------------------- scan
    def scan(
        self, t_s: float, z_enu: FloatArray, r_enu: FloatArray, truth_id: IntArray
    ) -> list[Event]:
        """Process one scan: detections ``z_enu`` (M,3) with covariances ``r_enu`` (M,3,3)."""
        cfg = self.cfg
        if self.t_s is not None and t_s < self.t_s:
            raise ValueError(f"scan time {t_s} s is before the previous scan ({self.t_s} s)")
        dt = 0.0 if self.t_s is None else t_s - self.t_s
        self._predict(dt)
        self.t_s = t_s
        self.stats.note_detections(t_s, truth_id)

        tr = self.tracks
        pos, ppos = self._combined_position()
        ti, mj, d2 = self._gate(pos, ppos, z_enu, r_enu)
        cost = d2 - self.gamma * (1.0 + tr.confirmed[ti])  # confirmed tracks win conflicts
        chosen = assign_pairs(ti, mj, cost, len(tr), z_enu.shape[0])
        ta, ma = ti[chosen], mj[chosen]

        # Kalman update of the assigned tracks (every model of each)
        if ta.size:
            xa, pa, d2m, detm = kf_update_position(
                tr.x[ta], tr.p[ta], z_enu[ma][:, None, :], r_enu[ma][:, None, :, :]
            )
            tr.x[ta] = xa
            tr.p[ta] = pa
            if self.n_models > 1:
                loglik = -0.5 * (d2m + np.log(detm) + _LOG_2PI3)
                loglik -= loglik.max(axis=1, keepdims=True)
                post = tr.mu[ta] * np.exp(loglik)
                tr.mu[ta] = post / post.sum(axis=1, keepdims=True)

        hit = np.zeros(len(tr), dtype=bool)
        hit[ta] = True
        tr.age += 1
        tr.n_hits += hit
        tr.misses = np.where(hit, 0, tr.misses + 1)
        truth_a = np.asarray(truth_id, dtype=np.int64)[ma]
        self.stats.note_updates(t_s, tr, ta, truth_a)

        events: list[Event] = []
        # confirmation (M of the first N scans)
        newly = (~tr.confirmed) & (tr.n_hits >= cfg.confirm_m)
        tr.confirmed = tr.confirmed | newly
        # deletion
        std_max = np.sqrt(np.max(np.diagonal(ppos, axis1=1, axis2=2), axis=1)) if len(tr) else None
        too_wide = (
            np.zeros(len(tr), dtype=bool)
            if std_max is None
            else (std_max > cfg.max_position_std_m) & ~hit
        )
        dead_tentative = (~tr.confirmed) & (tr.n_hits + (cfg.confirm_n - tr.age) < cfg.confirm_m)
        dead_confirmed = tr.confirmed & (tr.misses >= cfg.delete_after_misses)
        dead = dead_tentative | dead_confirmed | too_wide
        if newly.any():
            events.extend(self._confirm_events(t_s, np.flatnonzero(newly)))
        if (dead & tr.confirmed).any():
            events.extend(
                self._lost_events(t_s, np.flatnonzero(dead & tr.confirmed), dead_confirmed)
            )
        if dead.any():
            self.tracks = tr = tr.select(~dead)

        # births from unassigned detections
        free = np.ones(z_enu.shape[0], dtype=bool)
        free[ma] = False
        if free.any():
            born = self._births(t_s, z_enu[free], r_enu[free], np.asarray(truth_id)[free])
            self.tracks = self.tracks.concat(born)
            if cfg.confirm_m == 1:
                ev = self._confirm_events(t_s, np.arange(len(tr), len(self.tracks)))
                events.extend(ev)
        return events

    def _births(self, t_s: float, z: FloatArray, r: FloatArray, truth: IntArray) -> TrackArrays:
        cfg = self.cfg
        m = z.shape[0]
        n = self.n_state
        x = np.zeros((m, n))
        x[:, :3] = z
        p = np.zeros((m, n, n))
        p[:, :3, :3] = r
        idx = np.arange(3, 6)
        p[:, idx, idx] = cfg.init_velocity_std_mps**2
        if n == 9:
            idx = np.arange(6, 9)
            p[:, idx, idx] = cfg.init_acceleration_std_mps2**2
        nm = self.n_models
        mu = np.full((m, nm), 1.0 / nm)
        first = self._id_source[0]
        self._id_source[0] += m
        t = truth.astype(np.int64)
        return TrackArrays(
            x=np.repeat(x[:, None, :], nm, axis=1),
            p=np.repeat(p[:, None, :, :], nm, axis=1),
            mu=mu,
            ids=np.arange(first, first + m, dtype=np.int64),
            confirmed=np.full(m, cfg.confirm_m == 1),
            age=np.ones(m, dtype=np.int64),
            n_hits=np.ones(m, dtype=np.int64),
            misses=np.zeros(m, dtype=np.int64),
            t_born_s=np.full(m, t_s),
            truth_cand=t,
            truth_votes=np.ones(m, dtype=np.int64),
            last_truth=np.where(t >= 0, t, -1),
            fused_id=np.full(m, -1, dtype=np.int64),
        )

    def _confirm_events(self, t_s: float, rows: IntArray) -> list[Event]:
        tr = self.tracks
        self.stats.note_confirmed(t_s, tr.ids[rows], tr.truth_cand[rows], tr.t_born_s[rows])
        pos = (
            tr.x[rows, 0, :3]
            if self.n_models == 1
            else np.einsum("km,kmn->kn", tr.mu[rows], tr.x[rows, :, :3])
        )
        return [
            (
                t_s,
                "track_confirmed",
                self.name,
                f"{self.name}/{tid}",
                {
                    "track_id": int(tid),
                    "truth_id": int(truth),
                    "since_first_detection_s": float(t_s - born),
                    "position_enu_m": [round(float(v), 1) for v in xyz],
                },
            )
            for tid, truth, born, xyz in zip(
                tr.ids[rows], tr.truth_cand[rows], tr.t_born_s[rows], pos, strict=True
            )
        ]

    def _lost_events(self, t_s: float, rows: IntArray, by_misses: BoolArray) -> list[Event]:
        tr = self.tracks
        self.stats.n_lost += int(rows.size)
        return [
            (
                t_s,
                "track_lost",
                self.name,
                f"{self.name}/{tid}",
                {
                    "track_id": int(tid),
                    "truth_id": int(truth),
                    "reason": "misses" if miss else "covariance",
                    "age_s": float(t_s - born),
                },
            )
            for tid, truth, born, miss in zip(
                tr.ids[rows], tr.truth_cand[rows], tr.t_born_s[rows], by_misses[rows], strict=True
            )
        ]


class _TrackStats:
    """Bookkeeping for purity and continuity, from the (hidden) truth of the detections."""

    def __init__(self) -> None:
        self.first_detect_s = np.zeros(0)  # per truth id, NaN until detected
        self.first_confirm_s = np.zeros(0)  # per truth id, NaN until a confirmed track holds it
        self.last_track = np.zeros(0, dtype=np.int64)  # per truth id, last confirmed track id
        self.breaks = 0
        self.id_swaps = 0
        self.n_confirmed = 0
        self.n_lost = 0
        self.confirmed_ids: list[IntArray] = []
        self.confirm_latency_s: list[FloatArray] = []
        self._pairs: list[IntArray] = []
        self._pair_keys = np.zeros(0, dtype=np.int64)
        self._pair_counts = np.zeros(0, dtype=np.int64)
        self._pending = 0

    def _grow(self, n: int) -> None:
        old = self.first_detect_s.size
        if n <= old:
            return
        size = max(n, 2 * old, 64)
        pad = size - old
        self.first_detect_s = np.concatenate([self.first_detect_s, np.full(pad, np.nan)])
        self.first_confirm_s = np.concatenate([self.first_confirm_s, np.full(pad, np.nan)])
        self.last_track = np.concatenate([self.last_track, np.full(pad, -1, dtype=np.int64)])

    def note_detections(self, t_s: float, truth: IntArray) -> None:
        real = truth[truth >= 0]
        if real.size == 0:
            return
        self._grow(int(real.max()) + 1)
        new = real[np.isnan(self.first_detect_s[real])]
        self.first_detect_s[new] = t_s

    def note_updates(self, t_s: float, tr: TrackArrays, ta: IntArray, truth: IntArray) -> None:
        if ta.size == 0:
            return
        # Boyer-Moore majority vote of each track's detections
        cand, votes = tr.truth_cand[ta], tr.truth_votes[ta]
        same = cand == truth
        tr.truth_votes[ta] = np.where(same, votes + 1, np.where(votes == 0, 1, votes - 1))
        tr.truth_cand[ta] = np.where(~same & (votes == 0), truth, cand)
        # continuity: a confirmed track switching object, an object switching track
        real = truth >= 0
        conf = tr.confirmed[ta]
        prev = tr.last_truth[ta]
        self.id_swaps += int(np.count_nonzero(conf & real & (prev >= 0) & (prev != truth)))
        tr.last_truth[ta] = np.where(real, truth, prev)
        sel = conf & real
        if sel.any():
            obj = truth[sel]
            tid = tr.ids[ta[sel]]
            last = self.last_track[obj]
            self.breaks += int(np.count_nonzero((last >= 0) & (last != tid)))
            self.last_track[obj] = tid
            first = obj[np.isnan(self.first_confirm_s[obj])]
            self.first_confirm_s[first] = t_s
        # purity counts
        self._pairs.append(tr.ids[ta] * (1 << 24) + (truth + 1))
        self._pending += ta.size
        if self._pending > 1_000_000:
            self._compact()

    def note_confirmed(
        self, t_s: float, ids: IntArray, truth: IntArray, born_s: FloatArray
    ) -> None:
        self.n_confirmed += int(ids.size)
        self.confirmed_ids.append(ids.copy())
        self.confirm_latency_s.append(t_s - born_s)
        real = truth[truth >= 0]
        if real.size:
            self._grow(int(real.max()) + 1)
            first = real[np.isnan(self.first_confirm_s[real])]
            self.first_confirm_s[first] = t_s

    def _compact(self) -> None:
        if not self._pairs:
            return
        keys = np.concatenate([self._pair_keys, *self._pairs])
        counts = np.concatenate(
            [self._pair_counts, np.ones(sum(p.size for p in self._pairs), dtype=np.int64)]
        )
        uk, inv = np.unique(keys, return_inverse=True)
        self._pair_keys = uk
        self._pair_counts = np.bincount(inv, weights=counts).astype(np.int64)
        self._pairs = []
        self._pending = 0

    def summary(self) -> dict[str, Any]:
        self._compact()
        ids = np.concatenate(self.confirmed_ids) if self.confirmed_ids else np.zeros(0, np.int64)
        track = self._pair_keys >> 24
        truth = (self._pair_keys & ((1 << 24) - 1)) - 1
        keep = np.isin(track, ids)
        track, truth, counts = track[keep], truth[keep], self._pair_counts[keep]
        purity = float("nan")
        false_tracks = 0
        if counts.size:
            ut, inv = np.unique(track, return_inverse=True)
            total = np.bincount(inv, weights=counts)
            best = np.zeros(ut.size)
            np.maximum.at(best, inv, counts.astype(np.float64))
            purity = float(best.sum() / total.sum())
            # a confirmed track whose detections are mostly false alarms
            fa = np.zeros(ut.size)
            np.add.at(fa, inv, np.where(truth < 0, counts, 0).astype(np.float64))
            false_tracks = int(np.count_nonzero(fa > 0.5 * total))
        lat = self.first_confirm_s - self.first_detect_s
        lat = lat[np.isfinite(lat)]
        return {
            "tracks_confirmed": self.n_confirmed,
            "tracks_lost": self.n_lost,
            "false_tracks": false_tracks,
            "purity": purity,
            "id_swaps": self.id_swaps,
            "breaks": self.breaks,
            "objects_detected": int(np.count_nonzero(np.isfinite(self.first_detect_s))),
            "objects_tracked": int(np.count_nonzero(np.isfinite(self.first_confirm_s))),
            "detection_to_confirmation_s_mean": float(lat.mean()) if lat.size else float("nan"),
            "detection_to_confirmation_s_max": float(lat.max()) if lat.size else float("nan"),
        }
