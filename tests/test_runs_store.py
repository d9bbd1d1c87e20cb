"""Seeds, sweep paths, batching and the DuckDB run store of openiads.runs (no engine needed)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from openiads.errors import InputError
from openiads.runs.executors import plan_batches
from openiads.runs.seeds import catalog_seed, engine_seed, replication_seed
from openiads.runs.store import SCHEMA_VERSION, TABLES, ReplicationResult, RunStore
from openiads.runs.sweep import apply_scenario_overrides, parse_sweep, point_label, sweep_points
from openiads.runs.worker import flatten_summary

# ------------------------------------------------------------------------------ seeds


def test_replication_seed_equals_spawned_child_whatever_the_count() -> None:
    for root in (0, 7, 2**40 + 3):
        children = np.random.SeedSequence(root).spawn(50)
        for i in (0, 1, 17, 49):
            mine = replication_seed(root, i).generate_state(4)
            assert mine.tolist() == children[i].generate_state(4).tolist()
            # engine and catalog streams are the replication's first two children
            kids = children[i].spawn(2)
            assert engine_seed(root, i).generate_state(2).tolist() == (
                kids[0].generate_state(2).tolist()
            )
            assert catalog_seed(root, i).generate_state(2).tolist() == (
                kids[1].generate_state(2).tolist()
            )


def test_streams_are_distinct() -> None:
    states = {tuple(engine_seed(7, i).generate_state(2)) for i in range(200)}
    states |= {tuple(catalog_seed(7, i).generate_state(2)) for i in range(200)}
    assert len(states) == 400
    with pytest.raises(ValueError, match="seed"):
        replication_seed(-1, 0)


# ------------------------------------------------------------------------------ sweeps


def test_parse_sweep_values_keep_units_and_types() -> None:
    s = parse_sweep("threats.f35.rcs_frontal=-40dBsm, -30 dBsm,-20dBsm")
    assert s.path == "threats.f35.rcs_frontal"
    assert s.values == ("-40dBsm", "-30 dBsm", "-20dBsm")
    n = parse_sweep("sites.s400.doctrine.salvo=1,2,4")
    assert n.values == (1, 2, 4)
    b = parse_sweep("sites.s400.doctrine.shoot_look_shoot=true,false")
    assert b.values == (True, False)
    c = parse_sweep("catalog.missile.48N6E3.max_range_m=200 km,250 km")
    assert c.is_catalog
    assert c.catalog_path == "missile.48N6E3.max_range_m"


@pytest.mark.parametrize(
    "text",
    ["threats.f35.rcs_frontal", "=1,2", "a..b=1", "threats.f35.rcs=1,,2", "x=1,1", "catalog=1"],
)
def test_parse_sweep_rejects_malformed(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_sweep(text)
    assert "--sweep" in str(err.value)


def test_sweep_points_full_factorial_last_fastest() -> None:
    a = parse_sweep("x.a=1,2")
    b = parse_sweep("y.b=p,q,r")
    pts = sweep_points([a, b])
    assert len(pts) == 6
    assert pts[0] == {"x.a": 1, "y.b": "p"}
    assert pts[1] == {"x.a": 1, "y.b": "q"}
    assert pts[3] == {"x.a": 2, "y.b": "p"}
    assert sweep_points([]) == [{}]
    assert point_label({"threats.f35.rcs_frontal": "-40dBsm"}) == "rcs_frontal=-40dBsm"
    with pytest.raises(InputError, match="twice"):
        sweep_points([a, a])


SCENARIO = """
schema_version: 1
name: t
epoch: 2020-01-01T00:00:00Z
duration: 10 min
sites:
  - id: s1
    system: S-400
    position: {lat: 26.0, lon: 57.0}
air:
  - id: f35
    type: F-35A
    route:
      - {lat: 25.0, lon: 57.0, alt: 10 km, speed: 250 m/s}
      - {lat: 26.0, lon: 57.0}
raids:
  - id: wave
    type: Tomahawk
    count: 4
    from: {lat: 24.0, lon: 57.0}
    to: {lat: 26.0, lon: 57.0}
    altitude: 30 m AGL
"""


def test_apply_overrides_by_id_and_schema_checked() -> None:
    data = yaml.safe_load(SCENARIO)
    new = apply_scenario_overrides(
        data,
        {
            "threats.f35.rcs_frontal": "-30 dBsm",
            "threats.wave.count": 8,
            "sites.s1.doctrine.salvo": 2,
            "air.f35.route.1.lat": 26.5,
            "duration": "20 min",
        },
    )
    assert new["air"][0]["rcs_frontal"] == "-30 dBsm"
    assert new["raids"][0]["count"] == 8
    assert new["sites"][0]["doctrine"] == {"salvo": 2}
    assert new["air"][0]["route"][1]["lat"] == 26.5
    assert new["duration"] == "20 min"
    assert "rcs_frontal" not in data["air"][0]  # the caller's mapping is untouched


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("threats.f36.rcs_frontal", "no air object or raid with id 'f36'"),
        ("threats.f35.rcs_front", "unknown field 'rcs_front'"),
        ("sites.s1.doctrine.salvos", "unknown field 'salvos'"),
        ("sites.s9.doctrine.salvo", "known: s1"),
        ("air.f35.route.7.lat", "beyond the list"),
        ("nonsense", "unknown field 'nonsense'"),
        ("threats.f35", "expected threats.<id>.<field>"),
    ],
)
def test_apply_overrides_bad_paths_name_the_problem(path: str, why: str) -> None:
    with pytest.raises(InputError) as err:
        apply_scenario_overrides(yaml.safe_load(SCENARIO), {path: 1})
    msg = str(err.value)
    assert why in msg
    assert path in msg


# ------------------------------------------------------------------------------ batches


@pytest.mark.parametrize(("n", "workers"), [(1, 1), (10, 2), (1000, 2), (1000, 8), (37, 3)])
def test_plan_batches_covers_every_task_once_large_first(n: int, workers: int) -> None:
    tasks = [(0, i) for i in range(n)]
    batches = plan_batches(tasks, workers)
    assert [t for b in batches for t in b] == tasks
    sizes = [len(b) for b in batches]
    assert max(sizes) <= 64
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-1] == 1 or n < 4 * workers


# ------------------------------------------------------------------------------ store


def _record(sid: str = "abc123") -> dict[str, object]:
    return {
        "study_id": sid,
        "name": "test",
        "scenario_file": "t.yaml",
        "scenario_text": SCENARIO,
        "scenario_sha256": "00",
        "seed": 7,
        "runs": 3,
        "package_version": "0",
        "catalog_version": "c",
        "sweep": [{"path": "x.a", "values": [1, 2]}],
        "uncertainty": "catalog",
        "keep": "events",
        "command": "openiads study t.yaml",
    }


def _result(point: int, rep: int, *, n_events: int = 3) -> ReplicationResult:
    summary = {
        "leakers": rep % 2,
        "kills": 1,
        "interceptors_spent_by_fire_unit": {"s1": rep + 1},
        "magazine_empty_s": {"s1": None if rep else 120.5},
        "first_detection_range_m": {"f35": 9.5e4, "t1": None},
        "object_types": {"f35": "F-35A", "t1": "Tomahawk"},
        "objects": [{"id": "f35"}],
        "scenario": "t",
    }
    events = pa.table(
        {
            "t": pa.array([float(i) for i in range(n_events)], pa.float64()),
            "kind": pa.array(["detect"] * n_events),
            "actor": pa.array(["s1"] * n_events),
            "target": pa.array(["f35"] * n_events),
            "details": pa.array([json.dumps({"range_m": 1.0 * i}) for i in range(n_events)]),
        }
    )
    return ReplicationResult(
        point=point,
        rep=rep,
        status="done",
        duration_s=0.01,
        worker="w",
        summary=summary,
        stats=flatten_summary(summary),
        events=events,
        draws={"missile.x.max_range_m": 1000.0 + rep, "radar.y.ref_range_m": 5.0},
    )


def test_flatten_summary_long_rows() -> None:
    rows = flatten_summary(_result(0, 1).summary)
    assert ("leakers", "", "", 1.0) in rows
    assert ("interceptors_spent_by_fire_unit", "s1", "", 2.0) in rows
    assert ("first_detection_range_m", "f35", "F-35A", 9.5e4) in rows
    t1 = [r for r in rows if r[:2] == ("first_detection_range_m", "t1")]
    assert t1[0][2] == "Tomahawk"
    assert math.isnan(t1[0][3])
    assert not [r for r in rows if r[0] in ("objects", "scenario", "object_types")]
    flags = flatten_summary({"ran_dry": True, "leaked": {"f35": False}})
    assert flags == [("leaked", "f35", "", 0.0), ("ran_dry", "", "", 1.0)]


def test_store_round_trip_is_transactional_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with RunStore(path) as store:
        assert store.register_study(_record(), [{"x.a": 1}, {"x.a": 2}])
        assert not store.register_study({**_record(), "runs": 5}, [{"x.a": 1}, {"x.a": 2}])
        assert store.write_batch("abc123", [_result(0, 0), _result(1, 0), _result(0, 1)]) == 3
        # a retried batch (e.g. after a crash between compute and commit) adds nothing
        assert store.write_batch("abc123", [_result(0, 1), _result(1, 1)]) == 1
        assert store.finished("abc123") == {(0, 0), (1, 0), (0, 1), (1, 1)}
        # a failure after some rows went in (here: the last table) rolls the batch back
        real_insert = store._insert

        def failing_insert(table: str, data: pa.Table, select: str = "*") -> None:
            if table == "events":
                raise OSError("disk full")
            real_insert(table, data, select)

        store._insert = failing_insert  # type: ignore[method-assign]
        with pytest.raises(OSError, match="disk full"):
            store.write_batch("abc123", [_result(1, 2), _result(0, 2)])
        store._insert = real_insert  # type: ignore[method-assign]
        assert (1, 2) not in store.finished("abc123")
        n_stats = store.one("SELECT count(*) FROM stats WHERE rep = 2")
        assert n_stats == (0,)
    with RunStore(path, read_only=True) as store:
        (s,) = store.studies()
        assert s["study_id"] == "abc123"
        assert s["runs"] == 5
        assert s["done"] == 4
        assert s["points"] == 2
        rec = store.study(store.resolve_study("abc"))
        assert rec["scenario_text"] == SCENARIO
        assert rec["sweep"] == [{"path": "x.a", "values": [1, 2]}]
        assert [p["params"] for p in store.points("abc123")] == [{"x.a": 1}, {"x.a": 2}]
        reps = store.replications("abc123")
        assert reps.num_rows == 4
        assert json.loads(reps["summary"][0].as_py())["leakers"] == 0
        ev = store.events("abc123", point=0, rep=1)
        assert ev["seq"].to_pylist() == [0, 1, 2]
        assert ev["details"].to_pylist() == _result(0, 1).events["details"].to_pylist()  # type: ignore[index]
        st = store.stats("abc123", metric="magazine_empty_s")
        keys = zip(st["point"].to_pylist(), st["rep"].to_pylist(), strict=True)
        vals = dict(zip(keys, st["value"].to_pylist(), strict=True))
        assert vals[(0, 0)] == 120.5
        assert vals[(0, 1)] is None
        one = store.replications("abc123", point=0, rep=1)
        assert one["rep"].to_pylist() == [1] and one["point"].to_pylist() == [0]
        one_st = store.stats("abc123", point=0, rep=1, metric="magazine_empty_s")
        assert one_st.num_rows == 1 and one_st["value"].to_pylist() == [None]
        dr = store.draws("abc123", point=0)
        assert dr.num_rows == 4
        files = store.export_parquet(tmp_path / "pq", "abc123")
    assert sorted(f.stem for f in files) == sorted(TABLES)
    back = pq.read_table(tmp_path / "pq" / "events.parquet")
    assert back.num_rows == 4 * 3
    assert pq.read_table(tmp_path / "pq" / "replications.parquet").num_rows == 4


def test_store_errors_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such run store"):
        RunStore(tmp_path / "missing.duckdb", read_only=True)
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database")
    with pytest.raises(InputError):
        RunStore(junk, read_only=True)
    path = tmp_path / "s.duckdb"
    RunStore(path).close()
    with RunStore(path, read_only=True) as store:
        with pytest.raises(InputError, match="no study"):
            store.resolve_study()
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(InputError, match=f"reads {SCHEMA_VERSION}"):
        RunStore(path, read_only=True)


def test_study_statistics_from_known_rows(tmp_path: Path) -> None:
    from openiads.runs.report import public, study_statistics, write_plots
    from openiads.runs.stats import mean_interval, wilson_interval

    path = tmp_path / "s.duckdb"
    with RunStore(path) as store:
        store.register_study(_record(), [{"x.a": 1}, {"x.a": 2}])
        empty = study_statistics(store, "abc123")
        assert [p["done"] for p in empty["points"]] == [0, 0]
        store.write_batch("abc123", [_result(0, r) for r in range(4)])
        stats = study_statistics(store, "abc123")
    p0, p1 = stats["points"]
    assert p1["done"] == 0
    # leakers = rep % 2 → [0, 1, 0, 1]
    mi = mean_interval([0, 1, 0, 1])
    assert p0["leakers"]["mean"] == pytest.approx(0.5, abs=1e-12)
    assert p0["leakers"]["high"] == pytest.approx(mi.high, abs=1e-12)
    assert p0["leakers"]["low"] == 0.0  # raised from a negative t bound
    lo, hi = wilson_interval(2, 4)
    assert p0["p_no_leak"] == {"p": 0.5, "low": float(lo), "high": float(hi), "k": 2, "n": 4}
    # spent per fire unit = rep + 1 → mean 2.5; the total is the same single unit
    assert p0["interceptors_spent"]["s1"]["mean"] == pytest.approx(2.5, abs=1e-12)
    assert p0["interceptors_spent_total"]["mean"] == pytest.approx(2.5, abs=1e-12)
    # magazine empties only in rep 0, at 120.5 s
    mag = p0["magazine_empty"]["s1"]
    assert (mag["p_empty"]["k"], mag["p_empty"]["n"]) == (1, 4)
    assert mag["time_s"]["mean"] == pytest.approx(120.5, abs=1e-9)
    det = p0["first_detection"]
    assert det["F-35A"]["p_detected"]["k"] == 4
    assert det["F-35A"]["range_m"]["mean"] == pytest.approx(9.5e4, abs=1e-6)
    assert det["Tomahawk"]["p_detected"]["k"] == 0
    # draws: one figure varies with rep (and with nothing else), one is constant
    (sens_leak, sens_spent) = stats["sensitivity"]
    assert (sens_leak["outcome"], sens_spent["outcome"]) == ("leakers", "interceptors_spent_total")
    # leakers alternate 0, 1, 0, 1 while the range draw rises: ρ of ranks = 0.4472
    leak = {f["path"]: f["rho"] for f in sens_leak["figures"]}
    assert leak["missile.x.max_range_m"] == pytest.approx(0.4472136, abs=1e-6)
    spent = {f["path"]: f["rho"] for f in sens_spent["figures"]}
    assert spent["missile.x.max_range_m"] == pytest.approx(1.0, abs=1e-12)
    assert math.isnan(spent["radar.y.ref_range_m"])
    json.dumps(public(stats), allow_nan=False)  # JSON-ready, no NaN
    files = write_plots(stats, tmp_path / "plots", formats=("png",))
    assert {f.name.split("-", 1)[1] for f in files} >= {"leakers.png", "expenditure.png"}
