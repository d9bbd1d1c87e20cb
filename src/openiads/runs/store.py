"""The run store: one DuckDB file holding studies, their replications and what they produced.

Tables (docs/studies.md shows the columns):

``meta``          schema version of the file;
``studies``       one row per study: scenario text and SHA-256, root seed, package and catalog
                  versions, sweep and uncertainty definitions, the command that made it;
``points``        sweep points of a study (``params`` as JSON; a study without sweeps has one);
``replications``  one row per finished replication: point, index, status, duration, the
                  engine's summary (JSON);
``stats``         per-replication statistics in long form: ``metric``, ``key`` (fire unit or
                  air object id, empty for study-wide counts), ``type`` (object type), ``value``;
``events``        the event table of each replication (only with ``--keep events``);
``draws``         catalog figures drawn for each replication of an uncertainty study.

Only the study process writes, one transaction per batch of replications: a replication is
either fully stored (its ``replications`` row and all its stats, events and draws) or absent,
whatever moment the process is killed. DuckDB lets one process open a file for writing *or*
several for reading: open a store read-only once the study that writes it has finished.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from openiads.errors import InputError

#: Version of the table layout; bumped when a column changes meaning.
SCHEMA_VERSION = 1

_DDL = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS studies (
        study_id VARCHAR PRIMARY KEY,
        created_utc TIMESTAMP,
        name VARCHAR,
        scenario_file VARCHAR,
        scenario_text VARCHAR,
        scenario_sha256 VARCHAR,
        seed BIGINT,
        runs INTEGER,
        package_version VARCHAR,
        catalog_version VARCHAR,
        code_sha256 VARCHAR,
        sweep VARCHAR,
        uncertainty VARCHAR,
        keep VARCHAR,
        command VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS points (
        study_id VARCHAR, point INTEGER, params VARCHAR, label VARCHAR,
        PRIMARY KEY (study_id, point)
    )""",
    """CREATE TABLE IF NOT EXISTS replications (
        study_id VARCHAR, point INTEGER, rep INTEGER,
        status VARCHAR, error VARCHAR, duration_s DOUBLE, worker VARCHAR,
        finished_utc TIMESTAMP, summary VARCHAR,
        PRIMARY KEY (study_id, point, rep)
    )""",
    """CREATE TABLE IF NOT EXISTS stats (
        study_id VARCHAR, point INTEGER, rep INTEGER,
        metric VARCHAR, key VARCHAR, type VARCHAR, value DOUBLE
    )""",
    """CREATE TABLE IF NOT EXISTS events (
        study_id VARCHAR, point INTEGER, rep INTEGER, seq INTEGER,
        t DOUBLE, kind VARCHAR, actor VARCHAR, target VARCHAR, details VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS draws (
        study_id VARCHAR, point INTEGER, rep INTEGER, path VARCHAR, value DOUBLE
    )""",
]

TABLES = ("studies", "points", "replications", "stats", "events", "draws")


@dataclass
class ReplicationResult:
    """What one replication sends back from a worker to the study process."""

    point: int
    rep: int
    status: str  # "done" or "failed"
    duration_s: float
    worker: str = ""
    error: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    #: ``(metric, key, type, value)`` rows; value NaN where the engine said ``None``.
    stats: list[tuple[str, str, str, float]] = field(default_factory=list)
    events: pa.Table | None = None
    draws: dict[str, float] = field(default_factory=dict)


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=_json_default)


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)


class RunStore:
    """A DuckDB run store. ``RunStore(path, read_only=True)`` for readers (viewer, report).

    Usable as a context manager; :meth:`close` releases the file.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.is_file():
            raise InputError("no such run store", file=str(self.path))
        if not read_only and self.path.parent and not self.path.parent.exists():
            raise InputError("the folder of the run store does not exist", file=str(self.path))
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            msg = str(exc).splitlines()[0]
            if "lock" in msg.lower():
                msg = "the store is open in another process (a study still running?)"
            raise InputError(f"cannot open the run store: {msg}", file=str(self.path)) from None
        except duckdb.Error as exc:
            msg = str(exc).splitlines()[0]
            raise InputError(f"not a DuckDB run store: {msg}", file=str(self.path)) from None
        if read_only:
            self._check_layout()
        else:
            self._create()

    # ------------------------------------------------------------------ housekeeping
    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "con", None) is not None:
            self.con.close()
            self.con = None  # type: ignore[assignment]

    def _create(self) -> None:
        self.con.begin()
        for ddl in _DDL:
            self.con.execute(ddl)
        self.con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
            [str(SCHEMA_VERSION)],
        )
        self.con.commit()
        self._check_layout()

    def _check_layout(self) -> None:
        tables = {
            r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        missing = [t for t in ("meta", *TABLES) if t not in tables]
        if missing:
            raise InputError(
                f"not an openiads run store (missing tables: {', '.join(missing)})",
                file=str(self.path),
            )
        row = self.one("SELECT value FROM meta WHERE key = 'schema_version'")
        if row is None or int(row[0]) != SCHEMA_VERSION:
            found = row[0] if row else "none"
            raise InputError(
                f"run store layout version {found}; this openiads reads {SCHEMA_VERSION}",
                file=str(self.path),
            )

    def one(self, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
        """First row of a query (the result is read to the end, as DuckDB requires)."""
        rows = self.con.execute(sql, params or []).fetchall()
        return tuple(rows[0]) if rows else None

    # ------------------------------------------------------------------ studies
    def studies(self) -> list[dict[str, Any]]:
        """All studies, oldest first, with their progress (``done``, ``failed``)."""
        rows = self.con.execute(
            """SELECT s.study_id, s.created_utc, s.name, s.scenario_file, s.seed, s.runs,
                      s.package_version, s.catalog_version, s.sweep, s.uncertainty, s.keep,
                      (SELECT count(*) FROM points p WHERE p.study_id = s.study_id),
                      (SELECT count(*) FROM replications r
                        WHERE r.study_id = s.study_id AND r.status = 'done'),
                      (SELECT count(*) FROM replications r
                        WHERE r.study_id = s.study_id AND r.status <> 'done')
               FROM studies s ORDER BY s.created_utc, s.rowid"""
        ).fetchall()
        keys = (
            "study_id created_utc name scenario_file seed runs package_version catalog_version "
            "sweep uncertainty keep points done failed"
        ).split()
        out = []
        for r in rows:
            d = dict(zip(keys, r, strict=True))
            d["sweep"] = json.loads(d["sweep"] or "[]")
            out.append(d)
        return out

    def study(self, study_id: str) -> dict[str, Any]:
        """One study's full record (scenario text included), JSON columns decoded."""
        cur = self.con.execute("SELECT * FROM studies WHERE study_id = ?", [study_id])
        found = cur.fetchall()
        if not found:
            raise InputError(f"no study {study_id!r} in this store", file=str(self.path))
        names = [d[0] for d in cur.description]
        rec = dict(zip(names, found[0], strict=True))
        rec["sweep"] = json.loads(rec["sweep"] or "[]")
        return rec

    def resolve_study(self, study_id: str | None = None) -> str:
        """A full study id from a prefix, or the most recent study when ``None``."""
        studies = self.studies()
        if not studies:
            raise InputError("the run store holds no study", file=str(self.path))
        if study_id is None:
            return str(studies[-1]["study_id"])
        hits = [s["study_id"] for s in studies if str(s["study_id"]).startswith(study_id)]
        if len(hits) != 1:
            known = ", ".join(str(s["study_id"]) for s in studies)
            why = "matches no study" if not hits else "is ambiguous"
            raise InputError(f"study id {study_id!r} {why} (known: {known})", file=str(self.path))
        return str(hits[0])

    def register_study(self, record: dict[str, Any], points: list[dict[str, Any]]) -> bool:
        """Insert a study and its points, or raise ``runs`` of an existing one.

        Returns True when the study is new.
        """
        from openiads.runs.sweep import point_label

        sid = record["study_id"]
        self.con.begin()
        try:
            row = self.one("SELECT runs FROM studies WHERE study_id = ?", [sid])
            if row is not None:
                if int(record["runs"]) > int(row[0]):
                    self.con.execute(
                        "UPDATE studies SET runs = ? WHERE study_id = ?", [record["runs"], sid]
                    )
                self.con.commit()
                return False
            cols = (
                "study_id created_utc name scenario_file scenario_text scenario_sha256 seed runs "
                "package_version catalog_version code_sha256 sweep uncertainty keep command"
            ).split()
            values = [record.get(c) for c in cols]
            if values[1] is None:
                values[1] = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
            values[cols.index("sweep")] = _json(record.get("sweep") or [])
            self.con.execute(
                f"INSERT INTO studies ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                values,
            )
            for i, params in enumerate(points):
                self.con.execute(
                    "INSERT INTO points VALUES (?, ?, ?, ?)",
                    [sid, i, _json(params), point_label(params)],
                )
            self.con.commit()
            return True
        except BaseException:
            self.con.rollback()
            raise

    def points(self, study_id: str) -> list[dict[str, Any]]:
        rows = self.con.execute(
            "SELECT point, params, label FROM points WHERE study_id = ? ORDER BY point", [study_id]
        ).fetchall()
        return [{"point": p, "params": json.loads(s), "label": label} for p, s, label in rows]

    def finished(self, study_id: str) -> set[tuple[int, int]]:
        """``(point, rep)`` of every replication stored (done or failed)."""
        rows = self.con.execute(
            "SELECT point, rep FROM replications WHERE study_id = ?", [study_id]
        ).fetchall()
        return {(int(p), int(r)) for p, r in rows}

    # ------------------------------------------------------------------ writing
    def write_batch(self, study_id: str, results: list[ReplicationResult]) -> int:
        """Store ``results`` in one transaction; replications already stored are skipped.

        Returns the number of replications written.
        """
        if not results:
            return 0
        # Only the batch's replication range is read back, not the whole study each batch.
        reps_of = [r.rep for r in results]
        rows = self.con.execute(
            "SELECT point, rep FROM replications WHERE study_id = ? AND rep BETWEEN ? AND ?",
            [study_id, min(reps_of), max(reps_of)],
        ).fetchall()
        have = {(int(p), int(r)) for p, r in rows}
        fresh = [r for r in results if (r.point, r.rep) not in have]
        if not fresh:
            return 0
        n_fresh = len(fresh)
        reps = _study_table(
            study_id,
            {
                "point": pa.array([r.point for r in fresh], pa.int32()),
                "rep": pa.array([r.rep for r in fresh], pa.int32()),
                "status": pa.array([r.status for r in fresh], pa.string()),
                "error": pa.array([r.error for r in fresh], pa.string()),
                "duration_s": pa.array([r.duration_s for r in fresh], pa.float64()),
                "worker": pa.array([r.worker for r in fresh], pa.string()),
                "summary": pa.array([_json(r.summary) for r in fresh], pa.string()),
            },
        )
        stats = [(r.point, r.rep, *row) for r in fresh for row in r.stats]
        draws = [(r.point, r.rep, p, float(v)) for r in fresh for p, v in sorted(r.draws.items())]
        tables: dict[str, pa.Table] = {}
        if stats:
            point, rep, metric, key, typ, value = zip(*stats, strict=True)
            tables["stats"] = _study_table(
                study_id,
                {
                    "point": pa.array(point, pa.int32()),
                    "rep": pa.array(rep, pa.int32()),
                    "metric": pa.array(metric, pa.string()),
                    "key": pa.array(key, pa.string()),
                    "type": pa.array(typ, pa.string()),
                    "value": pa.array(
                        [None if v is None or math.isnan(v) else v for v in value], pa.float64()
                    ),
                },
            )
        if draws:
            point, rep, path, value = zip(*draws, strict=True)
            tables["draws"] = _study_table(
                study_id,
                {
                    "point": pa.array(point, pa.int32()),
                    "rep": pa.array(rep, pa.int32()),
                    "path": pa.array(path, pa.string()),
                    "value": pa.array(value, pa.float64()),
                },
            )
        event_parts = [
            _study_table(
                study_id,
                {
                    "point": pa.array([r.point] * r.events.num_rows, pa.int32()),
                    "rep": pa.array([r.rep] * r.events.num_rows, pa.int32()),
                    "seq": pa.array(range(r.events.num_rows), pa.int32()),
                    **{c: r.events[c] for c in ("t", "kind", "actor", "target", "details")},
                },
            )
            for r in fresh
            if r.events is not None and r.events.num_rows
        ]
        if event_parts:
            tables["events"] = pa.concat_tables(event_parts)
        with _sigint_deferred():
            self._write_transaction(reps, tables)
        return n_fresh

    def _write_transaction(self, reps: pa.Table, tables: dict[str, pa.Table]) -> None:
        """Insert one batch: its replication rows and their stats, draws and events."""
        self.con.begin()
        try:
            self._insert(
                "replications",
                reps,
                "study_id, point, rep, status, error, duration_s, worker, now(), summary",
            )
            for table, data in tables.items():
                self._insert(table, data)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def _insert(self, table: str, data: pa.Table, select: str = "*") -> None:
        name = f"_incoming_{table}"
        self.con.register(name, data)
        try:
            self.con.execute(f"INSERT INTO {table} SELECT {select} FROM {name}")
        finally:
            self.con.unregister(name)

    # ------------------------------------------------------------------ reading
    def _table(self, sql: str, params: list[Any]) -> pa.Table:
        return self.con.sql(sql, params=params).to_arrow_table()

    @staticmethod
    def _where(study_id: str, point: int | None, rep: int | None = None) -> tuple[str, list[Any]]:
        clauses = ["study_id = ?"]
        params: list[Any] = [study_id]
        if point is not None:
            clauses.append("point = ?")
            params.append(int(point))
        if rep is not None:
            clauses.append("rep = ?")
            params.append(int(rep))
        return " AND ".join(clauses), params

    def replications(
        self, study_id: str, point: int | None = None, rep: int | None = None
    ) -> pa.Table:
        """Replications of a study: point, rep, status, error, duration_s, worker, summary."""
        where, params = self._where(study_id, point, rep)
        return self._table(
            "SELECT point, rep, status, error, duration_s, worker, finished_utc, summary "
            f"FROM replications WHERE {where} ORDER BY point, rep",
            params,
        )

    def stats(
        self,
        study_id: str,
        point: int | None = None,
        metric: str | None = None,
        rep: int | None = None,
    ) -> pa.Table:
        """Per-replication statistics in long form (point, rep, metric, key, type, value)."""
        where, params = self._where(study_id, point, rep)
        if metric is not None:
            where += " AND metric = ?"
            params.append(metric)
        return self._table(
            "SELECT point, rep, metric, key, type, value FROM stats "
            f"WHERE {where} ORDER BY point, rep, metric, key",
            params,
        )

    def events(self, study_id: str, point: int | None = None, rep: int | None = None) -> pa.Table:
        """Stored events (with ``--keep events``), in the order the engine emitted them."""
        where, params = self._where(study_id, point, rep)
        return self._table(
            "SELECT point, rep, seq, t, kind, actor, target, details FROM events "
            f"WHERE {where} ORDER BY point, rep, seq",
            params,
        )

    def draws(self, study_id: str, point: int | None = None) -> pa.Table:
        """Catalog figures drawn per replication (uncertainty studies)."""
        where, params = self._where(study_id, point)
        return self._table(
            f"SELECT point, rep, path, value FROM draws WHERE {where} ORDER BY point, rep, path",
            params,
        )

    def export_parquet(self, folder: str | Path, study_id: str | None = None) -> list[Path]:
        """Write every table (or one study's rows) as ``<table>.parquet`` in ``folder``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for table in TABLES:
            sql = f"SELECT * FROM {table}"
            params: list[Any] = []
            if study_id is not None:
                sql += " WHERE study_id = ?"
                params = [study_id]
            sort = {"studies": "study_id", "points": "study_id, point"}.get(
                table, "study_id, point, rep" + (", seq" if table == "events" else "")
            )
            data = self.con.sql(f"{sql} ORDER BY {sort}", params=params).to_arrow_table()
            import pyarrow.parquet as pq

            path = out / f"{table}.parquet"
            pq.write_table(data, path, compression="zstd")
            written.append(path)
        return written


def _study_table(study_id: str, columns: dict[str, pa.Array]) -> pa.Table:
    """``columns`` as a table led by a constant ``study_id`` column."""
    n = len(next(iter(columns.values())))
    return pa.table({"study_id": pa.array([study_id] * n, pa.string()), **columns})


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) while a batch transaction runs, and raise it right after.

    A KeyboardInterrupt (or DuckDB's own interrupt) in the middle of a transaction would
    leave the connection's transaction aborted; deferring it keeps every batch atomic and the
    connection usable for the batches still to be kept after Ctrl-C.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
