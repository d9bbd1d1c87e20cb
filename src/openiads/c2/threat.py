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

import numpy as np

from openiads.scenario.compile import Areas, inside_areas


def time_to_defended_areas(areas: Areas, pos_enu: np.ndarray, vel_enu: np.ndarray) -> np.ndarray:
    """Seconds until each track (positions/velocities (K,3) in the scenario ENU frame) first
    reaches any defended area flying straight; 0 if inside, ``inf`` if never."""
    pos_enu = np.asarray(pos_enu, dtype=float).reshape(-1, 3)
    vel_enu = np.asarray(vel_enu, dtype=float).reshape(-1, 3)
    if not areas.ids:
        return np.full(len(pos_enu), np.inf)
    inside = inside_areas(areas, pos_enu[:, 0], pos_enu[:, 1])
    d = pos_enu[:, None, :2] - areas.centers_enu[None, :, :]
    v = vel_enu[:, None, :2]
    vv = np.sum(v * v, axis=-1)
    dv = np.sum(d * v, axis=-1)
    dd = np.sum(d * d, axis=-1) - areas.radii_m[None, :] ** 2
    disc = dv**2 - vv * dd
    with np.errstate(invalid="ignore", divide="ignore"):
        t_hit = (-dv - np.sqrt(np.maximum(disc, 0.0))) / vv
    t_hit = np.where((disc >= 0) & (vv > 0) & (t_hit >= 0), t_hit, np.inf)
    t_hit = np.where(dd <= 0, 0.0, t_hit)
    return np.where(inside, 0.0, t_hit.min(axis=1))
