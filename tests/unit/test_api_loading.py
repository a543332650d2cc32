"""The partly-written-delivery refusal without a database: the problem it gives, how the error
handlers render it, and what the OpenAPI document says about it (decision 047)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.errors import PartialDeliveryError, install_error_handlers
from api.loading import RETRY_AFTER_S, partial_delivery_error
from graph.geography import load_geography
from graph.settings import Settings, get_settings
from ingest.delivery import check_delivery, iter_records
from ingest.mapping import load_mappings
from ingest.queries import DELIVERY_CHUNK_COMMITTED, DELIVERY_COMMIT
from ingest.writer import write_delivery
from tests.ingest_fixtures import pol_delivery

#: The operations answered from the live graph; every other one reads stored results.
LIVE_OPERATIONS = {
    ("get", "/subjects/{token}/network"),
    ("get", "/companies/{kvk}/network"),
    ("get", "/subjects/{token}/export"),
    ("get", "/clusters/{cluster_id}/graph"),
    ("get", "/clusters/{cluster_id}/view"),
    ("get", "/clusters/{cluster_id}/expand"),
    ("post", "/clusters/{cluster_id}/exports"),
    ("get", "/trends"),
    ("get", "/trends.csv"),
    ("get", "/trends.xlsx"),
    ("get", "/bibob/requests/{request_id}/screening"),
}


def _deliveries(n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"POL-20261201-{i:02d}", "partner": "POL", "chunks_committed": i + 1}
        for i in range(n)
    ]


def test_the_problem_names_deliveries_and_partners_and_says_when_to_retry() -> None:
    error = partial_delivery_error(_deliveries(2))
    assert error.status == 503
    assert error.type_uri.endswith("/delivery-partly-written")
    assert error.headers == {"Retry-After": str(RETRY_AFTER_S)}
    assert error.extra == {"deliveries": _deliveries(2), "retry_after": RETRY_AFTER_S}
    assert "POL-20261201-00 (partner POL)" in error.detail
    assert "POL-20261201-01 (partner POL)" in error.detail


def test_the_problem_lists_at_most_ten_deliveries_and_counts_the_rest() -> None:
    error = partial_delivery_error(_deliveries(13))
    assert len(error.extra["deliveries"]) == 10
    assert error.detail.count("(partner POL)") == 10
    assert "and 3 more" in error.detail


def test_the_problem_carries_only_the_record_fields_it_is_given_by_name() -> None:
    # Whatever else a Delivery record might hold (a checksum, a region) stays out.
    row = {"id": "BD-20261101-01", "partner": "BD", "chunks_committed": 3, "checksum": "abc123"}
    error = partial_delivery_error([row])
    assert error.extra["deliveries"] == [
        {"id": "BD-20261101-01", "partner": "BD", "chunks_committed": 3}
    ]
    assert "abc123" not in error.detail


def test_the_handler_renders_it_as_problem_json_with_retry_after() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/live/{token}")
    async def live(token: str) -> None:
        raise partial_delivery_error(_deliveries(1))

    response = TestClient(app).get("/live/PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == str(RETRY_AFTER_S)
    body = response.json()
    assert body["type"].endswith("/delivery-partly-written")
    assert body["title"] == PartialDeliveryError.title
    assert body["instance"] == "/live/{token}"  # the route template, never the path
    assert body["deliveries"] == _deliveries(1)
    assert body["retry_after"] == RETRY_AFTER_S
    assert "PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ" not in json.dumps(body)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    settings = Settings(
        jwt_secret=SecretStr("unit-test-secret-that-is-long-enough-for-hs256"),
        audit_key=SecretStr("unit-test-audit-key-0123456789abcdef"),
    )
    document: dict[str, Any] = create_app(settings).openapi()
    return document


def test_openapi_lists_the_503_of_every_live_graph_endpoint(spec: dict[str, Any]) -> None:
    found = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            response = operation["responses"].get("503")
            if response is None:
                continue
            assert response["content"]["application/problem+json"]
            if "delivery-partly-written" in response["description"]:
                assert "Retry-After" in response["headers"]
                found.add((method, path))
    assert found == LIVE_OPERATIONS


def test_openapi_documents_readiness_with_the_live_graph_state(spec: dict[str, Any]) -> None:
    ready = spec["paths"]["/ready"]["get"]["responses"]
    assert ready["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Readiness")
    readiness = spec["components"]["schemas"]["Readiness"]
    assert readiness["properties"]["live_graph"]["enum"] == ["consistent", "partial"]
    assert set(readiness["required"]) == {"status", "live_graph", "partial_deliveries"}


# --- the writer's flag that the refusal reads ----------------------------------------------


class _Result:
    def consume(self) -> None:
        return None


class _RecordingDriver:
    """Records, per transaction, the statements the writer runs and whether it committed."""

    def __init__(self) -> None:
        self.transactions: list[list[str]] = []

    # driver
    def execute_query(self, query: str, *args: Any, **kwargs: Any) -> tuple[list[Any], None, None]:
        return [], None, None

    def session(self, **kwargs: Any) -> _RecordingDriver:
        return self

    def __enter__(self) -> _RecordingDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    # session
    def begin_transaction(self) -> _RecordingTx:
        self.transactions.append([])
        return _RecordingTx(self.transactions[-1])


class _RecordingTx:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self._closed = False

    def run(self, query: str, *args: Any, **kwargs: Any) -> _Result:
        self.log.append(query)
        return _Result()

    def commit(self) -> None:
        self.log.append("COMMIT")
        self._closed = True

    def close(self) -> None:
        self._closed = True

    def closed(self) -> bool:
        return self._closed


def _write(tmp_path: Path, max_transaction_records: int | None) -> list[list[str]]:
    checked = check_delivery(
        pol_delivery(tmp_path, incidents=100),
        load_mappings(),
        load_geography(get_settings().require_geography_dir()),
    )
    driver = _RecordingDriver()
    try:
        write_delivery(
            driver,  # type: ignore[arg-type]
            checked,
            iter_records(checked),
            database="neo4j",
            batch_size=20,
            max_transaction_records=max_transaction_records,
        )
    finally:
        checked.close()
    return driver.transactions


def test_each_chunk_flags_itself_in_its_own_transaction_before_it_commits(tmp_path: Path) -> None:
    transactions = _write(tmp_path, max_transaction_records=60)
    assert len(transactions) >= 3
    *chunks, last = transactions
    for statements in chunks:
        assert statements[-2:] == [DELIVERY_CHUNK_COMMITTED, "COMMIT"]
        assert statements.count(DELIVERY_CHUNK_COMMITTED) == 1
        assert len(statements) > 2  # the flag travels with data
    assert DELIVERY_CHUNK_COMMITTED not in last
    assert last[-2:] == [DELIVERY_COMMIT, "COMMIT"]


def test_a_one_transaction_delivery_never_flags_itself(tmp_path: Path) -> None:
    (only,) = _write(tmp_path, max_transaction_records=None)
    assert DELIVERY_CHUNK_COMMITTED not in only
    assert only[-2:] == [DELIVERY_COMMIT, "COMMIT"]
