"""Operations without a database: the application log (JSON and console), one line per request
without path or token, ``X-Request-ID``, and ``/metrics`` behind the operator's token with
``knooppunt_neo4j_up 0`` while Neo4j does not answer."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api import queries as q
from api.app import create_app
from api.audit import read_entries
from api.auth import mint_token
from api.metrics import Metrics, query_name
from graph.logs import configure_logging, get_logger, uses_json
from graph.settings import Settings
from tests.api_offline import offline_settings

METRICS_TOKEN = "operator-metrics-token-0123456789abcdef"
#: A valid-looking BSN in a path: it must reach neither the log nor the metrics.
BSN_LIKE = "111222333"


class _Stream(io.StringIO):
    def __init__(self, *, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def _settings(**update: object) -> Settings:
    return Settings(jwt_secret="x" * 40, audit_key="y" * 40).model_copy(update=update)


def test_auto_format_is_json_unless_a_terminal() -> None:
    settings = _settings()
    assert uses_json(settings, _Stream(tty=False))
    assert not uses_json(settings, _Stream(tty=True))
    assert uses_json(_settings(log_format="json"), _Stream(tty=True))
    assert not uses_json(_settings(log_format="console"), _Stream(tty=False))


def test_json_log_takes_structlog_and_library_records(restore_logging: None) -> None:
    stream = _Stream(tty=False)
    configure_logging(_settings(log_format="json", log_level="info"), stream=stream)
    get_logger("knooppunt.test").info("request", status=200, route="/alerts")
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    logging.getLogger("neo4j").info("driver chatter is below the threshold")
    get_logger("knooppunt.test").debug("below the level")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["request", "Started server process [42]"]
    assert lines[0]["status"] == 200
    assert lines[0]["level"] == "info"
    assert lines[0]["logger"] == "knooppunt.test"
    assert lines[1]["logger"] == "uvicorn.error"
    assert all(line["timestamp"].endswith("Z") for line in lines)


def test_console_log_is_one_readable_line(restore_logging: None) -> None:
    stream = _Stream(tty=False)
    configure_logging(_settings(log_format="console"), stream=stream)
    get_logger("knooppunt.test").warning("neo4j query failed", query="ALERTS_PAGE")
    (line,) = stream.getvalue().splitlines()
    assert "neo4j query failed" in line
    assert "query=ALERTS_PAGE" in line
    assert "\x1b[" not in line  # no colours when the stream is not a terminal
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return offline_settings(tmp_path / "audit.log").model_copy(
        update={"metrics_token": SecretStr(METRICS_TOKEN)}
    )


def _client(settings: Settings) -> TestClient:
    driver = neo4j.AsyncGraphDatabase.driver(
        str(settings.neo4j_uri), auth=("neo4j", "unused"), connection_timeout=1
    )
    return TestClient(create_app(settings, driver=driver))


def test_one_log_line_per_request_without_path_or_token(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    token = mint_token(settings, subject="user-7f3a", org="Limburg", role="analyst")
    with caplog.at_level(logging.INFO, logger="knooppunt.api"), _client(settings) as client:
        health = client.get("/health")
        refused = client.get(
            f"/subjects/{BSN_LIKE}/network",
            params={"email": "someone@example.org"},
            headers={"Authorization": f"Bearer {token}"},
        )
    events = [r.msg for r in caplog.records if r.name == "knooppunt.api"]
    assert len(events) == 2
    assert all(isinstance(e, dict) and e["event"] == "request" for e in events)
    first, second = events
    assert isinstance(first, dict)
    assert isinstance(second, dict)
    assert first["request_id"] == health.headers["X-Request-ID"]
    assert (first["method"], first["route"], first["status"]) == ("GET", "/health", 200)
    assert first["org"] is None
    assert second["request_id"] == refused.headers["X-Request-ID"]
    assert second["route"] == "/subjects/{token}/network"
    assert second["status"] == refused.status_code
    assert (second["org"], second["role"]) == ("Limburg", "analyst")
    assert second["duration_ms"] >= 0
    text = repr(events)
    for secret in (BSN_LIKE, "someone@example.org", token, "user-7f3a"):
        assert secret not in text
    # The audit entry carries the same request id, so one is found from the other.
    entries = list(read_entries(settings.audit_log or Path()))
    assert [e["request_id"] for e in entries] == [first["request_id"], second["request_id"]]


def test_request_id_is_ours_not_the_callers(settings: Settings) -> None:
    with _client(settings) as client:
        response = client.get("/health", headers={"X-Request-ID": BSN_LIKE})
    assert response.headers["X-Request-ID"] != BSN_LIKE
    assert len(response.headers["X-Request-ID"]) == 32
    assert response.headers.get_list("X-Request-ID") == [response.headers["X-Request-ID"]]


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def test_metrics_need_the_operators_token(settings: Settings) -> None:
    user = mint_token(settings, subject="ana", org="LIEC", role="analyst")
    with _client(settings) as client:
        client.get("/health")
        client.get(f"/subjects/{BSN_LIKE}/network")
        assert client.get("/metrics").status_code == 401
        assert (
            client.get("/metrics", headers={"Authorization": f"Bearer {user}"}).status_code == 401
        )
        wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40})
        assert wrong.status_code == 401
        assert wrong.headers["content-type"].startswith("application/problem+json")
        scrape = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = _samples(scrape.text)
    key = (("method", "GET"), ("route", "/health"), ("status", "200"))
    assert samples[("knooppunt_http_requests_total", key)] == 1
    unauth = (("method", "GET"), ("route", "/subjects/{token}/network"), ("status", "401"))
    assert samples[("knooppunt_http_requests_total", unauth)] == 1
    assert (
        samples[
            (
                "knooppunt_http_requests_total",
                (("method", "GET"), ("route", "/metrics"), ("status", "401")),
            )
        ]
        == 3
    )
    assert samples[("knooppunt_neo4j_up", ())] == 0  # Neo4j does not answer; the scrape does
    assert samples[("knooppunt_http_requests_in_flight", ())] == 1  # the scrape itself
    assert samples[("knooppunt_neo4j_pool_max_size", ())] == 100
    errors = [k for k in samples if k[0] == "knooppunt_neo4j_query_errors_total"]
    assert errors
    assert all(dict(k[1])["query"] == "OPERATIONS_RECORDS" for k in errors)
    assert not any(name.startswith("knooppunt_analysis_") for name, _ in samples)
    assert BSN_LIKE not in scrape.text
    # Refused scrapes are audited, the successful one is not.
    entries = list(read_entries(settings.audit_log or Path()))
    assert [e["endpoint"] for e in entries] == ["/health", "/subjects/{token}/network"] + [
        "/metrics"
    ] * 3
    assert all(e["status"] == 401 for e in entries[-3:])
    assert samples[("knooppunt_audit_write_duration_seconds_count", ())] == len(entries)


def test_metrics_without_a_token_do_not_exist(tmp_path: Path) -> None:
    settings = offline_settings(tmp_path / "audit.log")
    assert settings.metrics_token is None
    with _client(settings) as client:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 404


def test_run_figures_from_the_records() -> None:
    metrics = Metrics()
    records = {
        "analysis": [
            {"status": "completed", "n": 3, "millis": 42_500},
            {"status": "running", "n": 1, "millis": None},
        ],
        "last_analysis": [{"at": 1_764_633_600_000, "millis": 12_250}],
        "deliveries": [
            {"status": "committed", "n": 12, "millis": 95_000, "rows": 5000, "rejected": 7}
        ],
        "last_delivery": [],
    }
    samples = _samples(metrics.exposition(records)[0].decode())
    assert samples[("knooppunt_neo4j_up", ())] == 1
    assert samples[("knooppunt_analysis_runs_total", (("status", "completed"),))] == 3
    assert samples[("knooppunt_analysis_runs_total", (("status", "running"),))] == 1
    assert samples[("knooppunt_analysis_seconds_total", (("status", "completed"),))] == 42.5
    assert samples[("knooppunt_analysis_last_duration_seconds", ())] == 12.25
    assert samples[("knooppunt_analysis_last_completed_timestamp_seconds", ())] == 1_764_633_600
    assert samples[("knooppunt_ingest_deliveries_total", (("status", "committed"),))] == 12
    assert samples[("knooppunt_ingest_rows_total", (("outcome", "rejected"),))] == 7
    assert ("knooppunt_ingest_last_duration_seconds", ()) not in samples
    down = _samples(metrics.exposition(None)[0].decode())
    assert down[("knooppunt_neo4j_up", ())] == 0
    assert not any(name.startswith("knooppunt_ingest_") for name, _ in down)


def test_bibob_deadline_gauge_per_region_without_identifiers() -> None:
    records = {
        "analysis": [],
        "last_analysis": [],
        "deliveries": [],
        "last_delivery": [],
        "bibob_due": {"Limburg": {"near": 2, "overdue": 1}},
    }
    samples = _samples(Metrics().exposition(records)[0].decode())
    due = {k[1]: v for k, v in samples.items() if k[0] == "knooppunt_bibob_requests_due"}
    assert due[(("due", "near"), ("org", "Limburg"))] == 2
    assert due[(("due", "overdue"), ("org", "Limburg"))] == 1
    # every region, zero where nothing is due, and no label but the region and the kind
    assert due[(("due", "overdue"), ("org", "Noord"))] == 0
    assert len(due) == 2 * 10
    assert {name for labels in due for name, _ in labels} == {"due", "org"}
    without = _samples(Metrics().exposition({**records, "bibob_due": None})[0].decode())
    assert not any(k[0] == "knooppunt_bibob_requests_due" for k in without)


def test_query_names_are_the_constants() -> None:
    assert query_name(q.ALERTS_PAGE) == "ALERTS_PAGE"
    assert query_name(q.OPERATIONS_RECORDS) == "OPERATIONS_RECORDS"
    assert query_name("MATCH (n) RETURN n") == "other"


def test_metrics_token_from_a_file_and_its_length_in_production(tmp_path: Path) -> None:
    path = tmp_path / "metrics_token"
    path.write_text(METRICS_TOKEN + "\n", encoding="utf-8")
    settings = Settings(metrics_token_file=path)
    assert settings.metrics_token is not None
    assert settings.metrics_token.get_secret_value() == METRICS_TOKEN
    production = {
        "mode": "production",
        "neo4j_uri": "bolt://db:7687",
        "neo4j_password": "p" * 20,
        "jwt_secret": "j" * 40,
        "audit_key": "a" * 40,
        "session_secret": "s" * 40,
    }
    Settings(**production, metrics_token=METRICS_TOKEN)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="KNOOPPUNT_METRICS_TOKEN must have 32"):
        Settings(**production, metrics_token="short")  # type: ignore[arg-type]


def test_metrics_in_openmetrics_when_the_scraper_asks(settings: Settings) -> None:
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    with _client(settings) as client:
        scrape = client.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}", "Accept": accept}
        )
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("application/openmetrics-text")
    assert scrape.text.endswith("# EOF\n")
