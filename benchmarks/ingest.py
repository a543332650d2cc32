"""Ingest benchmark: end-to-end incremental ingest vs. LOAD CSV vs. neo4j-admin import.

Usage::

    python benchmarks/ingest.py --preset medium --json OUT [--instance bench-ingest]

On its own local instance: (1) loads the preset's deliveries into an empty database with
``knooppunt ingest`` (parse, validate, guard, write: end to end); (2) loads the same deliveries
into the emptied database with Neo4j's ``LOAD CSV`` + ``CALL {} IN TRANSACTIONS`` (the peer):
per delivery, in the same order, the rows the writer sends (collected from
:class:`ingest.writer.BatchWriter` itself, before timing) as CSV files in Neo4j's import
folder, each run through the writer's own statement (the text after ``UNWIND $rows AS row``,
provenance merge included) with the same source parameters and transactions of the same batch
size; the peer parses, checks and guards nothing; (3) imports the merged graph with
``neo4j-admin database import`` (the practical limit). Rows are records written: nodes plus
links, per delivery. All loads must reach the same content checksum. After an untimed warm-up
of both routes, writer and peer run in alternating rounds (``--rounds``, default 2) and the
best round of each counts. For comparison, stderr
also gives LOAD CSV of the pre-merged graph (one row per fact with a plain ``SET``: fewer rows
and a simpler statement than the writer's, so not the peer the issue asks for).

OUT holds exactly ``rows``, ``seconds``, ``rows_per_s``, ``load_csv_rows_per_s``,
``ratio_vs_load_csv``, ``admin_import_rows_per_s``; details go to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and this module (ingest.py)
# would shadow the ``ingest`` package: put the repository root there instead.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import csv
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import neo4j

from graph.driver import connect
from graph.geography import load_geography
from graph.localdb import server
from graph.localdb.instance import MemorySizes
from graph.localdb.process import instance_paths
from graph.model import ENTITY_LABEL
from graph.queries import WIPE_ALL
from graph.schema import apply_schema
from graph.settings import Settings
from ingest.bulk import admin_import, cell_text, header_types, prepare_import
from ingest.delivery import check_delivery, iter_records
from ingest.mapping import load_mappings
from ingest.pipeline import find_deliveries, ingest_paths
from ingest.writer import DEFAULT_BATCH_SIZE, BatchWriter, content_checksum, source_of
from knooppunt.cli import main as knooppunt

# The peer runs the writer's own statements (ingest.queries.write_nodes / write_links): the part
# after ``UNWIND $rows AS row``, with ``row`` built from a CSV line instead of a parameter.
_UNWIND = "UNWIND $rows AS row\n"
LOAD_ROWS = (
    "LOAD CSV WITH HEADERS FROM $url AS line\n"
    "CALL (line) {{\n"
    "WITH line, {row} AS row\n"
    "{body}"
    "}} IN TRANSACTIONS OF $batch ROWS"
)

_CONVERT = {
    "long": "toInteger({x})",
    "double": "toFloat({x})",
    "boolean": "toBoolean({x})",
    "date": "date({x})",
    "string": "{x}",
}


def _wipe(driver: neo4j.Driver, db: str) -> None:
    with driver.session(database=db) as session:
        session.run(WIPE_ALL, batch=10_000).consume()


def _empty(driver: neo4j.Driver, db: str) -> None:
    """An empty database with the schema: where every timed load starts."""
    _wipe(driver, db)
    apply_schema(driver, database=db)


@dataclass(frozen=True)
class PeerLoad:
    """One LOAD CSV statement over one file, with the delivery's source as parameters."""

    delivery: str
    statement: str
    path: Path
    rows: int
    params: dict[str, Any]


def _statement_body(statement: str) -> str:
    _, found, body = statement.partition(_UNWIND)
    if not found:
        raise RuntimeError("the writer's statement no longer starts with UNWIND $rows AS row")
    return body


def _convert(cell: str, kind: str) -> str:
    if kind.endswith("[]"):
        inner = _CONVERT[kind[:-2]].replace("{x}", "v")
        expr = f"[v IN split({cell}, ';') | {inner}]"
    else:
        expr = _CONVERT[kind].replace("{x}", cell)
    return f"CASE WHEN {cell} IS NULL OR {cell} = '' THEN null ELSE {expr} END"


def _row_expression(columns: list[str], props: dict[str, str]) -> str:
    """The writer's row map (``id`` or ``source``/``target``/``key``, ``props``) from a line."""
    keys = [f"`{c}`: line.`{c}`" for c in columns]
    values = [f"`{name}`: {_convert(f'line.`p:{name}`', kind)}" for name, kind in props.items()]
    return "{" + ", ".join([*keys, "props: {" + ", ".join(values) + "}"]) + "}"


def _write_group(
    delivery: str,
    statement: str,
    rows: list[dict[str, Any]],
    params: dict[str, Any],
    directory: Path,
) -> list[PeerLoad]:
    """CSV files for one writer statement; one per set of property names, so that a property a
    row does not carry stays absent (``SET +=`` with null would remove it), as in the writer."""
    columns: list[str] = [c for c in ("id", "source", "target", "key") if c in rows[0]]
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        shapes[tuple(sorted(row["props"]))].append(row)
    loads = []
    body = _statement_body(statement)
    for names, shape_rows in shapes.items():
        types = header_types(r["props"] for r in shape_rows)
        kinds = {name: types.get(name, "string") for name in names}
        path = directory / f"peer_{len(list(directory.iterdir())):05d}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow([*columns, *(f"p:{n}" for n in names)])
            for row in shape_rows:
                out.writerow(
                    [cell_text(row.get(c)) for c in columns]
                    + [cell_text(row["props"][n]) for n in names]
                )
        row_map = _row_expression(columns, kinds)
        loads.append(
            PeerLoad(
                delivery,
                LOAD_ROWS.format(row=row_map, body=body),
                path,
                len(shape_rows),
                dict(params),
            )
        )
    return loads


class _Collector:
    """A runner for :class:`BatchWriter` that keeps the rows of each statement."""

    def __init__(self) -> None:
        self.groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.params: dict[str, Any] = {}

    def run(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.groups[query].extend(params["rows"])
        self.params.update({k: v for k, v in params.items() if k != "rows"})
        return []


def prepare_peer(
    deliveries: list[Path], mappings: dict[str, Any], geography: Any, directory: Path
) -> list[PeerLoad]:
    """Per delivery, in ingest order: the rows the writer sends, as CSV files (not timed)."""
    directory.mkdir(parents=True, exist_ok=True)
    loads: list[PeerLoad] = []
    for delivery in deliveries:
        checked = check_delivery(delivery, mappings, geography)
        collector = _Collector()
        try:
            # The writer itself, with a collecting runner: the same rows, deduplicated alike.
            writer = BatchWriter(collector.run, source_of(checked), batch_size=2**62)
            for nodes, links in iter_records(checked):
                writer.add(nodes, links)
            writer.flush()
        finally:
            checked.close()
        for query, rows in collector.groups.items():  # node groups first, as the writer
            loads.extend(_write_group(delivery.name, query, rows, collector.params, directory))
    return loads


def _warm_up_set(loads: list[PeerLoad], rows: int) -> set[str]:
    """The smallest deliveries, up to about ``rows`` rows in all (the warm-up)."""
    sizes: dict[str, int] = defaultdict(int)
    for load in loads:
        sizes[load.delivery] += load.rows
    chosen: set[str] = set()
    total = 0
    for delivery, size in sorted(sizes.items(), key=lambda item: (item[1], item[0])):
        if total + size > rows:
            break
        chosen.add(delivery)
        total += size
    return chosen


def load_csv(driver: neo4j.Driver, db: str, loads: list[PeerLoad], batch: int) -> float:
    """Run the prepared LOAD CSV statements in order; seconds spent in Neo4j."""
    seconds = 0.0
    with driver.session(database=db) as session:
        for load in loads:
            started = time.perf_counter()
            session.run(
                load.statement, load.params, url=f"file:///{load.path.name}", batch=batch
            ).consume()
            seconds += time.perf_counter() - started
    return seconds


# The pre-merged graph (one row per fact, provenance already merged): a simpler statement than
# the writer's and fewer rows. Not the peer; reported for comparison on stderr.
MERGED_NODES = (
    "LOAD CSV WITH HEADERS FROM $url AS line\n"
    "CALL (line) {{\n"
    "  MERGE (n:`{label}` {{id: line.`{id_column}`}})\n"
    "  ON CREATE SET n:`{entity}`\n"
    "  SET n += {props}\n"
    "}} IN TRANSACTIONS OF $batch ROWS"
)
MERGED_LINKS = (
    "LOAD CSV WITH HEADERS FROM $url AS line\n"
    "CALL (line) {{\n"
    "  MATCH (a:`{source}` {{id: line.`{start}`}})\n"
    "  MATCH (b:`{target}` {{id: line.`{end}`}})\n"
    "  MERGE (a)-[r:`{type}`{identity}]->(b)\n"
    "  SET r += {props}\n"
    "}} IN TRANSACTIONS OF $batch ROWS"
)


def _merged_props(columns: list[str]) -> str:
    values = []
    for column in columns:
        name, _, kind = column.partition(":")
        values.append(f"{name}: {_convert(f'line.`{column}`', kind or 'string')}")
    return "{" + ", ".join(values) + "}"


def load_merged_graph(
    driver: neo4j.Driver, db: str, files: list[Path], import_dir: Path, batch: int
) -> float:
    """Load the merged graph's node files, then link files; seconds spent in Neo4j."""
    seconds = 0.0
    for path in files:
        target = import_dir / path.name
        shutil.copyfile(path, target)
        header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        if path.name.startswith("nodes_"):
            label = path.stem.removeprefix("nodes_")
            if label == "Delivery":
                continue
            props = [c for c in header[1:] if c != ":LABEL"]
            query = MERGED_NODES.format(
                label=label, id_column=header[0], entity=ENTITY_LABEL, props=_merged_props(props)
            )
        else:
            rel, source, target_label = path.stem.removeprefix("rels_").rsplit("_", 2)
            identity = (
                " {kind: line.`kind:string`}" if rel in ("REGISTERED_AT", "ASSOCIATE") else ""
            )
            query = MERGED_LINKS.format(
                source=source,
                target=target_label,
                start=header[0],
                end=header[1],
                type=rel,
                identity=identity,
                props=_merged_props(header[3:]),
            )
        started = time.perf_counter()
        with driver.session(database=db) as session:
            session.run(query, url=f"file:///{path.name}", batch=batch).consume()
        seconds += time.perf_counter() - started
        target.unlink()
    return seconds


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_T = TypeVar("_T")


class _Cpu:
    """CPU seconds used by the Neo4j JVM and by this process between start and stop: on a
    shared machine these say where the work goes better than wall time does."""

    def __init__(self, server_pid: int) -> None:
        self._pid = server_pid
        self._server = _cpu_seconds(server_pid)
        self._client = time.process_time()

    def report(self) -> str:
        server_cpu = _cpu_seconds(self._pid) - self._server
        client_cpu = time.process_time() - self._client
        return f"CPU: Neo4j {server_cpu:.1f} s, this process {client_cpu:.1f} s"


def _round(
    driver: neo4j.Driver, db: str, server_pid: int, load: Callable[[], _T]
) -> tuple[_T, float, str, tuple[int, int, str]]:
    """One measured round: ``load()`` into an emptied database; its result, its wall seconds,
    the CPU it took and the content checksum it left."""
    _empty(driver, db)
    cpu = _Cpu(server_pid)
    started = time.perf_counter()
    result = load()
    seconds = time.perf_counter() - started
    used = cpu.report()
    return result, seconds, used, content_checksum(driver, database=db)


def run(
    preset: str,
    seed: int,
    instance: str,
    data: Path | None,
    batch: int,
    sizes: MemorySizes,
    warm_up_rows: int = 250_000,
    rounds: int = 2,
) -> dict[str, float]:
    settings = Settings(instance=instance)
    db = settings.neo4j_database
    work = Path(tempfile.mkdtemp(prefix="knooppunt-bench-ingest-"))
    try:
        if data is None:
            data = work / preset
            code = knooppunt(
                ["generate", "--preset", preset, "--seed", str(seed), "--out", str(data)]
            )
            if code != 0:
                raise SystemExit(f"generate failed ({code})")
        deliveries = find_deliveries([data])
        # The benchmark's own instance, (re)started with the benchmark's memory: the writer
        # holds up to DEFAULT_MAX_TRANSACTION_RECORDS records of transaction state in heap.
        server.stop(settings, instance)
        state = server.start(settings, instance, sizes=sizes)
        assert state.pid is not None
        driver = connect(settings, instance)
        mappings = load_mappings()
        geography = load_geography(settings.require_geography_dir())
        import_dir = instance_paths(settings, instance).import_dir
        # LOAD CSV reads file:/// URLs from the import directory; prepared before any timing.
        loads = prepare_peer(deliveries, mappings, geography, import_dir)

        # Warm-up, not timed: a fresh JVM compiles its hot paths during the first minutes, which
        # counted against whichever load ran first (measured: the same writer run used 81 s of
        # Neo4j CPU cold, 35-43 s warm). Both routes load the same smallest deliveries (up to
        # ``warm_up_rows`` records) once, then the database is emptied.
        warm_names = _warm_up_set(loads, warm_up_rows)
        warm = [d for d in deliveries if d.name in warm_names]
        _empty(driver, db)
        ingest_paths(settings, warm, instance=instance, batch_size=batch)
        _empty(driver, db)
        load_csv(driver, db, [load for load in loads if load.delivery in warm_names], batch)
        _empty(driver, db)

        # Alternating rounds (writer, peer, writer, peer, ...), each into an emptied database;
        # the best round of each counts: the machine is shared and noisy.
        writer_times: list[float] = []
        peer_times: list[float] = []
        peer_rows = sum(load.rows for load in loads)
        for round_no in range(1, rounds + 1):
            summaries, writer_seconds, writer_cpu, incremental = _round(
                driver,
                db,
                state.pid,
                lambda: ingest_paths(settings, deliveries, instance=instance, batch_size=batch),
            )
            writer_times.append(writer_seconds)
            rows = sum(s.nodes + s.links for s in summaries)
            source_rows = sum(s.rows for s in summaries)
            print(
                f"round {round_no}: incremental: {len(summaries)} deliveries, "
                f"{source_rows:,} file rows, {rows:,} records in {writer_times[-1]:.1f} s; "
                f"{writer_cpu}",
                file=sys.stderr,
            )

            # the peer times its own statements (``load_csv``'s result), not the whole call
            peer_seconds, _, peer_cpu, peer = _round(
                driver, db, state.pid, lambda: load_csv(driver, db, loads, batch)
            )
            peer_times.append(peer_seconds)
            print(
                f"round {round_no}: LOAD CSV, the writer's statements per delivery: "
                f"{peer_rows:,} rows in {len(loads)} statements, {peer_times[-1]:.1f} s, "
                f"same content: {peer == incremental}; {peer_cpu}",
                file=sys.stderr,
            )
            if peer != incremental:
                raise SystemExit("the peer did not reach the writer's content checksum")
        for load in loads:
            load.path.unlink()
        seconds = min(writer_times)
        load_csv_seconds = min(peer_times)
        if peer_rows != rows:
            raise SystemExit(f"the peer loaded {peer_rows} rows, the writer {rows}")

        files = prepare_import(deliveries, mappings, geography, work / "files")
        _empty(driver, db)
        merged_seconds = load_merged_graph(
            driver, db, [*files.nodes, *files.links], import_dir, batch
        )
        merged = content_checksum(driver, database=db)
        print(
            f"LOAD CSV of the pre-merged graph ({merged[0] + merged[1]:,} facts, simpler "
            f"statement; not the peer): {merged_seconds:.1f} s, "
            f"{rows / merged_seconds:,.0f} rows/s, same content: {merged == incremental}",
            file=sys.stderr,
        )

        _wipe(driver, db)
        driver.close()
        timings = admin_import(settings, instance, files, work / "files")
        driver = connect(settings, instance)
        admin = content_checksum(driver, database=db)
        driver.close()
        print(
            f"neo4j-admin import: {timings}, same content: {admin == incremental}", file=sys.stderr
        )
        return {
            "rows": rows,
            "seconds": round(seconds, 3),
            "rows_per_s": round(rows / seconds, 1),
            "load_csv_rows_per_s": round(rows / load_csv_seconds, 1),
            "ratio_vs_load_csv": round(load_csv_seconds / seconds, 3),
            "admin_import_rows_per_s": round(rows / timings["import"], 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="medium", choices=["tiny", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--instance", default="bench-ingest")
    parser.add_argument("--data", type=Path, help="use these deliveries instead of generating")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--heap", default="4g", help="the instance's JVM heap")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating timed rounds; the best of each counts"
    )
    parser.add_argument(
        "--warm-up-rows", type=int, default=250_000, help="records loaded by both routes first"
    )
    parser.add_argument("--pagecache", default="2g", help="the instance's page cache")
    parser.add_argument("--json", type=Path, required=True, help="write the figures here")
    args = parser.parse_args(argv)
    sizes = MemorySizes(args.heap, args.pagecache)
    figures = run(
        args.preset,
        args.seed,
        args.instance,
        args.data,
        args.batch_size,
        sizes,
        args.warm_up_rows,
        args.rounds,
    )
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
