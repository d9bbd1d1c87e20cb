"""``openiads run``: simulate one scenario, write the run folder, print the summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def run(
    scenario: Path = typer.Argument(..., help="Scenario file (YAML, schema_version 1)."),
    seed: int | None = typer.Option(None, "--seed", help="Root seed (default: the scenario's)."),
    out: Path | None = typer.Option(
        None, "--out", help="Run folder to write (default: runs/<scenario>-seed<seed>)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    report: Path | None = typer.Option(
        None, "--report", help="Also write a self-contained HTML replay to this file."
    ),
    trajectories: bool = typer.Option(
        True, "--trajectories/--no-trajectories", help="Record sampled trajectories."
    ),
) -> None:
    """Simulate SCENARIO once and report what was detected, engaged, killed and leaked."""
    import json

    from openiads.engine import simulate
    from openiads.outcome import write_run
    from openiads.scenario import compile_world, load_scenario

    sc = load_scenario(scenario)
    world = compile_world(sc)
    root_seed = sc.seed if seed is None else seed
    outcome = simulate(world, root_seed, trajectory_dt_s="scenario" if trajectories else None)
    folder = out if out is not None else Path("runs") / f"{scenario.stem}-seed{root_seed}"
    write_run(outcome, folder)
    if json_out:
        typer.echo(json.dumps(outcome.summary, indent=2, sort_keys=True, default=float))
    else:
        print_summary(outcome.summary, outcome.manifest, folder)
    if report is not None:
        from openiads.viewer import write_report

        path = write_report(outcome, report)
        if not json_out:
            typer.echo(f"report: {path}")


def _clock(t: float | None, epoch: str) -> str:
    if t is None:
        return "—"
    import datetime as dt

    base = dt.datetime.fromisoformat(epoch)
    stamp = (base + dt.timedelta(seconds=float(t))).strftime("%H:%M:%SZ")
    return f"{stamp} T+{int(t) // 60}:{int(t) % 60:02d}"


def _km(m: float | None) -> str:
    return "—" if m is None else f"{m / 1000:.1f} km"


def print_summary(summary: dict[str, Any], manifest: dict[str, Any], folder: Path) -> None:
    """A readable terminal summary (rich tables) of one run."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 132))
    epoch = manifest["epoch"]
    console.print(
        f"[bold]{manifest['scenario_name']}[/bold]  seed {manifest['seed']}  "
        f"openiads {manifest['openiads_version']}  catalog {manifest['catalog_version']}"
    )
    hostile = [o for o in summary["objects"] if o["side"] == "hostile"]
    table = Table(title="Air objects", show_lines=False)
    for col in (
        "id",
        "type",
        "side",
        "first detected",
        "by",
        "at range",
        "tracked",
        "shots",
        "outcome",
    ):
        table.add_column(col)
    shown = summary["objects"] if len(summary["objects"]) <= 60 else hostile[:60]
    for o in shown:
        outcome = o["status"] + (
            f" {_clock(o['status_s'], epoch)}" if o["status_s"] is not None else ""
        )
        table.add_row(
            o["id"],
            o["type"],
            o["side"],
            _clock(o["first_detection_s"], epoch),
            o["first_detection_radar"] or "—",
            _km(o["first_detection_range_m"]),
            _clock(o["first_track_s"], epoch),
            str(o["shots"]),
            outcome,
        )
    console.print(table)
    if len(shown) < len(summary["objects"]):
        console.print(f"({len(summary['objects']) - len(shown)} more objects in summary.json)")

    if summary.get("shots"):
        shot_table = Table(title="Interceptors")
        for col in ("#", "launched", "from", "missile", "target", "time of flight", "result"):
            shot_table.add_column(col)
        for sh in summary["shots"][:40]:
            tof = (
                f"{sh['result_s'] - sh['launch_s']:.0f} s"
                if sh["result_s"] is not None
                else f"({sh['planned_tof_s']:.0f} s planned)"
            )
            where = sh["fire_unit"]
            if sh["launch_lat_deg"] is not None:
                where += f" {sh['launch_lat_deg']:.2f}N {sh['launch_lon_deg']:.2f}E"
            result = sh["result"] or "in flight"
            if sh["result_s"] is not None:
                result += f" {_clock(sh['result_s'], epoch)}"
            shot_table.add_row(
                sh["interceptor"],
                _clock(sh["launch_s"], epoch),
                where,
                sh["missile"],
                sh["target"],
                tof,
                result,
            )
        console.print(shot_table)
        if len(summary["shots"]) > 40:
            console.print(f"({len(summary['shots']) - 40} more interceptors in summary.json)")

    fu_table = Table(title="Fire units")
    for col in ("fire unit", "system", "interceptors spent", "by missile", "magazine empty"):
        fu_table.add_column(col)
    for name, fu in summary["fire_units"].items():
        by = ", ".join(f"{k} {v}" for k, v in sorted(fu["spent"].items())) or "—"
        fu_table.add_row(
            name, fu["system"], str(fu["spent_total"]), by, _clock(fu["magazine_empty_s"], epoch)
        )
    console.print(fu_table)
    console.print(
        f"hostile {summary['hostile']}: detected {summary['detected']}, "
        f"tracked {summary['tracked']}, engaged {summary['engaged']}, "
        f"killed {summary['kills']}, leaked {summary['leakers']}, "
        f"survived {summary['survivors']}; interceptors spent {summary['interceptors_spent']}"
    )
    fused = (summary.get("tracking") or {}).get("fused")
    if fused:
        delay = fused.get("detection_to_confirmation_s_mean")
        console.print(
            f"air picture: {fused.get('tracks_confirmed')} fused tracks on "
            f"{fused.get('objects_tracked')} objects, purity {fused.get('purity')}, "
            f"id swaps {fused.get('id_swaps')}, breaks {fused.get('breaks')}, "
            f"false tracks {fused.get('false_tracks')}"
            + (f", detection to confirmed track {delay:.0f} s on average" if delay else "")
        )
    for note in manifest.get("notes", []):
        console.print(f"[dim]note: {note}[/dim]")
    console.print(
        "[dim]Mission-level model from public figures (many unverified or assumed: see "
        "`openiads catalog show`); no 6-DoF flight, signal processing or crew behaviour.[/dim]"
    )
    console.print(f"run written to {folder}")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
