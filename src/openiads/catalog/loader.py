"""Reading the catalog's YAML files into validated entries, with file:line errors.

Layout of a catalog folder (the package's ``catalog/data`` or any folder given to
``load_catalog(path)``): every ``*.yaml`` file is read, in name order. A file is a mapping
whose top-level keys may be

``release``     the catalog release (``"2026.11"``); exactly one file says it.
``sources``     the source registry: ``id: {url, title, tag, mark}``.
``systems`` / ``radars`` / ``missiles`` / ``launchers`` / ``targets``
                lists of entries.
``templates``   ignored by the loader: a place for YAML anchors (``&pk_long``) that
                entries merge in with ``<<: *pk_long``.

A figure is written as a mapping::

    max_range_m: {value: 250 km, range: [200 km, 250 km], dist: triangular,
                  sources: [P3, {ref: hindu-s400, note: "says 200 km"}], note: "..."}
    reaction_time_s: {value: 10 s, range: [8 s, 20 s], assumption: true, sources: [wiki-s400]}

``range`` is optional (no range: a fixed figure). ``dist`` defaults to ``triangular`` when a
range is given (mode at the nominal value); ``fixed`` keeps a documented range out of
sampling. ``unverified`` defaults to true when no cited source outside openiads (tag CALC)
carries the ✔ mark with a tag other than HOBBY. Units are parsed with :func:`openiads.units.parse_quantity`; the
unit kind follows the attribute name's suffix (``_m``, ``_m2``, ``_s``, ``_mps``, ``_hz``,
``_rad``; anything else is dimensionless).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from openiads.catalog.model import (
    ASPECTS,
    KINDS,
    MARKS,
    TAGS,
    AspectRcs,
    Figure,
    Source,
    _Entry,
)
from openiads.errors import InputError, did_you_mean

#: Top-level keys of a data file and the entry kind each holds.
SECTIONS: dict[str, str] = {
    "systems": "system",
    "radars": "radar",
    "missiles": "missile",
    "launchers": "launcher",
    "targets": "target",
}
_TOP_KEYS = {"release", "sources", "templates", *SECTIONS}
_FIGURE_KEYS = {"value", "range", "dist", "sources", "note", "unverified", "assumption", "integer"}
_DISTS = ("fixed", "uniform", "triangular", "log_uniform")
_TAGS = tuple(TAGS)
_MARKS = tuple(MARKS)


def data_dir() -> Path:
    """The folder of the catalog shipped with the package."""
    return Path(__file__).resolve().parent / "data"


def data_files(path: Path) -> list[Path]:
    files = sorted(p for p in path.glob("*.yaml") if p.is_file())
    if not files:
        raise InputError("no *.yaml catalog files found", file=str(path))
    return files


def data_hash(path: Path) -> str:
    """SHA-256 (hex) over the names and bytes of the data files, in name order."""
    h = hashlib.sha256()
    for f in data_files(path):
        h.update(f.name.encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


# --------------------------------------------------------------------------- YAML with lines


class LineDict(dict[Any, Any]):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


def _lo(mapping: Any, key: Any) -> int:
    """Line of ``key`` in a mapping read from YAML (0 when unknown)."""
    if isinstance(mapping, LineDict):
        return mapping.key_lines.get(key, mapping.line)
    return 0


# libyaml's parser when PyYAML was built with it (the PyPI wheels are): ~6x faster on the
# catalog, same nodes and line marks (checked against the pure-Python parser).
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    seen: set[str] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = str(key_node.value)
        if key in seen:
            raise InputError(
                f"duplicate key {key!r}",
                file=getattr(loader, "_file", None),
                line=key_node.start_mark.line + 1,
            )
        seen.add(key)
    loader.flatten_mapping(node)  # merged keys (<<: *anchor) come first; own keys win
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(file: Path) -> Any:
    text = file.read_text(encoding="utf-8")
    loader = _Loader(text)
    loader._file = str(file)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(
            f"not valid YAML: {exc.problem}",
            file=str(file),
            line=mark.line + 1 if mark else None,
        ) from None
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- figures


def unit_kind(field: str) -> tuple[str, str]:
    """Quantity kind for :func:`parse_quantity` and SI unit, from an attribute name."""
    if field.endswith("_m2"):
        return "rcs", "m^2"
    if field.endswith("_mps"):
        return "speed", "m/s"
    if field.endswith("_hz"):
        return "frequency", "Hz"
    if field.endswith("_rad"):
        return "angle", "rad"
    if field.endswith("_s"):
        return "time", "s"
    if field.endswith("_m"):
        return "length", "m"
    return "dimensionless", "1"


class _Ctx:
    """Where we are: file, entry label, source registry."""

    def __init__(self, file: str, registry: dict[str, Source]) -> None:
        self.file = file
        self.registry = registry
        # One YAML node (an anchor reused with *alias or <<: merge) gives one Figure object,
        # so that Catalog.sample draws it once. Keyed by id() of the node and the unit kind.
        # The node is kept with its result so that its id() cannot be reused by a temporary.
        self.figures: dict[tuple[int, str], tuple[Any, Figure]] = {}
        self.rcs_tables: dict[int, tuple[Any, AspectRcs]] = {}

    def error(self, message: str, line: int | None, field: str | None) -> InputError:
        return InputError(message, file=self.file, line=line, field=field)


def _sources(raw: Any, ctx: _Ctx, line: int, field: str) -> tuple[Source, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ctx.error("sources must be a list of source ids", line, field)
    out: list[Source] = []
    for item in raw:
        note = ""
        if isinstance(item, dict):
            ref = item.get("ref")
            note = str(item.get("note", ""))
            extra = set(item) - {"ref", "note"}
            if extra:
                raise ctx.error(f"unknown keys {sorted(extra)} in a source", line, field)
        else:
            ref = item
        if not isinstance(ref, str | int) or str(ref) not in ctx.registry:
            hint = did_you_mean(str(ref), ctx.registry)
            raise ctx.error(f"unknown source {ref!r}{hint}", line, field)
        src = ctx.registry[str(ref)]
        out.append(src.model_copy(update={"note": note}) if note else src)
    return tuple(out)


def parse_figure(raw: Any, field: str, ctx: _Ctx, line: int, label: str) -> Figure:
    """One figure mapping → :class:`Figure` (SI units); one object per YAML node."""
    key = (id(raw), unit_kind(field)[0])
    if key not in ctx.figures:
        ctx.figures[key] = (raw, _parse_figure(raw, field, ctx, line, label))
    return ctx.figures[key][1]


def _parse_figure(raw: Any, field: str, ctx: _Ctx, line: int, label: str) -> Figure:
    from openiads.units import parse_quantity  # pint is slow to import; only needed here

    where = f"{label}.{field}"
    if not isinstance(raw, dict):
        raise ctx.error(
            "a figure must be a mapping with at least 'value' and 'sources'", line, where
        )
    line = getattr(raw, "line", line)
    extra = set(raw) - _FIGURE_KEYS
    if extra:
        raise ctx.error(
            f"unknown keys {sorted(extra)}; allowed: {sorted(_FIGURE_KEYS)}", line, where
        )
    if "value" not in raw:
        raise ctx.error("missing 'value'", line, where)
    kind, unit = unit_kind(field)
    neg = kind == "angle"

    def q(v: Any, what: str) -> float:
        try:
            return parse_quantity(v, kind, allow_negative=neg)
        except InputError as exc:
            raise ctx.error(f"{what}: {exc.message}", _lo(raw, what), where) from None

    nominal = q(raw["value"], "value")
    rng = raw.get("range")
    if rng is None:
        low = high = nominal
    else:
        if not isinstance(rng, list) or len(rng) != 2:
            raise ctx.error("range must be [low, high]", _lo(raw, "range"), where)
        low, high = q(rng[0], "range"), q(rng[1], "range")
    dist = raw.get("dist", "triangular" if rng is not None and low < high else "fixed")
    if dist not in _DISTS:
        raise ctx.error(f"dist must be one of {_DISTS}; got {dist!r}", _lo(raw, "dist"), where)
    sources = _sources(raw.get("sources"), ctx, _lo(raw, "sources"), where)
    if not sources:
        raise ctx.error("every figure needs at least one source", line, where)
    assumption = bool(raw.get("assumption", False))
    external = [s for s in sources if s.tag != "CALC"]
    weak = bool(external) and not any(s.verified and s.tag != "HOBBY" for s in external)
    unverified = bool(raw.get("unverified", weak))
    for flag in ("assumption", "unverified", "integer"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise ctx.error(f"{flag} must be true or false", _lo(raw, flag), where)
    try:
        return Figure(
            nominal=nominal,
            low=low,
            high=high,
            unit=unit,
            dist=dist,
            sources=sources,
            unverified=unverified,
            assumption=assumption,
            note=str(raw.get("note", "")).strip(),
            integer=bool(raw.get("integer", False)),
        )
    except ValidationError as exc:
        msg = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise ctx.error(msg, line, where) from None


def _figure_fields(model: type[BaseModel]) -> set[str]:
    out = set()
    for name, info in model.model_fields.items():
        ann = info.annotation
        if ann is Figure or ann == (Figure | None):
            out.add(name)
    return out


_FIGURE_FIELDS = {kind: _figure_fields(cls) for kind, cls in KINDS.items()}


def parse_entry(raw: Any, kind: str, ctx: _Ctx, line: int) -> _Entry:
    """One entry mapping → validated entry model."""
    if not isinstance(raw, dict):
        raise ctx.error(f"each {kind} must be a mapping", line, None)
    line = getattr(raw, "line", line)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ctx.error("missing 'name'", line, f"{kind}")
    if "." in name:
        raise ctx.error("names must not contain '.' (used in figure paths)", line, f"{kind}.name")
    label = f"{kind}.{name}"
    cls = KINDS[kind]
    for key in raw:
        if key != "<<" and key not in cls.model_fields:
            import difflib

            close = difflib.get_close_matches(str(key), list(cls.model_fields), n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else f"allowed: {', '.join(cls.model_fields)}"
            )
            raise ctx.error(f"unknown attribute; {hint}", _lo(raw, key), f"{label}.{key}")
    data: dict[str, Any] = {}
    figure_fields = _FIGURE_FIELDS[kind]
    for key, value in raw.items():
        if key == "<<":
            continue
        kline = _lo(raw, key)
        if key in figure_fields:
            data[key] = parse_figure(value, key, ctx, kline, label)
        elif key == "pk" and kind == "missile":
            if not isinstance(value, dict):
                raise ctx.error("pk must map target class → figure", kline, f"{label}.pk")
            data[key] = {
                str(c): parse_figure(v, c, ctx, _lo(value, c), f"{label}.pk")
                for c, v in value.items()
                if c != "<<"
            }
        elif key == "rcs" and kind == "target":
            data[key] = _parse_rcs(value, ctx, kline, label)
        elif key == "sources":
            data[key] = _sources(value, ctx, kline, f"{label}.sources")
        elif key in ("aliases", "notes"):
            ok = isinstance(value, list) and all(
                isinstance(v, str | int) and not isinstance(v, bool) for v in value
            )
            if not ok:
                raise ctx.error(f"{key} must be a list of strings", kline, f"{label}.{key}")
            data[key] = tuple(str(v).strip() for v in value)
        else:
            data[key] = value
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        top = err["loc"][0] if err["loc"] else None
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown attribute; allowed: {', '.join(cls.model_fields)}"
        if err["type"] == "missing":
            msg = "required attribute missing"
        raise ctx.error(
            msg, _lo(raw, top) if top in raw else line, ".".join([label, *loc])
        ) from None


def _parse_rcs(raw: Any, ctx: _Ctx, line: int, label: str) -> dict[str, AspectRcs]:
    """``rcs: {X: {defaults: {...}, frontal: {...}, beam: {...}, rear: {...}}, L: ...}``.

    ``defaults`` (optional) gives keys (sources, dist, note, flags) shared by the aspects.
    """
    if not isinstance(raw, dict):
        raise ctx.error("rcs must map band → {frontal, beam, rear}", line, f"{label}.rcs")
    out: dict[str, AspectRcs] = {}
    for band, table in raw.items():
        bline = _lo(raw, band)
        where = f"{label}.rcs.{band}"
        if not isinstance(table, dict):
            raise ctx.error("must be a mapping of frontal, beam, rear", bline, where)
        if id(table) in ctx.rcs_tables:  # the same table reused for another band (*alias)
            out[str(band)] = ctx.rcs_tables[id(table)][1]
            continue
        defaults = table.get("defaults", {}) or {}
        extra = set(table) - {*ASPECTS, "defaults", "<<"}
        if extra:
            raise ctx.error(f"unknown keys {sorted(extra)}", bline, where)
        figs: dict[str, Figure] = {}
        for aspect in ASPECTS:
            if aspect not in table:
                raise ctx.error(f"missing {aspect!r}", bline, where)
            merged = LineDict({**defaults, **table[aspect]})
            merged.line = getattr(table[aspect], "line", bline)
            merged.key_lines = {
                **getattr(defaults, "key_lines", {}),
                **getattr(table[aspect], "key_lines", {}),
            }
            figs[aspect] = parse_figure(merged, aspect + "_m2", ctx, _lo(table, aspect), where)
        out[str(band)] = AspectRcs(**figs)
        ctx.rcs_tables[id(table)] = (table, out[str(band)])
    return out


# --------------------------------------------------------------------------- registry


def parse_sources(raw: Any, ctx: _Ctx, line: int) -> dict[str, Source]:
    if not isinstance(raw, dict):
        raise ctx.error("sources must map id → {url, title, tag, mark}", line, "sources")
    out: dict[str, Source] = {}
    for ref, item in raw.items():
        where = f"sources.{ref}"
        sline = _lo(raw, ref)
        if not isinstance(item, dict):
            raise ctx.error("must be a mapping with url, title, tag, mark", sline, where)
        extra = set(item) - {"url", "title", "tag", "mark", "note"}
        if extra:
            raise ctx.error(f"unknown keys {sorted(extra)}", sline, where)
        tag, mark = item.get("tag"), item.get("mark")
        if tag not in _TAGS:
            raise ctx.error(f"tag must be one of {_TAGS}; got {tag!r}", sline, where)
        if mark not in _MARKS:
            raise ctx.error(f"mark must be one of {_MARKS}; got {mark!r}", sline, where)
        if not item.get("url"):
            raise ctx.error("missing 'url'", sline, where)
        out[str(ref)] = Source(
            ref=str(ref),
            url=str(item["url"]),
            tag=tag,
            verified=mark == "✔",
            mark=mark,
            title=str(item.get("title", "")),
        )
    return out


def load_folder(path: Path) -> tuple[str, dict[str, Source], dict[str, dict[str, _Entry]]]:
    """Read every data file of ``path`` → (release, source registry, entries by kind).

    Cross-references (a system's radars, launcher and missiles; a radar's system) are checked
    here so that a typo is reported with its file and line.
    """
    docs: list[tuple[Path, dict[Any, Any]]] = []
    for file in data_files(path):
        doc = read_yaml(file)
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise InputError("a catalog file must be a mapping", file=str(file), line=1)
        extra = set(doc) - _TOP_KEYS
        if extra:
            key = sorted(extra, key=str)[0]
            raise InputError(
                f"unknown section {key!r}; allowed: {', '.join(sorted(_TOP_KEYS))}",
                file=str(file),
                line=_lo(doc, key),
            )
        docs.append((file, doc))

    release: str | None = None
    registry: dict[str, Source] = {}
    for file, doc in docs:
        ctx = _Ctx(str(file), registry)
        if "release" in doc:
            if release is not None:
                raise ctx.error("release given twice", _lo(doc, "release"), "release")
            release = str(doc["release"])
        if "sources" in doc:
            for ref, src in parse_sources(doc["sources"], ctx, _lo(doc, "sources")).items():
                if ref in registry:
                    raise ctx.error("source id defined twice", _lo(doc, "sources"), ref)
                registry[ref] = src
    if release is None:
        raise InputError("no file gives the catalog 'release'", file=str(path))

    entries: dict[str, dict[str, _Entry]] = {kind: {} for kind in KINDS}
    origins: dict[tuple[str, str], tuple[str, int]] = {}
    for file, doc in docs:
        ctx = _Ctx(str(file), registry)
        for section, kind in SECTIONS.items():
            if section not in doc:
                continue
            items = doc[section]
            if not isinstance(items, list):
                raise ctx.error(f"{section} must be a list", _lo(doc, section), section)
            for item in items:
                entry = parse_entry(item, kind, ctx, _lo(doc, section))
                if entry.name in entries[kind]:
                    raise ctx.error(
                        f"{kind} {entry.name!r} defined twice",
                        getattr(item, "line", None),
                        f"{kind}.name",
                    )
                entries[kind][entry.name] = entry
                origins[(kind, entry.name)] = (str(file), getattr(item, "line", 0))
    _check_references(entries, origins)
    return release, registry, entries


def _check_references(
    entries: dict[str, dict[str, _Entry]], origins: dict[tuple[str, str], tuple[str, int]]
) -> None:
    from openiads.catalog.model import Launcher, Radar, System

    def fail(owner: tuple[str, str], field: str, message: str) -> InputError:
        file, line = origins[owner]
        return InputError(message, file=file, line=line, field=f"{owner[0]}.{owner[1]}.{field}")

    def need(kind: str, name: str, owner: tuple[str, str], field: str) -> None:
        if name not in entries[kind]:
            raise fail(owner, field, f"unknown {kind} {name!r}{did_you_mean(name, entries[kind])}")

    for name, sys_ in entries["system"].items():
        assert isinstance(sys_, System)
        owner = ("system", name)
        for radar_slot in sys_.radars:
            need("radar", radar_slot.radar, owner, "radars")
        need("radar", sys_.fire_control_radar, owner, "fire_control_radar")
        if sys_.fire_control_radar not in {s.radar for s in sys_.radars}:
            raise fail(
                owner, "fire_control_radar", "fire_control_radar must be one of the system's radars"
            )
        need("launcher", sys_.launcher, owner, "launcher")
        launcher = entries["launcher"][sys_.launcher]
        assert isinstance(launcher, Launcher)
        cap = max(launcher.capacity_large, launcher.capacity_small)
        total = 0
        for slot in sys_.loadout:
            need("missile", slot.missile, owner, "loadout")
            total += slot.launchers
            if slot.per_launcher > cap:
                raise fail(
                    owner,
                    "loadout",
                    f"{slot.per_launcher} {slot.missile} per launcher exceeds the "
                    f"{sys_.launcher} capacity {cap}",
                )
        if total != round(sys_.launchers.nominal):
            raise fail(
                owner,
                "loadout",
                f"loadout covers {total} launchers but launchers is {sys_.launchers.nominal:g}",
            )
    for name, radar in entries["radar"].items():
        assert isinstance(radar, Radar)
        need("system", radar.system, ("radar", name), "system")
