"""The offline basemap: Natural Earth land, coastlines and borders shipped with the package.

Provenance: Natural Earth 4.1.0 (public domain), as redistributed in TopoJSON by the npm
package ``world-atlas`` 2.0.2 (ISC licence). ``python -m openiads.viewer.basemap
countries-50m.json countries-110m.json`` converts those files into the compact JSON files in
``openiads/viewer/assets/`` (see docs/viewer.md for the exact steps). The conversion decodes
the TopoJSON arcs, unwraps every ring that crosses the ±180° meridian (so a web map does not
draw a band across the whole world), splits country arcs into borders (shared by two
countries) and keeps the merged ``land`` polygons, rounding coordinates to a precision that
suits the scale.

A report embeds the 1:110m layer for the whole world and the 1:50m layer only near the
scenario, so a report stays small.
"""

from __future__ import annotations

import itertools
import json
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

#: Files written by :func:`build` and read by :func:`load_basemap`.
BASEMAP_FILES = {"50m": "naturalearth-50m.json", "110m": "naturalearth-110m.json"}

PROVENANCE = (
    "Natural Earth 4.1.0 (public domain), via the npm package world-atlas 2.0.2 (ISC licence)"
)

Ring = list[float]  # flat [lon0, lat0, lon1, lat1, ...]


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat of every arc of a quantized TopoJSON topology."""
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    out: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        x = y = 0
        pts: list[tuple[float, float]] = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _arc(arcs: list[list[tuple[float, float]]], index: int) -> list[tuple[float, float]]:
    return list(reversed(arcs[~index])) if index < 0 else arcs[index]


def _ring(arcs: list[list[tuple[float, float]]], indices: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for k, i in enumerate(indices):
        a = _arc(arcs, i)
        pts.extend(a if k == 0 else a[1:])
    return pts


def unwrap_ring(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Make longitudes continuous along a ring (no jump larger than 180°).

    A ring that winds round a pole (Antarctica) does not close after unwrapping; it is closed
    along the pole's latitude so its filled area stays the same.
    """
    if not points:
        return []
    out = [points[0]]
    offset = 0.0
    for (lon0, _), (lon1, lat1) in itertools.pairwise(points):
        step = lon1 - lon0
        if step > 180.0:
            offset -= 360.0
        elif step < -180.0:
            offset += 360.0
        out.append((lon1 + offset, lat1))
    if abs(out[-1][0] - out[0][0]) > 180.0:  # winds round a pole: close it there
        pole = -90.0 if sum(p[1] for p in out) < 0 else 90.0
        out.extend([(out[-1][0], pole), (out[0][0], pole), out[0]])
    return out


def _polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def _flat(points: list[tuple[float, float]], digits: int) -> Ring:
    flat: Ring = []
    last: tuple[float, float] | None = None
    for lon, lat in points:
        p = (round(lon, digits), round(lat, digits))
        if p != last:
            flat.extend(p)
            last = p
    return flat


def convert_topology(topology: dict[str, Any], digits: int) -> dict[str, Any]:
    """Land rings and border lines of a world-atlas ``countries-*.json`` topology."""
    arcs = _decode_arcs(topology)
    land: list[Ring] = []
    for geom in topology["objects"]["land"]["geometries"]:
        for polygon in _polygons(geom):
            for ring in polygon:
                flat = _flat(unwrap_ring(_ring(arcs, ring)), digits)
                if len(flat) >= 8:
                    land.append(flat)
    # An arc used by two different countries is a border; one used once is a coastline.
    users: dict[int, set[int]] = {}
    for k, geom in enumerate(topology["objects"]["countries"]["geometries"]):
        for polygon in _polygons(geom):
            for ring in polygon:
                for i in ring:
                    users.setdefault(i if i >= 0 else ~i, set()).add(k)
    borders: list[Ring] = []
    for i in sorted(users):
        if len(users[i]) > 1:
            line = _flat(unwrap_ring(arcs[i]), digits)
            if len(line) >= 4:
                borders.append(line)
    return {"provenance": PROVENANCE, "land": land, "borders": borders}


def build(countries_50m: Path, countries_110m: Path, out_dir: Path) -> list[Path]:
    """Convert the two world-atlas files into the package's basemap files."""
    written = []
    for key, src, digits in (("50m", countries_50m, 3), ("110m", countries_110m, 2)):
        data = convert_topology(json.loads(Path(src).read_text()), digits)
        data["scale"] = f"1:{key}"
        path = out_dir / BASEMAP_FILES[key]
        path.write_text(json.dumps(data, separators=(",", ":")))
        written.append(path)
    return written


@cache
def load_basemap(scale: str) -> dict[str, Any]:
    """The shipped basemap at ``scale`` (``"50m"`` or ``"110m"``)."""
    ref = resources.files("openiads.viewer").joinpath("assets").joinpath(BASEMAP_FILES[scale])
    data: dict[str, Any] = json.loads(ref.read_text())
    return data


def _ring_bbox(ring: Ring) -> tuple[float, float, float, float]:
    lons, lats = ring[0::2], ring[1::2]
    return min(lons), min(lats), max(lons), max(lats)


def basemap_for(bbox: tuple[float, float, float, float], pad_deg: float = 8.0) -> dict[str, Any]:
    """Basemap for a report around ``bbox`` (lon_min, lat_min, lon_max, lat_max).

    The 1:50m rings and borders that touch the padded box, and the 1:110m ones that do not
    (so each land mass is drawn once, in detail where the run happens).
    """
    lon0, lat0, lon1, lat1 = bbox
    lon0, lat0, lon1, lat1 = lon0 - pad_deg, lat0 - pad_deg, lon1 + pad_deg, lat1 + pad_deg

    def near(ring: Ring) -> bool:
        a, b, c, d = _ring_bbox(ring)
        return not (c < lon0 or a > lon1 or d < lat0 or b > lat1)

    coarse = load_basemap("110m")
    fine = load_basemap("50m")
    return {
        "provenance": PROVENANCE,
        "world": {
            "land": [r for r in coarse["land"] if not near(r)],
            "borders": [r for r in coarse["borders"] if not near(r)],
        },
        "detail": {
            "land": [r for r in fine["land"] if near(r)],
            "borders": [r for r in fine["borders"] if near(r)],
        },
    }


if __name__ == "__main__":  # pragma: no cover - maintenance step, see docs/viewer.md
    here = Path(__file__).parent / "assets"
    for p in build(Path(sys.argv[1]), Path(sys.argv[2]), here):
        print(p, p.stat().st_size)
