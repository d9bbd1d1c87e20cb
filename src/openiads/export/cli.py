"""``openiads export RUN --czml out.czml --kml out.kml --geojson out.geojson --acmi out.acmi``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``export`` command to the root app."""

    @app.command("export")
    def export(
        run: Annotated[Path, typer.Argument(help="Run folder written by `openiads run --out`.")],
        czml: Annotated[
            Path | None, typer.Option("--czml", help="Write CZML (Cesium, STK).")
        ] = None,
        kml: Annotated[Path | None, typer.Option("--kml", help="Write KML (Google Earth).")] = None,
        geojson: Annotated[
            Path | None, typer.Option("--geojson", help="Write GeoJSON (QGIS).")
        ] = None,
        acmi: Annotated[
            Path | None, typer.Option("--acmi", help="Write Tacview ACMI 2.2 text.")
        ] = None,
        max_points: Annotated[
            int, typer.Option("--max-points", min=2, help="Most samples kept per object track.")
        ] = 2000,
    ) -> None:
        """Export a run for Cesium, Google Earth, QGIS and Tacview."""
        from openiads.errors import InputError

        targets = {"czml": czml, "kml": kml, "geojson": geojson, "acmi": acmi}
        chosen = {k: v for k, v in targets.items() if v is not None}
        if not chosen:
            raise InputError("give at least one of --czml, --kml, --geojson, --acmi", file=str(run))
        for name, path in chosen.items():
            if not path.parent.is_dir():
                raise InputError("folder does not exist", file=str(path), field=f"--{name}")
        from openiads import export as writers
        from openiads.outcome import read_run

        outcome = read_run(run)
        for name, path in chosen.items():
            write = getattr(writers, f"write_{name}")
            out = write(outcome, path, max_points_per_object=max_points)
            typer.echo(f"{name}: {out} ({out.stat().st_size / 1e6:.2f} MB)")
