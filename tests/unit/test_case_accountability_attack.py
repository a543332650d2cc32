"""The accountability report against the differencing attack of ``tests/trend_attack.py``:
no hidden figure, and no sum of a line's hidden figures that is small, follows from what a
report publishes (the rule the trend grid got in commit 05dc0a1, decision 065 addendum)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.cases.accountability import ReportTable, accountability_report
from graph.cases.model import PHENOMENA, STATES
from graph.trends import DEFAULT_MIN_CELL
from tests.trend_attack import Attack

_ALL = frozenset[str]()


def _quarter(k: int) -> tuple[int, int]:
    return 2000 + k // 4, k % 4 + 1


def _attack(table: ReportTable) -> Attack:
    """What a reader of ``table`` learns: its rows read as regions, its columns as quarters."""
    attack = Attack([_ALL])
    columns = [f"{y}-Q{q}" for y, q in map(_quarter, range(len(table.columns)))]
    last_year, last_quarter = _quarter(len(table.columns) - 1)
    body = {
        "rows": table.rows,
        "columns": columns,
        "cells": table.cells,
        "row_totals": table.row_totals,
        "column_totals": table.column_totals,
        "total": table.total,
        "suppressed": [],
    }
    attack.record(
        body,
        table=_ALL,
        regions=table.rows,
        first=date(2000, 1, 1),
        last=date(last_year, 3 * last_quarter, 1),
    )
    return attack


def _small_sums_learnt(table: ReportTable, counts: dict[tuple[str, str], int]) -> list[str]:
    """Each line whose hidden cells sum to a small count that the reader can work out."""
    attack = _attack(table)
    found = []
    lines = [[(r, c) for c in table.columns] for r in table.rows]
    lines += [[(r, c) for r in table.rows] for c in table.columns]
    for line in lines:
        hidden = [
            (r, c)
            for r, c in line
            if table.cells[table.rows.index(r)][table.columns.index(c)] is None
        ]
        total = sum(counts.get(cell, 0) for cell in hidden)
        spots = [(r, _quarter(table.columns.index(c))) for r, c in hidden]
        if hidden and 0 < total < DEFAULT_MIN_CELL and attack.learns(_ALL, spots):
            found.append(f"{hidden}: {total}")
    return found


def _rows(counts: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    return [
        {"phenomenon": p, "status": s, "opened_at": 0, "changes": [], "interventions": []}
        for (p, s), n in counts.items()
        for _ in range(n)
    ]


def test_the_hidden_cells_of_a_line_never_sum_to_a_small_count() -> None:
    """Cannabis cases: 8 in signal, 2 in intake, 1 in analysis, 8 in advice. Suppression hid
    intake and analysis (small) and closed the cycle through the zeros of another phenomenon,
    so the published row total (19) minus the published cells (16) gave 3 cases in intake or
    analysis away."""
    counts = {
        ("cannabis", "signal"): 8,
        ("cannabis", "intake"): 2,
        ("cannabis", "analysis"): 1,
        ("cannabis", "advice"): 8,
        ("omg", "signal"): 6,
        ("omg", "advice"): 6,
    }
    report = accountability_report(_rows(counts))
    assert _attack(report.cases).derived() == []
    assert _small_sums_learnt(report.cases, counts) == []


cells = st.dictionaries(
    st.tuples(st.sampled_from(PHENOMENA[:4]), st.sampled_from(STATES[:5])),
    st.sampled_from([1, 2, 3, 6, 8, 12]),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(counts=cells)
def test_random_reports_give_no_hidden_figure_and_no_small_sum_away(
    counts: dict[tuple[str, str], int],
) -> None:
    report = accountability_report(_rows(counts))
    attack = _attack(report.cases)
    assert attack.derived() == []
    assert _small_sums_learnt(report.cases, counts) == []
    shown = [v for row in report.cases.cells for v in row]
    shown += [*report.cases.row_totals, *report.cases.column_totals, report.cases.total]
    assert not any(v is not None and 0 < v < DEFAULT_MIN_CELL for v in shown)
