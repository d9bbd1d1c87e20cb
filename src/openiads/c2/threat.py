"""Threat evaluation: how soon does each track reach a defended area?

Each defended area is represented, for threat evaluation, by the circle that contains it
(centroid and circumradius for polygons); each track is extrapolated in a straight line at
its estimated horizontal velocity. The time to go is the first time the extrapolated
position enters that circle (0 if the track is already inside the area itself, ``inf`` if
it never does). Fire units under ``weapons-tight`` engage only tracks with a finite time to
go; every engageable track is served in increasing time-to-go order (earliest threat first).
This is the classic closest-approach threat ranking (e.g. Roux & van Vuuren, "Threat
evaluation and weapon assignment decision support: a review", ORiON 23(2), 2007).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from openiads.c2._kernels import threat_geometry
from openiads.scenario.compile import Areas


@dataclass(frozen=True)
class PackedAreas:
    """Defended areas as flat arrays for the compiled kernel: polygon ``a`` is
    ``vertices[start[a]:start[a + 1]]`` (an empty slice marks a circle)."""

    vertices: np.ndarray  # (V,2) east, north
    start: np.ndarray  # (A+1,)
    centers: np.ndarray  # (A,2)
    radii: np.ndarray  # (A,)


def pack_areas(areas: Areas) -> PackedAreas:
    """Flatten ``areas`` once; pass the result to :func:`threat_times` many times."""
    polys = [
        np.zeros((0, 2)) if p is None else np.asarray(p, dtype=float) for p in areas.polygons_enu
    ]
    counts = np.array([len(p) for p in polys], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    vertices = np.ascontiguousarray(np.concatenate(polys) if polys else np.zeros((0, 2)))
    return PackedAreas(
        vertices=vertices.reshape(-1, 2),
        start=start,
        centers=np.ascontiguousarray(areas.centers_enu, dtype=float).reshape(-1, 2),
        radii=np.ascontiguousarray(areas.radii_m, dtype=float).reshape(-1),
    )


def threat_times(
    packed: PackedAreas, pos_enu: np.ndarray, vel_enu: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For tracks (K,3) in the scenario frame: time to go (s) to the nearest area's
    circumscribing circle (0 inside an area), inside-an-area flags, and the exact time to
    cross into an area flying straight (0 inside, ``inf`` if never)."""
    pos = np.ascontiguousarray(pos_enu, dtype=float).reshape(-1, 3)
    vel = np.ascontiguousarray(vel_enu, dtype=float).reshape(-1, 3)
    return threat_geometry(pos, vel, packed.vertices, packed.start, packed.centers, packed.radii)


def time_to_defended_areas(
    areas: Areas, pos_enu: np.ndarray, vel_enu: np.ndarray, *, with_inside: bool = False
) -> Any:
    """Seconds until each track (positions/velocities (K,3) in the scenario ENU frame) first
    reaches any defended area flying straight; 0 if inside, ``inf`` if never.

    The time is to the area's circumscribing circle, so it is a lower bound for polygons.
    With ``with_inside``, also returns whether each track is inside an area itself.
    """
    tgo, inside, _ = threat_times(pack_areas(areas), pos_enu, vel_enu)
    return (tgo, inside) if with_inside else tgo


def time_to_enter_polygons(areas: Areas, pos_enu: np.ndarray, vel_enu: np.ndarray) -> np.ndarray:
    """Seconds until each track, flying straight, first crosses into a polygon area (0 if it
    is inside one, ``inf`` if it never does); circles use their exact entry time.

    Exact for the straight-line prediction: the earliest crossing of the track's ray with any
    polygon edge (Cramer's rule per track and edge), or the circle's entry time.
    """
    return threat_times(pack_areas(areas), pos_enu, vel_enu)[2]
