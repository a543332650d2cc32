"""Neo4j through a routing URI (``neo4j://``), as a cluster or Aura is reached (docs/scale.md).

The local Community server serves a routing table for itself, so the routing driver, ingest,
the analysis and the API's reads are tested against it: settings given ``neo4j://127.0.0.1:<bolt
port>`` build a routing driver, and the tiny preset is ingested, analysed and read through the
API with that URI only (``NEO4J_URI`` in the commands' environment).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import neo4j
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from graph.driver import connect, connection_info
from graph.settings import Settings
from tests.integration.api_seed import AUDIT_KEY, JWT_SECRET, auth
from tests.integration.api_support import WIDE_GATE

pytestmark = pytest.mark.slow

_COUNT_NODES = "MATCH (n) RETURN count(n) AS n"
_ROUTING_TABLE = "CALL dbms.routing.getRoutingTable({}, $db) YIELD servers RETURN servers"


@pytest.fixture(scope="module")
def routing_uri(neo4j_settings: Settings, test_instance: str) -> tuple[str, str]:
    """``neo4j://`` URI of the local test instance and its password."""
    if neo4j_settings.neo4j_uri is not None:
        pytest.skip("tests the local server through a routing URI; NEO4J_URI is set")
    info = connection_info(neo4j_settings, test_instance)
    port = urlsplit(info.uri).port
    return f"neo4j://127.0.0.1:{port}", info.password


@pytest.fixture(scope="module")
def routed(routing_uri: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings that know the server only by its routing URI (as a deployment's would)."""
    uri, password = routing_uri
    settings = Settings(
        home=tmp_path_factory.mktemp("home"),
        neo4j_uri=uri,
        neo4j_password=SecretStr(password),
        jwt_secret=SecretStr(JWT_SECRET),
        audit_key=SecretStr(AUDIT_KEY),
        audit_log=tmp_path_factory.mktemp("audit") / "api-audit.log",
    )
    return settings.model_copy(update=WIDE_GATE)


@pytest.fixture
def routed_driver(routed: Settings) -> Iterator[neo4j.Driver]:
    driver = connect(routed)
    yield driver
    driver.close()


def _knooppunt(routing_uri: tuple[str, str], *args: str) -> str:
    """Run ``knooppunt ARGS`` with only ``NEO4J_URI``/``NEO4J_PASSWORD`` naming the server."""
    uri, password = routing_uri
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "KNOOPPUNT_"))}
    env |= {"NEO4J_URI": uri, "NEO4J_PASSWORD": password}
    command = [str(Path(sys.executable).parent / "knooppunt"), *args]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=900, env=env
    )
    assert done.returncode == 0, f"{' '.join(args)}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done.stdout


def test_settings_with_a_routing_uri_give_a_routing_driver(
    routed: Settings, routed_driver: neo4j.Driver
) -> None:
    info = connection_info(routed)
    assert info.uri.startswith("neo4j://")
    assert info.external
    assert isinstance(routed_driver, neo4j.Neo4jDriver)  # routing, not a direct Bolt driver
    records, _, _ = routed_driver.execute_query(
        _ROUTING_TABLE, db=routed.neo4j_database, database_=routed.neo4j_database
    )
    roles = {s["role"] for s in records[0]["servers"]}
    assert roles == {"ROUTE", "READ", "WRITE"}
    # reads routed to a reader answer as the writer does (one server here)
    read, _, _ = routed_driver.execute_query(
        _COUNT_NODES, database_=routed.neo4j_database, routing_=neo4j.RoutingControl.READ
    )
    write, _, _ = routed_driver.execute_query(_COUNT_NODES, database_=routed.neo4j_database)
    assert read[0]["n"] == write[0]["n"]


def test_ingest_analysis_and_api_reads_through_a_routing_uri(
    empty_db: neo4j.Driver,
    neo4j_settings: Settings,
    routing_uri: tuple[str, str],
    routed: Settings,
    tmp_path: Path,
) -> None:
    data, result = tmp_path / "tiny", tmp_path / "analyse.json"
    _knooppunt(routing_uri, "generate", "--preset", "tiny", "--seed", "7", "--out", str(data))
    _knooppunt(routing_uri, "ingest", str(data), "--json")
    _knooppunt(routing_uri, "analyse", "--as-of", "2026-02-01", "--json", str(result))
    summary = json.loads(result.read_text(encoding="utf-8"))
    assert summary["nodes"] > 1_000
    assert summary["clusters"] > 0
    # what went in through the routing URI is what the direct Bolt driver sees
    direct, _, _ = empty_db.execute_query(_COUNT_NODES, database_=neo4j_settings.neo4j_database)
    assert direct[0]["n"] > summary["nodes"]
    with TestClient(create_app(routed)) as client:
        liec = auth(routed, "LIEC")
        alerts = client.get("/alerts", params={"limit": 5}, headers=liec)
        assert alerts.status_code == 200, alerts.text
        items = alerts.json()["items"]
        assert items, "the tiny preset's analysis raises alerts"
        cluster = client.get(f"/clusters/{items[0]['cluster_id']}", headers=liec)
        assert cluster.status_code == 200, cluster.text
        assert cluster.json()["size"] >= 3
