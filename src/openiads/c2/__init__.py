"""Command and control: threat evaluation and the rules that decide what to engage.

The engine's ``decide`` stage (``openiads.engine.core``) calls these functions; see
docs/models/engine.md for the doctrine they implement.
"""

from openiads.c2.threat import (
    PackedAreas,
    pack_areas,
    threat_times,
    time_to_defended_areas,
    time_to_enter_polygons,
)

__all__ = [
    "PackedAreas",
    "pack_areas",
    "threat_times",
    "time_to_defended_areas",
    "time_to_enter_polygons",
]
