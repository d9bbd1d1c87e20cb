"""GeoJSON (RFC 7946) for QGIS and other GIS tools.

One FeatureCollection with a ``layer`` property on every feature so a GIS can split it:
``site`` (Point), ``coverage`` (Polygon rings of nominal detection and engagement range),
``route`` (LineString with altitude as the third coordinate, one per air object and
interceptor, with start/end times and final state), ``area`` (defended areas, civil
corridors) and ``event`` (Point where a launch, kill, miss or leak happened). Coordinates
are longitude, latitude (degrees, WGS-84) and altitude (m).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from openiads.export.common import (
    areas_of,
    circle_latlon,
    downsample_indices,
    epoch_of,
    event_rows,
    events_at_objects,
    group_trajectories,
    iso,
    object_rows,
    scenario_name,
    state_changes,
)
from openiads.outcome import Outcome

_EVENT_KINDS = ("launch", "kill", "miss", "leak")


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _r(x: float, nd: int = 6) -> float:
    return round(float(x), nd)


def build_geojson(outcome: Outcome, max_points_per_object: int = 2000) -> dict[str, Any]:
    """The run as a GeoJSON FeatureCollection (a plain dict; see module doc)."""
    epoch = epoch_of(outcome.manifest)
    rows = object_rows(outcome)
    tracks = group_trajectories(outcome.trajectories)
    events = event_rows(outcome)
    changes = state_changes(outcome, events)
    features: list[dict[str, Any]] = []
    for r in rows:
        oid = str(r["id"])
        common = {"id": oid, "type": r["type"], "side": r["side"], "cls": r["cls"]}
        if r["category"] == "site":
            if r["lat_deg"] is None or r["lon_deg"] is None:
                continue
            point = {
                "type": "Point",
                "coordinates": [_r(r["lon_deg"]), _r(r["lat_deg"]), _r(r["alt_m"] or 0.0, 1)],
            }
            features.append(
                _feature(
                    point,
                    layer="site",
                    detect_range_m=r["detect_range_m"],
                    engage_range_m=r["engage_range_m"],
                    **common,
                )
            )
            for key, kind in (("detect_range_m", "detection"), ("engage_range_m", "engagement")):
                if not r[key]:
                    continue
                lat, lon = circle_latlon(r["lat_deg"], r["lon_deg"], r[key])
                ring = [[_r(a), _r(b)] for a, b in zip(lon, lat, strict=True)]
                features.append(
                    _feature(
                        {"type": "Polygon", "coordinates": [ring]},
                        layer="coverage",
                        site=oid,
                        kind=kind,
                        radius_m=r[key],
                    )
                )
            continue
        track = tracks.get(oid)
        if track is None or len(track.t_s) == 0:
            continue
        idx = downsample_indices(track.t_s, max_points_per_object)
        coords = [
            [_r(lon), _r(lat), _r(alt, 1)]
            for lon, lat, alt in zip(
                track.lon_deg[idx], track.lat_deg[idx], track.alt_m[idx], strict=True
            )
        ]
        if len(coords) == 1:
            coords.append(list(coords[0]))
        states = changes.get(oid, [])
        features.append(
            _feature(
                {"type": "LineString", "coordinates": coords},
                layer="route",
                category=r["category"],
                parent=r["parent"] or None,
                start=iso(epoch, float(track.t_s[0])),
                end=iso(epoch, float(track.t_s[-1])),
                start_s=float(track.t_s[0]),
                end_s=float(track.t_s[-1]),
                final_state=states[-1][1] if states else None,
                **common,
            )
        )
    for area in areas_of(outcome.manifest):
        if area["ring"]:
            ring = [[_r(lon), _r(lat)] for lat, lon in area["ring"]]
            if ring[0] != ring[-1]:
                ring.append(list(ring[0]))
            geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [_ccw(ring)]}
        else:
            geometry = {
                "type": "LineString",
                "coordinates": [[_r(lon), _r(lat)] for lat, lon in area["line"]],
            }
        features.append(
            _feature(
                geometry, layer="area", id=area["id"], kind=area["kind"], width_m=area["width_m"]
            )
        )
    known = {str(r["id"]) for r in rows}
    for ev, obj, (ev_lat, ev_lon, ev_alt) in events_at_objects(events, tracks, _EVENT_KINDS, known):
        features.append(
            _feature(
                {"type": "Point", "coordinates": [_r(ev_lon), _r(ev_lat), _r(ev_alt, 1)]},
                layer="event",
                kind=ev["kind"],
                actor=ev["actor"],
                target=obj,
                t_s=float(ev["t"]),
                time=iso(epoch, float(ev["t"])),
            )
        )
    return {
        "type": "FeatureCollection",
        "name": scenario_name(outcome.manifest),
        "features": features,
    }


def _ccw(ring: list[list[float]]) -> list[list[float]]:
    """RFC 7946 wants exterior rings counter-clockwise (positive shoelace area)."""
    area = sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))
    return ring if area > 0 else ring[::-1]


def write_geojson(outcome: Outcome, path: str | Path, max_points_per_object: int = 2000) -> Path:
    """Write the run as GeoJSON to ``path``; returns the path."""
    out = Path(path)
    out.write_text(
        json.dumps(build_geojson(outcome, max_points_per_object), separators=(",", ":")),
        encoding="utf-8",
    )
    return out
