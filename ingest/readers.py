"""Streaming readers for partner files: CSV (any declared encoding and delimiter), XLSX, Parquet.

Each reader yields ``(row_number, values)`` one row at a time, so that a file larger than memory
can be read; ``row_number`` counts like a spreadsheet (the header is row 1, the first data row is
row 2). Values are what the file holds: strings for CSV, native cell values for XLSX and Parquet;
:mod:`ingest.validate` turns them into typed values. Structural problems (wrong encoding, a
truncated or empty file, a row with the wrong number of fields) raise :class:`DeliveryError`
naming the file and row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from ingest.errors import DeliveryError

__all__ = ["Chunk", "FileFormat", "Table", "format_of", "open_table"]

FileFormat = Literal["csv", "xlsx", "parquet"]

_SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
}

csv.field_size_limit(1 << 20)


def format_of(path: Path) -> FileFormat:
    """The file format from the file name's suffix."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise DeliveryError(f"{path}: unsupported file type {path.suffix!r} (csv, xlsx, parquet)")
    return fmt


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive rows of a file, column by column: ``lines[i]`` is the row number of the
    values ``columns[name][i]``. ``text`` says every value is a ``str`` (CSV)."""

    lines: list[int]
    columns: dict[str, Sequence[Any]]
    text: bool

    def __len__(self) -> int:
        return len(self.lines)


@dataclass
class Table:
    """An opened partner file: its header and a one-pass iterator over its rows, given row by
    row (``iter``) or in column chunks (:meth:`chunks`)."""

    path: Path
    columns: list[str]
    _rows: Iterator[tuple[int, list[Any]]] = field(repr=False)
    text: bool = False
    rows_read: int = 0

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        columns = self.columns
        for line, values in self._rows:
            self.rows_read += 1
            yield line, dict(zip(columns, values, strict=True))

    def chunks(self, size: int) -> Iterator[Chunk]:
        """The rows in chunks of up to ``size``. A structural error raises after the chunk of
        the rows before it, so that the caller meets problems in row order."""
        lines: list[int] = []
        rows: list[list[Any]] = []
        try:
            for line, values in self._rows:
                self.rows_read += 1
                lines.append(line)
                rows.append(values)
                if len(rows) >= size:
                    yield self._chunk(lines, rows)
                    lines, rows = [], []
        except DeliveryError:
            if rows:
                yield self._chunk(lines, rows)
            raise
        if rows:
            yield self._chunk(lines, rows)

    def _chunk(self, lines: list[int], rows: list[list[Any]]) -> Chunk:
        columns: dict[str, Sequence[Any]] = dict(
            zip(self.columns, zip(*rows, strict=True), strict=True)
        )
        return Chunk(lines, columns, self.text)


def _check_header(path: Path, header: list[Any]) -> list[str]:
    columns = [str(c).strip() if c is not None else "" for c in header]
    if any(not c for c in columns):
        raise DeliveryError(f"{path}: row 1: header has an empty column name")
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            raise DeliveryError(f"{path}: row 1, column {c}: column name appears twice")
        seen.add(c)
    return columns


def _csv_table(path: Path, encoding: str, delimiter: str) -> Table:
    handle = path.open("r", encoding=encoding, newline="", errors="strict")
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise DeliveryError(f"{path}: empty file (no header row)") from None
    except UnicodeDecodeError as e:
        handle.close()
        raise DeliveryError(f"{path}: row 1: not valid {encoding} text (wrong encoding?)") from e
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    columns = _check_header(path, header)
    width = len(columns)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        line = 1
        try:
            for values in reader:
                line += 1
                if len(values) != width:
                    if not values:
                        continue  # a blank line
                    raise DeliveryError(
                        f"{path}: row {line}: {len(values)} fields where the header has {width} "
                        "(truncated or malformed file)"
                    )
                yield line, values
        except UnicodeDecodeError as e:
            raise DeliveryError(
                f"{path}: row {line + 1}: not valid {encoding} text (wrong encoding?)"
            ) from e
        except csv.Error as e:
            raise DeliveryError(f"{path}: row {line + 1}: malformed CSV ({e})") from e
        finally:
            handle.close()

    return Table(path=path, columns=columns, _rows=rows(), text=True)


def _xlsx_cell(value: Any) -> Any:
    """A calamine cell as openpyxl gave it (and the checks expect): an empty cell is ``None``,
    a whole number an ``int`` (Excel stores every number as a float; a BSN typed as a number
    must still look like one to the privacy guard), a date a ``datetime``."""
    if value == "":
        return None
    kind = type(value)
    if kind is float and value.is_integer():
        return int(value)
    if kind is date:
        return datetime(value.year, value.month, value.day)
    return value


def _xlsx_table(path: Path) -> Table:
    # python-calamine (Rust) instead of openpyxl: reading the municipalities' XLSX was the
    # biggest part of checking a delivery (docs/decisions/025-xlsx-reader.md). It holds one
    # sheet in memory, which the format bounds at 1,048,576 rows.
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise DeliveryError(f"{path}: empty file (no sheet)")
        sheet = workbook.get_sheet_by_index(0)
        first_row = sheet.start[0] + 1 if sheet.start is not None else 1
        iterator = iter(sheet.iter_rows())
    except DeliveryError:
        raise
    except Exception as e:  # calamine raises CalamineError, zip and XML errors, ...
        raise DeliveryError(f"{path}: not a readable XLSX workbook ({type(e).__name__})") from e
    try:
        header = [_xlsx_cell(v) for v in next(iterator)]
    except StopIteration:
        raise DeliveryError(f"{path}: empty file (no header row)") from None
    while header and header[-1] is None:
        header.pop()
    columns = _check_header(path, header)
    width = len(columns)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        line = first_row
        for raw in iterator:
            line += 1
            # A non-empty text cell is itself (the common case, without the call).
            values = [v if type(v) is str and v else _xlsx_cell(v) for v in raw]
            if all(v is None for v in values):
                continue
            if any(v is not None for v in values[width:]):
                raise DeliveryError(f"{path}: row {line}: values beyond the header's columns")
            cells = values[:width] + [None] * (width - len(values))
            yield line, cells

    return Table(path=path, columns=columns, _rows=rows())


def _parquet_table(path: Path, batch_size: int = 65536) -> Table:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises ArrowInvalid, OSError, ...
        raise DeliveryError(f"{path}: not a readable Parquet file ({type(e).__name__})") from e
    names = list(parquet.schema_arrow.names)
    columns = _check_header(path, names)
    # A name with spaces around it is known by its stripped name, under which its cells were
    # never found (rows were keyed by the file's own names): they read as empty, as before.
    padded = [
        i for i, (name, column) in enumerate(zip(names, columns, strict=True)) if name != column
    ]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        line = 1
        try:
            for batch in parquet.iter_batches(batch_size=batch_size):
                cells = [c.to_pylist() for c in batch.columns]
                for i in padded:
                    cells[i] = [None] * batch.num_rows
                for record in zip(*cells, strict=True):
                    line += 1
                    yield line, list(record)
        except OSError as e:
            raise DeliveryError(
                f"{path}: row {line + 1}: unreadable Parquet data (truncated?)"
            ) from e

    return Table(path=path, columns=columns, _rows=rows())


def open_table(
    path: Path, *, fmt: FileFormat | None = None, encoding: str = "utf-8", delimiter: str = ","
) -> Table:
    """Open a partner file for one streaming pass over its rows."""
    if not path.is_file():
        raise DeliveryError(f"{path}: file missing")
    if path.stat().st_size == 0:
        raise DeliveryError(f"{path}: empty file (0 bytes)")
    kind = fmt or format_of(path)
    if kind == "csv":
        return _csv_table(path, encoding, delimiter)
    if kind == "xlsx":
        return _xlsx_table(path)
    return _parquet_table(path)
