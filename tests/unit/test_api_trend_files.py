"""Trend downloads (api.trend_files): every figure once, hidden ones marked and without a rate,
inhabitants per row, an XLSX that holds the table as shown."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl

from api.schemas import SuppressedCell, TrendTable
from api.trend_files import (
    SUPPRESSED_MARK,
    region_inhabitants,
    row_inhabitants,
    trend_cells,
    trends_csv,
    trends_xlsx,
)
from graph.geography import load_geography
from graph.settings import PACKAGED_GEOGRAPHY_DIR
from graph.trends import ALL_REGIONS
from graph.vocabulary import REGIONS

_PEOPLE = {"Limburg": 1_000_000, "Noord": 500_000}


def _table() -> TrendTable:
    return TrendTable.model_validate(
        {
            "measure": "incidents",
            "by": ["region", "quarter"],
            "from": date(2025, 1, 1),
            "to": date(2025, 6, 30),
            "min_cell": 5,
            "rows": ["Limburg", "Noord"],
            "columns": ["2025-Q1", "2025-Q2"],
            "cells": [[12, None], [None, 30]],
            "row_totals": [None, 33],
            "column_totals": [15, None],
            "total": None,
            "suppressed": [
                SuppressedCell(row="Limburg", column="2025-Q2", reason="primary"),
                SuppressedCell(row="Noord", column="2025-Q1", reason="primary"),
                SuppressedCell(row="Limburg", column="total", reason="secondary"),
                SuppressedCell(row="total", column="2025-Q2", reason="secondary"),
                SuppressedCell(row="total", column="total", reason="secondary"),
                SuppressedCell(row="unlocated", column="total", reason="primary"),
            ],
            "unlocated": None,
        }
    )


def test_every_region_has_inhabitants_and_the_country_about_seventeen_million() -> None:
    people = region_inhabitants(load_geography(PACKAGED_GEOGRAPHY_DIR))
    assert set(people) == set(REGIONS)
    assert all(n > 100_000 for n in people.values())
    assert 16_000_000 < sum(people.values()) < 19_000_000


def test_rows_get_their_regions_inhabitants() -> None:
    assert row_inhabitants(["Limburg", "Noord"], ["Limburg", "Noord"], _PEOPLE) == [
        1_000_000,
        500_000,
    ]
    assert row_inhabitants([ALL_REGIONS], ["Limburg", "Noord"], _PEOPLE) == [1_500_000]


def test_every_figure_once_hidden_ones_marked_without_a_rate() -> None:
    cells = {(c.region, c.period): c for c in trend_cells(_table(), ["Limburg", "Noord"], _PEOPLE)}
    # 4 cells, 2 row totals, 2 column totals, the total, the unlocated
    assert len(cells) == 10
    shown = cells[("Limburg", "2025-Q1")]
    assert (shown.count, shown.suppressed, shown.rate) == (12, None, 1.2)
    hidden = cells[("Limburg", "2025-Q2")]
    assert (hidden.count, hidden.suppressed, hidden.rate) == (None, "primary", None)
    assert cells[("total", "2025-Q1")].rate == 1.0  # 15 of 1.5 million
    assert cells[("Noord", "total")].rate == 6.6
    assert cells[("unlocated", "total")].inhabitants is None
    text = trends_csv(_table(), list(cells.values())).decode("utf-8-sig")
    lines = {(r["region"], r["period"]): r for r in csv.DictReader(io.StringIO(text))}
    assert lines[("Noord", "2025-Q1")]["count"] == ""
    assert lines[("Noord", "2025-Q1")]["suppressed"] == "primary"
    assert lines[("Noord", "2025-Q2")]["rate_per_100000"] == "6.0"


def test_the_workbook_shows_the_table_with_hidden_figures_marked() -> None:
    table = _table()
    book = openpyxl.load_workbook(
        io.BytesIO(trends_xlsx(table, trend_cells(table, ["Limburg", "Noord"], _PEOPLE)))
    )
    rows = {r[0]: r[1:] for r in book["table"].iter_rows(min_row=2, values_only=True)}
    assert rows["Limburg"][:4] == (12, 1.2, SUPPRESSED_MARK, SUPPRESSED_MARK)
    assert rows["total"][:2] == (15, 1.0)
    assert book["table"].cell(2, 4).comment.text == "suppressed (primary)"
    assert len(list(book["cells"].iter_rows(min_row=2))) == 10
    about = {r[0]: r[1] for r in book["about"].iter_rows(values_only=True)}
    assert about["from"] == "2025-01-01"
