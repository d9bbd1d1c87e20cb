"""``openiads study`` and ``openiads report``: thin commands over :mod:`openiads.runs`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from openiads.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("study")(study)
    app.command("report")(report)


def study(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    runs: Annotated[int, typer.Option("--runs", "-n", help="replications per sweep point")] = 100,
    seed: Annotated[
        int | None, typer.Option("--seed", help="root seed (default: the scenario's)")
    ] = None,
    sweep: Annotated[
        list[str] | None,
        typer.Option(
            "--sweep",
            help="PATH=V1,V2,... e.g. 'threats.f35.rcs_frontal=-40dBsm,-30dBsm'; "
            "repeat for a full factorial",
        ),
    ] = None,
    uncertainty: Annotated[
        str, typer.Option("--uncertainty", help="'catalog': draw every catalog figure with a range")
    ] = "none",
    keep: Annotated[
        list[str] | None,
        typer.Option("--keep", help="also store 'events' of every replication"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="run store (DuckDB file); default <scenario>.duckdb here"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", help="local worker processes (default: all cores)"),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Dask scheduler address, e.g. tcp://scheduler:8786"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress display")] = False,
) -> None:
    """Run (or resume) a Monte Carlo study into a run store."""
    from openiads.runs.study import StudyError, StudyRequest, run_study

    store = out if out is not None else Path(f"{scenario.stem}.duckdb")
    req = StudyRequest(
        scenario=scenario,
        out=store,
        runs=runs,
        seed=seed,
        sweeps=list(sweep or []),
        uncertainty=uncertainty,
        keep=list(keep or []),
        workers=workers,
        cluster=cluster,
        command=" ".join(["openiads", *sys.argv[1:]]) if sys.argv else "openiads study",
    )
    try:
        res = run_study(req, progress=not quiet)
    except StudyError as exc:
        typer.echo(f"error: {exc}".replace("\n", " "), err=True)
        raise SystemExit(1) from None
    new = f"{res.stored_now} new" if res.stored_before else f"{res.stored_now} run"
    failed = f", {res.failed} failed" if res.failed else ""
    msg = (
        f"study {res.study_id}: {res.stored}/{res.total} replications stored ({new}{failed}) "
        f"in {res.wall_s:.1f} s on {res.executor} -> {res.store}"
    )
    if res.interrupted:
        typer.echo(f"interrupted: {msg}; run the same command again to finish", err=True)
        raise SystemExit(130)
    typer.echo(msg)
    if not quiet:
        from openiads.runs.report import make_console, outcome_table, study_statistics
        from openiads.runs.store import RunStore

        with RunStore(res.store, read_only=True) as rs:
            stats = study_statistics(rs, res.study_id)
        con = make_console()
        con.print(outcome_table(stats, max_points=20))
        con.print(f"details and plots: openiads report {res.store} --study {res.study_id}")


def report(
    store: Annotated[Path, typer.Argument(help="run store written by 'openiads study'")],
    study_id: Annotated[
        str | None,
        typer.Option("--study", help="study id or unique prefix (default: the latest)"),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", help="folder for plots (default: next to the store)"),
    ] = None,
    formats: Annotated[
        str, typer.Option("--format", help="plot formats, comma-separated")
    ] = "png,svg",
    no_plots: Annotated[bool, typer.Option("--no-plots", help="tables only")] = False,
    confidence: Annotated[
        float, typer.Option("--confidence", help="level of every interval")
    ] = 0.95,
    as_json: Annotated[bool, typer.Option("--json", help="print statistics as JSON")] = False,
    parquet: Annotated[
        Path | None,
        typer.Option(
            "--parquet", help="also export the study's tables as Parquet into this folder"
        ),
    ] = None,
    list_studies: Annotated[
        bool, typer.Option("--list", help="list the studies in the store")
    ] = False,
) -> None:
    """Statistics tables and plots (leakers, expenditure, sweep curves, tornado) of a study."""
    from openiads.runs import report as rep
    from openiads.runs.store import RunStore

    fmts = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    bad = [f for f in fmts if f not in ("png", "svg", "pdf")]
    if bad or not fmts:
        raise InputError(f"expected png, svg or pdf; got {formats!r}", field="--format")
    if not 0.5 <= confidence < 1.0:
        raise InputError(f"expected a level in [0.5, 1); got {confidence}", field="--confidence")
    if list_studies:
        with RunStore(store, read_only=True) as rs:
            for s in rs.studies():
                typer.echo(
                    f"{s['study_id']}  {s['name']}  seed {s['seed']}  {s['done']}/"
                    f"{s['runs'] * s['points']} done  uncertainty {s['uncertainty']}"
                )
        return
    result = rep.report(
        store,
        study_id=study_id,
        out_dir=out_dir,
        formats=fmts,
        confidence=confidence,
        plots=not no_plots,
        as_json=as_json,
    )
    if parquet is not None:
        with RunStore(store, read_only=True) as rs:
            sid = result["statistics"]["study"]["study_id"]
            files = rs.export_parquet(parquet, sid)
        if not as_json:
            typer.echo("parquet: " + ", ".join(str(f) for f in files))
