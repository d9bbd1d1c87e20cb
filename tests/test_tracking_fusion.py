"""Command-post fusion: one fused track per target, continuity when a radar is blinded,
single-radar targets, and the tracker's configuration errors."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from openiads.tracking import AirPicture, FusedTracks, TrackerConfig

SIGMA = np.array([40.0, 2.0e-3, 2.0e-3])
RADARS = np.array([[0.0, 0.0, 10.0], [60_000.0, 10_000.0, 30.0]])


def _rae(p: np.ndarray, radar: np.ndarray) -> np.ndarray:
    d = p - radar
    r = np.linalg.norm(d, axis=1)
    return np.column_stack([r, np.arctan2(d[:, 0], d[:, 1]), np.arcsin(d[:, 2] / r)])


def _fly(
    cfg: TrackerConfig,
    n_steps: int,
    blind_from_s: float | None = None,
    seed: int = 1,
    targets: np.ndarray | None = None,
    visible: np.ndarray | None = None,  # (R, N) which radar sees which target
) -> tuple[AirPicture, list, list[FusedTracks], np.ndarray]:
    """Targets fly straight; both radars scan every 2 s, staggered by 1 s."""
    rng = np.random.default_rng(seed)
    x0 = np.array([[30_000.0, 40_000.0, 7000.0]]) if targets is None else targets
    v = np.tile([150.0, -120.0, 0.0], (x0.shape[0], 1))
    vis = np.ones((2, x0.shape[0]), dtype=bool) if visible is None else visible
    pic = AirPicture(cfg, ["91N6E", "96L6E"], RADARS)
    events, pictures = [], []
    for k in range(n_steps):
        t = float(k)
        truth = x0 + v * t
        r = k % 2
        if blind_from_s is not None and r == 1 and t >= blind_from_s:
            z = np.zeros((0, 3))  # jammed: nothing from radar 1 any more
            ids = np.zeros(0, dtype=np.int64)
        else:
            ids = np.flatnonzero(vis[r])
            z = _rae(truth[ids], RADARS[r]) + rng.normal(size=(ids.size, 3)) * SIGMA
        events += pic.scan(t, r, z, SIGMA, ids)
        events += pic.fuse(t)
        pictures.append(pic.fused_tracks(t))
    return pic, events, pictures, x0 + v * float(n_steps - 1)


@pytest.mark.parametrize("fusion", ["measurement", "covariance_intersection", "best"])
def test_two_radars_one_target_make_one_fused_track(fusion: str) -> None:
    _pic, events, pictures, truth = _fly(TrackerConfig(fusion=fusion), 60)
    last = pictures[-1]
    assert len(last) == 1
    assert last.n_radars.tolist() == [2]
    assert last.truth_id.tolist() == [0]
    assert all(len(p) <= 1 for p in pictures)  # never a duplicate
    kinds = [(e[1], e[2]) for e in events]
    assert kinds.count(("track_confirmed", "cp")) == 1
    assert kinds.count(("track_fused", "cp")) == 1  # the second radar's track joins it
    assert np.linalg.norm(last.x_enu[0, :3] - truth[0]) < 150.0


def test_measurement_fusion_beats_either_radar() -> None:
    """Fusing both radars' detections gives a smaller position error than one radar alone."""
    err_fused, err_radar = [], []
    for seed in range(30):
        pic, _, pictures, truth = _fly(TrackerConfig(), 80, seed=seed)
        err_fused.append(np.linalg.norm(pictures[-1].x_enu[0, :3] - truth[0]))
        for r in range(2):
            rt = pic.radar_tracks(r)
            x = rt.x_enu[0, :3] + rt.x_enu[0, 3:] * (79.0 - rt.t_s)
            err_radar.append(np.linalg.norm(x - truth[0]))
    assert np.sqrt(np.mean(np.square(err_fused))) < 0.8 * np.sqrt(np.mean(np.square(err_radar)))


@pytest.mark.parametrize("fusion", ["measurement", "covariance_intersection"])
def test_blinded_radar_fused_track_continues_on_the_other(fusion: str) -> None:
    pic, events, pictures, truth = _fly(TrackerConfig(fusion=fusion), 80, blind_from_s=30.0)
    ids = {int(i) for p in pictures[5:] for i in p.ids}
    assert len(ids) == 1  # the same fused id all along
    assert pictures[25].n_radars.tolist() == [2]
    assert pictures[-1].n_radars.tolist() == [1]
    lost = [e for e in events if e[1] == "track_lost"]
    assert [(e[2], e[4]["reason"]) for e in lost] == [("96L6E", "misses")]
    assert np.linalg.norm(pictures[-1].x_enu[0, :3] - truth[0]) < 300.0
    m = pic.metrics()["fused"]
    assert m["breaks"] == 0 and m["tracks_lost"] == 0


def test_target_seen_by_one_radar_only_still_gets_a_fused_track() -> None:
    targets = np.array([[30_000.0, 40_000.0, 7000.0], [-20_000.0, 30_000.0, 5000.0]])
    visible = np.array([[True, True], [True, False]])  # radar 1 never sees target 1
    _, _, pictures, _ = _fly(TrackerConfig(), 40, targets=targets, visible=visible)
    last = pictures[-1]
    assert sorted(last.truth_id.tolist()) == [0, 1]
    assert dict(zip(last.truth_id.tolist(), last.n_radars.tolist(), strict=True)) == {0: 2, 1: 1}


def test_fused_tracks_are_predicted_to_the_asked_time() -> None:
    pic, _, _pictures, _ = _fly(TrackerConfig(), 30)
    now = pic.fused_tracks(29.0)
    later = pic.fused_tracks(39.0)
    np.testing.assert_allclose(
        later.x_enu[:, :3], now.x_enu[:, :3] + 10.0 * now.x_enu[:, 3:], rtol=0, atol=1e-6
    )
    assert np.all(np.diagonal(later.P, axis1=1, axis2=2) > np.diagonal(now.P, axis1=1, axis2=2))
    assert later.P.shape == (1, 6, 6) and later.ids.dtype == np.int64


def test_many_targets_two_radars_one_fused_track_each() -> None:
    rng = np.random.default_rng(4)
    targets = np.column_stack(
        [
            rng.uniform(-50e3, 50e3, 60),
            rng.uniform(20e3, 90e3, 60),
            rng.uniform(1e3, 10e3, 60),
        ]
    )
    pic, _, pictures, _ = _fly(TrackerConfig(), 40, targets=targets)
    last = pictures[-1]
    assert len(last) == 60
    assert sorted(last.truth_id.tolist()) == list(range(60))
    assert (last.n_radars == 2).all()
    m = pic.metrics()
    assert m["fused"]["id_swaps"] == 0 and m["fused"]["breaks"] == 0
    assert m["fused"]["objects_tracked"] == 60
    assert m["fused"]["detection_to_confirmation_s_mean"] == pytest.approx(4.0, abs=1.0, rel=0.0)
    assert m["radars"]["91N6E"]["purity"] == pytest.approx(1.0, abs=1e-9, rel=0.0)


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"gate_probability": 1.5}, "gate_probability"),
        ({"gate_probability": 0.2}, "gate_probability"),
        ({"confirm_m": 0}, "confirm_m"),
        ({"process_noise_mps2": -1.0}, "process_noise_mps2"),
        ({"delete_after_misses": 0}, "delete_after_misses"),
        ({"max_position_std_m": 0}, "max_position_std_m"),
        ({"model": "kalman"}, "model"),
        ({"fusion": "average"}, "fusion"),
        ({"confirm_n": "three"}, "confirm_n"),
        ({"gate_prob": 0.99}, "gate_prob"),  # unknown key (typo) is an error, not ignored
    ],
)
def test_bad_tracker_parameters_give_clear_errors(block: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        TrackerConfig.model_validate(block)
    errors = err.value.errors()
    assert len(errors) == 1
    assert errors[0]["loc"] == (field,)
    assert errors[0]["msg"]


def test_confirm_m_above_n_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"confirm_m \(5\) must not exceed confirm_n \(4\)"):
        TrackerConfig.model_validate({"confirm_m": 5, "confirm_n": 4})


def test_every_parameter_is_documented_with_its_unit() -> None:
    import re

    units = {"_mps3": "m/s^3", "_mps2": "m/s^2", "_mps": "m/s", "_s": "s", "_m": "m"}
    with_unit = 0
    for name, info in TrackerConfig.model_fields.items():
        assert info.description, name
        suffix = next((k for k in units if name.endswith(k)), None)
        if info.annotation is float and suffix is not None:  # a quantity states its unit
            with_unit += 1
            unit = re.escape(units[suffix])
            assert re.search(rf"(?<![\w/^]){unit}(?![\w/^])", info.description), name
    assert with_unit >= 8
    schema = TrackerConfig.model_json_schema()
    assert schema["properties"]["gate_probability"]["exclusiveMaximum"] == 1.0
    assert TrackerConfig().model == "cv"


def test_radar_ids_and_positions_must_agree() -> None:
    with pytest.raises(ValueError, match="2 radar ids but 1 radar positions"):
        AirPicture(TrackerConfig(), ["a", "b"], np.zeros((1, 3)))


def test_every_parameter_is_in_the_model_documentation() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "models" / "tracking.md").read_text()
    for name, info in TrackerConfig.model_fields.items():
        assert f"| `{name}` | `{info.default}` |" in doc, name


def test_metrics_of_an_empty_picture_are_json_clean() -> None:
    import json

    pic = AirPicture(TrackerConfig(), ["a"], np.zeros((1, 3)))
    pic.scan(0.0, 0, np.zeros((0, 3)), SIGMA, np.zeros(0, dtype=np.int64))
    pic.fuse(0.0)
    text = json.dumps(pic.metrics(), allow_nan=False)
    assert '"purity": null' in text
    assert len(pic.fused_tracks(1.0)) == 0


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("  gate_probability: 1.5\n", "tracking.gate_probability: Input should be less than 1"),
        ("  confirm_m: 5\n  confirm_n: 3\n", "confirm_m (5) must not exceed confirm_n (3)"),
        ("  gate_prob: 0.99\n", "unknown tracker parameter 'gate_prob'"),
    ],
)
def test_bad_tracking_block_in_a_scenario_is_one_clear_cli_error(
    tmp_path, block: str, expected: str
) -> None:
    """Through the real command line: exit code 2, one line naming file, line and field."""
    import subprocess
    import sys
    from pathlib import Path

    base = Path(__file__).parents[1] / "scenarios" / "hormuz-2019.yaml"
    text = base.read_text()
    n_lines = len(text.splitlines())
    bad = tmp_path / "bad.yaml"
    bad.write_text(text + "tracking:\n  model: imm\n" + block)
    res = subprocess.run(
        [sys.executable, "-m", "openiads.cli", "run", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2
    err = res.stderr.strip()
    assert "Traceback" not in res.stderr
    assert len(err.splitlines()) == 1
    assert expected in err
    assert err.startswith(f"error: {bad}:")
    line = int(err.split(":")[2])
    assert n_lines + 2 <= line <= n_lines + 4  # points into the tracking block


def test_events_follow_the_outcome_contract() -> None:
    """(t, kind, actor, target, details): kinds known to the outcome, details JSON-clean."""
    import json

    from openiads.outcome import EVENT_KINDS

    _, events, _, _ = _fly(TrackerConfig(), 80, blind_from_s=30.0)
    assert {e[1] for e in events} == {"track_confirmed", "track_fused", "track_lost"}
    for t, kind, actor, target, details in events:
        assert isinstance(t, float) and kind in EVENT_KINDS
        assert actor in ("91N6E", "96L6E", "cp")
        assert target == f"{actor}/{details['track_id']}"
        json.dumps(details, allow_nan=False)  # native types only
        assert isinstance(details["track_id"], int)


def test_random_configurations_and_scan_orders_keep_the_picture_finite() -> None:
    """Every model and fusion rule, radars reporting late or twice at one time, clutter:
    fused states stay finite and covariances positive semi-definite."""
    rng = np.random.default_rng(0)
    for _ in range(6):
        cfg = TrackerConfig(
            model=str(rng.choice(["cv", "ca", "imm"])),
            fusion=str(rng.choice(["measurement", "covariance_intersection", "best"])),
            imm_maneuver_model=str(rng.choice(["cv", "ca"])),
            confirm_m=int(rng.integers(1, 4)),
            confirm_n=4,
        )
        n_rad = int(rng.integers(1, 4))
        pic = AirPicture(cfg, [f"r{i}" for i in range(n_rad)], rng.uniform(-1e4, 1e4, (n_rad, 3)))
        n = int(rng.integers(0, 30))
        x0 = rng.uniform(-5e4, 5e4, (n, 3))
        v = rng.normal(0.0, 200.0, (n, 3))
        sig = np.array([30.0, 2e-3, 2e-3])
        t = 0.0
        for _k in range(25):
            t += float(rng.choice([0.0, 0.5, 1.0, 3.0]))
            for r in rng.permutation(n_rad):
                last = pic.radars[r].t_s
                tt = max(t - float(rng.choice([0.0, 0.3])), last if last is not None else 0.0)
                seen = np.flatnonzero(rng.random(n) < 0.8)
                d = x0[seen] + v[seen] * tt - pic.radar_positions_enu[r]
                rr = np.linalg.norm(d, axis=1)
                z = (
                    np.column_stack([rr, np.arctan2(d[:, 0], d[:, 1]), np.arcsin(d[:, 2] / rr)])
                    + rng.normal(size=(seen.size, 3)) * sig
                )
                nc = int(rng.poisson(5))
                zc = np.column_stack(
                    [rng.uniform(1e3, 6e4, nc), rng.uniform(0, 6.3, nc), rng.uniform(0, 0.5, nc)]
                )
                truth = np.concatenate([seen, np.full(nc, -1)])
                pic.scan(tt, int(r), np.concatenate([z, zc]), sig, truth)
            pic.fuse(t)
            ft = pic.fused_tracks(t)
            assert np.all(np.isfinite(ft.x_enu)) and np.all(np.isfinite(ft.P))
            if len(ft):
                assert np.linalg.eigvalsh(ft.P).min() > -1e-6
                assert np.all(np.diff(ft.ids) > 0)
