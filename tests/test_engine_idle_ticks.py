"""Skipping idle ticks changes nothing: the event table equals a tick-by-tick run."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SCENARIOS
from openiads.c2 import time_to_defended_areas, time_to_enter_polygons
from openiads.engine.core import _Simulation
from openiads.scenario import compile_world, load_scenario
from openiads.scenario.compile import Areas


@pytest.mark.parametrize("name", ["hormuz-2019.yaml", "s400-gulf.yaml"])
def test_idle_tick_skipping_gives_identical_events(name: str) -> None:
    world = compile_world(load_scenario(SCENARIOS / name))
    tables = []
    for skip in (False, True):
        sim = _Simulation(world, 4, None)
        sim.skip_idle = skip
        tables.append(sim.run().events)
    assert tables[0].num_rows > 10
    assert tables[0].equals(tables[1])


def test_time_to_enter_polygon_and_circle() -> None:
    square = np.array([[0.0, 0.0], [1000.0, 0.0], [1000.0, 1000.0], [0.0, 1000.0]])
    areas = Areas(
        ids=["sq", "c"],
        polygons_enu=[square, None],
        centers_enu=np.array([[500.0, 500.0], [10_000.0, 0.0]]),
        radii_m=np.array([707.1, 1000.0]),
        geo=[],
    )
    pos = np.array(
        [
            [-2000.0, 500.0, 0.0],  # heading east into the square: 2000 m at 100 m/s
            [500.0, 500.0, 0.0],  # inside already
            [-2000.0, 5000.0, 0.0],  # passes north of the square, then nothing
            [5000.0, 0.0, 0.0],  # heading east into the circle: 4000 m at 100 m/s
        ]
    )
    vel = np.array([[100.0, 0, 0], [100.0, 0, 0], [100.0, 0, 0], [100.0, 0, 0]])
    t = time_to_enter_polygons(areas, pos, vel)
    assert t[0] == pytest.approx(20.0, abs=1e-9, rel=0)
    assert t[1] == 0.0
    assert t[2] == np.inf
    assert t[3] == pytest.approx(40.0, abs=1e-9, rel=0)
    # The circumscribing circle (centre x = 500 m, radius 707.1 m) is entered at
    # x = -207.1 m, 1792.9 m flown: a lower bound for the polygon's 2000 m.
    tgo, inside = time_to_defended_areas(areas, pos, vel, with_inside=True)
    assert tgo[0] == pytest.approx((2000.0 + 500.0 - 707.1) / 100.0, abs=1e-9, rel=0)
    assert tgo[0] <= t[0]
    assert list(inside) == [False, True, False, False]
    assert tgo[3] == pytest.approx(40.0, abs=1e-9, rel=0)


def test_reloads_follow_empty_launchers_and_survive_idle_skipping() -> None:
    """A site with reserve rounds reloads a missile type ``reload_time`` after its last
    ready round of that type is committed, with min(reserve, capacity) rounds; skipping idle
    ticks leaves the reloads (and everything else) unchanged."""
    import json

    from openiads.scenario.load import load_scenario_text

    text = (SCENARIOS / "s400-gulf.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    roe: weapons-tight\n",
        "    roe: weapons-tight\n    reserve: {48N6E3: 8, 40N6E: 4}\n",
        1,
    )
    world = compile_world(load_scenario_text(text))
    world.fire_units.reload_time_s[:] = 300.0  # the catalog's 1 h lies beyond the 40 min run
    names = world.missiles.names
    tables = []
    for skip in (False, True):
        sim = _Simulation(world, 4, None)
        sim.skip_idle = skip
        tables.append(sim.run().events)
    assert tables[0].equals(tables[1])
    rows = tables[1].to_pylist()
    reloads = [r for r in rows if r["kind"] == "reload"]
    assert reloads, "the raid should empty at least one missile type"
    for r in reloads:
        d = json.loads(r["details"])
        m = names.index(d["missile"])
        ready0 = int(world.fire_units.ready[0, m])
        # the engagement that committed the last ready round of this type
        spent, t_empty = 0, None
        for e in rows:
            if e["kind"] == "engage" and json.loads(e["details"])["missile"] == d["missile"]:
                spent += json.loads(e["details"])["salvo"]
                if spent >= ready0:
                    t_empty = e["t"]
                    break
        assert t_empty is not None
        assert r["t"] == pytest.approx(t_empty + 300.0, abs=world.tick_s, rel=0)
        cap = int(world.fire_units.capacity[0, m])
        assert d["rounds"] == min(int(world.fire_units.reserve[0, m]), cap)
