"""Read a scenario file and turn every problem into one line naming file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from openiads.errors import InputError, did_you_mean
from openiads.scenario.schema import Scenario
from openiads.scenario.yamlmarks import Path as LocPath
from openiads.scenario.yamlmarks import dotted, line_of, load_yaml_with_lines


class LoadedScenario(Scenario):
    """A validated scenario plus where it came from (text, file, line numbers)."""

    # Private attributes are not part of the schema and are kept out of equality.
    _text: str = ""
    _file: str = ""
    _lines: dict[LocPath, int] = {}  # noqa: RUF012 - pydantic private attr default

    @property
    def text(self) -> str:
        """The scenario file's text, exactly as read."""
        return self._text

    @property
    def file(self) -> str:
        return self._file

    @property
    def base_dir(self) -> Path:
        return Path(self._file).parent if self._file else Path.cwd()

    def locate(self, loc: LocPath) -> tuple[str, int | None, str]:
        """(file, line, dotted field) of a location inside the scenario."""
        return self._file, line_of(self._lines, loc), dotted(loc)

    def error(self, message: str, loc: LocPath) -> InputError:
        file, line, field = self.locate(loc)
        return InputError(message, file=file, line=line, field=field)


def load_scenario(path: str | Path) -> LoadedScenario:
    """Load and validate a scenario file; catalog names are resolved too.

    Every problem raises :class:`InputError` naming the file, line and field.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("no such scenario file", file=str(path))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", file=str(path)) from None
    return load_scenario_text(text, str(path))


def load_scenario_text(text: str, name: str = "<scenario>") -> LoadedScenario:
    """Like :func:`load_scenario` for text already in memory; ``name`` is used in errors."""
    data, lines = load_yaml_with_lines(text, name)
    if not isinstance(data, dict):
        raise InputError("a scenario must be a mapping of fields", file=name, line=1)
    if data.get("schema_version") not in (None, 1):
        raise InputError(
            f"unsupported schema_version {data.get('schema_version')!r}; this openiads reads 1",
            file=name,
            line=line_of(lines, ("schema_version",)),
            field="schema_version",
        )
    try:
        scenario = LoadedScenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, data, lines, name) from None
    scenario._text = text
    scenario._file = name
    scenario._lines = lines
    _check_tracking(scenario)
    _check_references(scenario)
    return scenario


def _check_tracking(sc: LoadedScenario) -> None:
    """Tracker parameters are validated by the tracker's own model, located in the file."""
    from openiads.tracking import TrackerConfig

    try:
        TrackerConfig.model_validate(sc.tracking)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc: LocPath = ("tracking", *(p for p in err["loc"] if not _is_union_tag(p)))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown tracker parameter {loc[-1]!r}"
        raise sc.error(msg, loc) from None


def _first_error(
    exc: ValidationError, data: Any, lines: dict[LocPath, int], file: str
) -> InputError:
    err = exc.errors(include_url=False)[0]
    loc: LocPath = tuple(p for p in err["loc"] if not _is_union_tag(p))
    kind = err["type"]
    msg = err["msg"]
    if kind == "extra_forbidden":
        parent_loc, bad = loc[:-1], loc[-1]
        known = _allowed_fields(parent_loc, data)
        hint = did_you_mean(str(bad), known)
        msg = f"unknown field {bad!r}{hint}"
        if known and not hint:
            msg += f" (expected one of: {', '.join(sorted(known))})"
    elif kind == "missing":
        msg = "missing required field"
    elif kind == "literal_error":
        msg = msg.replace("Input should be", "expected")
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    elif msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, ") :]
    return InputError(msg, file=file, line=line_of(lines, loc), field=dotted(loc) or None)


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts type names (e.g. 'Point', 'str', 'function-after[...]') into locs of unions
    return isinstance(part, str) and (
        part in {"str", "Point", "Altitude", "float", "int"} or "[" in part
    )


def _allowed_fields(loc: LocPath, data: Any) -> list[str]:
    from openiads.scenario import schema

    model: Any = schema.Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        model = _inner_model(field.annotation)
        if model is None:
            return []
    fields = model.model_fields
    return [f.alias or name for name, f in fields.items()]


def _inner_model(annotation: Any) -> Any:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _check_references(sc: LoadedScenario) -> None:
    """Catalog names, defended-area references, world bounds and an empty raid."""
    from openiads.catalog import load_catalog

    cat = load_catalog()

    def resolve(kind: str, name: str, loc: LocPath) -> None:
        try:
            getattr(cat, kind)(name)
        except InputError as err:
            raise sc.error(err.message, loc) from None

    for i, site in enumerate(sc.sites):
        resolve("system", site.system, ("sites", i, "system"))
        for key in ("missiles", "reserve"):
            for m in getattr(site, key) or {}:
                resolve("missile", m, ("sites", i, key, m))
    for i, obj in enumerate(sc.air):
        resolve("target", obj.type, ("air", i, "type"))
    area_ids = [a.id for a in sc.defended_areas]
    for i, raid in enumerate(sc.raids):
        resolve("target", raid.type, ("raids", i, "type"))
        if isinstance(raid.to, str) and raid.to not in area_ids:
            hint = did_you_mean(raid.to, area_ids)
            raise sc.error(f"no defended area with id {raid.to!r}{hint}", ("raids", i, "to"))
    hostile = [o for o in sc.air if o.side == "hostile"] + [
        r for r in sc.raids if r.side == "hostile"
    ]
    if not sc.air and not sc.raids:
        raise sc.error("the scenario has no air objects ('air' and 'raids' are empty)", ())
    if not sc.sites and hostile:
        raise sc.error("the scenario has no sites to defend with", ())
    _check_world_bounds(sc)


def _check_world_bounds(sc: LoadedScenario) -> None:
    import numpy as np

    from openiads.physics.earth import geodetic_to_enu

    lat0, lon0, h0 = origin_of(sc)
    pts: list[tuple[float, float, LocPath]] = []
    for i, s in enumerate(sc.sites):
        pts.append((s.position.lat, s.position.lon, ("sites", i, "position")))
    for i, o in enumerate(sc.air):
        for j, w in enumerate(o.route):
            pts.append((w.lat, w.lon, ("air", i, "route", j)))
    for i, r in enumerate(sc.raids):
        pts.append((r.origin.lat, r.origin.lon, ("raids", i, "from")))
    lat = np.array([p[0] for p in pts])
    lon = np.array([p[1] for p in pts])
    e, n, _ = geodetic_to_enu(lat, lon, 0.0, lat0, lon0, h0)
    dist = np.hypot(e, n)
    bad = np.flatnonzero(dist > sc.world.radius)
    if bad.size:
        k = int(bad[0])
        raise sc.error(
            f"waypoint outside the world: {dist[k] / 1000:.0f} km from the origin, "
            f"the world radius is {sc.world.radius / 1000:.0f} km",
            pts[k][2],
        )


def origin_of(sc: Scenario) -> tuple[float, float, float]:
    """The local frame origin: the scenario's ``origin`` or its first site (or first object)."""
    if sc.origin is not None:
        return sc.origin.lat, sc.origin.lon, sc.origin.alt.m
    if sc.sites:
        p = sc.sites[0].position
        return p.lat, p.lon, p.alt.m
    if sc.air:
        w = sc.air[0].route[0]
        return w.lat, w.lon, 0.0
    r = sc.raids[0].origin
    return r.lat, r.lon, 0.0
