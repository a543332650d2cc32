"""One writer at a time (issue 17, item 1): ingest and retention take the graph's writer lock;
a second writer is refused at once with exit 7 naming the running one, and nothing of it lands."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import neo4j
import psutil
import pytest

from graph.errors import ExitCode
from graph.model import NodeLabel
from graph.settings import Settings
from ingest.errors import WriterBusyError
from ingest.lock import writer_lock
from ingest.pipeline import ingest_paths
from ingest.queries import COUNTS
from ingest.retention import run_retention
from ingest.writer import content_checksum
from knooppunt.cli import main
from tests.ingest_fixtures import pol_delivery, scenario

LOCKS = f"MATCH (l:{NodeLabel.WRITER_LOCK}) RETURN count(l) AS n"
PLANT = (
    f"CREATE (:{NodeLabel.WRITER_LOCK} {{id: 'graph', owner: $owner, kind: 'ingest', "
    "started_at: $at, heartbeat_at: $at})"
)


def _count(driver: neo4j.Driver, settings: Settings, query: str, key: str) -> int:
    records, _, _ = driver.execute_query(query, database_=settings.neo4j_database)
    return int(records[0][key])


def test_a_second_writer_is_refused_and_writes_nothing(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    db = neo4j_settings.neo4j_database
    deliveries = scenario(tmp_path)
    with writer_lock(empty_db, database=db, kind="retention") as owner:
        with pytest.raises(WriterBusyError) as caught:
            ingest_paths(neo4j_settings, deliveries, instance=test_instance)
        message = str(caught.value)
        assert f"another writer is running: retention ({owner})" in message
        assert caught.value.exit_code == ExitCode.BUSY
        with pytest.raises(WriterBusyError):
            run_retention(empty_db, as_of=date(2040, 1, 1), database=db)
        code = main(["ingest", "--instance", test_instance, *map(str, deliveries)])
        assert code == ExitCode.BUSY
        assert _count(empty_db, neo4j_settings, COUNTS, "nodes") == 0  # not even a Delivery
    assert _count(empty_db, neo4j_settings, LOCKS, "n") == 0  # released: no lock node left
    summaries = ingest_paths(neo4j_settings, deliveries, instance=test_instance)
    assert [s.status for s in summaries] == ["committed"] * 3
    assert _count(empty_db, neo4j_settings, LOCKS, "n") == 0


def test_two_ingests_at_once_one_refused_data_as_a_single_run(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    db = neo4j_settings.neo4j_database
    deliveries = [
        *scenario(tmp_path / "a"),
        pol_delivery(tmp_path / "big", extract_date="2026-12-01", incidents=3000),
    ]
    results: dict[str, object] = {}

    def first() -> None:
        results["first"] = ingest_paths(neo4j_settings, deliveries, instance=test_instance)

    runner = threading.Thread(target=first)
    runner.start()
    deadline = time.monotonic() + 120
    while _count(empty_db, neo4j_settings, LOCKS, "n") == 0 and runner.is_alive():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert runner.is_alive(), "the first ingest ended before the second could start"
    with pytest.raises(WriterBusyError, match="another writer is running: ingest"):
        ingest_paths(neo4j_settings, deliveries, instance=test_instance)
    runner.join()
    assert [s.status for s in results["first"]] == ["committed"] * 4  # type: ignore[attr-defined]
    both = content_checksum(empty_db, database=db)

    empty_db.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    ingest_paths(neo4j_settings, deliveries, instance=test_instance)
    assert content_checksum(empty_db, database=db) == both  # identical to a single run


def test_a_crashed_holders_lock_is_taken_over(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    db = neo4j_settings.neo4j_database
    deliveries = scenario(tmp_path)
    now = datetime.now(UTC)
    # a live-looking lock of another machine: refused until its lease runs out
    empty_db.execute_query(PLANT, owner="ingest@elsewhere:42:abcd", at=now, database_=db)
    with pytest.raises(WriterBusyError, match="ingest@elsewhere:42:abcd"):
        ingest_paths(neo4j_settings, deliveries, instance=test_instance)
    empty_db.execute_query(
        f"MATCH (l:{NodeLabel.WRITER_LOCK}) SET l.heartbeat_at = $old",
        old=now - timedelta(minutes=5),
        database_=db,
    )
    assert [s.status for s in ingest_paths(neo4j_settings, deliveries, instance=test_instance)] == [
        "committed"
    ] * 3
    # a fresh lock of a process of this host that no longer runs: taken over at once
    dead = max(psutil.pids()) + 100_000
    empty_db.execute_query(
        PLANT, owner=f"ingest@{socket.gethostname()}:{dead}:dead", at=now, database_=db
    )
    result = run_retention(empty_db, as_of=date(2020, 1, 1), database=db)
    assert result.nodes_deleted == 0
    assert _count(empty_db, neo4j_settings, LOCKS, "n") == 0
