"""Bibob requests on the real Neo4j (seed: tests.integration.api_seed, plus one person next to
the screening's scope): registering, the term and its one extension, the deadline alert, the
conclusion, the screening within the request's own scope, taking a request up as a case, and
each refusal (a clear problem, nothing changed). Also the subject-access export's cases.

Limburg handles requests of Maastricht (GM0935); Eindhoven (GM0772) lies in Oost-Brabant. The
applicant KVK_L (Bouw BV, office in Limburg) has director pL4.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from graph.cases.bibob import BIBOB_ID_PATTERN
from graph.model import NodeLabel, RelType
from graph.settings import Settings
from tests.integration.api_seed import AL_CROSS, CL_CROSS, GEM, IDS, POL, auth
from tests.integration.seed_support import SeedFacts

pytest_plugins = ["tests.integration.api_support"]

_PROBLEM = "https://knooppunt.example/problems/"
#: A person two steps from the applicant's scope core (an associate of pL2, who shares the
#: applicant's office address): outside the scope, so never shown.
OUTSIDER = "PRS-OUTSIDERAAAAAAAAAAAAAAAAA"
_NEW = {
    "municipality_code": "GM0935",
    "applicant": IDS["KVK_L"],
    "permit_kind": "horeca_exploitation",
}
_CASE = {
    "title": "Bibob Bouw BV",
    "phenomenon": "subversion_of_government",
    "purpose": "Integrity screening of a horeca permit applicant for Maastricht",
    "legal_basis": "BIBOB",
    "origin": "bibob",
}


@pytest.fixture(scope="module")
def api_settings(api_settings: Settings) -> Settings:
    """The shared test settings with a request deadline that a cold screening (every query
    planned for the first time, on a busy machine) does not run past."""
    return api_settings.model_copy(update={"api_request_deadline_s": 60.0})


@pytest.fixture(scope="module", autouse=True)
def outsider(seeded: neo4j.Driver, neo4j_settings: Settings) -> None:
    """The seed plus OUTSIDER (living in Rotterdam, an associate of pL2)."""
    facts = SeedFacts()
    facts.node(GEM, NodeLabel.PERSON, OUTSIDER, birth_year=1975, sex="M")
    facts.node(GEM, NodeLabel.PERSON, IDS["pL2"], birth_year=1980, sex="M")
    facts.node(GEM, NodeLabel.ADDRESS, IDS["aR1"], postcode="3011AB", region="Rotterdam")
    facts.link(GEM, RelType.LIVES_AT, OUTSIDER, IDS["aR1"], since=date(2020, 1, 1))
    facts.link(POL, RelType.ASSOCIATE, OUTSIDER, IDS["pL2"], kind="met")
    facts.write(seeded, database=neo4j_settings.neo4j_database)


def _h(s: Settings, org: str = "Limburg", role: str = "coordinator", **kw: Any) -> dict[str, str]:
    return auth(s, org, role, **kw)


def _today() -> date:
    return datetime.now(UTC).date()


def _submit(client: TestClient, s: Settings, **extra: Any) -> dict[str, Any]:
    r = client.post("/bibob/requests", json={**_NEW, **extra}, headers=_h(s))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _problem(r: Any, status: int, kind: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == _PROBLEM + kind


def _ids(client: TestClient, s: Settings) -> list[str]:
    r = client.get("/bibob/requests", params={"limit": 200}, headers=_h(s))
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


def test_register_a_request_with_its_term(api_client: TestClient, api_settings: Settings) -> None:
    body = _submit(api_client, api_settings)
    assert BIBOB_ID_PATTERN.fullmatch(body["id"])
    assert re.fullmatch(rf"BB-LB-{_today().year}-\d{{4}}", body["id"])
    assert body["org"] == "Limburg"
    assert (body["municipality_code"], body["municipality"]) == ("GM0935", "Maastricht")
    assert (body["applicant"], body["applicant_kind"]) == (IDS["KVK_L"], "Company")
    assert body["received_on"] == _today().isoformat()
    assert body["deadline"] == (_today() + timedelta(weeks=8)).isoformat()
    assert body["days_left"] == 56
    assert body["near_deadline"] is False
    assert (body["status"], body["extended"], body["case_reference"]) == ("open", False, None)
    again = api_client.get(
        f"/bibob/requests/{body['id']}", headers=_h(api_settings, role="analyst")
    )
    assert again.json() == body


def test_a_person_may_be_the_applicant(api_client: TestClient, api_settings: Settings) -> None:
    body = _submit(api_client, api_settings, applicant=IDS["pL4"], permit_kind="alcohol_licence")
    assert body["applicant_kind"] == "Person"


def test_unknown_applicant_or_municipality_is_refused_and_nothing_written(
    api_client: TestClient, api_settings: Settings
) -> None:
    before = _ids(api_client, api_settings)
    unknown = api_client.post(
        "/bibob/requests", json={**_NEW, "applicant": "99999999"}, headers=_h(api_settings)
    )
    _problem(unknown, 422, "unknown-subject")
    assert "99999999" not in unknown.text
    nowhere = api_client.post(
        "/bibob/requests", json={**_NEW, "municipality_code": "GM9999"}, headers=_h(api_settings)
    )
    _problem(nowhere, 422, "unknown-municipality")
    bad = api_client.post(
        "/bibob/requests", json={**_NEW, "permit_kind": "fishing"}, headers=_h(api_settings)
    )
    _problem(bad, 422, "validation")
    future = (_today() + timedelta(days=1)).isoformat()
    late = api_client.post(
        "/bibob/requests", json={**_NEW, "received_on": future}, headers=_h(api_settings)
    )
    _problem(late, 422, "bibob-invalid")
    assert _ids(api_client, api_settings) == before


def test_only_the_coordinators_of_the_municipalitys_riec_register(
    api_client: TestClient, api_settings: Settings
) -> None:
    before = _ids(api_client, api_settings)
    eindhoven = {**_NEW, "municipality_code": "GM0772"}
    r = api_client.post("/bibob/requests", json=eindhoven, headers=_h(api_settings))
    _problem(r, 403, "forbidden")
    for org, role in (
        ("Limburg", "analyst"),
        ("Limburg", "privacy-officer"),
        ("LIEC", "coordinator"),
    ):
        r = api_client.post("/bibob/requests", json=_NEW, headers=_h(api_settings, org, role))
        _problem(r, 403, "forbidden")
    assert api_client.post("/bibob/requests", json=_NEW).status_code == 401
    assert _ids(api_client, api_settings) == before
    brabant = api_client.post(
        "/bibob/requests", json=eindhoven, headers=_h(api_settings, "Oost-Brabant")
    )
    assert brabant.status_code == 201, brabant.text
    assert brabant.json()["id"].startswith("BB-OB-")
    assert brabant.json()["id"] not in _ids(api_client, api_settings)


def test_another_riec_neither_reads_nor_changes_a_request(
    api_client: TestClient, api_settings: Settings
) -> None:
    rid = _submit(api_client, api_settings)["id"]
    for method, path, body in (
        ("get", f"/bibob/requests/{rid}", None),
        ("get", f"/bibob/requests/{rid}/screening", None),
        ("post", f"/bibob/requests/{rid}/extend", {"reason": "more time"}),
        ("post", f"/bibob/requests/{rid}/conclusion", {"conclusion": "none", "reasons": ["x"]}),
    ):
        r = api_client.request(method, path, json=body, headers=_h(api_settings, "Noord"))
        _problem(r, 403, "forbidden")
    missing = api_client.get("/bibob/requests/BB-LB-2026-9999", headers=_h(api_settings))
    _problem(missing, 404, "bibob-request-not-found")
    assert _ids(api_client, api_settings).count(rid) == 1


def test_the_term_is_extended_once(api_client: TestClient, api_settings: Settings) -> None:
    rid = _submit(api_client, api_settings)["id"]
    path = f"/bibob/requests/{rid}/extend"
    analyst = api_client.post(path, json={"reason": "x"}, headers=_h(api_settings, role="analyst"))
    _problem(analyst, 403, "forbidden")
    first = api_client.post(
        path, json={"reason": "Waiting for the tax data"}, headers=_h(api_settings)
    )
    assert first.status_code == 200, first.text
    assert first.json()["extended"] is True
    assert first.json()["extension_reason"] == "Waiting for the tax data"
    assert first.json()["deadline"] == (_today() + timedelta(weeks=12)).isoformat()
    assert first.json()["days_left"] == 84
    second = api_client.post(path, json={"reason": "Still waiting"}, headers=_h(api_settings))
    _problem(second, 409, "bibob-extension-refused")
    after = api_client.get(f"/bibob/requests/{rid}", headers=_h(api_settings)).json()
    assert after["deadline"] == first.json()["deadline"]
    assert after["extension_reason"] == "Waiting for the tax data"


def test_requests_near_their_deadline_are_listed_and_flagged(
    api_client: TestClient, api_settings: Settings
) -> None:
    received = (_today() - timedelta(days=50)).isoformat()
    near = _submit(api_client, api_settings, received_on=received)
    fresh = _submit(api_client, api_settings)
    assert (near["days_left"], near["near_deadline"]) == (6, True)
    r = api_client.get("/bibob/requests", params={"due_within": 14}, headers=_h(api_settings))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    ids = [i["id"] for i in items]
    assert near["id"] in ids
    assert fresh["id"] not in ids
    assert all(i["near_deadline"] and i["days_left"] <= 14 for i in items)
    assert [i["deadline"] for i in items] == sorted(i["deadline"] for i in items)


def test_a_conclusion_ends_the_request(api_client: TestClient, api_settings: Settings) -> None:
    rid = _submit(api_client, api_settings)["id"]
    path = f"/bibob/requests/{rid}/conclusion"
    empty = api_client.post(
        path, json={"conclusion": "serious", "reasons": []}, headers=_h(api_settings)
    )
    _problem(empty, 422, "validation")
    wrong = api_client.post(
        path, json={"conclusion": "grave", "reasons": ["x"]}, headers=_h(api_settings)
    )
    _problem(wrong, 422, "validation")
    reasons = ["A director is a suspect in a dismantled cannabis grow site"]
    done = api_client.post(
        path, json={"conclusion": "serious", "reasons": reasons}, headers=_h(api_settings)
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["conclusion"], body["reasons"]) == (
        "concluded",
        "serious",
        reasons,
    )
    assert body["near_deadline"] is False
    again = api_client.post(
        path, json={"conclusion": "none", "reasons": ["x"]}, headers=_h(api_settings)
    )
    _problem(again, 409, "bibob-concluded")
    extend = api_client.post(
        f"/bibob/requests/{rid}/extend", json={"reason": "x"}, headers=_h(api_settings)
    )
    _problem(extend, 409, "bibob-concluded")
    screen = api_client.get(f"/bibob/requests/{rid}/screening", headers=_h(api_settings))
    _problem(screen, 409, "bibob-concluded")
    after = api_client.get(f"/bibob/requests/{rid}", headers=_h(api_settings)).json()
    assert (after["conclusion"], after["extended"]) == ("serious", False)


def test_the_screening_stays_within_the_requests_scope(
    api_client: TestClient, api_settings: Settings
) -> None:
    rid = _submit(api_client, api_settings)["id"]
    r = api_client.get(
        f"/bibob/requests/{rid}/screening",
        params={"depth": 3},
        headers=_h(api_settings, role="analyst"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["applicant"] == IDS["KVK_L"]
    assert body["screened"] == [{"id": IDS["pL4"], "kind": "Person", "role": "director"}]
    network = body["network"]
    assert network["subject"]["id"] == IDS["KVK_L"]
    people = {n["id"] for n in network["nodes"] if n["label"] == "Person"}
    # The applicant's director and those one step from the core (the office's and the
    # director's housemates) are in scope; OUTSIDER (two steps) and pB1 are not.
    assert IDS["pL4"] in people
    assert {IDS["pL1"], IDS["pL2"]} <= people
    assert OUTSIDER not in people
    assert IDS["pB1"] not in people
    assert OUTSIDER not in r.text
    assert body["outside_scope"] == {"Rotterdam": 1}
    # pL1, in scope, is a member of the flagged cross-region cluster.
    assert CL_CROSS in {p["cluster"]["id"] for p in network["flagged_paths"]}
    for link in network["links"]:
        assert OUTSIDER not in (link["source"], link["target"])


def test_taking_a_request_up_opens_one_linked_case(
    api_client: TestClient, api_settings: Settings
) -> None:
    rid = _submit(api_client, api_settings)["id"]
    body = {**_CASE, "bibob_request_id": rid}
    other = api_client.post("/cases", json=body, headers=_h(api_settings, "Noord"))
    _problem(other, 403, "forbidden")
    r = api_client.post("/cases", json=body, headers=_h(api_settings))
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["origin"] == "bibob"
    assert [s["id"] for s in case["subject_ids"]] == [IDS["KVK_L"]]
    assert [e["kind"] for e in case["events"]] == ["opened", "bibob_linked"]
    assert case["events"][1]["details"]["bibob_request"] == rid
    request = api_client.get(f"/bibob/requests/{rid}", headers=_h(api_settings)).json()
    assert request["case_reference"] == case["reference"]
    again = api_client.post("/cases", json=body, headers=_h(api_settings))
    _problem(again, 409, "bibob-has-case")
    assert again.json()["case_reference"] == case["reference"]
    both = api_client.post(
        "/cases", json={**body, "alert_id": "AL-00000000000a"}, headers=_h(api_settings)
    )
    _problem(both, 400, "bad-request")
    missing = api_client.post(
        "/cases", json={**body, "bibob_request_id": "BB-LB-2026-9999"}, headers=_h(api_settings)
    )
    _problem(missing, 404, "bibob-request-not-found")


def test_the_subject_access_export_lists_the_cases_without_other_subjects(
    api_client: TestClient, api_settings: Settings
) -> None:
    opened = api_client.post(
        "/cases", json={**_CASE, "origin": "signal"}, headers=_h(api_settings)
    ).json()
    ref = opened["reference"]
    added = api_client.post(
        f"/cases/{ref}/subjects",
        json={"subjects": [IDS["pL5"], IDS["pL3"]]},
        headers=_h(api_settings),
    )
    assert added.status_code == 200, added.text
    r = api_client.get(
        f"/subjects/{IDS['pL5']}/export",
        headers=_h(api_settings, role="privacy-officer", case=ref),
    )
    assert r.status_code == 200, r.text
    cases = r.json()["cases"]
    mine = [c for c in cases if c["reference"] == ref]
    assert len(mine) == 1
    assert set(mine[0]) == {"reference", "title", "status", "lead", "opened_at"}
    assert (mine[0]["title"], mine[0]["status"], mine[0]["lead"]) == (
        "Bibob Bouw BV",
        "signal",
        "Limburg",
    )
    assert IDS["pL3"] not in str(cases)
    nothing = api_client.get(
        f"/subjects/{IDS['pL2']}/export",
        headers=_h(api_settings, role="privacy-officer", case=ref),
    )
    assert nothing.status_code == 200, nothing.text
    assert ref not in {c["reference"] for c in nothing.json()["cases"]}


def test_the_export_lists_a_case_the_token_is_in_through_its_cluster(
    api_client: TestClient, api_settings: Settings
) -> None:
    """pL2 is no subject of the case, but a member of the cluster of the alert it was opened
    from: the export lists the case, without its subject (pL4), purpose or other members."""
    body = {**_CASE, "origin": "signal", "phenomenon": "cannabis", "alert_id": AL_CROSS}
    opened = api_client.post("/cases", json=body, headers=_h(api_settings))
    assert opened.status_code == 201, opened.text
    ref = opened.json()["reference"]
    assert opened.json()["cluster_ids"] == [CL_CROSS]
    added = api_client.post(
        f"/cases/{ref}/subjects", json={"subjects": [IDS["pL4"]]}, headers=_h(api_settings)
    )
    assert added.status_code == 200, added.text
    for org, member in (("Limburg", "pL2"), ("LIEC", "pB1")):
        r = api_client.get(
            f"/subjects/{IDS[member]}/export",
            headers=_h(api_settings, org, "privacy-officer", case="SAR-2026-0001"),
        )
        assert r.status_code == 200, r.text
        mine = [c for c in r.json()["cases"] if c["reference"] == ref]
        assert mine == [
            {
                "reference": ref,
                "title": _CASE["title"],
                "status": "signal",
                "lead": "Limburg",
                "opened_at": mine[0]["opened_at"],
            }
        ]
        assert IDS["pL4"] not in r.text  # the case's subject
        assert _CASE["purpose"] not in r.text
        others = {IDS[k] for k in ("pL1", "pL3", "pB1", "pL2")} - {IDS[member]}
        assert not any(o in str(r.json()["cases"]) for o in others)
    # a token in neither the case's subjects nor its cluster: not listed
    r = api_client.get(
        f"/subjects/{IDS['pL5']}/export",
        headers=_h(api_settings, role="privacy-officer", case="SAR-2026-0001"),
    )
    assert r.status_code == 200, r.text
    assert ref not in {c["reference"] for c in r.json()["cases"]}


def test_the_access_cells_of_the_bibob_rows(api_client: TestClient, api_settings: Settings) -> None:
    """docs/access.md, the Bibob rows: the cells not covered by the tests above."""
    rid = _submit(api_client, api_settings)["id"]
    s = api_settings
    for org, role in (("Limburg", "privacy-officer"), ("LIEC", "privacy-officer")):
        r = api_client.get("/bibob/requests", headers=_h(s, org, role))
        _problem(r, 403, "forbidden")
    for role in ("analyst", "coordinator"):
        liec = api_client.get("/bibob/requests", headers=_h(s, "LIEC", role))
        assert liec.status_code == 200, liec.text
        assert liec.json()["items"] == []
    for org, role in (
        ("Limburg", "privacy-officer"),
        ("LIEC", "analyst"),
        ("LIEC", "coordinator"),
        ("LIEC", "privacy-officer"),
    ):
        for path in (f"/bibob/requests/{rid}", f"/bibob/requests/{rid}/screening"):
            _problem(api_client.get(path, headers=_h(s, org, role)), 403, "forbidden")
    assert api_client.get(f"/bibob/requests/{rid}").status_code == 401
    conclude = {"conclusion": "none", "reasons": ["x"]}
    for org, role in (
        ("Limburg", "analyst"),
        ("Limburg", "privacy-officer"),
        ("LIEC", "coordinator"),
    ):
        r = api_client.post(
            f"/bibob/requests/{rid}/conclusion", json=conclude, headers=_h(s, org, role)
        )
        _problem(r, 403, "forbidden")
    take_up = {**_CASE, "bibob_request_id": rid}
    for org, role in (("Limburg", "analyst"), ("LIEC", "coordinator")):
        r = api_client.post("/cases", json=take_up, headers=_h(s, org, role))
        _problem(r, 403, "forbidden")
    after = api_client.get(f"/bibob/requests/{rid}", headers=_h(s)).json()
    assert (after["status"], after["case_reference"]) == ("open", None)


def test_concurrent_take_ups_and_extensions_leave_one_each(
    api_client: TestClient, api_settings: Settings
) -> None:
    rid = _submit(api_client, api_settings)["id"]
    body = {**_CASE, "bibob_request_id": rid}
    with ThreadPoolExecutor(6) as pool:
        opened = list(
            pool.map(
                lambda _: api_client.post("/cases", json=body, headers=_h(api_settings)), range(6)
            )
        )
        extended = list(
            pool.map(
                lambda _: api_client.post(
                    f"/bibob/requests/{rid}/extend", json={"reason": "x"}, headers=_h(api_settings)
                ),
                range(6),
            )
        )
    assert sorted(r.status_code for r in opened) == [201] + [409] * 5
    assert all(
        r.json()["type"] == _PROBLEM + "bibob-has-case" for r in opened if r.status_code == 409
    )
    assert sorted(r.status_code for r in extended) == [200] + [409] * 5
    after = api_client.get(f"/bibob/requests/{rid}", headers=_h(api_settings)).json()
    created = next(r.json() for r in opened if r.status_code == 201)
    assert after["case_reference"] == created["reference"]
    assert after["deadline"] == (_today() + timedelta(weeks=12)).isoformat()
