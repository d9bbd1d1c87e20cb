"""The result of one simulated engagement, and how it is written to and read from disk.

The event table is the contract between the engine and everything after it (store,
analysis, export, viewer). Nothing downstream reaches back into the engine.

A run folder holds:

``events.parquet``
    one row per state change: ``t`` (s since the scenario epoch, float64), ``kind``
    (see :data:`EVENT_KINDS`), ``actor`` (site, radar, fire unit or interceptor id),
    ``target`` (air object or track id, may be empty), ``details`` (a JSON object as text).
``trajectories.parquet``
    sampled positions: ``t``, ``id``, ``lat_deg``, ``lon_deg``, ``alt_m`` (above the WGS-84
    ellipsoid) and local ``east_m``, ``north_m``, ``up_m``; air objects and interceptors.
``objects.parquet``
    one row per air object, interceptor and site: ``id``, ``category`` (``air``,
    ``interceptor``, ``site``), ``type`` (catalog name), ``side``, ``cls`` (target class or
    site role), ``parent`` (fire unit of an interceptor, system site of a radar),
    ``lat_deg``, ``lon_deg``, ``alt_m``, ``detect_range_m`` and ``engage_range_m`` (nominal
    rings for display; NaN where not applicable).
``manifest.json``
    scenario name, text and SHA-256, seed, package and catalog versions, epoch, duration,
    tick, origin and defended areas: everything needed to reproduce the run.
``summary.json``
    the per-object and per-fire-unit summary (:func:`openiads.engine.summary.summarize`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

#: Event kinds the engine emits. Downstream code must tolerate kinds it does not know.
EVENT_KINDS: tuple[str, ...] = (
    "detect",  # first detection of an air object by a radar (details: range_m, snr_db)
    "track_confirmed",  # a radar track (or the fused picture) confirmed
    "track_lost",  # a track deleted
    "track_fused",  # a fused air-picture track formed at the command post
    "engage",  # fire unit decides to engage a track (details: salvo, doctrine)
    "launch",  # one interceptor leaves a launcher (details: missile, pip, tof_s)
    "intercept",  # interceptor reaches its target (details: miss/kill drawn next)
    "kill",  # target destroyed
    "miss",  # interceptor failed (pk draw, or target out of reach)
    "leak",  # hostile object reached a defended area / its objective alive
    "exit",  # air object left the world or finished its route alive, not a leak
    "magazine_empty",  # a fire unit has no ready missiles left
    "reload",  # a launcher finished reloading
)

EVENT_SCHEMA = pa.schema(
    [
        ("t", pa.float64()),
        ("kind", pa.string()),
        ("actor", pa.string()),
        ("target", pa.string()),
        ("details", pa.string()),
    ]
)

TRAJECTORY_SCHEMA = pa.schema(
    [
        ("t", pa.float64()),
        ("id", pa.string()),
        ("lat_deg", pa.float64()),
        ("lon_deg", pa.float64()),
        ("alt_m", pa.float64()),
        ("east_m", pa.float64()),
        ("north_m", pa.float64()),
        ("up_m", pa.float64()),
    ]
)

OBJECT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("category", pa.string()),
        ("type", pa.string()),
        ("side", pa.string()),
        ("cls", pa.string()),
        ("parent", pa.string()),
        ("lat_deg", pa.float64()),
        ("lon_deg", pa.float64()),
        ("alt_m", pa.float64()),
        ("detect_range_m", pa.float64()),
        ("engage_range_m", pa.float64()),
    ]
)


@dataclass
class Outcome:
    """Everything one replication produced. Tables are Arrow tables with the schemas above."""

    events: pa.Table
    trajectories: pa.Table
    objects: pa.Table
    manifest: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        """Rows of one event kind as dicts, ``details`` decoded."""
        rows = self.events.filter(pc.equal(self.events["kind"], kind)).to_pylist()
        for r in rows:
            r["details"] = json.loads(r["details"]) if r["details"] else {}
        return rows


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=float) + "\n")


def write_run(outcome: Outcome, folder: str | Path) -> Path:
    """Write ``outcome`` to ``folder`` (created if needed); returns the folder path.

    Parquet files are written without timestamps or host metadata, so the same outcome
    always produces the same bytes.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in (
        ("events", outcome.events),
        ("trajectories", outcome.trajectories),
        ("objects", outcome.objects),
    ):
        pq.write_table(table, out / f"{name}.parquet", compression="zstd")
    _write_json(out / "manifest.json", outcome.manifest)
    _write_json(out / "summary.json", outcome.summary)
    text = outcome.manifest.get("scenario_text")
    if text:
        (out / "scenario.yaml").write_text(text)
    return out


def read_run(folder: str | Path) -> Outcome:
    """Read a run folder written by :func:`write_run`."""
    src = Path(folder)
    if not (src / "manifest.json").is_file():
        from openiads.errors import InputError

        raise InputError("not a run folder (no manifest.json)", file=str(src))
    return Outcome(
        events=pq.read_table(src / "events.parquet"),
        trajectories=pq.read_table(src / "trajectories.parquet"),
        objects=pq.read_table(src / "objects.parquet"),
        manifest=json.loads((src / "manifest.json").read_text()),
        summary=json.loads((src / "summary.json").read_text())
        if (src / "summary.json").is_file()
        else {},
    )
