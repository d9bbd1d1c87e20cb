"""CZML for CesiumJS and STK: time-dynamic positions with paths, sites with coverage domes.

Written with ``czml3`` (4.x: the document packet is ``Packet(id="document", ...)``). Each
air object and interceptor is one packet whose ``position`` holds time-tagged
``cartographicDegrees`` samples (seconds since the scenario epoch) and whose
``availability`` spans its samples; its point colour follows its display state over time.
Each site carries a translucent upper hemisphere of its nominal engagement radius (the
"dome") and a ground ellipse of its detection radius.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from czml3 import Document, Packet
from czml3.enums import InterpolationAlgorithms
from czml3.properties import (
    Color,
    Ellipse,
    Ellipsoid,
    EllipsoidRadii,
    Material,
    Point,
    Polygon,
    Polyline,
    PolylineMaterial,
    Position,
    PositionList,
    SolidColorMaterial,
)
from czml3.properties import (
    Path as CzmlPath,
)
from czml3.types import IntervalValue, TimeInterval, TimeIntervalCollection

from openiads.export.common import (
    SIDE_RGBA,
    areas_of,
    downsample_indices,
    end_time_s,
    epoch_of,
    group_trajectories,
    iso,
    object_rows,
    scenario_name,
    state_changes,
)
from openiads.outcome import Outcome

#: RGBA of each state of an air object.
STATE_RGBA: dict[str, tuple[int, int, int, int]] = {
    "undetected": (150, 150, 150, 255),
    "detected": (240, 200, 40, 255),
    "tracked": (245, 140, 30, 255),
    "engaged": (220, 40, 40, 255),
    "killed": (40, 40, 40, 255),
    "leaked": (170, 30, 200, 255),
    "exited": (120, 120, 120, 255),
}
INTERCEPTOR_RGBA = (30, 200, 230, 255)


def _rgba(side: str) -> tuple[int, int, int, int]:
    return SIDE_RGBA.get(side, (200, 200, 200, 255))


def build_czml(outcome: Outcome, max_points_per_object: int = 2000) -> Document:
    """The CZML document of a run (see module doc)."""
    epoch = epoch_of(outcome.manifest)
    t_end = end_time_s(outcome)
    start, stop = iso(epoch, 0.0), iso(epoch, t_end)
    packets: list[Packet] = [
        Packet(
            id="document",
            name=scenario_name(outcome.manifest),
            version="1.0",
            clock=IntervalValue(start=start, end=stop, value=start),
        )
    ]
    tracks = group_trajectories(outcome.trajectories)
    changes = state_changes(outcome)
    for row in object_rows(outcome):
        oid = str(row["id"])
        if row["category"] == "site":
            packets.extend(_site_packets(row))
            continue
        track = tracks.get(oid)
        if track is None or len(track.t_s) == 0:
            continue
        idx = downsample_indices(track.t_s, max_points_per_object)
        samples = np.column_stack(
            [track.t_s[idx], track.lon_deg[idx], track.lat_deg[idx], track.alt_m[idx]]
        )
        interceptor = row["category"] == "interceptor"
        packets.append(
            Packet(
                id=oid,
                name=oid,
                description=f"{row['type']} ({row['side']}, {row['cls']})",
                availability=TimeInterval(
                    start=iso(epoch, float(track.t_s[0])), end=iso(epoch, float(track.t_s[-1]))
                ),
                position=Position.model_validate(
                    {
                        "epoch": start,
                        "interpolationAlgorithm": InterpolationAlgorithms.LINEAR,
                        "cartographicDegrees": [round(float(v), 7) for v in samples.ravel()],
                    }
                ),
                point=Point(
                    pixelSize=6 if interceptor else 9,
                    color=_state_color(epoch, changes.get(oid, []), row, t_end),
                    outlineColor=Color(rgba=[0, 0, 0, 255]),
                    outlineWidth=1,
                ),
                path=CzmlPath(
                    width=1 if interceptor else 2,
                    leadTime=0,
                    trailTime=120 if interceptor else 1e9,
                    material=PolylineMaterial(
                        solidColor=SolidColorMaterial(
                            color=Color(
                                rgba=list(INTERCEPTOR_RGBA if interceptor else _rgba(row["side"]))
                            )
                        )
                    ),
                ),
            )
        )
    for area in areas_of(outcome.manifest):
        packets.append(_area_packet(area))
    return Document(packets=packets)


def _state_color(
    epoch: Any, changes: list[tuple[float, str]], row: dict[str, Any], t_end: float
) -> Color | TimeIntervalCollection:
    if row["category"] != "air":
        return Color(rgba=list(INTERCEPTOR_RGBA))
    first = "undetected"
    bounds = [(0.0, first)] + [(t, s) for t, s in changes]
    values = []
    for k, (t0, state) in enumerate(bounds):
        t1 = bounds[k + 1][0] if k + 1 < len(bounds) else max(t_end, t0)
        values.append(
            IntervalValue(
                start=iso(epoch, t0),
                end=iso(epoch, t1),
                value=Color(rgba=list(STATE_RGBA.get(state, _rgba(row["side"])))),
            )
        )
    return TimeIntervalCollection(values=values)


def _site_packets(row: dict[str, Any]) -> list[Packet]:
    if row["lat_deg"] is None or row["lon_deg"] is None:
        return []
    alt = row["alt_m"] or 0.0
    pos = Position(cartographicDegrees=[row["lon_deg"], row["lat_deg"], alt])
    out = [
        Packet(
            id=str(row["id"]),
            name=str(row["id"]),
            description=f"{row['type']} ({row['cls']})",
            position=pos,
            point=Point(pixelSize=10, color=Color(rgba=list(_rgba(row["side"])))),
        )
    ]
    engage = row["engage_range_m"]
    if engage:
        out.append(
            Packet(
                id=f"{row['id']}/engagement-dome",
                name=f"{row['id']} engagement dome ({engage / 1000:.0f} km)",
                parent=str(row["id"]),
                position=pos,
                ellipsoid=Ellipsoid(
                    radii=EllipsoidRadii(cartesian=[engage, engage, engage]),
                    maximumCone=math.pi / 2,
                    material=Material(
                        solidColor=SolidColorMaterial(color=Color(rgba=[220, 60, 60, 50]))
                    ),
                    outline=True,
                    outlineColor=Color(rgba=[220, 60, 60, 160]),
                ),
            )
        )
    detect = row["detect_range_m"]
    if detect:
        out.append(
            Packet(
                id=f"{row['id']}/detection-ring",
                name=f"{row['id']} detection ring ({detect / 1000:.0f} km)",
                parent=str(row["id"]),
                position=pos,
                ellipse=Ellipse(
                    semiMajorAxis=detect,
                    semiMinorAxis=detect,
                    fill=False,
                    outline=True,
                    outlineColor=Color(rgba=[240, 200, 40, 200]),
                ),
            )
        )
    return out


def _area_packet(area: dict[str, Any]) -> Packet:
    rgba = [40, 110, 230, 60] if area["kind"] == "defended_area" else [40, 170, 80, 60]
    if area["ring"]:
        coords = [v for lat, lon in area["ring"] for v in (lon, lat, 0.0)]
        return Packet(
            id=f"area/{area['id']}",
            name=f"{area['kind'].replace('_', ' ')} {area['id']}",
            polygon=Polygon(
                positions=PositionList(cartographicDegrees=coords),
                material=Material(solidColor=SolidColorMaterial(color=Color(rgba=rgba))),
                outline=True,
                outlineColor=Color(rgba=[*rgba[:3], 220]),
            ),
        )
    coords = [v for lat, lon in area["line"] for v in (lon, lat, 0.0)]
    return Packet(
        id=f"area/{area['id']}",
        name=f"{area['kind'].replace('_', ' ')} {area['id']}",
        polyline=Polyline(
            positions=PositionList(cartographicDegrees=coords),
            width=max(1.0, area["width_m"] / 5000.0),
            material=PolylineMaterial(
                solidColor=SolidColorMaterial(color=Color(rgba=[*rgba[:3], 160]))
            ),
        ),
    )


def write_czml(outcome: Outcome, path: str | Path, max_points_per_object: int = 2000) -> Path:
    """Write the run as CZML to ``path``; returns the path."""
    out = Path(path)
    out.write_text(
        build_czml(outcome, max_points_per_object).model_dump_json(exclude_none=True),
        encoding="utf-8",
    )
    return out
