"""Trend tables: counts per region and period, with small-cell and secondary suppression.

Pure functions of plain rows (``{region, year, quarter, n}``, as the trend queries return them):
:func:`count_table` lays the rows out as a table, :func:`suppress_table` decides what may be
published, :func:`suppressed_cells` names the hidden cells. The API, the pages and the notebooks
all publish through these, so they cannot disagree.

A trend table counts incidents or clusters per region (rows) and period (columns) and publishes
the row totals, the column totals and the grand total. A cell with ``0 < count < min_cell`` is
suppressed (*primary*). Publishing totals lets a reader solve for a lone hidden cell, so further
cells are hidden (*secondary*) until no hidden cell can be derived from what is shown.

Method (decision record 044). Write the table with its margins as an ``(R+1) x (C+1)`` array
``y`` with ``y[i][j] = x[i][j]`` inside, the row and column totals negated and the grand total as
is: then every row and every column of ``y`` sums to zero. Read each cell as an edge between its
row and its column in a bipartite graph. The hidden cells' values are fixed by the published
ones exactly when their edge is a *bridge* of the hidden cells' graph; an edge on a cycle can be
shifted by ``+t, -t`` around the cycle without changing anything shown. So the algorithm: hide
the primary cells; while a hidden cell is a bridge, add the cheapest path of published cells
that closes a cycle through it (cost: the cell's value, so that little information is lost;
zeros only as a last resort, totals avoided). When every hidden cell is positive, the shift by
``t = +-1`` keeps all counts non-negative, so no hidden value can be pinned down either.

:func:`derivable_cells` checks a pattern independently with exact linear algebra (used by the
tests and available to callers who want a second opinion).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Final, Literal

__all__ = [
    "ALL_PERIODS",
    "ALL_REGIONS",
    "DEFAULT_MIN_CELL",
    "MAX_PERIODS",
    "TOTAL",
    "CountTable",
    "Period",
    "Reason",
    "SuppressedTable",
    "count_table",
    "derivable_cells",
    "period_label",
    "periods_between",
    "published_count",
    "suppress_table",
    "suppressed_cells",
]

DEFAULT_MIN_CELL: Final = 5
#: The most columns a trend table may have (40 quarters = 10 years).
MAX_PERIODS: Final = 40
#: The one column of a table not split by period, the one row of a table not split by region,
#: and the label of the totals row and column.
ALL_PERIODS: Final = "all"
ALL_REGIONS: Final = "all regions"
TOTAL: Final = "total"

Period = Literal["quarter", "year"]
Reason = Literal["primary", "secondary"]
_ZERO_COST: Final = 10**9
_TOTAL_PENALTY: Final = 10**6


@dataclass(frozen=True, slots=True)
class SuppressedTable:
    """A published table: ``None`` where a value is hidden.

    ``reasons`` maps ``(row, column)`` in the extended table (index ``len(cells)`` is the totals
    row, index ``len(cells[0])`` the totals column) to ``"primary"`` or ``"secondary"``.
    """

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None
    reasons: dict[tuple[int, int], Reason]


def _extended(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = len(counts)
    cols = len(counts[0])
    ext = [[int(v) for v in row] + [sum(int(v) for v in row)] for row in counts]
    ext.append([sum(ext[i][j] for i in range(rows)) for j in range(cols + 1)])
    return ext


def _connected(edges: set[tuple[int, int]], start_row: int, target_col: int) -> bool:
    """Whether row ``start_row`` reaches column ``target_col`` through ``edges``."""
    by_row: dict[int, list[int]] = {}
    by_col: dict[int, list[int]] = {}
    for i, j in edges:
        by_row.setdefault(i, []).append(j)
        by_col.setdefault(j, []).append(i)
    seen_rows = {start_row}
    seen_cols: set[int] = set()
    stack: list[tuple[str, int]] = [("r", start_row)]
    while stack:
        kind, node = stack.pop()
        if kind == "r":
            for j in by_row.get(node, ()):
                if j == target_col:
                    return True
                if j not in seen_cols:
                    seen_cols.add(j)
                    stack.append(("c", j))
        else:
            for i in by_col.get(node, ()):
                if i not in seen_rows:
                    seen_rows.add(i)
                    stack.append(("r", i))
    return False


def _bridges(hidden: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Hidden cells not on any cycle of hidden cells (their values can be derived)."""
    found = []
    for edge in sorted(hidden):
        rest = hidden - {edge}
        if not _connected(rest, edge[0], edge[1]):
            found.append(edge)
    return found


def _cheapest_cycle(
    ext: list[list[int]], hidden: set[tuple[int, int]], bridge: tuple[int, int]
) -> list[tuple[int, int]]:
    """Published cells that, hidden too, put ``bridge`` on a cycle (Dijkstra, row to column)."""
    rows = len(ext)
    cols = len(ext[0])
    last_row, last_col = rows - 1, cols - 1

    def cost(i: int, j: int) -> int:
        if (i, j) in hidden:
            return 0
        value = ext[i][j]
        penalty = _TOTAL_PENALTY * ((i == last_row) + (j == last_col))
        return (_ZERO_COST if value == 0 else 1 + value) + penalty

    # Nodes: ("r", i) and ("c", j); path from the bridge's row to the bridge's column.
    start = ("r", bridge[0])
    goal = ("c", bridge[1])
    best: dict[tuple[str, int], int] = {start: 0}
    parent: dict[tuple[str, int], tuple[tuple[str, int], tuple[int, int]]] = {}
    queue: list[tuple[int, tuple[str, int]]] = [(0, start)]
    while queue:
        dist, node = heapq.heappop(queue)
        if node == goal:
            break
        if dist > best.get(node, dist):
            continue
        kind, index = node
        neighbours = (
            [(("c", j), (index, j)) for j in range(cols)]
            if kind == "r"
            else [(("r", i), (i, index)) for i in range(rows)]
        )
        for nxt, cell in neighbours:
            if cell == bridge:
                continue
            candidate = dist + cost(*cell)
            if candidate < best.get(nxt, candidate + 1):
                best[nxt] = candidate
                parent[nxt] = (node, cell)
                heapq.heappush(queue, (candidate, nxt))
    if goal not in parent:
        return []  # only when the table has a single row or column: nothing can close a cycle
    path: list[tuple[int, int]] = []
    node = goal
    while node != start:
        node, cell = parent[node]
        path.append(cell)
    return [cell for cell in path if cell not in hidden]


def suppress_table(
    counts: Sequence[Sequence[int]], *, min_cell: int = DEFAULT_MIN_CELL
) -> SuppressedTable:
    """Suppress small cells and enough others that no hidden value can be derived.

    ``counts`` is a non-empty rectangular table of non-negative counts (rows x columns); its
    row, column and grand totals are published too and are subject to the same rule.

    Examples
    --------
    >>> t = suppress_table([[10, 2], [8, 9]], min_cell=5)
    >>> t.cells
    [[None, None], [None, None]]
    >>> t.row_totals, t.column_totals, t.total
    ([12, 17], [18, 11], 29)
    """
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    if not counts or not counts[0] or any(len(row) != len(counts[0]) for row in counts):
        raise ValueError("counts must be a non-empty rectangular table")
    if any(int(v) < 0 for row in counts for v in row):
        raise ValueError("counts must be non-negative")
    ext = _extended(counts)
    rows = len(ext)
    cols = len(ext[0])
    reasons: dict[tuple[int, int], Reason] = {}
    hidden: set[tuple[int, int]] = set()
    for i in range(rows):
        for j in range(cols):
            if 0 < ext[i][j] < min_cell:
                hidden.add((i, j))
                reasons[(i, j)] = "primary"
    while True:
        bridges = _bridges(hidden)
        if not bridges:
            break
        bridge = min(bridges, key=lambda cell: (ext[cell[0]][cell[1]], cell))
        extra = _cheapest_cycle(ext, hidden, bridge)
        if not extra:
            raise AssertionError("an extended table always has a cycle through every cell")
        for cell in extra:
            hidden.add(cell)
            reasons.setdefault(cell, "secondary")

    def shown(i: int, j: int) -> int | None:
        return None if (i, j) in hidden else ext[i][j]

    n_rows = rows - 1
    n_cols = cols - 1
    return SuppressedTable(
        cells=[[shown(i, j) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[shown(i, n_cols) for i in range(n_rows)],
        column_totals=[shown(n_rows, j) for j in range(n_cols)],
        total=shown(n_rows, n_cols),
        reasons=reasons,
    )


def derivable_cells(table: SuppressedTable) -> set[tuple[int, int]]:
    """Hidden cells (extended-table coordinates) whose value follows from the shown values.

    Exact Gaussian elimination over the rationals on the table's linear equations (each row
    sums to its total, each column to its total, the totals to the grand total), independent
    of the graph method :func:`suppress_table` uses. Non-negativity is not used.
    """
    n_rows = len(table.cells)
    n_cols = len(table.cells[0])
    grid: list[list[int | None]] = [[*table.cells[i], table.row_totals[i]] for i in range(n_rows)]
    grid.append([*table.column_totals, table.total])
    unknowns = [(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1) if grid[i][j] is None]
    index = {cell: k for k, cell in enumerate(unknowns)}
    equations: list[list[Fraction]] = []
    # Each line: sum of inner cells - total = 0, for rows (including the totals row) and columns.
    lines: list[list[tuple[tuple[int, int], int]]] = []
    for i in range(n_rows + 1):
        lines.append([((i, j), 1) for j in range(n_cols)] + [((i, n_cols), -1)])
    for j in range(n_cols + 1):
        lines.append([((i, j), 1) for i in range(n_rows)] + [((n_rows, j), -1)])
    for line in lines:
        coefficients = [Fraction(0)] * len(unknowns)
        if not any(cell in index for cell, _ in line):
            continue
        for cell, sign in line:
            if cell in index:
                coefficients[index[cell]] += sign
        equations.append(coefficients)
    # Reduced row echelon form.
    pivots: list[int] = []
    row = 0
    for col in range(len(unknowns)):
        pivot = next((r for r in range(row, len(equations)) if equations[r][col] != 0), None)
        if pivot is None:
            continue
        equations[row], equations[pivot] = equations[pivot], equations[row]
        lead = equations[row][col]
        equations[row] = [v / lead for v in equations[row]]
        for r in range(len(equations)):
            if r != row and equations[r][col] != 0:
                factor = equations[r][col]
                pivot_row = equations[row]
                equations[r] = [
                    a - factor * b for a, b in zip(equations[r], pivot_row, strict=True)
                ]
        pivots.append(col)
        row += 1
        if row == len(equations):
            break
    pivot_set = set(pivots)
    derivable = set()
    for r, col in enumerate(pivots):
        free_used = any(equations[r][c] != 0 for c in range(len(unknowns)) if c not in pivot_set)
        if not free_used:
            derivable.add(unknowns[col])
    return derivable


def period_label(day: date, by: Period) -> str:
    """``2024-Q3`` for a quarter, ``2024`` for a year."""
    if by == "year":
        return f"{day.year}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _period_start(day: date, by: Period) -> date:
    if by == "year":
        return date(day.year, 1, 1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_period(day: date, by: Period) -> date:
    if by == "year":
        return date(day.year + 1, 1, 1)
    month = day.month + 3
    return date(day.year + (month > 12), (month - 1) % 12 + 1, 1)


def periods_between(start: date, end: date, by: Period) -> tuple[list[str], date, date]:
    """Whole periods covering ``start..end``: their labels, the first day and the last day.

    Raises ``ValueError`` when ``end`` precedes ``start`` or the range spans more than
    :data:`MAX_PERIODS` periods.
    """
    if end < start:
        raise ValueError("'to' is before 'from'")
    first = _period_start(start, by)
    labels: list[str] = []
    current = first
    while current <= end:
        labels.append(period_label(current, by))
        if len(labels) > MAX_PERIODS:
            raise ValueError(f"the range spans more than {MAX_PERIODS} periods")
        current = _next_period(current, by)
    last = date.fromordinal(current.toordinal() - 1)
    return labels, first, last


# --- count tables -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CountTable:
    """Counts laid out by row (region) and column (period); ``unlocated`` is not in the table."""

    rows: list[str]
    columns: list[str]
    counts: list[list[int]]
    unlocated: int


def _row_period_label(row: Mapping[str, Any], by: Period) -> str:
    year, quarter = int(row["year"]), int(row["quarter"])
    return f"{year}" if by == "year" else f"{year}-Q{quarter}"


def count_table(
    rows: Iterable[Mapping[str, Any]],
    *,
    regions: Sequence[str],
    periods: Sequence[str],
    by: Period,
    by_region: bool,
    by_period: bool,
) -> CountTable:
    """Sum ``{region, year, quarter, n}`` rows into a table of ``regions`` x ``periods``.

    Without ``by_region`` the table has the one row :data:`ALL_REGIONS`, without ``by_period``
    the one column :data:`ALL_PERIODS`. Rows of other regions or periods are left out; rows
    without a region are summed in ``unlocated``.

    Examples
    --------
    >>> rows = [{"region": "Noord", "year": 2024, "quarter": 1, "n": 3},
    ...         {"region": None, "year": 2024, "quarter": 1, "n": 2}]
    >>> t = count_table(rows, regions=["Noord", "Limburg"], periods=["2024-Q1", "2024-Q2"],
    ...                 by="quarter", by_region=True, by_period=True)
    >>> t.counts, t.unlocated
    ([[3, 0], [0, 0]], 2)
    """
    row_labels = list(regions) if by_region else [ALL_REGIONS]
    col_labels = list(periods) if by_period else [ALL_PERIODS]
    counts = [[0] * len(col_labels) for _ in row_labels]
    unlocated = 0
    for row in rows:
        region = row["region"]
        if region is None:
            unlocated += int(row["n"])
            continue
        if region not in regions:
            continue
        label = _row_period_label(row, by)
        if label not in periods:
            continue
        i = row_labels.index(region) if by_region else 0
        j = col_labels.index(label) if by_period else 0
        counts[i][j] += int(row["n"])
    return CountTable(rows=row_labels, columns=col_labels, counts=counts, unlocated=unlocated)


def suppressed_cells(
    table: SuppressedTable, *, rows: Sequence[str], columns: Sequence[str]
) -> list[tuple[str, str, Reason]]:
    """The hidden cells as ``(row label, column label, reason)``, totals named :data:`TOTAL`."""
    ext_rows = [*rows, TOTAL]
    ext_cols = [*columns, TOTAL]
    return [(ext_rows[i], ext_cols[j], reason) for (i, j), reason in sorted(table.reasons.items())]


def published_count(count: int, *, min_cell: int = DEFAULT_MIN_CELL) -> int | None:
    """A lone count as it may be published: ``None`` when ``0 < count < min_cell``."""
    return None if 0 < count < min_cell else count
