"""``openiads serve STORE``: a read-only web browser over a run store.

Built with FastAPI on :class:`openiads.runs.store.RunStore` (opened read-only, one connection
behind a lock). Pages:

``/``                                         studies in the store
``/studies/{study_id}``                       replications with their statistics (sortable)
``/studies/{study_id}/replay/{rep}?point=0``  the HTML replay of one replication, re-simulated
                                              deterministically by :func:`openiads.runs.replay`

and the same data as JSON under ``/api/...`` (schema at ``/openapi.json``, docs at ``/docs``).

Safety: every parameter is an id or a number checked against a pattern or range; none of
them reaches the file system (the store path is fixed when the app is built), unknown ids
give 404, and nothing writes.
"""

from __future__ import annotations

import html
import json
import math
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from openiads.errors import InputError
from openiads.outcome import Outcome

#: What a study id looks like (the store's ids are 12 hex digits; allow a little more).
STUDY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
MAX_REP = 10_000_000
REPLAY_CACHE_SIZE = 4

StudyId = Annotated[str, PathParam(pattern=STUDY_ID_PATTERN, description="Study id")]
Rep = Annotated[int, PathParam(ge=0, le=MAX_REP, description="Replication index")]
PointQ = Annotated[int, Query(ge=0, le=100_000, description="Sweep point")]

Replayer = Callable[[Path, str, int, int], Outcome]


class StudyInfo(BaseModel):
    """One study, as listed."""

    study_id: str
    name: str | None = None
    created_utc: str | None = None
    scenario_file: str | None = None
    seed: int | None = None
    runs: int | None = None
    points: int = 0
    done: int = 0
    failed: int = 0
    package_version: str | None = None
    catalog_version: str | None = None
    uncertainty: str | None = None


class StudyDetail(StudyInfo):
    """One study with its scenario and sweep points."""

    scenario_text: str | None = None
    scenario_sha256: str | None = None
    sweep: list[Any] = []
    sweep_points: list[dict[str, Any]] = []
    metrics: list[str] = []


class Replication(BaseModel):
    """One replication with its study-wide statistics (``stats``: metric → value)."""

    point: int
    rep: int
    status: str
    duration_s: float | None = None
    error: str | None = None
    stats: dict[str, float | None] = {}


class ReplicationDetail(Replication):
    """A replication with the engine's summary and its per-key statistics."""

    summary: dict[str, Any] = {}
    keyed_stats: list[dict[str, Any]] = []


def _default_replayer(store: Path, study_id: str, rep: int, point: int) -> Outcome:
    from openiads.runs.replay import replay

    return replay(store, study_id, rep, point=point)


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def create_app(store_path: str | Path, replayer: Replayer | None = None) -> FastAPI:
    """The FastAPI app serving ``store_path`` read-only.

    ``replayer(store, study_id, rep, point) -> Outcome`` re-simulates a replication for the
    replay page (default: :func:`openiads.runs.replay.replay`).
    """
    from openiads.runs.store import RunStore

    path = Path(store_path)
    store = RunStore(path, read_only=True)  # raises InputError for a missing/bad store
    lock = threading.Lock()
    replay_fn = replayer or _default_replayer
    cache: OrderedDict[tuple[str, int, int], str] = OrderedDict()
    cache_lock = threading.Lock()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="openiads study browser",
        version="1",
        description="Read-only browsing of an openiads run store: studies, replications, "
        "statistics and replays.",
    )
    app.state.store = store

    # ---------------------------------------------------------------- data access
    def studies() -> list[dict[str, Any]]:
        with lock:
            return store.studies()

    def study(study_id: str) -> dict[str, Any]:
        with lock:
            try:
                rec = store.study(study_id)
            except InputError:
                raise HTTPException(404, f"no study {study_id!r}") from None
            rec["sweep_points"] = store.points(study_id)
        return rec

    def replication_rows(study_id: str, point: int | None) -> list[dict[str, Any]]:
        with lock:
            reps = store.replications(study_id, point).to_pylist()
            stats = store.stats(study_id, point).to_pylist()
        wide: dict[tuple[int, int], dict[str, float | None]] = {}
        for s in stats:
            if s["key"] == "":
                wide.setdefault((s["point"], s["rep"]), {})[s["metric"]] = _finite(s["value"])
        return [
            {
                "point": r["point"],
                "rep": r["rep"],
                "status": r["status"],
                "duration_s": _finite(r["duration_s"]),
                "error": r["error"] or None,
                "stats": wide.get((r["point"], r["rep"]), {}),
            }
            for r in reps
        ]

    def info(rec: dict[str, Any]) -> dict[str, Any]:
        out = {k: rec.get(k) for k in StudyInfo.model_fields}
        out["created_utc"] = str(rec["created_utc"]) if rec.get("created_utc") else None
        out["points"] = int(rec.get("points") or len(rec.get("sweep_points") or []))
        out["done"] = int(rec.get("done") or 0)
        out["failed"] = int(rec.get("failed") or 0)
        return out

    def sorted_rows(
        rows: list[dict[str, Any]], sort: str, descending: bool
    ) -> list[dict[str, Any]]:
        column = sort in ("rep", "point", "duration_s")
        if not column and not any(sort in r["stats"] for r in rows):
            raise HTTPException(400, f"unknown sort column {sort!r}")

        def key(r: dict[str, Any]) -> tuple[bool, float]:
            v = r[sort] if column else r["stats"].get(sort)
            return (v is None, float(v) if v is not None else 0.0)

        ordered = sorted(rows, key=key)  # missing values last
        if descending:
            present = [r for r in ordered if not key(r)[0]]
            ordered = present[::-1] + [r for r in ordered if key(r)[0]]
        return ordered

    # ---------------------------------------------------------------- JSON API
    @app.get("/api/studies", response_model=list[StudyInfo], tags=["api"])
    def api_studies() -> list[dict[str, Any]]:
        """All studies in the store, oldest first."""
        return [info(s) for s in studies()]

    @app.get(
        "/api/studies/{study_id}",
        response_model=StudyDetail,
        responses={404: {"description": "No such study"}},
        tags=["api"],
    )
    def api_study(study_id: StudyId) -> dict[str, Any]:
        """One study: scenario text, seed, versions, sweep points, metric names."""
        rec = study(study_id)
        listed = next((s for s in studies() if s["study_id"] == study_id), rec)
        out = info({**rec, **{k: listed.get(k) for k in ("points", "done", "failed")}})
        out.update(
            scenario_text=rec.get("scenario_text"),
            scenario_sha256=rec.get("scenario_sha256"),
            sweep=rec.get("sweep") or [],
            sweep_points=rec["sweep_points"],
            metrics=sorted({m for r in replication_rows(study_id, None) for m in r["stats"]}),
        )
        return out

    @app.get(
        "/api/studies/{study_id}/replications",
        response_model=list[Replication],
        responses={404: {"description": "No such study"}, 400: {"description": "Bad sort"}},
        tags=["api"],
    )
    def api_replications(
        study_id: StudyId,
        point: Annotated[int | None, Query(ge=0, le=100_000)] = None,
        sort: Annotated[str, Query(max_length=100, description="rep or a metric")] = "rep",
        order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
        offset: Annotated[int, Query(ge=0, le=MAX_REP)] = 0,
    ) -> list[dict[str, Any]]:
        """Replications with their study-wide statistics, sorted (e.g. ``sort=leaks&order=desc``
        for the worst first)."""
        rec = study(study_id)
        if point is not None and point not in {p["point"] for p in rec["sweep_points"]}:
            raise HTTPException(404, f"study {study_id} has no sweep point {point}")
        rows = sorted_rows(replication_rows(study_id, point), sort, order == "desc")
        return rows[offset : offset + limit]

    def one_replication(study_id: str, rep: int, point: int) -> dict[str, Any]:
        study(study_id)
        with lock:
            reps = store.replications(study_id, point, rep=rep).to_pylist()
            stats = store.stats(study_id, point, rep=rep).to_pylist()
        if not reps:
            raise HTTPException(404, f"no replication {rep} at point {point} of {study_id}")
        r = reps[0]
        try:
            summary = json.loads(r["summary"] or "{}")
        except ValueError:
            summary = {}
        return {
            "point": point,
            "rep": rep,
            "status": r["status"],
            "duration_s": _finite(r["duration_s"]),
            "error": r["error"] or None,
            "stats": {s["metric"]: _finite(s["value"]) for s in stats if s["key"] == ""},
            "summary": summary if isinstance(summary, dict) else {},
            "keyed_stats": [
                {
                    "metric": s["metric"],
                    "key": s["key"],
                    "type": s["type"],
                    "value": _finite(s["value"]),
                }
                for s in stats
                if s["key"] != ""
            ],
        }

    @app.get(
        "/api/studies/{study_id}/replications/{rep}",
        response_model=ReplicationDetail,
        responses={404: {"description": "No such study or replication"}},
        tags=["api"],
    )
    def api_replication(study_id: StudyId, rep: Rep, point: PointQ = 0) -> dict[str, Any]:
        """One replication: statistics and the engine's summary."""
        return one_replication(study_id, rep, point)

    # ---------------------------------------------------------------- HTML pages
    @app.get("/", response_class=HTMLResponse, tags=["pages"])
    def index() -> HTMLResponse:
        """The studies in the store."""
        rows = "".join(
            f"<tr><td><a href='/studies/{html.escape(s['study_id'])}'>"
            f"{html.escape(s['study_id'])}</a></td><td>{html.escape(str(s['name'] or ''))}</td>"
            f"<td>{html.escape(str(s['scenario_file'] or ''))}</td><td>{s['seed']}</td>"
            f"<td>{s['done']}/{s['runs']}</td><td>{s['points']}</td>"
            f"<td>{html.escape(str(s['created_utc'] or ''))}</td></tr>"
            for s in studies()
        )
        body = (
            f"<h1>Studies in {html.escape(path.name)}</h1><table class='sortable'><thead><tr>"
            "<th>study</th><th>name</th><th>scenario</th><th>seed</th><th>done</th>"
            f"<th>points</th><th>created (UTC)</th></tr></thead><tbody>{rows}</tbody></table>"
            if rows
            else "<h1>No study in this store yet</h1>"
        )
        return HTMLResponse(_page("openiads studies", body))

    @app.get(
        "/studies/{study_id}",
        response_class=HTMLResponse,
        responses={404: {"description": "No such study"}},
        tags=["pages"],
    )
    def study_page(study_id: StudyId) -> HTMLResponse:
        """Replications of a study with their statistics; click a column to sort."""
        rec = study(study_id)
        rows = replication_rows(study_id, None)
        metrics = sorted({m for r in rows for m in r["stats"]})
        head = "".join(f"<th>{html.escape(m)}</th>" for m in metrics)
        sid = html.escape(study_id)
        body_rows = []
        for r in rows:
            cells = "".join(f"<td class='n'>{_num(r['stats'].get(m))}</td>" for m in metrics)
            link = f"/studies/{sid}/replay/{r['rep']}?point={r['point']}"
            body_rows.append(
                f"<tr><td class='n'>{r['point']}</td><td class='n'>{r['rep']}</td>"
                f"<td>{html.escape(r['status'])}</td>{cells}"
                f"<td><a href='{link}'>replay</a></td></tr>"
            )
        points = "".join(
            f"<li>point {p['point']}: {html.escape(str(p['label'] or p['params']))}</li>"
            for p in rec["sweep_points"]
        )
        body = (
            f"<p><a href='/'>&larr; all studies</a></p><h1>{html.escape(str(rec['name']))}</h1>"
            f"<p>study {sid} · scenario {html.escape(str(rec['scenario_file']))} · seed "
            f"{rec['seed']} · {rec['runs']} replications per point · catalog "
            f"{html.escape(str(rec['catalog_version']))}</p><ul>{points}</ul>"
            "<p>Click a column heading to sort (again for descending); "
            "<em>replay</em> re-simulates that replication from the stored scenario and seed.</p>"
            "<table class='sortable'><thead><tr><th>point</th><th>rep</th><th>status</th>"
            f"{head}<th></th></tr></thead><tbody>{''.join(body_rows)}</tbody></table>"
        )
        return HTMLResponse(_page(f"study {study_id}", body))

    @app.get(
        "/studies/{study_id}/replay/{rep}",
        response_class=HTMLResponse,
        responses={404: {"description": "No such study or replication"}},
        tags=["pages"],
    )
    def replay_page(study_id: StudyId, rep: Rep, point: PointQ = 0) -> HTMLResponse:
        """The HTML replay of one replication (re-simulated on demand, then cached)."""
        one_replication(study_id, rep, point)  # 404 unless stored
        key = (study_id, point, rep)
        with cache_lock:
            page = cache.get(key)
        if page is None:
            from openiads.viewer.report import render_report

            try:
                outcome = replay_fn(path, study_id, rep, point)
            except InputError as err:
                raise HTTPException(409, f"cannot replay: {err}") from None
            page = render_report(outcome)
            with cache_lock:
                cache[key] = page
                while len(cache) > REPLAY_CACHE_SIZE:
                    cache.popitem(last=False)
        return HTMLResponse(page)

    @app.get("/studies", include_in_schema=False)
    def studies_redirect() -> RedirectResponse:
        return RedirectResponse("/")

    return app


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d2329}
table{border-collapse:collapse}td,th{border-bottom:1px solid #dde;padding:3px 8px;text-align:left}
th{cursor:pointer;background:#eef1f4;position:sticky;top:0}td.n{text-align:right}
a{color:#1f5fa8}
"""

_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var tb = th.closest('table').tBodies[0], rows = Array.from(tb.rows);
    var desc = th.dataset.dir !== 'desc'; th.dataset.dir = desc ? 'desc' : 'asc';
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y), c;
      if (!isNaN(nx) && !isNaN(ny)) c = nx - ny; else if (isNaN(nx) !== isNaN(ny)) c = isNaN(nx) ? 1 : -1;
      else c = x.localeCompare(y);
      return desc ? -c : c;
    });
    rows.forEach(function (r) { tb.appendChild(r); });
  });
});
"""


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}<script>{_SORT_JS}</script></body></html>"
    )
