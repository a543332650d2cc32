"""Several API workers against the real Neo4j: two apps, each with its own driver, stored-results
cache and audit chain (as two ``knooppunt serve`` workers are), never serve each other stale
results; and ``knooppunt serve --workers 2`` as real processes, one chain each (decision 074)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app, replica_name
from api.audit import chain_logs, read_all_entries, verify_chains
from api.readiness import wait_until_ready
from graph import queries as graph_queries
from graph.analysis.params import AnalysisParams
from graph.analysis.runner import analyse_database
from graph.settings import Settings
from tests.integration.api_seed import AL_CROSS, AL_GROWN, AUDIT_KEY, JWT_SECRET, auth
from tests.integration.api_support import WIDE_GATE_ENV, free_port

pytest_plugins = ["tests.integration.api_support"]


@pytest.fixture(scope="module")
def workers(api_settings: Settings, seeded: neo4j.Driver) -> Iterator[list[TestClient]]:
    """Two workers of one replica: two apps in their lifespans, each with its own driver."""
    settings = api_settings.model_copy(update={"replica": "twoapps"})
    apps = [create_app(settings, audit_workers=2) for _ in range(2)]
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        yield [first, second]


def client_settings(client: TestClient) -> Settings:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return settings


def _cache(client: TestClient) -> Any:
    return client.app.state.store.results  # type: ignore[attr-defined]


def _alerts(client: TestClient, settings: Settings, org: str, **params: Any) -> dict[str, Any]:
    response = client.get("/alerts", headers=auth(settings, org), params=params or None)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _status(client: TestClient, settings: Settings, alert_id: str, org: str) -> str:
    response = client.get(f"/alerts/{alert_id}", headers=auth(settings, org))
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def test_a_status_change_through_one_worker_is_seen_at_once_through_the_other(
    workers: list[TestClient], api_settings: Settings
) -> None:
    one, other = workers
    for client in workers:  # both caches hold Limburg's page and the alert
        for _ in range(2):
            _alerts(client, api_settings, "Limburg", limit=50)
            assert _status(client, api_settings, AL_GROWN, "Limburg") == "open"
        assert _cache(client).hits >= 2
    coordinator = auth(api_settings, "Limburg", "coordinator")
    body = {"status": "acknowledged", "note": "seen by the second worker"}
    changed = one.post(f"/alerts/{AL_GROWN}/status", json=body, headers=coordinator)
    assert changed.status_code == 200, changed.text
    # The other worker's next answer has it: its cache was keyed by the generation before.
    assert _status(other, api_settings, AL_GROWN, "Limburg") == "acknowledged"
    page = _alerts(other, api_settings, "Limburg", limit=50)
    assert {a["id"]: a["status"] for a in page["items"]}[AL_GROWN] == "acknowledged"
    acknowledged = _alerts(other, api_settings, "Limburg", status="acknowledged")
    assert [a["id"] for a in acknowledged["items"]] == [AL_GROWN]
    # Need-to-know per caller: Oost-Brabant's status of the same alert is its own.
    assert _status(other, api_settings, AL_GROWN, "Oost-Brabant") == "open"
    assert _status(one, api_settings, AL_GROWN, "Oost-Brabant") == "open"
    brabant = _alerts(one, api_settings, "Oost-Brabant", limit=50)
    assert {a["id"]: a["status"] for a in brabant["items"]}[AL_GROWN] == "open"
    # A RIEC never gets another region's rows from a cached page: Noord sees no Limburg alert.
    noord = _alerts(other, api_settings, "Noord", limit=50)
    assert AL_CROSS not in {a["id"] for a in noord["items"]}


def test_nothing_is_cached_while_a_run_writes_and_a_new_run_invalidates_both(
    workers: list[TestClient], api_settings: Settings, seeded: neo4j.Driver
) -> None:
    database = api_settings.neo4j_database
    before = [_alerts(client, api_settings, "LIEC", limit=200) for client in workers]
    assert before[0] == before[1]
    # A run that is still writing: every read goes to Neo4j.
    seeded.execute_query(
        graph_queries.ANALYSIS_RUN_START,
        id="run-writing-now",
        started_at=datetime.now(UTC),
        as_of=datetime.now(UTC).date(),
        params="{}",
        initial=False,
        database_=database,
    )
    try:
        bypassed = [_cache(client).bypassed for client in workers]
        for client in workers:
            _alerts(client, api_settings, "LIEC", limit=200)
        assert [_cache(client).bypassed for client in workers] == [b + 1 for b in bypassed]
    finally:
        seeded.execute_query(
            "MATCH (r:AnalysisRun {id: 'run-writing-now'}) DETACH DELETE r", database_=database
        )
    invalidations = [_cache(client).invalidations for client in workers]
    summary = analyse_database(
        seeded, database=database, as_of=datetime.now(UTC).date(), params=AnalysisParams()
    )
    after = [_alerts(client, api_settings, "LIEC", limit=200) for client in workers]
    assert [_cache(client).invalidations for client in workers] == [n + 1 for n in invalidations]
    # Both answer what the new run wrote, as an app with an empty cache does.
    with TestClient(create_app(api_settings)) as fresh:
        assert after[0] == after[1] == _alerts(fresh, api_settings, "LIEC", limit=200)
    assert summary.run_id
    assert after[0] != before[0]  # the run changed the alerts (a stale cache would show it)


def test_each_worker_wrote_its_own_chain_and_one_verify_covers_both(
    workers: list[TestClient], api_settings: Settings
) -> None:
    base = api_settings.audit_log
    assert base is not None
    assert replica_name(client_settings(workers[0])) == "twoapps"
    replica = replica_name(client_settings(workers[0]))
    paths = [client.app.state.audit.path for client in workers]  # type: ignore[attr-defined]
    assert sorted(p.name for p in paths) == [
        f"api-audit@{replica}-0.log",
        f"api-audit@{replica}-1.log",
    ]
    chains = {e["chain"] for e in read_all_entries(base) if e.get("kind") == "request"}
    # Both workers' chains hold requests (beside them: the fresh app's own api-audit.log).
    assert {p.name for p in paths} <= chains
    report = verify_chains(base, AUDIT_KEY.encode())
    assert report.ok, report.problems
    assert {c.path.name for c in report.chains} == chains


# --- knooppunt serve --workers 2 ---------------------------------------------------------------


class _Served:
    """``knooppunt serve --workers 2`` in its own process group (the supervisor and its
    workers are killed together)."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "KNOOPPUNT_INSTANCE": settings.instance,
            "KNOOPPUNT_JWT_SECRET": JWT_SECRET,
            "KNOOPPUNT_AUDIT_KEY": AUDIT_KEY,
            "KNOOPPUNT_AUDIT_LOG": str(log),
            "KNOOPPUNT_REPLICA": "testhost",
            "KNOOPPUNT_METRICS_TOKEN": METRICS_TOKEN,
            **WIDE_GATE_ENV,
        }
        knooppunt = str(Path(sys.executable).parent / "knooppunt")
        command = [knooppunt, "serve", "--port", str(self.port), "--workers", "2"]
        self.process = subprocess.Popen(
            [*command, "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        if not wait_until_ready(self.base, timeout=180, alive=lambda: self.process.poll() is None):
            err = self.process.stderr.read().decode() if self.process.stderr else ""
            self.kill()
            raise AssertionError(f"knooppunt serve --workers 2 did not start: {err[-2000:]}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


METRICS_TOKEN = "operator-metrics-token-for-the-workers-test"


def _alerts_answered(base: str) -> float:
    """``GET /alerts`` answered 200, as one scrape of ``/metrics`` counts them."""
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    # A new connection per scrape, so that the scrapes spread over the workers.
    text = httpx.get(f"{base}/metrics", headers=headers, timeout=30).raise_for_status().text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "knooppunt_http_requests_total"
        and sample.labels.get("route") == "/alerts"
        and sample.labels.get("status") == "200"
    )


def test_serve_with_two_workers_keeps_every_entry_in_two_chains(
    api_settings: Settings, seeded: neo4j.Driver, tmp_path: Path
) -> None:
    base = tmp_path / "audit" / "api-audit.log"
    served = _Served(api_settings, base)
    try:

        def call(n: int) -> int:
            headers = auth(api_settings, "Limburg", subject=f"multi-{n}")
            return httpx.get(f"{served.base}/alerts", headers=headers, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(call, range(60)))
        # Whichever worker answers a scrape, it counts the requests of both.
        answered = {_alerts_answered(served.base) for _ in range(8)}
    finally:
        served.kill()  # SIGKILL to all: no shutdown, no flush
    assert statuses == [200] * 60
    assert answered == {60.0}
    assert [p.name for p in chain_logs(base)] == [
        "api-audit@testhost-0.log",
        "api-audit@testhost-1.log",
    ]
    entries = [e for e in read_all_entries(base) if str(e.get("subject", "")).startswith("multi")]
    assert sorted(e["subject"] for e in entries) == sorted(f"multi-{n}" for n in range(60))
    # Restarted, the workers take the same two slots and continue both chains.
    again = _Served(api_settings, base)
    try:
        assert httpx.get(f"{again.base}/health").status_code == 200
    finally:
        again.kill()
    assert len(chain_logs(base)) == 2
    report = verify_chains(base, AUDIT_KEY.encode())
    assert report.ok, report.problems
