"""``openiads serve STORE`` (read-only study browser) and ``openiads replay RUN -o out.html``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

LOCAL_HOST = "127.0.0.1"


def register(app: typer.Typer) -> None:
    """Add the ``serve`` and ``replay`` commands to the root app."""

    @app.command("serve")
    def serve(
        store: Annotated[Path, typer.Argument(help="Run store (DuckDB file) written by a study.")],
        host: Annotated[
            str, typer.Option("--host", help="Address to bind; anything but 127.0.0.1 exposes it.")
        ] = LOCAL_HOST,
        port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8765,
    ) -> None:
        """Browse a run store read-only in a web browser; replay any replication."""
        from openiads.errors import InputError

        if not store.is_file():
            raise InputError("run store not found", file=str(store))
        if host not in (LOCAL_HOST, "localhost", "::1"):
            typer.echo(
                f"warning: serving on {host}:{port}: anyone who can reach this address can "
                "read the whole store (no authentication). Use the default 127.0.0.1 to keep "
                "it on this machine.",
                err=True,
            )
        import uvicorn

        from openiads.viewer.server import create_app

        app_ = create_app(store)
        typer.echo(f"serving {store} on http://{host}:{port}/ (Ctrl-C to stop)")
        uvicorn.run(app_, host=host, port=port, log_level="warning")

    @app.command("replay")
    def replay(
        run: Annotated[Path, typer.Argument(help="Run folder written by `openiads run --out`.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")],
        coverage: Annotated[
            Path | None,
            typer.Option(
                "--coverage", help="GeoJSON contours to overlay (openiads coverage map --contours)."
            ),
        ] = None,
    ) -> None:
        """Write the self-contained HTML replay of a run folder."""
        import json

        from openiads.errors import InputError

        if not out.parent.is_dir():
            raise InputError("folder does not exist", file=str(out), field="--out")
        contours = None
        if coverage is not None:
            if not coverage.is_file():
                raise InputError("no such file", file=str(coverage), field="--coverage")
            try:
                contours = json.loads(coverage.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise InputError(f"not JSON: {exc}", file=str(coverage)) from None
        from openiads.outcome import read_run
        from openiads.viewer.report import write_report

        outcome = read_run(run)
        try:
            path = write_report(outcome, out, coverage=contours)
        except InputError as err:  # only the coverage file can be at fault here
            raise err.located(file=str(coverage)) from None
        typer.echo(f"replay: {path} ({path.stat().st_size / 1e6:.2f} MB)")
