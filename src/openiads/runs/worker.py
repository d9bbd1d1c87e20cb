"""What a worker does: run replications of a study from a context shipped to it once.

The :class:`StudyContext` holds everything a replication needs, already parsed: one compiled
World per sweep point (or, in an uncertainty study, the validated Scenario and the catalog, so
each replication compiles its own World from its own catalog draw without re-reading YAML).
It is sent to each worker once (a process-pool initializer, or a Dask ``scatter``); tasks
then carry only ``(point, rep)`` pairs.
"""

from __future__ import annotations

import math
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from openiads.runs.seeds import catalog_seed, engine_seed
from openiads.runs.store import ReplicationResult


@dataclass
class PointPayload:
    """One sweep point, ready to simulate."""

    point: int
    world: Any = None  # compiled World (studies without catalog uncertainty)
    scenario: Any = None  # validated Scenario (uncertainty studies)
    catalog_overrides: dict[str, Any] = field(default_factory=dict)
    #: catalog figures that reach this point's World (uncertainty studies); only these
    #: draws are recorded.
    relevant: frozenset[str] = frozenset()


@dataclass
class StudyContext:
    """Everything a worker needs; pickled once per worker."""

    study_id: str
    seed: int
    points: dict[int, PointPayload]
    keep_events: bool = False
    uncertainty: bool = False
    catalog: Any = None  # base catalog, for uncertainty studies


def flatten_summary(summary: dict[str, Any]) -> list[tuple[str, str, str, float]]:
    """The engine's summary as ``(metric, key, type, value)`` rows.

    Top-level numbers become ``(name, "", "", value)``; a mapping of numbers (or ``None``,
    stored as NaN) becomes one row per key. Air-object keys carry their type from the
    summary's ``object_types``. Anything else (text, nested structures) stays in the JSON.
    """
    types = summary.get("object_types") or {}
    rows: list[tuple[str, str, str, float]] = []
    for name in sorted(summary):
        value = summary[name]
        if isinstance(value, int | float):  # bool included (a subclass of int)
            rows.append((name, "", "", float(value)))
        elif isinstance(value, dict) and name != "object_types":
            for key in sorted(value, key=str):
                v = value[key]
                if v is None:
                    num = math.nan
                elif isinstance(v, bool | int | float):
                    num = float(v)
                else:
                    continue
                rows.append((name, str(key), str(types.get(key, "")), num))
    return rows


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def world_for(ctx: StudyContext, point: int, rep: int) -> tuple[Any, dict[str, float]]:
    """The World of one replication and the catalog figures drawn for it."""
    import numpy as np

    payload = ctx.points[point]
    if not ctx.uncertainty:
        return payload.world, {}
    from openiads.scenario import compile_world

    rng = np.random.default_rng(catalog_seed(ctx.seed, rep))
    sampled, draws = ctx.catalog.sample(rng)
    if payload.catalog_overrides:
        sampled = sampled.with_overrides(payload.catalog_overrides)
    world = compile_world(payload.scenario, sampled)
    kept = {
        str(k): float(v)
        for k, v in draws.items()
        if k in payload.relevant and k not in payload.catalog_overrides
    }
    return world, kept


def run_replication(ctx: StudyContext, point: int, rep: int) -> ReplicationResult:
    """Simulate replication ``rep`` of sweep point ``point``; never raises for engine errors."""
    from openiads.engine import simulate, summarize

    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    draws: dict[str, float] = {}
    try:
        world, draws = world_for(ctx, point, rep)
        outcome = simulate(world, engine_seed(ctx.seed, rep), trajectory_dt_s=None)
        summary = _jsonable(outcome.summary or summarize(outcome))
    except Exception as exc:  # a failing replication is recorded, not fatal to the study
        return ReplicationResult(
            point=point,
            rep=rep,
            status="failed",
            duration_s=time.perf_counter() - start,
            worker=worker,
            error=f"{type(exc).__name__}: {exc}",
            draws=draws,
        )
    return ReplicationResult(
        point=point,
        rep=rep,
        status="done",
        duration_s=time.perf_counter() - start,
        worker=worker,
        summary=summary,
        stats=flatten_summary(summary),
        events=outcome.events if ctx.keep_events else None,
        draws=draws,
    )


def run_batch(ctx: StudyContext, tasks: list[tuple[int, int]]) -> list[ReplicationResult]:
    """Run a batch of ``(point, rep)`` replications in order."""
    return [run_replication(ctx, p, r) for p, r in tasks]


# --------------------------------------------------------------- process-pool plumbing
_CONTEXT: StudyContext | None = None


def init_pool_worker(ctx_bytes: bytes) -> None:
    """Process-pool initializer: keep the context, ignore Ctrl-C, die with the parent."""
    import pickle
    import signal
    import threading

    global _CONTEXT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _CONTEXT = pickle.loads(ctx_bytes)
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="openiads-parent-watch", daemon=True).start()


def run_pool_batch(tasks: list[tuple[int, int]]) -> list[ReplicationResult]:
    """Task function of the process pool (the context came with the initializer)."""
    if _CONTEXT is None:
        raise RuntimeError("worker not initialised")
    return run_batch(_CONTEXT, tasks)
