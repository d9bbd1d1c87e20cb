"""Bad catalog data is reported with file, line and field; the CLI prints it on one line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from openiads.catalog import catalog_version, load_catalog
from openiads.catalog.loader import data_dir
from openiads.errors import InputError


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    shutil.copytree(data_dir(), folder)
    return folder


def _edit(file: Path, old: str, new: str) -> int:
    """Replace ``old`` (which must occur once) and return its 1-based line number."""
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    file.write_text(text.replace(old, new), encoding="utf-8")
    return line


def _error(folder: Path) -> InputError:
    with pytest.raises(InputError) as err:
        load_catalog(folder)
    return err.value


def test_a_copy_loads_like_the_package_data(data: Path) -> None:
    copy = load_catalog(data)
    assert copy.version == load_catalog().version == catalog_version(data)
    assert copy.names("target") == load_catalog().names("target")


def test_missing_unit_names_file_line_and_field(data: Path) -> None:
    line = _edit(
        data / "missiles.yaml",
        "max_range_m: {value: 40 km, sources: [bg3-s400, hindu-s400]}",
        "max_range_m: {value: 40, sources: [bg3-s400, hindu-s400]}",
    )
    err = _error(data)
    assert err.file is not None and err.file.endswith("missiles.yaml")
    assert err.line == line
    assert err.field == "missile.9M96E.max_range_m"
    assert "a unit is required" in err.message


def test_unknown_source_suggests_the_closest(data: Path) -> None:
    line = _edit(
        data / "missiles.yaml",
        "max_range_m: {value: 40 km, sources: [bg3-s400, hindu-s400]}",
        "max_range_m: {value: 40 km, sources: [bg3-s40, hindu-s400]}",
    )
    err = _error(data)
    assert err.line == line
    assert "unknown source 'bg3-s40'; did you mean 'bg3-s400'?" in err.message


def test_nominal_outside_range_is_rejected(data: Path) -> None:
    line = _edit(
        data / "missiles.yaml",
        "min_altitude_m: {value: 5 m, sources: [sputnik-fr-pantsir]}",
        "min_altitude_m: {value: 5 m, range: [10 m, 20 m], sources: [sputnik-fr-pantsir]}",
    )
    err = _error(data)
    assert err.line == line
    assert err.field == "missile.57E6.min_altitude_m"
    assert "low <= nominal <= high" in err.message


def test_figure_without_source_is_rejected(data: Path) -> None:
    _edit(
        data / "missiles.yaml",
        "max_range_m: {value: 40 km, sources: [bg3-s400, hindu-s400]}",
        "max_range_m: {value: 40 km}",
    )
    err = _error(data)
    assert "at least one source" in err.message
    assert err.field == "missile.9M96E.max_range_m"


def test_unknown_attribute_is_rejected_with_its_line(data: Path) -> None:
    line = _edit(data / "launchers.yaml", "    capacity_small: 8\n", "    capacity_smal: 8\n")
    err = _error(data)
    assert err.line == line
    assert err.field == "launcher.Tor-M1-TLAR.capacity_smal"
    assert "unknown attribute; did you mean 'capacity_small'?" in err.message


def test_dangling_reference_suggests_the_radar(data: Path) -> None:
    _edit(data / "systems.yaml", "fire_control_radar: 30N6E2", "fire_control_radar: 30N6E")
    err = _error(data)
    assert err.file is not None and err.file.endswith("systems.yaml")
    assert err.field == "system.S-300PMU-2.fire_control_radar"
    assert "did you mean '30N6E2'?" in err.message


def test_loadout_must_match_the_launcher_count(data: Path) -> None:
    _edit(
        data / "systems.yaml",
        "{missile: 48N6E2, launchers: 8, per_launcher: 4}",
        "{missile: 48N6E2, launchers: 6, per_launcher: 4}",
    )
    err = _error(data)
    assert err.field == "system.S-300PMU-2.loadout"
    assert "covers 6 launchers" in err.message


def test_loadout_beyond_the_launcher_capacity_names_the_system(data: Path) -> None:
    text = (data / "systems.yaml").read_text(encoding="utf-8")
    system_line = text[: text.index("  - name: S-300PMU-2\n")].count("\n") + 1
    _edit(
        data / "systems.yaml",
        "{missile: 48N6E2, launchers: 8, per_launcher: 4}",
        "{missile: 48N6E2, launchers: 8, per_launcher: 40}",
    )
    err = _error(data)
    assert err.file is not None and err.file.endswith("systems.yaml")
    assert err.line == system_line
    assert err.field == "system.S-300PMU-2.loadout"
    assert err.message == "40 48N6E2 per launcher exceeds the S-300PMU-2-TEL capacity 4"


def test_duplicate_key_and_bad_yaml(data: Path) -> None:
    line = _edit(
        data / "launchers.yaml",
        "    capacity_small: 12\n",
        "    capacity_small: 12\n    capacity_small: 12\n",
    )
    err = _error(data)
    assert err.line == line + 1
    assert "duplicate key 'capacity_small'" in err.message
    shutil.copy(data_dir() / "launchers.yaml", data / "launchers.yaml")
    _edit(
        data / "launchers.yaml",
        "capacity_large: 0\n    capacity_small: 12",
        "capacity_large: [0\n    capacity_small: 12",
    )
    err = _error(data)
    assert "not valid YAML" in err.message
    assert err.file is not None and err.file.endswith("launchers.yaml")


def test_missing_pk_class_is_rejected(data: Path) -> None:
    _edit(
        data / "missiles.yaml",
        '    ballistic: {value: 0.05, range: [0.0, 0.2], assumption: true, sources: [openiads-assumption], note: "No anti-ballistic role claimed."}\n  pk_pantsir',
        "  pk_pantsir",
    )
    err = _error(data)
    assert err.field is not None and err.field.startswith("missile.9M331")
    assert "ballistic" in err.message


def test_cli_reports_bad_data_on_one_line(data: Path) -> None:
    line = _edit(
        data / "targets.yaml", "max_speed_mps: {value: 300 mph,", "max_speed_mps: {value: 300 mhp,"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "openiads.cli", "catalog", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        f"error: {data / 'targets.yaml'}:{line}: target.MQ-9.max_speed_mps: "
    )
    assert "Traceback" not in proc.stderr


def test_rcs_tables_match_an_independent_plain_yaml_read() -> None:
    """Every RCS figure equals what plain PyYAML + parse_quantity read from targets.yaml.

    Guards the loader's one-object-per-YAML-node sharing (used for joint sampling) against
    ever handing one node's figure to another.
    """
    import yaml

    from openiads.units import parse_quantity

    cat = load_catalog()
    doc = yaml.safe_load((data_dir() / "targets.yaml").read_text(encoding="utf-8"))
    checked = 0
    for raw in doc["targets"]:
        for band, table in raw["rcs"].items():
            defaults = table.get("defaults", {})
            for aspect in ("frontal", "beam", "rear"):
                merged = {**defaults, **table[aspect]}
                fig = cat.get(f"target.{raw['name']}.rcs.{band}.{aspect}")
                assert fig.nominal == parse_quantity(merged["value"], "rcs")
                low, high = merged.get("range", [merged["value"]] * 2)
                assert (fig.low, fig.high) == (
                    parse_quantity(low, "rcs"),
                    parse_quantity(high, "rcs"),
                )
                assert fig.note == str(merged.get("note", "")).strip()
                checked += 1
    assert checked == sum(3 * len(t.rcs) for t in cat.entries("target"))
