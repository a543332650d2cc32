"""Trend answers read off one fixed grid (graph.trends.grid, decision 065): the differencing
attack of issue 17 item 3 derives nothing, and does derive cells from per-request suppression."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.trends import (
    ALL_REGIONS,
    INCIDENT_GRID,
    Atom,
    Grid,
    Period,
    cluster_catalogue,
    cluster_filter,
    incident_atoms,
    incident_catalogue,
    incident_filter,
    suppress_table,
    trend_answer,
    year_pattern,
)
from graph.trends.periods import quarters_between
from tests.trend_attack import Attack, classes_of

REGIONS = ("A", "B", "C")
TYPES = ("x", "y")
TYPOLOGIES = ("p", "q")
GRID = Grid(REGIONS, incident_catalogue(TYPES, TYPOLOGIES))
CLASSES = classes_of([[f"type:{t}" for t in TYPES]], [f"typology:{y}" for y in TYPOLOGIES])
TABLES = GRID.catalogue
END = date(2025, 12, 31)
STARTS = [date(y, m, 1) for y in (2024, 2025) for m in (1, 4, 7, 10)]
#: ``by`` as the router reads it: split by region, and the period split (None: none).
BYS: list[tuple[bool, Period | None, Period]] = [
    (True, "quarter", "quarter"),
    (True, None, "quarter"),
    (False, "quarter", "quarter"),
    (False, "year", "year"),
    (True, "year", "year"),
]


def _atoms(seed: int, *, density: int = 6) -> list[Atom]:
    rnd = random.Random(seed)
    atoms = []
    for year in (2024, 2025):
        for quarter in (1, 2, 3, 4):
            for region in (*REGIONS, None):
                for c in CLASSES:
                    if rnd.random() < 0.5 and c:
                        atoms.append(
                            Atom(region, year, quarter, c, rnd.choice([1, 1, 2, 3, density]))
                        )
    return atoms


def _window(start: date, period: Period) -> tuple[date, date]:
    return (date(start.year, 1, 1) if period == "year" else start), END


def _requests() -> Iterator[
    tuple[frozenset[str], tuple[str, ...], bool, Period | None, date, date]
]:
    for table in TABLES:
        for regions in (REGIONS, *((r,) for r in REGIONS)):
            for by_region, period, unit in BYS:
                for start in STARTS:
                    first, last = _window(start, unit)
                    yield table, regions, by_region, period, first, last


def _per_request(atoms: Sequence[Atom], request: Any, min_cell: int) -> dict[str, Any]:
    """The old /trends: one table per request (its window and filter), suppressed on its own."""
    table, regions, by_region, period, first, last = request
    quarters = quarters_between(first, last)
    rows = [[r] for r in regions] if by_region else [list(regions)]
    if period is None:
        columns = [("all", quarters)]
    elif period == "quarter":
        columns = [(f"{y}-Q{q}", [(y, q)]) for y, q in quarters]
    else:
        columns = [
            (f"{y}", [q for q in quarters if q[0] == y]) for y in sorted({y for y, _ in quarters})
        ]
    counts = [
        [
            sum(
                a.n
                for a in atoms
                if table <= a.tags and a.region in rs and (a.year, a.quarter) in qs
            )
            for _, qs in columns
        ]
        for rs in rows
    ]
    t = suppress_table(counts, min_cell=min_cell)
    return {
        "rows": [r[0] if by_region else ALL_REGIONS for r in rows],
        "columns": [c for c, _ in columns],
        "cells": t.cells,
        "row_totals": t.row_totals,
        "column_totals": t.column_totals,
        "total": t.total,
        "suppressed": [],
        "unlocated": None,
    }


def _attack(
    atoms: Sequence[Atom], min_cell: int, *, old: bool = False, requests: Any = None
) -> Attack:
    attack = Attack(CLASSES)
    for request in requests if requests is not None else _requests():
        table, regions, by_region, period, first, last = request
        if old:
            body = _per_request(atoms, request, min_cell)
        else:
            body = asdict(
                trend_answer(
                    GRID,
                    atoms,
                    table=table,
                    regions=regions,
                    by_region=by_region,
                    period=period,
                    first=first,
                    last=last,
                    min_cell=min_cell,
                    with_unlocated=regions == REGIONS,
                )
            )
            body["suppressed"] = [{"row": r} for r, _, _ in body["suppressed"]]
        attack.record(body, table=table, regions=regions, first=first, last=last)
    return attack


@pytest.mark.parametrize("min_cell", [5, 10])
def test_differencing_overlapping_windows_regions_and_filters_derives_nothing(
    min_cell: int,
) -> None:
    atoms = _atoms(17)
    # The attack works on per-request suppression: windows from consecutive quarter
    # starts to the same end, their difference a suppressed cell.
    old = _attack(atoms, min_cell, old=True)
    assert old.derived(), "per-request suppression should give cells away"
    new = _attack(atoms, min_cell)
    assert new.hidden
    assert new.published
    assert new.derived() == []


def test_a_raised_minimum_publishes_a_subset_of_the_default() -> None:
    atoms = _atoms(5, density=9)
    for year in (2024, 2025):
        default = year_pattern(GRID, atoms, year=year)
        raised = year_pattern(GRID, atoms, year=year, min_cell=10)
        assert default.located <= raised.located
        assert default.unlocated <= raised.unlocated
    # Answers at both minimums together derive nothing the default hides.
    requests = list(_requests())[::3]
    both = _attack(atoms, 5, requests=requests)
    raised_only = _attack(atoms, 10, requests=requests)
    both.merge(raised_only)
    assert both.derived() == []


classes = st.sampled_from([c for c in CLASSES if c])
atom_lists = st.lists(
    st.builds(
        Atom,
        region=st.sampled_from([*REGIONS, None]),
        year=st.sampled_from([2024, 2025]),
        quarter=st.integers(min_value=1, max_value=4),
        tags=classes,
        n=st.integers(min_value=1, max_value=12),
    ),
    max_size=60,
)


@settings(max_examples=25, deadline=None)
@given(atoms=atom_lists, pick=st.randoms(use_true_random=False), min_cell=st.sampled_from([5, 10]))
def test_random_tables_and_request_sets_derive_nothing(
    atoms: list[Atom], pick: random.Random, min_cell: int
) -> None:
    requests = pick.sample(list(_requests()), 120)
    attack = _attack(atoms, min_cell, requests=requests)
    assert attack.derived() == []
    # Nothing small is ever shown.
    for table, regions, by_region, period, first, last in requests[:20]:
        answer = trend_answer(
            GRID,
            atoms,
            table=table,
            regions=regions,
            by_region=by_region,
            period=period,
            first=first,
            last=last,
            min_cell=min_cell,
        )
        shown = [v for row in answer.cells for v in row] + answer.row_totals + answer.column_totals
        assert not any(v is not None and 0 < v < min_cell for v in [*shown, answer.total])


def test_an_answer_names_its_hidden_figures_and_shows_what_the_grid_publishes() -> None:
    atoms = [
        Atom("A", 2025, 1, frozenset({"type:x"}), 20),
        Atom("A", 2025, 2, frozenset({"type:x"}), 2),
        Atom("B", 2025, 1, frozenset({"type:x"}), 30),
        Atom("B", 2025, 2, frozenset({"type:x"}), 25),
        Atom("C", 2025, 1, frozenset({"type:x"}), 40),
        Atom("C", 2025, 2, frozenset({"type:x"}), 45),
        Atom(None, 2025, 3, frozenset({"type:x"}), 7),
    ]
    answer = trend_answer(
        GRID,
        atoms,
        table=incident_filter(None, None),
        regions=REGIONS,
        by_region=True,
        period="quarter",
        first=date(2025, 1, 1),
        last=date(2025, 6, 30),
        with_unlocated=True,
    )
    assert answer.columns == ["2025-Q1", "2025-Q2"]
    assert answer.cells[0] == [None, None]  # A Q2 = 2 and its complement
    reasons = {(r, c): why for r, c, why in answer.suppressed}
    assert reasons[("A", "2025-Q2")] == "primary"
    assert reasons[("A", "2025-Q1")] == "secondary"
    assert answer.cells[2] == [40, 45]
    # The first half-year's total is the year's total less Q3 and Q4: both published here.
    assert answer.total == 162
    assert answer.unlocated == 0
    # The strip of unlocated items: one quarter of 7, shown; a RIEC's view gives none.
    whole = trend_answer(
        GRID,
        atoms,
        table=frozenset(),
        regions=REGIONS,
        by_region=False,
        period=None,
        first=date(2025, 1, 1),
        last=date(2025, 12, 31),
        with_unlocated=True,
    )
    assert whole.unlocated == 7
    assert whole.rows == [ALL_REGIONS]
    with pytest.raises(ValueError, match="catalogue"):
        trend_answer(
            GRID,
            atoms,
            table=frozenset({"type:z"}),
            regions=REGIONS,
            by_region=True,
            period=None,
            first=date(2025, 1, 1),
            last=date(2025, 3, 31),
        )


def test_incident_and_cluster_rows_become_atoms_of_their_catalogue() -> None:
    rows = [
        {
            "region": "Noord",
            "year": 2025,
            "quarter": 2,
            "type": "drugs",
            "typologies": ["omg"],
            "n": 3,
        },
        {"region": "unknown", "year": 2025, "quarter": 2, "type": None, "typologies": [], "n": 1},
    ]
    atoms = incident_atoms(rows, INCIDENT_GRID.regions)
    assert atoms[0].tags == incident_filter("drugs", "omg")
    assert atoms[1].region is None
    assert atoms[1].tags == frozenset()
    # Every incident type or none x every typology or none.
    assert len(INCIDENT_GRID.catalogue) == (18 + 1) * (3 + 1)
    assert cluster_filter("omg", True) in cluster_catalogue(["omg"])


def test_the_hidden_cells_of_a_line_never_sum_to_a_small_count() -> None:
    """Found by the random test: in region C the typology-p items were 12 in 2024 Q1 and 2 in
    Q4. Q4 was hidden with a zero of Q3 beside it, so the row's total (14) minus Q1 (12) gave
    the window Q2-Q4 away: 2 items. A line whose margin is published now hides cells summing
    to 0 or to at least the minimum (here: Q1 as well)."""
    atoms = [
        Atom(region="C", year=2024, quarter=4, tags=frozenset({"typology:q", "type:y"}), n=7),
        Atom(region="C", year=2024, quarter=1, tags=frozenset({"typology:p", "type:x"}), n=6),
        Atom(region=None, year=2024, quarter=1, tags=frozenset({"typology:p"}), n=10),
        Atom(region="C", year=2024, quarter=3, tags=frozenset({"typology:q", "type:y"}), n=6),
        Atom(region="C", year=2024, quarter=1, tags=frozenset({"typology:p", "type:x"}), n=6),
        Atom(region="C", year=2024, quarter=4, tags=frozenset({"typology:p"}), n=2),
    ]
    attack = _attack(atoms, 5)
    assert attack.hidden
    assert attack.derived() == []
