"""Bulk initial load (neo4j-admin import) reaches the same content as incremental ingest.

Runs on its own local instance (``ingest-bulk`` or ``$KNOOPPUNT_BULK_INSTANCE``): the import
stops the server and overwrites its database. Uses the generator's tiny preset.
"""

from __future__ import annotations

import os
from pathlib import Path

import neo4j
import pytest

from graph.driver import connect
from graph.geography import load_geography
from graph.localdb import server
from graph.queries import WIPE_ALL
from graph.schema import apply_schema
from graph.settings import Settings
from ingest.bulk import run_bulk
from ingest.errors import BulkError
from ingest.mapping import load_mappings
from ingest.pipeline import find_deliveries, ingest_paths
from ingest.queries import COUNTS
from ingest.writer import content_checksum
from knooppunt.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _wipe(driver: neo4j.Driver, db: str) -> None:
    with driver.session(database=db) as session:
        session.run(WIPE_ALL, batch=10_000).consume()


def test_bulk_equals_incremental_on_tiny(tmp_path: Path) -> None:
    name = os.environ.get("KNOOPPUNT_BULK_INSTANCE", "ingest-bulk")
    settings = Settings(instance=name)
    if settings.neo4j_uri is not None:
        pytest.skip("neo4j-admin import runs on the project's own local instance only")
    out = tmp_path / "tiny"
    assert main(["generate", "--preset", "tiny", "--seed", "3", "--out", str(out)]) == 0
    deliveries = find_deliveries([out])
    db = settings.neo4j_database
    started_here = not server.start(settings, name).already_running
    driver = connect(settings, name)
    try:
        _wipe(driver, db)
        apply_schema(driver, database=db)
        ingest_paths(settings, deliveries, instance=name)
        incremental = content_checksum(driver, database=db)
        records, _, _ = driver.execute_query(COUNTS, database_=db)
        counts = (records[0]["nodes"], records[0]["links"])

        with pytest.raises(BulkError, match="needs an empty database"):
            run_bulk(
                settings,
                name,
                deliveries,
                load_mappings(),
                load_geography(settings.require_geography_dir()),
            )

        _wipe(driver, db)
        driver.close()
        result = run_bulk(
            settings,
            name,
            deliveries,
            load_mappings(),
            load_geography(settings.require_geography_dir()),
            work_dir=tmp_path / "import",
        )
        driver = connect(settings, name)
        assert content_checksum(driver, database=db) == incremental
        records, _, _ = driver.execute_query(COUNTS, database_=db)
        assert (records[0]["nodes"], records[0]["links"]) == counts
        assert result.nodes + len(deliveries) == counts[0]
        records, _, _ = driver.execute_query(
            "SHOW CONSTRAINTS YIELD name RETURN count(*) AS n", database_=db
        )
        assert records[0]["n"] > 0  # constraints created after the import
    finally:
        driver.close()
        if started_here:
            server.stop(settings, name, force=True)
