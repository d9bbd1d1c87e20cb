"""IMM (CV + CA, Blom & Bar-Shalom 1988) against a CV-only filter on a 5 g turn."""

from __future__ import annotations

import numpy as np
import pytest

from openiads.tracking import AirPicture, TrackerConfig

G = 9.80665


def _turning_target(t: np.ndarray, speed_mps: float = 250.0, accel_g: float = 5.0) -> np.ndarray:
    """ENU positions: 30 s straight north-east, a level 180-degree turn at accel_g, straight."""
    a = accel_g * G
    omega = a / speed_mps  # rad/s
    t_turn = np.pi / omega
    t0 = 30.0
    p0 = np.array([20_000.0, 20_000.0, 6000.0])
    h0 = np.deg2rad(45.0)  # heading from north
    v0 = speed_mps * np.array([np.sin(h0), np.cos(h0), 0.0])
    out = np.empty((t.size, 3))
    for i, ti in enumerate(t):
        if ti <= t0:
            out[i] = p0 + v0 * ti
            continue
        p1 = p0 + v0 * t0
        tau = min(ti - t0, t_turn)
        # turning right (clockwise seen from above): heading h0 + omega tau
        r = speed_mps / omega
        h = h0 + omega * tau
        centre = p1 + r * np.array([np.cos(h0), -np.sin(h0), 0.0])
        pos = centre - r * np.array([np.cos(h), -np.sin(h), 0.0])
        if ti - t0 > t_turn:
            vt = speed_mps * np.array([np.sin(h), np.cos(h), 0.0])
            pos = pos + vt * (ti - t0 - t_turn)
        out[i] = pos
    return out


def _track(model: str, seed: int, maneuver: str = "cv") -> tuple[dict, list]:
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 90.0, 1.0)
    truth = _turning_target(t)
    sigma = np.array([30.0, 1.0e-3, 1.0e-3])
    cfg = TrackerConfig(model=model, imm_maneuver_model=maneuver)
    pic = AirPicture(cfg, ["radar"], np.zeros((1, 3)))
    events = []
    for ti, p in zip(t, truth, strict=True):
        r = np.linalg.norm(p)
        z = np.array([[r, np.arctan2(p[0], p[1]), np.arcsin(p[2] / r)]])
        z = z + rng.normal(size=(1, 3)) * sigma
        events += pic.scan(float(ti), 0, z, sigma, np.array([0]))
        events += pic.fuse(float(ti))
    return pic.metrics(), events


def test_turn_geometry_is_5g() -> None:
    t = np.arange(30.0, 45.0, 0.01)
    p = _turning_target(t)
    acc = np.diff(p, 2, axis=0) / 0.01**2
    assert np.linalg.norm(acc, axis=1).max() == pytest.approx(5 * G, rel=1e-3, abs=0.0)


@pytest.mark.parametrize("maneuver", ["cv", "ca"])
def test_imm_holds_a_5g_turn_that_cv_loses(maneuver: str) -> None:
    lost_cv = lost_imm = 0
    for seed in range(5):
        m_imm, ev_imm = _track("imm", seed, maneuver)
        m_cv, ev_cv = _track("cv", seed)
        radar_imm = m_imm["radars"]["radar"]
        # IMM: one radar track and one fused track from start to end, never lost
        assert radar_imm["tracks_confirmed"] == 1
        assert radar_imm["breaks"] == 0
        assert m_imm["fused"]["tracks_confirmed"] == 1
        lost_imm += sum(1 for e in ev_imm if e[1] == "track_lost")
        lost_cv += sum(1 for e in ev_cv if e[1] == "track_lost" and e[2] == "radar")
        assert m_cv["radars"]["radar"]["tracks_confirmed"] >= 2  # re-acquired after the loss
    assert lost_imm == 0
    assert lost_cv >= 5  # CV loses the target in the turn, every run
