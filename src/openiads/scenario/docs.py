"""Generate docs/scenario-format.md from the scenario schema.

    python -m openiads.scenario.docs > docs/scenario-format.md

``tests/test_scenario_docs.py`` checks that the committed file is what this prints, so the
documentation cannot drift from the schema.
"""

from __future__ import annotations

import sys
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from openiads.scenario import schema

INTRO = """# Scenario file format (schema_version 1)

A scenario is a YAML file that reads like a briefing: when and where, which sites (by
catalog system name), which air objects fly which routes, which areas are defended. Load
and check one with `openiads run FILE`; any problem is reported on one line naming the
file, the line and the field, with exit status 2.

**Quantities carry units**, parsed once into SI: lengths `250 km`, `40 nmi`, `15000 ft`;
altitudes `FL350` (flight level: hundreds of feet, standard atmosphere), `18 km`,
`30 m AGL` (above ground: the DEM height is added when the scenario has terrain, else sea
level), default reference mean sea level; speeds `450 kt`, `250 m/s`, `900 km/h`,
`Mach 0.8` (ISA speed of sound at sea level); durations `50 min`, `1 s`; radar cross
sections `-30 dBsm` or `0.001 m^2`. A bare number is refused where a unit is needed.
Latitudes and longitudes are decimal degrees (WGS-84).

**Identifiers** (`id`) are unique across sites, air objects and raids. Raids expand into
`count` objects named `<id>-1`, `<id>-2`, ...

**Sweeps** in studies address fields by id: `threats.<id>.<field>` (air objects and raids),
`sites.<id>.<field>`, or catalog figures `catalog.<kind>.<name>.<field>` (see
docs/studies.md).

This page is generated from the schema (`python -m openiads.scenario.docs`); a test keeps
it in step.

## Example

```yaml
{example}
```
"""

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Scenario (top level)", schema.Scenario),
    ("Site (`sites[]`)", schema.Site),
    ("Position (`sites[].position`)", schema.Position),
    ("Doctrine (`sites[].doctrine`)", schema.Doctrine),
    ("Defended area (`defended_areas[]`)", schema.DefendedArea),
    ("Circle (`defended_areas[].circle`)", schema.Circle),
    ("Air object (`air[]`)", schema.AirObject),
    ("Waypoint (`air[].route[]`)", schema.Waypoint),
    ("Raid (`raids[]`)", schema.Raid),
    ("Terrain (`terrain`)", schema.Terrain),
    ("World (`world`)", schema.World),
]


_KIND_TEXT = {
    "length": "length (`250 km`)",
    "speed": "speed (`450 kt`, `Mach 0.8`)",
    "duration": "duration (`30 min`)",
    "rcs": "RCS (`-30 dBsm`)",
    "altitude": "altitude (`FL350`, `30 m AGL`)",
}


def _type_of(field: FieldInfo) -> str:
    for meta in field.metadata:
        if isinstance(meta, schema.QuantityKind):
            return _KIND_TEXT[meta.kind]
    for arg in typing.get_args(field.annotation):
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(meta, schema.QuantityKind):
                return _KIND_TEXT[meta.kind] + " or none"
    return _type_name(field.annotation).replace("|", "or")


_SI = {"length": "m", "speed": "m/s", "duration": "s", "rcs": "m^2", "altitude": "m"}


def _kind(field: FieldInfo) -> str | None:
    for meta in field.metadata:
        if isinstance(meta, schema.QuantityKind):
            return meta.kind
    return None


def _type_name(annotation: Any) -> str:
    import re

    text = re.sub(r"Annotated\[float, [^\]]*\)\]", "float", str(annotation))
    for prefix in ("typing.", "openiads.scenario.schema.", "<class '", "'>", "Optional"):
        text = text.replace(prefix, "")
    text = text.replace("datetime.datetime", "date-time (ISO 8601, with zone)")
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base = typing.get_args(annotation)[0]
        return "quantity" if base is float else _type_name(base)
    return text


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        return "(see below)" if field.default_factory in (list, dict) else "defaults"
    value = field.default
    if value is None:
        return "—"
    if isinstance(value, float):
        unit = _SI.get(_kind(field) or "", "")
        return f"`{value:g} {unit}`".replace(" `", "`") if unit else f"`{value:g}`"
    return f"`{value}`"


def render(example: str) -> str:
    """The whole markdown page."""
    out = [INTRO.format(example=example.rstrip())]
    for title, model in SECTIONS:
        out.append(f"\n## {title}\n")
        doc = (model.__doc__ or "").strip().splitlines()
        if doc:
            out.append(" ".join(line.strip() for line in doc) + "\n")
        out.append("| field | type | default | meaning |")
        out.append("|---|---|---|---|")
        for name, field in model.model_fields.items():
            key = field.alias or name
            meaning = (field.description or "").replace("|", "/")
            out.append(f"| `{key}` | {_type_of(field)} | {_default(field)} | {meaning} |")
    return "\n".join(out) + "\n"


def main() -> int:
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    example = (root / "scenarios" / "hormuz-2019.yaml").read_text()
    sys.stdout.write(render(example))
    return 0


if __name__ == "__main__":
    sys.exit(main())
