"""The bundled scenarios run end to end through the real CLI, with checked outcomes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import SCENARIOS, run_cli
from openiads.engine import simulate
from openiads.outcome import read_run
from openiads.scenario import compile_world, load_scenario


@pytest.fixture(scope="module")
def hormuz_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("hormuz") / "run"
    proc = run_cli("run", str(SCENARIOS / "hormuz-2019.yaml"), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    return out, json.loads(proc.stdout)


def test_hormuz_detected_tracked_engaged_killed(hormuz_run: tuple[Path, dict]) -> None:
    folder, summary = hormuz_run
    drone = next(o for o in summary["objects"] if o["id"] == "bamsd")
    # Detected by the battery's own radar, well before it comes within missile range.
    assert drone["first_detection_radar"].startswith("khordad-goruk/")
    assert drone["first_detection_range_m"] > 75_000.0
    assert drone["first_track_s"] is not None
    assert drone["first_track_s"] >= drone["first_detection_s"]
    assert drone["shots"] >= 1
    assert drone["status"] == "killed"
    # The kill happens inside the published envelope (50-75 km missile range).
    outcome = read_run(folder)
    kill = outcome.events_of("kill")[0]
    launch = next(e for e in outcome.events_of("launch") if e["target"] == "bamsd")
    assert launch["t"] < kill["t"]
    assert kill["t"] - launch["t"] == pytest.approx(launch["details"]["tof_s"], abs=1.0, rel=0)
    assert 5.0 < launch["details"]["tof_s"] < 120.0
    # The civil airliner is never engaged.
    airliner = next(o for o in summary["objects"] if o["id"] == "uae-muscat-flight")
    assert airliner["shots"] == 0
    assert summary["leakers"] == 0
    assert summary["interceptors_spent"] == drone["shots"]


def test_run_folder_contents(hormuz_run: tuple[Path, dict]) -> None:
    folder, _ = hormuz_run
    for name in ("events.parquet", "trajectories.parquet", "objects.parquet", "manifest.json"):
        assert (folder / name).is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 1
    assert manifest["scenario_text"] == (SCENARIOS / "hormuz-2019.yaml").read_text()
    assert len(manifest["scenario_sha256"]) == 64
    assert manifest["catalog_version"]
    traj = pq.read_table(folder / "trajectories.parquet")
    assert "bamsd" in set(traj["id"].to_pylist())
    kinds = set(pq.read_table(folder / "events.parquet")["kind"].to_pylist())
    assert {"detect", "track_confirmed", "launch", "intercept", "kill"} <= kinds


def test_hormuz_terminal_summary(tmp_path: Path) -> None:
    proc = run_cli("run", str(SCENARIOS / "hormuz-2019.yaml"), "--out", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stderr
    assert "bamsd" in proc.stdout
    assert "killed" in proc.stdout
    assert "run written to" in proc.stdout


@pytest.mark.slow
def test_s400_gulf_mixed_raid(tmp_path: Path) -> None:
    proc = run_cli("run", str(SCENARIOS / "s400-gulf.yaml"), "--out", str(tmp_path / "r"), "--json")
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout)
    objs = {o["id"]: o for o in s["objects"]}
    assert s["hostile"] == 20
    f16 = [o for k, o in objs.items() if k.startswith("f16")]
    f35 = [o for k, o in objs.items() if k.startswith("f35")]
    tlam = [o for k, o in objs.items() if k.startswith("tlam")]
    # Conventional fighters are seen far earlier than stealth fighters (medians: a single
    # look at Pd ~ Pfa can light up one object early, as a real radar's would)...
    r16 = float(np.median([o["first_detection_range_m"] for o in f16]))
    r35 = float(np.median([o["first_detection_range_m"] or 0.0 for o in f35]))
    assert r16 > 1.5 * r35
    # ... and sea-skimming cruise missiles only inside the radar horizon (~40-60 km).
    rt = [o["first_detection_range_m"] for o in tlam if o["first_detection_range_m"]]
    assert rt and max(rt) < 80_000.0
    assert s["interceptors_spent"] > 0
    assert s["kills"] > 0
    assert s["kills"] + s["leakers"] + s["survivors"] == s["hostile"]
    spent = sum(fu["spent_total"] for fu in s["fire_units"].values())
    assert spent == s["interceptors_spent"]


def test_same_seed_same_events_different_seed_differs(tmp_path: Path) -> None:
    world = compile_world(load_scenario(SCENARIOS / "hormuz-2019.yaml"))
    a = simulate(world, 5, trajectory_dt_s=None)
    b = simulate(world, 5, trajectory_dt_s=None)
    c = simulate(world, 6, trajectory_dt_s=None)
    pq.write_table(a.events, tmp_path / "a.parquet")
    pq.write_table(b.events, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert a.events.equals(b.events)
    assert not a.events.equals(c.events)


def test_cli_seed_option_is_recorded(tmp_path: Path) -> None:
    proc = run_cli(
        "run",
        str(SCENARIOS / "hormuz-2019.yaml"),
        "--seed",
        "42",
        "--out",
        str(tmp_path / "r"),
        "--no-trajectories",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["seed"] == 42
