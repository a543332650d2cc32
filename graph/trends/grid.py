"""One suppression pattern per calendar year, shared by every trend request (decision 065).

Per-request suppression is undone by differencing: two windows that differ by one quarter give
that quarter's counts as the difference of their totals. So no answer is computed from its own
window. Every figure is read off a fixed **grid** instead: per calendar year (a *block*, decided
from that year's counts alone) the table regions x quarters with its margins (region-year
totals, national quarter totals, the national year total), and beside it the strip of items
without a known region (``unlocated``) per quarter with its year total.

The filters of a measure define a fixed **catalogue** of such tables (incidents: every incident
type or none x every typology or none; clusters: every typology or none x cross-region only or
not). For each block one hidden set ``H`` serves every table of the catalogue: the primary cells
(``0 < count < min_cell``) of *every* catalogue table, closed with
:func:`graph.trends.table.suppress_table` on the widest table (no filter) until no hidden
position is a bridge. ``H`` is hidden in every table, zeros included.

Why no combination of answers derives a hidden value. Every table is the sum of *atoms* (the
counts of one class of items: an incident type with a set of typologies; a typology with a
cross-region flag) over the classes its filter selects, and every table has the same layout.
``H`` is closed: every hidden position lies on a cycle of hidden positions. Shift one atom class
of a table ``T`` by ``+1, -1`` around the cycle through a hidden position ``p``: ``T``'s value at
``p`` changes, every table containing the class changes only at positions of ``H``, and every
other table does not change. No published grid value of any table moves, so no set of published
grid values pins ``p`` down. Every figure an answer gives (a cell over a window, a total, a
one-region or national figure, ``unlocated``) is published only when it is a linear combination
of published grid values of its table (:func:`published`); so nothing any set of requests
returns pins ``p`` down either. (Linear derivation, as in decision 044: bounds from
non-negativity can still narrow a hidden value.)

**Sums of hidden cells.** The shift argument protects each hidden value, but the sum of a
line's hidden cells is always the line's margin minus its published cells: when that sum is
small (a primary 2 closed with a zero beside it), a window over those quarters gives a small
count away. So every line of every catalogue table whose margin is published hides cells that
sum to 0 or to at least ``min_cell``: the line's largest published cell is hidden too, and the
pattern closed again, until no line breaks the rule (:func:`_small_hidden_sums`).

A raised ``min_cell`` starts from the default pattern (:func:`year_pattern`), so it hides a
superset and publishes a subset of what the default publishes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Final

from graph.trends.periods import Quarter
from graph.trends.table import (
    DEFAULT_MIN_CELL,
    Cell,
    Reason,
    small_cells,
    small_hidden_sums,
    suppress_table,
)

__all__ = [
    "UNLOCATED",
    "Atom",
    "Filter",
    "Grid",
    "Spot",
    "YearPattern",
    "cluster_atoms",
    "cluster_catalogue",
    "cluster_filter",
    "incident_atoms",
    "incident_catalogue",
    "incident_filter",
    "published",
    "year_pattern",
]

#: The row of items without a known region (not one of the grid's regions).
UNLOCATED: Final = None
#: A catalogue table: the tags an atom must carry to be counted (empty: every item).
Filter = frozenset[str]
#: One fine cell of the grid: a region (or :data:`UNLOCATED`) and a quarter.
Spot = tuple[str | None, Quarter]

_QUARTERS: Final = (1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class Atom:
    """Items of one class in one region (or unlocated) and quarter."""

    region: str | None
    year: int
    quarter: int
    tags: frozenset[str]
    n: int


def incident_filter(incident_type: str | None, typology: str | None) -> Filter:
    """The table of incidents of ``incident_type`` around clusters of ``typology``."""
    tags = set()
    if incident_type is not None:
        tags.add(f"type:{incident_type}")
    if typology is not None:
        tags.add(f"typology:{typology}")
    return frozenset(tags)


def cluster_filter(typology: str | None, cross_only: bool) -> Filter:
    """The table of flagged clusters of ``typology`` (cross-region ones only if asked)."""
    tags = {f"typology:{typology}"} if typology is not None else set()
    if cross_only:
        tags.add("cross-region")
    return frozenset(tags)


def incident_catalogue(types: Iterable[str], typologies: Iterable[str]) -> tuple[Filter, ...]:
    """Every incident table a request can ask for."""
    kinds = [None, *sorted(types)]
    around = [None, *typologies]
    return tuple(incident_filter(t, y) for t in kinds for y in around)


def cluster_catalogue(typologies: Iterable[str]) -> tuple[Filter, ...]:
    """Every cluster table a request can ask for."""
    return tuple(cluster_filter(y, c) for y in [None, *typologies] for c in (False, True))


def _region(value: Any, regions: Sequence[str]) -> str | None:
    return value if value in regions else UNLOCATED


def incident_atoms(rows: Iterable[Mapping[str, Any]], regions: Sequence[str]) -> list[Atom]:
    """Atoms of ``{region, year, quarter, type, typologies, n}`` rows (the incident query's)."""
    return [
        Atom(
            region=_region(row["region"], regions),
            year=int(row["year"]),
            quarter=int(row["quarter"]),
            tags=frozenset(
                ([f"type:{row['type']}"] if row["type"] is not None else [])
                + [f"typology:{t}" for t in row["typologies"]]
            ),
            n=int(row["n"]),
        )
        for row in rows
    ]


def cluster_atoms(rows: Iterable[Mapping[str, Any]], regions: Sequence[str]) -> list[Atom]:
    """Atoms of ``{region, year, quarter, typology, cross_region, n}`` rows."""
    return [
        Atom(
            region=_region(row["region"], regions),
            year=int(row["year"]),
            quarter=int(row["quarter"]),
            tags=cluster_filter(row["typology"], bool(row["cross_region"])),
            n=int(row["n"]),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class Grid:
    """The fixed layout of a measure: its regions (rows) and its catalogue of tables."""

    regions: tuple[str, ...]
    catalogue: tuple[Filter, ...]

    def __post_init__(self) -> None:
        if frozenset() not in self.catalogue:
            raise ValueError("a catalogue holds the table without a filter")

    def row(self, region: str | None) -> int:
        """The row of ``region``; :data:`UNLOCATED` is the last."""
        return len(self.regions) if region is UNLOCATED else self.regions.index(region)

    def fine(self, spot: Spot) -> int:
        """The index of a fine cell in a year block (``row * 4 + quarter - 1``)."""
        region, (_, quarter) = spot
        return self.row(region) * 4 + quarter - 1


class _Span:
    """The span of published items' indicator vectors (reduced row echelon form, exact)."""

    def __init__(self) -> None:
        self._rows: dict[int, dict[int, Fraction]] = {}

    def _reduce(self, vector: Iterable[int]) -> dict[int, Fraction]:
        v: dict[int, Fraction] = defaultdict(Fraction)
        for k in vector:
            v[k] += 1
        for pivot, row in self._rows.items():
            factor = v.get(pivot, 0)
            if factor:
                for k, a in row.items():
                    v[k] -= factor * a
        return {k: a for k, a in v.items() if a}

    def add(self, vector: Iterable[int]) -> None:
        rest = self._reduce(vector)
        if not rest:
            return
        pivot = min(rest)
        lead = rest[pivot]
        new = {k: a / lead for k, a in rest.items()}
        for row in self._rows.values():
            factor = row.get(pivot, 0)
            if factor:
                for k, a in new.items():
                    row[k] = row.get(k, Fraction(0)) - factor * a
                    if not row[k]:
                        del row[k]
        self._rows[pivot] = new

    def holds(self, vector: Iterable[int]) -> bool:
        return not self._reduce(vector)


@dataclass(frozen=True, slots=True)
class YearPattern:
    """The hidden positions of a year block, the same for every table of the catalogue.

    ``located``: positions of the extended regions x quarters table (the last row holds the
    national quarter totals, the last column the region-year totals); ``unlocated``: positions
    of the extended 1 x 4 strip of items without a known region.
    """

    located: frozenset[Cell]
    unlocated: frozenset[Cell]
    span: _Span


def _tables(
    grid: Grid, atoms: Sequence[tuple[int, int, frozenset[str], int]]
) -> list[list[list[int]]]:
    """The catalogue's count tables (rows x 4, the unlocated row last), in catalogue order."""
    rows = len(grid.regions) + 1
    out = []
    for flt in grid.catalogue:
        counts = [[0] * 4 for _ in range(rows)]
        for row, quarter, tags, n in atoms:
            if flt <= tags:
                counts[row][quarter - 1] += n
        out.append(counts)
    return out


def _span(regions: int, located: frozenset[Cell], unlocated: frozenset[Cell]) -> _Span:
    span = _Span()
    for i in range(regions + 1):
        for j in range(5):
            if (i, j) in located:
                continue
            rows = range(regions) if i == regions else [i]
            cols = range(4) if j == 4 else [j]
            span.add(r * 4 + c for r in rows for c in cols)
    for i in range(2):
        for j in range(5):
            if (i, j) not in unlocated:
                span.add(regions * 4 + c for c in (range(4) if j == 4 else [j]))
    return span


def _small_hidden_sums(
    tables: Sequence[Sequence[Sequence[int]]],
    regions: int,
    hidden: set[Cell],
    min_cell: int,
    *,
    located: bool,
) -> set[Cell]:
    """Cells to hide besides ``hidden`` so that, in every table, no line whose margin is
    published has hidden cells summing to a small count (the margin minus the line's published
    cells would give that sum away): per such line, its largest published cell of that table
    (:func:`graph.trends.table.small_hidden_sums`, the rule the accountability report uses too)."""
    more: set[Cell] = set()
    for table in tables:
        counts = table[:regions] if located else table[regions:]
        more |= small_hidden_sums(counts, hidden, min_cell=min_cell, taken=more)
    return more


@lru_cache(maxsize=512)
def _pattern(
    grid: Grid,
    atoms: tuple[tuple[int, int, frozenset[str], int], ...],
    min_cell: int,
) -> YearPattern:
    base = (
        _pattern(grid, atoms, DEFAULT_MIN_CELL)
        if min_cell > DEFAULT_MIN_CELL
        else YearPattern(frozenset(), frozenset(), _Span())
    )
    regions = len(grid.regions)
    tables = _tables(grid, atoms)
    # Every table's primary cells, closed once (costs: the widest table's counts).
    located: set[Cell] = set(base.located)
    unlocated: set[Cell] = set(base.unlocated)
    for counts in tables:
        located |= small_cells(counts[:regions], min_cell=min_cell)
        unlocated |= small_cells(counts[regions:], min_cell=min_cell)
    widest = tables[grid.catalogue.index(frozenset())]
    while True:
        located = set(suppress_table(widest[:regions], min_cell=min_cell, hidden=located).reasons)
        strip = suppress_table(widest[regions:], min_cell=min_cell, hidden=unlocated)
        unlocated = set(strip.reasons)
        more_located = _small_hidden_sums(tables, regions, located, min_cell, located=True)
        more_unlocated = _small_hidden_sums(tables, regions, unlocated, min_cell, located=False)
        if not more_located and not more_unlocated:
            break
        located |= more_located
        unlocated |= more_unlocated
    frozen_located, frozen_unlocated = frozenset(located), frozenset(unlocated)
    return YearPattern(
        frozen_located, frozen_unlocated, _span(regions, frozen_located, frozen_unlocated)
    )


def year_pattern(
    grid: Grid, atoms: Iterable[Atom], *, year: int, min_cell: int = DEFAULT_MIN_CELL
) -> YearPattern:
    """The pattern of ``year``: a function of that year's atoms only (and of ``min_cell``).

    For ``min_cell`` above the default it contains the default's pattern.
    """
    if min_cell < DEFAULT_MIN_CELL:
        raise ValueError(f"min_cell must be at least {DEFAULT_MIN_CELL}")
    key = tuple(
        sorted(
            ((grid.row(a.region), a.quarter, a.tags, a.n) for a in atoms if a.year == year),
            key=lambda t: (t[0], t[1], sorted(t[2]), t[3]),
        )
    )
    return _pattern(grid, key, min_cell)


def published(
    grid: Grid,
    atoms: Sequence[Atom],
    *,
    table: Filter,
    figures: Sequence[Iterable[Spot]],
    min_cell: int = DEFAULT_MIN_CELL,
) -> list[tuple[int | None, Reason | None]]:
    """Each figure (a set of fine cells of ``table``) as published: ``(value, None)`` or
    ``(None, reason)``.

    A figure is published when each year's part of it is a linear combination of that block's
    published grid values and its value is not small; ``reason`` is ``"primary"`` for a hidden
    figure with ``0 < value < min_cell``, else ``"secondary"``. ``atoms`` must hold every atom of
    each year the figures touch (the patterns are computed from them).
    """
    if table not in grid.catalogue:
        raise ValueError("the table is not one of the grid's catalogue")
    counts: dict[Spot, int] = defaultdict(int)
    for a in atoms:
        if table <= a.tags:
            counts[(a.region, (a.year, a.quarter))] += a.n
    patterns: dict[int, YearPattern] = {}
    out: list[tuple[int | None, Reason | None]] = []
    for figure in figures:
        spots = set(figure)
        value = sum(counts.get(spot, 0) for spot in spots)
        by_year: dict[int, list[int]] = defaultdict(list)
        for spot in spots:
            by_year[spot[1][0]].append(grid.fine(spot))
        shown = True
        for year, cells in by_year.items():
            if year not in patterns:
                patterns[year] = year_pattern(grid, atoms, year=year, min_cell=min_cell)
            shown = shown and patterns[year].span.holds(cells)
        if shown and not 0 < value < min_cell:
            out.append((value, None))
        else:
            out.append((None, "primary" if 0 < value < min_cell else "secondary"))
    return out
