"""``openiads catalog`` and ``openiads catalog show NAME``: read the equipment catalog.

Thin layer over :mod:`openiads.catalog`; ``--json`` prints machine-readable output.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from openiads.catalog.core import Catalog
    from openiads.catalog.model import Figure, _Entry

catalog_app = typer.Typer(
    name="catalog",
    help="Equipment catalog: systems, radars, missiles, launchers and targets with sources.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def register(app: typer.Typer) -> None:
    """Add the ``catalog`` command group to the root app."""
    app.add_typer(catalog_app, name="catalog")


@catalog_app.callback(invoke_without_command=True)
def catalog_list(
    ctx: typer.Context,
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    kind: str | None = typer.Option(
        None, "--kind", help="Only one kind: system, radar, missile, launcher or target."
    ),
    data: str | None = typer.Option(
        None, "--data", help="Read (and validate) another catalog folder of *.yaml files."
    ),
) -> None:
    """List every catalog entry with its key figures and flags."""
    if ctx.invoked_subcommand is not None:
        return
    from openiads.catalog import load_catalog
    from openiads.catalog.model import KINDS
    from openiads.errors import InputError

    cat = load_catalog(data)
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}", field="--kind")
    kinds = [kind] if kind else list(KINDS)
    rows = [{"kind": k, **_summary(cat, k, entry)} for k in kinds for entry in cat.entries(k)]
    if json_out:
        typer.echo(json.dumps({"version": cat.version, "entries": rows}, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"openiads catalog {cat.version}", show_lines=False)
    for col in ("kind", "name", "key figures", "flags"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["kind"], row["name"], row["key_figures"], _flags_text(row))
    console = _console()
    console.print(table)
    console.print(
        "flags: figures marked unverified (no first-hand source) / assumption (no public "
        "figure). 'openiads catalog show NAME' lists every figure with its sources."
    )


@catalog_app.command("show")
def catalog_show(
    name: str = typer.Argument(..., help="Any name or alias: S-400, SA-21, 48N6E3, F-35 ..."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    data: str | None = typer.Option(
        None, "--data", help="Read (and validate) another catalog folder of *.yaml files."
    ),
) -> None:
    """Show one entry: every figure with its range, flags and sources."""
    from openiads.catalog import load_catalog

    cat = load_catalog(data)
    kind, entry = cat.entry(name)
    components = cat.components(entry.name) if kind == "system" else []
    if json_out:
        out = {
            "version": cat.version,
            "kind": kind,
            "entry": entry_json(kind, entry),
            "components": [entry_json(k, e) for k, e in components],
        }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    console = _console()
    _print_entry(console, kind, entry)
    for k, e in components:
        console.print()
        _print_entry(console, k, e)


# ---------------------------------------------------------------------- helpers


def _console() -> Any:
    """A rich console; 200 columns when writing to a pipe or file so tables stay readable."""
    import sys

    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200)


def entry_json(kind: str, entry: _Entry) -> dict[str, Any]:
    """An entry as plain JSON: scalars as they are, figures as dicts (see ``figure_json``)."""
    from openiads.catalog.core import _walk

    out: dict[str, Any] = {"kind": kind}
    figure_heads = {rel[0] for rel, _ in _walk(entry)}
    for field in type(entry).model_fields:
        if field in figure_heads:
            continue
        value = getattr(entry, field)
        if hasattr(value, "model_dump"):
            value = value.model_dump()
        elif isinstance(value, tuple):
            value = [v.model_dump() if hasattr(v, "model_dump") else v for v in value]
        out[field] = value
    out["figures"] = {".".join(rel): figure_json(fig) for rel, fig in _walk(entry)}
    return out


def figure_json(fig: Figure) -> dict[str, Any]:
    return {
        "nominal": fig.nominal,
        "low": fig.low,
        "high": fig.high,
        "unit": fig.unit,
        "dist": fig.dist,
        "unverified": fig.unverified,
        "assumption": fig.assumption,
        "note": fig.note,
        "sources": [
            {"ref": s.ref, "url": s.url, "tag": s.tag, "mark": s.mark, "note": s.note}
            for s in fig.sources
        ],
    }


def _summary(cat: Catalog, kind: str, entry: _Entry) -> dict[str, Any]:
    from openiads.catalog.core import _walk
    from openiads.catalog.format import fmt_value
    from openiads.catalog.model import Launcher, Missile, Radar, System, Target

    figs = [f for _, f in _walk(entry)]
    key = ""
    if isinstance(entry, System):
        reach = max(cat.missile(m).max_range_m.nominal for m in entry.missiles)
        key = (
            f"{int(entry.launchers)} launchers, {int(entry.channels_targets)} tgt / "
            f"{int(entry.channels_missiles)} msl, reach {fmt_value(reach, 'm')}, "
            f"reaction {fmt_value(entry.reaction_time_s.nominal, 's')}"
        )
    elif isinstance(entry, Radar):
        key = (
            f"{entry.band} band, {entry.role}, "
            f"{fmt_value(entry.ref_range_m.nominal, 'm')} @ "
            f"{fmt_value(entry.ref_rcs_m2.nominal, 'm^2')}, "
            f"instr. {fmt_value(entry.instrumented_range_m.nominal, 'm')}"
        )
    elif isinstance(entry, Missile):
        key = (
            f"{fmt_value(entry.min_range_m.nominal, 'm')}-"
            f"{fmt_value(entry.max_range_m.nominal, 'm')}, "
            f"≤{fmt_value(entry.max_altitude_m.nominal, 'm')} alt, "
            f"avg {fmt_value(entry.avg_speed_mps.nominal, 'm/s')}"
        )
    elif isinstance(entry, Launcher):
        key = f"{entry.capacity_large} large / {entry.capacity_small} small"
    elif isinstance(entry, Target):
        x = entry.rcs_m2("X", "frontal").nominal
        key = (
            f"{entry.cls}, X frontal {fmt_value(x, 'm^2')}, "
            f"cruise {fmt_value(entry.cruise_speed_mps.nominal, 'm/s')}"
        )
    return {
        "name": entry.name,
        "aliases": list(entry.aliases),
        "key_figures": key,
        "figures": len(figs),
        "unverified": sum(f.unverified for f in figs),
        "assumption": sum(f.assumption for f in figs),
    }


def _flags_text(row: dict[str, Any]) -> str:
    return f"{row['figures']} fig: {row['unverified']} unverified, {row['assumption']} assumption"


def _print_entry(console: Any, kind: str, entry: _Entry) -> None:
    from rich.table import Table

    from openiads.catalog.core import _walk
    from openiads.catalog.format import fmt_range, fmt_value

    title = getattr(entry, "display_name", entry.name)
    console.print(f"[bold]{kind} {entry.name}[/bold] ({title})")
    if entry.aliases:
        console.print(f"aliases: {', '.join(entry.aliases)}")
    if entry.description:
        console.print(entry.description)
    for field in type(entry).model_fields:
        value = getattr(entry, field)
        if field in ("name", "aliases", "description", "sources", "notes", "display_name"):
            continue
        if isinstance(value, str | int) and not isinstance(value, bool):
            console.print(f"{field}: {value}")
        elif isinstance(value, tuple) and value and hasattr(value[0], "model_dump"):
            parts = [", ".join(f"{k}={v}" for k, v in item.model_dump().items()) for item in value]
            console.print(f"{field}: " + "; ".join(parts))
    for note in entry.notes:
        console.print(f"note: {note}")
    if entry.sources:
        console.print("sources: " + ", ".join(f"{s.ref} [{s.tag} {s.mark}]" for s in entry.sources))
    table = Table(show_lines=False)
    for col in ("figure", "nominal", "range", "dist", "flags", "sources", "note"):
        table.add_column(col, overflow="fold")
    for rel, fig in _walk(entry):
        flags = ",".join(
            f for f, on in (("unverified", fig.unverified), ("assumption", fig.assumption)) if on
        )
        srcs = " ".join(f"{s.ref}[{s.tag}{s.mark}]" for s in fig.sources)
        table.add_row(
            ".".join(rel),
            fmt_value(fig.nominal, fig.unit),
            fmt_range(fig),
            fig.dist,
            flags,
            srcs,
            fig.note,
        )
    console.print(table)
    used: dict[str, Any] = {}
    for s in entry.sources:
        used.setdefault(s.ref, s)
    for _, fig in _walk(entry):
        for s in fig.sources:
            used.setdefault(s.ref, s)
    console.print("sources:")
    for ref, s in used.items():
        console.print(f"  {ref} [{s.tag} {s.mark}] {s.title}: {s.url}", markup=False)
