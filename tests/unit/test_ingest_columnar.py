"""Column-at-a-time checking gives exactly what row-at-a-time checking gives.

The reference is the row-at-a-time code that stays in the package and that the message tests
pin: :meth:`ingest.mapping.Mapping.transform` per row and
:meth:`ingest.guard.ColumnGuard.observe` per cell. Both run over the tiny preset's files, and
over the same rows with cells replaced by awkward values (empty, padded, wrong kind, raw
identifiers, impossible dates, spreadsheet numbers and dates), in chunks whose sizes do not
divide the files, so that chunk edges and repeated values are crossed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from graph.geography import Geography, load_geography
from graph.settings import get_settings
from graph.vocabulary import TOKEN_KINDS
from ingest.columnar import check_chunk, convert_column, observe_column
from ingest.guard import ColumnGuard
from ingest.manifest import load_manifest
from ingest.mapping import Mapping, load_mappings
from ingest.pipeline import find_deliveries
from ingest.readers import Chunk, open_table
from ingest.validate import ColumnSpec, Violation, convert
from knooppunt.cli import main
from tests.ingest_fixtures import person, valid_bsn

_TOKEN = person(7)
_OTHER_KIND = next(p for p in TOKEN_KINDS.values() if not _TOKEN.startswith(p)) + _TOKEN[3:]

#: Values that break or bend a rule somewhere, as text (CSV) ...
_AWKWARD_TEXT = [
    "", " ", "\t", " x ", "\u00a0", "111222333", "11122233", " 111222333", "1234 ab", "1234AB",
    "1234ab ", "0123AB", "2026-02-30", "2026-02-28", "31-12-2026", "20261231", "2026-+1-05",
    "abc", "-0", "+1", "1,5", "12.5", "1e3", "nan", "inf", "ja", "WAAR", "nee", "0", "1",
    "12345678", " 12345678", "00000000", _TOKEN, _TOKEN.lower(), f" {_TOKEN}", f"{_TOKEN} ",
    _OTHER_KIND, _TOKEN[:-1], "NL91ABNA0417164300", "jan@example.nl", "06-12345678",
    "bsn 111222333", "AB-12-CD", "Jan de Vries", "GM0363", "GM036", "dismantled_grow_site",
    "POL", valid_bsn(4), "1850", "2101", "1849",
]  # fmt: skip
#: ... and as spreadsheet or Parquet cells.
_AWKWARD_CELLS: list[Any] = [
    None, 111222333, 12345678, 1.0, 2.5, -0.0, 0.0, float("nan"), True, False, 0, 1,
    datetime(2026, 3, 4), date(2026, 3, 4), 20261231, 1850, 1849.0, *_AWKWARD_TEXT[:20],
]  # fmt: skip


@pytest.fixture(scope="module")
def geography() -> Geography:
    return load_geography(get_settings().require_geography_dir())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("columnar") / "tiny"
    assert main(["generate", "--preset", "tiny", "--seed", "5", "--out", str(out)]) == 0
    return find_deliveries([out])


def _files(deliveries: list[Path]) -> list[tuple[Mapping, Path, str]]:
    mappings = load_mappings()
    found = []
    for directory in deliveries:
        manifest = load_manifest(directory)
        for f in manifest.files:
            found.append((mappings[f.source], f.path, f.encoding))
    return found


Guards = list[tuple[str, ColumnGuard]]


def _guards(mapping: Mapping, columns: list[str]) -> tuple[Guards, Guards]:
    """Open and closed column guards, as ``ingest.delivery`` makes them."""
    open_: Guards = []
    closed: Guards = []
    for c in columns:
        spec = mapping.columns.get(c)
        is_closed = spec is not None and spec.closed
        guard = ColumnGuard(
            column=c,
            token_column=spec is not None and spec.type == "token",
            postcode_column=spec is not None and spec.type == "postcode",
            closed=spec.accepts if spec is not None and is_closed else None,
        )
        (closed if is_closed else open_).append((c, guard))
    return open_, closed


def _state(guards: list[tuple[str, ColumnGuard]]) -> list[Any]:
    # hits as items: their order decides a token column's verdict on a tie
    return [(c, g.non_empty, list(g.hits.items()), g.verdicts("f")) for c, g in guards]


def _row_at_a_time(
    mapping: Mapping, columns: list[str], rows: list[tuple[int, list[Any]]], geo: Geography
) -> tuple[list[Any], list[Any], int, list[Any]]:
    open_, closed = _guards(mapping, columns)
    records, rejects, unknown = [], [], 0
    for line, values in rows:
        raw = dict(zip(columns, values, strict=True))
        for c, g in open_:
            g.observe(raw[c])
        result = mapping.transform(raw, geo)
        if result.violation is not None:
            for c, g in closed:
                g.observe(raw[c])
            rejects.append((line, *result.violation))
        else:
            records.append((line, result.nodes, result.links))
            unknown += result.unknown_pc4
    return records, rejects, unknown, _state(open_) + _state(closed)


def _column_at_a_time(
    mapping: Mapping,
    columns: list[str],
    rows: list[tuple[int, list[Any]]],
    geo: Geography,
    *,
    size: int,
    text: bool,
) -> tuple[list[Any], list[Any], int, list[Any]]:
    open_, closed = _guards(mapping, columns)
    records, rejects, unknown = [], [], 0
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        cells: dict[str, Sequence[Any]] = dict(
            zip(columns, zip(*(v for _, v in part), strict=True), strict=True)
        )
        chunk = Chunk([line for line, _ in part], cells, text)
        result = check_chunk(mapping, chunk, geo, open_, closed)
        records.extend(result.records)
        rejects.extend(result.rejects)
        unknown += result.unknown_pc4
        total = sum(len(n) for _, n, _ in result.records)
        assert result.nodes == total
    return records, rejects, unknown, _state(open_) + _state(closed)


def _same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN and ``-0.0`` told apart from ``0.0``."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and str(a) == str(b))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def test_the_tiny_preset_checks_alike_row_and_column_at_a_time(
    tiny: list[Path], geography: Geography
) -> None:
    checked = 0
    for mapping, path, encoding in _files(tiny):
        table = open_table(path, encoding=encoding, delimiter=mapping.delimiter)
        rows = [(line, list(raw.values())) for line, raw in table]
        reference = _row_at_a_time(mapping, table.columns, rows, geography)
        text = path.suffix == ".csv"
        for size in (37, 4096):
            got = _column_at_a_time(mapping, table.columns, rows, geography, size=size, text=text)
            assert _same(got, reference), (path.name, size)
        checked += len(rows)
    assert checked > 1000


@pytest.mark.parametrize("text", [True, False])
def test_awkward_cells_check_alike_row_and_column_at_a_time(
    tiny: list[Path], geography: Geography, text: bool
) -> None:
    rng = random.Random(11)
    awkward = _AWKWARD_TEXT if text else _AWKWARD_CELLS
    rejected = 0
    for mapping, path, encoding in _files(tiny):
        table = open_table(path, encoding=encoding, delimiter=mapping.delimiter)
        rows = [(line, list(raw.values())) for line, raw in table][:300]
        for _, values in rows:
            for i in range(len(values)):
                if rng.random() < 0.08:
                    values[i] = rng.choice(awkward)
        reference = _row_at_a_time(mapping, table.columns, rows, geography)
        csv = text and path.suffix == ".csv"  # every cell a str
        got = _column_at_a_time(mapping, table.columns, rows, geography, size=53, text=csv)
        assert _same(got, reference), path.name
        rejected += len(reference[1])
    assert rejected > 100  # the awkward values did break rules


def test_a_column_converts_like_its_cells() -> None:
    specs = [
        ColumnSpec("t", "token", token_kind="person"),
        ColumnSpec("t", "token", required=True),
        ColumnSpec("k", "kvk"),
        ColumnSpec("p", "postcode"),
        ColumnSpec("d", "date", formats=("%d-%m-%Y", "%Y-%m-%d")),
        ColumnSpec("n", "number", minimum=0),
        ColumnSpec("i", "integer", maximum=2000),
        ColumnSpec("y", "year"),
        ColumnSpec("b", "boolean"),
    ]
    mixed = [*_AWKWARD_CELLS, *_AWKWARD_TEXT]
    only_text = [c for c in mixed if isinstance(c, str)] * 2
    for spec in specs:
        for cells, text in ((mixed, False), (only_text, True)):
            expected: list[Any] = []
            rules: list[tuple[int, str]] = []
            for pos, raw in enumerate(cells):
                try:
                    expected.append(convert(spec, raw))
                except Violation as v:
                    expected.append(None)
                    rules.append((pos, v.rule))
            got = convert_column(spec, cells, text=text)
            assert _same(list(got), [expected, rules]), (spec, text)


def test_a_column_is_guarded_like_its_cells() -> None:
    cells = [*_AWKWARD_CELLS, *_AWKWARD_TEXT] * 3
    for token in (True, False):
        for name in ("value", "bsn", "kvk_nummer", "telefoon"):
            one = ColumnGuard(column=name, token_column=token)
            for raw in cells:
                one.observe(raw)
            many = ColumnGuard(column=name, token_column=token)
            observe_column(many, cells)
            assert (many.non_empty, list(many.hits.items())) == (
                one.non_empty,
                list(one.hits.items()),
            )
