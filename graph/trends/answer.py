"""A trend request's answer: the table it asks for, every figure read off the fixed grid.

The one reader of trend figures: the API's ``/trends`` and the notebooks call
:func:`trend_answer`, so they publish the same figures and hide the same ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from graph.trends.grid import UNLOCATED, Atom, Filter, Grid, Spot, published
from graph.trends.periods import Period, Quarter, quarters_between
from graph.trends.table import DEFAULT_MIN_CELL, Reason

__all__ = ["ALL_PERIODS", "ALL_REGIONS", "TOTAL", "UNLOCATED_ROW", "TrendAnswer", "trend_answer"]

#: The one column of a table not split by period, the one row of a table not split by region,
#: and the label of the totals row and column.
ALL_PERIODS: Final = "all"
ALL_REGIONS: Final = "all regions"
TOTAL: Final = "total"
#: The row named in ``suppressed`` when the ``unlocated`` figure is hidden.
UNLOCATED_ROW: Final = "unlocated"


@dataclass(frozen=True, slots=True)
class TrendAnswer:
    """A published table: ``None`` where a figure is hidden, ``suppressed`` naming each."""

    rows: list[str]
    columns: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None
    suppressed: list[tuple[str, str, Reason]]
    unlocated: int | None


def _columns(quarters: Sequence[Quarter], period: Period | None) -> list[tuple[str, list[Quarter]]]:
    if period is None:
        return [(ALL_PERIODS, list(quarters))]
    if period == "quarter":
        return [(f"{y}-Q{q}", [(y, q)]) for y, q in quarters]
    years = sorted({y for y, _ in quarters})
    return [(f"{y}", [(y2, q) for y2, q in quarters if y2 == y]) for y in years]


def trend_answer(
    grid: Grid,
    atoms: Sequence[Atom],
    *,
    table: Filter,
    regions: Sequence[str],
    by_region: bool,
    period: Period | None,
    first: date,
    last: date,
    min_cell: int = DEFAULT_MIN_CELL,
    with_unlocated: bool = False,
) -> TrendAnswer:
    """The table of ``regions`` (one row each, or one row for all) x the periods of
    ``first..last`` (whole quarters or years; one column for all when ``period`` is None).

    ``atoms`` must hold every atom of each calendar year the window touches. ``unlocated`` is
    given only ``with_unlocated`` (the LIEC's view).
    """
    quarters = quarters_between(first, last)
    row_sets = [(r, [r]) for r in regions] if by_region else [(ALL_REGIONS, list(regions))]
    columns = _columns(quarters, period)

    def spots(rs: Sequence[str | None], qs: Sequence[Quarter]) -> list[Spot]:
        return [(r, q) for r in rs for q in qs]

    figures: list[list[Spot]] = []
    labels: list[tuple[str, str]] = []
    for row, rs in row_sets:
        for column, qs in columns:
            figures.append(spots(rs, qs))
            labels.append((row, column))
        figures.append(spots(rs, quarters))
        labels.append((row, TOTAL))
    for column, qs in columns:
        figures.append(spots(regions, qs))
        labels.append((TOTAL, column))
    figures.append(spots(regions, quarters))
    labels.append((TOTAL, TOTAL))
    if with_unlocated:
        figures.append(spots([UNLOCATED], quarters))
        labels.append((UNLOCATED_ROW, TOTAL))
    shown = published(grid, atoms, table=table, figures=figures, min_cell=min_cell)
    by_label = dict(zip(labels, (value for value, _ in shown), strict=True))
    suppressed = [
        (row, column, reason)
        for (row, column), (_, reason) in zip(labels, shown, strict=True)
        if reason is not None
    ]
    row_names = [row for row, _ in row_sets]
    column_names = [column for column, _ in columns]
    return TrendAnswer(
        rows=row_names,
        columns=column_names,
        cells=[[by_label[(r, c)] for c in column_names] for r in row_names],
        row_totals=[by_label[(r, TOTAL)] for r in row_names],
        column_totals=[by_label[(TOTAL, c)] for c in column_names],
        total=by_label[(TOTAL, TOTAL)],
        suppressed=suppressed,
        unlocated=by_label[(UNLOCATED_ROW, TOTAL)] if with_unlocated else None,
    )
