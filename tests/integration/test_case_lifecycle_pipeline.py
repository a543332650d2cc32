"""A case from an alert to closed on the real pipeline (the tiny preset generated, ingested and
analysed with the project's own commands), with interventions from three partners; its advice
document (HTML and DOCX, parsed back) and the accountability report show it (issue 14)."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import neo4j
import pytest
from docx import Document
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from graph.cases.advice import DOCX_MEDIA_TYPE
from graph.settings import Settings
from graph.subgraph import driver_executor, run_sync
from graph.subgraph.scope import Scope, scope_keys
from tests.integration.api_seed import AUDIT_KEY, JWT_SECRET, auth
from tests.integration.api_support import WIDE_GATE

pytest_plugins = ["tests.integration.pipeline_support"]
pytestmark = pytest.mark.slow

_STATES = ["signal", "intake", "analysis", "advice", "interventions", "evaluation", "closed"]
_TOKEN = re.compile(r"PRS-[A-Z0-9]{26}")
#: The three partners' interventions each case gets: (partner, kind, measure, outcome).
_PLAN = [
    ("GEM", "administrative", "closure_opium_act", "achieved"),
    ("POL", "criminal", "arrest", "achieved"),
    ("BD", "fiscal", "tax_assessment", "partly_achieved"),
]


@pytest.fixture(scope="module")
def settings(neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return neo4j_settings.model_copy(
        update={
            "jwt_secret": SecretStr(JWT_SECRET),
            "audit_key": SecretStr(AUDIT_KEY),
            "audit_log": tmp_path_factory.mktemp("audit") / "api-audit.log",
            **WIDE_GATE,
        }
    )


@pytest.fixture(scope="module")
def client(settings: Settings, pipeline: neo4j.Driver) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _move(client: TestClient, h: dict[str, str], ref: str, here: str, there: str) -> None:
    _ok(client.post(f"/cases/{ref}/status", json={"status": there, "expected": here}, headers=h))


def _open(client: TestClient, h: dict[str, str], alert_id: str | None = None) -> str:
    body: dict[str, Any] = {
        "title": "Hennepteelt en witwassen",
        "phenomenon": "cannabis",
        "purpose": "Integrated enforcement advice on a cannabis network and its premises",
        "legal_basis": "WPG",
        "partners": ["POL"],
    }
    if alert_id is not None:
        body["alert_id"] = alert_id
    reference: str = _ok(client.post("/cases", json=body, headers=h), 201)["reference"]
    return reference


def _interventions(client: TestClient, h: dict[str, str], ref: str, targets: list[str]) -> None:
    """The three partners' interventions, proposed (planned)."""
    for partner, kind, measure, _ in _PLAN:
        body = {
            "partner": partner,
            "kind": kind,
            "measure": measure,
            "targets": targets,
            "date": date.today().isoformat(),
        }
        _ok(client.post(f"/cases/{ref}/interventions", json=body, headers=h), 201)


def _carry_out(client: TestClient, h: dict[str, str], ref: str) -> None:
    """Every intervention under way, then done with its outcome."""
    items = _ok(client.get(f"/cases/{ref}/interventions", headers=h))["items"]
    outcomes = {measure: outcome for _, _, measure, outcome in _PLAN}
    for item in items:
        url = f"/cases/{ref}/interventions/{item['n']}/status"
        _ok(client.post(url, json={"status": "in_progress", "expected": "planned"}, headers=h))
        done = {"status": "done", "expected": "in_progress", "outcome": outcomes[item["measure"]]}
        _ok(client.post(url, json=done, headers=h))


def test_alert_to_closed_with_advice_and_accountability(
    client: TestClient, settings: Settings, pipeline: neo4j.Driver
) -> None:
    alerts = _ok(client.get("/alerts", params={"limit": 50}, headers=auth(settings, "LIEC")))
    alert = alerts["items"][0]
    lead, partner_region = alert["regions"][0], alert["regions"][1]
    h = auth(settings, lead, "coordinator")
    other = auth(settings, partner_region, "coordinator")
    cluster = _ok(client.get(f"/clusters/{alert['cluster_id']}", headers=h))
    people = [m["id"] for m in cluster["members"] if m["kind"] == "person"][:2]
    assert people, "the lead's own members of the cluster are visible to it"

    # signal -> intake -> analysis: the alert's case, its subjects, a second region joins
    ref = _open(client, h, alert["id"])
    _ok(client.post(f"/cases/{ref}/subjects", json={"subjects": people}, headers=h))
    invite = {"action": "invite", "org": partner_region}
    _ok(client.post(f"/cases/{ref}/participants", json=invite, headers=h))
    _ok(client.post(f"/cases/{ref}/participants", json={"action": "accept"}, headers=other))
    for here, there in itertools.pairwise(_STATES[:4]):
        _move(client, h, ref, here, there)

    # the advice: three partners propose their interventions
    _interventions(client, h, ref, people)
    html = client.get(f"/cases/{ref}/advice", headers=other)
    assert html.status_code == 200, html.text
    page = html.text
    assert ref in page
    assert alert["cluster_id"] in page
    for partner, _, _, _ in _PLAN:
        assert f'id="partner-{partner}"' in page
    for label in ("Sluiting pand (art. 13b Opiumwet)", "Aanhouding", "Navorderingsaanslag"):
        assert label in page
    assert all(p in page for p in people)
    assert 'class="evidence"' in page  # the evidence per partner, with provenance
    # only people within the case's scope, and never a name
    record = _ok(client.get(f"/cases/{ref}", headers=h))
    scope = Scope(subjects=frozenset(people), clusters=frozenset(record["cluster_ids"]))
    execute = driver_executor(pipeline, settings.neo4j_database)
    keys = run_sync(scope_keys(scope, today=datetime.now(UTC).date()), execute)
    rows, _, _ = pipeline.execute_query(
        "MATCH (p:Person) WHERE elementId(p) IN $keys RETURN collect(p.id) AS ids",
        keys=sorted(keys),
        database_=settings.neo4j_database,
    )
    in_scope = set(rows[0]["ids"])
    shown = set(_TOKEN.findall(page))
    assert shown
    assert shown <= in_scope
    names, _, _ = pipeline.execute_query(
        "MATCH (c:Company) WHERE c.name IS NOT NULL RETURN collect(c.name)[..200] AS names",
        database_=settings.neo4j_database,
    )
    assert not [n for n in names[0]["names"] if f">{n}<" in page]
    docx = client.get(f"/cases/{ref}/advice", headers={**h, "Accept": DOCX_MEDIA_TYPE})
    assert docx.status_code == 200
    doc = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert f"Geïntegreerd handhavingsadvies {ref}" in text
    assert "Navorderingsaanslag" in cells
    assert {partner for partner, _, _, _ in _PLAN} <= {t.split(" ")[0] for t in text.split("\n")}
    assert set(_TOKEN.findall(" ".join(cells))) <= in_scope

    # carried out, evaluated, closed
    _move(client, h, ref, "advice", "interventions")
    _carry_out(client, h, ref)
    _move(client, h, ref, "interventions", "evaluation")
    _move(client, h, ref, "evaluation", "closed")
    closed = _ok(client.get(f"/cases/{ref}", headers=h))
    assert closed["status"] == "closed"
    kinds = [e["kind"] for e in closed["events"]]
    assert kinds.count("intervention_added") == 3
    assert kinds.count("intervention_changed") == 6
    assert set(closed["partners"]) >= {"GEM", "POL", "BD"}

    # four more cases of the lead, the same way (signals), so that the report's cells are
    # large enough to publish
    for _ in range(4):
        more = _open(client, h)
        _ok(client.post(f"/cases/{more}/subjects", json={"subjects": people[:1]}, headers=h))
        for here, there in itertools.pairwise(_STATES[:4]):
            _move(client, h, more, here, there)
        _interventions(client, h, more, people[:1])
        _move(client, h, more, "advice", "interventions")
        _carry_out(client, h, more)
        _move(client, h, more, "interventions", "evaluation")
        _move(client, h, more, "evaluation", "closed")
    year = datetime.now(UTC).year
    report = _ok(client.get("/reports/accountability", params={"year": year}, headers=h))
    cases = report["cases"]
    row, column = cases["rows"].index("cannabis"), cases["columns"].index("closed")
    assert cases["cells"][row][column] == 5
    assert cases["total"] == 5
    iv = report["interventions"]
    for partner, kind, _, _ in _PLAN:
        assert iv["cells"][iv["rows"].index(partner)][iv["columns"].index(kind)] == 5
    assert iv["total"] == 15
    out = report["outcomes"]
    assert out["cells"][out["rows"].index("fiscal")][out["columns"].index("partly_achieved")] == 5
    assert report["advised"] == 5
    assert report["median_days_to_advice"] == 0.0
    # the second region takes part in one case only: its figures are too small to publish
    small = _ok(client.get("/reports/accountability", params={"year": year}, headers=other))
    assert small["cases"]["total"] is None
    assert small["advised"] is None
    liec = _ok(client.get("/reports/accountability", headers=auth(settings, "LIEC")))
    assert liec["cases"]["total"] == 5
