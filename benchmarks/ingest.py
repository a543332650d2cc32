"""Ingest benchmark: end-to-end incremental ingest vs. LOAD CSV vs. neo4j-admin import.

Usage::

    python benchmarks/ingest.py --preset medium --json OUT [--instance bench-ingest]

On its own local instance: (1) loads the preset's deliveries into an empty database with
``knooppunt ingest`` (parse, validate, guard, write: end to end); (2) loads the same graph into
the emptied database with Neo4j's ``LOAD CSV`` + ``CALL {} IN TRANSACTIONS`` (the peer), using
the writer's MERGE statements, the same constraints, properties and batch size, from CSV files
that already hold every merged property (the peer parses nothing and checks nothing);
(3) imports the same files with ``neo4j-admin database import`` (the practical limit). Rows are
records written: nodes plus links. The three loads must reach the same content checksum.

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
import json
import shutil
import tempfile
import time

import neo4j

from graph.cli import main as knooppunt
from graph.driver import connect
from graph.geography import load_geography
from graph.localdb import server
from graph.model import ENTITY_LABEL
from graph.queries import WIPE_ALL
from graph.schema import apply_schema
from graph.settings import Settings
from ingest.bulk import admin_import, collect, write_import_files
from ingest.cli import find_deliveries, ingest_paths
from ingest.mapping import load_mappings
from ingest.writer import DEFAULT_BATCH_SIZE, content_checksum

# The writer's statements (ingest.queries.write_nodes / write_links), fed by LOAD CSV.
LOAD_NODES = (
    "LOAD CSV WITH HEADERS FROM $url AS line\n"
    "CALL (line) {{\n"
    "  MERGE (n:`{label}` {{id: line.`{id_column}`}})\n"
    "  ON CREATE SET n:`{entity}`\n"
    "  SET n += {props}\n"
    "}} IN TRANSACTIONS OF $batch ROWS"
)
LOAD_LINKS = (
    "LOAD CSV WITH HEADERS FROM $url AS line\n"
    "CALL (line) {{\n"
    "  MATCH (a:`{source}` {{id: line.`{start}`}})\n"
    "  MATCH (b:`{target}` {{id: line.`{end}`}})\n"
    "  MERGE (a)-[r:`{type}`{identity}]->(b)\n"
    "  SET r += {props}\n"
    "}} IN TRANSACTIONS OF $batch ROWS"
)

_CONVERT = {
    "long": "toInteger({x})",
    "double": "toFloat({x})",
    "boolean": "toBoolean({x})",
    "date": "date({x})",
    "string": "{x}",
}


def _value(column: str) -> str:
    name, _, kind = column.partition(":")
    cell = f"line.`{column}`"
    if kind.endswith("[]"):
        inner = _CONVERT[kind[:-2]].replace("{x}", "v")
        expr = f"[v IN split({cell}, ';') | {inner}]"
    else:
        expr = _CONVERT[kind or "string"].replace("{x}", cell)
    return f"{name}: CASE WHEN {cell} IS NULL OR {cell} = '' THEN null ELSE {expr} END"


def _props(columns: list[str]) -> str:
    return "{" + ", ".join(_value(c) for c in columns) + "}"


def _wipe(driver: neo4j.Driver, db: str) -> None:
    with driver.session(database=db) as session:
        session.run(WIPE_ALL, batch=10_000).consume()


def load_csv(
    driver: neo4j.Driver, db: str, files: list[Path], import_dir: Path, batch: int
) -> None:
    """Load node files, then link files, with LOAD CSV + CALL {} IN TRANSACTIONS."""
    for path in files:
        target = import_dir / path.name
        shutil.copyfile(path, target)
        header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        if path.name.startswith("nodes_"):
            label = path.stem.removeprefix("nodes_")
            if label == "Delivery":
                continue
            props = [c for c in header[1:] if c != ":LABEL"]
            query = LOAD_NODES.format(
                label=label, id_column=header[0], entity=ENTITY_LABEL, props=_props(props)
            )
        else:
            rel, source, target_label = path.stem.removeprefix("rels_").rsplit("_", 2)
            props = header[3:]
            identity = (
                " {kind: line.`kind:string`}" if rel in ("REGISTERED_AT", "ASSOCIATE") else ""
            )
            query = LOAD_LINKS.format(
                source=source,
                target=target_label,
                start=header[0],
                end=header[1],
                type=rel,
                identity=identity,
                props=_props(props),
            )
        with driver.session(database=db) as session:
            session.run(query, url=f"file:///{path.name}", batch=batch).consume()
        target.unlink()


def run(preset: str, seed: int, instance: str, data: Path | None, batch: int) -> dict[str, float]:
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
        server.start(settings, instance)
        driver = connect(settings, instance)
        _wipe(driver, db)
        apply_schema(driver, database=db)

        started = time.perf_counter()
        summaries = ingest_paths(
            settings, deliveries, instance=instance, batch_size=batch, show_progress=False
        )
        seconds = time.perf_counter() - started
        rows = sum(s.nodes + s.links for s in summaries)
        source_rows = sum(s.rows for s in summaries)
        incremental = content_checksum(driver, database=db)
        print(
            f"incremental: {len(summaries)} deliveries, {source_rows:,} file rows, "
            f"{rows:,} records in {seconds:.1f} s",
            file=sys.stderr,
        )

        graph = collect(
            deliveries, load_mappings(), load_geography(settings.require_geography_dir())
        )
        node_files, link_files = write_import_files(graph, work / "files")
        _wipe(driver, db)
        apply_schema(driver, database=db)
        import_dir = server.instance_paths(settings, instance).import_dir
        import_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        load_csv(driver, db, [*node_files, *link_files], import_dir, batch)
        load_csv_seconds = time.perf_counter() - started
        peer = content_checksum(driver, database=db)
        print(
            f"LOAD CSV: {load_csv_seconds:.1f} s, same content: {peer == incremental}",
            file=sys.stderr,
        )

        _wipe(driver, db)
        driver.close()
        timings = admin_import(settings, instance, work / "admin", graph)
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
    parser.add_argument("--json", type=Path, required=True, help="write the figures here")
    args = parser.parse_args(argv)
    figures = run(args.preset, args.seed, args.instance, args.data, args.batch_size)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
