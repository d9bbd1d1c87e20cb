"""Compiled inner loops of the decide stage (numba): which tracks are candidates, in which
threat order, which (track, fire unit, missile) options pass every pre-check, and the
earliest tick at which a blocked one could pass.

The rules are those of docs/models/engine.md ("decide"): fire-control radar holds the target,
reaction time elapsed since the track was confirmed, rules of engagement, a salvo's worth of
ready rounds, salvos left under the doctrine, and the target within the missile's reach
during its flight time. For every blocked option the kernel also gives a lower bound on when
all its blocking conditions could have cleared (tracks change only at radar scans, rounds
only at reloads), which lets the engine skip ticks on which no decision can differ.
``tests/test_engine_idle_ticks.py`` checks that skipping changes nothing.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from openiads.c2._kernels import threat_geometry

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

ROE_FREE, ROE_TIGHT, ROE_HOLD, ROE_AREA = 0, 1, 2, 3

#: Fire units and missiles: enu (F,3), fc_radar (F,), reaction_s (F,), roe (F,), salvo (F,),
#: shoot_look_shoot (F,), max_salvos (F,), then missiles' max_range_m (M,), max_tof_s (M,).
Units = tuple[
    FloatArray,
    IntArray,
    FloatArray,
    IntArray,
    IntArray,
    NDArray[np.bool_],
    IntArray,
    FloatArray,
    FloatArray,
]
#: What changes during a run: last_seen (R,N), scan_period_s (R,), next_scan (R,),
#: ready (F,M), reload_at (F,M), salvos_at_target (N,).
State = tuple[FloatArray, FloatArray, FloatArray, IntArray, FloatArray, IntArray]
#: Packed defended areas (openiads.c2.PackedAreas): vertices, start, centers, radii.
AreaArrays = tuple[FloatArray, IntArray, FloatArray, FloatArray]


@njit(cache=True)
def engage_options(
    t: float,
    tick: float,
    hold_scans: float,
    obj: IntArray,
    seen_t: FloatArray,
    pos: FloatArray,
    vel: FloatArray,
    tgo: FloatArray,
    inside: NDArray[np.bool_],
    entry: FloatArray,
    units: Units,
    state: State,
) -> tuple[NDArray[np.bool_], float]:  # pragma: no cover - compiled
    """Options (C,F,M) that pass every pre-check, and the earliest time any option's decision
    could change (``t + tick`` if one passes; never later than the next radar scan)."""
    fu_enu, fc_radar, reaction_s, roe, salvo, shoot_look_shoot, max_salvos = units[:7]
    max_range_m, max_tof_s = units[7], units[8]
    last_seen, scan_period_s, next_scan, ready, reload_at, salvos_at_target = state
    n_c, n_f, n_m = obj.shape[0], fu_enu.shape[0], max_range_m.shape[0]
    passes = np.zeros((n_c, n_f, n_m), dtype=np.bool_)
    next_any = math.inf
    for r in range(next_scan.shape[0]):
        next_any = min(next_any, next_scan[r])
    wake_min = math.inf
    for c in range(n_c):
        o = obj[c]
        speed = math.sqrt(vel[c, 0] * vel[c, 0] + vel[c, 1] * vel[c, 1] + vel[c, 2] * vel[c, 2])
        for f in range(n_f):
            fc = max(fc_radar[f], 0)
            holds = fc_radar[f] >= 0 and (
                t - last_seen[fc, o] <= hold_scans * scan_period_s[fc] + tick
            )
            react_at = seen_t[c] + reaction_s[f]
            react_ok = t >= react_at
            rule = roe[f]
            roe_ok = (
                rule == ROE_FREE
                or (rule == ROE_TIGHT and math.isfinite(tgo[c]))
                or (rule == ROE_AREA and inside[c])
            )
            more = salvos_at_target[o] < (max_salvos[f] if shoot_look_shoot[f] else 1)
            gx = pos[c, 0] - fu_enu[f, 0]
            gy = pos[c, 1] - fu_enu[f, 1]
            gz = pos[c, 2] - fu_enu[f, 2]
            dist = math.sqrt(gx * gx + gy * gy + gz * gz)
            for m in range(n_m):
                stock = ready[f, m] >= salvo[f]
                reach = max_range_m[m] + speed * max_tof_s[m]
                near = dist <= reach
                if holds and react_ok and roe_ok and stock and more and near:
                    passes[c, f, m] = True
                    wake_min = min(wake_min, t + tick)
                    continue
                # Earliest time every blocking condition could have cleared.
                wake = -math.inf
                if not holds:
                    wake = max(wake, next_scan[fc])
                if not react_ok:
                    wake = max(wake, react_at)
                if not roe_ok:
                    if rule == ROE_TIGHT:
                        wake = max(wake, next_any)
                    elif rule == ROE_AREA:
                        wake = max(wake, t + max(entry[c], tick))
                    else:
                        wake = math.inf
                if not stock:
                    wake = max(wake, reload_at[f, m])
                if not more:
                    wake = math.inf
                if not near:
                    wake = max(wake, t + (dist - reach) / max(speed, 1.0))
                wake_min = min(wake_min, min(wake, next_any))
    return passes, wake_min


@njit(cache=True)
def plan_engagements(
    t: float,
    tick: float,
    hold_scans: float,
    hostile_side: int,
    track_ids: IntArray,
    confirmed: NDArray[np.bool_],
    truth_id: IntArray,
    x_enu: FloatArray,
    first_confirmed: FloatArray,
    side: IntArray,
    alive: NDArray[np.bool_],
    rounds_left: IntArray,
    busy_until: FloatArray,
    areas: AreaArrays,
    units: Units,
    state: State,
) -> tuple[IntArray, NDArray[np.bool_], float]:  # pragma: no cover - compiled
    """One decide step over the fused picture.

    Records in ``first_confirmed`` (indexed by fused track id, +inf = not yet) the time each
    track is first seen confirmed. Candidates are confirmed tracks of live hostile objects
    that are not being engaged (no rounds in the air, kill assessment over), one per object
    (the first track in picture order); they are ordered by time to go to the nearest
    defended area (stable). Returns the ordered candidate rows, the options (C,F,M) passing
    every pre-check (:func:`engage_options`), and the earliest time any decision could
    change (including the end of a kill assessment). ``areas``, ``units`` and ``state``:
    see :data:`AreaArrays`, :data:`Units`, :data:`State`.
    """
    vertices, start, centers, radii = areas
    n_t = track_ids.shape[0]
    for i in range(n_t):
        if confirmed[i] and math.isinf(first_confirmed[track_ids[i]]):
            first_confirmed[track_ids[i]] = t
    wake = math.inf
    taken = np.zeros(side.shape[0], dtype=np.bool_)
    rows = np.empty(n_t, dtype=np.int64)
    n_c = 0
    for i in range(n_t):
        o = truth_id[i]
        if not confirmed[i] or o < 0 or side[o] != hostile_side or not alive[o]:
            continue
        if rounds_left[o] != 0:  # rounds in the air: re-examined when the last one lands
            continue
        if busy_until[o] > t:  # kill assessment under way
            wake = min(wake, busy_until[o])
            continue
        if not taken[o]:
            taken[o] = True
            rows[n_c] = i
            n_c += 1
    rows = rows[:n_c]
    pos = np.empty((n_c, 3))
    vel = np.empty((n_c, 3))
    for j in range(n_c):
        for d in range(3):
            pos[j, d] = x_enu[rows[j], d]
            vel[j, d] = x_enu[rows[j], 3 + d]
    tgo, inside, entry = threat_geometry(pos, vel, vertices, start, centers, radii)
    order = np.argsort(tgo, kind="mergesort")  # stable: picture order among equal times
    rows = rows[order]
    obj = np.empty(n_c, dtype=np.int64)
    seen_t = np.empty(n_c)
    for j in range(n_c):
        obj[j] = truth_id[rows[j]]
        seen_t[j] = first_confirmed[track_ids[rows[j]]]
    passes, wake_options = engage_options(
        t,
        tick,
        hold_scans,
        obj,
        seen_t,
        pos[order],
        vel[order],
        tgo[order],
        inside[order],
        entry[order],
        units,
        state,
    )
    return rows, passes, min(wake, wake_options)
