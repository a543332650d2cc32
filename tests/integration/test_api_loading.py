"""Until a delivery is committed nothing of it is visible to the API (decision 047).

On the API seed graph: a one-transaction delivery never makes the API refuse, not even while
its transaction is open; a chunked delivery interrupted after two of its transactions
committed makes the live-graph endpoints answer 503 (problem+json, ``Retry-After``, the
delivery named, no data value) while the stored-result endpoints keep answering 200; running
the same ingest again commits it and the live-graph endpoints answer 200 again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from api import queries as q
from api.audit import audit_log_path, read_entries
from api.loading import RETRY_AFTER_S
from api.store import Store
from graph.analysis.errors import AnalysisBusyError
from graph.analysis.params import AnalysisParams
from graph.analysis.runner import analyse_database
from graph.driver import connect_async
from graph.geography import load_geography
from graph.progress import NoteProgress
from graph.queries import ANALYSIS_SUMMARY as GRAPH_ANALYSIS_SUMMARY
from graph.settings import Settings
from ingest.delivery import check_delivery, iter_records
from ingest.mapping import load_mappings
from ingest.writer import WriteResult, write_delivery
from tests.ingest_fixtures import person, pol_delivery
from tests.integration.api_seed import AL_CROSS, CASE, CL_CROSS, IDS, auth

pytest_plugins = ["tests.integration.api_support"]

pytestmark = pytest.mark.timeout(300)

#: Endpoints answered from the live graph: (url, org, role, case reference needed).
LIVE = [
    (f"/subjects/{IDS['pL1']}/network", "Limburg", "analyst", True),
    (f"/companies/{IDS['KVK_B']}/network", "Limburg", "analyst", True),
    (f"/clusters/{CL_CROSS}/graph", "Limburg", "analyst", True),
    (f"/clusters/{CL_CROSS}/view", "Limburg", "analyst", True),
    (f"/subjects/{IDS['pL1']}/export", "Limburg", "privacy-officer", True),
    ("/trends?measure=incidents", "LIEC", "analyst", False),
]
#: Endpoints answered from stored analysis results (and the probes).
STORED = [
    ("/alerts", "Limburg", "analyst", False),
    (f"/alerts/{AL_CROSS}", "Limburg", "analyst", False),
    (f"/clusters/{CL_CROSS}", "Limburg", "analyst", False),
    ("/trends?measure=clusters", "LIEC", "analyst", False),
    ("/audit?limit=5", "Limburg", "privacy-officer", False),
    ("/health", None, None, False),
    ("/ready", None, None, False),
]

BATCH = 50
CHUNK = 200  # records per transaction of the chunked delivery
INCIDENTS = 300  # about 1,200 records: six or more transactions


class _InterruptedError(Exception):
    """Raised from the writer's batch hook: the ingest stops there, like a crashed process."""


def _get(
    client: TestClient, settings: Settings, url: str, org: str | None, role: str | None, case: bool
) -> Any:
    headers = (
        {} if org is None else auth(settings, org, role or "analyst", case=CASE if case else None)
    )
    return client.get(url, headers=headers)


def _write(
    settings: Settings, driver: neo4j.Driver, directory: Path, **options: Any
) -> WriteResult:
    """Check ``directory`` and write it in batches of BATCH (``options`` go to the writer)."""
    checked = check_delivery(
        directory, load_mappings(), load_geography(settings.require_geography_dir())
    )
    try:
        return write_delivery(
            driver,
            checked,
            iter_records(checked),
            database=settings.neo4j_database,
            batch_size=BATCH,
            **options,
        )
    finally:
        checked.close()


def _record(driver: neo4j.Driver, db: str, delivery_id: str) -> dict[str, Any]:
    records, _, _ = driver.execute_query(
        "MATCH (d:Delivery {id: $id}) RETURN d.status AS status, "
        "d.chunks_committed AS chunks_committed",
        id=delivery_id,
        database_=db,
    )
    return dict(records[0])


def _all_answer(client: TestClient, settings: Settings, endpoints: list[Any], status: int) -> None:
    for url, org, role, case in endpoints:
        response = _get(client, settings, url, org, role, case)
        assert response.status_code == status, (url, response.text[:300])


def test_a_one_transaction_delivery_never_makes_the_api_refuse(
    api_client: TestClient, api_settings: Settings, seeded: neo4j.Driver, tmp_path: Path
) -> None:
    db = api_settings.neo4j_database
    _all_answer(api_client, api_settings, LIVE, 200)
    directory = pol_delivery(tmp_path, extract_date="2026-10-01", incidents=30)
    seen: list[int] = []

    def during(_: int) -> None:  # inside the open transaction, after each batch
        for url, org, role, case in LIVE:
            seen.append(_get(api_client, api_settings, url, org, role, case).status_code)

    result = _write(api_settings, seeded, directory, on_batch=during)
    assert result.status == "committed"
    assert result.batches > 1
    assert seen
    assert set(seen) == {200}
    assert _record(seeded, db, directory.name) == {
        "status": "committed",
        "chunks_committed": None,
    }
    _all_answer(api_client, api_settings, LIVE, 200)


def test_a_partly_written_delivery_refuses_live_reads_until_it_commits(
    api_client: TestClient, api_settings: Settings, seeded: neo4j.Driver, tmp_path: Path
) -> None:
    db = api_settings.neo4j_database
    directory = pol_delivery(tmp_path, extract_date="2026-12-01", incidents=INCIDENTS)
    delivery_id = directory.name

    def stop_after_two_chunks(_: int) -> None:
        chunks = _record(seeded, db, delivery_id)["chunks_committed"]
        if chunks is not None and chunks >= 2:
            raise _InterruptedError

    with pytest.raises(_InterruptedError):
        _write(
            api_settings,
            seeded,
            directory,
            max_transaction_records=CHUNK,
            on_batch=stop_after_two_chunks,
        )
    assert _record(seeded, db, delivery_id) == {"status": "loading", "chunks_committed": 2}
    records, _, _ = seeded.execute_query(
        "MATCH (n:Entity) WHERE $d IN n.src_delivery RETURN count(n) AS n",
        d=delivery_id,
        database_=db,
    )
    assert int(records[0]["n"]) > 0  # part of the delivery is visible in the graph

    # Live-graph endpoints: 503 problem with Retry-After, naming the delivery, no data values.
    values = [*IDS.values(), person(0), person(1), "PL-2026-", "5611AB"]
    for url, org, role, case in LIVE:
        response = _get(api_client, api_settings, url, org, role, case)
        assert response.status_code == 503, (url, response.text[:300])
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == str(RETRY_AFTER_S)
        body = response.json()
        assert body["type"].endswith("/delivery-partly-written")
        assert body["deliveries"] == [{"id": delivery_id, "partner": "POL", "chunks_committed": 2}]
        assert delivery_id in body["detail"]
        text = json.dumps(body)
        assert not [v for v in values if v in text], url
    # Authentication still comes first: no token, no word about deliveries.
    anonymous = api_client.get(LIVE[0][0])
    assert anonymous.status_code == 401
    assert delivery_id not in anonymous.text

    _all_answer(api_client, api_settings, STORED, 200)
    ready = api_client.get("/ready").json()
    assert ready == {"status": "ready", "live_graph": "partial", "partial_deliveries": 1}
    assert delivery_id not in json.dumps(ready)

    # Each refusal is audited with the deliveries that caused it.
    refusals = [e for e in read_entries(audit_log_path(api_settings)) if e.get("status") == 503]
    assert len(refusals) >= len(LIVE)
    assert all(
        e["extra"] == {"refused": "delivery-partly-written", "deliveries": [delivery_id]}
        for e in refusals[-len(LIVE) :]
    )

    # The same ingest again commits the delivery: the live graph is served again.
    result = _write(api_settings, seeded, directory, max_transaction_records=CHUNK)
    assert result.status == "committed"
    assert _record(seeded, db, delivery_id) == {"status": "committed", "chunks_committed": None}
    _all_answer(api_client, api_settings, LIVE, 200)
    _all_answer(api_client, api_settings, STORED, 200)
    assert api_client.get("/ready").json()["live_graph"] == "consistent"


def _operators(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(op for child in plan.get("children", []) for op in _operators(child))]


def test_the_check_is_one_cheap_query_whatever_the_graph(
    api_settings: Settings, seeded: neo4j.Driver
) -> None:
    """Its plan reads Delivery nodes only (label lookup), never every node; and it is fast.

    With 2,000 Delivery records besides the seed graph; prints p50/p99 of the API's own call
    (``pytest -s`` shows them)."""
    db = api_settings.neo4j_database
    seeded.execute_query(
        "UNWIND range(1, 2000) AS i "
        "CREATE (:Delivery {id: 'TST-20260101-' + toString(i), partner: 'TST', "
        "status: 'committed'})",
        database_=db,
    )
    try:
        with seeded.session(database=db) as session:
            summary = session.run("PROFILE " + q.PARTIAL_DELIVERIES).consume()
        assert summary.profile is not None
        operators = _operators(summary.profile)
        kinds = {op["operatorType"].split("@")[0] for op in operators}
        assert "NodeByLabelScan" in kinds
        assert "AllNodesScan" not in kinds
        db_hits = sum(int(op.get("dbHits", 0)) for op in operators)
        assert db_hits <= 10 * 2100  # proportional to the Delivery records, not the graph

        async def timings() -> list[float]:
            driver = connect_async(api_settings)
            try:
                store = Store(driver, db)
                await store.partial_deliveries()  # warm: connection, plan cache
                out = []
                for _ in range(200):
                    start = time.perf_counter()
                    assert await store.partial_deliveries() == []
                    out.append((time.perf_counter() - start) * 1000)
                return out
            finally:
                await driver.close()

        ms = sorted(asyncio.run(timings()))
        p50, p99 = statistics.median(ms), ms[int(0.99 * len(ms)) - 1]
        print(
            f"\npartial-delivery check, 2,000 deliveries: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
            f"{db_hits} db hits"
        )
        assert p50 < 250  # generous: a shared 2-core machine; the figure is what matters
    finally:
        seeded.execute_query("MATCH (d:Delivery {partner: 'TST'}) DELETE d", database_=db)


# Last in this module: it wipes the database the API tests above share.
def test_an_analysis_run_refuses_when_a_delivery_commits_part_of_itself_meanwhile(
    empty_db: neo4j.Driver, api_settings: Settings, tmp_path: Path
) -> None:
    """The run checks for loading deliveries at its start; a chunked ingest that starts after
    that and commits a chunk while the graph is read fails the run (it would hold part of it).
    """
    db = api_settings.neo4j_database
    directory = pol_delivery(tmp_path, extract_date="2026-12-01", incidents=INCIDENTS)
    as_of = date(2026, 12, 31)
    interrupted: list[str] = []

    def one_chunk_during_export(message: str) -> None:
        if not message.startswith("export:") or interrupted:
            return
        interrupted.append(message)

        def stop(_: int) -> None:
            if _record(empty_db, db, directory.name)["chunks_committed"]:
                raise _InterruptedError

        with contextlib.suppress(_InterruptedError):
            _write(api_settings, empty_db, directory, max_transaction_records=CHUNK, on_batch=stop)

    with pytest.raises(AnalysisBusyError, match="while the graph was read"):
        analyse_database(
            empty_db,
            database=db,
            as_of=as_of,
            params=AnalysisParams(),
            progress=NoteProgress(one_chunk_during_export),
        )
    assert interrupted
    assert _record(empty_db, db, directory.name) == {"status": "loading", "chunks_committed": 1}
    records, _, _ = empty_db.execute_query(GRAPH_ANALYSIS_SUMMARY, database_=db)
    assert records[0]["runs"] == ["failed"]

    # While the delivery stays partly written, a run refuses at once; after the re-run it runs.
    with pytest.raises(AnalysisBusyError, match="loading"):
        analyse_database(empty_db, database=db, as_of=as_of, params=AnalysisParams())
    _write(api_settings, empty_db, directory, max_transaction_records=CHUNK)
    summary = analyse_database(empty_db, database=db, as_of=as_of, params=AnalysisParams())
    assert summary.result.nodes > 0
