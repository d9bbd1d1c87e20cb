"""The engine's per-World tables: truth and scan geometry against independent computations,
block boundaries, and the process-wide registry's lifetime."""

from __future__ import annotations

import gc

import numpy as np
import pymap3d
import pytest

from conftest import SCENARIOS
from openiads.engine import simulate, tables
from openiads.physics import detection
from openiads.scenario import compile_world, load_scenario


@pytest.fixture(scope="module")
def hormuz():  # type: ignore[no-untyped-def]
    return compile_world(load_scenario(SCENARIOS / "hormuz-2019.yaml"))


def test_truth_matches_pymap3d_at_ticks_across_blocks(hormuz) -> None:  # type: ignore[no-untyped-def]
    tab = tables.WorldTables(hormuz, shared=False)
    n = len(hormuz.air.ids)
    for k in (0, 63, 64, 65, 700, 1499, 0):  # block edges; a block dropped and recomputed
        tr = tab.truth(k)
        lla, vel, airborne, finished = tables.route_state(
            hormuz, np.full(n, k * hormuz.tick_s), np.arange(n)
        )
        np.testing.assert_array_equal(tr.lla, lla)
        np.testing.assert_array_equal(tr.vel, vel)
        np.testing.assert_array_equal(tr.airborne, airborne)
        np.testing.assert_array_equal(tr.finished, finished)
        enu = np.stack(pymap3d.geodetic2enu(*lla.T, *hormuz.origin), axis=-1)
        np.testing.assert_allclose(tr.enu, enu, rtol=0, atol=1e-6)  # metres
        assert not tr.enu.flags.writeable  # shared rows cannot be changed by a run


def test_scan_geometry_matches_a_direct_computation(hormuz) -> None:  # type: ignore[no-untyped-def]
    rd = hormuz.radars
    tab = tables.WorldTables(hormuz, shared=False)
    seen_any = 0
    for k in (600, 900, 1200):
        geo = tab.scan(0, k, k * hormuz.tick_s)
        tr = tab.truth(k)
        for j in range(len(hormuz.air.ids)):
            radar = (rd.lat_deg[0], rd.lon_deg[0], rd.alt_m[0])
            _, _, slant = pymap3d.geodetic2aer(*tr.lla[j], *radar)
            if j not in geo.idx:
                continue
            seen_any += 1
            i = int(np.flatnonzero(geo.idx == j)[0])
            assert geo.slant_m[i] == pytest.approx(slant, abs=1e-3, rel=0)
            assert geo.slant_m[i] <= rd.instrumented_range_m[0]
            # Pd from the stored SNR with the radar's Pfa and Swerling case.
            p = detection.pd(geo.snr_db[i], rd.pfa[0], int(rd.swerling[0]))
            assert geo.pd[i] == pytest.approx(float(p), abs=1e-12, rel=0)
            # Range/azimuth/elevation handed to the tracker: along the scenario ENU axes.
            rel = tr.enu[j] - rd.enu_m[0]
            assert geo.aer[i, 0] == pytest.approx(np.linalg.norm(rel), abs=1e-6, rel=0)
    assert seen_any >= 3


def test_shared_tables_are_dropped_with_their_world() -> None:
    sc = load_scenario(SCENARIOS / "hormuz-2019.yaml")
    gc.collect()
    before = len(tables._SHARED)
    for seed in range(3):  # an uncertainty study compiles one World per replication
        world = compile_world(sc)
        simulate(world, seed, trajectory_dt_s=None)
        assert len(tables._SHARED) == before + 1
        del world
        gc.collect()
    assert len(tables._SHARED) == before


def test_two_runs_on_one_world_share_its_tables(hormuz) -> None:  # type: ignore[no-untyped-def]
    assert tables.table_cells(hormuz) <= tables.SHARED_CELLS
    assert tables.tables_for(hormuz) is tables.tables_for(hormuz)
    a = simulate(hormuz, 3, trajectory_dt_s=None)
    b = simulate(hormuz, 3, trajectory_dt_s=None)
    assert a.events.equals(b.events)
