"""The equipment catalog: systems, radars, missiles, launchers and targets from public figures.

Every number is a :class:`Figure` with a nominal value, a range where sources disagree (or
where it is our stated assumption), its sources with provenance tags and verification marks,
and ``unverified`` / ``assumption`` flags. See docs/catalog.md.

>>> from openiads.catalog import load_catalog
>>> cat = load_catalog()
>>> cat.missile("48N6E3").max_range_m.nominal
250000.0
>>> cat.system("SA-21").name
'S-400'
"""

from openiads.catalog.core import Catalog, catalog_version, draw_figure, load_catalog
from openiads.catalog.model import (
    ASPECTS,
    BANDS,
    TARGET_CLASSES,
    AspectRcs,
    Figure,
    Launcher,
    LoadoutSlot,
    Missile,
    Radar,
    RadarSlot,
    Source,
    System,
    Target,
)

__all__ = [
    "ASPECTS",
    "BANDS",
    "TARGET_CLASSES",
    "AspectRcs",
    "Catalog",
    "Figure",
    "Launcher",
    "LoadoutSlot",
    "Missile",
    "Radar",
    "RadarSlot",
    "Source",
    "System",
    "Target",
    "catalog_version",
    "draw_figure",
    "load_catalog",
]
