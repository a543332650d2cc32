"""Deterministic file writers for synthetic deliveries: CSV, XLSX and Parquet, plus manifests.

Every writer streams rows to disk and produces byte-identical files for identical rows: the
XLSX writer (XlsxWriter) uses fixed zip entry times and a fixed creation time; pyarrow's
Parquet writer stamps no time (only its version in ``created_by``).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Final, Literal

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter  # type: ignore[import-untyped]

__all__ = [
    "FIXED_TIMESTAMP",
    "CsvSink",
    "DeliverySpec",
    "FileSpec",
    "ParquetSink",
    "Sink",
    "XlsxSink",
    "sha256_of",
    "write_manifest",
]

#: Timestamp written into XLSX metadata and zip entries (zip cannot store dates before 1980).
FIXED_TIMESTAMP: Final = datetime(2000, 1, 1, 0, 0, 0)

Cell = str | int | date | None
DateStyle = Literal["iso", "dmy", "compact"]


def _format_date(value: date, style: DateStyle) -> str:
    if style == "dmy":
        return value.strftime("%d-%m-%Y")
    if style == "compact":
        return value.strftime("%Y%m%d")
    return value.isoformat()


@dataclass(frozen=True, slots=True)
class FileSpec:
    """One data file of a delivery: its name, the mapping that reads it and its columns."""

    name: str
    source: str
    columns: tuple[str, ...]
    kind: Literal["csv", "xlsx", "parquet"] = "csv"
    delimiter: str = ","
    date_style: DateStyle = "iso"
    encoding: str = "utf-8"
    #: Arrow types of the columns for Parquet files ("string", "int64", "date32").
    arrow_types: tuple[str, ...] = ()


class Sink:
    """A streaming writer for one file; counts rows."""

    def __init__(self, path: Path, spec: FileSpec) -> None:
        self.path = path
        self.spec = spec
        self.rows = 0

    def write(self, row: Sequence[Cell]) -> None:
        """Write one data row (values in the order of ``spec.columns``)."""
        raise NotImplementedError

    def close(self) -> None:
        """Flush and close the file."""
        raise NotImplementedError


class CsvSink(Sink):
    """CSV with the partner's delimiter, date style and encoding; ``\\n`` line ends."""

    def __init__(self, path: Path, spec: FileSpec) -> None:
        super().__init__(path, spec)
        self._handle: IO[str] = path.open("w", encoding=spec.encoding, newline="")
        self._writer = csv.writer(self._handle, delimiter=spec.delimiter, lineterminator="\n")
        self._writer.writerow(spec.columns)

    def write(self, row: Sequence[Cell]) -> None:
        out: list[str] = []
        for value in row:
            if value is None:
                out.append("")
            elif isinstance(value, date):
                out.append(_format_date(value, self.spec.date_style))
            else:
                out.append(str(value))
        self._writer.writerow(out)
        self.rows += 1

    def close(self) -> None:
        self._handle.close()


class XlsxSink(Sink):
    """One-sheet XLSX streamed with XlsxWriter (constant memory); dates as date cells.

    XlsxWriter stamps fixed zip entry times; the document's creation time is fixed here, so
    the same rows give the same bytes.
    """

    def __init__(self, path: Path, spec: FileSpec) -> None:
        super().__init__(path, spec)
        self._workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self._workbook.set_properties({"created": FIXED_TIMESTAMP, "author": "knooppunt generate"})
        self._sheet = self._workbook.add_worksheet(Path(spec.name).stem[:31])
        self._date = self._workbook.add_format({"num_format": "yyyy-mm-dd"})
        for column, name in enumerate(spec.columns):
            self._sheet.write_string(0, column, name)

    def write(self, row: Sequence[Cell]) -> None:
        self.rows += 1
        sheet, line = self._sheet, self.rows
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(line, column, value, self._date)
            elif isinstance(value, int):
                sheet.write_number(line, column, value)
            else:
                sheet.write_string(line, column, value)

    def close(self) -> None:
        self._workbook.close()


_ARROW_TYPES: Final[dict[str, pa.DataType]] = {
    "string": pa.string(),
    "int64": pa.int64(),
    "date32": pa.date32(),
}


class ParquetSink(Sink):
    """Parquet written in row groups of ``batch`` rows (bounded memory)."""

    def __init__(self, path: Path, spec: FileSpec, batch: int = 50_000) -> None:
        super().__init__(path, spec)
        self._schema = pa.schema(
            [
                (name, _ARROW_TYPES[kind])
                for name, kind in zip(spec.columns, spec.arrow_types, strict=True)
            ]
        )
        self._columns: list[list[Any]] = [[] for _ in spec.columns]
        self._batch = batch
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="snappy")

    def write(self, row: Sequence[Cell]) -> None:
        for column, value in zip(self._columns, row, strict=True):
            column.append(value)
        self.rows += 1
        if len(self._columns[0]) >= self._batch:
            self._flush()

    def _flush(self) -> None:
        if not self._columns[0]:
            return
        table = pa.Table.from_arrays(
            [
                pa.array(col, type=f.type)
                for col, f in zip(self._columns, self._schema, strict=True)
            ],
            schema=self._schema,
        )
        self._writer.write_table(table)
        self._columns = [[] for _ in self.spec.columns]

    def close(self) -> None:
        self._flush()
        if self.rows == 0:
            empty = self._schema.empty_table()
            self._writer.write_table(empty)
        self._writer.close()


def open_sink(path: Path, spec: FileSpec) -> Sink:
    """The sink for a file spec's kind."""
    if spec.kind == "xlsx":
        return XlsxSink(path, spec)
    if spec.kind == "parquet":
        return ParquetSink(path, spec)
    return CsvSink(path, spec)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, lower-case hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(slots=True)
class DeliverySpec:
    """One delivery: manifest fields and the files it holds."""

    partner: str
    delivery_id: str
    extract_date: date
    legal_basis: str
    region: str | None = None
    files: list[FileSpec] = field(default_factory=list)
    retain_until: date | None = None


def write_manifest(directory: Path, delivery: DeliverySpec, rows: dict[str, int]) -> None:
    """Write ``manifest.json`` (``docs/delivery-format.md``) with row counts and checksums."""
    manifest = {
        "format_version": 1,
        "partner": delivery.partner,
        "delivery_id": delivery.delivery_id,
        "extract_date": delivery.extract_date.isoformat(),
        "legal_basis": delivery.legal_basis,
        "retain_until": delivery.retain_until.isoformat() if delivery.retain_until else None,
        "reject_threshold": 0.01,
        "region": delivery.region,
        "files": [
            {
                "name": spec.name,
                "source": spec.source,
                "rows": rows[spec.name],
                "sha256": sha256_of(directory / spec.name),
                "encoding": spec.encoding,
            }
            for spec in delivery.files
        ],
    }
    (directory / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
