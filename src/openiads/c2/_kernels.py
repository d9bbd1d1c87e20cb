"""Compiled inner loop of threat evaluation (numba): every track against every defended area.

The decide stage evaluates a handful of tracks against a handful of areas many thousand times
per study; done with NumPy that is dozens of calls on two-element arrays each time, so the
loop over (track, area, polygon edge) is compiled here instead. The geometry is the one
described in :mod:`openiads.c2.threat`; ``tests/test_c2_threat.py`` checks it against
matplotlib's point-in-polygon and against hand-computed entry times.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@njit(cache=True)
def _circle_entry(
    dx: float, dy: float, vx: float, vy: float, r: float
) -> float:  # pragma: no cover
    """First t ≥ 0 with |d + v t| ≤ r: 0 if already inside, inf if never."""
    dd = dx * dx + dy * dy - r * r
    if dd <= 0.0:
        return 0.0
    vv = vx * vx + vy * vy
    dv = dx * vx + dy * vy
    disc = dv * dv - vv * dd
    if disc < 0.0 or vv <= 0.0:
        return math.inf
    t_hit = (-dv - math.sqrt(disc)) / vv
    return t_hit if t_hit >= 0.0 else math.inf


@njit(cache=True)
def threat_geometry(
    pos: FloatArray,
    vel: FloatArray,
    vertices: FloatArray,
    start: NDArray[np.int64],
    centers: FloatArray,
    radii: FloatArray,
) -> tuple[FloatArray, NDArray[np.bool_], FloatArray]:  # pragma: no cover - compiled
    """Per track (rows of ``pos``/``vel``, east/north used): the time to the nearest area's
    circumscribing circle (0 inside an area), whether it is inside an area, and the exact
    time to enter one.

    Area ``a`` is the polygon ``vertices[start[a]:start[a + 1]]`` (east, north), or a circle
    of ``radii[a]`` about ``centers[a]`` when that slice is empty. Entry is the earliest
    crossing of the track's straight-line ray with a polygon edge (Cramer's rule), or the
    circle's entry time; both times are 0 inside an area and inf if never.
    """
    n = pos.shape[0]
    n_areas = centers.shape[0]
    tgo = np.full(n, np.inf)
    inside = np.zeros(n, dtype=np.bool_)
    entry = np.full(n, np.inf)
    for c in range(n):
        px, py = pos[c, 0], pos[c, 1]
        vx, vy = vel[c, 0], vel[c, 1]
        t_circle = math.inf
        t_entry = math.inf
        ins = False
        for a in range(n_areas):
            dx, dy = px - centers[a, 0], py - centers[a, 1]
            t_c = _circle_entry(dx, dy, vx, vy, radii[a])
            t_circle = min(t_circle, t_c)
            s, e = start[a], start[a + 1]
            if s == e:  # a circle: its own entry time is exact
                t_entry = min(t_entry, t_c)
                if math.hypot(dx, dy) <= radii[a]:
                    ins = True
                continue
            crossings = 0
            for i in range(s, e):
                j = i + 1 if i + 1 < e else s
                ax, ay = vertices[i, 0], vertices[i, 1]
                bx, by = vertices[j, 0], vertices[j, 1]
                # crossing number: edges straddling the horizontal line through the point
                if (ay > py) != (by > py):
                    x_cross = ax + (py - ay) * (bx - ax) / (by - ay)
                    if px < x_cross:
                        crossings += 1
                ex, ey = bx - ax, by - ay
                denom = vx * ey - vy * ex
                if denom != 0.0:
                    wx, wy = ax - px, ay - py
                    t_hit = (wx * ey - wy * ex) / denom
                    u_hit = (wx * vy - wy * vx) / denom
                    if t_hit >= 0.0 and 0.0 <= u_hit <= 1.0:
                        t_entry = min(t_entry, t_hit)
            if crossings % 2 == 1:
                ins = True
        tgo[c] = 0.0 if ins else t_circle
        inside[c] = ins
        entry[c] = 0.0 if ins else t_entry
    return tgo, inside, entry
