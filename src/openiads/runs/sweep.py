"""Parameter sweeps: a path into the scenario or the catalog and a list of values.

``--sweep "threats.f35.rcs_frontal=-40dBsm,-30dBsm,-20dBsm"`` varies one field; several
``--sweep`` options make a full factorial design (every combination is a *sweep point*).

Paths:

``threats.<id>.<field...>``
    an air object or a raid with that id (``air`` is searched first, then ``raids``);
``air.<id>.<field...>``, ``raids.<id>.<field...>``, ``sites.<id>.<field...>``,
``defended_areas.<id>.<field...>``
    an item of that list by id; list fields below (e.g. a route) take a 0-based index;
``<top-level field>``
    e.g. ``duration``;
``catalog.<catalog path>``
    a catalog figure, set with :meth:`Catalog.with_overrides`.

Scenario values are written as in the scenario file (``-30 dBsm``, ``450 kt``, ``2``,
``true``). They are applied to the YAML mapping of the scenario, which is then validated again
by the scenario loader, so a bad value fails exactly as it would in the file.
"""

from __future__ import annotations

import copy
import itertools
import json
import types
import typing
from dataclasses import dataclass
from typing import Any

import yaml

from openiads.errors import InputError

#: Path prefixes that address a list of scenario items by id.
_ID_LISTS = ("sites", "air", "raids", "defended_areas")


@dataclass(frozen=True)
class Sweep:
    """One swept parameter: its path as written and its values in order."""

    path: str
    values: tuple[Any, ...]

    @property
    def is_catalog(self) -> bool:
        return self.path.startswith("catalog.")

    @property
    def catalog_path(self) -> str:
        return self.path[len("catalog.") :]

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "values": list(self.values)}


def _split_values(text: str) -> list[str]:
    """Split on commas that are not inside brackets, braces or quotes."""
    out: list[str] = []
    depth = 0
    quote = ""
    cur = ""
    for ch in text:
        if quote:
            cur += ch
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        cur += ch
    out.append(cur)
    return [p.strip() for p in out]


def _parse_value(text: str, where: str) -> Any:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InputError(f"cannot read value {text!r}", field=where) from None
    if value is None:
        raise InputError("empty value", field=where)
    return value


def parse_sweep(text: str) -> Sweep:
    """Parse ``PATH=V1,V2,...`` (values as in the scenario file)."""
    where = f"--sweep {text!r}"
    if "=" not in text:
        raise InputError(
            "expected PATH=VALUE1,VALUE2,... e.g. threats.f35.rcs_frontal=-40dBsm,-30dBsm",
            field=where,
        )
    path, _, rest = text.partition("=")
    path = path.strip()
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise InputError(f"bad parameter path {path!r}", field=where)
    if parts[0] == "catalog" and len(parts) < 2:
        raise InputError("a catalog path needs a figure after 'catalog.'", field=where)
    raw = _split_values(rest)
    if not rest.strip() or any(not r for r in raw):
        raise InputError("give at least one value and no empty ones", field=where)
    values = tuple(_parse_value(r, where) for r in raw)
    if len({json.dumps(v, sort_keys=True, default=str) for v in values}) != len(values):
        raise InputError("a value is repeated", field=where)
    return Sweep(path=path, values=values)


def check_unique_paths(sweeps: list[Sweep]) -> None:
    seen: set[str] = set()
    for s in sweeps:
        if s.path in seen:
            raise InputError("the same path is swept twice", field=f"--sweep {s.path}")
        seen.add(s.path)


def sweep_points(sweeps: list[Sweep]) -> list[dict[str, Any]]:
    """Full factorial design: one ``{path: value}`` per point, last sweep varying fastest."""
    if not sweeps:
        return [{}]
    check_unique_paths(sweeps)
    return [
        {s.path: v for s, v in zip(sweeps, combo, strict=True)}
        for combo in itertools.product(*(s.values for s in sweeps))
    ]


def point_label(params: dict[str, Any]) -> str:
    """Short human label of a sweep point, e.g. ``rcs_frontal=-40dBsm``."""
    if not params:
        return "baseline"
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in params.items())


# --------------------------------------------------------------------------- scenario paths


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``Optional``; keep the first informative member of a union."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [m for m in members if _is_model(_unwrap(m))]
            annotation = models[0] if models else members[0]
            continue
        return annotation


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and hasattr(t, "model_fields")


def _model_field(model: Any, name: str) -> tuple[str, Any] | None:
    """(key to use in the YAML mapping, field annotation) of ``name`` in a pydantic model."""
    for fname, info in model.model_fields.items():
        if name in (fname, info.alias):
            return name, info.annotation
    return None


def _scenario_model() -> Any:
    from openiads.scenario.schema import Scenario

    return Scenario


def _fail_path(path: str, why: str) -> InputError:
    return InputError(f"bad parameter path: {why}", field=f"--sweep {path}")


def _resolve_item(data: dict[str, Any], path: str, root: str, ident: str) -> tuple[str, int]:
    """Find the list and index of the item with ``id == ident``."""
    lists = ("air", "raids") if root == "threats" else (root,)
    known: list[str] = []
    for name in lists:
        items = data.get(name) or []
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict):
                if item.get("id") == ident:
                    return name, i
                if "id" in item:
                    known.append(str(item["id"]))
    what = "air object or raid" if root == "threats" else f"item of '{root}'"
    hint = f" (known: {', '.join(known)})" if known else f" ('{root}' has no items with ids)"
    raise _fail_path(path, f"no {what} with id {ident!r}{hint}")


def apply_scenario_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of the scenario mapping ``data`` with each ``path: value`` set.

    Paths are checked against the scenario schema, so a misspelt field is an error even when
    the field is optional and absent from the file.
    """
    out = copy.deepcopy(data)
    for path, value in overrides.items():
        _set_path(out, path, value)
    return out


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    model: Any = _scenario_model()
    node: Any = data
    i = 0
    root = parts[0]
    if root in ("threats", *_ID_LISTS):
        if len(parts) < 3:
            raise _fail_path(path, f"expected {root}.<id>.<field>")
        name, index = _resolve_item(data, path, root, parts[1])
        field = _model_field(model, name)
        assert field is not None
        model = typing.get_args(_unwrap(field[1]))[0]
        node = data[name][index]
        i = 2
    keys = parts[i:]
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        model = _unwrap(model)
        origin = typing.get_origin(model)
        if origin is list:
            if not key.isdigit():
                raise _fail_path(path, f"{key!r} is not a list index")
            if not isinstance(node, list) or int(key) >= len(node):
                raise _fail_path(path, f"index {key} is beyond the list")
            idx = int(key)
            model = typing.get_args(model)[0]
            if last:
                node[idx] = value
            else:
                node = node[idx]
            continue
        if origin is dict:
            model = typing.get_args(model)[1]
            mkey = key
        elif _is_model(model):
            found = _model_field(model, key)
            if found is None:
                known = ", ".join(sorted(model.model_fields))
                raise _fail_path(path, f"unknown field {key!r} (known: {known})")
            mkey, model = found
        else:
            raise _fail_path(path, f"{'.'.join(keys[:depth])} has no fields")
        if not isinstance(node, dict):
            raise _fail_path(path, f"{key!r}: the scenario has no mapping here")
        if last:
            node[mkey] = value
        else:
            if node.get(mkey) is None:
                node[mkey] = {}
            node = node[mkey]


def scenario_for_point(
    text: str, name: str, overrides: dict[str, Any], *, base_data: dict[str, Any] | None = None
) -> Any:
    """Validate the scenario ``text`` with the scenario ``overrides`` of one sweep point.

    Returns the loader's Scenario. Errors name the sweep path and value.
    """
    from openiads.scenario import load_scenario_text

    if not overrides:
        return load_scenario_text(text, name)
    data = base_data if base_data is not None else yaml.safe_load(text)
    new = apply_scenario_overrides(data, overrides)
    new_text = yaml.safe_dump(new, sort_keys=False, allow_unicode=True)
    try:
        return load_scenario_text(new_text, name)
    except InputError as err:
        pairs = ", ".join(f"{k}={v}" for k, v in overrides.items())
        where = err.field or ""
        raise InputError(
            f"{where + ': ' if where else ''}{err.message}",
            file=name,
            field=f"--sweep {pairs}",
        ) from None


# --------------------------------------------------------------------------- catalog paths

#: Quantity kind of a catalog figure, from its SI unit.
_UNIT_KINDS = {
    "m": "length",
    "m^2": "rcs",
    "m2": "rcs",
    "m/s": "speed",
    "s": "time",
    "rad": "angle",
    "hz": "frequency",
    "w": "power",
    "m/s^2": "acceleration",
}


def catalog_values(catalog: Any, overrides: dict[str, Any]) -> dict[str, float]:
    """Catalog sweep values (``{figure path: value as written}``) in SI floats.

    Keys come back as canonical figure paths (entry aliases resolved).
    A value is written with its unit (``200 km``, ``-20 dBsm``, ``0.7``); the unit must fit
    the figure's. Unknown figure paths raise InputError naming the sweep.
    """
    from openiads.units import parse_quantity

    out: dict[str, float] = {}
    for path, value in overrides.items():
        where = f"--sweep catalog.{path}"
        try:
            fig = catalog.get(path)
            parts = path.split(".")
            _, entry = catalog.entry(parts[1], parts[0])
        except InputError as err:
            raise InputError(err.message, field=where) from None
        canonical = ".".join((parts[0], entry.name, *parts[2:]))
        kind = _UNIT_KINDS.get(str(fig.unit).strip().lower(), "dimensionless")
        try:
            out[canonical] = parse_quantity(value, kind, allow_negative=kind == "dimensionless")
        except InputError as err:
            raise InputError(err.message, field=where) from None
    return out
