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
from graph.localdb.process import instance_paths, running_pid
from graph.queries import WIPE_ALL
from graph.schema import apply_schema
from graph.settings import Settings
from ingest.delivery import check_delivery, iter_records
from ingest.errors import WriteError
from ingest.mapping import load_mappings
from ingest.pipeline import ingest_paths
from ingest.queries import COUNTS, DELIVERY_GET
from ingest.writer import BatchWriter, content_checksum, source_of, write_delivery
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


def _crash_and_rerun(
    settings: Settings,
    name: str,
    driver: neo4j.Driver,
    deliveries: list[Path],
    big: Path,
    *,
    max_transaction_records: int | None,
    seed: int,
) -> neo4j.Driver:
    """Ingest ``deliveries``, kill the server during ``big``, restart, re-run everything."""
    db = settings.neo4j_database
    geography = load_geography(settings.require_geography_dir())
    ingest_paths(settings, deliveries, instance=name, batch_size=BATCH)
    checked = check_delivery(big, load_mappings(), geography)
    rng = random.Random(seed)
    batches = [0]
    paths = instance_paths(settings, name)

    # Count the batches of the big delivery with a writer that does not write.
    probe = BatchWriter(lambda q, p: [], source_of(checked), batch_size=BATCH)
    for nodes, links in iter_records(checked):
        probe.add(nodes, links)
    probe.flush()
    total = probe.batches
    kill_after = rng.randint(int(0.2 * total) + 1, int(0.8 * total))

    def kill_server(_: int) -> None:
        batches[0] += 1
        if batches[0] == kill_after:
            pid = running_pid(paths)
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            psutil.Process(pid).wait(timeout=60)

    with pytest.raises(WriteError, match="run the same ingest again"):
        write_delivery(
            driver,
            checked,
            iter_records(checked),
            database=db,
            batch_size=BATCH,
            max_transaction_records=max_transaction_records,
            on_batch=kill_server,
        )
    checked.close()
    assert 0.2 * total <= batches[0] <= 0.8 * total
    driver.close()

    server.start(settings, name)
    driver = connect(settings, name)
    records, _, _ = driver.execute_query(DELIVERY_GET, id=big.name, database_=db)
    assert records[0]["status"] == "loading"  # the record of the attempt
    records, _, _ = driver.execute_query(
        "MATCH (n:Entity) WHERE $d IN n.src_delivery RETURN count(n) AS n",
        d=big.name,
        database_=db,
    )
    survived = int(records[0]["n"])
    if max_transaction_records is None:
        assert survived == 0  # one transaction: nothing of the delivery survived
    else:
        assert survived > 0  # several transactions: the earlier ones did
    ingest_paths(
        settings,
        [*deliveries, big],
        instance=name,
        batch_size=BATCH,
        max_transaction_records=max_transaction_records,
    )
    records, _, _ = driver.execute_query(DELIVERY_GET, id=big.name, database_=db)
    assert records[0]["status"] == "committed"
    return driver


def test_kill_9_mid_delivery_then_rerun_equals_a_clean_run(tmp_path: Path) -> None:
    name = os.environ.get("KNOOPPUNT_CRASH_INSTANCE", "ingest-crash")
    settings = Settings(instance=name)
    if settings.neo4j_uri is not None:
        pytest.skip("kills the server: only on the project's own local instance")
    db = settings.neo4j_database
    deliveries = scenario(tmp_path / "small")
    big = pol_delivery(tmp_path / "big", incidents=4000, extract_date="2026-12-01")
    started_here = not server.start(settings, name).already_running
    driver = connect(settings, name)
    try:
        _wipe(driver, db)
        apply_schema(driver, database=db)
        ingest_paths(settings, [*deliveries, big], instance=name, batch_size=BATCH)
        clean = _state(driver, db)

        # One transaction for the big delivery: nothing of it survives the crash.
        _wipe(driver, db)
        driver = _crash_and_rerun(
            settings, name, driver, deliveries, big, max_transaction_records=None, seed=1
        )
        assert _state(driver, db) == clean

        # Several transactions (a budget of 2,000 records): earlier ones survive the crash,
        # and the re-run still ends in exactly the clean state.
        _wipe(driver, db)
        driver = _crash_and_rerun(
            settings, name, driver, deliveries, big, max_transaction_records=2000, seed=2
        )
        assert _state(driver, db) == clean
    finally:
        driver.close()
        if started_here:
            server.stop(settings, name, force=True)
