"""Studies with the real engine: closed forms, determinism across executors, resume after a
SIGKILL, Ctrl-C, sweeps, catalog uncertainty, replay, report, and bad input at the CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from openiads.runs import report as rep
from openiads.runs.replay import replay
from openiads.runs.seeds import catalog_seed
from openiads.runs.stats import mean_interval, wilson_interval
from openiads.runs.store import RunStore
from openiads.runs.study import StudyRequest, run_study

ROOT = Path(__file__).resolve().parents[1]

# One S-400 fire unit, one RQ-4A flying straight at it; a defended circle around the site.
# With a fixed single-shot Pk this reduces to the closed forms of physics.md §6.
CLOSED_FORM = """\
schema_version: 1
name: closed-form check (physics.md 6)
epoch: 2020-01-01T00:00:00Z
duration: 6 min
tick: 2 s
seed: 3
sites:
  - id: sam
    system: S-400
    position: {lat: 27.0, lon: 56.0, alt: 10 m}
    doctrine: {salvo: 1, shoot_look_shoot: true, max_salvos: 2, pk: 0.7}
    roe: weapons-free
defended_areas:
  - id: base
    circle: {center: {lat: 27.0, lon: 56.0}, radius: 20 km}
air:
  - id: drone
    type: RQ-4A
    side: hostile
    route:
      - {lat: 26.5, lon: 56.0, alt: FL450, speed: 310 kt}
      - {lat: 27.0, lon: 56.0}
"""

RUNS = 24
SEED = 5


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scen") / "closed-form.yaml"
    path.write_text(CLOSED_FORM)
    return path


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openiads.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def _dump(path: Path) -> dict[str, Any]:
    """Everything a study stored that must not depend on how it was run."""
    with RunStore(path, read_only=True) as store:
        sid = store.resolve_study()
        reps = store.replications(sid)
        ev = store.events(sid)
        rows = {
            (p, r): (s, summ)
            for p, r, s, summ in zip(
                reps["point"].to_pylist(),
                reps["rep"].to_pylist(),
                reps["status"].to_pylist(),
                reps["summary"].to_pylist(),
                strict=True,
            )
        }
        events: dict[tuple[int, int], bytes] = {}
        for key in rows:
            mask = np.flatnonzero(
                (ev["point"].to_numpy() == key[0]) & (ev["rep"].to_numpy() == key[1])
            )
            table = ev.take(pa.array(mask)).select(["t", "kind", "actor", "target", "details"])
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as w:
                w.write_table(table)
            events[key] = sink.getvalue().to_pybytes()
        stats = store.stats(sid).to_pylist()
        draws = store.draws(sid).to_pylist()
    return {"study_id": sid, "rows": rows, "events": events, "stats": stats, "draws": draws}


@pytest.fixture(scope="module")
def reference(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted study, one worker, events kept."""
    out = tmp_path_factory.mktemp("ref") / "ref.duckdb"
    res = run_study(
        StudyRequest(scenario, out, runs=RUNS, seed=SEED, keep=["events"], workers=1),
        progress=False,
    )
    assert res.complete
    assert res.failed == 0
    return out


# ----------------------------------------------------------------- closed forms (§6)


@pytest.mark.slow
def test_physics_6_salvo_of_two_and_shoot_look_shoot_as_a_study(
    scenario: Path, tmp_path: Path
) -> None:
    """p = 0.7: salvo of 2 → P_k 0.91, 2 shots; shoot-look-shoot (≤ 2) → P_k 0.91, E = 1.30."""
    salvo = "{salvo: 2, shoot_look_shoot: false, max_salvos: 1, pk: 0.7}"
    sls = "{salvo: 1, shoot_look_shoot: true, max_salvos: 2, pk: 0.7}"
    out = tmp_path / "cf.duckdb"
    res = run_study(
        StudyRequest(
            scenario,
            out,
            runs=200,
            seed=11,
            sweeps=[f"sites.sam.doctrine={salvo},{sls}"],
            workers=2,
        ),
        progress=False,
    )
    assert res.complete
    assert res.failed == 0
    with RunStore(out, read_only=True) as store:
        stats = rep.study_statistics(store, res.study_id)
        kills = {p: store.stats(res.study_id, point=p, metric="kills") for p in (0, 1)}
    p_salvo, p_sls = stats["points"]
    for point in (0, 1):
        k = np.asarray(kills[point]["value"].to_pylist(), dtype=float)
        assert k.size == 200
        lo, hi = wilson_interval(int(k.sum()), k.size)
        assert float(lo) <= 1 - 0.3**2 <= float(hi), (point, k.mean())
        # what the report prints is the same estimate
        assert stats["points"][point]["kills"]["mean"] == pytest.approx(k.mean(), abs=1e-12)
    # salvo of two: always exactly two rounds
    assert p_salvo["interceptors_spent_total"]["mean"] == pytest.approx(2.0, abs=1e-12)
    assert p_salvo["interceptors_spent_total"]["std"] == pytest.approx(0.0, abs=1e-12)
    # shoot-look-shoot: E[shots] = 1 + (1 - p) = 1.30 inside the t interval
    spent = p_sls["interceptors_spent_total"]
    assert spent["low"] <= 1.30 <= spent["high"]
    # and a target that is not killed leaks: P(no leak) is the kill probability
    assert p_sls["p_no_leak"]["low"] <= 0.91 <= p_sls["p_no_leak"]["high"]


# ----------------------------------------------------------------- determinism


@pytest.mark.slow
def test_event_tables_identical_for_one_two_workers_and_dask(
    scenario: Path, reference: Path, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    ref = _dump(reference)
    two = tmp_path / "two.duckdb"
    run_study(
        StudyRequest(scenario, two, runs=RUNS, seed=SEED, keep=["events"], workers=2),
        progress=False,
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dask_store = tmp_path / "dask.duckdb"
        res = run_study(
            StudyRequest(
                scenario,
                dask_store,
                runs=RUNS,
                seed=SEED,
                keep=["events"],
                cluster=cluster.scheduler_address,
            ),
            progress=False,
        )
        assert "Dask" in res.executor
    assert len(ref["rows"]) == RUNS
    assert len({e for e in ref["events"].values()}) > 1  # replications do differ
    for other in (_dump(two), _dump(dask_store)):
        assert other["study_id"] == ref["study_id"]
        assert other["rows"] == ref["rows"]
        assert other["stats"] == ref["stats"]
        for key, blob in ref["events"].items():
            assert other["events"][key] == blob, key


# ----------------------------------------------------------------- interruption


def _start_and_stop_after_first_commit(args: list[str], sig: int) -> tuple[int, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "openiads.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = ""
    for line in proc.stderr:
        seen += line
        if "replications stored" in line:
            proc.send_signal(sig)
            break
    rest = proc.communicate(timeout=300)[1]
    return proc.returncode, seen + rest


@pytest.mark.slow
def test_sigkill_mid_study_then_rerun_equals_uninterrupted(
    scenario: Path, reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "killed.duckdb"
    args = ["study", str(scenario), "--runs", str(RUNS), "--seed", str(SEED)]
    args += ["--keep", "events", "--workers", "1", "--out", str(out)]
    code, err = _start_and_stop_after_first_commit(args, signal.SIGKILL)
    assert code == -signal.SIGKILL, err
    partial = _dump(out)
    assert 0 < len(partial["rows"]) < RUNS
    ref = _dump(reference)
    for key, row in partial["rows"].items():  # what survived is complete and correct
        assert row == ref["rows"][key]
        assert partial["events"][key] == ref["events"][key]
    again = _cli(*args)
    assert again.returncode == 0, again.stderr
    assert f"{RUNS}/{RUNS} replications stored ({RUNS - len(partial['rows'])} new)" in again.stdout
    assert _dump(out) == ref


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_keeps_what_is_done_and_resumes(
    scenario: Path, reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "interrupted.duckdb"
    args = ["study", str(scenario), "--runs", str(RUNS), "--seed", str(SEED)]
    args += ["--keep", "events", "--workers", "2", "--out", str(out)]
    code, err = _start_and_stop_after_first_commit(args, signal.SIGINT)
    assert code == 130, err
    assert "interrupted" in err
    assert "run the same command again" in err
    assert "Traceback" not in err
    partial = _dump(out)
    assert 0 < len(partial["rows"]) <= RUNS
    again = _cli(*args)
    assert again.returncode == 0, again.stderr
    assert _dump(out) == _dump(reference)
    # nothing left to do: a third run stores nothing new
    third = _cli(*args)
    assert third.returncode == 0
    assert "(0 new)" in third.stdout


@pytest.mark.slow
def test_a_worker_killed_mid_study_is_one_line_and_the_rerun_completes(
    scenario: Path, reference: Path, tmp_path: Path
) -> None:
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "worker-killed.duckdb"
    args = ["study", str(scenario), "--runs", str(RUNS), "--seed", str(SEED)]
    args += ["--keep", "events", "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "openiads.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    killed = False
    for line in proc.stderr:
        if "replications stored" in line:
            # the pool workers are grandchildren (via the fork server); kill one
            servers = [
                c
                for c in psutil.Process(proc.pid).children()
                if "forkserver" in " ".join(c.cmdline())
            ]
            workers = [w for server in servers for w in server.children()]
            assert workers
            workers[-1].send_signal(signal.SIGKILL)
            killed = True
            break
    assert killed
    _, err = proc.communicate(timeout=300)
    if proc.returncode == 0:
        pytest.skip("the study finished before the worker was killed")
    assert proc.returncode == 1, err
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    assert "run the same command again" in lines[0]
    assert "Traceback" not in err
    again = _cli(*args)
    assert again.returncode == 0, again.stderr
    assert _dump(out) == _dump(reference)


@pytest.mark.slow
def test_ctrl_c_on_a_dask_cluster_keeps_what_is_done_and_resumes(
    scenario: Path, reference: Path, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask-interrupted.duckdb"
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        args = ["study", str(scenario), "--runs", str(RUNS), "--seed", str(SEED)]
        args += ["--keep", "events", "--cluster", cluster.scheduler_address, "--out", str(out)]
        code, err = _start_and_stop_after_first_commit(args, signal.SIGINT)
        assert code == 130, err
        assert "Traceback" not in err
        assert 0 < len(_dump(out)["rows"]) <= RUNS
        again = _cli(*args)
        assert again.returncode == 0, again.stderr
    assert _dump(out) == _dump(reference)


# ----------------------------------------------------------------- replay, report, store


def test_replay_reproduces_stored_events(reference: Path) -> None:
    with RunStore(reference, read_only=True) as store:
        sid = store.resolve_study()
        stored = store.events(sid, point=0, rep=7)
    outcome = replay(reference, sid[:6], 7)
    assert outcome.events.select(["t", "kind", "actor", "target", "details"]).equals(
        stored.select(["t", "kind", "actor", "target", "details"])
    )
    assert outcome.trajectories.num_rows > 0
    assert outcome.manifest["replication"] == 7
    from openiads.errors import InputError

    with pytest.raises(InputError, match=r"replications 0\.\.23"):
        replay(reference, sid, RUNS)


def test_report_tables_json_plots_and_parquet(reference: Path, tmp_path: Path) -> None:
    res = _cli(
        "report",
        str(reference),
        "--out-dir",
        str(tmp_path / "plots"),
        "--parquet",
        str(tmp_path / "pq"),
    )
    assert res.returncode == 0, res.stderr
    assert "P(no leak)" in res.stdout
    assert "First detection per target type" in res.stdout
    assert "RQ-4A" in res.stdout
    pngs = sorted(p.name for p in (tmp_path / "plots").glob("*.png"))
    svgs = sorted(p.name for p in (tmp_path / "plots").glob("*.svg"))
    assert any(n.endswith("-leakers.png") for n in pngs)
    assert any(n.endswith("-expenditure.png") for n in pngs)
    assert len(svgs) == len(pngs)
    assert (tmp_path / "plots" / pngs[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "pq" / "events.parquet").is_file()
    js = _cli("report", str(reference), "--json", "--no-plots")
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    (point,) = data["statistics"]["points"]
    assert point["done"] == RUNS
    with RunStore(reference, read_only=True) as store:
        leak = np.asarray(
            store.stats(store.resolve_study(), metric="leakers")["value"].to_pylist(), float
        )
    mi = mean_interval(leak)
    assert point["leakers"]["mean"] == pytest.approx(mi.mean, abs=1e-12)
    assert point["leakers"]["high"] == pytest.approx(mi.high, abs=1e-12)
    k = int(np.count_nonzero(leak == 0))
    lo, hi = wilson_interval(k, leak.size)
    assert point["p_no_leak"]["low"] == pytest.approx(float(lo), abs=1e-12)
    assert point["p_no_leak"]["high"] == pytest.approx(float(hi), abs=1e-12)
    det = point["first_detection"]["RQ-4A"]
    assert det["p_detected"]["n"] == RUNS
    assert det["range_m"]["mean"] > 10_000.0
    units = point["interceptors_spent"]
    assert set(units) == {"sam"}


def test_resume_extends_runs_and_same_command_finds_same_study(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "grow.duckdb"
    first = run_study(StudyRequest(scenario, out, runs=3, seed=SEED, workers=1), progress=False)
    second = run_study(StudyRequest(scenario, out, runs=5, seed=SEED, workers=1), progress=False)
    assert first.study_id == second.study_id
    assert (second.stored_before, second.stored_now) == (3, 2)
    other = run_study(StudyRequest(scenario, out, runs=2, seed=SEED + 1, workers=1), progress=False)
    assert other.study_id != first.study_id
    with RunStore(out, read_only=True) as store:
        assert [s["done"] for s in store.studies()] == [5, 2]


def test_a_failing_replication_is_stored_as_failed_reported_and_not_retried(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openiads.engine

    real = openiads.engine.simulate
    calls: list[int] = []

    def flaky(world: Any, seed: Any, **kw: Any) -> Any:
        rep = int(seed.spawn_key[0])
        calls.append(rep)
        if rep == 1:
            raise FloatingPointError("overflow in a made-up corner case")
        return real(world, seed, **kw)

    monkeypatch.setattr(openiads.engine, "simulate", flaky)
    out = tmp_path / "fail.duckdb"
    res = run_study(StudyRequest(scenario, out, runs=3, seed=SEED, workers=1), progress=False)
    assert (res.stored, res.failed) == (3, 1)
    again = run_study(StudyRequest(scenario, out, runs=3, seed=SEED, workers=1), progress=False)
    assert again.stored_now == 0  # a failure is deterministic: not retried
    assert sorted(calls) == [0, 1, 2]
    with RunStore(out, read_only=True) as store:
        stats = rep.study_statistics(store, res.study_id)
    (point,) = stats["points"]
    assert (point["done"], point["failed"]) == (2, 1)
    assert point["errors"] == ["FloatingPointError: overflow in a made-up corner case"]
    assert point["leakers"]["n"] == 2


# ----------------------------------------------------------------- sweeps and uncertainty


@pytest.mark.slow
def test_sweep_over_rcs_and_salvo_full_factorial_with_sweep_plots(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sweep.duckdb"
    res = _cli(
        "study",
        str(scenario),
        "--runs",
        "4",
        "--seed",
        "2",
        "--workers",
        "2",
        "--out",
        str(out),
        "--sweep",
        "threats.drone.rcs_frontal=-40dBsm,10dBsm",
        "--sweep",
        "sites.sam.doctrine.salvo=1,2",
        "--quiet",
    )
    assert res.returncode == 0, res.stderr
    with RunStore(out, read_only=True) as store:
        sid = store.resolve_study()
        points = store.points(sid)
        assert [p["params"] for p in points] == [
            {"threats.drone.rcs_frontal": "-40dBsm", "sites.sam.doctrine.salvo": 1},
            {"threats.drone.rcs_frontal": "-40dBsm", "sites.sam.doctrine.salvo": 2},
            {"threats.drone.rcs_frontal": "10dBsm", "sites.sam.doctrine.salvo": 1},
            {"threats.drone.rcs_frontal": "10dBsm", "sites.sam.doctrine.salvo": 2},
        ]
        stats = rep.study_statistics(store, sid)
        ranges = {}
        for b in stats["points"]:
            ranges[b["label"]] = b["first_detection"]["RQ-4A"]["range_m"]["mean"]
    # 50 dB more RCS is seen farther (σ^(1/4) law: ≥ 10× in range, capped by the geometry)
    small = ranges["rcs_frontal=-40dBsm, salvo=1"]
    big = ranges["rcs_frontal=10dBsm, salvo=1"]
    assert not np.isfinite(small) or big > small
    files = rep.write_plots(stats, tmp_path / "plots", formats=("png",))
    names = {f.name for f in files}
    assert any("-sweep-0" in n for n in names)
    assert any("-sweep-1" in n for n in names)


@pytest.mark.slow
def test_catalog_uncertainty_draws_are_recorded_reproducible_and_ranked(
    scenario: Path, tmp_path: Path
) -> None:
    from openiads.catalog import load_catalog
    from openiads.runs.uncertainty import relevant_figures
    from openiads.scenario import load_scenario

    out = tmp_path / "unc.duckdb"
    res = run_study(
        StudyRequest(scenario, out, runs=16, seed=4, uncertainty="catalog", workers=2),
        progress=False,
    )
    assert res.complete
    with RunStore(out, read_only=True) as store:
        draws = store.draws(res.study_id, point=0).to_pylist()
        stats = rep.study_statistics(store, res.study_id)
    by_rep: dict[int, dict[str, float]] = {}
    for d in draws:
        by_rep.setdefault(d["rep"], {})[d["path"]] = d["value"]
    assert sorted(by_rep) == list(range(16))
    # replication 9's figures are exactly the catalog's draw from its own stream, kept for
    # the figures that reach this scenario's World (the S-400 and the RQ-4A, not an F-22A)
    _, drawn = load_catalog().sample(np.random.default_rng(catalog_seed(4, 9)))
    relevant = relevant_figures(load_scenario(scenario), load_catalog())
    expect = {k: v for k, v in drawn.items() if k in relevant}
    assert by_rep[9] == pytest.approx(expect, rel=0, abs=0)
    assert len(expect) > 5
    assert any(k.startswith("missile.48N6E3.") for k in expect)
    assert any(k.startswith("target.RQ-4A.") for k in expect)
    assert not any(k.startswith(("target.F-22A.", "missile.Taer-2.")) for k in expect)
    # the draws differ between replications
    assert by_rep[0] != by_rep[1]
    sens = stats["sensitivity"]
    assert {s["outcome"] for s in sens} >= {"leakers"}
    figs = sens[0]["figures"]
    assert {p for f in figs for p in f["paths"]} == set(expect)
    finite = [abs(f["rho"]) for f in figs if np.isfinite(f["rho"])]
    assert finite == sorted(finite, reverse=True)
    files = rep.write_plots(stats, tmp_path / "plots", formats=("svg",))
    assert any("tornado" in f.name for f in files)


def test_relevant_figures_equal_the_one_by_one_check(scenario: Path) -> None:
    import pickle

    from openiads.catalog import load_catalog
    from openiads.runs.uncertainty import relevant_figures
    from openiads.scenario import compile_world, load_scenario

    cat = load_catalog()
    sc = load_scenario(scenario)
    base = pickle.dumps(compile_world(sc, cat))
    slow = []
    for path, fig in cat.figures():
        if fig.sampled:
            moved = fig.high if fig.high != fig.nominal else fig.low
            if pickle.dumps(compile_world(sc, cat.with_overrides({path: moved}))) != base:
                slow.append(path)
    fast = relevant_figures(sc, cat)
    assert fast == sorted(slow)
    assert 0 < len(fast) < sum(1 for _, f in cat.figures() if f.sampled)


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("sweep", "expect"),
    [
        ("threats.nosuch.rcs_frontal=-30dBsm", "no air object or raid with id 'nosuch'"),
        ("threats.drone.rcs_frontl=-30dBsm", "unknown field 'rcs_frontl'"),
        ("threats.drone.rcs_frontal=-30dBx,-20dBsm", "rcs"),
        ("threats.drone.rcs_frontal=30 km", "rcs"),
        ("sites.sam.doctrine.salvo=0,1", "salvo"),
        ("catalog.missile.48N6E3.max_rnge_m=200km", "unknown figure path"),
        ("catalog.missile.48N6E3.max_range_m=200 s", "length"),
        ("threats.drone.rcs_frontal", "PATH=VALUE1"),
    ],
)
def test_bad_sweep_is_one_line_exit_2(
    scenario: Path, tmp_path: Path, sweep: str, expect: str
) -> None:
    out = tmp_path / "never.duckdb"
    res = _cli("study", str(scenario), "--runs", "2", "--out", str(out), "--sweep", sweep)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    assert expect in lines[0]
    assert "--sweep" in lines[0]
    assert "Traceback" not in res.stderr
    assert not out.exists()  # nothing ran, nothing was created


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--runs", "0"], "--runs"),
        (["--uncertainty", "sources"], "--uncertainty"),
        (["--keep", "trajectories"], "--keep"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_bad_study_options_are_one_line(
    scenario: Path, tmp_path: Path, args: list[str], expect: str
) -> None:
    res = _cli("study", str(scenario), "--out", str(tmp_path / "x.duckdb"), *args)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert expect in res.stderr


def test_report_on_missing_or_foreign_file_is_one_line(tmp_path: Path) -> None:
    res = _cli("report", str(tmp_path / "nope.duckdb"))
    assert res.returncode == 2
    assert "no such run store" in res.stderr
    other = tmp_path / "other.duckdb"
    import duckdb

    duckdb.connect(str(other)).close()
    res = _cli("report", str(other))
    assert res.returncode == 2
    assert "not an openiads run store" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_store_held_by_a_running_study_is_a_clear_error(scenario: Path, tmp_path: Path) -> None:
    path = tmp_path / "busy.duckdb"
    with RunStore(path):  # this process holds the file, as a running study would
        for args in (["report", str(path)], ["study", str(scenario), "--out", str(path)]):
            res = _cli(*args)
            assert res.returncode == 2
            assert "open in another process" in res.stderr
            assert len(res.stderr.strip().splitlines()) == 1


def test_fork_server_warm_up_exercises_every_stage() -> None:
    """The workers' fork server runs this engagement once (runs/_warmup.py) so that the
    compiled kernels are loaded before workers fork: it must reach a launch and an intercept."""
    from openiads.engine import simulate
    from openiads.runs import _warmup
    from openiads.scenario import compile_world
    from openiads.scenario.load import load_scenario_text

    assert _warmup.WARMED
    world = compile_world(load_scenario_text(_warmup.SCENARIO, "<warm-up>"))
    kinds = set(simulate(world, 1).events.column("kind").to_pylist())
    assert {"detect", "track_confirmed", "engage", "launch", "intercept"} <= kinds
