"""The accountability report of the case process (issue 14; ``docs/cases.md``
"Accountability report"): cases per phenomenon and state, interventions per partner and kind,
outcomes per kind, and the time from signal to advice, for the cases opened in one year in
which one organisation takes part (or every case).

Small cells are suppressed by the trend tables' suppression
(:func:`graph.trends.suppress_table_and_sums`, decisions 044 and 065): a count below
``min_cell`` is hidden, and further cells until no hidden one can be derived from the totals and
no line whose total is published hides cells that sum to a small count (the total minus the
published cells would give it away), the rule the trend grid follows. The median time is shown only
when at least ``min_cell`` cases reached the advice.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from graph.cases import queries as q
from graph.cases.model import (
    INTERVENTION_KINDS,
    INTERVENTION_OUTCOMES,
    PHENOMENA,
    STATES,
    EventKind,
)
from graph.subgraph.plan import Plan
from graph.trends import DEFAULT_MIN_CELL, Reason, suppress_table_and_sums
from graph.vocabulary import PARTNERS

__all__ = [
    "ADVICE_STATE",
    "AccountabilityReport",
    "ReportTable",
    "accountability_report",
    "accountability_rows",
    "days_to_advice",
]

#: The state whose first reaching ends "time from signal to advice".
ADVICE_STATE = "advice"
_MS_PER_DAY = 86_400_000


@dataclass(frozen=True, slots=True)
class ReportTable:
    """A published table: ``None`` where a figure is hidden; ``suppressed`` names each as
    ``(row, column, reason)``, with ``total`` for the margins."""

    rows: list[str]
    columns: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None
    suppressed: list[tuple[str, str, Reason]]


@dataclass(frozen=True, slots=True)
class AccountabilityReport:
    """The report's tables and the median days from signal to advice (``None`` when fewer
    than ``min_cell`` cases reached the advice; ``advised`` is hidden then too)."""

    cases: ReportTable
    interventions: ReportTable
    outcomes: ReportTable
    advised: int | None
    median_days_to_advice: float | None
    min_cell: int


def accountability_rows(org: str | None, year: int) -> Plan[list[dict[str, Any]]]:
    """One row per case opened in ``year`` in which ``org`` takes part (every case: ``None``)."""
    params = {"org": org, "year": year, "status_changed": EventKind.STATUS_CHANGED.value}
    return list((yield q.CASE_ACCOUNTABILITY, params))


def _published(
    rows: Sequence[str], columns: Sequence[str], counts: Counter[tuple[str, str]], min_cell: int
) -> ReportTable:
    grid = [[counts[(r, c)] for c in columns] for r in rows]
    t = suppress_table_and_sums(grid, min_cell=min_cell)
    names_r = [*rows, "total"]
    names_c = [*columns, "total"]
    suppressed = [(names_r[i], names_c[j], reason) for (i, j), reason in sorted(t.reasons.items())]
    return ReportTable(
        rows=list(rows),
        columns=list(columns),
        cells=t.cells,
        row_totals=t.row_totals,
        column_totals=t.column_totals,
        total=t.total,
        suppressed=suppressed,
    )


def days_to_advice(row: dict[str, Any]) -> float | None:
    """Days from the case's opening (its signal) to the first time it reached the advice."""
    opened = row.get("opened_at")
    for change in row.get("changes") or []:
        details = json.loads(change.get("details") or "{}")
        if details.get("to") == ADVICE_STATE and opened is not None:
            return round((int(change["at"]) - int(opened)) / _MS_PER_DAY, 2)
    return None


def accountability_report(
    rows: Sequence[dict[str, Any]], *, min_cell: int = DEFAULT_MIN_CELL
) -> AccountabilityReport:
    """The report of the case rows of :func:`accountability_rows`.

    Cancelled interventions are not counted; outcomes are those of done interventions.
    """
    cases: Counter[tuple[str, str]] = Counter()
    done: Counter[tuple[str, str]] = Counter()
    taken: Counter[tuple[str, str]] = Counter()
    days: list[float] = []
    for row in rows:
        cases[(str(row["phenomenon"]), str(row["status"]))] += 1
        for i in row.get("interventions") or []:
            if i.get("status") == "cancelled":
                continue
            taken[(str(i["partner"]), str(i["kind"]))] += 1
            if i.get("status") == "done" and i.get("outcome"):
                done[(str(i["kind"]), str(i["outcome"]))] += 1
        d = days_to_advice(row)
        if d is not None:
            days.append(d)
    shown = len(days) >= min_cell
    return AccountabilityReport(
        cases=_published(PHENOMENA, STATES, cases, min_cell),
        interventions=_published(sorted(PARTNERS), INTERVENTION_KINDS, taken, min_cell),
        outcomes=_published(INTERVENTION_KINDS, INTERVENTION_OUTCOMES, done, min_cell),
        advised=len(days) if shown else None,
        median_days_to_advice=float(median(days)) if shown else None,
        min_cell=min_cell,
    )
