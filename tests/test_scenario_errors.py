"""Bad scenario input gets one clear line naming file, line and field, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli

CASES = {
    # name: (replace this, with this, expected line, fragments of the message)
    "malformed_yaml": (
        "    roe: area-violation",
        "    roe: [area-violation",
        None,
        ["malformed YAML"],
    ),
    "unknown_field": (
        "    roe: area-violation",
        "    roe: area-violation\n    doctrin: {salvo: 2}",
        20,
        ["sites[0].doctrin", "unknown field 'doctrin'", "did you mean 'doctrine'"],
    ),
    "unknown_system": (
        "system: 3rd-Khordad",
        "system: 3rd-Khordaad",
        16,
        ["sites[0].system", "did you mean"],
    ),
    "unknown_target": ("type: RQ-4A", "type: RQ-4X", 37, ["air[0].type", "did you mean"]),
    "wrong_unit": (
        "speed: 310 kt}",
        "speed: 310 kg}",
        40,
        ["air[0].route[0].speed", "expected a speed"],
    ),
    "missing_unit": ("duration: 25 min", "duration: 25", 10, ["duration", "a unit is required"]),
    "negative_range": (
        "    doctrine: {salvo: 1, shoot_look_shoot: true, max_salvos: 2}",
        "    mast: -10 m\n    doctrine: {salvo: 1, shoot_look_shoot: true, max_salvos: 2}",
        18,
        ["sites[0].mast", "negative"],
    ),
    "waypoint_outside_world": (
        "      - {lat: 26.50, lon: 56.50}",
        "      - {lat: 46.50, lon: 56.50}",
        44,
        ["air[0].route[4]", "outside the world"],
    ),
    "missing_field": ("    type: RQ-4A\n", "", 36, ["air[0].type", "missing required field"]),
    "latitude_out_of_range": (
        "{lat: 26.10, lon: 57.35, alt: 40 m}",
        "{lat: 126.10, lon: 57.35, alt: 40 m}",
        17,
        ["sites[0].position.lat", "latitude"],
    ),
    "bad_tracker_parameter": (
        "seed: 1\n",
        "seed: 1\ntracking: {gate_probability: 1.5}\n",
        13,
        ["tracking.gate_probability"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_one_line(case: str, hormuz_text: str, tmp_path: Path) -> None:
    old, new, line, fragments = CASES[case]
    assert old in hormuz_text, f"test fixture out of date: {old!r}"
    path = tmp_path / "bad.yaml"
    path.write_text(hormuz_text.replace(old, new, 1))
    proc = run_cli("run", str(path), "--out", str(tmp_path / "run"))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    msg = lines[0]
    assert msg.startswith(f"error: {path}:")
    if line is not None:
        assert f"{path}:{line}:" in msg
    for fragment in fragments:
        assert fragment in msg
    assert not (tmp_path / "run").exists()


def test_empty_raid_is_rejected(hormuz_text: str, tmp_path: Path) -> None:
    text = hormuz_text.split("\nair:\n")[0] + "\nraids:\n  - id: r\n    type: Tomahawk\n"
    text += "    count: 0\n    from: {lat: 25.6, lon: 58.4}\n    to: iranian-territorial-waters\n"
    text += "    altitude: 30 m AGL\n"
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    proc = run_cli("run", str(path))
    assert proc.returncode == 2
    assert "raids[0].count" in proc.stderr
    assert "greater than or equal to 1" in proc.stderr


def test_no_air_objects_is_rejected(hormuz_text: str, tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    path.write_text(hormuz_text.split("\nair:\n")[0] + "\n")
    proc = run_cli("run", str(path))
    assert proc.returncode == 2
    assert "no air objects" in proc.stderr


def test_missing_file_and_debug_traceback(tmp_path: Path) -> None:
    proc = run_cli("run", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert "no such scenario file" in proc.stderr
    debug = run_cli("--debug", "run", str(tmp_path / "nope.yaml"))
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr
