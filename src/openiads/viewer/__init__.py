"""See a run: the self-contained HTML replay and the read-only study server.

``write_report(outcome, path) -> Path`` writes the replay of one
:class:`~openiads.outcome.Outcome` (see :mod:`openiads.viewer.report`); ``create_app(store)``
builds the FastAPI server over a run store (see :mod:`openiads.viewer.server`). Both are
imported lazily so ``import openiads.viewer`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["render_report", "write_report"]


def __getattr__(name: str) -> Any:
    if name in ("write_report", "render_report", "build_replay_data"):
        from openiads.viewer import report

        return getattr(report, name)
    raise AttributeError(f"module 'openiads.viewer' has no attribute {name!r}")
