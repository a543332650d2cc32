"""Bulk initial load: the same checks, then ``neo4j-admin database import`` into an empty instance.

``knooppunt ingest --bulk PATH...`` checks every delivery exactly like incremental ingest
(manifest, checksums, mappings, validation, privacy guard, reject threshold), merges all
records in Python with the same provenance function as the writer
(:func:`ingest.writer.merge_sources`, deliveries in the same order), writes the import CSV files,
stops the server, imports, starts it again and applies the schema (constraints afterwards).
The result has the same content checksum as incremental ingest of the same deliveries.

The merged graph is held in memory (ids, properties, provenance): fine for the initial load of
the medium preset; the large preset needs a few GB (see the closing note of the issue).
"""

from __future__ import annotations

import csv
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from graph.errors import ExitCode
from graph.geography import Geography
from graph.model import ENTITY_LABEL, NodeLabel, RelType
from graph.settings import Settings
from ingest.delivery import CheckedDelivery, check_delivery, iter_records
from ingest.errors import IngestError
from ingest.mapping import Mapping
from ingest.queries import ANY_NODE, LINK_IDENTITY
from ingest.writer import delivery_params, merge_sources, source_of

__all__ = ["BulkError", "BulkGraph", "BulkResult", "collect", "run_bulk", "write_import_files"]


class BulkError(IngestError):
    """The bulk import cannot run (instance not empty, external server, tool failed)."""

    exit_code = ExitCode.ERROR


NodeKey = tuple[NodeLabel, str]
LinkKey = tuple[RelType, NodeLabel, str, NodeLabel, str, Any]


@dataclass
class BulkGraph:
    """The merged graph of a set of deliveries, as incremental ingest would leave it."""

    nodes: dict[NodeKey, dict[str, Any]] = field(default_factory=dict)
    links: dict[LinkKey, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0

    def add(self, checked: CheckedDelivery) -> None:
        """Merge one checked delivery (in ingest order)."""
        source = source_of(checked)
        seen: set[NodeKey] = set()
        for records in _records(checked):
            nodes, links = records
            for label, node_id, props in nodes:
                key = (label, node_id)
                if key in seen:
                    continue
                seen.add(key)
                current = self.nodes.get(key)
                merged = {**(current or {}), **props}
                merged.update(merge_sources(current, source))
                self.nodes[key] = merged
            for rel, sl, s, tl, t, props in links:
                identity = props.get(LINK_IDENTITY[rel]) if rel in LINK_IDENTITY else None
                lkey = (rel, sl, s, tl, t, identity)
                current = self.links.get(lkey)
                merged = {**(current or {}), **props}
                merged.update(merge_sources(current, source))
                self.links[lkey] = merged
        now = datetime.now().astimezone()
        self.deliveries.append(
            delivery_params(checked)
            | {"status": "committed", "started_at": now, "committed_at": now}
        )
        self.rows += checked.rows


def _records(checked: CheckedDelivery) -> Iterable[Any]:
    try:
        yield from iter_records(checked)
    finally:
        checked.close()


def collect(
    deliveries: list[Path], mappings: dict[str, Mapping], geography: Geography
) -> BulkGraph:
    """Check every delivery (refusing on the first problem) and merge them in order."""
    graph = BulkGraph()
    for directory in deliveries:
        graph.add(check_delivery(directory, mappings, geography))
    return graph


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


def write_import_files(graph: BulkGraph, directory: Path) -> tuple[list[Path], list[Path]]:
    """CSV files for ``neo4j-admin database import full``: (node files, relationship files)."""
    directory.mkdir(parents=True, exist_ok=True)
    node_files: list[Path] = []
    link_files: list[Path] = []
    by_label: dict[NodeLabel, list[tuple[str, dict[str, Any]]]] = {}
    for (label, node_id), props in graph.nodes.items():
        by_label.setdefault(label, []).append((node_id, props))
    groups: list[tuple[str, str, list[tuple[str, dict[str, Any]]]]] = [
        (label.value, f"{label.value};{ENTITY_LABEL}", rows) for label, rows in by_label.items()
    ]
    groups.append(
        (
            NodeLabel.DELIVERY.value,
            NodeLabel.DELIVERY.value,
            [(d["id"], {k: v for k, v in d.items() if k != "id"}) for d in graph.deliveries],
        )
    )
    for space, labels, rows in groups:
        types = header_types(p for _, p in rows)
        names = sorted(types)
        path = directory / f"nodes_{space}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([f"id:ID({space})", *(f"{n}:{types[n]}" for n in names), ":LABEL"])
            for node_id, props in rows:
                writer.writerow([node_id, *(cell_text(props.get(n)) for n in names), labels])
        node_files.append(path)
    by_type: dict[tuple[RelType, NodeLabel, NodeLabel], list[tuple[str, str, dict[str, Any]]]] = {}
    for (rel, sl, s, tl, t, _), props in graph.links.items():
        by_type.setdefault((rel, sl, tl), []).append((s, t, props))
    for (rel, sl, tl), link_rows in by_type.items():
        types = header_types(p for _, _, p in link_rows)
        names = sorted(types)
        path = directory / f"rels_{rel.value}_{sl.value}_{tl.value}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    f":START_ID({sl.value})",
                    f":END_ID({tl.value})",
                    ":TYPE",
                    *(f"{n}:{types[n]}" for n in names),
                ]
            )
            for s, t, props in link_rows:
                writer.writerow([s, t, rel.value, *(cell_text(props.get(n)) for n in names)])
        link_files.append(path)
    return node_files, link_files


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk load did."""

    deliveries: int
    rows: int
    nodes: int
    links: int
    check_seconds: float
    import_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "deliveries": self.deliveries,
            "rows": self.rows,
            "nodes": self.nodes,
            "links": self.links,
            "check_seconds": round(self.check_seconds, 3),
            "import_seconds": round(self.import_seconds, 3),
        }


def admin_import(
    settings: Settings, instance: str, directory: Path, graph: BulkGraph
) -> dict[str, float]:
    """Write the files, stop the server, import (overwriting the empty database), restart.

    Returns seconds per step: ``files``, ``import`` (the neo4j-admin run), ``restart`` (server
    start and constraints).
    """
    from graph.driver import connect
    from graph.localdb import server
    from graph.schema import apply_schema

    timings: dict[str, float] = {}
    started = time.perf_counter()
    node_files, link_files = write_import_files(graph, directory)
    timings["files"] = time.perf_counter() - started
    server.stop(settings, instance)
    args = [
        "database",
        "import",
        "full",
        settings.neo4j_database,
        "--overwrite-destination=true",
        "--threads=2",
        f"--report-file={directory / 'import.report'}",
        *(f"--nodes={p}" for p in node_files),
        *(f"--relationships={p}" for p in link_files),
    ]
    started = time.perf_counter()
    # The tool's report goes to stderr: `ingest --bulk --json` prints one JSON document.
    code = server.run_admin(settings, instance, args, output_to_stderr=True)
    timings["import"] = time.perf_counter() - started
    if code != 0:
        raise BulkError(
            f"neo4j-admin database import failed (exit {code}); the instance '{instance}' is "
            f"stopped; see {directory / 'import.report'} and the tool's output above"
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
    started = time.perf_counter()
    graph = collect(deliveries, mappings, geography)
    check_seconds = time.perf_counter() - started
    directory = work_dir or settings.home / "import" / instance
    if directory.exists():
        shutil.rmtree(directory)
    started = time.perf_counter()
    admin_import(settings, instance, directory, graph)
    import_seconds = time.perf_counter() - started
    return BulkResult(
        deliveries=len(graph.deliveries),
        rows=graph.rows,
        nodes=len(graph.nodes),
        links=len(graph.links),
        check_seconds=check_seconds,
        import_seconds=import_seconds,
    )
