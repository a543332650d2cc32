"""The admission gate (decision 067) in the real app, without a database: a full gate answers
503 ``overloaded`` with ``Retry-After`` at once (audited, counted), the probes answer meanwhile,
the deadline cancels work, and a Neo4j that accepts connections but never answers gives a fast
503 instead of a wait of tens of seconds.

Requests are held on an event in a route added for the test, so the gate is full by
construction; time bounds are generous (rejection well under any wait it could hide)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.audit import read_entries
from api.auth import LIEC, mint_token
from graph.settings import Settings
from tests.api_offline import offline_settings

pytestmark = pytest.mark.timeout(60)

HELD = "/test/held/{cluster_id}"


def _settings(tmp_path: Path, **gate: Any) -> Settings:
    values = {
        "api_max_in_progress": 2,
        "api_queue_depth": 1,
        "api_queue_wait_ms": 300,
        **gate,
    }
    return offline_settings(tmp_path / "audit.log").model_copy(update=values)


def _app(settings: Settings) -> tuple[FastAPI, dict[str, Any]]:
    """The API app with one extra route that waits until the test releases it."""
    driver = neo4j.AsyncGraphDatabase.driver(
        str(settings.neo4j_uri), auth=("neo4j", "unused"), connection_timeout=2
    )
    app = create_app(settings, driver=driver)
    held: dict[str, Any] = {"release": None, "entered": 0, "cancelled": 0}

    async def held_route(cluster_id: str) -> dict[str, str]:
        held["entered"] += 1
        try:
            await held["release"].wait()
        except asyncio.CancelledError:
            held["cancelled"] += 1
            raise
        return {"id": cluster_id}

    app.add_api_route(HELD, held_route, methods=["GET"])
    return app, held


@contextlib.asynccontextmanager
async def _serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client


async def _until(condition: Any, what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


def _sample(app: FastAPI, name: str, labels: dict[str, str] | None = None) -> float | None:
    value = app.state.metrics.registry.get_sample_value(name, labels or {})
    return None if value is None else float(value)


def test_a_full_gate_answers_503_with_retry_after_at_once(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    app, held = _app(settings)

    async def scenario() -> None:
        held["release"] = asyncio.Event()
        async with _serving(app) as client:
            admitted = [
                asyncio.create_task(client.get(f"/test/held/CL-0000000{i}")) for i in (1, 2)
            ]
            await _until(lambda: held["entered"] == 2, "two requests in progress")
            queued = asyncio.create_task(client.get("/test/held/CL-00000003"))
            await _until(lambda: _sample(app, "knooppunt_http_requests_queued") == 1, "one waits")
            began = time.perf_counter()
            refused = await client.get("/test/held/123456782")
            refused_s = time.perf_counter() - began
            # The probes pass by the full gate (/ready: Neo4j is down here, so a fast 503).
            health = await client.get("/health")
            ready = await client.get("/ready")
            late = await queued  # no place freed within the queue's wait
            held["release"].set()
            done = await asyncio.gather(*admitted)

        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["type"].endswith("/overloaded")
        assert problem["reason"] == "queue-full"
        assert problem["instance"] == HELD  # the template, never the concrete path
        # At once: not after the queue's wait (300 ms), let alone the held requests.
        assert refused_s < 0.25, refused_s
        assert health.status_code == 200
        assert ready.status_code == 503
        assert ready.json()["type"].endswith("/neo4j-unavailable")
        assert late.status_code == 503
        assert late.json()["reason"] == "queue-timeout"
        assert late.headers["retry-after"] == "1"
        assert [r.status_code for r in done] == [200, 200]
        assert held["entered"] == 2  # the refused ones never reached the route

    asyncio.run(scenario())
    rejected = "knooppunt_http_requests_rejected_total"
    assert _sample(app, rejected, {"reason": "queue-full"}) == 1
    assert _sample(app, rejected, {"reason": "queue-timeout"}) == 1
    assert _sample(app, "knooppunt_http_requests_admitted") == 0
    assert _sample(app, "knooppunt_http_admission_limit") == 2
    # Each refusal is audited like any answer, under the route template, its value redacted.
    entries = [e for e in read_entries(settings.audit_log or Path()) if e["kind"] == "request"]
    refusals = [e for e in entries if e["status"] == 503 and e["endpoint"] == HELD]
    assert [e["extra"] for e in refusals] == [
        {"refused": "overloaded", "reason": "queue-full"},
        {"refused": "overloaded", "reason": "queue-timeout"},
    ]
    assert "123456782" not in (settings.audit_log or Path()).read_text()


def test_no_queue_refuses_the_first_request_over_the_limit(tmp_path: Path) -> None:
    settings = _settings(tmp_path, api_max_in_progress=1, api_queue_depth=0)
    app, held = _app(settings)

    async def scenario() -> list[int]:
        held["release"] = asyncio.Event()
        async with _serving(app) as client:
            first = asyncio.create_task(client.get("/test/held/CL-00000001"))
            await _until(lambda: held["entered"] == 1, "one request in progress")
            second = await client.get("/test/held/CL-00000002")
            held["release"].set()
            third_after = await first
            third = await client.get("/test/held/CL-00000003")  # a place is free again
            return [second.status_code, third_after.status_code, third.status_code]

    assert asyncio.run(scenario()) == [503, 200, 200]


def test_the_deadline_cancels_the_work_and_answers_503(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        api_request_deadline_s=0.5,
        neo4j_connection_timeout_s=0.1,
        neo4j_acquisition_timeout_s=0.2,
        neo4j_query_timeout_s=0.3,
    )
    app, held = _app(settings)

    async def scenario() -> httpx.Response:
        held["release"] = asyncio.Event()  # never set
        async with _serving(app) as client:
            return await client.get("/test/held/CL-00000001")

    began = time.perf_counter()
    response = asyncio.run(scenario())
    assert time.perf_counter() - began < 20  # the route would wait for ever
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/deadline-exceeded")
    assert held["cancelled"] == 1  # the work was stopped, not left running
    assert _sample(app, "knooppunt_http_requests_rejected_total", {"reason": "deadline"}) == 1
    assert _sample(app, "knooppunt_http_requests_admitted") == 0  # its place was given back


def test_settings_refuse_neo4j_timeouts_outside_the_deadline(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="KNOOPPUNT_API_REQUEST_DEADLINE_S"):
        Settings(api_request_deadline_s=4, neo4j_query_timeout_s=5)
    with pytest.raises(ValueError, match="ACQUISITION_TIMEOUT_S"):
        Settings(neo4j_connection_timeout_s=3, neo4j_acquisition_timeout_s=3)


@pytest.fixture
def silent_neo4j() -> Iterator[int]:
    """A port that accepts TCP connections and never answers (a Neo4j starting, stopping or
    hung): the driver's own defaults would wait 30 s to connect and 60 s for a connection."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(128)
        yield int(server.getsockname()[1])


def test_a_neo4j_that_never_answers_gives_a_fast_503(tmp_path: Path, silent_neo4j: int) -> None:
    settings = offline_settings(tmp_path / "audit.log").model_copy(
        update={"neo4j_uri": f"bolt://127.0.0.1:{silent_neo4j}"}
    )
    app = create_app(settings)  # its own driver, with the settings' timeouts
    token = mint_token(settings, subject="u", org=LIEC, role="analyst")

    async def scenario() -> list[tuple[int, str, float]]:
        async with _serving(app) as client:
            answers = []
            for path in ("/alerts", "/ready", "/health"):
                began = time.perf_counter()
                r = await client.get(path, headers={"Authorization": f"Bearer {token}"})
                slug = r.json().get("type", "").rsplit("/", 1)[-1]
                answers.append((r.status_code, slug, time.perf_counter() - began))
            return answers

    (alerts, alerts_s), (ready, ready_s), (health, _) = [
        ((status, slug), seconds) for status, slug, seconds in asyncio.run(scenario())
    ]
    assert alerts == (503, "neo4j-unavailable")
    assert ready == (503, "neo4j-unavailable")
    assert health[0] == 200
    # The connect timeout is 2 s; before, the request waited for the 10 s query bound.
    assert alerts_s < 8, alerts_s
    assert ready_s < 8, ready_s
