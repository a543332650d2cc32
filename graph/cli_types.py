"""Option types shared by the sub-commands of the core, ingest and the API (``DATE``, the
local instance)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

__all__ = ["AsOfOpt", "InstanceOpt", "iso_date"]

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
