"""Contract test: schemathesis against the app's OpenAPI document, every operation, with valid
tokens and case references, a fixed number of examples per operation (derandomised): no 5xx,
and no response that breaks the documented status codes, content types or schemas.

The app runs in a real uvicorn server on loopback (its lifespan: one driver, the audit log) on
the seeded test database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.readiness import wait_until_ready
from graph.settings import Settings
from tests.integration.api_seed import AL_CROSS, CASE, CL_CROSS, IDS, auth
from tests.integration.api_support import free_port

pytest_plugins = ["tests.integration.api_support"]

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_base_url(api_settings: Settings, seeded: Any) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(api_settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    if not wait_until_ready(base, timeout=30):
        pytest.fail("the API did not become ready")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# The OpenAPI document does not depend on the server's state: build it from the app itself.
# (schemathesis' lazy ``from_fixture`` loader does not work with pytest 9.)
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_contract(case: Any, api_base_url: str, api_settings: Settings) -> None:
    path = case.operation.path
    if path.startswith("/audit") or path.endswith("/export"):
        headers = auth(api_settings, "LIEC", "privacy-officer", case=CASE)
    else:
        headers = auth(api_settings, "Limburg", "coordinator", case=CASE)
    if case.headers is not None:
        case.headers.pop("X-Case-Reference", None)
        case.headers.pop("Authorization", None)
    case.call_and_validate(base_url=api_base_url, headers=headers, checks=CHECKS)


SEEDED_CASES = [
    ("GET", "/alerts/{alert_id}", {"alert_id": AL_CROSS}, None, False),
    ("POST", "/alerts/{alert_id}/status", {"alert_id": AL_CROSS}, None, False),
    ("GET", "/clusters/{cluster_id}", {"cluster_id": CL_CROSS}, None, False),
    ("GET", "/clusters/{cluster_id}/graph", {"cluster_id": CL_CROSS}, None, False),
    ("GET", "/subjects/{token}/network", {"token": IDS["pL5"]}, {"depth": 3}, False),
    ("GET", "/companies/{kvk}/network", {"kvk": IDS["KVK_L"]}, {"depth": 2}, False),
    ("GET", "/subjects/{token}/export", {"token": IDS["pL1"]}, None, True),
    ("GET", "/trends", None, {"by": "region,quarter", "from": "2025-01-01"}, False),
    ("GET", "/audit", None, {"limit": 5}, True),
]


@pytest.mark.parametrize(("method", "path", "path_parameters", "query", "privacy"), SEEDED_CASES)
def test_openapi_contract_on_seeded_data(
    api_base_url: str,
    api_settings: Settings,
    method: str,
    path: str,
    path_parameters: dict[str, str] | None,
    query: dict[str, Any] | None,
    privacy: bool,
) -> None:
    """The same checks on requests that reach real data (200), which random ids rarely do."""
    operation = schema[path][method]
    extra: dict[str, Any] = {}
    if method == "POST":
        extra["body"] = {"status": "acknowledged", "note": "contract test"}
    case = operation.Case(path_parameters=path_parameters, query=query, **extra)
    headers = (
        auth(api_settings, "LIEC", "privacy-officer", case=CASE)
        if privacy
        else auth(api_settings, "Limburg", "coordinator", case=CASE)
    )
    response = case.call_and_validate(base_url=api_base_url, headers=headers, checks=CHECKS)
    assert response.status_code == 200, response.text
