"""Durability and faults with real processes: the audit entry survives a server killed right
after its response, and the API answers 503 while Neo4j is stopped and recovers by itself when
the real server is started again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.audit import read_all_entries, verify_chains
from api.readiness import wait_until_ready
from graph.localdb import server
from graph.settings import Settings
from tests.integration.api_seed import AUDIT_KEY, JWT_SECRET, auth
from tests.integration.api_support import WIDE_GATE_ENV, free_port

pytest_plugins = ["tests.integration.api_support"]


class _Serve:
    """``knooppunt serve`` (its default workers) as a child process group on a free loopback
    port; killed as a group, supervisor and workers together."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "KNOOPPUNT_INSTANCE": settings.instance,
            "KNOOPPUNT_JWT_SECRET": JWT_SECRET,
            "KNOOPPUNT_AUDIT_KEY": AUDIT_KEY,
            "KNOOPPUNT_AUDIT_LOG": str(log),
            # A replica name of this test's own: the chains' Neo4j checkpoints are by name, and
            # another test's chain of the same name would be "emptied" here.
            "KNOOPPUNT_REPLICA": re.sub(r"[^A-Za-z0-9_-]", "_", log.parent.parent.name)[-40:],
            **WIDE_GATE_ENV,
        }
        knooppunt = str(Path(sys.executable).parent / "knooppunt")
        self.process = subprocess.Popen(
            [knooppunt, "serve", "--port", str(self.port), "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        if wait_until_ready(self.base, timeout=180, alive=lambda: self.process.poll() is None):
            return
        if self.process.poll() is not None:
            err = self.process.stderr.read().decode() if self.process.stderr else ""
            raise AssertionError(f"knooppunt serve exited: {err[-2000:]}")
        self.kill()
        raise AssertionError("knooppunt serve did not become ready")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def audit_path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "api-audit.log"


@pytest.fixture
def served(api_settings: Settings, seeded: Any, audit_path: Path) -> Iterator[_Serve]:
    process = _Serve(api_settings, audit_path)
    try:
        yield process
    finally:
        process.kill()


def test_entry_survives_a_kill_right_after_the_response(
    served: _Serve, api_settings: Settings, audit_path: Path
) -> None:
    subject = "crash-probe-1"
    response = httpx.get(
        f"{served.base}/alerts",
        params={"limit": 3},
        headers=auth(api_settings, "Limburg", subject=subject),
    )
    served.kill()  # SIGKILL: no shutdown, no flush
    assert response.status_code == 200
    entries = [e for e in read_all_entries(audit_path) if e.get("subject") == subject]
    assert len(entries) == 1
    assert entries[0]["status"] == 200
    assert entries[0]["result_size"] == len(response.json()["items"])
    assert verify_chains(audit_path, AUDIT_KEY.encode()).ok


def test_concurrent_entries_survive_a_kill_and_the_chain_resumes(
    served: _Serve, api_settings: Settings, audit_path: Path
) -> None:
    def call(n: int) -> int:
        headers = auth(api_settings, "Limburg", subject=f"burst-{n}")
        return httpx.get(f"{served.base}/alerts", headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(call, range(40)))
    served.kill()
    assert statuses == [200] * 40
    subjects = {e.get("subject") for e in read_all_entries(audit_path)}
    assert {f"burst-{n}" for n in range(40)} <= subjects
    # A new server continues the same chain.
    again = _Serve(api_settings, audit_path)
    try:
        httpx.get(f"{again.base}/health")
    finally:
        again.kill()
    report = verify_chains(audit_path, AUDIT_KEY.encode())
    assert report.ok, report.problems
    assert report.entries == len(list(read_all_entries(audit_path)))


@pytest.mark.slow
def test_neo4j_down_gives_503_and_the_api_recovers(
    api_client: TestClient, api_settings: Settings, test_instance: str, neo4j_settings: Settings
) -> None:
    if neo4j_settings.neo4j_uri is not None:
        pytest.skip("stops and starts the local test instance")
    headers = auth(api_settings, "Limburg")
    assert api_client.get("/alerts", headers=headers).status_code == 200
    server.stop(neo4j_settings, test_instance)
    try:
        down = api_client.get("/alerts", headers=headers)
        assert down.status_code == 503, down.text
        assert down.headers["content-type"] == "application/problem+json"
        assert down.json()["type"].endswith("/neo4j-unavailable")
        assert api_client.get("/ready").status_code == 503
        assert api_client.get("/health").status_code == 200
    finally:
        server.start(neo4j_settings, test_instance)
    # No restart of the API: it answers again once Neo4j does.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and api_client.get("/ready").status_code != 200:
        time.sleep(0.5)
    assert api_client.get("/ready").status_code == 200
    assert api_client.get("/alerts", headers=headers).status_code == 200
