"""Monte Carlo studies: many replications of one scenario, over sweep points, into a run store.

:func:`run_study` is what ``openiads study`` calls:

1. read and validate the scenario; build the sweep points (full factorial);
2. register the study in the store (its id is a hash of everything that determines the
   results, so the same command finds the same study and only runs what is missing);
3. compile one World per sweep point (or keep the Scenario for per-replication catalog
   draws), ship it to the workers once, and run the missing replications in batches;
4. write each finished batch in one transaction; Ctrl-C stops cleanly, keeping what is done.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openiads.errors import InputError
from openiads.runs.executors import make_executor, plan_batches, prestart_local_workers
from openiads.runs.seeds import check_seed
from openiads.runs.store import RunStore
from openiads.runs.sweep import (
    Sweep,
    catalog_values,
    parse_sweep,
    scenario_for_point,
    sweep_points,
)
from openiads.runs.worker import PointPayload, StudyContext

UNCERTAINTY_MODES = ("none", "catalog")
KEEP_OPTIONS = ("events",)


class StudyError(RuntimeError):
    """A study could not go on (a worker died, the cluster went away); what ran is stored."""


@dataclass
class StudyRequest:
    """A study as a user asks for it (the ``openiads study`` options)."""

    scenario: str | Path
    out: str | Path
    runs: int = 100
    seed: int | None = None
    sweeps: list[str] = field(default_factory=list)
    uncertainty: str = "none"
    keep: list[str] = field(default_factory=list)
    workers: int | None = None
    cluster: str | None = None
    command: str = ""


@dataclass
class StudyResult:
    """What a call to :func:`run_study` did."""

    study_id: str
    store: Path
    total: int  # replications the study asks for (runs × points)
    stored_before: int
    stored_now: int  # written by this call
    failed: int  # failed replications in the store after this call
    interrupted: bool
    wall_s: float
    executor: str
    store_s: float = 0.0  # time spent writing batches to the store

    @property
    def stored(self) -> int:
        return self.stored_before + self.stored_now

    @property
    def complete(self) -> bool:
        return self.stored >= self.total


@dataclass
class PreparedStudy:
    record: dict[str, Any]
    points: list[dict[str, Any]]
    sweeps: list[Sweep]
    scenario_text: str
    scenario: Any
    seed: int


def _package_version() -> str:
    from openiads import __version__

    return str(__version__)


def _catalog_version() -> str:
    from openiads.catalog import catalog_version

    return str(catalog_version())


#: Packages whose code decides what a replication produces (their source is fingerprinted).
_MODEL_PACKAGES = (
    "scenario",
    "catalog",
    "engine",
    "physics",
    "tracking",
    "c2",
    "terrain",
)
_MODEL_MODULES = ("units.py", "outcome.py")


def code_fingerprint() -> str:
    """SHA-256 (16 hex) over the source of the modelling packages.

    Part of a study's identity, so that resuming a study after the model code changed starts
    a new study instead of mixing results of two different models.
    """
    import openiads

    root = Path(openiads.__file__).resolve().parent
    files = [root / m for m in _MODEL_MODULES]
    for pkg in _MODEL_PACKAGES:
        files += sorted((root / pkg).rglob("*.py"))
    h = hashlib.sha256()
    for f in files:
        if f.is_file():
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def study_id_for(record: dict[str, Any]) -> str:
    """Hash of everything that determines a study's results (not ``runs``)."""
    ident = {
        k: record[k]
        for k in (
            "scenario_sha256",
            "seed",
            "sweep",
            "uncertainty",
            "keep",
            "package_version",
            "catalog_version",
            "code_sha256",
        )
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:12]


def prepare_study(req: StudyRequest) -> PreparedStudy:
    """Validate a request: scenario, seed, sweeps, options. Raises InputError."""
    from openiads.scenario import load_scenario

    if req.runs < 1:
        raise InputError(f"--runs must be at least 1; got {req.runs}", field="--runs")
    if req.uncertainty not in UNCERTAINTY_MODES:
        raise InputError(
            f"expected one of {', '.join(UNCERTAINTY_MODES)}; got {req.uncertainty!r}",
            field="--uncertainty",
        )
    for k in req.keep:
        if k not in KEEP_OPTIONS:
            raise InputError(
                f"expected one of {', '.join(KEEP_OPTIONS)}; got {k!r}", field="--keep"
            )
    path = Path(req.scenario)
    if not path.is_file():
        raise InputError("no such scenario file", file=str(path))
    # The cheap checks passed: let the workers' fork server import and warm up the engine
    # while this process loads the scenario.
    prestart_local_workers(req.workers, req.cluster)
    scenario = load_scenario(path)
    text = scenario.text  # the file as read by the loader
    seed = req.seed if req.seed is not None else int(getattr(scenario, "seed", 1))
    try:
        seed = check_seed(seed)
    except ValueError as exc:
        raise InputError(str(exc), field="--seed") from None
    sweeps = [parse_sweep(s) for s in req.sweeps]
    points = sweep_points(sweeps)
    record: dict[str, Any] = {
        "name": str(getattr(scenario, "name", path.stem)),
        "scenario_file": str(path),
        "scenario_text": text,
        "scenario_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "seed": seed,
        "runs": int(req.runs),
        "package_version": _package_version(),
        "catalog_version": _catalog_version(),
        "code_sha256": code_fingerprint(),
        "sweep": [s.as_dict() for s in sweeps],
        "uncertainty": req.uncertainty,
        "keep": ",".join(sorted(set(req.keep))),
        "command": req.command,
    }
    record["study_id"] = study_id_for(record)
    return PreparedStudy(record, points, sweeps, text, scenario, seed)


def _split_overrides(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    scen = {k: v for k, v in params.items() if not k.startswith("catalog.")}
    cat = {k[len("catalog.") :]: v for k, v in params.items() if k.startswith("catalog.")}
    return scen, cat


def _catalog_with(base: Any, overrides: dict[str, Any], label: str) -> tuple[Any, dict[str, float]]:
    """The catalog with a sweep point's catalog values, and those values in SI units."""
    if not overrides:
        return base, {}
    values = catalog_values(base, overrides)
    try:
        return base.with_overrides(values), values
    except InputError as err:
        raise err.located(field=f"--sweep {label}") from None
    except (KeyError, ValueError) as exc:
        raise InputError(f"bad catalog override: {exc}", field=f"--sweep {label}") from None


@dataclass
class PointInput:
    """One sweep point, validated: its scenario and catalog (with the point's values)."""

    scenario: Any
    catalog: Any
    catalog_overrides: dict[str, float]


def point_inputs(
    scenario_text: str,
    scenario_name: str,
    points: dict[int, dict[str, Any]],
    *,
    base_scenario: Any = None,
) -> dict[int, PointInput]:
    """Validate the sweep points ``{index: params}``; raises InputError naming the sweep."""
    import yaml

    from openiads.catalog import load_catalog
    from openiads.scenario import load_scenario_text

    catalog = load_catalog()
    base_data = yaml.safe_load(scenario_text)
    out: dict[int, PointInput] = {}
    for i, params in sorted(points.items()):
        scen_ovr, cat_ovr = _split_overrides(params)
        if scen_ovr:
            scenario = scenario_for_point(
                scenario_text, scenario_name, scen_ovr, base_data=base_data
            )
        else:
            if base_scenario is None:
                base_scenario = load_scenario_text(scenario_text, scenario_name)
            scenario = base_scenario
        label = ", ".join(f"{k}={v}" for k, v in params.items())
        cat, values = _catalog_with(catalog, cat_ovr, label)
        out[i] = PointInput(scenario, cat, values)
    return out


def build_context(
    *,
    study_id: str,
    seed: int,
    inputs: dict[int, PointInput],
    uncertainty: bool,
    keep_events: bool,
) -> StudyContext:
    """Compile what the workers need for the given validated sweep points."""
    from openiads.catalog import load_catalog
    from openiads.scenario import compile_world

    payloads: dict[int, PointPayload] = {}
    for i, inp in sorted(inputs.items()):
        if uncertainty:
            from openiads.runs.uncertainty import relevant_figures

            payloads[i] = PointPayload(
                point=i,
                scenario=inp.scenario,
                catalog_overrides=inp.catalog_overrides,
                relevant=frozenset(relevant_figures(inp.scenario, inp.catalog)),
            )
        else:
            payloads[i] = PointPayload(point=i, world=compile_world(inp.scenario, inp.catalog))
    return StudyContext(
        study_id=study_id,
        seed=seed,
        points=payloads,
        keep_events=keep_events,
        uncertainty=uncertainty,
        catalog=load_catalog() if uncertainty else None,
    )


def context_for(prep: PreparedStudy, inputs: dict[int, PointInput]) -> StudyContext:
    """The worker context of a prepared study, for some of its validated sweep points."""
    return build_context(
        study_id=prep.record["study_id"],
        seed=prep.seed,
        inputs=inputs,
        uncertainty=prep.record["uncertainty"] == "catalog",
        keep_events="events" in prep.record["keep"].split(","),
    )


def validate_points(prep: PreparedStudy) -> dict[int, PointInput]:
    """Check every sweep point before anything runs (bad values fail fast)."""
    return point_inputs(
        prep.scenario_text,
        prep.record["scenario_file"],
        dict(enumerate(prep.points)),
        base_scenario=prep.scenario,
    )


class _Progress:
    """A rich progress bar on a terminal; a line at most once a second otherwise."""

    def __init__(self, enabled: bool, study_id: str, total: int, already: int) -> None:
        self.enabled = enabled
        self.total = total
        self.done = already
        self.start_done = already
        self.t0 = time.perf_counter()
        self.last_line = 0.0
        self.bar: Any = None
        self.task: Any = None
        self.study_id = study_id
        if not enabled:
            return
        from rich.console import Console

        console = Console(stderr=True)
        if console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]study {task.fields[sid]}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
            self.task = self.bar.add_task(
                "study", total=total, completed=already, sid=study_id, rate=""
            )
            self.bar.start()

    def _rate(self) -> float:
        dt = time.perf_counter() - self.t0
        return (self.done - self.start_done) / dt if dt > 0 else 0.0

    def advance(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        rate = self._rate()
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, rate=f"{rate:.1f} runs/s")
            return
        now = time.perf_counter()
        if now - self.last_line >= 1.0 or self.done >= self.total:
            self.last_line = now
            print(
                f"study {self.study_id}: {self.done}/{self.total} replications stored "
                f"({rate:.1f}/s)",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run_study(req: StudyRequest, *, progress: bool = True) -> StudyResult:
    """Run (or resume) a study; see the module docstring. Returns what was done."""
    t0 = time.perf_counter()
    prep = prepare_study(req)
    inputs = validate_points(prep)
    sid = prep.record["study_id"]
    out = Path(req.out)
    store = RunStore(out)
    try:
        store.register_study(prep.record, prep.points)
        have = store.finished(sid)
        total = len(prep.points) * int(req.runs)
        wanted = [(p, r) for r in range(int(req.runs)) for p in range(len(prep.points))]
        missing = [t for t in wanted if t not in have]
        before = len(wanted) - len(missing)
        if not missing:
            return StudyResult(
                sid,
                out,
                total,
                before,
                0,
                _failed(store, sid),
                False,
                time.perf_counter() - t0,
                "nothing to run",
            )
        ctx = context_for(prep, {p: inputs[p] for p in sorted({p for p, _ in missing})})
        executor = make_executor(ctx, workers=req.workers, cluster=req.cluster)
        batches = plan_batches(missing, executor.workers)
        bar = _Progress(progress, sid, total, before)
        written = 0
        store_s = 0.0
        interrupted = False
        try:
            for results in executor.run(batches):
                tw = time.perf_counter()
                n = store.write_batch(sid, results)
                store_s += time.perf_counter() - tw
                written += n
                bar.advance(n)
        except KeyboardInterrupt:
            interrupted = True
            written += _drain(executor, store, sid, bar)
        except InputError:
            raise
        except Exception as exc:
            # A worker process died (killed, out of memory) or the cluster went away: what is
            # stored stays stored and the same command resumes.
            _kill(executor)
            raise StudyError(
                f"the study stopped after storing {before + written} of {total} replications: "
                f"{type(exc).__name__}: {exc}; run the same command again to resume"
            ) from exc
        finally:
            bar.close()
            try:
                executor.close()
            except KeyboardInterrupt:
                _kill(executor)
        return StudyResult(
            sid,
            out,
            total,
            before,
            written,
            _failed(store, sid),
            interrupted,
            time.perf_counter() - t0,
            executor.description,
            store_s,
        )
    finally:
        store.close()


def _drain(executor: Any, store: RunStore, sid: str, bar: _Progress) -> int:
    """After Ctrl-C: keep what running workers finish; a second Ctrl-C abandons them."""
    written = 0
    try:
        if getattr(executor, "workers", 1) > 1:
            print(
                "stopping: waiting for running batches (Ctrl-C again to abandon them)",
                file=sys.stderr,
                flush=True,
            )
        for results in executor.stop():
            n = store.write_batch(sid, results)
            written += n
            bar.advance(n)
    except KeyboardInterrupt:
        _kill(executor)
    return written


def _kill(executor: Any) -> None:
    kill = getattr(executor, "kill", None)
    if kill is not None:
        kill()


def _failed(store: RunStore, sid: str) -> int:
    row = store.one(
        "SELECT count(*) FROM replications WHERE study_id = ? AND status <> 'done'", [sid]
    )
    return int(row[0]) if row else 0
