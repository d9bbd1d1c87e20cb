"""The self-contained HTML replay of one run.

:func:`write_report` turns an :class:`~openiads.outcome.Outcome` into ONE HTML file that opens
offline in any browser: Leaflet (from the PyPI package ``xstatic-leaflet``), the replay
script, its style sheet, the Natural Earth basemap (:mod:`openiads.viewer.basemap`) and the
run's data are all inlined; the page makes no network request.

Large runs stay usable: trajectories are down-sampled to a total point budget (evenly in
time, always keeping each object's first and last samples and its event times), numbers are
quantized to what a screen can show (1 ms, 1e-5° ≈ 1 m, 1 m) and delta-encoded, the
command post's per-radar fusion events are counted but not listed, the event list only
builds the rows in view, and moving objects are drawn on their own canvas so the basemap
is not redrawn every frame.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from openiads.errors import InputError
from openiads.export.common import (
    air_order,
    areas_of,
    downsample_indices,
    end_time_s,
    epoch_of,
    event_object,
    event_rows,
    group_trajectories,
    iso,
    object_rows,
    scenario_name,
    state_changes,
)
from openiads.outcome import Outcome
from openiads.viewer.basemap import basemap_for

#: Total trajectory points kept for display, shared across objects.
DEFAULT_POINT_BUDGET = 120_000
#: Event kinds counted but not listed in the page: the command post's per-radar fusion
#: updates, tens of thousands in a large raid, that add nothing a reader can follow (the
#: object's "tracked" state already comes from them).
UNLISTED_EVENTS = frozenset({"track_fused"})
#: Most rows of any list in the engine's summary shown in the page.
MAX_SUMMARY_ROWS = 200
#: Bounds on the points kept per object, whatever the budget.
MIN_POINTS_PER_OBJECT = 24
MAX_POINTS_PER_OBJECT = 1_500

CAVEATS = (
    "A mission-level model built only from public, encyclopedic-level figures: no 6-DoF "
    "flight, no signal processing, no crew behaviour. Detection and engagement rings are "
    "nominal figures, not measured coverage. It cannot tell you what a real system would do."
)


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's script and style sheet, the sheet's images inlined as data URIs."""
    import xstatic.pkg.leaflet as leaflet

    base = Path(leaflet.BASE_DIR)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        image = base / match.group(1)
        if not image.is_file():  # pragma: no cover - depends on the packaged Leaflet
            return "none"
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    return (base / "leaflet.js").read_text(encoding="utf-8"), css


def _asset(name: str) -> str:
    return resources.files("openiads.viewer").joinpath("assets").joinpath(name).read_text("utf-8")


def _template() -> str:
    return (
        resources.files("openiads.viewer")
        .joinpath("templates")
        .joinpath("report.html")
        .read_text("utf-8")
    )


def _round_list(values: np.ndarray, digits: int) -> list[float]:
    return [float(v) for v in np.round(values.astype(float), digits)]


def _magazines(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Interceptors left (when launch events say so) or launched, per fire unit, over time."""
    left: dict[str, list[list[float]]] = {}
    launched: dict[str, list[list[float]]] = {}
    has_left = True
    for ev in events:
        if ev["kind"] == "reload":  # a reload only moves the "left" curve, when it says so
            ready = ev["details"].get("ready", ev["details"].get("left"))
            unit = str(ev["details"].get("fire_unit") or ev["actor"])
            if isinstance(ready, int) and unit in left:
                left[unit].append([round(float(ev["t"]), 1), float(ready)])
            continue
        if ev["kind"] != "launch":
            continue
        details = ev["details"]
        unit = str(details.get("fire_unit") or ev["actor"])
        t = round(float(ev["t"]), 1)
        series = launched.setdefault(unit, [[0.0, 0.0]])
        series.append([t, series[-1][1] + 1])
        value = next(
            (details[k] for k in ("left", "remaining", "ready") if isinstance(details.get(k), int)),
            None,
        )
        if value is None:
            has_left = False
        else:
            first = left.setdefault(unit, [[0.0, float(value) + 1]])
            first.append([t, float(value)])
    if has_left and left:
        return {"label": "interceptors left", "series": left}
    return {"label": "interceptors launched", "series": launched}


_GEOMETRIES = ("LineString", "MultiLineString", "Polygon", "MultiPolygon")


def coverage_features(coverage: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Line and polygon features of a GeoJSON FeatureCollection (e.g. the contours written by
    ``openiads coverage map --contours``), properties kept; anything else is dropped."""
    if not coverage:
        return []
    if not isinstance(coverage, dict) or coverage.get("type") != "FeatureCollection":
        raise InputError("coverage must be a GeoJSON FeatureCollection", field="coverage")
    out = []
    for f in coverage.get("features") or []:
        geom = f.get("geometry") if isinstance(f, dict) else None
        if isinstance(geom, dict) and geom.get("type") in _GEOMETRIES:
            props = f.get("properties") if isinstance(f.get("properties"), dict) else {}
            out.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": geom["type"], "coordinates": geom["coordinates"]},
                }
            )
    return out


def build_replay_data(
    outcome: Outcome,
    point_budget: int = DEFAULT_POINT_BUDGET,
    coverage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the replay page draws, as JSON-ready data (see module doc).

    ``coverage``: an optional GeoJSON FeatureCollection of coverage contours or zones
    drawn as its own layer (see :func:`coverage_features`).
    """
    epoch = epoch_of(outcome.manifest)
    rows = object_rows(outcome)
    tracks = group_trajectories(outcome.trajectories)
    events = event_rows(outcome)
    changes = state_changes(outcome, events)
    known = {str(r["id"]) for r in rows if r["category"] != "site"}
    order = air_order(outcome)
    # The object each event is about, resolved once for the down-sampling and the list.
    event_objs = [event_object(ev, known, order) for ev in events]
    moving = [r for r in rows if r["category"] != "site" and str(r["id"]) in tracks]
    per_object = int(
        np.clip(point_budget // max(1, len(moving)), MIN_POINTS_PER_OBJECT, MAX_POINTS_PER_OBJECT)
    )
    event_times: dict[str, list[float]] = {}
    for ev, obj in zip(events, event_objs, strict=True):
        if obj:
            event_times.setdefault(obj, []).append(float(ev["t"]))

    objects = []
    for r in moving:
        oid = str(r["id"])
        tr = tracks[oid]
        idx = downsample_indices(tr.t_s, per_object, np.asarray(event_times.get(oid, [])))
        objects.append(
            {
                "id": oid,
                "cat": r["category"],
                "type": r["type"],
                "side": r["side"],
                "cls": r["cls"],
                "parent": r["parent"],
                "t": _round_list(tr.t_s[idx], 3),
                "lat": _round_list(tr.lat_deg[idx], 5),
                "lon": _round_list(tr.lon_deg[idx], 5),
                "alt": _round_list(tr.alt_m[idx], 0),
                "states": [[round(t, 3), s] for t, s in changes.get(oid, [])],
            }
        )
    sites = [
        {
            "id": str(r["id"]),
            "type": r["type"],
            "side": r["side"],
            "cls": r["cls"],
            "parent": r["parent"],
            "lat": r["lat_deg"],
            "lon": r["lon_deg"],
            "alt": r["alt_m"],
            "detect_m": r["detect_range_m"],
            "engage_m": r["engage_range_m"],
        }
        for r in rows
        if r["category"] == "site" and r["lat_deg"] is not None and r["lon_deg"] is not None
    ]
    areas = [
        {
            "id": a["id"],
            "kind": a["kind"],
            "ring": [[lat, lon] for lat, lon in a["ring"]],
            "line": [[lat, lon] for lat, lon in a["line"]],
            "width_m": a["width_m"],
        }
        for a in areas_of(outcome.manifest)
    ]
    event_list = [
        {
            "t": round(float(ev["t"]), 3),
            "kind": str(ev["kind"]),
            "actor": str(ev["actor"] or ""),
            "target": str(ev["target"] or ""),
            "obj": obj,
        }
        for ev, obj in zip(events, event_objs, strict=True)
        if ev["kind"] not in UNLISTED_EVENTS
    ]
    unlisted = Counter(str(ev["kind"]) for ev in events if ev["kind"] in UNLISTED_EVENTS)
    lats = [s["lat"] for s in sites] + [v for o in objects for v in (min(o["lat"]), max(o["lat"]))]
    lons = [s["lon"] for s in sites] + [v for o in objects for v in (min(o["lon"]), max(o["lon"]))]
    for a in areas:
        for lat, lon in a["ring"] + a["line"]:
            lats.append(lat)
            lons.append(lon)
    bbox = (min(lons), min(lats), max(lons), max(lats)) if lats else (-180.0, -60.0, 180.0, 75.0)
    kinds = Counter(str(ev["kind"]) for ev in events)
    final = Counter(
        o["states"][-1][1] if o["states"] else "undetected" for o in objects if o["cat"] == "air"
    )
    sides = Counter(o["side"] for o in objects if o["cat"] == "air")
    stats = {
        "air objects": sum(sides.values()),
        **{f"air objects, {k}": v for k, v in sorted(sides.items())},
        **{f"final state: {k}": v for k, v in sorted(final.items())},
        "interceptors launched": kinds.get("launch", 0),
        "kills": kinds.get("kill", 0),
        "misses": kinds.get("miss", 0),
        "leaks": kinds.get("leak", 0),
    }
    return {
        "title": scenario_name(outcome.manifest),
        "epoch": iso(epoch, 0.0),
        "t_end": end_time_s(outcome),
        "seed": outcome.manifest.get("seed"),
        "bbox": list(bbox),
        "basemap": basemap_for(bbox),
        "sites": sites,
        "objects": objects,
        "events": event_list,
        "unlisted_events": dict(sorted(unlisted.items())),
        "areas": areas,
        "coverage": {"type": "FeatureCollection", "features": coverage_features(coverage)},
        "stats": stats,
        "summary": _jsonable(outcome.summary),
        "magazines": _magazines(events),
        "points_per_object": per_object,
        "caveats": CAVEATS,
    }


def _jsonable(value: Any) -> Any:
    """``value`` with NaN/inf turned into ``None`` (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    return value


def _delta_ints(values: list[float], scale: float) -> list[int]:
    """``values`` quantized to ``1/scale`` and delta-encoded (first value absolute)."""
    q = np.round(np.asarray(values, dtype=float) * scale).astype(np.int64)
    return [int(v) for v in np.diff(q, prepend=np.int64(0))]


#: Quantization of the packed tracks and event times (units per metre, degree, second).
PACKING = {"t": 1000.0, "lat": 1e5, "lon": 1e5, "alt": 1.0}


def _cap_lists(value: Any, limit: int) -> Any:
    if isinstance(value, dict):
        return {k: _cap_lists(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_cap_lists(v, limit) for v in value[:limit]]
    return value


def pack_replay_data(data: dict[str, Any]) -> dict[str, Any]:
    """The compact form embedded in the page: tracks and event times as delta-encoded
    integers (:data:`PACKING`), events as columns over a table of names."""
    packed = dict(data)
    packed["packing"] = PACKING
    packed["objects"] = [
        {**o, **{key: _delta_ints(o[key], PACKING[key]) for key in ("t", "lat", "lon", "alt")}}
        for o in data["objects"]
    ]
    events = data["events"]
    kinds = sorted({e["kind"] for e in events})
    names: dict[str, int] = {}

    def name(x: str | None) -> int:
        if not x:
            return -1
        return names.setdefault(x, len(names))

    packed["events"] = {
        "n": len(events),
        "kinds": kinds,
        "t": _delta_ints([e["t"] for e in events], PACKING["t"]),
        "k": [kinds.index(e["kind"]) for e in events],
        "a": [name(e["actor"]) for e in events],
        "g": [name(e["target"]) for e in events],
        "o": [name(e["obj"]) for e in events],
    }
    packed["events"]["names"] = list(names)
    packed["summary"] = _cap_lists(data["summary"], MAX_SUMMARY_ROWS)
    return packed


def _script_safe(text: str) -> str:
    """Text that cannot close the ``<script>`` element it is inlined into."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_report(
    outcome: Outcome,
    point_budget: int = DEFAULT_POINT_BUDGET,
    coverage: dict[str, Any] | None = None,
) -> str:
    """The replay page of ``outcome`` as one HTML string (see module doc)."""
    data = build_replay_data(outcome, point_budget, coverage)
    leaflet_js, leaflet_css = _leaflet_assets()
    payload = json.dumps(_jsonable(pack_replay_data(data)), separators=(",", ":"), allow_nan=False)
    parts = {
        "{{TITLE}}": html.escape(data["title"]),
        "/*{{LEAFLET_CSS}}*/": leaflet_css,
        "/*{{REPLAY_CSS}}*/": _asset("replay.css"),
        "/*{{LEAFLET_JS}}*/": _script_safe(leaflet_js),
        "/*{{REPLAY_JS}}*/": _script_safe(_asset("replay.js")),
        "{{DATA}}": _script_safe(payload),
    }
    page = _template()
    for key, value in parts.items():
        page = page.replace(key, value)
    return page


def write_report(
    outcome: Outcome, path: str | Path, *, coverage: dict[str, Any] | None = None
) -> Path:
    """Write the self-contained HTML replay of ``outcome`` to ``path``; returns the path.

    ``coverage``: optional GeoJSON FeatureCollection of coverage contours to overlay (e.g.
    the file written by ``openiads coverage map --contours``).
    """
    out = Path(path)
    out.write_text(render_report(outcome, coverage=coverage), encoding="utf-8")
    return out
