"""Column-at-a-time checking of a file chunk: the same rules as row-at-a-time, fewer Python calls.

:func:`check_chunk` gives, for a :class:`ingest.readers.Chunk` of rows, exactly what
:meth:`ingest.mapping.Mapping.transform` and :meth:`ingest.guard.ColumnGuard.observe` give
row by row: the same typed values, the same first violation per row (column order, then the
entities' missing keys), the same records and the same guard counts. It gets there with
compiled, columnar work where it can and per *distinct value* Python where it must
(``docs/decisions/075-columnar-ingest-checks.md``):

- A column's cells are converted once per distinct value: :func:`ingest.validate.convert` is a
  function of the column's spec and the cell, so the result of one cell is the result of every
  cell that holds the same value (pyarrow's ``dictionary_encode`` finds them for text; a dict
  keyed by type and value for spreadsheet and Parquet cells).
- Token cells (mostly distinct) are matched against the token pattern with pyarrow's RE2
  (``match_substring_regex``); a cell that matches is valid as it stands, and only the others go
  through :func:`~ingest.validate.convert`, which names their rule.
- The privacy guard counts a column per distinct value (``value_counts``) with
  ``observe(value, times=count)``; in token columns a cell that matches the pattern counts as
  non-empty and nothing else, so only the others are observed one by one, in row order.

Nothing here decides a rule of its own: every verdict comes from ``convert`` and ``observe``,
so the rules and messages cannot drift apart from the row-at-a-time code the tests pin.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph.geography import Geography
from graph.model import NodeLabel
from graph.vocabulary import TOKEN_KINDS, TOKEN_PATTERN
from ingest.guard import ColumnGuard
from ingest.mapping import (
    EntitySpec,
    LinkRecord,
    LinkSpec,
    Mapping,
    NodeRecord,
    enrich_address,
    holds,
)
from ingest.readers import Chunk
from ingest.validate import ColumnSpec, Violation, convert

__all__ = ["ChunkResult", "check_chunk", "convert_column", "observe_column"]

#: RE2 (pyarrow) and Python's ``re`` agree on the token pattern: ASCII classes, anchors, an
#: alternation of escaped prefixes. ``match_substring_regex`` searches, so the anchors make it
#: a full match, as ``fullmatch`` is.
_TOKEN_RE2: Final = TOKEN_PATTERN.pattern

#: A violation: (column, rule).
Violated = tuple[str, str]


@dataclass
class ChunkResult:
    """What a chunk yields: the records of each accepted row (with its row number) and the
    first violation of each rejected row, in row order."""

    records: list[tuple[int, list[NodeRecord], list[LinkRecord]]] = field(default_factory=list)
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, rule)
    nodes: int = 0
    links: int = 0
    unknown_pc4: int = 0


def _key(value: Any) -> Hashable:
    """A dict key that tells apart what ``convert`` tells apart: ``1``, ``1.0`` and ``True`` are
    equal in Python but convert differently, and so do ``0.0`` and ``-0.0``."""
    kind = type(value)
    if kind is float:
        return (kind, value, math.copysign(1.0, value))
    return (kind, value)


def _text_array(values: Sequence[Any], text: bool) -> pa.Array | None:
    """The column as an Arrow string array (``None`` cells as nulls), or ``None`` when it holds
    other values (spreadsheet numbers and dates, Parquet values). ``text``: every cell is
    known to be a ``str`` (CSV). Only ``str`` and ``None`` qualify: Arrow would also take
    ``bytes``, which :func:`~ingest.validate.convert` treats otherwise."""
    if not text and not all(type(v) is str or v is None for v in values):
        return None
    return pa.array(values, pa.string())


def _distinct(values: Sequence[Any], text: bool) -> tuple[list[Any], np.ndarray] | None:
    """The distinct values of a column and, per cell, the index of its value; ``None`` when a
    value cannot be hashed (a Parquet list cell)."""
    array = _text_array(values, text)
    if array is not None:
        encoded = array.dictionary_encode()
        uniques: list[Any] = encoded.dictionary.to_pylist()
        indices = encoded.indices
        if indices.null_count:
            indices = pc.fill_null(indices, len(uniques))
            uniques.append(None)
        return uniques, indices.to_numpy(zero_copy_only=False)
    index: dict[Hashable, int] = {}
    uniques = []
    codes: list[int] = []
    try:
        for value in values:
            key = _key(value)
            code = index.get(key)
            if code is None:
                code = index[key] = len(uniques)
                uniques.append(value)
            codes.append(code)
    except TypeError:
        return None
    return uniques, np.asarray(codes, dtype=np.int64)


def _spread(results: list[Any], indices: np.ndarray) -> list[Any]:
    """``results[indices[i]]`` for every cell."""
    table = np.empty(len(results), dtype=object)
    for i, result in enumerate(results):
        table[i] = result
    out: list[Any] = table[indices].tolist()
    return out


def _one_by_one(spec: ColumnSpec, values: Sequence[Any]) -> tuple[list[Any], list[tuple[int, str]]]:
    out: list[Any] = []
    bad: list[tuple[int, str]] = []
    for pos, raw in enumerate(values):
        try:
            out.append(convert(spec, raw))
        except Violation as v:
            out.append(None)
            bad.append((pos, v.rule))
    return out, bad


def _token_matches(array: pa.Array, prefix: str | None) -> np.ndarray:
    """Per cell of a text column: whether it is a well-formed token (of ``prefix``'s kind)."""
    matched = pc.match_substring_regex(array, _TOKEN_RE2)
    if prefix is not None:
        matched = pc.and_(matched, pc.starts_with(array, prefix))
    out: np.ndarray = pc.fill_null(matched, False).to_numpy(zero_copy_only=False)
    return out


def convert_column(
    spec: ColumnSpec, values: Sequence[Any], *, text: bool = False
) -> tuple[list[Any], list[tuple[int, str]]]:
    """The typed value of every cell (``None`` where empty or invalid) and ``(position, rule)``
    of every invalid cell, in order: :func:`ingest.validate.convert` applied cell by cell."""
    array = _text_array(values, text) if spec.type == "token" else None
    if array is not None:
        prefix = TOKEN_KINDS[spec.token_kind] if spec.token_kind is not None else None
        valid = _token_matches(array, prefix)
        out = list(values)  # a matching token is its own value (no space to strip)
        bad: list[tuple[int, str]] = []
        for pos in np.flatnonzero(~valid).tolist():
            try:
                out[pos] = convert(spec, values[pos])
            except Violation as v:
                out[pos] = None
                bad.append((pos, v.rule))
        return out, bad
    distinct = _distinct(values, text)
    if distinct is None:
        return _one_by_one(spec, values)
    uniques, indices = distinct
    results: list[Any] = []
    rules: dict[int, str] = {}
    for i, raw in enumerate(uniques):
        try:
            results.append(convert(spec, raw))
        except Violation as v:
            results.append(None)
            rules[i] = v.rule
    out = _spread(results, indices)
    if not rules:
        return out, []
    failing = np.flatnonzero(np.isin(indices, np.fromiter(rules, dtype=np.int64)))
    return out, [(pos, rules[int(indices[pos])]) for pos in failing.tolist()]


def observe_column(guard: ColumnGuard, values: Sequence[Any], *, text: bool = False) -> None:
    """Count every cell of a column chunk, as ``guard.observe`` would one by one (``text``:
    every cell is a ``str``)."""
    array = _text_array(values, text)
    if array is not None and guard.token_column:
        valid = _token_matches(array, None)
        guard.non_empty += int(valid.sum())  # a token: non-empty, no hit
        for pos in np.flatnonzero(~valid).tolist():
            guard.observe(values[pos])
        return
    if array is not None:
        counts = pc.value_counts(array)
        for value, count in zip(
            counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
        ):
            guard.observe(value, times=count)
        return
    distinct = _distinct(values, text)
    if distinct is None:
        for value in values:
            guard.observe(value)
        return
    uniques, indices = distinct
    for value, count in zip(
        uniques, np.bincount(indices, minlength=len(uniques)).tolist(), strict=True
    ):
        if count:
            guard.observe(value, times=count)


def _ids(entity: EntitySpec, values: dict[str, list[Any]]) -> list[str | None]:
    """The entity's id per row (``None`` where its first key part is empty)."""
    separator = entity.separator
    if len(entity.key) == 1:
        return [None if p is None else (str(p) if p != "" else "") for p in values[entity.key[0]]]
    return [
        None
        if parts[0] is None
        else separator.join(str(p) for p in parts if p is not None and p != "")
        for parts in zip(*(values[c] for c in entity.key), strict=True)
    ]


def _props(
    properties: tuple[tuple[str, str | None, Any], ...], values: dict[str, list[Any]], n: int
) -> list[dict[str, Any]]:
    """The properties per row, without ``None`` values, in the mapping's order."""
    if not properties:
        return [{} for _ in range(n)]
    names = [prop for prop, _, _ in properties]
    columns = [values[c] if c is not None else [k] * n for _, c, k in properties]
    return [
        {name: v for name, v in zip(names, row, strict=True) if v is not None}
        for row in zip(*columns, strict=True)
    ]


def _holding(
    conditions: tuple[Any, ...], values: dict[str, list[Any]], n: int
) -> list[bool] | None:
    """Per row, whether the conditions hold; ``None`` when there are none (always)."""
    if not conditions:
        return None
    columns = list(dict.fromkeys(c.column for c in conditions))
    return [
        holds(conditions, dict(zip(columns, row, strict=True)))
        for row in zip(*(values[c] for c in columns), strict=True)
    ]


def _links(
    link: LinkSpec,
    nodes: dict[str, list[NodeRecord | None]],
    values: dict[str, list[Any]],
    n: int,
) -> list[LinkRecord | None]:
    sources, targets = nodes.get(link.source), nodes.get(link.target)
    if sources is None or targets is None:
        return [None] * n
    when = _holding(link.when, values, n)
    props = _props(link.properties, values, n)
    return [
        None
        if s is None or t is None or (when is not None and not when[i])
        else (link.type, s[0], s[1], t[0], t[1], props[i])
        for i, (s, t) in enumerate(zip(sources, targets, strict=True))
    ]


def check_chunk(
    mapping: Mapping,
    chunk: Chunk,
    geography: Geography | None,
    guards: Sequence[tuple[str, ColumnGuard]],
    closed: Sequence[tuple[str, ColumnGuard]],
) -> ChunkResult:
    """Validate, guard and map one chunk: see the module docstring."""
    n = len(chunk)
    raw = chunk.columns
    for column, guard in guards:
        observe_column(guard, raw[column], text=chunk.text)
    values: dict[str, list[Any]] = {}
    violations: dict[int, Violated] = {}
    for name, spec in mapping.columns.items():
        cells = raw.get(name)  # every declared column is in the header (checked before)
        if cells is None:
            converted, bad = convert_column(spec, (None,) * n)
        else:
            converted, bad = convert_column(spec, cells, text=chunk.text)
        values[name] = converted
        for pos, rule in bad:
            violations.setdefault(pos, (name, rule))
    holding: dict[str, list[bool] | None] = {}
    for entity in mapping.entities:
        when = holding[entity.name] = _holding(entity.when, values, n)
        if entity.optional:
            continue
        for pos, first in enumerate(values[entity.key[0]]):
            if first is None and (when is None or when[pos]):
                violations.setdefault(pos, (entity.key[0], "missing_key"))
    result = ChunkResult()
    if violations:
        for column, guard in closed:
            for pos in sorted(violations):
                guard.observe(raw[column][pos])
        result.rejects = [(chunk.lines[pos], *violations[pos]) for pos in sorted(violations)]
    nodes: dict[str, list[NodeRecord | None]] = {}
    unknown = [0] * n
    for entity in mapping.entities:
        when = holding[entity.name]
        ids = _ids(entity, values)
        props = _props(entity.properties, values, n)
        if entity.label is NodeLabel.ADDRESS:
            _enrich(props, ids, geography, unknown)
        label = entity.label
        nodes[entity.name] = [
            None if i is None or (when is not None and not when[pos]) else (label, i, props[pos])
            for pos, i in enumerate(ids)
        ]
    links = [_links(link, nodes, values, n) for link in mapping.links]
    node_lists = list(nodes.values())
    lines = chunk.lines
    for pos, (row_nodes, row_links) in enumerate(
        zip(
            zip(*node_lists, strict=True),
            zip(*links, strict=True) if links else ((),) * n,
            strict=True,
        )
    ):
        if pos in violations:
            continue
        kept_nodes = [r for r in row_nodes if r is not None]
        kept_links = [r for r in row_links if r is not None]
        result.records.append((lines[pos], kept_nodes, kept_links))
        result.nodes += len(kept_nodes)
        result.links += len(kept_links)
        result.unknown_pc4 += unknown[pos]
    return result


def _enrich(
    props: list[dict[str, Any]],
    ids: list[str | None],
    geography: Geography | None,
    unknown: list[int],
) -> None:
    """Add the address's derived properties, as row-at-a-time mapping does (one lookup per
    distinct postcode)."""
    cache: dict[str, tuple[dict[str, Any], int]] = {}
    for pos, (p, i) in enumerate(zip(props, ids, strict=True)):
        if i is None:
            continue
        postcode = p.get("postcode")
        if not isinstance(postcode, str):
            continue
        derived = cache.get(postcode)
        if derived is None:
            scratch: dict[str, Any] = {"postcode": postcode}
            missing = enrich_address(scratch, geography)
            del scratch["postcode"]
            derived = cache[postcode] = (scratch, missing)
        p.update(derived[0])
        unknown[pos] += derived[1]
