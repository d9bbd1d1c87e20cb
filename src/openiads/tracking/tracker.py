"""One radar's multi-target tracker: predict, gate, assign (GNN), update, confirm, delete.

All tracks of a radar live in a struct of arrays with spare capacity (:class:`TrackArrays`,
a slot per track, ``active`` marking the live ones) and share one state time (the radar's
last scan), so one scan is a fixed number of array operations whatever the number of tracks
and detections:

1. predict every track (and, for the IMM, mix the model states first) to the scan time;
2. pre-gate by a sweep along one axis (a sphere bounding each track's chi-square
   ellipsoid), then keep the pairs inside the chi-square Mahalanobis gate;
3. global-nearest-neighbour assignment of the gated pairs (:func:`assign_pairs`);
4. Kalman update of the assigned tracks (IMM: each model, then model probabilities);
5. M-of-N confirmation, deletion after consecutive misses or covariance growth;
6. a new tentative track from each detection left unassigned.

The per-track algebra runs in compiled kernels (:mod:`openiads.tracking._kernels`) that
work in place on the slots, so nothing is copied per scan. ``truth_id`` of the detections
is carried only into bookkeeping (purity, id swaps, breaks); it never enters gating or
assignment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2

from openiads.tracking._kernels import (
    SCAN_HEAD,
    Motion,
    TrackRules,
    TrackStore,
    TruthLog,
    birth_in_free_slots,
    birth_tracks,
    combine_rows,
    note_truth,
    radar_scan,
    sparse_rows,
)
from openiads.tracking.assignment import assign_pairs
from openiads.tracking.config import TrackerConfig
from openiads.tracking.filters import ca_matrices, cv_in_ca_matrices, cv_matrices

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

Event = tuple[float, str, str, str, dict[str, Any]]

_NONE = np.zeros(0, dtype=np.int64)
# stand-in motion matrices (f_idx, f_val, q, pi) for a scan without a time step
_NO_STEP: Motion = (
    np.zeros((1, 1, 3), dtype=np.int64),
    np.zeros((1, 1, 3)),
    np.zeros((1, 1, 1)),
    np.ones((1, 1)),
)


@dataclass
class TrackArrays:
    """The tracks of one radar: one slot per track, ``active`` marks the live slots."""

    active: BoolArray  # (C,) slot holds a live track
    x: FloatArray  # (C, M, n) state of each motion model
    p: FloatArray  # (C, M, n, n) covariance of each motion model
    mu: FloatArray  # (C, M) model probabilities (ones for a single model)
    ids: IntArray  # (C,) stable track id
    confirmed: BoolArray  # (C,)
    age: IntArray  # (C,) scans since the first detection, that one included
    n_hits: IntArray  # (C,) detections associated so far
    misses: IntArray  # (C,) consecutive scans without a detection
    t_born_s: FloatArray  # (C,) time of the first detection
    truth_cand: IntArray  # (C,) Boyer-Moore majority candidate of the detections' truth
    truth_votes: IntArray  # (C,) its vote count
    last_truth: IntArray  # (C,) object the track follows now (-1 none), see TrackStats
    pending_truth: IntArray  # (C,) a different object seen once since (-1 none)
    fused_id: IntArray  # (C,) fused air-picture track this track feeds (-1 none)

    def __post_init__(self) -> None:
        self._args: TrackStore | None = None  # kernel_args(), built on first use

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name != "_args":  # an array replaced (the store grew): its tuple is out of date
            super().__setattr__("_args", None)

    def kernel_args(self) -> TrackStore:
        """The arrays in the order the compiled kernels take them (:data:`TrackStore`).

        Built once and handed out again until an array is replaced (:meth:`free_slots` grows
        the store), so a scan does not gather the fifteen arrays anew.
        """
        args = self._args
        if args is None:
            args = self._args = (
                self.x,
                self.p,
                self.mu,
                self.active,
                self.ids,
                self.confirmed,
                self.age,
                self.n_hits,
                self.misses,
                self.t_born_s,
                self.truth_cand,
                self.truth_votes,
                self.last_truth,
                self.pending_truth,
                self.fused_id,
            )
        return args

    @classmethod
    def empty(cls, n_models: int, n_state: int, capacity: int = 64) -> TrackArrays:
        c = capacity
        zi = np.zeros(c, dtype=np.int64)
        return cls(
            active=np.zeros(c, dtype=bool),
            x=np.zeros((c, n_models, n_state)),
            p=np.zeros((c, n_models, n_state, n_state)),
            mu=np.ones((c, n_models)),
            ids=zi.copy(),
            confirmed=np.zeros(c, dtype=bool),
            age=zi.copy(),
            n_hits=zi.copy(),
            misses=zi.copy(),
            t_born_s=np.zeros(c),
            truth_cand=zi.copy(),
            truth_votes=zi.copy(),
            last_truth=zi.copy(),
            pending_truth=zi.copy(),
            fused_id=zi.copy(),
        )

    @property
    def capacity(self) -> int:
        return int(self.active.shape[0])

    def __len__(self) -> int:
        """Number of live tracks."""
        return int(np.count_nonzero(self.active))

    def rows(self) -> IntArray:
        """Slots of the live tracks, in slot order."""
        return np.flatnonzero(self.active)

    def free_slots(self, m: int) -> IntArray:
        """``m`` free slots, doubling the capacity (one copy) when there are too few."""
        free = np.flatnonzero(~self.active)
        if free.size < m:
            old = self.capacity
            new = max(2 * old, old + m - free.size)
            for f in fields(self):
                a = getattr(self, f.name)
                grown = np.zeros((new, *a.shape[1:]), dtype=a.dtype)
                grown[:old] = a
                setattr(self, f.name, grown)
            free = np.flatnonzero(~self.active)
        return free[:m]


def imm_posterior(mu: FloatArray, d2: FloatArray, logdet: FloatArray) -> FloatArray:
    """Mode probabilities after an update: mu_j proportional to c_j N(nu_j; 0, S_j) (rows, M)."""
    loglik = -0.5 * (d2 + logdet)
    loglik -= loglik.max(axis=1, keepdims=True)
    post = mu * np.exp(loglik)
    return np.asarray(post / post.sum(axis=1, keepdims=True), dtype=np.float64)


class MotionModel:
    """The configured motion model(s): transition, process noise and mode switching for a step."""

    def __init__(self, cfg: TrackerConfig) -> None:
        self.cfg = cfg
        self.n_models = 2 if cfg.model == "imm" else 1
        cv_only = cfg.model == "cv" or (cfg.model == "imm" and cfg.imm_maneuver_model == "cv")
        self.n_state = 6 if cv_only else 9
        self.q_cv = cfg.process_noise_mps2**2
        self.q_ca = cfg.maneuver_noise_mps3**2
        self.q_man = cfg.maneuver_accel_mps2**2
        self._cache: dict[float, Motion] = {}

    def matrices(self, dt_s: float) -> Motion:
        """Sparse rows of F (M,n,3), Q (M,n,n) and the IMM mode-transition matrix (M,M)."""
        hit = self._cache.get(dt_s)
        if hit is not None:
            return hit
        if self.cfg.model == "cv":
            f, q = cv_matrices(dt_s, self.q_cv)
            fs, qs, pi = f[None], q[None], np.ones((1, 1))
        elif self.cfg.model == "ca":
            f, q = ca_matrices(dt_s, self.q_ca)
            fs, qs, pi = f[None], q[None], np.ones((1, 1))
        else:
            if self.n_state == 6:  # quiet CV + manoeuvring (high-noise) CV
                f0, q0 = cv_matrices(dt_s, self.q_cv)
                f1, q1 = cv_matrices(dt_s, self.q_man)
            else:  # CV (written in the CA space) + CA
                f0, q0 = cv_in_ca_matrices(dt_s, self.q_cv)
                f1, q1 = ca_matrices(dt_s, self.q_ca)
            stay = math.exp(-dt_s / self.cfg.imm_mean_sojourn_s)
            stay_m = math.exp(-dt_s / self.cfg.imm_maneuver_sojourn_s)
            pi = np.array([[stay, 1.0 - stay], [1.0 - stay_m, stay_m]])
            fs, qs = np.stack([f0, f1]), np.stack([q0, q1])
        f_idx, f_val = sparse_rows(fs)
        out: Motion = (f_idx, f_val, qs, pi)
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[dt_s] = out
        return out


class RadarTracker:
    """The tracks one radar keeps from its own detections (ENU positions with covariance)."""

    def __init__(self, cfg: TrackerConfig, name: str, id_source: list[int]) -> None:
        self.cfg = cfg
        self.name = name
        self._id_source = id_source  # shared one-element counter, so ids are unique per picture
        self.motion = MotionModel(cfg)
        self.n_models = self.motion.n_models
        self.n_state = self.motion.n_state
        self.gamma = float(chi2.ppf(cfg.gate_probability, 3))
        self.tracks = TrackArrays.empty(self.n_models, self.n_state)
        self.t_s: float | None = None
        self.last_unlinked = np.zeros(0, dtype=np.int64)  # fused ids of tracks it deleted
        # updated slots that feed the fused picture (confirmed, linked), and their detections
        self.last_fold = np.zeros(0, dtype=np.int64)
        self.last_fold_detections = np.zeros(0, dtype=np.int64)
        self.stats = TrackStats()
        self._rules: TrackRules = (
            cfg.confirm_m,
            cfg.confirm_n,
            cfg.delete_after_misses,
            cfg.max_position_std_m**2,
            cfg.init_velocity_std_mps**2,
            cfg.init_acceleration_std_mps2**2,
            1.0 / self.n_models,
        )

    def combined(self, rows: IntArray, n_out: int = 6) -> tuple[FloatArray, FloatArray]:
        """Moment-matched state (R, n_out) and covariance (R, n_out, n_out) of slots ``rows``."""
        tr = self.tracks
        return combine_rows(tr.x, tr.p, tr.mu, np.asarray(rows, dtype=np.int64), n_out)

    # ------------------------------------------------------------------- scan
    def scan(
        self, t_s: float, z_enu: FloatArray, r_enu: FloatArray, truth_id: IntArray
    ) -> list[Event]:
        """Process one scan: detections ``z_enu`` (M,3) with covariances ``r_enu`` (M,3,3),
        C-contiguous float64, and their objects ``truth_id`` (M,) int64, as
        :class:`~openiads.tracking.picture.AirPicture` makes them (the kernels take them as
        they are)."""
        cfg = self.cfg
        if self.t_s is not None and t_s < self.t_s:
            raise ValueError(f"scan time {t_s} s is before the previous scan ({self.t_s} s)")
        dt = 0.0 if self.t_s is None else t_s - self.t_s
        self.t_s = t_s
        self.stats.note_detections(t_s, truth_id)
        tr = self.tracks
        events: list[Event] = []

        # predict, gate, assign, update, confirm, delete and (one model) births: one compiled
        # call, two when the gated pairs conflict and need the optimal assignment
        motion = self.motion.matrices(dt) if dt > 0.0 else _NO_STEP
        imm = self.n_models > 1
        st = self.stats
        store, dets, log = tr.kernel_args(), (z_enu, r_enu, truth_id), st.kernel_args()
        first_id = self._id_source[0]
        la = ma = _NONE
        for gate in (True, False):
            ints, fl = radar_scan(
                store, gate, dt > 0.0, motion, dets, self.gamma, la, ma, log, t_s,
                self._rules, not imm, first_id,
            )  # fmt: skip
            if ints[0]:
                break
            n_rows, n = int(ints[10]), int(ints[11])
            ti, mj = ints[SCAN_HEAD : SCAN_HEAD + n], ints[SCAN_HEAD + n :]
            chosen = assign_pairs(ti, mj, fl, n_rows, z_enu.shape[0])
            la, ma = ti[chosen], mj[chosen]  # la: index into the live slots
        _, na, n_new, n_lost, n_gone, n_free, n_born, n_fold, swaps, breaks = ints[:10].tolist()
        o = SCAN_HEAD
        ta = ints[o : o + na]
        o += 3 * na
        if na:
            if imm:
                nm = self.n_models
                d2m = fl[n_lost : n_lost + na * nm].reshape(na, nm)
                logdet = fl[n_lost + na * nm :].reshape(na, nm)
                tr.mu[ta] = imm_posterior(tr.mu[ta], d2m, logdet)
            st.note_update_keys(swaps, breaks, ints[o - na : o].copy())
        if n_new:
            newly = ints[o : o + n_new]
            pos_new, _ = self.combined(newly, 3)
            events.extend(self._confirm_events(t_s, newly, pos_new))
        o += n_new
        if n_lost:
            events.extend(
                self._lost_events(
                    t_s,
                    ints[o : o + n_lost],
                    ints[o + n_lost : o + 2 * n_lost],
                    fl[:n_lost],
                    ints[o + 2 * n_lost : o + 3 * n_lost] != 0,
                )
            )
        o += 3 * n_lost
        # (most of these are empty in a scan: a shared empty array costs less than a slice)
        self.last_unlinked = ints[o : o + n_gone] if n_gone else _NONE
        o += n_gone
        free = ints[o : o + n_free] if n_free else _NONE
        o += n_free
        born = ints[o : o + n_born] if n_born else _NONE
        o += n_born
        if n_fold:
            self.last_fold = ints[o : o + n_fold]
            self.last_fold_detections = ints[o + n_fold : o + 2 * n_fold]
        else:
            self.last_fold = self.last_fold_detections = _NONE

        # births from unassigned detections
        if free.size:
            if imm:  # after the mode probabilities, as a birth may reuse a deleted slot
                born = birth_in_free_slots(store, free, dets, t_s, first_id, self._rules)
            if not born.size:  # too few free slots: grow the store, then the same kernel
                born = tr.free_slots(free.size)
                birth_tracks(tr.kernel_args(), born, free, dets, t_s, first_id, self._rules)
            self._id_source[0] += born.size
            if cfg.confirm_m == 1:
                events.extend(self._confirm_events(t_s, born, tr.x[born, 0, :3]))
        return events

    def _confirm_events(self, t_s: float, slots: IntArray, pos: FloatArray) -> list[Event]:
        tr = self.tracks
        self.stats.note_confirmed(t_s, tr.ids[slots], tr.truth_cand[slots], tr.t_born_s[slots])
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
                tr.ids[slots], tr.truth_cand[slots], tr.t_born_s[slots], pos, strict=True
            )
        ]

    def _lost_events(
        self,
        t_s: float,
        ids: IntArray,
        truth: IntArray,
        born_s: FloatArray,
        by_misses: BoolArray,
    ) -> list[Event]:
        """Events for deleted confirmed tracks (their id, object and birth time)."""
        self.stats.n_lost += int(ids.size)
        return [
            (
                t_s,
                "track_lost",
                self.name,
                f"{self.name}/{tid}",
                {
                    "track_id": int(tid),
                    "truth_id": int(tr),
                    "reason": "misses" if miss else "covariance",
                    "age_s": float(t_s - born),
                },
            )
            for tid, tr, born, miss in zip(ids, truth, born_s, by_misses, strict=True)
        ]


class TrackStats:
    """Bookkeeping for purity and continuity, from the (hidden) truth of the detections."""

    def __init__(self) -> None:
        self.first_detect_s = np.zeros(0)  # per truth id, NaN until detected
        self.first_confirm_s = np.zeros(0)  # per truth id, NaN until a confirmed track holds it
        self.last_track = np.zeros(0, dtype=np.int64)  # per truth id, confirmed track holding it
        self.last_slot = np.zeros(0, dtype=np.int64)  # and that track's slot
        self._log: TruthLog = (self.last_track, self.last_slot, self.first_confirm_s)
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
        self.last_slot = np.concatenate([self.last_slot, np.zeros(pad, dtype=np.int64)])
        self._log = (self.last_track, self.last_slot, self.first_confirm_s)

    def kernel_args(self) -> TruthLog:
        """last_track, last_slot and first_confirm_s, for the compiled kernels (:data:`TruthLog`);
        the same tuple until they grow."""
        return self._log

    def note_detections(self, t_s: float, truth: IntArray) -> None:
        if truth.size == 0:
            return
        if truth.size > 8:
            real = truth[truth >= 0]
            if real.size == 0:
                return
            self._grow(int(real.max()) + 1)
            new = real[np.isnan(self.first_detect_s[real])]
            self.first_detect_s[new] = t_s
            return
        vals = truth.tolist()  # a few detections: Python beats NumPy's per-call cost here
        top = max(vals)
        if top < 0:
            return
        self._grow(top + 1)
        first = self.first_detect_s
        for v in vals:
            if v >= 0 and first[v] != first[v]:  # NaN: not detected before
                first[v] = t_s

    def note_updates(self, t_s: float, tr: TrackArrays, ta: IntArray, truth: IntArray) -> None:
        """Bookkeeping for tracks ``ta`` that took detections of objects ``truth``.

        Majority vote of each track's objects; continuity: a track's current object changes
        when two consecutive detections come from the same other object (a single
        misassociation is not an identity swap), which counts as an id swap for a confirmed
        track; an object breaks when the confirmed track that held it no longer does and
        another one takes it.
        """
        if ta.size == 0:
            return
        swaps, breaks = note_truth(tr.kernel_args(), ta, truth, self._log, t_s)
        self.note_update_keys(swaps, breaks, tr.ids[ta] * (1 << 24) + (truth + 1))

    def note_update_keys(self, swaps: int, breaks: int, keys: IntArray) -> None:
        """Add what :func:`note_truth` counted, and the purity keys of the updates."""
        self.id_swaps += swaps
        self.breaks += breaks
        self._pairs.append(keys)
        self._pending += keys.size
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
        purity: float | None = None  # undefined without confirmed tracks (JSON null)
        false_tracks = 0
        if counts.size:
            ut, inv = np.unique(track, return_inverse=True)
            total = np.bincount(inv, weights=counts)
            best = np.zeros(ut.size)  # detections from the track's main air object
            np.maximum.at(best, inv, np.where(truth >= 0, counts, 0).astype(np.float64))
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
            "detection_to_confirmation_s_mean": float(lat.mean()) if lat.size else None,
            "detection_to_confirmation_s_max": float(lat.max()) if lat.size else None,
        }
