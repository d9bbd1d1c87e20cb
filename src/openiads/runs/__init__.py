"""Monte Carlo studies: seeds, sweeps, catalog uncertainty, executors, the run store, reports.

Example (not run as a doctest)::

    from openiads.runs import RunStore, StudyRequest, run_study
    from openiads.runs.replay import replay

    res = run_study(StudyRequest("scenarios/hormuz-2019.yaml", out="h.duckdb", runs=100))
    with RunStore("h.duckdb", read_only=True) as store:
        stats = store.stats(res.study_id)
    outcome = replay("h.duckdb", res.study_id, replication=3)

Import ``replay`` from :mod:`openiads.runs.replay` (the module of the same name would shadow
it here). See docs/studies.md.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "RunStore",
    "StudyRequest",
    "StudyResult",
    "run_study",
    "study_statistics",
]


def __getattr__(name: str) -> Any:
    # Lazy: ``import openiads.runs`` stays light for the CLI.
    if name == "RunStore":
        from openiads.runs.store import RunStore

        return RunStore
    if name in ("StudyRequest", "StudyResult", "run_study"):
        from openiads.runs import study

        return getattr(study, name)
    if name == "study_statistics":
        from openiads.runs.report import study_statistics

        return study_statistics
    raise AttributeError(name)
