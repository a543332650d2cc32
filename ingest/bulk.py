"""Bulk initial load: the same checks, then ``neo4j-admin database import`` into an empty instance.

``knooppunt ingest --bulk PATH...`` checks every delivery exactly like incremental ingest
(manifest, checksums, mappings, validation, privacy guard, reject threshold), merges all
records with the same provenance function as the writer (:func:`ingest.writer.merge_sources`,
deliveries in the same order), writes the import CSV files, stops the server, imports, starts
it again and applies the schema (constraints afterwards). The result has the same content
checksum as incremental ingest of the same deliveries.

The merge streams (decision 026): pass one spools every record to one of
:data:`SPOOL_BUCKETS` files on disk, chosen by a hash of the fact's key, so all records of a
fact land in one bucket in ingest order; pass two folds one bucket at a time in memory and
appends the merged facts to the import files. Memory is bounded by one bucket, not by the
graph: the large preset stays far under the 4 GB bound.
"""

from __future__ import annotations

import csv
import pickle
import resource
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Final

from graph.geography import Geography
from graph.model import ENTITY_LABEL, NodeLabel, RelType
from graph.settings import Settings
from graph.values import as_json
from ingest.collector import collector_relaxed
from ingest.delivery import CheckedDelivery, check_delivery, iter_records
from ingest.errors import BulkError
from ingest.mapping import Mapping
from ingest.queries import ANY_NODE, LINK_IDENTITY
from ingest.writer import Source, delivery_params, merge_sources, source_of

__all__ = [
    "SPOOL_BUCKETS",
    "BulkResult",
    "ImportFiles",
    "cell_text",
    "header_types",
    "prepare_import",
    "run_bulk",
]

#: Buckets per kind (nodes, links). The large preset's biggest bucket holds about 1/64 of its
#: 4.5M links: a few tens of MB while folded.
SPOOL_BUCKETS: Final = 64
#: Records buffered per bucket before they are appended to its file.
_SPOOL_BUFFER: Final = 2048


NodeKey = tuple[NodeLabel, str]
LinkKey = tuple[RelType, NodeLabel, str, NodeLabel, str, Any]
#: The import file a fact goes to: a node label, or a link type with its end labels.
FileGroup = NodeLabel | tuple[RelType, NodeLabel, NodeLabel]


@dataclass(frozen=True, slots=True)
class ImportFiles:
    """The ``neo4j-admin database import`` input for a set of deliveries, and what it holds."""

    nodes: list[Path]
    links: list[Path]
    node_count: int
    link_count: int
    deliveries: int
    rows: int


class _Buckets:
    """Append-only spool files, one per bucket; a record goes to the bucket of its key."""

    def __init__(self, directory: Path, prefix: str) -> None:
        self.paths = [directory / f"{prefix}-{i:03d}.spool" for i in range(SPOOL_BUCKETS)]
        self._handles: list[IO[bytes]] = [p.open("wb") for p in self.paths]
        self._buffers: list[list[Any]] = [[] for _ in self.paths]

    def add(self, key: Any, entry: tuple[Any, ...]) -> None:
        # hash() of str is salted per process, but stable within it: enough for one bulk run.
        index = hash(key) % SPOOL_BUCKETS
        buffer = self._buffers[index]
        buffer.append(entry)
        if len(buffer) >= _SPOOL_BUFFER:
            pickle.dump(buffer, self._handles[index], protocol=pickle.HIGHEST_PROTOCOL)
            buffer.clear()

    def close(self) -> None:
        for handle, buffer in zip(self._handles, self._buffers, strict=True):
            if buffer:
                pickle.dump(buffer, handle, protocol=pickle.HIGHEST_PROTOCOL)
                buffer.clear()
            handle.close()

    def read(self, index: int) -> Iterator[Any]:
        """The bucket's records, in the order they were added; the file is removed after."""
        path = self.paths[index]
        with path.open("rb") as handle:
            while True:
                try:
                    chunk = pickle.load(handle)  # noqa: S301 - our own spool, written just before
                except EOFError:
                    break
                yield from chunk
        path.unlink()


@dataclass
class _Spool:
    """Pass one: every record of every delivery, bucketed, with the property types seen."""

    directory: Path
    sources: list[Source] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    types: dict[FileGroup, dict[str, str]] = field(default_factory=dict)
    rows: int = 0

    def __post_init__(self) -> None:
        self.nodes = _Buckets(self.directory, "nodes")
        self.links = _Buckets(self.directory, "links")

    def add(self, checked: CheckedDelivery) -> None:
        """Spool one checked delivery (in ingest order)."""
        source = source_of(checked)
        index = len(self.sources)
        self.sources.append(source)
        provenance = header_types([merge_sources(None, source)])
        try:
            for nodes, links in iter_records(checked):
                for label, node_id, props in nodes:
                    key = (label, node_id)
                    self.nodes.add(key, (key, index, props))
                    self._note_types(label, props, provenance)
                for rel, sl, s, tl, t, props in links:
                    identity = props.get(LINK_IDENTITY[rel]) if rel in LINK_IDENTITY else None
                    lkey = (rel, sl, s, tl, t, identity)
                    self.links.add(lkey, (lkey, index, props))
                    self._note_types((rel, sl, tl), props, provenance)
        finally:
            checked.close()
        now = datetime.now().astimezone()
        self.deliveries.append(
            delivery_params(checked)
            | {"status": "committed", "started_at": now, "committed_at": now}
        )
        self.rows += checked.rows

    def _note_types(
        self, group: FileGroup, props: dict[str, Any], provenance: dict[str, str]
    ) -> None:
        known = self.types.get(group)
        if known is None:
            known = self.types[group] = dict(provenance)
        if props.keys() <= known.keys():
            return  # the common case: nothing new to learn
        for name, value in header_types([props]).items():
            known.setdefault(name, value)

    def close(self) -> None:
        self.nodes.close()
        self.links.close()


def _fold(records: Iterable[Any], sources: list[Source]) -> dict[Any, dict[str, Any]]:
    """Fold one bucket's records, in ingest order, by the writer's rules.

    Incremental ingest merges every link record, and a node's records of one delivery as the
    union of their properties (the check refused conflicting values; ``BatchWriter.add``);
    merging a delivery's source again changes nothing, so both fold the same way.
    """
    merged: dict[Any, dict[str, Any]] = {}
    for key, index, props in records:
        current = merged.get(key)
        fact = {**(current or {}), **props}
        fact.update(merge_sources(current, sources[index]))
        merged[key] = fact
    return merged


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return "string"


def header_types(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    types: dict[str, str] = {}
    for props in rows:
        for name, value in props.items():
            if value is None or name in types:
                continue
            if isinstance(value, list):
                if value:
                    types[name] = _type_of(value[0]) + "[]"
            else:
                types[name] = _type_of(value)
    return types


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(cell_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _ImportWriters:
    """One CSV file per node label and per (link type, end labels), opened on first use."""

    def __init__(self, directory: Path, types: dict[FileGroup, dict[str, str]]) -> None:
        self._directory = directory
        self._types = types
        self._open: dict[FileGroup, tuple[IO[str], Any, list[str]]] = {}
        self.nodes: list[Path] = []
        self.links: list[Path] = []

    def _writer(self, group: FileGroup) -> tuple[Any, list[str]]:
        entry = self._open.get(group)
        if entry is not None:
            return entry[1], entry[2]
        types = self._types.get(group, {})
        names = sorted(types)
        columns = [f"{n}:{types[n]}" for n in names]
        if isinstance(group, NodeLabel):
            path = self._directory / f"nodes_{group.value}.csv"
            header = [f"id:ID({group.value})", *columns, ":LABEL"]
            self.nodes.append(path)
        else:
            rel, sl, tl = group
            path = self._directory / f"rels_{rel.value}_{sl.value}_{tl.value}.csv"
            header = [f":START_ID({sl.value})", f":END_ID({tl.value})", ":TYPE", *columns]
            self.links.append(path)
        handle = path.open("w", encoding="utf-8", newline="")
        writer = csv.writer(handle)
        writer.writerow(header)
        self._open[group] = (handle, writer, names)
        return writer, names

    def node(self, label: NodeLabel, node_id: str, props: dict[str, Any]) -> None:
        writer, names = self._writer(label)
        labels = f"{label.value};{ENTITY_LABEL}"
        writer.writerow([node_id, *(cell_text(props.get(n)) for n in names), labels])

    def link(self, key: LinkKey, props: dict[str, Any]) -> None:
        rel, sl, s, tl, t, _ = key
        writer, names = self._writer((rel, sl, tl))
        writer.writerow([s, t, rel.value, *(cell_text(props.get(n)) for n in names)])

    def close(self) -> None:
        for handle, _, _ in self._open.values():
            handle.close()


def _write_deliveries(directory: Path, deliveries: list[dict[str, Any]]) -> Path:
    rows = [{k: v for k, v in d.items() if k != "id"} for d in deliveries]
    types = header_types(rows)
    names = sorted(types)
    space = NodeLabel.DELIVERY.value
    path = directory / f"nodes_{space}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"id:ID({space})", *(f"{n}:{types[n]}" for n in names), ":LABEL"])
        for delivery, props in zip(deliveries, rows, strict=True):
            writer.writerow([delivery["id"], *(cell_text(props.get(n)) for n in names), space])
    return path


def prepare_import(
    deliveries: list[Path],
    mappings: dict[str, Mapping],
    geography: Geography,
    directory: Path,
    *,
    timings: dict[str, float] | None = None,
) -> ImportFiles:
    """Check every delivery (refusing on the first problem), merge them in order, write the files.

    ``directory`` receives the ``neo4j-admin database import full`` CSV files (and, while this
    runs, the spool). ``timings``, when given, receives ``check`` (check and spool) and ``merge``
    (fold and write) seconds.
    """
    directory.mkdir(parents=True, exist_ok=True)
    spool_dir = directory / "spool"
    spool_dir.mkdir(exist_ok=True)
    started = time.perf_counter()
    spool = _Spool(spool_dir)
    # The writers read the column types from spool.types, complete once pass one is done.
    writers = _ImportWriters(directory, spool.types)
    node_count = link_count = 0
    with collector_relaxed():
        try:
            try:
                for path in deliveries:
                    spool.add(check_delivery(path, mappings, geography))
            finally:
                spool.close()
            checked = time.perf_counter()
            for index in range(SPOOL_BUCKETS):
                nodes = _fold(spool.nodes.read(index), spool.sources)
                for (label, node_id), props in nodes.items():
                    writers.node(label, node_id, props)
                node_count += len(nodes)
                del nodes
                links = _fold(spool.links.read(index), spool.sources)
                for key, props in links.items():
                    writers.link(key, props)
                link_count += len(links)
                del links
        finally:
            writers.close()
            shutil.rmtree(spool_dir, ignore_errors=True)
    node_files = [*writers.nodes, _write_deliveries(directory, spool.deliveries)]
    if timings is not None:
        timings["check"] = checked - started
        timings["merge"] = time.perf_counter() - checked
    return ImportFiles(
        nodes=node_files,
        links=writers.links,
        node_count=node_count,
        link_count=link_count,
        deliveries=len(spool.deliveries),
        rows=spool.rows,
    )


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk load did."""

    deliveries: int
    rows: int
    nodes: int
    links: int
    check_seconds: float
    merge_seconds: float
    import_seconds: float
    #: Peak resident memory of this Python process (not neo4j-admin's JVM), in MB.
    peak_rss_mb: float

    def as_dict(self) -> dict[str, Any]:
        seconds = {"check_seconds": 3, "merge_seconds": 3, "import_seconds": 3}
        return as_json(self, digits={**seconds, "peak_rss_mb": 1})


def admin_import(
    settings: Settings, instance: str, files: ImportFiles, directory: Path
) -> dict[str, float]:
    """Stop the server, import ``files`` (overwriting the empty database), restart.

    Returns seconds per step: ``import`` (the neo4j-admin run) and ``restart`` (server start
    and constraints). The tool's report goes to ``directory/import.report``.
    """
    from graph.driver import connect
    from graph.localdb import server
    from graph.localdb.admin import run_admin
    from graph.schema import apply_schema

    timings: dict[str, float] = {}
    server.stop(settings, instance)
    report = directory / "import.report"
    args = [
        "database",
        "import",
        "full",
        settings.neo4j_database,
        "--overwrite-destination=true",
        "--threads=2",
        f"--report-file={report}",
        *(f"--nodes={p}" for p in files.nodes),
        *(f"--relationships={p}" for p in files.links),
    ]
    started = time.perf_counter()
    # The tool's report goes to stderr: `ingest --bulk --json` prints one JSON document.
    code = run_admin(settings, instance, args, output_to_stderr=True)
    timings["import"] = time.perf_counter() - started
    if code != 0:
        raise BulkError(
            f"neo4j-admin database import failed (exit {code}); the instance '{instance}' is "
            f"stopped; see {report} and the tool's output above"
        )
    started = time.perf_counter()
    server.start(settings, instance)
    driver = connect(settings, instance)
    try:
        apply_schema(driver, database=settings.neo4j_database)
    finally:
        driver.close()
    timings["restart"] = time.perf_counter() - started
    return timings


def run_bulk(
    settings: Settings,
    instance: str,
    deliveries: list[Path],
    mappings: dict[str, Mapping],
    geography: Geography,
    *,
    work_dir: Path | None = None,
) -> BulkResult:
    """Check, merge and import ``deliveries`` into the empty local instance ``instance``."""
    from graph.driver import connect

    if settings.neo4j_uri is not None:
        raise BulkError("bulk import runs neo4j-admin on a local instance; NEO4J_URI is set")
    driver = connect(settings, instance)
    try:
        records, _, _ = driver.execute_query(ANY_NODE, database_=settings.neo4j_database)
    finally:
        driver.close()
    if records[0]["any"]:
        raise BulkError(
            f"bulk import needs an empty database; instance '{instance}' holds data "
            "(use incremental `knooppunt ingest` instead)"
        )
    directory = work_dir or settings.home / "import" / instance
    if directory.exists():
        shutil.rmtree(directory)
    timings: dict[str, float] = {}
    files = prepare_import(deliveries, mappings, geography, directory, timings=timings)
    started = time.perf_counter()
    admin_import(settings, instance, files, directory)
    import_seconds = time.perf_counter() - started
    return BulkResult(
        deliveries=files.deliveries,
        rows=files.rows,
        nodes=files.node_count,
        links=files.link_count,
        check_seconds=timings["check"],
        merge_seconds=timings["merge"],
        import_seconds=import_seconds,
        # ru_maxrss is in KB on Linux; RUSAGE_SELF leaves out the import tool's JVM (a child).
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
