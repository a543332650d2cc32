"""One delivery, end to end before writing: manifest, checksums, columns, rows, guard, rejects.

:func:`check_delivery` makes one streaming pass over every file of a delivery, in chunks of
rows checked column by column (:mod:`ingest.columnar`). It validates each row against its
mapping, feeds every cell to the privacy guard, counts rejects and checks that no entity key
comes twice with conflicting values. Only when the whole delivery passes does the caller write
it, with :func:`iter_records`, which streams back the records of the accepted rows that the
check kept (the first :data:`_HOLD_RECORDS` in memory, the rest pickled in chunks to a
temporary file), so that files are parsed once. Nothing else is held in memory but counts, the
ids and properties of entities seen (to find conflicts) and the numbers of rejected rows.
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graph.geography import Geography
from graph.model import NodeLabel
from graph.progress import QUIET, Progress
from ingest.columnar import check_chunk
from ingest.errors import DeliveryError, RejectThresholdError
from ingest.guard import ColumnGuard, DeliveryGuard
from ingest.manifest import DeliveryFile, Manifest, load_manifest, verify_checksums
from ingest.mapping import LinkRecord, Mapping, NodeRecord
from ingest.readers import Table, format_of, open_table
from ingest.validate import Reject, RejectReport

__all__ = ["CheckedDelivery", "FilePlan", "check_delivery", "iter_records"]

#: Records of a delivery held in memory before the rest goes to its temp file: pickling
#: costs client CPU (about 3 s on medium), memory is bounded by this times the deliveries
#: checked ahead (``ingest.pipeline._CHECK_AHEAD``), roughly 100 MB each.
_HOLD_RECORDS = 250_000

#: Rows checked at a time (column by column, :mod:`ingest.columnar`); the accepted ones are
#: one pickled chunk of the spool, and progress is reported per chunk.
_CHUNK = 16384


@dataclass(frozen=True, slots=True)
class FilePlan:
    """A delivery file with the mapping that reads it."""

    file: DeliveryFile
    mapping: Mapping


@dataclass
class CheckedDelivery:
    """A delivery that passed every check; what :mod:`ingest.writer` needs to write it."""

    manifest: Manifest
    plans: list[FilePlan]
    checksum: str
    rows: int = 0
    rejects: RejectReport = field(default_factory=RejectReport)
    rejected_rows: dict[str, set[int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    nodes: int = 0
    links: int = 0
    unknown_pc4: int = 0
    #: The records of every accepted row: the first chunks in memory (up to
    #: :data:`_HOLD_RECORDS` records), the rest pickled in chunks to a temp file.
    spool: IO[bytes] | None = field(default=None, repr=False)
    held: list[list[tuple[list[NodeRecord], list[LinkRecord]]]] = field(
        default_factory=list, repr=False
    )
    held_records: int = 0
    spilled: bool = False

    @property
    def delivery_id(self) -> str:
        return self.manifest.delivery_id

    def close(self) -> None:
        """Drop the spooled records (memory and the temp file)."""
        self.held = []
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def keep(self, records: list[tuple[list[NodeRecord], list[LinkRecord]]], count: int) -> None:
        """Spool the records of a chunk of accepted rows (``count`` records), in file order."""
        assert self.spool is not None
        if not self.spilled and self.held_records + count <= _HOLD_RECORDS:
            self.held.append(records)
            self.held_records += count
            return
        self.spilled = True  # from here on, to disk: iter_records reads memory, then the file
        pickle.dump(records, self.spool, protocol=pickle.HIGHEST_PROTOCOL)


def delivery_checksum(manifest: Manifest) -> str:
    """One SHA-256 over the delivery's files (their names and checksums, in manifest order)."""
    digest = hashlib.sha256()
    for f in manifest.files:
        digest.update(f"{f.name}\0{f.sha256}\n".encode())
    return digest.hexdigest()


def _open(plan: FilePlan) -> Table:
    f = plan.file
    return open_table(
        f.path, fmt=format_of(f.path), encoding=f.encoding, delimiter=plan.mapping.delimiter
    )


def _plans(manifest: Manifest, mappings: dict[str, Mapping]) -> list[FilePlan]:
    plans: list[FilePlan] = []
    for f in manifest.files:
        mapping = mappings.get(f.source)
        if mapping is None:
            raise DeliveryError(
                f"{manifest.directory / 'manifest.json'}: file {f.name}: unknown source "
                f"{f.source!r} (no ingest/mappings/{f.source}.yaml)"
            )
        if manifest.partner not in mapping.partners:
            raise DeliveryError(
                f"{f.path}: partner {manifest.partner} does not deliver source {f.source} "
                f"(the mapping allows {', '.join(sorted(mapping.partners))})"
            )
        plans.append(FilePlan(f, mapping))
    return plans


def check_delivery(
    directory: Path,
    mappings: dict[str, Mapping],
    geography: Geography | None,
    *,
    progress: Progress = QUIET,
) -> CheckedDelivery:
    """Check a delivery completely; raises on the first reason to refuse it.

    Order: manifest, checksums, mapping per file, header (missing column: error; extra column:
    warning), rows (types, codes, keys, conflicts, row count), then the privacy guard over all
    cells, then the reject threshold. Nothing is written. Rows read go to ``progress`` as step
    ``check DIRNAME``.
    """
    step = f"check {directory.name}"
    progress.update(step, 0)
    try:
        return _check(directory, mappings, geography, _StepProgress(progress, step))
    finally:
        progress.finish(step)


def _check(
    directory: Path,
    mappings: dict[str, Mapping],
    geography: Geography | None,
    progress: _StepProgress,
) -> CheckedDelivery:
    manifest = load_manifest(directory)
    verify_checksums(manifest)
    plans = _plans(manifest, mappings)
    checked = CheckedDelivery(
        manifest=manifest,
        plans=plans,
        checksum=delivery_checksum(manifest),
        spool=tempfile.TemporaryFile(prefix="knooppunt-ingest-"),  # noqa: SIM115 - kept open
    )
    try:
        _check_all(checked, geography, progress)
    except BaseException:
        checked.close()
        raise
    return checked


@dataclass(frozen=True, slots=True)
class _StepProgress:
    """The rows read so far, reported as one step."""

    progress: Progress
    step: str

    def rows(self, done: int) -> None:
        self.progress.update(self.step, done)


def _check_all(
    checked: CheckedDelivery, geography: Geography | None, progress: _StepProgress
) -> None:
    manifest = checked.manifest
    guard = DeliveryGuard()
    for plan in checked.plans:
        _check_file(plan, checked, guard, geography, progress)
    guard.enforce(manifest.delivery_id)
    if checked.rows and checked.rejects.count / checked.rows > manifest.reject_threshold:
        summary = ", ".join(f"{k} x{v}" for k, v in sorted(checked.rejects.summary().items()))
        raise RejectThresholdError(
            f"delivery {manifest.delivery_id}: {checked.rejects.count} of {checked.rows} rows "
            f"rejected, above the threshold of {manifest.reject_threshold:.2%} "
            f"(nothing was written): {summary}"
        )


def _check_file(
    plan: FilePlan,
    checked: CheckedDelivery,
    guard: DeliveryGuard,
    geography: Geography | None,
    progress: _StepProgress,
) -> None:
    f = plan.file
    table = _open(plan)
    _check_header(plan, table, checked)
    guards = _column_guards(plan, table, guard)
    seen: dict[tuple[NodeLabel, str], tuple[int, dict[str, Any]]] = {}
    rejected: set[int] = set()
    rows = 0
    for chunk in table.chunks(_CHUNK):
        result = check_chunk(plan.mapping, chunk, geography, guards.open, guards.closed)
        for line, column, rule in result.rejects:
            checked.rejects.add(Reject(f.name, line, column, rule))
            rejected.add(line)
        records: list[tuple[list[NodeRecord], list[LinkRecord]]] = []
        for line, nodes, links in result.records:
            _check_conflicts(f, seen, line, nodes)
            records.append((nodes, links))
        if records:
            checked.keep(records, result.nodes + result.links)
        checked.nodes += result.nodes
        checked.links += result.links
        checked.unknown_pc4 += result.unknown_pc4
        rows += len(chunk)
        progress.rows(checked.rows + rows)
    if rows != f.rows:
        raise DeliveryError(
            f"{f.path}: {rows} data rows where the manifest says {f.rows} "
            "(truncated or incomplete file)"
        )
    checked.rows += rows
    if rejected:
        checked.rejected_rows[f.name] = rejected


def _check_header(plan: FilePlan, table: Table, checked: CheckedDelivery) -> None:
    """A missing column refuses the delivery; an extra one is a warning (and still guarded)."""
    mapping, f = plan.mapping, plan.file
    missing = [c for c in mapping.required_columns if c not in table.columns]
    if missing:
        raise DeliveryError(
            f"{f.path}: row 1, column {missing[0]}: missing column (mapping {mapping.source} "
            f"declares {len(mapping.columns)} columns; missing: {', '.join(missing)})"
        )
    extra = [c for c in table.columns if c not in mapping.columns]
    if extra:
        checked.warnings.append(
            f"{f.path}: unknown extra column(s) ignored: {', '.join(extra)} (still guarded)"
        )


@dataclass(frozen=True, slots=True)
class _Guards:
    """A file's column guards: open ones see every cell, closed ones only rejected rows'."""

    open: list[tuple[str, ColumnGuard]]
    closed: list[tuple[str, ColumnGuard]]


def _column_guards(plan: FilePlan, table: Table, guard: DeliveryGuard) -> _Guards:
    # Every column is guarded. Closed columns (codes, dates, KvK numbers, patterned strings)
    # are only looked at in rows that fail validation: a valid value there is no identifier.
    mapping, f = plan.mapping, plan.file
    token_columns = mapping.token_columns
    guards = _Guards([], [])
    for c in table.columns:
        spec = mapping.columns.get(c)
        closed = spec is not None and spec.closed
        column_guard = guard.column(
            f.name,
            c,
            token=c in token_columns,
            postcode=spec is not None and spec.type == "postcode",
            closed=spec.accepts if spec is not None and closed else None,
        )
        (guards.closed if closed else guards.open).append((c, column_guard))
    return guards


def _check_conflicts(
    f: DeliveryFile,
    seen: dict[tuple[NodeLabel, str], tuple[int, dict[str, Any]]],
    line: int,
    nodes: list[NodeRecord],
) -> None:
    """Refuse an entity key that comes again with another value for a property."""
    for label, node_id, props in nodes:
        if not props:
            continue
        key = (label, node_id)
        before = seen.get(key)
        if before is None:
            seen[key] = (line, props)
            continue
        if before[1] == props:
            continue  # the same values again: no conflict
        for prop, value in props.items():
            old = before[1].get(prop)
            if old is not None and old != value:
                raise DeliveryError(
                    f"{f.path}: row {line}: duplicate {label.value} key with a "
                    f"conflicting {prop} (row {before[0]} has another value)"
                )


def iter_records(
    checked: CheckedDelivery,
) -> Iterator[tuple[list[NodeRecord], list[LinkRecord]]]:
    """The records of every accepted row, in file order, as the check made them."""
    spool = checked.spool
    if spool is None:
        raise DeliveryError(f"delivery {checked.delivery_id}: records already dropped")
    for chunk in checked.held:
        yield from chunk
    spool.flush()
    spool.seek(0)
    while True:
        try:
            chunk = pickle.load(spool)  # noqa: S301 - our own temp file, written just before
        except EOFError:
            return
        yield from chunk
