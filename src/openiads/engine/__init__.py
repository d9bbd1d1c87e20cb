"""The engagement engine: one replication of a compiled World → an Outcome.

>>> from openiads.scenario import load_scenario, compile_world      # doctest: +SKIP
>>> from openiads.engine import simulate
>>> outcome = simulate(compile_world(load_scenario("scenarios/hormuz-2019.yaml")), seed=1)
"""

from openiads.engine.core import simulate
from openiads.engine.summary import summarize

__all__ = ["simulate", "summarize"]
