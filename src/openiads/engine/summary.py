"""The summary of one run, computed from its event table and objects table only.

Because it reads nothing but the Outcome, the same function summarises a fresh run, a run
folder read back from disk, or a replication replayed from a study store.
"""

from __future__ import annotations

import json
from typing import Any

from openiads.outcome import Outcome


def summarize(outcome: Outcome) -> dict[str, Any]:
    """Per air object, per fire unit and overall figures of one run (JSON-ready).

    Keys: ``objects`` (one dict per air object: first detection time, range and radar,
    first confirmed track, engagements, shots, status ``killed`` / ``leaked`` / ``exited`` /
    ``alive`` and when), ``shots`` (every interceptor: launch time and site, missile,
    target, planned time of flight, result and miss distance), ``fire_units`` (rounds spent per missile, time the magazine ran
    empty), and totals: ``hostile``, ``kills``, ``leakers``, ``interceptors_spent``, plus
    ``first_detection_range_m`` and ``object_types`` keyed by object id.
    """
    objs = outcome.objects.to_pylist()
    air = [o for o in objs if o["category"] == "air"]
    sites = [o for o in objs if o["category"] == "site" and o["cls"] == "fire_unit"]
    per: dict[str, dict[str, Any]] = {
        o["id"]: {
            "id": o["id"],
            "type": o["type"],
            "side": o["side"],
            "cls": o["cls"],
            "first_detection_s": None,
            "first_detection_range_m": None,
            "first_detection_radar": None,
            "first_track_s": None,
            "engagements": 0,
            "shots": 0,
            "status": "alive",
            "status_s": None,
            "killed_by": None,
        }
        for o in air
    }
    index_to_id = [o["id"] for o in air]
    site_pos = {s["id"]: (s["lat_deg"], s["lon_deg"]) for s in sites}
    shots: dict[str, dict[str, Any]] = {}
    fus: dict[str, dict[str, Any]] = {
        s["id"]: {"system": s["type"], "spent": {}, "spent_total": 0, "magazine_empty_s": None}
        for s in sites
    }
    ev = outcome.events
    cols = {name: ev[name].to_pylist() for name in ev.column_names}
    for t, kind, actor, target, details in zip(
        cols["t"], cols["kind"], cols["actor"], cols["target"], cols["details"], strict=True
    ):
        if kind == "detect" and target in per:
            o = per[target]
            if o["first_detection_s"] is None:
                d = json.loads(details)
                o.update(
                    first_detection_s=t,
                    first_detection_range_m=d.get("range_m"),
                    first_detection_radar=actor,
                )
        elif kind == "track_confirmed":
            truth = json.loads(details).get("truth_id", -1)
            if isinstance(truth, int) and 0 <= truth < len(index_to_id):
                o = per[index_to_id[truth]]
                if o["first_track_s"] is None:
                    o["first_track_s"] = t
        elif kind == "engage" and target in per:
            per[target]["engagements"] += 1
        elif kind == "launch":
            d = json.loads(details)
            missile = d.get("missile", "?")
            lat, lon = site_pos.get(actor, (None, None))
            shots[d.get("interceptor", "?")] = {
                "interceptor": d.get("interceptor"),
                "launch_s": t,
                "fire_unit": actor,
                "launch_lat_deg": lat,
                "launch_lon_deg": lon,
                "missile": missile,
                "target": target,
                "planned_tof_s": d.get("tof_s"),
                "result": None,
                "result_s": None,
                "miss_distance_m": None,
            }
            if target in per:
                per[target]["shots"] += 1
            fu = fus.setdefault(
                actor, {"system": "", "spent": {}, "spent_total": 0, "magazine_empty_s": None}
            )
            fu["spent"][missile] = fu["spent"].get(missile, 0) + 1
            fu["spent_total"] += 1
        elif kind in ("kill", "miss") and actor in shots:
            d = json.loads(details)
            shots[actor].update(
                result="kill" if kind == "kill" else f"miss ({d.get('reason', '')})",
                result_s=t,
                miss_distance_m=d.get("miss_distance_m"),
            )
            if kind == "kill" and target in per and per[target]["status"] == "alive":
                per[target].update(status="killed", status_s=t, killed_by=d.get("fire_unit"))
        elif kind in ("leak", "exit") and target in per:
            o = per[target]
            if o["status"] == "alive":
                o["status"] = {"leak": "leaked", "exit": "exited"}[kind]
                o["status_s"] = t
        elif kind == "magazine_empty" and actor in fus and fus[actor]["magazine_empty_s"] is None:
            fus[actor]["magazine_empty_s"] = t

    objects = list(per.values())
    hostile = [o for o in objects if o["side"] == "hostile"]
    return {
        "scenario": outcome.manifest.get("scenario_name"),
        "seed": outcome.manifest.get("seed"),
        "hostile": len(hostile),
        "detected": sum(o["first_detection_s"] is not None for o in hostile),
        "tracked": sum(o["first_track_s"] is not None for o in hostile),
        "engaged": sum(o["engagements"] > 0 for o in hostile),
        "kills": sum(o["status"] == "killed" for o in objects),
        "leakers": sum(o["status"] == "leaked" for o in hostile),
        "survivors": sum(o["status"] in ("alive", "exited") for o in hostile),
        "interceptors_spent": sum(f["spent_total"] for f in fus.values()),
        "fire_units": fus,
        "objects": objects,
        "shots": list(shots.values()),
        "first_detection_range_m": {o["id"]: o["first_detection_range_m"] for o in objects},
        "object_types": {o["id"]: o["type"] for o in objects},
        "interceptors_spent_by_fire_unit": {k: f["spent_total"] for k, f in fus.items()},
        "magazine_empty_s": {k: f["magazine_empty_s"] for k, f in fus.items()},
    }
