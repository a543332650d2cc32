"""Option types shared by the sub-commands of the core and of ingest (``DATE`` options)."""

from __future__ import annotations

from datetime import date

import typer

__all__ = ["iso_date"]


def iso_date(value: str) -> date:
    """The ``parser`` of a ``DATE`` option: a bad date is wrong usage (2), named without it."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("not an ISO date (YYYY-MM-DD)") from None
