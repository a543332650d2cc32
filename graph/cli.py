"""The ``knooppunt`` command: one entry point, one sub-command group per package area.

Each area owns its commands in its own module (``graph.localdb.cli``, ``ingest.cli``, ...);
this module only assembles them and maps the project's errors to exit codes in one place.
"""

from __future__ import annotations

import sys

import click
import typer
from rich.console import Console

from graph.errors import ExitCode, KnooppuntError

__all__ = ["app", "main"]

app = typer.Typer(
    name="knooppunt",
    help=(
        "Knooppunt: cross-region criminal networks from pseudonymised partner deliveries.\n\n"
        "Example: knooppunt db start && knooppunt db status"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_stderr = Console(stderr=True)


def _register() -> None:
    # Sub-command groups; each module defines a typer app or commands on ``app``.
    from graph.localdb.cli import db_app

    app.add_typer(db_app, name="db")

    from ingest.synthetic.cli import generate_command, pseudonymise_command

    app.command("generate")(generate_command)
    app.command("pseudonymise")(pseudonymise_command)
    from ingest.cli import ingest, retention_app

    app.command("ingest")(ingest)
    app.add_typer(retention_app, name="retention")
    from graph.analysis.cli import analyse, evaluate

    app.command("analyse")(analyse)
    app.command("evaluate")(evaluate)
    from graph.viz.cli import view

    app.command("view")(view)
    from api.cli import audit_app, serve, token

    app.command("serve")(serve)
    app.command("token")(token)
    app.add_typer(audit_app, name="audit")


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) an :class:`ExitCode`."""
    try:
        result = app(args=argv, standalone_mode=False)
    except KnooppuntError as e:
        _stderr.print(f"[bold red]error:[/] {e}", highlight=False, markup=True)
        code = int(e.exit_code)
    except click.exceptions.Abort:
        _stderr.print("aborted")
        code = int(ExitCode.ERROR)
    except click.ClickException as e:
        e.show()
        code = int(ExitCode.USAGE)
    except click.exceptions.Exit as e:
        code = int(e.exit_code)
    else:
        # click returns the code of a ``typer.Exit`` when not in standalone mode.
        code = result if isinstance(result, int) else int(ExitCode.OK)
    if argv is None:
        sys.exit(code)
    return code
