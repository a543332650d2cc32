"""The differencing attack of issue 17 item 3, for the unit and the integration tests.

Every figure an answer gives is a linear equation over unknowns ``(class, region, year,
quarter)``: the counts of one class of items (the atoms of ``graph.trends.grid``) in one fine
cell. A published figure's value is known; a hidden one is derived when its equation is a linear
combination of the published ones (exact rational elimination, written here independently of
the product's own check).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from fractions import Fraction
from itertools import combinations
from typing import Any

__all__ = ["Attack", "classes_of"]

Quarter = tuple[int, int]
Unknown = tuple[frozenset[str], str | None, int, int]


def classes_of(tag_groups: Sequence[Sequence[str]], sets: Sequence[str]) -> list[frozenset[str]]:
    """Every class of items: one tag of each group (or none) and any subset of ``sets``."""
    out: list[frozenset[str]] = [frozenset()]
    for group in tag_groups:
        out = [c | {t} for c in out for t in group] + out
    subsets = [frozenset(s) for k in range(len(sets) + 1) for s in combinations(sets, k)]
    return [c | s for c in out for s in subsets]


def _quarters(first: date, last: date) -> list[Quarter]:
    out = []
    year, quarter = first.year, (first.month - 1) // 3 + 1
    end = (last.year, (last.month - 1) // 3 + 1)
    while (year, quarter) <= end:
        out.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


class Attack:
    """What a reader learns from a set of answers."""

    def __init__(self, classes: Iterable[frozenset[str]]) -> None:
        self.classes = list(classes)
        self._basis: dict[Unknown, dict[Unknown, Fraction]] = {}
        self._seen: set[tuple[frozenset[str], frozenset[tuple[str | None, Quarter]]]] = set()
        #: Hidden figures: ``(table, spots, true value or None)``.
        self.hidden: dict[tuple[frozenset[str], frozenset[tuple[str | None, Quarter]]], str] = {}
        self.published = 0

    def _equation(
        self, table: frozenset[str], spots: Iterable[tuple[str | None, Quarter]]
    ) -> dict[Unknown, Fraction]:
        return {
            (c, region, year, quarter): Fraction(1)
            for c in self.classes
            if table <= c
            for region, (year, quarter) in spots
        }

    def _reduce(self, eq: dict[Unknown, Fraction]) -> dict[Unknown, Fraction]:
        # A row learnt later has no earlier pivot: one pass in the order learnt suffices.
        eq = dict(eq)
        for pivot, row in self._basis.items():
            factor = eq.get(pivot)
            if not factor:
                continue
            for k, a in row.items():
                v = eq.get(k, Fraction(0)) - factor * a
                if v:
                    eq[k] = v
                else:
                    eq.pop(k, None)
        return eq

    def _learn(self, eq: dict[Unknown, Fraction]) -> None:
        rest = self._reduce(eq)
        if not rest:
            return
        pivot = min(rest, key=repr)
        lead = rest[pivot]
        self._basis[pivot] = {k: a / lead for k, a in rest.items()}

    def record(
        self,
        body: Mapping[str, Any],
        *,
        table: frozenset[str],
        regions: Sequence[str],
        first: date,
        last: date,
    ) -> None:
        """Take in one answer (the ``TrendTable`` JSON or an equal mapping)."""
        window = _quarters(first, last)

        def row_spots(label: str) -> list[str | None]:
            return [label] if label in regions else list(regions)

        def column_quarters(label: str) -> list[Quarter]:
            if label == "all":
                return window
            if "-Q" in label:
                year, quarter = label.split("-Q")
                return [(int(year), int(quarter))]
            return [q for q in window if q[0] == int(label)]

        figures: list[tuple[list[str | None], list[Quarter], int | None]] = []
        for i, row in enumerate(body["rows"]):
            for j, column in enumerate(body["columns"]):
                figures.append((row_spots(row), column_quarters(column), body["cells"][i][j]))
            figures.append((row_spots(row), window, body["row_totals"][i]))
        all_rows: list[str | None] = list(regions)
        for j, column in enumerate(body["columns"]):
            figures.append((all_rows, column_quarters(column), body["column_totals"][j]))
        figures.append((all_rows, window, body["total"]))
        if body.get("unlocated", None) is not None or any(
            s["row"] == "unlocated" for s in body["suppressed"]
        ):
            figures.append(([None], window, body["unlocated"]))
        for rs, qs, value in figures:
            spots = frozenset((r, q) for r in rs for q in qs)
            key = (table, spots)
            if value is None:
                self.hidden.setdefault(key, "hidden")
                continue
            self.published += 1
            if key not in self._seen:
                self._seen.add(key)
                self._learn(self._equation(table, spots))

    def merge(self, other: Attack) -> None:
        """Learn what ``other`` published too."""
        for key in other._seen - self._seen:
            self._seen.add(key)
            self._learn(self._equation(*key))

    def learns(self, table: frozenset[str], spots: Iterable[tuple[str | None, Quarter]]) -> bool:
        """Whether the count of ``table``'s items over ``spots`` follows from the published
        figures (a figure no answer shows, such as the sum of some hidden cells)."""
        return not self._reduce(self._equation(table, spots))

    def derived(self) -> list[tuple[frozenset[str], frozenset[tuple[str | None, Quarter]]]]:
        """The hidden figures whose value follows from the published ones."""
        return [key for key in self.hidden if not self._reduce(self._equation(*key))]
