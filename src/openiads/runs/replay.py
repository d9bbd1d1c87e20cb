"""Re-simulate one stored replication exactly, for the viewer or a closer look.

A study keeps statistics (and optionally events) but not trajectories. Because replication
``i`` of a study is a pure function of the stored scenario text, root seed, sweep point and
catalog version, it can be run again on demand and gives the same events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openiads.errors import InputError
from openiads.outcome import Outcome
from openiads.runs.seeds import engine_seed
from openiads.runs.store import RunStore
from openiads.runs.study import build_context, point_inputs
from openiads.runs.worker import world_for


def replay(
    store_path: str | Path,
    study_id: str | None,
    replication: int,
    *,
    point: int = 0,
    trajectory_dt_s: float | str | None = "scenario",
) -> Outcome:
    """Run replication ``replication`` of sweep point ``point`` of a stored study again.

    ``study_id`` may be a unique prefix, or ``None`` for the store's latest study.
    ``trajectory_dt_s`` as in :func:`openiads.engine.simulate` (trajectories do not change
    the events). Raises :class:`InputError` if the study, point or replication does not
    exist, or if this openiads has another catalog version than the one that ran the study
    (the replay could then differ).
    """
    from openiads.catalog import catalog_version
    from openiads.engine import simulate

    with RunStore(store_path, read_only=True) as store:
        sid = store.resolve_study(study_id)
        rec = store.study(sid)
        points = {p["point"]: p["params"] for p in store.points(sid)}
    if point not in points:
        raise InputError(
            f"study {sid} has sweep points 0..{len(points) - 1}; got {point}", field="point"
        )
    runs = int(rec["runs"])
    if not 0 <= replication < runs:
        raise InputError(
            f"study {sid} has replications 0..{runs - 1}; got {replication}", field="replication"
        )
    from openiads.runs.study import code_fingerprint

    code = code_fingerprint()
    if rec.get("code_sha256") and rec["code_sha256"] != code:
        raise InputError(
            f"study {sid} ran with other model code (fingerprint {rec['code_sha256']}; "
            f"this openiads has {code}), so a replay would not reproduce it",
            file=str(store_path),
        )
    here = str(catalog_version())
    if rec["catalog_version"] != here:
        raise InputError(
            f"study {sid} ran with catalog {rec['catalog_version']}; this openiads has {here}, "
            "so a replay would not reproduce it",
            file=str(store_path),
        )
    ctx = build_context(
        study_id=sid,
        seed=int(rec["seed"]),
        inputs=point_inputs(
            rec["scenario_text"],
            rec["scenario_file"] or "<stored scenario>",
            {point: points[point]},
        ),
        uncertainty=rec["uncertainty"] == "catalog",
        keep_events=True,
    )
    world, draws = world_for(ctx, point, replication)
    outcome: Any = simulate(
        world, engine_seed(ctx.seed, replication), trajectory_dt_s=trajectory_dt_s
    )
    outcome.manifest = dict(outcome.manifest)
    outcome.manifest.update(
        {
            "study_id": sid,
            "study_seed": int(rec["seed"]),
            "replication": int(replication),
            "point": int(point),
            "sweep_params": points[point],
            "catalog_draws": draws,
        }
    )
    return outcome
