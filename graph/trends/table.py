"""One trend table: small-cell and secondary suppression of a 2-D table with its margins.

A table counts items per row and column and publishes its row totals, column totals and grand
total. A cell with ``0 < count < min_cell`` is suppressed (*primary*). Publishing totals lets a
reader solve for a lone hidden cell, so further cells are hidden (*secondary*) until no hidden
cell can be derived from what is shown.

Method (decision record 044). Write the table with its margins as an ``(R+1) x (C+1)`` array
``y`` with ``y[i][j] = x[i][j]`` inside, the row and column totals negated and the grand total as
is: then every row and every column of ``y`` sums to zero. Read each cell as an edge between its
row and its column in a bipartite graph. The hidden cells' values are fixed by the published
ones exactly when their edge is a *bridge* of the hidden cells' graph; an edge on a cycle can be
shifted by ``+t, -t`` around the cycle without changing anything shown. So the algorithm: hide
the primary cells (and any cells the caller hides already); while a hidden cell is a bridge,
add the cheapest path of published cells that closes a cycle through it (cost: the cell's
value, so that little information is lost; zeros only as a last resort, totals avoided).

**Sums of hidden cells.** Each hidden value is protected then, but the sum of a line's hidden
cells is always the line's margin minus its published cells: when that sum is small (a primary
2 closed with zeros beside it), it gives a small count away. :func:`small_hidden_sums` names the
cells that must be hidden as well (per such line its largest published cell), and
:func:`suppress_table_and_sums` applies that rule to one table until no line breaks it; the trend
grid applies it to every table of its catalogue (decision 065 addendum), the accountability
report to each of its tables.

:func:`derivable_cells` checks a pattern independently with exact linear algebra. Which tables
are suppressed together, so that combining requests derives nothing, is
:mod:`graph.trends.grid`'s job (decision record 065).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Literal

__all__ = [
    "DEFAULT_MIN_CELL",
    "Cell",
    "Reason",
    "SuppressedTable",
    "derivable_cells",
    "small_cells",
    "small_hidden_sums",
    "suppress_table",
    "suppress_table_and_sums",
]

DEFAULT_MIN_CELL: Final = 5

Reason = Literal["primary", "secondary"]
#: A position in the extended table ``(row, column)``; the last row and column are the totals.
Cell = tuple[int, int]
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
    reasons: dict[Cell, Reason]


def _extended(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = len(counts)
    cols = len(counts[0])
    ext = [[int(v) for v in row] + [sum(int(v) for v in row)] for row in counts]
    ext.append([sum(ext[i][j] for i in range(rows)) for j in range(cols + 1)])
    return ext


def small_cells(counts: Sequence[Sequence[int]], *, min_cell: int) -> set[Cell]:
    """Positions of the extended table with ``0 < value < min_cell`` (the primary cells)."""
    ext = _extended(counts)
    return {(i, j) for i, row in enumerate(ext) for j, v in enumerate(row) if 0 < v < min_cell}


def _connected(edges: set[Cell], start_row: int, target_col: int) -> bool:
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


def _bridges(hidden: set[Cell]) -> list[Cell]:
    """Hidden cells not on any cycle of hidden cells (their values can be derived)."""
    found = []
    for edge in sorted(hidden):
        rest = hidden - {edge}
        if not _connected(rest, edge[0], edge[1]):
            found.append(edge)
    return found


def _cheapest_cycle(ext: list[list[int]], hidden: set[Cell], bridge: Cell) -> list[Cell]:
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
    parent: dict[tuple[str, int], tuple[tuple[str, int], Cell]] = {}
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
    path: list[Cell] = []
    node = goal
    while node != start:
        node, cell = parent[node]
        path.append(cell)
    return [cell for cell in path if cell not in hidden]


def suppress_table(
    counts: Sequence[Sequence[int]],
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    hidden: Iterable[Cell] = (),
) -> SuppressedTable:
    """Suppress small cells and enough others that no hidden value can be derived.

    ``counts`` is a non-empty rectangular table of non-negative counts (rows x columns); its
    row, column and grand totals are published too and are subject to the same rule.
    ``hidden`` are extended-table positions to hide whatever their value (reason
    ``"secondary"`` unless small): the pattern then contains them and stays closed.

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
    shut = small_cells(counts, min_cell=min_cell)
    reasons: dict[Cell, Reason] = dict.fromkeys(shut, "primary")
    for i, j in hidden:
        if not (0 <= i < rows and 0 <= j < cols):
            raise ValueError("hidden positions must lie in the extended table")
        shut.add((i, j))
        reasons.setdefault((i, j), "secondary")
    while True:
        bridges = _bridges(shut)
        if not bridges:
            break
        bridge = min(bridges, key=lambda cell: (ext[cell[0]][cell[1]], cell))
        extra = _cheapest_cycle(ext, shut, bridge)
        if not extra:
            raise AssertionError("an extended table always has a cycle through every cell")
        for cell in extra:
            shut.add(cell)
            reasons.setdefault(cell, "secondary")

    def shown(i: int, j: int) -> int | None:
        return None if (i, j) in shut else ext[i][j]

    n_rows = rows - 1
    n_cols = cols - 1
    return SuppressedTable(
        cells=[[shown(i, j) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[shown(i, n_cols) for i in range(n_rows)],
        column_totals=[shown(n_rows, j) for j in range(n_cols)],
        total=shown(n_rows, n_cols),
        reasons=reasons,
    )


def _lines(rows: int, cols: int) -> list[tuple[list[Cell], Cell]]:
    """The lines of an extended ``rows`` x ``cols`` table: its inner cells and the margin they
    sum to (each row, each column, the margins' own row and column)."""
    out: list[tuple[list[Cell], Cell]] = []
    for i in range(rows + 1):  # rows, and the row of column totals
        out.append(([(i, j) for j in range(cols)], (i, cols)))
    for j in range(cols + 1):  # columns, and the column of row totals
        out.append(([(i, j) for i in range(rows)], (rows, j)))
    return out


def small_hidden_sums(
    counts: Sequence[Sequence[int]],
    hidden: Iterable[Cell],
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    taken: Iterable[Cell] = (),
) -> set[Cell]:
    """Cells to hide besides ``hidden`` so that no line of the extended table whose margin is
    published has hidden cells summing to a small count (``0 < sum < min_cell``: the margin
    minus the line's published cells would give that sum away): per such line, its largest
    published cell that is not in ``taken`` (cells another table hides already).

    >>> sorted(small_hidden_sums([[6, 2, 0, 8], [0, 0, 0, 9]], {(0, 1), (0, 2)}, min_cell=5))
    [(0, 3), (1, 1)]
    """
    ext = _extended(counts)
    shut = set(hidden)
    skip = set(taken)
    more: set[Cell] = set()
    for cells, margin in _lines(len(counts), len(counts[0])):
        if margin in shut:
            continue
        inside = [c for c in cells if c in shut]
        total = sum(ext[i][j] for i, j in inside)
        if not inside or not 0 < total < min_cell:
            continue
        candidates = [c for c in cells if c not in shut and c not in more and c not in skip]
        if candidates:
            more.add(max(candidates, key=lambda c: (ext[c[0]][c[1]], c)))
    return more


def suppress_table_and_sums(
    counts: Sequence[Sequence[int]], *, min_cell: int = DEFAULT_MIN_CELL
) -> SuppressedTable:
    """:func:`suppress_table`, and the cells :func:`small_hidden_sums` asks for, the pattern
    closed again each time, until no line whose margin is published hides a small sum.

    >>> suppress_table([[1, 8, 2], [1, 6, 6]]).cells  # first row: 11 - 8 = 3 hidden
    [[None, 8, None], [None, 6, None]]
    >>> t = suppress_table_and_sums([[1, 8, 2], [1, 6, 6]])
    >>> t.cells, t.row_totals
    ([[None, None, None], [None, None, None]], [11, 13])
    """
    hidden: set[Cell] = set()
    while True:
        table = suppress_table(counts, min_cell=min_cell, hidden=hidden)
        hidden = set(table.reasons)
        more = small_hidden_sums(counts, hidden, min_cell=min_cell)
        if not more:
            return table
        hidden |= more


def derivable_cells(table: SuppressedTable) -> set[Cell]:
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
    lines: list[list[tuple[Cell, int]]] = []
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
