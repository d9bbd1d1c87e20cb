"""Tacview ACMI 2.x text (``.txt.acmi``) for flight-simulation users.

The format, as Tacview publishes it (ACMI flight recordings 2.2): a UTF-8 text file starting
with ``FileType=text/acmi/tacview`` and ``FileVersion=2.2``; global properties on object id
``0`` (``0,ReferenceTime=...``, ``0,Title=...``, ``0,ReferenceLongitude=...``,
``0,ReferenceLatitude=...``); then frames: a line ``#<seconds since ReferenceTime>``
followed by object lines ``<hex id>,T=<lon>|<lat>|<alt>,Name=...,Type=...,Coalition=...``
(longitude and latitude relative to the reference point, altitude in metres) and ``-<hex
id>`` when an object is removed. Events are written as ``0,Event=<kind>|<ids>|<text>``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from openiads.export.common import (
    downsample_indices,
    epoch_of,
    event_rows,
    group_trajectories,
    iso,
    object_rows,
    scenario_name,
)
from openiads.outcome import Outcome

#: Tacview object types (its ``Type=`` tag) for our categories and classes.
_TYPES: dict[str, str] = {
    "interceptor": "Weapon+Missile",
    "cruise_missile": "Weapon+Missile",
    "uav": "Air+UAV",
    "airliner": "Air+FixedWing",
    "site": "Ground+Static+AntiAircraft",
}
_COALITION = {
    "hostile": "Enemies",
    "friendly": "Allies",
    "defence": "Allies",
    "neutral": "Neutrals",
    "civil": "Neutrals",
}
#: Tacview's events for our event kinds.
_EVENTS = {"launch": "Message", "kill": "Destroyed", "leak": "Message", "detect": "Message"}


def _escape(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace(",", "\\,").replace("\n", " ")


def acmi_text(outcome: Outcome, max_points_per_object: int = 5000) -> str:
    """The run as ACMI 2.2 text (see module doc)."""
    epoch = epoch_of(outcome.manifest)
    rows = object_rows(outcome)
    tracks = group_trajectories(outcome.trajectories)
    lat_ref, lon_ref = _reference(rows, tracks)
    hex_id = {str(r["id"]): f"{k + 1:x}" for k, r in enumerate(rows)}
    lines = [
        "FileType=text/acmi/tacview",
        "FileVersion=2.2",
        f"0,ReferenceTime={iso(epoch, 0.0).replace('.000Z', 'Z')}",
        f"0,Title={_escape(scenario_name(outcome.manifest))}",
        "0,DataSource=openiads",
        f"0,ReferenceLongitude={lon_ref:g}",
        f"0,ReferenceLatitude={lat_ref:g}",
    ]
    # (time, order, line): order keeps object creation before updates at the same time.
    timed: list[tuple[float, int, str]] = []

    def props(r: dict[str, Any]) -> str:
        kind = _TYPES.get(str(r["cls"]), _TYPES.get(str(r["category"]), "Air"))
        out = f"Name={_escape(r['type'] or r['id'])},Type={kind}"
        out += f",Coalition={_COALITION.get(str(r['side']), 'Neutrals')}"
        out += f",CallSign={_escape(r['id'])}"
        if r["category"] == "interceptor" and r["parent"]:
            parent = hex_id.get(str(r["parent"]))
            if parent:
                out += f",Parent={parent}"
        return out

    for r in rows:
        oid = str(r["id"])
        h = hex_id[oid]
        if r["category"] == "site":
            if r["lat_deg"] is None or r["lon_deg"] is None:
                continue
            pos = _t(r["lon_deg"] - lon_ref, r["lat_deg"] - lat_ref, r["alt_m"] or 0.0)
            rng = r["engage_range_m"]
            extra = f",EngagementRange={rng:.0f}" if rng else ""
            timed.append((0.0, 0, f"{h},T={pos},{props(r)}{extra}"))
            continue
        track = tracks.get(oid)
        if track is None or len(track.t_s) == 0:
            continue
        idx = downsample_indices(track.t_s, max_points_per_object)
        t, lon, lat, alt = track.t_s[idx], track.lon_deg[idx], track.lat_deg[idx], track.alt_m[idx]
        for k in range(len(t)):
            first = k == 0
            text = f"{h},T={_t(lon[k] - lon_ref, lat[k] - lat_ref, alt[k])}"
            timed.append((float(t[k]), 0 if first else 1, text + (f",{props(r)}" if first else "")))
        timed.append((float(t[-1]), 3, f"-{h}"))
    for ev in event_rows(outcome):
        tag = _EVENTS.get(str(ev["kind"]))
        if tag is None:
            continue
        ids = [hex_id[x] for x in (ev["actor"], ev["target"]) if x in hex_id]
        if tag == "Destroyed":
            ids = [hex_id[ev["target"]]] if ev["target"] in hex_id else ids
        text = _escape(f"{ev['kind']} {ev['actor']} -> {ev['target']}")
        timed.append((float(ev["t"]), 2, f"0,Event={tag}|{'|'.join(ids)}|{text}"))
    timed.sort(key=lambda x: (x[0], x[1]))
    frame: float | None = None
    for t_s, _, line in timed:
        if frame is None or t_s != frame:
            lines.append(f"#{t_s:.2f}")
            frame = t_s
        lines.append(line)
    return "\n".join(lines) + "\n"


def _t(lon: float, lat: float, alt: float) -> str:
    return f"{lon:.7f}|{lat:.7f}|{alt:.1f}"


def _reference(rows: list[dict[str, Any]], tracks: dict[str, Any]) -> tuple[float, float]:
    """Reference point: the mean site position (else the first sample), whole degrees."""
    lats = [r["lat_deg"] for r in rows if r["category"] == "site" and r["lat_deg"] is not None]
    lons = [r["lon_deg"] for r in rows if r["category"] == "site" and r["lon_deg"] is not None]
    if not lats:
        for tr in tracks.values():
            lats, lons = [float(tr.lat_deg[0])], [float(tr.lon_deg[0])]
            break
    if not lats:
        return 0.0, 0.0
    return float(math.floor(np.mean(lats))), float(math.floor(np.mean(lons)))


def write_acmi(outcome: Outcome, path: str | Path, max_points_per_object: int = 5000) -> Path:
    """Write the run as Tacview ACMI 2.2 text to ``path``; returns the path."""
    out = Path(path)
    out.write_text(acmi_text(outcome, max_points_per_object), encoding="utf-8")
    return out
