"""Option types shared by the sub-commands of the core, ingest and the API (``DATE``, the
local instance), and the command class that names arguments plainly in help."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

# typer >= 0.22 carries its own copy of click; its types are the ones its groups use.
from typer._click import Context, HelpFormatter
from typer.core import TyperArgument, TyperCommand

__all__ = ["AsOfOpt", "InstanceOpt", "PlainCommand", "iso_date"]

#: ``--instance``/``-i`` of every command that talks to Neo4j.
InstanceOpt = Annotated[
    str | None,
    typer.Option(
        "--instance",
        "-i",
        metavar="NAME",
        help="local Neo4j instance (default: KNOOPPUNT_INSTANCE, else 'default')",
        show_default=False,
    ),
]


def iso_date(value: str) -> date:
    """The ``parser`` of a ``DATE`` option: a bad date is wrong usage (2), named without it."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("not an ISO date (YYYY-MM-DD)") from None


#: ``--as-of DATE`` of the commands that judge facts by a day (validity, retention).
AsOfOpt = Annotated[
    date | None,
    typer.Option(
        "--as-of",
        parser=iso_date,
        metavar="DATE",
        help="the day to read the facts as of: validity and retention (YYYY-MM-DD; default: today)",
        show_default=False,
    ),
]


def _argument_label(argument: TyperArgument, *, usage: bool = False) -> str:
    """``PATH...``, ``[CLUSTER_ID]``: a name, never a Python type such as ``<list[Path]>``."""
    label = argument.metavar or (argument.name or "ARG").upper()
    if usage and not argument.required:
        label = f"[{label}]"
    return label + ("..." if argument.nargs != 1 else "")


class PlainCommand(TyperCommand):
    """A single command whose usage line and argument list name the arguments plainly."""

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(_argument_label(param, usage=True))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                arguments.append((_argument_label(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
