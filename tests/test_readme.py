"""The README's commands work as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text()


def _blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_two_setup_commands_and_ci_runs_the_readme_test_command() -> None:
    blocks = _blocks()
    install_run, install_test = blocks[0].strip(), blocks[1].strip()
    assert install_run == "pip install -e . && openiads run scenarios/hormuz-2019.yaml"
    assert install_test == 'pip install -e ".[test]" && pytest'
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -q -e ".[test]"' in ci
    assert re.search(r"^pytest$", ci, flags=re.M)


def test_readme_run_command_works_from_a_fresh_folder(tmp_path: Path) -> None:
    # The run command as a user types it, from another working directory.
    proc = run_cli("run", str(ROOT / "scenarios" / "hormuz-2019.yaml"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "killed" in proc.stdout
    assert (tmp_path / "runs" / "hormuz-2019-seed1" / "events.parquet").is_file()


def test_every_command_of_the_tour_exists() -> None:
    tour = _blocks()[2]
    commands = set()
    for line in tour.splitlines():
        words = shlex.split(line.split("#")[0].replace("\\", ""))
        if words and words[0] == "openiads" and len(words) > 1 and not words[1].startswith("-"):
            commands.add(
                tuple(
                    w for w in words[1:3] if not w.startswith("-") and "/" not in w and "." not in w
                )
            )
    assert commands
    for cmd in sorted(commands):
        proc = run_cli(*cmd, "--help")
        assert proc.returncode == 0, (cmd, proc.stderr)
