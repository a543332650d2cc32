"""Streaming readers for CSV, XLSX and Parquet, and typed conversion of their cells."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from ingest.errors import DeliveryError
from ingest.readers import open_table
from ingest.validate import ColumnSpec, Violation, convert


def test_csv_rows_are_numbered_like_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("\ufeffx;y\n1;2\n\n3;4\n", encoding="utf-8")
    table = open_table(path, delimiter=";")
    assert table.columns == ["x", "y"]
    assert list(table) == [(2, {"x": "1", "y": "2"}), (4, {"x": "3", "y": "4"})]


def test_csv_header_with_a_duplicate_column(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("x,x\n1,2\n", encoding="utf-8")
    with pytest.raises(DeliveryError, match="column x: column name appears twice"):
        open_table(path)


def test_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["persoon", "datum", "nummer"])
    sheet.append(["A", datetime(2026, 1, 2), 12])
    sheet.append([None, None, None])
    sheet.append(["B", datetime(2026, 1, 3), 13.0])
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    rows = list(open_table(path))
    assert [r[0] for r in rows] == [2, 4]
    assert rows[0][1]["datum"] == datetime(2026, 1, 2)
    assert convert(ColumnSpec("d", "date"), rows[0][1]["datum"]) == date(2026, 1, 2)
    assert convert(ColumnSpec("n", "integer"), rows[1][1]["nummer"]) == 13


def test_xlsx_cells_are_typed_like_the_checks_expect(tmp_path: Path) -> None:
    # Excel stores numbers as floats: a whole number must come back as an int (a BSN typed as
    # a number stays a 9-digit number for the privacy guard), an empty cell as None, a date
    # cell as a datetime, text as text.
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["bsn", "bedrag", "leeg", "datum", "tekst", None])
    sheet.append([111222333, 12.5, None, date(2026, 3, 4), "0612345678", None])
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    table = open_table(path)
    assert table.columns == ["bsn", "bedrag", "leeg", "datum", "tekst"]
    ((line, row),) = list(table)
    assert line == 2
    assert row == {
        "bsn": 111222333,
        "bedrag": 12.5,
        "leeg": None,
        "datum": datetime(2026, 3, 4),
        "tekst": "0612345678",
    }
    assert type(row["bsn"]) is int


def test_xlsx_value_beyond_the_header(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["a", "b"])
    sheet.append([1, 2])
    sheet.append([1, 2, 3])
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    with pytest.raises(DeliveryError, match="row 3: values beyond the header"):
        list(open_table(path))


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated zip", b"not a workbook"])
def test_unreadable_xlsx(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    with pytest.raises(DeliveryError, match=r"a\.xlsx: "):
        open_table(path)


def test_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "a.parquet"
    table = pa.table({"zaak": ["1", "2"], "datum": pa.array([date(2026, 1, 1), None])})
    pq.write_table(table, path)
    rows = list(open_table(path))
    assert rows == [
        (2, {"zaak": "1", "datum": date(2026, 1, 1)}),
        (3, {"zaak": "2", "datum": None}),
    ]


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(DeliveryError, match="not a readable Parquet file"):
        open_table(path)


@pytest.mark.parametrize(
    ("spec", "raw", "expected"),
    [
        (ColumnSpec("d", "date", formats=("%d-%m-%Y",)), "01-11-2026", date(2026, 11, 1)),
        (ColumnSpec("d", "date", formats=("%Y%m%d",)), "20261101", date(2026, 11, 1)),
        (ColumnSpec("b", "boolean"), "J", True),
        (ColumnSpec("b", "boolean"), "N", False),
        (ColumnSpec("k", "kvk"), 1234567, "01234567"),
        (ColumnSpec("p", "postcode"), "5611 ab", "5611AB"),
        (ColumnSpec("n", "number"), "1,5", 1.5),
        (ColumnSpec("y", "year"), "1980", 1980),
        (ColumnSpec("s", "string"), "  ", None),
        (ColumnSpec("c", "code", codes=frozenset({"a"}), code_map={"A": "a"}), "A", "a"),
    ],
)
def test_convert(spec: ColumnSpec, raw: object, expected: object) -> None:
    assert convert(spec, raw) == expected


@pytest.mark.parametrize(
    ("spec", "raw", "rule"),
    [
        (ColumnSpec("d", "date", formats=("%d-%m-%Y",)), "2026-11-01", "date_format"),
        (ColumnSpec("d", "date"), "2026-02-30", "date_format"),
        (ColumnSpec("k", "kvk"), "1234", "kvk_format"),
        (ColumnSpec("p", "postcode"), "0123AB", "postcode_format"),
        (ColumnSpec("i", "integer", minimum=1), "0", "range"),
        (ColumnSpec("i", "integer"), "1.5", "integer"),
        (ColumnSpec("t", "token", token_kind="person"), "VEH-" + "A" * 26, "token_kind"),
        (ColumnSpec("t", "token", token_kind="person"), "PRS-abc", "token_format"),
        (ColumnSpec("c", "code", codes=frozenset({"a"})), "b", "code_list"),
        (ColumnSpec("s", "string", required=True), "", "required"),
        (ColumnSpec("b", "boolean"), "misschien", "boolean"),
        (ColumnSpec("y", "year"), "1492", "year_range"),
    ],
)
def test_convert_violations(spec: ColumnSpec, raw: object, rule: str) -> None:
    with pytest.raises(Violation) as info:
        convert(spec, raw)
    assert info.value.rule == rule
