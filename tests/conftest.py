"""Shared fixtures: the repository root, running the real CLI, small scenarios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real ``openiads`` command (as ``python -m openiads.cli``)."""
    return subprocess.run(
        [sys.executable, "-m", "openiads.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def hormuz_text() -> str:
    return (SCENARIOS / "hormuz-2019.yaml").read_text()
