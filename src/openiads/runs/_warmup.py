"""Warm-up of the local workers' fork server: importing this module runs one tiny engagement.

Local study workers are forked from a server process (``executors._mp_context``) that imports
the engine once. Importing this module there also loads, once, what every worker would
otherwise load on its first replication: the catalog, and the engine's, tracker's and threat
evaluation's compiled kernels (numba loads them from its on-disk cache on first call). The
forked workers inherit all of it. The server starts while the study process is still loading
the scenario (``executors.prestart_local_workers``), so this costs the study no wall time on
a multi-core machine. Nothing here can fail a study: any error is ignored (the workers then
load what they need themselves).
"""

from __future__ import annotations

#: One site, one hostile and one civil aircraft for three minutes: enough to exercise every
#: stage (scan, tracks, fusion, threat evaluation, intercept solve, launch, resolve).
SCENARIO = """
schema_version: 1
name: fork-server warm-up
epoch: 2020-01-01T00:00:00Z
duration: 3 min
seed: 1
sites:
  - id: site
    system: 3rd-Khordad
    position: {lat: 26.0, lon: 57.0, alt: 0 m}
    roe: weapons-free
defended_areas:
  - id: area
    circle: {center: {lat: 26.0, lon: 57.0}, radius: 20 km}
air:
  - id: hostile
    type: RQ-4A
    side: hostile
    route:
      - {lat: 26.0, lon: 57.6, alt: FL300, speed: 300 kt}
      - {lat: 26.0, lon: 56.9}
  - id: civil
    type: Boeing 777
    side: civil
    route:
      - {lat: 25.6, lon: 57.6, alt: FL350, speed: 450 kt}
      - {lat: 25.6, lon: 56.6}
"""


def warm_up() -> bool:
    """Run the tiny engagement once; True if it ran."""
    try:
        from openiads.engine import simulate
        from openiads.scenario import compile_world
        from openiads.scenario.load import load_scenario_text

        simulate(compile_world(load_scenario_text(SCENARIO, "<warm-up>")), 1)
    except Exception:  # pragma: no cover - a warm-up never fails a study
        return False
    return True


WARMED = warm_up()
