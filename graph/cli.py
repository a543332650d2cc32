"""The ``knooppunt`` command: one entry point, one sub-command group per package area.

Each area owns its commands in its own module (``graph.localdb.cli``, ``ingest.cli``, ...);
this module only assembles them and maps the project's errors to exit codes in one place.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

# typer >= 0.22 carries its own copy of click; its types are the ones its groups use.
from typer._click import Command, Context
from typer.core import TyperGroup

from graph.errors import ExitCode, KnooppuntError

__all__ = ["app", "main"]

# Sub-commands: name -> (module, attribute). A Typer attribute becomes a command group, a
# function a single command. Modules are imported only when their command runs (or for --help),
# so that `knooppunt db status` does not pay for importing the analysis stack.
_LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("graph.localdb.cli", "db_app"),
    "generate": ("ingest.synthetic.cli", "generate_command"),
    "pseudonymise": ("ingest.synthetic.cli", "pseudonymise_command"),
    "ingest": ("ingest.cli", "ingest"),
    "retention": ("ingest.cli", "retention_app"),
    "analyse": ("graph.analysis.cli", "analyse"),
    "evaluate": ("graph.analysis.cli", "evaluate"),
    "view": ("graph.viz.cli", "view"),
    "serve": ("api.cli", "serve"),
    "token": ("api.cli", "token"),
    "audit": ("api.cli", "audit_app"),
}


def _load_command(name: str) -> Command:
    module_name, attribute = _LAZY_COMMANDS[name]
    target: object = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    if not callable(target):
        raise TypeError(f"{module_name}.{attribute} is neither a Typer app nor a function")
    single = typer.Typer(rich_markup_mode=None)
    single.command(name)(target)
    command = typer.main.get_command(single)
    command.name = name
    return command


class _LazyGroup(TyperGroup):
    """The root group: lists every sub-command, imports one only when it is needed."""

    def list_commands(self, ctx: Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY_COMMANDS})

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in _LAZY_COMMANDS:
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


@app.callback()
def _root() -> None:
    """Knooppunt: cross-region criminal networks from pseudonymised partner deliveries.

    Example: knooppunt db start && knooppunt db status
    """


_stderr = Console(stderr=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) an :class:`ExitCode`.

    Usage errors exit with 2 (click's own handling); the project's errors are printed without
    a traceback and exit with their :class:`ExitCode`.
    """
    try:
        app(args=argv, standalone_mode=True)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (int(ExitCode.OK) if e.code is None else 1)
    except KnooppuntError as e:
        _stderr.print(f"[bold red]error:[/] {e}", highlight=False, markup=True)
        code = int(e.exit_code)
    else:
        code = int(ExitCode.OK)
    if argv is None:
        sys.exit(code)
    return code
