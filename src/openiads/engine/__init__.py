"""The engagement engine: one replication of a compiled World → an Outcome.

>>> from openiads.scenario import load_scenario, compile_world      # doctest: +SKIP
>>> from openiads.engine import simulate
>>> outcome = simulate(compile_world(load_scenario("scenarios/hormuz-2019.yaml")), seed=1)

Names are imported lazily so that ``openiads --help`` does not load NumPy and SciPy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openiads.engine.core import simulate
    from openiads.engine.summary import summarize

__all__ = ["simulate", "summarize"]


def __getattr__(name: str) -> Any:
    if name == "simulate":
        from openiads.engine.core import simulate

        return simulate
    if name == "summarize":
        from openiads.engine.summary import summarize

        return summarize
    raise AttributeError(name)
