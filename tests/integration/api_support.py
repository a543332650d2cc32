"""Fixtures and helpers shared by the API integration tests (imported by each test module).

``api_client`` serves :func:`api.create_app` in-process (``TestClient``) against the test
Neo4j seeded with :mod:`tests.integration.api_seed`; the audit log goes to a temporary file.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import neo4j
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.readiness import wait_until_ready
from graph.settings import Settings
from tests.integration import api_seed
from tests.integration.api_seed import AUDIT_KEY, JWT_SECRET
from tests.integration.conftest import wipe

__all__ = [
    "WIDE_GATE",
    "WIDE_GATE_ENV",
    "api_client",
    "api_settings",
    "free_port",
    "seeded",
    "served_app",
]

#: Admission settings for functional tests: up to 32 requests at once, a queue of 200 that may
#: wait 30 s, a deadline of 30 s and queries of up to 20 s (every concurrent test request is
#: served, none refused as overload, also on a machine busy with other jobs).
WIDE_GATE: Final = {
    "api_max_in_progress": 32,
    "api_queue_depth": 200,
    "api_queue_wait_ms": 30_000,
    "api_request_deadline_s": 30.0,
    "neo4j_query_timeout_s": 20.0,
}
#: Its admission limits as environment variables, for tests that start ``knooppunt serve``.
WIDE_GATE_ENV: Final = {
    f"KNOOPPUNT_{k.upper()}": str(v)
    for k, v in WIDE_GATE.items()
    if k.startswith("api_queue") or k == "api_max_in_progress"
}


def free_port() -> int:
    """A free TCP port on loopback, for a test that runs a real server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_app(app: FastAPI, port: int, *, ready: bool = True) -> Iterator[str]:
    """``app`` under uvicorn on ``127.0.0.1:port`` in a thread, for a test that needs a real
    HTTP server (a browser, a notebook's client); yields its origin. With ``ready`` it also
    waits until ``/ready`` answers (Neo4j reached), else only until uvicorn has started."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 60 s"
        time.sleep(0.05)
    if ready and not wait_until_ready(base, timeout=60):
        pytest.fail("the API did not become ready")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def seeded(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> neo4j.Driver:
    """The test database holding only the API seed graph (local instance only)."""
    if neo4j_settings.neo4j_uri is not None:
        pytest.skip("needs an empty database; NEO4J_URI points at a server tests must not wipe")
    wipe(neo4j_driver, database=neo4j_settings.neo4j_database)
    api_seed.seed(neo4j_driver, database=neo4j_settings.neo4j_database)
    return neo4j_driver


@pytest.fixture(scope="module")
def api_settings(neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The test server's settings with a test JWT secret, audit key and audit log, and an
    admission gate wide enough for the tests that send requests concurrently (the gate's own
    tests set their limits: ``tests/unit/test_api_admission.py``)."""
    log: Path = tmp_path_factory.mktemp("audit") / "api-audit.log"
    return neo4j_settings.model_copy(
        update={
            "jwt_secret": SecretStr(JWT_SECRET),
            "audit_key": SecretStr(AUDIT_KEY),
            "audit_log": log,
            **WIDE_GATE,
        }
    )


@pytest.fixture(scope="module")
def api_client(api_settings: Settings, seeded: neo4j.Driver) -> Iterator[TestClient]:
    """The app, in-process, with its lifespan (one async driver, the audit log)."""
    with TestClient(create_app(api_settings)) as client:
        yield client
