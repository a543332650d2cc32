"""Security headers on every answer (issue 17, item 10): nosniff everywhere, a same-origin CSP on
every HTML answer, no-store on everything but the packaged static assets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import mint_token
from api.headers import CONTENT_SECURITY_POLICY
from graph.settings import Settings
from tests.api_offline import offline_settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    settings = offline_settings(tmp_path / "audit.log")
    driver = neo4j.AsyncGraphDatabase.driver(
        str(settings.neo4j_uri), auth=("neo4j", "unused"), connection_timeout=1
    )
    with TestClient(create_app(settings, driver=driver)) as test_client:
        yield test_client, settings


def test_json_answers_are_not_stored_or_sniffed(client: tuple[TestClient, Settings]) -> None:
    test_client, settings = client
    token = mint_token(settings, subject="u", org="Limburg", role="analyst")
    for response in (
        test_client.get("/health"),
        test_client.get("/alerts"),  # 401 problem without a token
        test_client.get(
            "/subjects/PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ/network",
            headers={"Authorization": f"Bearer {token}"},
        ),  # 403 problem: person-level without a case reference
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert "content-security-policy" not in response.headers


def test_html_answers_carry_the_same_origin_policy(client: tuple[TestClient, Settings]) -> None:
    test_client, _ = client
    response = test_client.get("/redoc")
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_static_assets_may_be_cached(client: tuple[TestClient, Settings]) -> None:
    test_client, _ = client
    response = test_client.get("/static/vendor/swagger-ui/favicon-32x32.png")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in response.headers
