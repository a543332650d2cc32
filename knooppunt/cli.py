"""The ``knooppunt`` command: one entry point, one sub-command group per package area.

Each area owns its commands in its own module (``graph.localdb.cli``, ``ingest.cli``,
``api.cli``, ...); this module only assembles them and maps the project's errors to exit codes in
one place. It is the application layer: it may import every package, and none imports it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

# typer >= 0.22 carries its own copy of click; its types are the ones its groups use.
from typer._click import ClickException, Command, Context
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup, TyperOption

from graph.cli_types import PlainCommand as _Command
from graph.errors import ExitCode, KnooppuntError

__all__ = ["app", "main"]

#: What a sub-command module offers: a Typer app (a command group) or a function (a command).
SubCommand = typer.Typer | Callable[..., object]


# Each loader imports its module only when its command runs (or for --help), so that
# `knooppunt db status` does not pay for importing the analysis stack.
def _db() -> SubCommand:
    from graph.localdb.cli import db_app

    return db_app


def _generate() -> SubCommand:
    from ingest.synthetic.cli import generate_command

    return generate_command


def _pseudonymise() -> SubCommand:
    from ingest.synthetic.cli import pseudonymise_command

    return pseudonymise_command


def _ingest() -> SubCommand:
    from ingest.cli import ingest

    return ingest


def _retention() -> SubCommand:
    from ingest.cli import retention_app

    return retention_app


def _analyse() -> SubCommand:
    from graph.analysis.cli import analyse

    return analyse


def _evaluate() -> SubCommand:
    from graph.analysis.cli import evaluate

    return evaluate


def _view() -> SubCommand:
    from graph.viz.cli import view

    return view


def _serve() -> SubCommand:
    from api.cli import serve

    return serve


def _token() -> SubCommand:
    from api.cli import token

    return token


def _audit() -> SubCommand:
    from api.cli import audit_app

    return audit_app


def _case() -> SubCommand:
    from graph.cases.cli import case_app

    return case_app


def _bibob() -> SubCommand:
    from graph.cases.cli import bibob_app

    return bibob_app


#: Sub-commands: name -> loader. A Typer app becomes a command group, a function a command.
_COMMANDS: dict[str, Callable[[], SubCommand]] = {
    "db": _db,
    "generate": _generate,
    "pseudonymise": _pseudonymise,
    "ingest": _ingest,
    "retention": _retention,
    "analyse": _analyse,
    "evaluate": _evaluate,
    "view": _view,
    "serve": _serve,
    "token": _token,
    "audit": _audit,
    "case": _case,
    "bibob": _bibob,
}


def _plain_metavars(command: Command) -> None:
    """Give every option that takes a value and names no metavar its own name (``--port
    PORT``), instead of typer's ``<int>``; commands set better ones (``DATE``, ``FILE``)."""
    for param in command.params:
        if isinstance(param, TyperOption) and param.metavar is None and not param.is_flag:
            param.metavar = (param.name or "value").upper()
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)


def _load_command(name: str) -> Command:
    target = _COMMANDS[name]()
    command: Command
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer(rich_markup_mode=None, add_completion=False)
        single.command(name, cls=_Command)(target)
        command = typer.main.get_command(single)
    command.name = name
    _plain_metavars(command)
    return command


class _LazyGroup(TyperGroup):
    """The root group: lists every sub-command, imports one only when it is needed."""

    def list_commands(self, ctx: Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in _COMMANDS:
            return _load_command(cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="knooppunt",
    cls=_LazyGroup,
    help=(
        "Knooppunt: cross-region criminal networks from pseudonymised partner deliveries.\n\n"
        "Example: knooppunt db start && knooppunt db status"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if not value:
        return
    try:
        installed = version("knooppunt")
    except PackageNotFoundError:  # run from a checkout that was never installed
        installed = "unknown"
    typer.echo(f"knooppunt {installed}")
    raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Knooppunt: cross-region criminal networks from pseudonymised partner deliveries.

    Example: knooppunt db start && knooppunt db status
    """


_stderr = Console(stderr=True)


def _wants_json(args: list[str]) -> bool:
    """Whether the command line has ``--json`` (before a ``--`` that ends the options)."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--json" or arg.startswith("--json="):
            return True
    return False


def _report(code: int, message: str, *, as_json: bool) -> None:
    """An error on stderr: ``error: ...`` for people, one JSON object with ``--json``."""
    if not as_json:
        _stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
        return
    try:
        kind = ExitCode(code).name.lower()
    except ValueError:  # a code of a tool run on our behalf (neo4j-admin)
        kind = ExitCode.ERROR.name.lower()
    typer.echo(json.dumps({"error": {"code": code, "kind": kind, "message": message}}), err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) an :class:`ExitCode`.

    Usage errors exit with 2; the project's errors are printed without a traceback and exit
    with their :class:`ExitCode`. With ``--json`` on the command line an error is one JSON
    object on stderr: ``{"error": {"code": 3, "kind": "bad_input", "message": "..."}}``.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    as_json = _wants_json(args)
    try:
        result = app(args=args, prog_name="knooppunt", standalone_mode=False)
    except UsageError as e:
        code = e.exit_code
        if as_json and not isinstance(e, NoArgsIsHelpError):
            _report(code, e.format_message(), as_json=True)
        else:
            e.show()  # the usage line, the hint to --help and the error
    except ClickException as e:
        code = e.exit_code
        _report(code, e.format_message(), as_json=as_json)
    except typer.Abort:
        code = int(ExitCode.ERROR)
        _report(code, "aborted", as_json=as_json)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (int(ExitCode.OK) if e.code is None else 1)
    except KnooppuntError as e:
        code = int(e.exit_code)
        _report(code, str(e), as_json=as_json)
    else:
        # Without standalone mode, click returns the code of a `typer.Exit(code)`.
        code = result if isinstance(result, int) else int(ExitCode.OK)
    if argv is None:
        sys.exit(code)
    return code
