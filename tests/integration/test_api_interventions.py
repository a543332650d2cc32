"""Interventions, the advice document and the accountability report on the real Neo4j (seed:
tests.integration.api_seed): each endpoint, its access rule (participants; the report: a RIEC
its own organisation, the LIEC any), and each bad input (a clear problem, nothing changed).

RIEC = Limburg (lead), Oost-Brabant (invited), Noord (unrelated). Each test opens its own case.
"""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime
from typing import Any

from docx import Document
from fastapi.testclient import TestClient

from api.headers import CONTENT_SECURITY_POLICY
from graph.cases.advice import DOCX_MEDIA_TYPE
from graph.settings import Settings
from tests.integration.api_seed import AL_CROSS, AL_GROWN, CL_CROSS, IDS, auth

pytest_plugins = ["tests.integration.api_support"]

_PROBLEM = "https://knooppunt.example/problems/"
_NEW = {
    "title": "Hennepteelt <Parkstad>",
    "phenomenon": "cannabis",
    "purpose": "Integrated advice on premises used for cannabis cultivation",
    "legal_basis": "WPG",
    "partners": ["POL"],
}
_CLOSURE = {
    "partner": "GEM",
    "kind": "administrative",
    "measure": "closure_opium_act",
    "date": "2025-06-01",
}


def _h(s: Settings, org: str = "Limburg", role: str = "coordinator") -> dict[str, str]:
    return auth(s, org, role)


def _problem(r: Any, status: int, kind: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == _PROBLEM + kind


def _case(client: TestClient, s: Settings, **extra: Any) -> dict[str, Any]:
    """A Limburg case with the subjects pL1 and KVK_B."""
    r = client.post("/cases", json={**_NEW, **extra}, headers=_h(s))
    assert r.status_code == 201, r.text
    ref = r.json()["reference"]
    subjects = {"subjects": [IDS["pL1"], IDS["KVK_B"]]}
    added = client.post(f"/cases/{ref}/subjects", json=subjects, headers=_h(s))
    assert added.status_code == 200, added.text
    body: dict[str, Any] = added.json()
    return body


def _version(client: TestClient, s: Settings, ref: str) -> int:
    version: int = client.get(f"/cases/{ref}", headers=_h(s)).json()["version"]
    return version


def _add(client: TestClient, s: Settings, ref: str, **extra: Any) -> Any:
    body = {**_CLOSURE, "targets": [IDS["pL1"]], **extra}
    return client.post(f"/cases/{ref}/interventions", json=body, headers=_h(s, role="analyst"))


def test_add_and_list_interventions(api_client: TestClient, api_settings: Settings) -> None:
    case = _case(api_client, api_settings)
    ref = case["reference"]
    r = _add(api_client, api_settings, ref)
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["id"] == f"{ref}#{case['version'] + 1}"
    assert added["n"] == case["version"] + 1
    assert added["label"] == "Sluiting pand (art. 13b Opiumwet)"
    assert added["status"] == "planned"
    assert added["targets"] == [IDS["pL1"]]
    assert added["by_org"] == "Limburg"
    seizure = {"partner": "POL", "kind": "criminal", "measure": "seizure"}
    r2 = _add(api_client, api_settings, ref, targets=[IDS["KVK_B"], IDS["pL1"]], **seizure)
    assert r2.status_code == 201, r2.text
    listed = api_client.get(f"/cases/{ref}/interventions", headers=_h(api_settings))
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [i["measure"] for i in items] == ["closure_opium_act", "seizure"]
    assert items[1]["targets"] == sorted([IDS["KVK_B"], IDS["pL1"]])
    detail = api_client.get(f"/cases/{ref}", headers=_h(api_settings)).json()
    assert detail["version"] == case["version"] + 2
    assert [e["kind"] for e in detail["events"]][-2:] == ["intervention_added"] * 2
    assert detail["events"][-1]["details"]["measure"] == "seizure"
    assert detail["partners"] == ["POL", "GEM"]  # GEM joined with its intervention


def test_bad_interventions_are_refused_and_change_nothing(
    api_client: TestClient, api_settings: Settings
) -> None:
    ref = _case(api_client, api_settings)["reference"]
    before = _version(api_client, api_settings, ref)
    r = _add(api_client, api_settings, ref, measure="burn_it_down")
    _problem(r, 422, "validation")
    assert "burn_it_down" not in r.text  # the rule, never the value
    r = _add(api_client, api_settings, ref, measure="tax_assessment")  # fiscal, not administrative
    _problem(r, 422, "validation")
    assert "another kind" in r.json()["detail"]
    r = _add(api_client, api_settings, ref, targets=[IDS["pN1"]])  # in the graph, not the case
    _problem(r, 422, "target-not-in-case")
    r = _add(api_client, api_settings, ref, status="done")  # done without an outcome
    _problem(r, 422, "validation")
    r = _add(api_client, api_settings, ref, partner="XYZ")
    _problem(r, 422, "validation")
    assert _version(api_client, api_settings, ref) == before
    listed = api_client.get(f"/cases/{ref}/interventions", headers=_h(api_settings)).json()
    assert listed["items"] == []


def test_a_closed_case_takes_no_intervention(
    api_client: TestClient, api_settings: Settings
) -> None:
    ref = _case(api_client, api_settings)["reference"]
    n = _add(api_client, api_settings, ref).json()["n"]
    steps = ["signal", "intake", "analysis", "advice", "interventions", "evaluation", "closed"]
    for here, there in itertools.pairwise(steps):
        change = {"status": there, "expected": here}
        r = api_client.post(f"/cases/{ref}/status", json=change, headers=_h(api_settings))
        assert r.status_code == 200, r.text
    before = _version(api_client, api_settings, ref)
    _problem(_add(api_client, api_settings, ref), 409, "case-closed")
    change = {"status": "in_progress", "expected": "planned"}
    r = api_client.post(
        f"/cases/{ref}/interventions/{n}/status", json=change, headers=_h(api_settings)
    )
    _problem(r, 409, "case-closed")
    assert _version(api_client, api_settings, ref) == before
    # still readable by its participants
    listed = api_client.get(f"/cases/{ref}/interventions", headers=_h(api_settings))
    assert len(listed.json()["items"]) == 1


def test_intervention_status_changes(api_client: TestClient, api_settings: Settings) -> None:
    ref = _case(api_client, api_settings)["reference"]
    n = _add(api_client, api_settings, ref).json()["n"]
    url = f"/cases/{ref}/interventions/{n}/status"
    h = _h(api_settings, role="analyst")
    r = api_client.post(url, json={"status": "in_progress", "expected": "planned"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress"
    # another participant saw it planned: no lost update
    r = api_client.post(url, json={"status": "cancelled", "expected": "planned"}, headers=h)
    _problem(r, 409, "case-changed")
    r = api_client.post(url, json={"status": "done", "expected": "in_progress"}, headers=h)
    _problem(r, 409, "intervention-transition-refused")  # done needs an outcome
    done = {
        "status": "done",
        "expected": "in_progress",
        "outcome": "achieved",
        "outcome_note": "Pand gesloten voor zes maanden",
        "date": "2025-07-01",
    }
    r = api_client.post(url, json=done, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["outcome"], r.json()["date"]) == ("achieved", "2025-07-01")
    again = {"status": "cancelled", "expected": "done"}
    _problem(api_client.post(url, json=again, headers=h), 409, "intervention-transition-refused")
    missing = f"/cases/{ref}/interventions/9999/status"
    r = api_client.post(missing, json={"status": "in_progress", "expected": "planned"}, headers=h)
    _problem(r, 404, "intervention-not-found")
    events = api_client.get(f"/cases/{ref}", headers=h).json()["events"]
    changed = [e for e in events if e["kind"] == "intervention_changed"]
    assert [e["details"]["to"] for e in changed] == ["in_progress", "done"]


def test_only_participants_add_and_read(api_client: TestClient, api_settings: Settings) -> None:
    ref = _case(api_client, api_settings, alert_id=AL_CROSS)["reference"]
    url = f"/cases/{ref}/interventions"
    body = {**_CLOSURE, "targets": [IDS["pL1"]]}
    for org, role, kind in (
        ("Noord", "coordinator", "case-not-shared"),
        ("LIEC", "coordinator", "case-not-shared"),  # an observer of a cross-region case
        ("Limburg", "privacy-officer", "forbidden"),
    ):
        h = _h(api_settings, org, role)
        _problem(api_client.post(url, json=body, headers=h), 403, kind)
        _problem(api_client.get(url, headers=h), 403, kind)
        _problem(api_client.get(f"/cases/{ref}/advice", headers=h), 403, kind)
    assert api_client.get(url).status_code == 401
    assert api_client.get(f"/cases/{ref}/advice").status_code == 401
    assert api_client.get("/reports/accountability").status_code == 401
    # invited is not yet taking part
    invite = {"action": "invite", "org": "Oost-Brabant"}
    api_client.post(f"/cases/{ref}/participants", json=invite, headers=_h(api_settings))
    brabant = _h(api_settings, "Oost-Brabant")
    _problem(api_client.post(url, json=body, headers=brabant), 403, "case-not-shared")
    accept = {"action": "accept"}
    api_client.post(f"/cases/{ref}/participants", json=accept, headers=brabant)
    assert api_client.post(url, json=body, headers=brabant).status_code == 201
    assert api_client.get(url, headers=brabant).status_code == 200
    _problem(
        api_client.get("/cases/LB-2025-9999/interventions", headers=brabant), 404, "case-not-found"
    )


def test_advice_document_html_and_docx(api_client: TestClient, api_settings: Settings) -> None:
    ref = _case(api_client, api_settings, alert_id=AL_GROWN)["reference"]
    assert _add(api_client, api_settings, ref).status_code == 201
    url = f"/cases/{ref}/advice"
    html = api_client.get(url, headers=_h(api_settings))
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert html.headers["cache-control"] == "no-store"
    page = html.text
    assert "Hennepteelt &lt;Parkstad&gt;" in page
    assert "<Parkstad>" not in page
    assert _NEW["purpose"] in page
    assert CL_CROSS in page
    assert IDS["pL1"] in page  # a subject and key player
    assert "Sluiting pand (art. 13b Opiumwet)" in page
    assert "Kweek BV" not in page  # names never; ids only
    docx = api_client.get(url, headers={**_h(api_settings), "Accept": DOCX_MEDIA_TYPE})
    assert docx.status_code == 200
    assert docx.headers["content-type"] == DOCX_MEDIA_TYPE
    doc = Document(io.BytesIO(docx.content))
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert IDS["pL1"] in cells
    assert "Sluiting pand (art. 13b Opiumwet)" in cells
    assert not any("Kweek BV" in c for c in cells)
    pdf = api_client.get(url, headers={**_h(api_settings), "Accept": "application/pdf"})
    _problem(pdf, 406, "not-acceptable")
    # a person-level read: logged on the case (the two documents)
    reads = api_client.get(f"/cases/{ref}/reads", headers=_h(api_settings)).json()["items"]
    advice_reads = [r for r in reads if r["endpoint"] == "/cases/{reference}/advice"]
    assert len(advice_reads) == 2
    assert advice_reads[0]["target"] == ref
    assert advice_reads[0]["size"] > 0


def test_no_advice_for_a_closed_case(api_client: TestClient, api_settings: Settings) -> None:
    ref = _case(api_client, api_settings)["reference"]
    assert api_client.get(f"/cases/{ref}/advice", headers=_h(api_settings)).status_code == 200
    change = {"status": "declined", "expected": "intake", "reason": "no grounds"}
    for body in ({"status": "intake", "expected": "signal"}, change):
        r = api_client.post(f"/cases/{ref}/status", json=body, headers=_h(api_settings))
        assert r.status_code == 200, r.text
    _problem(api_client.get(f"/cases/{ref}/advice", headers=_h(api_settings)), 403, "case-not-open")


def test_accountability_report_access(api_client: TestClient, api_settings: Settings) -> None:
    year = datetime.now(UTC).year
    url = "/reports/accountability"
    own = api_client.get(url, params={"year": year}, headers=_h(api_settings, role="analyst"))
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["org"] == "Limburg"
    assert body["year"] == year
    assert body["cases"]["columns"][0] == "signal"
    assert "cannabis" in body["cases"]["rows"]
    assert set(body["interventions"]["columns"]) == {"administrative", "criminal", "fiscal"}
    other = api_client.get(url, params={"org": "Noord"}, headers=_h(api_settings))
    _problem(other, 403, "forbidden")
    _problem(
        api_client.get(url, headers=_h(api_settings, role="privacy-officer")), 403, "forbidden"
    )
    liec_all = api_client.get(url, headers=_h(api_settings, "LIEC", "analyst"))
    assert liec_all.status_code == 200
    assert liec_all.json()["org"] is None
    liec_one = api_client.get(url, params={"org": "Limburg"}, headers=_h(api_settings, "LIEC"))
    assert liec_one.json()["org"] == "Limburg"
