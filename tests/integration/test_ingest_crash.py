"""All or nothing: ``kill -9`` of the Neo4j JVM in the middle of a delivery, restart, re-run.

Runs on its own local instance (``ingest-crash``, or ``$KNOOPPUNT_CRASH_INSTANCE``), never on
the shared test instance, because it kills the server. A clean run records node and
relationship counts and the content checksum; the crash run kills the server with SIGKILL
after a batch between 20% and 80% of the delivery's batches, restarts it (Neo4j recovers from
its transaction log), runs the same ingest again, and must end in exactly the clean state.
"""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

import neo4j
import psutil
import pytest

from graph.driver import connect
from graph.geography import load_geography
from graph.localdb import server
from graph.queries import WIPE_ALL
from graph.schema import apply_schema
from graph.settings import Settings
from ingest.cli import ingest_paths
from ingest.delivery import check_delivery, iter_records
from ingest.errors import WriteError
from ingest.mapping import load_mappings
from ingest.queries import COUNTS, DELIVERY_GET
from ingest.writer import content_checksum, write_delivery
from tests.ingest_fixtures import pol_delivery, scenario

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

BATCH = 250


def _state(driver: neo4j.Driver, db: str) -> tuple[int, int, tuple[int, int, str]]:
    records, _, _ = driver.execute_query(COUNTS, database_=db)
    return (
        int(records[0]["nodes"]),
        int(records[0]["links"]),
        content_checksum(driver, database=db),
    )


def _wipe(driver: neo4j.Driver, db: str) -> None:
    with driver.session(database=db) as session:
        session.run(WIPE_ALL, batch=10_000).consume()


def test_kill_9_mid_delivery_then_rerun_equals_a_clean_run(tmp_path: Path) -> None:
    name = os.environ.get("KNOOPPUNT_CRASH_INSTANCE", "ingest-crash")
    settings = Settings(instance=name)
    if settings.neo4j_uri is not None:
        pytest.skip("kills the server: only on the project's own local instance")
    db = settings.neo4j_database
    geography = load_geography(settings.require_geography_dir())
    deliveries = scenario(tmp_path / "small")
    big = pol_delivery(tmp_path / "big", incidents=4000, extract_date="2026-12-01")
    started_here = not server.start(settings, name).already_running
    driver = connect(settings, name)
    try:
        _wipe(driver, db)
        apply_schema(driver, database=db)

        # Clean run.
        ingest_paths(
            settings, [*deliveries, big], instance=name, show_progress=False, batch_size=BATCH
        )
        clean = _state(driver, db)
        records, _, _ = driver.execute_query(
            "MATCH (d:Delivery {id: $id}) RETURN d.nodes + d.links AS records",
            id=big.name,
            database_=db,
        )
        total_records = int(records[0]["records"])
        _wipe(driver, db)

        # Crash run: the small deliveries commit, the big one dies mid-way.
        ingest_paths(settings, deliveries, instance=name, show_progress=False, batch_size=BATCH)
        checked = check_delivery(big, load_mappings(), geography)
        total_batches = -(-total_records // BATCH)
        rng = random.Random(20261128)
        kill_after = rng.randint(int(0.2 * total_batches) + 1, int(0.8 * total_batches))
        batches = [0]
        paths = server.instance_paths(settings, name)

        def kill_server(_: int) -> None:
            batches[0] += 1
            if batches[0] == kill_after:
                pid = server.running_pid(paths)
                assert pid is not None
                os.kill(pid, signal.SIGKILL)
                psutil.Process(pid).wait(timeout=60)

        with pytest.raises(WriteError, match="nothing of this delivery was committed"):
            write_delivery(
                driver,
                checked,
                iter_records(checked, geography),
                database=db,
                batch_size=BATCH,
                on_batch=kill_server,
            )
        assert 0.2 * total_batches <= batches[0] <= 0.8 * total_batches + 1
        driver.close()

        server.start(settings, name)
        driver = connect(settings, name)
        records, _, _ = driver.execute_query(DELIVERY_GET, id=big.name, database_=db)
        assert records[0]["status"] == "loading"  # the record of the attempt, no data
        ingest_paths(
            settings, [*deliveries, big], instance=name, show_progress=False, batch_size=BATCH
        )
        assert _state(driver, db) == clean
        records, _, _ = driver.execute_query(DELIVERY_GET, id=big.name, database_=db)
        assert records[0]["status"] == "committed"
    finally:
        driver.close()
        if started_here:
            server.stop(settings, name, force=True)
