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

from typing import Any

import numpy as np

from openiads.scenario.compile import Areas, inside_areas


def time_to_defended_areas(
    areas: Areas, pos_enu: np.ndarray, vel_enu: np.ndarray, *, with_inside: bool = False
) -> Any:
    """Seconds until each track (positions/velocities (K,3) in the scenario ENU frame) first
    reaches any defended area flying straight; 0 if inside, ``inf`` if never.

    The time is to the area's circumscribing circle, so it is a lower bound for polygons.
    With ``with_inside``, also returns whether each track is inside an area itself.
    """
    pos_enu = np.asarray(pos_enu, dtype=float).reshape(-1, 3)
    vel_enu = np.asarray(vel_enu, dtype=float).reshape(-1, 3)
    if not areas.ids:
        none = np.full(len(pos_enu), np.inf)
        return (none, np.zeros(len(pos_enu), dtype=bool)) if with_inside else none
    d = pos_enu[:, None, :2] - areas.centers_enu[None, :, :]
    t_hit = _circle_entry_s(d, vel_enu[:, None, :2], areas.radii_m[None, :])
    tgo = t_hit.min(axis=1)
    if not with_inside:
        return tgo
    inside = inside_areas(areas, pos_enu[:, 0], pos_enu[:, 1])
    return np.where(inside, 0.0, tgo), inside


def time_to_enter_polygons(
    areas: Areas, pos_enu: np.ndarray, vel_enu: np.ndarray, *, inside: np.ndarray | None = None
) -> np.ndarray:
    """Seconds until each track, flying straight, first crosses into a polygon area (0 if it
    is inside one, ``inf`` if it never does); circles use their exact entry time.

    Exact for the straight-line prediction: the earliest crossing of the track's ray with any
    polygon edge (Cramer's rule per track and edge), or the circle's entry time. ``inside``
    may pass the already computed "inside an area" flags.
    """
    pos = np.asarray(pos_enu, dtype=float).reshape(-1, 3)[:, :2]
    vel = np.asarray(vel_enu, dtype=float).reshape(-1, 3)[:, :2]
    out = np.full(len(pos), np.inf)
    if not areas.ids:
        return out
    if inside is None:
        inside = inside_areas(areas, pos[:, 0], pos[:, 1])
    for poly, c, r in zip(areas.polygons_enu, areas.centers_enu, areas.radii_m, strict=True):
        if poly is None:
            out = np.minimum(out, _circle_entry_s(pos - c, vel, r))
            continue
        a = poly  # (P,2) edge starts
        e = np.roll(poly, -1, axis=0) - poly  # (P,2) edge vectors
        # Solve pos + vel t = a + e u, t >= 0, 0 <= u <= 1, for every (track, edge).
        denom = vel[:, None, 0] * e[None, :, 1] - vel[:, None, 1] * e[None, :, 0]
        w = a[None, :, :] - pos[:, None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            t_hit = (w[..., 0] * e[None, :, 1] - w[..., 1] * e[None, :, 0]) / denom
            u_hit = (w[..., 0] * vel[:, None, 1] - w[..., 1] * vel[:, None, 0]) / denom
        ok = (denom != 0) & (t_hit >= 0) & (u_hit >= 0) & (u_hit <= 1)
        out = np.minimum(out, np.where(ok, t_hit, np.inf).min(axis=1))
    return np.where(inside, 0.0, out)


def _circle_entry_s(offset_m: np.ndarray, vel_mps: np.ndarray, radius_m: Any) -> np.ndarray:
    """First time ≥ 0 at which ``offset + vel t`` (horizontal, (..., 2)) comes within
    ``radius`` of the centre: 0 if already inside, ``inf`` if never (|d + v t| = r)."""
    vv = np.sum(vel_mps * vel_mps, axis=-1)
    dv = np.sum(offset_m * vel_mps, axis=-1)
    dd = np.sum(offset_m * offset_m, axis=-1) - np.asarray(radius_m) ** 2
    disc = dv**2 - vv * dd
    with np.errstate(invalid="ignore", divide="ignore"):
        t_hit = (-dv - np.sqrt(np.maximum(disc, 0.0))) / vv
    t_hit = np.where((disc >= 0) & (vv > 0) & (t_hit >= 0), t_hit, np.inf)
    return np.where(dd <= 0, 0.0, t_hit)
