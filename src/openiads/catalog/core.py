"""The :class:`Catalog`: name lookup, figure paths, overrides and sampling.

A catalog is immutable. :meth:`Catalog.with_overrides` and :meth:`Catalog.sample` return new
catalogs; the entries they do not touch are shared.

Figure paths are ``<kind>.<name>.<attribute>`` with sub-keys for mappings:
``missile.48N6E3.max_range_m``, ``missile.48N6E3.pk.fighter``,
``target.F-35A.rcs.X.frontal``, ``system.S-400.reaction_time_s``. The name part may be any
alias (``target.f35.rcs.L.beam``); paths returned by :meth:`Catalog.figures` use the canonical
name.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from openiads.catalog.loader import data_dir, data_hash, load_folder
from openiads.catalog.model import (
    ASPECTS,
    KINDS,
    AspectRcs,
    Figure,
    Launcher,
    Missile,
    Radar,
    Source,
    System,
    Target,
    _Entry,
)
from openiads.errors import InputError, did_you_mean

if TYPE_CHECKING:
    import numpy as np

E = TypeVar("E", bound=_Entry)

_NORM_RE = re.compile(r"[^0-9a-z]+")


def normalize_name(name: str) -> str:
    """Case- and punctuation-insensitive key: ``'S-400'``, ``'s400'``, ``'S 400'`` → ``'s400'``."""
    return _NORM_RE.sub("", name.lower())


class Catalog:
    """Systems, radars, missiles, launchers and targets with their cited figures."""

    def __init__(
        self,
        entries: Mapping[str, Mapping[str, _Entry]],
        *,
        version: str,
        release: str,
        sources: Mapping[str, Source],
        path: Path | None = None,
    ) -> None:
        self._entries: dict[str, dict[str, _Entry]] = {
            kind: dict(entries.get(kind, {})) for kind in KINDS
        }
        self.version = version
        self.release = release
        self.sources: Mapping[str, Source] = dict(sources)
        self.path = path
        self._index: dict[str, dict[str, str]] = {}
        for kind, items in self._entries.items():
            index: dict[str, str] = {}
            for name, entry in items.items():
                for key in (name, *entry.aliases, getattr(entry, "display_name", name)):
                    norm = normalize_name(key)
                    if norm in index and index[norm] != name:
                        raise InputError(
                            f"{kind} alias {key!r} is used by both {index[norm]!r} and {name!r}"
                        )
                    index[norm] = name
            self._index[kind] = index

    def __repr__(self) -> str:
        counts = ", ".join(f"{len(v)} {k}s" for k, v in self._entries.items())
        return f"<Catalog {self.version}: {counts}>"

    # ------------------------------------------------------------------ lookup

    def _lookup(self, kind: str, name: str) -> _Entry:
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
        canonical = self._index[kind].get(normalize_name(str(name)))
        if canonical is None:
            raise InputError(self._unknown_message(kind, str(name)))
        return self._entries[kind][canonical]

    def _unknown_message(self, kind: str, name: str) -> str:
        index = self._index[kind]
        close = difflib.get_close_matches(normalize_name(name), list(index), n=1, cutoff=0.6)
        if close:
            return f"unknown {kind} {name!r}; did you mean {index[close[0]]!r}?"
        known = ", ".join(self.names(kind))
        return f"unknown {kind} {name!r}; known: {known}"

    def _typed(self, kind: str, name: str, cls: type[E]) -> E:
        entry = self._lookup(kind, name)
        assert isinstance(entry, cls)
        return entry

    def system(self, name: str) -> System:
        return self._typed("system", name, System)

    def radar(self, name: str) -> Radar:
        return self._typed("radar", name, Radar)

    def missile(self, name: str) -> Missile:
        return self._typed("missile", name, Missile)

    def launcher(self, name: str) -> Launcher:
        return self._typed("launcher", name, Launcher)

    def target(self, name: str) -> Target:
        return self._typed("target", name, Target)

    def entry(self, name: str, kind: str | None = None) -> tuple[str, _Entry]:
        """Find ``name`` among all kinds (systems first) → ``(kind, entry)``."""
        if kind is not None:
            return kind, self._lookup(kind, name)
        norm = normalize_name(name)
        for k in KINDS:
            if norm in self._index[k]:
                return k, self._entries[k][self._index[k][norm]]
        everything = {key: (k, n) for k in KINDS for key, n in self._index[k].items()}
        close = difflib.get_close_matches(norm, list(everything), n=1, cutoff=0.6)
        if close:
            k, n = everything[close[0]]
            raise InputError(f"unknown catalog entry {name!r}; did you mean {k} {n!r}?")
        raise InputError(f"unknown catalog entry {name!r}; see 'openiads catalog'")

    def names(self, kind: str) -> list[str]:
        """Canonical names of one kind, in file order."""
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
        return list(self._entries[kind])

    def entries(self, kind: str) -> list[_Entry]:
        """Entries of one kind, in file order."""
        return [self._entries[kind][n] for n in self.names(kind)]

    def components(self, system: str) -> list[tuple[str, _Entry]]:
        """``(kind, entry)`` of a system's radars, launcher and default-loadout missiles."""
        sys_ = self.system(system)
        out: list[tuple[str, _Entry]] = [("radar", self.radar(s.radar)) for s in sys_.radars]
        out.append(("launcher", self.launcher(sys_.launcher)))
        out.extend(("missile", self.missile(m)) for m in sys_.missiles)
        return out

    def figures_of(self, name: str, kind: str | None = None) -> list[tuple[str, Figure]]:
        """Every figure of one entry (any kind; a system includes its components), by path."""
        kind, entry = self.entry(name, kind)
        entries = [(kind, entry)]
        if kind == "system":
            entries += self.components(entry.name)
        return [(".".join((k, e.name, *rel)), fig) for k, e in entries for rel, fig in _walk(e)]

    def caveats(self, name: str, kind: str | None = None) -> list[tuple[str, Figure]]:
        """The figures of :meth:`figures_of` flagged ``unverified`` or ``assumption``.

        For the caveat lines of reports: what a result built on this entry rests on.
        """
        return [(p, f) for p, f in self.figures_of(name, kind) if f.unverified or f.assumption]

    def __contains__(self, path: object) -> bool:
        try:
            self.get(str(path))
        except InputError:
            return False
        return True

    # ------------------------------------------------------------------ figures

    def figures(self) -> Iterator[tuple[str, Figure]]:
        """Every figure with its path, sorted by path."""
        items: list[tuple[str, Figure]] = []
        for kind, entries in self._entries.items():
            for name, entry in entries.items():
                for rel, fig in _walk(entry):
                    items.append((".".join((kind, name, *rel)), fig))
        items.sort(key=lambda kv: kv[0])
        return iter(items)

    def _split(self, path: str) -> tuple[str, _Entry, tuple[str, ...]]:
        parts = str(path).split(".")
        if len(parts) < 3:
            raise InputError(
                f"bad figure path {path!r}; expected kind.name.attribute, "
                "e.g. 'missile.48N6E3.max_range_m'"
            )
        kind, name, rel = parts[0], parts[1], tuple(parts[2:])
        entry = self._lookup(kind, name)
        return kind, entry, rel

    def get(self, path: str) -> Figure:
        """The figure at ``path`` (see the module doc for the path syntax)."""
        kind, entry, rel = self._split(path)
        fig = dict(_walk(entry)).get(rel)
        if fig is None:
            raise InputError(self._bad_path_message(path, kind, entry))
        return fig

    def _bad_path_message(self, path: str, kind: str, entry: _Entry) -> str:
        known = [".".join((kind, entry.name, *rel)) for rel, _ in _walk(entry)]
        canonical = ".".join((kind, entry.name, *str(path).split(".")[2:]))
        return f"unknown figure path {path!r}{did_you_mean(canonical, known)}"

    # ------------------------------------------------------------------ new catalogs

    def _replace(self, figures: Mapping[str, Figure]) -> Catalog:
        by_entry: dict[tuple[str, str], dict[tuple[str, ...], Figure]] = {}
        known: dict[tuple[str, str], set[tuple[str, ...]]] = {}  # figure paths, once per entry
        for path, fig in figures.items():
            kind, entry, rel = self._split(path)
            key = (kind, entry.name)
            if key not in known:
                known[key] = {r for r, _ in _walk(entry)}
            if rel not in known[key]:
                raise InputError(self._bad_path_message(path, kind, entry))
            by_entry.setdefault(key, {})[rel] = fig
        new = {kind: dict(items) for kind, items in self._entries.items()}
        for (kind, name), changes in by_entry.items():
            new[kind][name] = _with_figures(new[kind][name], changes)
        return Catalog(
            new, version=self.version, release=self.release, sources=self.sources, path=self.path
        )

    def with_overrides(self, overrides: Mapping[str, float | Figure]) -> Catalog:
        """A new catalog with figures pinned to the given SI values (or replaced by Figures).

        A number pins the figure: ``nominal = low = high = value`` and ``dist = 'fixed'``, so a
        later :meth:`sample` leaves it alone; sources and flags are kept and the note says it
        was overridden. Bad paths and non-finite values raise InputError.
        """
        figs: dict[str, Figure] = {}
        for path, value in overrides.items():
            if isinstance(value, Figure):
                figs[path] = value
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(f"override for {path!r} must be a number in SI units")
            if not math.isfinite(float(value)):
                raise InputError(f"override for {path!r} must be finite; got {value!r}")
            figs[path] = self.get(path).fixed_at(float(value), f"(overridden to {value:g})")
        return self._replace(figs)

    def sample(self, rng: np.random.Generator) -> tuple[Catalog, dict[str, float]]:
        """Draw every figure that has a range; return the drawn catalog and the draws.

        Paths are visited in sorted order with one draw each, so the result depends only on
        the generator's state. ``uniform`` draws on [low, high]; ``triangular`` has its mode
        at the nominal value; ``log_uniform`` is uniform in log(value) (used for RCS that span
        decades). Integer figures (counts) are rounded. A drawn figure is pinned to its draw
        (``dist = 'fixed'``), so sampling a sampled catalog draws nothing more.

        A figure stated once in the data and reused through a YAML anchor (a Pk table shared
        by the 48N6-family missiles, a conventional airframe's RCS table used for X, S and L
        band, a scan-period assumption shared by two radars) is one object and gets one draw
        at all its paths: it is one uncertain quantity, not several independent ones.
        """
        draws: dict[str, float] = {}
        figs: dict[str, Figure] = {}
        shared: dict[int, float] = {}  # by object: one stated figure, one draw
        for path, fig in self.figures():
            if not fig.sampled:
                continue
            if id(fig) in shared:
                value = shared[id(fig)]
            else:
                value = shared[id(fig)] = draw_figure(fig, rng)
            draws[path] = value
            figs[path] = fig.fixed_at(value, f"(sampled {fig.dist} in [{fig.low:g}, {fig.high:g}])")
        return self._replace(figs), draws


def draw_figure(fig: Figure, rng: np.random.Generator) -> float:
    """One draw of ``fig`` by its ``dist`` (the nominal value when it has no range)."""
    if not fig.sampled:
        return fig.nominal
    lo, hi = fig.low, fig.high
    if fig.integer:
        lo, hi = lo - 0.5, hi + 0.5
    if fig.dist == "uniform":
        value = float(rng.uniform(lo, hi))
    elif fig.dist == "triangular":
        value = float(rng.triangular(lo, fig.nominal, hi))
    else:  # log_uniform
        value = float(math.exp(rng.uniform(math.log(fig.low), math.log(fig.high))))
    if fig.integer:
        value = float(min(max(round(value), fig.low), fig.high))
    return min(max(value, fig.low), fig.high)


def _walk(entry: _Entry) -> Iterator[tuple[tuple[str, ...], Figure]]:
    """(relative path, figure) for every figure of an entry, in attribute order."""
    for name in type(entry).model_fields:
        value = getattr(entry, name)
        if isinstance(value, Figure):
            yield (name,), value
        elif isinstance(value, Mapping):
            for key, sub in value.items():
                if isinstance(sub, Figure):
                    yield (name, str(key)), sub
                elif isinstance(sub, AspectRcs):
                    for aspect in ASPECTS:
                        yield (name, str(key), aspect), getattr(sub, aspect)


def _with_figures(entry: E, changes: Mapping[tuple[str, ...], Figure]) -> E:
    update: dict[str, Any] = {}
    for rel, fig in changes.items():
        head = rel[0]
        if len(rel) == 1:
            update[head] = fig
            continue
        current = dict(update.get(head, getattr(entry, head)))
        if len(rel) == 2:
            current[rel[1]] = fig
        else:
            table: AspectRcs = current[rel[1]]
            current[rel[1]] = table.model_copy(update={rel[2]: fig})
        update[head] = current
    return entry.model_copy(update=update)


# ---------------------------------------------------------------------- loading


@lru_cache(maxsize=8)
def _load(path: Path, digest: str) -> Catalog:
    release, registry, entries = load_folder(path)
    version = f"{release}-{digest[:8]}"
    return Catalog(entries, version=version, release=release, sources=registry, path=path)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load the catalog in ``path`` (default: the package's data folder).

    Cached by folder and content hash: repeated calls return the same object until a data
    file changes.
    """
    folder = data_dir() if path is None else Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise InputError("catalog folder not found", file=str(folder))
    return _load(folder, data_hash(folder))


def catalog_version(path: str | Path | None = None) -> str:
    """``<release>-<first 8 hex of SHA-256 over the data files>``, e.g. ``2026.11-1a2b3c4d``.

    Reads the release line and hashes the files without validating every entry, so
    ``openiads --version`` stays fast.
    """
    folder = data_dir() if path is None else Path(path).expanduser().resolve()
    release = _read_release(folder)
    return f"{release}-{data_hash(folder)[:8]}"


def _read_release(folder: Path) -> str:
    for file in sorted(folder.glob("*.yaml")):
        for line in file.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^release:\s*['\"]?([^'\"#\s]+)", line)
            if m:
                return m.group(1)
    return "unknown"
