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
    """Paths of the sampled catalog figures that change ``compile_world(scenario, catalog)``.

    Figures are first moved together per catalog entry (``kind.name``): an entry whose figures
    all leave the World unchanged is skipped whole, the others are tested figure by figure.
    """
    from openiads.scenario import compile_world

    def world_bytes(overrides: dict[str, float]) -> bytes:
        cat = catalog.with_overrides(overrides) if overrides else catalog
        return pickle.dumps(compile_world(scenario, cat), protocol=pickle.HIGHEST_PROTOCOL)

    base = world_bytes({})
    by_entry: dict[str, dict[str, float]] = {}
    for path, fig in catalog.figures():
        if fig.sampled:
            moved = fig.high if fig.high != fig.nominal else fig.low
            by_entry.setdefault(".".join(path.split(".")[:2]), {})[path] = moved

    def changes(overrides: dict[str, float]) -> bool:
        try:
            return world_bytes(overrides) != base
        except Exception:  # a combination the compiler rejects: it certainly reaches it
            return True

    out: list[str] = []
    for _entry, moves in sorted(by_entry.items()):
        if not changes(moves):
            continue
        out += [p for p, v in moves.items() if changes({p: v})]
    return sorted(out)
