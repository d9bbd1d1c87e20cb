"""A small synthetic run, for trying the viewer and the exports without the engine.

:func:`sample_outcome` builds an :class:`~openiads.outcome.Outcome` by hand (no physics):
two air-defence sites near the Strait of Hormuz, a stream of hostile cruise missiles flying
at a defended port, a high-altitude drone and an airliner in a civil corridor. Threats are
detected, tracked and engaged by fixed rules so every event kind the viewer draws appears
(detect, track_confirmed, engage, launch, intercept, kill, miss, leak, exit). It is a
fixture, not a model: nothing in it says anything about real systems.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow as pa
import pymap3d

from openiads.outcome import EVENT_SCHEMA, OBJECT_SCHEMA, TRAJECTORY_SCHEMA, Outcome

ORIGIN = (26.20, 57.10, 20.0)  # lat_deg, lon_deg, alt_m of the local ENU frame
MISSILE_SPEED_MPS = 240.0
INTERCEPTOR_TOF_S = 30.0
DETECT_RANGE_M = 150_000.0


def _geo(east_m: np.ndarray, north_m: np.ndarray, up_m: np.ndarray) -> tuple[np.ndarray, ...]:
    lat, lon, alt = pymap3d.enu2geodetic(east_m, north_m, up_m, *ORIGIN)
    return np.asarray(lat), np.asarray(lon), np.asarray(alt)


class _Builder:
    def __init__(self) -> None:
        self.events: list[tuple[float, str, str, str, str]] = []
        self.traj: list[tuple[np.ndarray, str, np.ndarray, np.ndarray, np.ndarray]] = []
        self.objects: list[dict[str, object]] = []

    def event(self, t: float, kind: str, actor: str, target: str, **details: object) -> None:
        self.events.append((t, kind, actor, target, json.dumps(details) if details else ""))

    def path(self, oid: str, t: np.ndarray, e: np.ndarray, n: np.ndarray, u: np.ndarray) -> None:
        self.traj.append((t, oid, e, n, u))

    def obj(self, **row: object) -> None:
        base: dict[str, object] = {
            "type": "",
            "side": "",
            "cls": "",
            "parent": "",
            "lat_deg": math.nan,
            "lon_deg": math.nan,
            "alt_m": math.nan,
            "detect_range_m": math.nan,
            "engage_range_m": math.nan,
        }
        base.update(row)
        self.objects.append(base)

    def outcome(self, duration_s: float) -> Outcome:
        ts = np.concatenate([p[0] for p in self.traj])
        ids = np.concatenate([np.full(len(p[0]), p[1]) for p in self.traj])
        e = np.concatenate([p[2] for p in self.traj])
        n = np.concatenate([p[3] for p in self.traj])
        u = np.concatenate([p[4] for p in self.traj])
        lat, lon, _ = _geo(e, n, u)
        alt = u + ORIGIN[2]  # a flat-earth fixture: altitude is height above the origin
        trajectories = pa.table(
            {
                "t": ts,
                "id": ids.astype(str),
                "lat_deg": lat,
                "lon_deg": lon,
                "alt_m": alt,
                "east_m": e,
                "north_m": n,
                "up_m": u,
            },
            schema=TRAJECTORY_SCHEMA,
        )
        self.events.sort(key=lambda r: r[0])
        events = pa.table(
            {name: [r[k] for r in self.events] for k, name in enumerate(EVENT_SCHEMA.names)},
            schema=EVENT_SCHEMA,
        )
        objects = pa.Table.from_pylist(self.objects, schema=OBJECT_SCHEMA)
        manifest = {
            "scenario_name": "Synthetic Strait of Hormuz raid (viewer sample)",
            "epoch": "2019-06-19T23:00:00Z",
            "duration_s": duration_s,
            "tick_s": 1.0,
            "seed": 0,
            "origin": {"lat_deg": ORIGIN[0], "lon_deg": ORIGIN[1], "alt_m": ORIGIN[2]},
            "defended_areas": [
                {
                    "id": "port",
                    "polygon": [[26.30, 56.95], [26.30, 57.25], [26.10, 57.25], [26.10, 56.95]],
                }
            ],
            "civil_corridors": [
                {"id": "airway-1", "path": [[25.2, 55.4], [26.9, 58.6]], "width_m": 20_000.0}
            ],
        }
        summary = {
            "objects": int(sum(1 for o in self.objects if o["category"] == "air")),
            "kills": sum(1 for ev in self.events if ev[1] == "kill"),
            "leaks": sum(1 for ev in self.events if ev[1] == "leak"),
            "launches": sum(1 for ev in self.events if ev[1] == "launch"),
        }
        return Outcome(events, trajectories, objects, manifest, summary)


def sample_outcome(n_threats: int = 8, tick_s: float = 1.0) -> Outcome:
    """A deterministic synthetic run with ``n_threats`` cruise missiles (see module doc).

    Threat ``i`` starts at ``t = 5 i`` s (wrapping every 100 threats) ~220 km south-east of
    the port. Threats with ``i % 4 == 3`` fly too low to be seen and leak; the others are
    detected inside 150 km, engaged 20 s later by ``sam-long`` (or ``sam-short`` once its
    40 interceptors are spent), and killed, except ``i % 4 == 2``, whose interceptor misses
    so the threat leaks.
    """
    b = _Builder()
    b.obj(id="sam-long", category="site", type="S-300PMU-2", side="friendly", cls="fire_unit",
          lat_deg=ORIGIN[0], lon_deg=ORIGIN[1], alt_m=ORIGIN[2],
          detect_range_m=200_000.0, engage_range_m=120_000.0)  # fmt: skip
    short_lat, short_lon, _ = _geo(np.array([30_000.0]), np.array([-20_000.0]), np.array([0.0]))
    b.obj(id="sam-short", category="site", type="Tor-M1", side="friendly", cls="fire_unit",
          lat_deg=float(short_lat[0]), lon_deg=float(short_lon[0]), alt_m=10.0,
          detect_range_m=25_000.0, engage_range_m=12_000.0)  # fmt: skip
    site_enu = {"sam-long": (0.0, 0.0), "sam-short": (30_000.0, -20_000.0)}
    magazine = {"sam-long": 40, "sam-short": 1_000_000}
    end_s = 0.0

    # A high drone on a patrol line, detected and never engaged; an airliner in the corridor.
    t = np.arange(0.0, 1500.0 + tick_s / 2, tick_s)
    b.obj(id="rq4", category="air", type="RQ-4A", side="hostile", cls="uav")
    b.path("rq4", t, -150_000.0 + 160.0 * t, np.full_like(t, -90_000.0), np.full_like(t, 18_000.0))
    b.event(60.0, "detect", "sam-long", "rq4", range_m=170_000.0, snr_db=14.0)
    b.event(75.0, "track_confirmed", "sam-long", "rq4")
    b.event(1500.0, "exit", "rq4", "rq4")
    b.obj(id="civil-1", category="air", type="A320", side="neutral", cls="airliner")
    b.path("civil-1", t, -170_000.0 + 220.0 * t, -110_000.0 + 150.0 * t, np.full_like(t, 11_000.0))
    b.event(30.0, "detect", "sam-long", "civil-1", range_m=190_000.0, snr_db=20.0)
    b.event(1500.0, "exit", "civil-1", "civil-1")
    end_s = 1500.0

    for i in range(n_threats):
        oid = f"cm-{i:04d}"
        start = 5.0 * (i % 100) + 0.37 * (i // 100)
        angle = math.radians(-60.0 + 15.0 * ((i * 7) % 9) / 8.0)
        e0, n0 = 220_000.0 * math.cos(angle), 220_000.0 * math.sin(angle)
        flight_s = math.hypot(e0, n0) / MISSILE_SPEED_MPS
        alt = 30.0 if i % 4 == 3 else 60.0 + 10.0 * (i % 5)
        b.obj(id=oid, category="air", type="cruise-missile", side="hostile", cls="cruise_missile")

        def at(
            ts: np.ndarray,
            e0: float = e0,
            n0: float = n0,
            start: float = start,
            fs: float = flight_s,
        ) -> tuple[np.ndarray, np.ndarray]:
            f = np.clip((ts - start) / fs, 0.0, 1.0)
            return e0 * (1.0 - f), n0 * (1.0 - f)

        t_end = start + flight_s
        if i % 4 != 3:
            t_det = start + (220_000.0 - DETECT_RANGE_M) / MISSILE_SPEED_MPS
            b.event(t_det, "detect", "sam-long", oid, range_m=DETECT_RANGE_M, snr_db=13.0)
            b.event(t_det + 10.0, "track_confirmed", "sam-long", oid)
            fu = "sam-long" if magazine["sam-long"] > 0 else "sam-short"
            magazine[fu] -= 1
            t_launch = t_det + 20.0
            t_hit = t_launch + INTERCEPTOR_TOF_S
            b.event(t_launch, "engage", fu, oid, salvo=1)
            mid = f"{fu}-m{i:04d}"
            b.event(t_launch, "launch", fu, oid, missile=mid, tof_s=INTERCEPTOR_TOF_S,
                    left=magazine[fu] if fu == "sam-long" else None)  # fmt: skip
            b.obj(id=mid, category="interceptor", type="48N6E2", side="friendly",
                  cls="interceptor", parent=fu)  # fmt: skip
            ti = np.arange(t_launch, t_hit + tick_s / 2, tick_s)
            he, hn = at(np.array([t_hit]))
            se, sn = site_enu[fu]
            f = (ti - t_launch) / INTERCEPTOR_TOF_S
            b.path(mid, ti, se + f * (he[0] - se), sn + f * (hn[0] - sn),
                   20.0 + 4 * alt * f * (1.3 - f))  # fmt: skip
            b.event(t_hit, "intercept", mid, oid)
            if i % 4 == 2:
                b.event(t_hit, "miss", mid, oid, reason="pk draw")
                b.event(t_end, "leak", oid, oid, area="port")
            else:
                b.event(t_hit, "kill", mid, oid)
                t_end = t_hit
        else:
            b.event(t_end, "leak", oid, oid, area="port")
        tt = np.append(np.arange(start, t_end, tick_s), t_end)
        e, n = at(tt)
        b.path(oid, tt, e, n, np.full_like(tt, alt))
        end_s = max(end_s, t_end)
    return b.outcome(duration_s=math.ceil(end_s))
