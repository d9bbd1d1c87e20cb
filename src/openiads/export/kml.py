"""KML for Google Earth, written with ``simplekml``.

Air objects and interceptors are ``gx:Track`` placemarks (one ``when`` and one
``gx:coord`` per kept sample, so Google Earth's time slider animates them) inside a
``TimeSpan`` from first to last sample; sites are points with their detection and
engagement rings as outlined polygons; defended areas and civil corridors are polygons and
lines; kills, leaks and launches are point placemarks with a ``TimeStamp``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import simplekml

from openiads.export.common import (
    SIDE_RGBA,
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
)
from openiads.outcome import Outcome

_SIDE_KML = {side: f"{a:02x}{b:02x}{g:02x}{r:02x}" for side, (r, g, b, a) in SIDE_RGBA.items()}
_MARKED_EVENTS = ("launch", "kill", "miss", "leak")


def build_kml(outcome: Outcome, max_points_per_object: int = 2000) -> simplekml.Kml:
    """The KML document of a run (see module doc)."""
    epoch = epoch_of(outcome.manifest)
    kml = simplekml.Kml(name=scenario_name(outcome.manifest))
    sites = kml.newfolder(name="Sites")
    air = kml.newfolder(name="Air objects")
    interceptors = kml.newfolder(name="Interceptors")
    areas = kml.newfolder(name="Areas")
    events = kml.newfolder(name="Events")
    tracks = group_trajectories(outcome.trajectories)
    rows = object_rows(outcome)
    styles: dict[tuple[str, int], simplekml.Style] = {}

    def track_style(colour: str, width: int) -> simplekml.Style:
        # one shared style per colour and width, not one per placemark
        if (colour, width) not in styles:
            style = simplekml.Style()
            style.linestyle.color = colour
            style.linestyle.width = width
            style.iconstyle.color = colour
            styles[(colour, width)] = style
        return styles[(colour, width)]

    for r in rows:
        oid = str(r["id"])
        colour = _SIDE_KML.get(str(r["side"]), "ffc8c8c8")
        if r["category"] == "site":
            _site(sites, r, colour)
            continue
        track = tracks.get(oid)
        if track is None or len(track.t_s) == 0:
            continue
        interceptor = r["category"] == "interceptor"
        folder = interceptors if interceptor else air
        idx = downsample_indices(track.t_s, max_points_per_object)
        trk = folder.newgxtrack(name=oid, description=f"{r['type']} ({r['side']}, {r['cls']})")
        trk.altitudemode = simplekml.AltitudeMode.absolute
        trk.newwhen([_when(epoch, float(t)) for t in track.t_s[idx]])
        trk.newgxcoord(
            [
                (round(float(lon), 6), round(float(lat), 6), round(float(alt), 1))
                for lon, lat, alt in zip(
                    track.lon_deg[idx], track.lat_deg[idx], track.alt_m[idx], strict=True
                )
            ]
        )
        trk.timespan.begin = _when(epoch, float(track.t_s[0]))
        trk.timespan.end = _when(epoch, float(track.t_s[-1]))
        trk.style = track_style("ffe6c81e" if interceptor else colour, 1 if interceptor else 2)
    for area in areas_of(outcome.manifest):
        if area["ring"]:
            pol = areas.newpolygon(
                name=area["id"], outerboundaryis=[(lon, lat) for lat, lon in area["ring"]]
            )
            pol.style.polystyle.color = (
                "402828dc" if area["kind"] == "defended_area" else "4050aa28"
            )
            pol.description = area["kind"]
        else:
            line = areas.newlinestring(
                name=area["id"], coords=[(lon, lat) for lat, lon in area["line"]]
            )
            line.description = area["kind"]
    known = {str(r["id"]) for r in rows}
    marked = events_at_objects(event_rows(outcome), tracks, _MARKED_EVENTS, known)
    for ev, obj, (lat, lon, alt) in marked:
        pnt = events.newpoint(
            name=f"{ev['kind']} {obj}", coords=[(lon, lat, alt)], description=str(ev["actor"])
        )
        pnt.altitudemode = simplekml.AltitudeMode.absolute
        pnt.timestamp.when = _when(epoch, float(ev["t"]))
    return kml


def _when(epoch: Any, t_s: float) -> str:
    """ISO 8601 UTC, milliseconds only when there are some."""
    return iso(epoch, t_s).replace(".000Z", "Z")


def _site(folder: Any, r: dict[str, Any], colour: str) -> None:
    if r["lat_deg"] is None or r["lon_deg"] is None:
        return
    pnt = folder.newpoint(
        name=str(r["id"]),
        coords=[(r["lon_deg"], r["lat_deg"], r["alt_m"] or 0.0)],
        description=f"{r['type']} ({r['cls']})",
    )
    pnt.style.iconstyle.color = colour
    for key, label, line_colour in (
        ("detect_range_m", "detection", "ff28c8f0"),
        ("engage_range_m", "engagement", "ff3c3cdc"),
    ):
        radius = r[key]
        if not radius:
            continue
        lat, lon = circle_latlon(r["lat_deg"], r["lon_deg"], radius)
        pol = folder.newpolygon(
            name=f"{r['id']} {label} ring ({radius / 1000:.0f} km)",
            outerboundaryis=[
                (round(float(a), 6), round(float(b), 6)) for a, b in zip(lon, lat, strict=True)
            ],
        )
        pol.style.polystyle.fill = 0
        pol.style.linestyle.color = line_colour
        pol.style.linestyle.width = 2


def write_kml(outcome: Outcome, path: str | Path, max_points_per_object: int = 2000) -> Path:
    """Write the run as KML to ``path``; returns the path."""
    out = Path(path)
    out.write_text(build_kml(outcome, max_points_per_object).kml(format=False), encoding="utf-8")
    return out
