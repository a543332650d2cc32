"""The Bibob deadline alert for operators on the real Neo4j (the API's seed graph): the
``/metrics`` gauge of requests near and past their deadline per RIEC, and ``knooppunt bibob
due``, which exits 9 when any request is past its deadline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import neo4j
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.app import create_app
from graph.cases import bibob
from graph.cases.ops import run_case_plan
from graph.cases.records import Actor, NewBibobRequest
from graph.errors import ExitCode
from graph.geography import load_geography
from graph.settings import PACKAGED_GEOGRAPHY_DIR, Settings
from knooppunt.cli import main
from tests.integration.api_seed import IDS

pytest_plugins = ["tests.integration.api_support"]

_TOKEN = "operator-metrics-token-0123456789abcdef"


def _today() -> date:
    return datetime.now(UTC).date()


def _submit(driver: neo4j.Driver, database: str, org: str, code: str, days_ago: int) -> str:
    """A request of ``org`` received ``days_ago`` days ago (its term is 56 days)."""
    new = NewBibobRequest(
        municipality_code=code,
        applicant=IDS["KVK_L"],
        permit_kind="subsidy",
        received_on=_today() - timedelta(days=days_ago),
    )
    actor = Actor(subject=f"{org}-coordinator", org=org, role="coordinator")
    plan = bibob.submit(
        new, actor, today=_today(), geography=load_geography(PACKAGED_GEOGRAPHY_DIR)
    )
    return str(run_case_plan(plan, driver, database))


def _gauge(client: TestClient) -> dict[tuple[str, str], float]:
    r = client.get("/metrics", headers={"Authorization": f"Bearer {_TOKEN}"})
    assert r.status_code == 200, r.text
    return {
        (s.labels["org"], s.labels["due"]): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
        if s.name == "knooppunt_bibob_requests_due"
    }


def test_the_gauge_and_the_cli_warn_of_near_and_past_deadlines(
    seeded: neo4j.Driver,
    api_settings: Settings,
    neo4j_settings: Settings,
    test_instance: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = neo4j_settings.neo4j_database
    monkeypatch.setenv("KNOOPPUNT_INSTANCE", test_instance)
    settings = api_settings.model_copy(update={"metrics_token": SecretStr(_TOKEN)})
    with TestClient(create_app(settings)) as client:
        assert _gauge(client).get(("Limburg", "overdue")) == 0
        far = _submit(seeded, db, "Limburg", "GM0935", 0)  # 56 days left
        # nothing near: the CLI lists nothing and exits 0
        assert main(["bibob", "due", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"within": 14, "overdue": 0, "items": []}
        near = _submit(seeded, db, "Limburg", "GM0935", 50)  # 6 days left
        late = _submit(seeded, db, "Oost-Brabant", "GM0772", 60)  # 4 days past
        concluded = _submit(seeded, db, "Limburg", "GM0935", 70)
        run_case_plan(
            bibob.conclude(
                concluded,
                conclusion="none",
                reasons=["x"],
                actor=Actor(subject="c", org="Limburg", role="coordinator"),
            ),
            seeded,
            db,
        )
        gauge = _gauge(client)
        assert gauge[("Limburg", "near")] == 1
        assert gauge[("Limburg", "overdue")] == 0  # the concluded one is not due
        assert gauge[("Oost-Brabant", "overdue")] == 1
        assert gauge[("Noord", "near")] == 0
        scrape = client.get("/metrics", headers={"Authorization": f"Bearer {_TOKEN}"}).text
        assert not any(i in scrape for i in (far, near, late, IDS["KVK_L"]))
    assert int(ExitCode.OVERDUE) == 9  # documented in the README
    assert main(["bibob", "due", "--json"]) == ExitCode.OVERDUE
    out = json.loads(capsys.readouterr().out)
    assert out["overdue"] == 1
    assert [(i["id"], i["days_left"]) for i in out["items"]] == [(late, -4), (near, 6)]
    assert "applicant" not in out["items"][0]
    # a narrower window still reports the overdue one; plain text names each
    assert main(["bibob", "due", "--within", "3"]) == 9
    text = capsys.readouterr().out
    assert late in text
    assert near not in text
    assert "OVERDUE" in text
    assert main(["bibob", "due", "--within", "60", "--json"]) == 9
    assert far in {i["id"] for i in json.loads(capsys.readouterr().out)["items"]}
    assert main(["bibob", "due", "--within", "-1"]) == 2
