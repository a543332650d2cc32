"""Trend tables as downloads (issue 16, decision 078): CSV (one line per cell) and XLSX (the table
as shown, with rates, and the same lines), suppressed cells marked, rates per 100,000 inhabitants
next to the counts.

Inhabitants per RIEC region are the sums of the CBS inhabitants of the four-digit postcode areas
that the shipped geography puts in each region (:mod:`graph.geography`); a rate is given only
where its count is shown, so a rate discloses nothing a count does not. Pure functions of a
:class:`api.schemas.TrendTable`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import xlsxwriter  # type: ignore[import-untyped]

from api.exports import safe_cell
from api.schemas import TrendTable
from graph.geography import Geography
from graph.trends import ALL_REGIONS, TOTAL, UNLOCATED_ROW
from graph.vocabulary import REGIONS

__all__ = [
    "CELL_COLUMNS",
    "INHABITANTS_SOURCE",
    "SUPPRESSED_MARK",
    "TrendCell",
    "region_inhabitants",
    "row_inhabitants",
    "trend_cells",
    "trends_csv",
    "trends_xlsx",
]

#: What a hidden cell shows in the XLSX table (CBS's mark for a figure kept confidential).
SUPPRESSED_MARK: Final = "x"
INHABITANTS_SOURCE: Final = (
    "CBS inhabitants per four-digit postcode area (2021-12-31), summed per RIEC region by the "
    "shipped geography (graph/data/nl_geography, CC BY 4.0)"
)
#: The columns of trends.csv and of the XLSX sheet ``cells``.
CELL_COLUMNS: Final = (
    "measure",
    "typology",
    "incident_type",
    "from",
    "to",
    "region",
    "period",
    "count",
    "suppressed",
    "inhabitants",
    "rate_per_100000",
)


def region_inhabitants(geography: Geography) -> dict[str, int]:
    """Inhabitants per RIEC region (the sum of its PC4 areas')."""
    totals = dict.fromkeys(REGIONS, 0)
    for area in geography.pc4_areas.values():
        totals[area.municipality.region] += area.inhabitants
    return totals


def row_inhabitants(
    rows: Sequence[str], regions: Sequence[str], inhabitants: Mapping[str, int]
) -> list[int | None]:
    """Inhabitants of each row of a trend table: a region's own, ``all regions`` the sum of the
    table's ``regions``; none for the row of items without a region."""
    out: list[int | None] = []
    for row in rows:
        if row == ALL_REGIONS:
            out.append(sum(inhabitants.get(r, 0) for r in regions) or None)
        else:
            out.append(inhabitants.get(row) or None)
    return out


def _rate(count: int | None, people: int | None) -> float | None:
    if count is None or not people:
        return None
    return round(count * 100_000 / people, 2)


@dataclass(frozen=True, slots=True)
class TrendCell:
    """One figure of a trend table: row (region, ``all regions``, ``total`` or ``unlocated``),
    column (period or ``total``), count (``None``: suppressed, with its reason) and rate."""

    region: str
    period: str
    count: int | None
    suppressed: str | None
    inhabitants: int | None
    rate: float | None


def trend_cells(
    table: TrendTable, regions: Sequence[str], inhabitants: Mapping[str, int]
) -> list[TrendCell]:
    """Every figure of ``table``: its cells, row totals, column totals, the total and the
    items without a region (when the table has them)."""
    reasons = {(s.row, s.column): s.reason for s in table.suppressed}
    people = row_inhabitants(table.rows, regions, inhabitants)
    everyone = sum(inhabitants.get(r, 0) for r in regions) or None
    figures: list[tuple[str, str, int | None, int | None]] = []
    for i, row in enumerate(table.rows):
        for j, column in enumerate(table.columns):
            figures.append((row, column, table.cells[i][j], people[i]))
        figures.append((row, TOTAL, table.row_totals[i], people[i]))
    for j, column in enumerate(table.columns):
        figures.append((TOTAL, column, table.column_totals[j], everyone))
    figures.append((TOTAL, TOTAL, table.total, everyone))
    if (UNLOCATED_ROW, TOTAL) in reasons or table.unlocated is not None:
        figures.append((UNLOCATED_ROW, TOTAL, table.unlocated, None))
    return [
        TrendCell(
            region=row,
            period=column,
            count=count,
            suppressed=reasons.get((row, column)) if count is None else None,
            inhabitants=n,
            rate=_rate(count, n),
        )
        for row, column, count, n in figures
    ]


def _line(table: TrendTable, cell: TrendCell) -> list[Any]:
    return [
        table.measure,
        table.typology,
        table.incident_type,
        table.from_,
        table.to,
        cell.region,
        cell.period,
        cell.count,
        cell.suppressed,
        cell.inhabitants,
        cell.rate,
    ]


def trends_csv(table: TrendTable, cells: Sequence[TrendCell]) -> bytes:
    """One line per figure (:data:`CELL_COLUMNS`); a suppressed count is empty with its reason
    in ``suppressed``. UTF-8 with a byte-order mark (Excel), cells safe for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CELL_COLUMNS)
    for cell in cells:
        writer.writerow([safe_cell(v) for v in _line(table, cell)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def trends_xlsx(table: TrendTable, cells: Sequence[TrendCell]) -> bytes:
    """A workbook: ``table`` (regions down, per period the count and the rate per 100,000
    across, totals last; a suppressed count shows :data:`SUPPRESSED_MARK` on grey with its
    reason as a comment), ``cells`` (the CSV's lines) and ``about`` (filters, source)."""
    by_place = {(c.region, c.period): c for c in cells}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    hidden = book.add_format({"bg_color": "#D9D9D9", "align": "center", "font_color": "#555555"})
    rate_format = book.add_format({"num_format": "0.00"})
    sheet = book.add_worksheet("table")
    columns = [*table.columns, TOTAL]
    sheet.write(0, 0, "region", bold)
    for j, column in enumerate(columns):
        sheet.write(0, 1 + 2 * j, f"{column} count", bold)
        sheet.write(0, 2 + 2 * j, f"{column} per 100,000", bold)
    rows = [*table.rows, TOTAL]
    if (UNLOCATED_ROW, TOTAL) in by_place:
        rows.append(UNLOCATED_ROW)
    for i, row in enumerate(rows, start=1):
        sheet.write_string(i, 0, row, bold if row == TOTAL else None)
        for j, column in enumerate(columns):
            cell = by_place.get((row, column))
            if cell is None:
                continue
            if cell.count is None:
                sheet.write_string(i, 1 + 2 * j, SUPPRESSED_MARK, hidden)
                sheet.write_comment(i, 1 + 2 * j, f"suppressed ({cell.suppressed or 'small'})")
                sheet.write_string(i, 2 + 2 * j, SUPPRESSED_MARK, hidden)
            else:
                sheet.write_number(i, 1 + 2 * j, cell.count)
                if cell.rate is not None:
                    sheet.write_number(i, 2 + 2 * j, cell.rate, rate_format)
    sheet.freeze_panes(1, 1)
    lines = book.add_worksheet("cells")
    lines.write_row(0, 0, CELL_COLUMNS, bold)
    for i, cell in enumerate(cells, start=1):
        lines.write_row(i, 0, [_excel(v) for v in _line(table, cell)])
    about = book.add_worksheet("about")
    facts = [
        ("measure", table.measure),
        ("typology", table.typology or ""),
        ("incident_type", table.incident_type or ""),
        ("by", ",".join(table.by)),
        ("from", table.from_.isoformat()),
        ("to", table.to.isoformat()),
        ("min_cell", table.min_cell),
        ("suppressed", f"'{SUPPRESSED_MARK}': hidden (small, or would reveal a small one)"),
        ("inhabitants", INHABITANTS_SOURCE),
    ]
    for i, (name, value) in enumerate(facts):
        about.write_string(i, 0, name, bold)
        about.write(i, 1, value)
    book.close()
    return buffer.getvalue()


def _excel(value: Any) -> Any:
    """A value xlsxwriter writes as a number, or as text (never as a formula)."""
    if value is None or isinstance(value, int | float):
        return value
    return safe_cell(value)
