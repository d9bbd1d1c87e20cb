"""Exports of a run for other tools: CZML (Cesium, STK), KML (Google Earth), GeoJSON (QGIS)
and Tacview ACMI 2.x text (flight-simulation users).

Each writer takes an :class:`openiads.outcome.Outcome` and a path, and returns the path::

    from openiads.export import write_czml, write_kml, write_geojson, write_acmi
"""

from __future__ import annotations

from openiads.export.acmi import write_acmi
from openiads.export.czml import write_czml
from openiads.export.geojson import write_geojson
from openiads.export.kml import write_kml

__all__ = ["write_acmi", "write_czml", "write_geojson", "write_kml"]
