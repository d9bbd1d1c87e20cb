"""What every export and the viewer read out of an Outcome, in one place.

The engine's manifest and event table are the contract (:mod:`openiads.outcome`); these
helpers read them tolerantly (unknown event kinds are ignored, missing manifest fields get
a documented fallback) and turn them into plain NumPy arrays per object.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from openiads.outcome import Outcome

#: Display states of an air object, in the order they can happen.
STATES: tuple[str, ...] = ("undetected", "detected", "tracked", "engaged", "killed", "leaked")

#: Which event kind puts the target into which state.
EVENT_STATE: dict[str, str] = {
    "detect": "detected",
    "track_confirmed": "tracked",
    "track_fused": "tracked",
    "engage": "engaged",
    "launch": "engaged",
    "kill": "killed",
    "leak": "leaked",
    "exit": "exited",
}

#: RGBA of each side (CZML colours them so; KML writes the same colours as aabbggrr).
SIDE_RGBA: dict[str, tuple[int, int, int, int]] = {
    "hostile": (220, 40, 40, 255),
    "friendly": (40, 110, 230, 255),
    "neutral": (40, 170, 80, 255),
    "civil": (40, 170, 80, 255),
    "defence": (40, 110, 230, 255),
}

_EPOCH_FALLBACK = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Track:
    """Sampled positions of one object (time-ordered arrays, SI units)."""

    id: str
    t_s: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray


def epoch_of(manifest: dict[str, Any]) -> datetime:
    """The scenario epoch (UTC) from the manifest; 2000-01-01T00:00Z when absent."""
    raw = manifest.get("epoch")
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, str) and raw:
        text = raw.replace("Z", "+00:00")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return _EPOCH_FALLBACK
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return _EPOCH_FALLBACK


def iso(epoch: datetime, t_s: float) -> str:
    """ISO 8601 UTC text of ``epoch + t_s`` (to the millisecond, ``Z`` suffix)."""
    moment = epoch + timedelta(seconds=float(t_s))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def scenario_name(manifest: dict[str, Any]) -> str:
    """The scenario's name, or ``"openiads run"``."""
    for key in ("scenario_name", "name", "scenario"):
        value = manifest.get(key)
        if isinstance(value, str) and value:
            return value
    return "openiads run"


def _latlon_ring(raw: Any) -> list[tuple[float, float]]:
    """A polygon as written in a scenario: ``[[lat, lon], ...]`` or ``[{lat, lon}, ...]``."""
    ring: list[tuple[float, float]] = []
    for p in raw or []:
        if isinstance(p, dict):
            ring.append((float(p["lat"]), float(p["lon"])))
        else:
            ring.append((float(p[0]), float(p[1])))
    return ring


def areas_of(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Defended areas and civil corridors: ``{"id", "kind", "ring", "line", "width_m"}``.

    Reads ``defended_areas`` (each with a ``polygon`` of ``[lat, lon]`` points, or a
    ``circle`` ``{lat, lon, radius_m}`` turned into a 73-point geodesic ring) and
    ``civil_corridors`` (each with ``polygon``, or a ``path`` of points plus ``width_m``,
    drawn as its centre line). Rings are ``[(lat, lon), ...]``.
    """
    out: list[dict[str, Any]] = []
    for kind, key in (("defended_area", "defended_areas"), ("civil_corridor", "civil_corridors")):
        for k, area in enumerate(manifest.get(key) or []):
            if not isinstance(area, dict):
                continue
            ring = _latlon_ring(area.get("polygon"))
            circle = area.get("circle")
            if not ring and isinstance(circle, dict) and circle.get("radius_m"):
                lat, lon = circle_latlon(
                    float(circle["lat"]), float(circle["lon"]), float(circle["radius_m"])
                )
                ring = [(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]
            line = _latlon_ring(area.get("path") or area.get("centerline") or area.get("route"))
            if not ring and not line:
                continue
            out.append(
                {
                    "id": str(area.get("id", f"{kind}-{k}")),
                    "kind": kind,
                    "ring": ring,
                    "line": line,
                    "width_m": float(area.get("width_m", 0.0) or 0.0),
                }
            )
    return out


def group_trajectories(trajectories: pa.Table) -> dict[str, Track]:
    """Trajectory rows split by object id, each sorted by time (stable order of ids)."""
    if trajectories.num_rows == 0:
        return {}
    ids = trajectories["id"].to_numpy(zero_copy_only=False).astype(str)
    t_s = trajectories["t"].to_numpy()
    order = np.lexsort((t_s, ids))
    ids_sorted = ids[order]
    cols = {
        name: trajectories[name].to_numpy()[order] for name in ("t", "lat_deg", "lon_deg", "alt_m")
    }
    unique, starts = np.unique(ids_sorted, return_index=True)
    ends = np.append(starts[1:], len(ids_sorted))
    return {
        str(u): Track(
            id=str(u),
            t_s=cols["t"][a:b],
            lat_deg=cols["lat_deg"][a:b],
            lon_deg=cols["lon_deg"][a:b],
            alt_m=cols["alt_m"][a:b],
        )
        for u, a, b in zip(unique, starts, ends, strict=True)
    }


def downsample_indices(
    t_s: np.ndarray, max_points: int, keep_t_s: np.ndarray | None = None
) -> np.ndarray:
    """Indices of at most about ``max_points`` samples, evenly spread in time.

    The first and last samples are always kept, and so is the sample nearest each time in
    ``keep_t_s`` (the object's events), so a replay still shows where things happened.
    """
    n = len(t_s)
    if n <= max_points:
        return np.arange(n)
    step = max(1, math.ceil((n - 1) / max(1, max_points - 1)))
    idx = np.arange(0, n, step)
    extra = [n - 1]
    if keep_t_s is not None and len(keep_t_s):
        near = np.clip(np.searchsorted(t_s, keep_t_s), 0, n - 1)
        extra.extend(near.tolist())
    return np.unique(np.concatenate([idx, np.asarray(extra, dtype=np.int64)]))


def object_rows(outcome: Outcome) -> list[dict[str, Any]]:
    """The objects table as dicts, NaN ranges turned into ``None``."""
    rows = outcome.objects.to_pylist()
    for r in rows:
        for key in ("lat_deg", "lon_deg", "alt_m", "detect_range_m", "engage_range_m"):
            v = r.get(key)
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                r[key] = None
    return rows


def event_rows(outcome: Outcome) -> list[dict[str, Any]]:
    """Events in time order (stable), ``details`` decoded to a dict."""
    rows = outcome.events.to_pylist()
    for r in rows:
        try:
            r["details"] = json.loads(r["details"]) if r["details"] else {}
        except (TypeError, ValueError):
            r["details"] = {"text": str(r["details"])}
        if not isinstance(r["details"], dict):
            r["details"] = {"value": r["details"]}
    rows.sort(key=lambda r: float(r["t"]))
    return rows


def event_object(
    event: dict[str, Any], known: set[str] | frozenset[str], air_order: list[str] | None = None
) -> str | None:
    """The air object an event is about.

    Its ``target`` if that names an object; else ``details.object`` / ``truth_id`` /
    ``target_id`` naming one; else an integer ``details.truth_id`` read as the index of the
    air object in the objects table (``air_order``), as the trackers write it for track
    events whose target is a track id.
    """
    target = event.get("target") or ""
    if target in known:
        return str(target)
    details = event.get("details") or {}
    for key in ("object", "truth_id", "target_id", "object_id"):
        value = details.get(key)
        if isinstance(value, str) and value in known:
            return value
    index = details.get("truth_id")
    if air_order and isinstance(index, int) and not isinstance(index, bool):
        if 0 <= index < len(air_order):
            return air_order[index]
    return None


def air_order(outcome: Outcome) -> list[str]:
    """Ids of the air objects in the order of the objects table (the engine's indices)."""
    cat = outcome.objects["category"].to_pylist()
    return [
        str(i) for i, c in zip(outcome.objects["id"].to_pylist(), cat, strict=True) if c == "air"
    ]


def state_changes(
    outcome: Outcome, events: list[dict[str, Any]] | None = None
) -> dict[str, list[tuple[float, str]]]:
    """For each air object, the times its display state changes: ``[(t_s, state), ...]``.

    States only move forward (``detected`` → ``tracked`` → ``engaged`` → ``killed`` /
    ``leaked``/ ``exited``): a second detection does not undo an engagement. ``events``:
    the run's :func:`event_rows` when the caller already has them (else they are read).
    """
    rank = {s: k for k, s in enumerate((*STATES, "exited"))}
    order = air_order(outcome)
    known = set(order)
    changes: dict[str, list[tuple[float, str]]] = {oid: [] for oid in order}
    current: dict[str, int] = dict.fromkeys(known, 0)
    for ev in event_rows(outcome) if events is None else events:
        state = EVENT_STATE.get(str(ev["kind"]))
        if state is None:
            continue
        obj = event_object(ev, known, order)
        if obj is None:
            continue
        r = rank[state]
        if r > current[obj] and current[obj] < rank["killed"]:
            current[obj] = r
            changes[obj].append((float(ev["t"]), state))
    return changes


def events_at_objects(
    events: list[dict[str, Any]],
    tracks: dict[str, Track],
    kinds: tuple[str, ...],
    known: set[str],
) -> Iterator[tuple[dict[str, Any], str, tuple[float, float, float]]]:
    """``(event, object id, (lat_deg, lon_deg, alt_m))`` for each event of ``kinds`` whose
    object (:func:`event_object`) has a track, placed where that object was at the time."""
    for ev in events:
        if ev["kind"] not in kinds:
            continue
        obj = event_object(ev, known)
        track = tracks.get(obj) if obj else None
        if obj is None or track is None:
            continue
        yield ev, obj, position_at(track, float(ev["t"]))


def end_time_s(outcome: Outcome) -> float:
    """Last time in the run: the manifest's duration, else the last sample or event."""
    for key in ("duration_s", "duration"):
        value = outcome.manifest.get(key)
        if isinstance(value, int | float) and math.isfinite(value) and value > 0:
            return float(value)
    last = 0.0
    if outcome.trajectories.num_rows:
        last = max(last, float(pc.max(outcome.trajectories["t"]).as_py()))
    if outcome.events.num_rows:
        last = max(last, float(pc.max(outcome.events["t"]).as_py()))
    return last


def circle_latlon(
    lat_deg: float, lon_deg: float, radius_m: float, n: int = 73
) -> tuple[np.ndarray, np.ndarray]:
    """A closed ring of ``n`` points at geodesic distance ``radius_m`` (WGS-84, Vincenty)."""
    from pymap3d.vincenty import vreckon

    azimuth_deg = np.linspace(0.0, 360.0, n)
    lat, lon = vreckon(lat_deg, lon_deg, radius_m, azimuth_deg)
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    lon = np.where(lon - lon_deg > 180.0, lon - 360.0, lon)
    lon = np.where(lon - lon_deg < -180.0, lon + 360.0, lon)
    lat[-1], lon[-1] = lat[0], lon[0]
    return lat, lon


def position_at(track: Track, t_s: float) -> tuple[float, float, float]:
    """Linearly interpolated (lat_deg, lon_deg, alt_m) of a track at ``t_s`` (clamped)."""
    return (
        float(np.interp(t_s, track.t_s, track.lat_deg)),
        float(np.interp(t_s, track.t_s, track.lon_deg)),
        float(np.interp(t_s, track.t_s, track.alt_m)),
    )
