"""The ``openiads`` command: a thin Typer layer over the public API.

Each package that offers commands has a ``cli.py`` with ``register(app)``; this module only
wires them together, handles ``--version`` and ``--debug``, and turns
:class:`~openiads.errors.InputError` into one line on stderr and exit status 2.
Heavy libraries are imported inside the commands, never at start-up.
"""

from __future__ import annotations

import importlib
import sys

import click
import typer

from openiads import __version__
from openiads.errors import InputError

app = typer.Typer(
    name="openiads",
    help="Open, reproducible simulator and analysis toolkit for integrated air defence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

_STATE = {"debug": False}

#: Modules that add commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "openiads.engine.cli",
    "openiads.catalog.cli",
    "openiads.runs.cli",
    "openiads.analysis.cli",
    "openiads.export.cli",
    "openiads.viewer.cli",
)


def _version(value: bool) -> None:
    if value:
        from openiads.catalog import catalog_version

        typer.echo(f"openiads {__version__}")
        typer.echo(f"catalog {catalog_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print versions and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for input errors."),
) -> None:
    """openiads: radars, tracking, command and control, interceptors and kill probability."""
    _STATE["debug"] = debug


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, standalone_mode=False)
    except InputError as err:
        if _STATE["debug"] or "--debug" in args:
            raise
        typer.echo(f"error: {err}", err=True)
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.exceptions.Abort:
        typer.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
