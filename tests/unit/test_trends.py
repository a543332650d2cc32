"""Small-cell suppression with secondary suppression (graph.trends), checked independently."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.trends import (
    SuppressedTable,
    derivable_cells,
    period_label,
    periods_between,
    suppress_table,
)


def _extended_true(counts: list[list[int]]) -> list[list[int]]:
    ext = [[*row, sum(row)] for row in counts]
    ext.append([sum(ext[i][j] for i in range(len(counts))) for j in range(len(counts[0]) + 1)])
    return ext


def _extended_shown(table: SuppressedTable) -> list[list[int | None]]:
    grid: list[list[int | None]] = [
        [*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)
    ]
    grid.append([*table.column_totals, table.total])
    return grid


def _check(counts: list[list[int]], min_cell: int) -> SuppressedTable:
    table = suppress_table(counts, min_cell=min_cell)
    truth = _extended_true(counts)
    shown = _extended_shown(table)
    for i, row in enumerate(shown):
        for j, value in enumerate(row):
            if value is None:
                assert (i, j) in table.reasons
            else:
                # Shown values are true and never small.
                assert value == truth[i][j]
                assert not 0 < value < min_cell, (i, j, value)
                assert (i, j) not in table.reasons
            if 0 < truth[i][j] < min_cell:
                assert table.reasons[(i, j)] == "primary"
    # Exact linear algebra finds no hidden cell that follows from what is shown.
    assert derivable_cells(table) == set()
    return table


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda rows: st.integers(min_value=1, max_value=5).flatmap(
        lambda cols: st.lists(
            st.lists(st.integers(min_value=0, max_value=30), min_size=cols, max_size=cols),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(counts=tables, min_cell=st.integers(min_value=1, max_value=8))
def test_no_small_cell_shown_and_no_hidden_cell_derivable(
    counts: list[list[int]], min_cell: int
) -> None:
    _check(counts, min_cell)


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(
        st.lists(st.integers(min_value=1, max_value=12), min_size=4, max_size=4),
        min_size=4,
        max_size=4,
    )
)
def test_positive_tables_never_hide_a_zero(counts: list[list[int]]) -> None:
    # With every count positive, each hidden cell can move by +-1 around a cycle of positive
    # hidden cells, so non-negativity cannot pin a hidden value either.
    table = _check(counts, 5)
    truth = _extended_true(counts)
    assert all(truth[i][j] > 0 for i, j in table.reasons)


def test_one_small_cell_hides_the_smallest_rectangle() -> None:
    counts = [[20, 30, 40], [25, 2, 50], [60, 70, 80]]
    table = _check(counts, 5)
    # The 2 plus the cheapest cycle: its row neighbour 25, column neighbour 30, and 20.
    assert table.cells == [[None, None, 40], [None, None, 50], [60, 70, 80]]
    assert table.reasons[(1, 1)] == "primary"
    assert {cell for cell, why in table.reasons.items() if why == "secondary"} == {
        (0, 0),
        (0, 1),
        (1, 0),
    }
    assert table.row_totals == [90, 77, 210]
    assert table.total == 377


def test_nothing_small_nothing_hidden() -> None:
    table = _check([[5, 6], [7, 8]], 5)
    assert table.reasons == {}
    assert table.cells == [[5, 6], [7, 8]]


def test_zeros_are_published() -> None:
    table = _check([[0, 10], [10, 0]], 5)
    assert table.reasons == {}


def test_small_total_is_suppressed_with_its_cells() -> None:
    # A region with 3 incidents in total: its cells and its total are primary; the others follow.
    table = _check([[1, 2, 0], [10, 12, 9], [7, 6, 8]], 5)
    assert table.row_totals[0] is None
    assert table.cells[0][0] is None
    assert table.cells[0][1] is None


def test_single_row_table() -> None:
    table = _check([[3, 9, 12]], 5)
    assert table.cells[0][0] is None
    assert table.column_totals[0] is None


def test_single_cell_table() -> None:
    assert suppress_table([[3]]).total is None
    assert suppress_table([[7]]).total == 7


def test_derivable_cells_finds_a_lone_hidden_cell_and_a_bridge() -> None:
    lone = SuppressedTable(
        cells=[[None, 6], [7, 8]],
        row_totals=[9, 15],
        column_totals=[10, 14],
        total=24,
        reasons={(0, 0): "primary"},
    )
    assert derivable_cells(lone) == {(0, 0)}
    # Two hidden 2x2 cycles joined through one cell (a bridge) in a 4x4 table: the joining cell
    # can be solved for, the cycles' cells cannot.
    cells: list[list[int | None]] = [[9] * 4 for _ in range(4)]
    for i, j in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        cells[i][j] = None
    bridge = SuppressedTable(
        cells=cells,
        row_totals=[36] * 4,
        column_totals=[36] * 4,
        total=144,
        reasons={},
    )
    assert derivable_cells(bridge) == {(1, 2)}


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="rectangular"):
        suppress_table([[1, 2], [3]])
    with pytest.raises(ValueError, match="non-negative"):
        suppress_table([[1, -2]])
    with pytest.raises(ValueError, match="min_cell"):
        suppress_table([[1]], min_cell=0)


def test_periods() -> None:
    labels, first, last = periods_between(date(2024, 2, 10), date(2024, 11, 1), "quarter")
    assert labels == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert (first, last) == (date(2024, 1, 1), date(2024, 12, 31))
    labels, first, last = periods_between(date(2023, 12, 31), date(2024, 1, 1), "year")
    assert labels == ["2023", "2024"]
    assert last == date(2024, 12, 31)
    assert period_label(date(2025, 9, 30), "quarter") == "2025-Q3"
    with pytest.raises(ValueError, match="before"):
        periods_between(date(2024, 1, 2), date(2024, 1, 1), "quarter")
    with pytest.raises(ValueError, match="more than"):
        periods_between(date(2000, 1, 1), date(2024, 1, 1), "quarter")


def test_cells_hidden_already_stay_hidden_and_are_closed() -> None:
    # Hiding a large cell on the caller's behalf: the pattern holds it and closes a cycle.
    table = suppress_table([[20, 30], [40, 50]], min_cell=5, hidden=[(0, 0)])
    assert table.reasons[(0, 0)] == "secondary"
    assert table.cells[0][0] is None
    assert derivable_cells(table) == set()
    # The primary reason wins for a small cell the caller hides too.
    assert suppress_table([[2, 30], [40, 50]], hidden=[(0, 0)]).reasons[(0, 0)] == "primary"
    with pytest.raises(ValueError, match="extended table"):
        suppress_table([[1]], hidden=[(2, 0)])
