"""Which catalog figures can influence a scenario at all.

The catalog holds hundreds of figures with ranges, most of them for systems and targets a given
scenario does not contain. Ranking all of them against an outcome invites spurious
correlations (with 40 replications, |ρ| ≈ 0.3 happens by chance), so an uncertainty study
records and ranks only the figures that reach the compiled World: the engine reads nothing
else, so a figure that leaves the World unchanged cannot change any replication.

The test is exact and cheap: compile the World with the figure moved to the end of its range
and compare the pickled arrays with the nominal World (a few milliseconds per figure).
"""

from __future__ import annotations

import pickle
from typing import Any


def relevant_figures(scenario: Any, catalog: Any) -> list[str]:
    """Paths of the sampled catalog figures that change ``compile_world(scenario, catalog)``."""
    from openiads.scenario import compile_world

    base = pickle.dumps(compile_world(scenario, catalog), protocol=pickle.HIGHEST_PROTOCOL)
    out: list[str] = []
    for path, fig in catalog.figures():
        if not fig.sampled:
            continue
        value = fig.high if fig.high != fig.nominal else fig.low
        moved = compile_world(scenario, catalog.with_overrides({path: value}))
        if pickle.dumps(moved, protocol=pickle.HIGHEST_PROTOCOL) != base:
            out.append(path)
    return out
