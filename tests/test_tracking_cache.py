"""The air picture's shortcuts change no result: the cached ``fused_tracks`` answer, and the
compiled fold of detections into fused tracks against its NumPy twin."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from openiads.tracking import AirPicture, FusedTracks, TrackerConfig
from openiads.tracking._kernels import gate_update, mix_predict

SIGMA = np.array([40.0, 2.0e-3, 2.0e-3])
RADARS = np.array([[0.0, 0.0, 10.0], [60_000.0, 10_000.0, 30.0], [20_000.0, 70_000.0, 0.0]])
X0 = np.array(
    [[30_000.0, 40_000.0, 7000.0], [31_000.0, 41_500.0, 6500.0], [10_000.0, 20_000.0, 300.0]]
)
V = np.array([[150.0, -120.0, 0.0], [140.0, -125.0, 5.0], [-200.0, 30.0, 0.0]])
PERIOD_S = (2.0, 3.0, 5.0)  # three scan periods: the fused filters see many time steps


def _rae(p: np.ndarray, radar: np.ndarray) -> np.ndarray:
    d = p - radar
    r = np.linalg.norm(d, axis=1)
    return np.column_stack([r, np.arctan2(d[:, 0], d[:, 1]), np.arcsin(d[:, 2] / r)])


def _scans(n_s: int, seed: int = 3) -> list[tuple[float, int, np.ndarray, np.ndarray]]:
    """Each radar scans at its own period; detections with noise, misses and clutter."""
    rng = np.random.default_rng(seed)
    out = []
    for t in np.arange(0.0, n_s, 1.0):
        for r, period in enumerate(PERIOD_S):
            if t % period:
                continue
            seen = np.flatnonzero(rng.random(X0.shape[0]) < 0.85)
            z = _rae(X0[seen] + V[seen] * t, RADARS[r]) + rng.normal(size=(seen.size, 3)) * SIGMA
            n_fa = int(rng.poisson(0.5))
            fa = np.column_stack(
                [
                    rng.uniform(5e3, 80e3, n_fa),
                    rng.uniform(0, 2 * np.pi, n_fa),
                    rng.uniform(0, 0.1, n_fa),
                ]
            )
            truth = np.concatenate([seen, np.full(n_fa, -1)]).astype(np.int64)
            out.append((float(t), r, np.vstack([z, fa]), truth))
    return out


def _arrays(f: FusedTracks) -> list[bytes]:
    return [a.tobytes() for a in (f.ids, f.x_enu, f.P, f.truth_id, f.confirmed, f.n_radars)]


def _run(pic: AirPicture, scans: list, probe: bool) -> tuple[list[Any], list[list[bytes]], str]:
    """Feed the scans; after each, fuse and read the picture (twice when ``probe``: before
    and after the fuse, so a stale cached answer would show). Events, pictures, metrics."""
    events: list[Any] = []
    views = []
    for t, r, z, truth in scans:
        events += pic.scan(t, r, z, SIGMA, truth)
        if probe:
            pic.fused_tracks(t)
        events += pic.fuse(t)
        views.append(_arrays(pic.fused_tracks(t)))
    return events, views, repr(pic.metrics())


def test_fused_tracks_cache_is_invalidated_by_scans_and_fuse() -> None:
    scans = _scans(60)
    cfg = TrackerConfig()
    probed = _run(AirPicture(cfg, ["a", "b", "c"], RADARS), scans, probe=True)
    plain = _run(AirPicture(cfg, ["a", "b", "c"], RADARS), scans, probe=False)
    assert probed == plain
    assert max(len(v[0]) for v in plain[1]) // 8 >= 2  # the picture held several tracks


def test_fused_tracks_same_time_answer_reflects_a_scan_at_that_time() -> None:
    scans = _scans(40)
    pic = AirPicture(TrackerConfig(), ["a", "b", "c"], RADARS)
    _run(pic, scans[:-1], probe=False)
    t, r, z, truth = scans[-1]
    before = pic.fused_tracks(t)
    assert pic.fused_tracks(t) is before  # nothing changed: the same answer
    pic.scan(t, r, z, SIGMA, truth)
    after = pic.fused_tracks(t)
    assert after is not before
    assert not np.array_equal(after.x_enu, before.x_enu)  # the detections were folded in


def test_fused_tracks_arrays_cannot_corrupt_the_picture() -> None:
    scans = _scans(30)
    pic = AirPicture(TrackerConfig(), ["a", "b", "c"], RADARS)
    _run(pic, scans, probe=False)
    t = scans[-1][0]
    f = pic.fused_tracks(t)
    assert len(f) >= 1
    snapshot = _arrays(f)
    for a in (f.ids, f.x_enu, f.P, f.truth_id, f.confirmed, f.n_radars):
        with pytest.raises(ValueError, match="read-only"):
            a[...] = 0
    with pytest.raises(ValueError, match="read-only"):
        f.x_enu[0, :3] += 1.0
    assert _arrays(pic.fused_tracks(t)) == snapshot
    pic._view = None  # recomputed from the picture's own state: unchanged too
    assert _arrays(pic.fused_tracks(t)) == snapshot


def _numpy_fold(
    self: AirPicture,
    fused_id: np.ndarray,
    sel: np.ndarray,
    det: np.ndarray,
    z: np.ndarray,
    r: np.ndarray,
    truth: np.ndarray,
    t_s: float,
) -> None:
    """The NumPy steps the compiled fold replaced: look up the fused slots (unlinking radar
    tracks whose fused track is gone), predict them one time step at a time, gated Kalman
    update, unlink the radar tracks gated out, hit counts and truth bookkeeping."""
    fu = self.fused
    slot = self._slots(fused_id[sel])
    ok = slot >= 0
    fused_id[sel[~ok]] = -1
    sel, det, slot = sel[ok], det[ok], slot[ok]
    dt = t_s - self.f_t[slot]
    for d in np.unique(dt[dt > 0.0]):
        mix_predict(fu.x, fu.p, fu.mu, slot[dt == d], self.motion.matrices(float(d)))
    self.f_t[slot] = np.maximum(self.f_t[slot], t_s)
    outside = np.asarray(gate_update(fu.x, fu.p, fu.mu, slot, z, r, det, self.gamma_fusion))
    if outside.any():
        fused_id[sel[outside]] = -1
        np.subtract.at(self.f_nrad, slot[outside], 1)
        self._dirty = True
    inside = slot[~outside]
    fu.n_hits[inside] += 1
    fu.misses[inside] = 0
    self.fstats.note_updates(t_s, fu, inside, truth[det[~outside]])


@pytest.mark.parametrize("model", ["cv", "imm"])
def test_compiled_fold_equals_the_numpy_fold(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fusing detections: the compiled fold (one call per scan) against the NumPy steps it
    replaced, bit for bit, over three scan periods."""
    scans = _scans(90)
    cfg = TrackerConfig(model=model)
    fast = _run(AirPicture(cfg, ["a", "b", "c"], RADARS), scans, probe=False)
    monkeypatch.setattr(AirPicture, "_fold_kernel", _numpy_fold)
    slow = _run(AirPicture(cfg, ["a", "b", "c"], RADARS), scans, probe=False)
    assert fast == slow
    assert any(e[1] == "track_fused" for e in fast[0])  # tracks of several radars were fused
