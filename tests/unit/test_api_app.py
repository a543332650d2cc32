"""The app without a database: authentication on every operation, problem+json, audit per
request, and 503 while Neo4j does not answer (a real driver pointed at a closed port)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.audit import read_entries, verify_log
from api.auth import mint_token
from graph.settings import Settings
from tests.api_offline import AUDIT_KEY, offline_settings

UNPROTECTED = {"/health", "/ready", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
#: The workbench's way in: a browser without a session is sent to sign in, not refused.
UNPROTECTED |= {"/ui/login", "/ui/auth/callback", "/ui/login/link"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return offline_settings(tmp_path / "audit.log")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    driver = neo4j.AsyncGraphDatabase.driver(
        str(settings.neo4j_uri), auth=("neo4j", "unused"), connection_timeout=2
    )
    app = create_app(settings, driver=driver)
    with TestClient(app) as test_client:
        yield test_client


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any], str]]:
    spec = client.get("/openapi.json").json()
    samples = {
        "alert_id": "AL-0123456789ab",
        "cluster_id": "CL-01234567",
        "token": "PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "kvk": "12345678",
    }
    ops = []
    for path, methods in spec["paths"].items():
        template = path
        concrete = path
        for name, value in samples.items():
            concrete = concrete.replace("{" + name + "}", value)
        for method in methods:
            body = {"status": "closed", "note": "x"} if method == "post" else {}
            ops.append((method.upper(), concrete, body, template))
    return ops


def test_every_operation_needs_a_token(client: TestClient, settings: Settings) -> None:
    ops = _operations(client)
    assert len(ops) >= 10
    for method, path, body, template in ops:
        if path in UNPROTECTED:
            continue
        for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
            response = client.request(method, path, json=body or None, headers=headers)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"].startswith("Bearer")
            problem = response.json()
            assert problem["status"] == 401
            # The route template, never the concrete path (it may hold a token).
            assert problem["instance"] == template
    # Every request made one audit entry, in a chain that verifies.
    report = verify_log(settings.audit_log or Path(), AUDIT_KEY.encode())
    assert report.ok, report.problems


def test_health_and_ready_without_neo4j(client: TestClient, settings: Settings) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert ready.json()["type"].endswith("/neo4j-unavailable")


def test_neo4j_down_gives_503_problem(client: TestClient, settings: Settings) -> None:
    token = mint_token(settings, subject="u1", org="Limburg", role="analyst")
    response = client.get("/alerts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    # The problem does not name the server's address.
    assert "127.0.0.1" not in response.text


def test_each_request_is_audited_with_who_what_and_outcome(
    client: TestClient, settings: Settings
) -> None:
    token = mint_token(settings, subject="u1", org="Limburg", role="privacy-officer")
    headers = {"Authorization": f"Bearer {token}", "X-Case-Reference": "RIEC-2025-0042"}
    client.get("/alerts", params={"status": "open"}, headers=headers)  # 403: no alerts for POs
    client.get("/trends", params={"by": "nonsense"}, headers=headers)  # 422
    entries = list(read_entries(settings.audit_log or Path()))
    assert len(entries) == 2
    first, second = entries
    assert first["subject"] == "u1"
    assert first["org"] == "Limburg"
    assert first["role"] == "privacy-officer"
    assert first["endpoint"] == "/alerts"
    assert first["params"] == {"status": "open"}
    assert first["case_reference"] == "RIEC-2025-0042"
    assert first["status"] == 403
    assert first["result_size"] == 0
    assert second["status"] == 422
    assert second["endpoint"] == "/trends"


def test_validation_errors_are_problems_without_echoing_values(
    client: TestClient, settings: Settings
) -> None:
    token = mint_token(settings, subject="u1", org="LIEC", role="analyst")
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/subjects/PRS-not-a-valid-token-value/network", headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "PRS-not-a-valid-token-value" not in response.text
    response = client.get("/subjects/PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ/network", headers=headers)
    assert response.status_code == 403  # no case reference
    assert response.json()["type"].endswith("/case-reference-required")
    response = client.get(
        "/subjects/PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ/network",
        headers={**headers, "X-Case-Reference": "my case"},
    )
    assert response.status_code == 403
    assert "my case" not in response.text


def test_openapi_documents_problems_and_bearer_auth(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    alerts = spec["paths"]["/alerts"]["get"]
    assert "application/problem+json" in alerts["responses"]["401"]["content"]
    assert "application/problem+json" in alerts["responses"]["422"]["content"]
    expected = {
        "/alerts",
        "/alerts/{alert_id}",
        "/alerts/{alert_id}/status",
        "/clusters/{cluster_id}",
        "/clusters/{cluster_id}/graph",
        "/clusters/{cluster_id}/view",
        "/subjects/{token}/network",
        "/companies/{kvk}/network",
        "/subjects/{token}/export",
        "/trends",
        "/health",
        "/ready",
        "/audit",
        "/cases/{reference}/interventions",
        "/cases/{reference}/interventions/{number}/status",
        "/cases/{reference}/advice",
        "/reports/accountability",
    }
    assert expected <= set(spec["paths"])


def test_no_response_leaves_without_its_audit_entry(client: TestClient) -> None:
    """Fail closed: when the entry cannot be written, the caller gets a 503, not the answer."""
    audit = client.app.state.audit  # type: ignore[attr-defined]
    assert client.get("/health").status_code == 200
    os.close(audit._fd)  # the log's file descriptor goes away: every write now fails
    try:
        response = client.get("/health")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/audit-unavailable")
        assert client.get("/health").status_code == 503  # and stays refused until a restart
    finally:
        audit._fd = -1  # already closed


def test_refused_requests_leave_no_identifier_in_the_audit_log(
    client: TestClient, settings: Settings
) -> None:
    """Issue 17 item 5: a BSN in the path, an e-mail address, IBAN, phone or plate in the query
    and an unknown parameter name: the requests are refused, and the log holds none of it."""
    token = mint_token(settings, subject="u1", org="Limburg", role="analyst")
    headers = {"Authorization": f"Bearer {token}"}
    identifiers = ["123456782", "jan.jansen@example.nl", "NL91ABNA0417164300", "0612345678"]
    responses = [
        client.get(f"/subjects/{identifiers[0]}/network?email={identifiers[1]}", headers=headers),
        client.get(f"/alerts?status={identifiers[2]}&{identifiers[3]}=1", headers=headers),
        client.get(f"/trends?region={identifiers[1]}&to=AB-12-CD", headers=headers),
        client.get(
            "/clusters/CL-0123abcd/graph",
            headers={**headers, "X-Case-Reference": identifiers[0]},
        ),
    ]
    assert all(r.status_code in (400, 403, 422) for r in responses)
    text = (settings.audit_log or Path()).read_text(encoding="utf-8")
    for value in [*identifiers, "jan.jansen", "AB-12-CD", "example.nl"]:
        assert value not in text
    entries = list(read_entries(settings.audit_log or Path()))[-4:]
    assert entries[3]["case_reference"] == "[redacted]"
    assert entries[0]["path_params"] == {"token": "[redacted]"}
    assert entries[0]["path"] == "/subjects/[redacted]/network"
    assert entries[0]["params"] == {"[redacted]": "[redacted]"}
    assert entries[1]["params"]["status"] == "[redacted]"
    assert entries[2]["params"] == {"region": "[redacted]", "to": "[redacted]"}
    # what the API's own shapes are is kept: a token, a date, a code word
    ok = client.get("/alerts?status=open&since=2025-01-01", headers=headers)
    assert ok.status_code in (200, 503)
    last = list(read_entries(settings.audit_log or Path()))[-1]
    assert last["params"] == {"status": "open", "since": "2025-01-01"}


def test_the_browser_sign_in_is_not_part_of_the_api_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/ui/")]
    # but it answers: a session is required where one is read
    assert client.get("/ui/session").status_code == 401
