"""Per-value validation: column types of the mappings, and the reject report.

A mapping declares each column's type (``string``, ``integer``, ``number``, ``boolean``, ``date``,
``year``, ``token``, ``kvk``, ``postcode``, ``code``); :func:`convert` turns a raw cell into a
typed value or raises :class:`Violation` with the rule that failed. A row with a violation is
rejected as a whole and goes to the reject report with file, row, column and rule; the value
itself is never kept (it may be a pseudonym or, by mistake, a raw identifier).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from graph.geography import PC6_PATTERN
from graph.values import spreadsheet_safe
from graph.vocabulary import (
    INCIDENT_TYPES,
    INVOLVEMENT_ROLES,
    LEGAL_BASES,
    PARTNERS,
    TOKEN_KINDS,
    TOKEN_PATTERN,
)

__all__ = [
    "CODELISTS",
    "COLUMN_TYPES",
    "ColumnSpec",
    "Reject",
    "RejectReport",
    "Violation",
    "convert",
]

#: Code lists a ``code`` column may name (``codelist: incident_types``).
CODELISTS: Final[Mapping[str, frozenset[str]]] = {
    "incident_types": INCIDENT_TYPES,
    "involvement_roles": INVOLVEMENT_ROLES,
    "partners": frozenset(PARTNERS),
    "legal_bases": frozenset(LEGAL_BASES),
}

COLUMN_TYPES: Final = frozenset(
    {"string", "integer", "number", "boolean", "date", "year", "token", "kvk", "postcode", "code"}
)

_CLOSED_TYPES = frozenset({"code", "boolean", "date", "year", "postcode", "kvk"})
_TRUE = frozenset({"true", "1", "j", "ja", "y", "yes", "waar"})
_FALSE = frozenset({"false", "0", "n", "nee", "no", "onwaar"})
_KVK = re.compile(r"^[0-9]{8}$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


class Violation(ValueError):  # noqa: N818 - a rule violation, not an unexpected error
    """A value broke a column's rule; ``rule`` is a short name such as ``date_format``."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a mapping: its type and constraints."""

    name: str
    type: str
    required: bool = False
    formats: tuple[str, ...] = ()
    token_kind: str | None = None
    codes: frozenset[str] | None = None
    code_map: Mapping[str, str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: re.Pattern[str] | None = None
    #: The version of the source's format that added the column: files of an earlier version
    #: may leave it out of their header (its cells are then empty); ``None``: every file has it.
    added_in: int | None = None

    @property
    def closed(self) -> bool:
        """Whether a value this column accepts cannot be a raw identifier (the guard's context).

        True for codes, booleans, dates, years, postcodes, KvK numbers and patterned strings;
        free strings and numbers (a BSN is a 9-digit number) stay open.
        """
        return self.type in _CLOSED_TYPES or (self.type == "string" and self.pattern is not None)

    def accepts(self, raw: Any) -> bool:
        """Whether ``raw`` is a valid value of this column."""
        try:
            convert(self, raw)
        except Violation:
            return False
        return True


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, float) and raw != raw  # NaN from a spreadsheet or Parquet


def _date(spec: ColumnSpec, raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    for fmt in spec.formats or ("%Y-%m-%d",):
        try:
            fast = _FAST_DATES.get(fmt)
            if fast is not None:
                parsed = fast(text)
                if parsed is not None:
                    return parsed
                continue
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Violation("date_format")


def _iso(text: str) -> date | None:
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text[:4].isdigit():
        return None
    return date(int(text[:4]), int(text[5:7]), int(text[8:]))


def _dutch(text: str) -> date | None:
    if len(text) != 10 or text[2] != "-" or text[5] != "-" or not text[6:].isdigit():
        return None
    return date(int(text[6:]), int(text[3:5]), int(text[:2]))


def _compact(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


#: Exact parsers for the date formats partners use most (strptime is slow).
_FAST_DATES: Final[dict[str, Callable[[str], date | None]]] = {
    "%Y-%m-%d": _iso,
    "%d-%m-%Y": _dutch,
    "%Y%m%d": _compact,
}


def _number(spec: ColumnSpec, raw: Any, *, integer: bool) -> int | float:
    if isinstance(raw, bool):
        raise Violation("integer" if integer else "number")
    if isinstance(raw, int):
        value: int | float = raw
    elif isinstance(raw, float):
        if integer and not raw.is_integer():
            raise Violation("integer")
        value = int(raw) if integer else raw
    else:
        text = _text(raw)
        if integer:
            if not _INTEGER.fullmatch(text):
                raise Violation("integer")
            value = int(text)
        else:
            if "," in text and "." not in text:
                text = text.replace(",", ".")
            try:
                value = float(text)
            except ValueError as e:
                raise Violation("number") from e
            if value != value or value in (float("inf"), float("-inf")):
                raise Violation("number")
    if spec.minimum is not None and value < spec.minimum:
        raise Violation("range")
    if spec.maximum is not None and value > spec.maximum:
        raise Violation("range")
    return value


def convert(spec: ColumnSpec, raw: Any) -> Any:
    """The typed value of ``raw`` for ``spec``; ``None`` for an empty optional cell."""
    if _is_empty(raw):
        if spec.required:
            raise Violation("required")
        return None
    kind = spec.type
    if kind == "string":
        text = _text(raw)
        if spec.pattern is not None and not spec.pattern.fullmatch(text):
            raise Violation("pattern")
        return text
    if kind == "token":
        text = _text(raw)
        if not TOKEN_PATTERN.fullmatch(text):
            raise Violation("token_format")
        if spec.token_kind is not None and not text.startswith(TOKEN_KINDS[spec.token_kind]):
            raise Violation("token_kind")
        return text
    if kind == "kvk":
        text = _text(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            text = f"{raw:08d}"
        if not _KVK.fullmatch(text):
            raise Violation("kvk_format")
        return text
    if kind == "postcode":
        text = _text(raw).replace(" ", "").upper()
        if not PC6_PATTERN.fullmatch(text):
            raise Violation("postcode_format")
        return text
    if kind == "date":
        return _date(spec, raw)
    if kind == "integer":
        return _number(spec, raw, integer=True)
    if kind == "year":
        value = _number(spec, raw, integer=True)
        if not 1850 <= value <= 2100:
            raise Violation("year_range")
        return value
    if kind == "number":
        return _number(spec, raw, integer=False)
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = _text(raw).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise Violation("boolean")
    if kind == "code":
        text = _text(raw)
        if spec.code_map is not None:
            text = spec.code_map.get(text, text)
        if spec.codes is not None and text not in spec.codes:
            raise Violation("code_list")
        return text
    raise Violation("unknown_type")  # unreachable: mappings are validated when loaded


@dataclass(frozen=True, slots=True)
class Reject:
    """One rejected row: where and why, never what."""

    file: str
    row: int
    column: str
    rule: str


@dataclass
class RejectReport:
    """Rejected rows of one delivery, with the count per (file, column, rule)."""

    rejects: list[Reject] = field(default_factory=list)
    keep: int = 10_000
    count: int = 0

    def add(self, reject: Reject) -> None:
        """Record a rejected row (details beyond ``keep`` rows are counted, not stored)."""
        self.count += 1
        if len(self.rejects) < self.keep:
            self.rejects.append(reject)

    def summary(self) -> dict[str, int]:
        """Rejected rows per ``file:column:rule`` (of the stored details)."""
        counts: dict[str, int] = {}
        for r in self.rejects:
            key = f"{r.file}:{r.column}:{r.rule}"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def write_csv(self, path: Path) -> None:
        """Write the report as CSV (``file,row,column,rule``); values are never included, and
        names from the delivery (file, column) are neutralised for spreadsheets."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "row", "column", "rule", "value"])
            for r in self.rejects:
                cells = [r.file, r.row, r.column, r.rule, "[redacted]"]
                writer.writerow([spreadsheet_safe(c) for c in cells])
