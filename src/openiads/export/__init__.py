"""Exports of a run for other tools: CZML (Cesium, STK), KML (Google Earth), GeoJSON (QGIS)
and Tacview ACMI 2.x text (flight-simulation users).

Each writer takes an :class:`openiads.outcome.Outcome` and a path, and returns the path::

    from openiads.export import write_czml, write_kml, write_geojson, write_acmi

The writers are imported lazily, so ``import openiads.export`` (the CLI does) stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["write_acmi", "write_czml", "write_geojson", "write_kml"]

_MODULES = {
    "write_acmi": "acmi",
    "write_czml": "czml",
    "write_geojson": "geojson",
    "write_kml": "kml",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        import importlib

        return getattr(importlib.import_module(f"openiads.export.{_MODULES[name]}"), name)
    raise AttributeError(f"module 'openiads.export' has no attribute {name!r}")
