"""Purpose binding on the real Neo4j (docs/access.md, "Person-level reads: the case axis"):
every person-level endpoint against every standing a case can give the caller, what the scope
lets through, what it counts instead, the log of reads on the case, and the scope following
changes to the case.

Seed: tests.integration.api_seed (its seeded cases, and cases each test opens). RIEC =
Limburg (lead); Oost-Brabant invited or taking part; Noord unrelated; the LIEC following a
cross-region case.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any, Final

import neo4j
import pytest
from fastapi.testclient import TestClient

from graph.cases.binding import case_access
from graph.settings import Settings
from graph.subgraph.plan import driver_executor, run_sync
from graph.subgraph.scope import scope_keys
from tests.integration.api_seed import CASES, CL_CROSS, CL_NOORD, IDS, UNREGISTERED_CASE, auth

pytest_plugins = ["tests.integration.api_support"]

_PROBLEM = "https://knooppunt.example/problems/"
_NEW = {
    "title": "Woonadres Parkstad",
    "phenomenon": "cannabis",
    "purpose": "Integrated advice on the people around one address in Parkstad",
    "legal_basis": "WPG",
}
_PATH = ["signal", "intake", "analysis", "advice", "interventions", "evaluation", "closed"]

#: The person-level endpoints, each asked about something within the Limburg test case's
#: scope (subject pL4, its company KVK_L; the cross-region cluster CL_CROSS, and pL4 expanded
#: in it).
ENDPOINTS: Final = {
    "network": f"/subjects/{IDS['pL4']}/network",
    "company": f"/companies/{IDS['KVK_L']}/network",
    "graph": f"/clusters/{CL_CROSS}/graph",
    "view": f"/clusters/{CL_CROSS}/view",
    "detail": f"/clusters/{CL_CROSS}",
    "expand": f"/clusters/{CL_CROSS}/expand?node={IDS['pL4']}",
}


def _post(client: TestClient, s: Settings, url: str, body: dict[str, Any], org: str) -> Any:
    r = client.post(url, json=body, headers=auth(s, org, "coordinator"))
    assert r.status_code in (200, 201), r.text
    return r.json()


def _open(client: TestClient, s: Settings, subjects: list[str], org: str = "Limburg") -> str:
    reference = str(_post(client, s, "/cases", _NEW, org)["reference"])
    if subjects:
        _post(client, s, f"/cases/{reference}/subjects", {"subjects": subjects}, org)
    return reference


def _move(client: TestClient, s: Settings, reference: str, states: list[str], **extra: Any) -> None:
    for before, after in itertools.pairwise(states):
        body = {"status": after, "expected": before, **extra}
        _post(client, s, f"/cases/{reference}/status", body, "Limburg")


@pytest.fixture(scope="module")
def cases(api_client: TestClient, api_settings: Settings) -> dict[str, str]:
    """The test cases by kind: open (Limburg), closed, declined, invited (Oost-Brabant invited,
    not accepted) and shared (Oost-Brabant accepted), each about pL4 and KVK_L; Noord's and the
    LIEC's seeded cases; Limburg's seeded cross-region case (the LIEC follows it)."""
    c, s = api_client, api_settings
    subjects = [IDS["pL4"], IDS["KVK_L"]]
    found = {kind: _open(c, s, subjects) for kind in ("open", "closed", "declined", "invited")}
    found["shared"] = _open(c, s, subjects)
    _move(c, s, found["closed"], _PATH)
    _move(c, s, found["declined"], ["signal", "intake"])
    _move(c, s, found["declined"], ["intake", "declined"], reason="no lead to follow up")
    for kind in ("invited", "shared"):
        invite = {"action": "invite", "org": "Oost-Brabant"}
        _post(c, s, f"/cases/{found[kind]}/participants", invite, "Limburg")
    _post(c, s, f"/cases/{found['shared']}/participants", {"action": "accept"}, "Oost-Brabant")
    found["noord"] = CASES["Noord"]
    found["cross"] = CASES["Limburg"]
    return found


def _cell(case: str | None, org: str, role: str, expected: str) -> tuple[str | None, str, str, str]:
    return (case, org, role, expected)


#: (case kind or literal reference, caller's organisation, role) -> the answer of every
#: person-level endpoint: ``200`` or the problem type of the 403. The cluster detail without a
#: reference is not person-level (200 with counts); every other cell holds for all five.
CELLS: Final = [
    _cell(None, "Limburg", "analyst", "case-reference-required"),
    _cell("=lb-1", "Limburg", "analyst", "case-reference-required"),
    _cell(f"={UNREGISTERED_CASE}", "Limburg", "analyst", "case-not-registered"),
    _cell("open", "Limburg", "analyst", "200"),
    _cell("open", "Limburg", "coordinator", "200"),
    _cell("open", "Limburg", "privacy-officer", "forbidden"),
    _cell("open", "Noord", "analyst", "case-not-shared"),
    _cell("noord", "Limburg", "analyst", "case-not-shared"),
    _cell("invited", "Oost-Brabant", "analyst", "case-not-shared"),
    _cell("shared", "Oost-Brabant", "analyst", "200"),
    _cell("shared", "Oost-Brabant", "coordinator", "200"),
    _cell("cross", "LIEC", "analyst", "case-not-shared"),
    _cell("cross", "LIEC", "coordinator", "case-not-shared"),
    _cell("closed", "Limburg", "analyst", "case-not-open"),
    _cell("declined", "Limburg", "coordinator", "case-not-open"),
    _cell("closed", "Noord", "analyst", "case-not-shared"),  # not told that it is closed
]


@pytest.mark.parametrize(
    ("case", "org", "role", "expected"), CELLS, ids=[f"{c[0]}|{c[1]}|{c[2]}" for c in CELLS]
)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_case_axis_cell(
    api_client: TestClient,
    api_settings: Settings,
    cases: dict[str, str],
    endpoint: str,
    case: str | None,
    org: str,
    role: str,
    expected: str,
) -> None:
    reference = None if case is None else case[1:] if case.startswith("=") else cases[case]
    before = _reads(api_client, api_settings, reference)
    response = api_client.get(
        ENDPOINTS[endpoint], headers=auth(api_settings, org, role, case=reference)
    )
    if endpoint == "detail" and case is None and role != "privacy-officer":
        expected = "200"  # counts only, not person-level
    if expected == "200":
        assert response.status_code == 200, response.text
        if reference is not None:  # a read for a case is logged on it
            assert _reads(api_client, api_settings, reference) == before + 1
        return
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == _PROBLEM + expected
    assert _reads(api_client, api_settings, reference) == before  # nothing logged


def _reads(client: TestClient, s: Settings, reference: str | None) -> int:
    """Reads logged on a registered case (read by its lead), 0 otherwise."""
    if reference is None:
        return 0
    r = client.get(f"/cases/{reference}/reads", headers=auth(s, _lead(reference), "analyst"))
    return int(r.json()["total"]) if r.status_code == 200 else 0


def _lead(reference: str) -> str:
    return next((org for org, ref in CASES.items() if ref == reference), "Limburg")


def test_a_subject_outside_the_scope_is_refused_and_named_nowhere(
    api_client: TestClient, api_settings: Settings
) -> None:
    headers = auth(api_settings, "Limburg", case=CASES["Limburg"])
    for url, secret in (
        (f"/subjects/{IDS['pR1']}/network", IDS["pR1"]),
        (f"/companies/{IDS['KVK_R']}/network", IDS["KVK_R"]),
        (f"/subjects/{IDS['pN1']}/network", IDS["pN1"]),
    ):
        response = api_client.get(url, headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["type"] == _PROBLEM + "outside-case-scope"
        assert secret not in response.text
    # A cluster that does not touch the caller's region stays refused with a case too.
    other = api_client.get(f"/clusters/{CL_NOORD}/graph", headers=headers)
    assert other.json()["type"] == _PROBLEM + "forbidden"


def _scope_ids(driver: neo4j.Driver, s: Settings, reference: str, depth: int = 1) -> set[str]:
    execute = driver_executor(driver, s.neo4j_database)
    case = run_sync(case_access(reference), execute)
    keys = run_sync(scope_keys(case.scope(depth), today=datetime.now(UTC).date()), execute)
    records = driver.execute_query(
        "UNWIND $keys AS k MATCH (n) WHERE elementId(n) = k RETURN n.id AS id",
        keys=sorted(keys),
        database_=s.neo4j_database,
    ).records
    return {str(r["id"]) for r in records}


def test_a_cluster_graph_leaves_out_people_outside_the_scope_and_counts_them(
    api_client: TestClient, api_settings: Settings, seeded: neo4j.Driver, cases: dict[str, str]
) -> None:
    """Case about pL4 only (scope: pL4, housemates pL3 and pL5, company KVK_L): of CL_CROSS's
    people only pL3 is in it; pL1, pL2 (Limburg) and pB1 (Oost-Brabant) are counted."""
    reference = _open(api_client, api_settings, [IDS["pL4"]])
    inside = _scope_ids(seeded, api_settings, reference)
    assert {IDS["pL4"], IDS["pL3"], IDS["pL5"], IDS["KVK_L"]} <= inside
    headers = auth(api_settings, "Limburg", case=reference)
    body = api_client.get(f"/clusters/{CL_CROSS}/graph", headers=headers).json()
    people = {n["id"] for n in body["nodes"] if n["label"] == "Person"}
    assert people == {IDS["pL3"]}
    assert body["outside"] == {"Limburg": 2, "Oost-Brabant": 1}
    assert body["case_reference"] == reference
    assert body["scope_depth"] == 1
    ids = {n["id"] for n in body["nodes"]}
    assert all(link["source"] in ids and link["target"] in ids for link in body["links"])
    assert IDS["KVK_B"] in ids  # companies are not people: they stay
    page = api_client.get(f"/clusters/{CL_CROSS}/view", headers=headers)
    assert IDS["pB1"] not in page.text
    assert IDS["pL1"] not in page.text
    assert "outside the case" in page.text
    # The detail shows the caller's own region and the scope; the rest are counts.
    detail = api_client.get(f"/clusters/{CL_CROSS}", headers=headers).json()
    assert {m["id"] for m in detail["members"]} == {IDS["pL1"], IDS["pL2"], IDS["pL3"]}
    assert detail["hidden_members"] == {"Oost-Brabant": 2}
    # The seeded case from the alert on CL_CROSS has all its members in scope.
    full = api_client.get(
        f"/clusters/{CL_CROSS}",
        headers=auth(api_settings, "Oost-Brabant", case=CASES["Oost-Brabant"]),
    ).json()
    assert len(full["members"]) == 5
    assert full["hidden_members"] == {}
    # The cases' reads are logged with what they left out.
    reads = api_client.get(
        f"/cases/{reference}/reads", headers=auth(api_settings, "Limburg")
    ).json()
    assert reads["total"] == 3
    by_endpoint = {r["endpoint"]: r for r in reads["items"]}
    assert by_endpoint["/clusters/{cluster_id}/graph"]["outside"] == 3
    assert by_endpoint["/clusters/{cluster_id}/graph"]["target"] == CL_CROSS
    assert {r["by_org"] for r in reads["items"]} == {"Limburg"}


def test_a_walk_stops_at_the_scope_and_counts_the_people_beyond(
    api_client: TestClient, api_settings: Settings, seeded: neo4j.Driver
) -> None:
    reference = _open(api_client, api_settings, [IDS["pL4"]])
    inside = _scope_ids(seeded, api_settings, reference)
    headers = auth(api_settings, "Limburg", case=reference)
    body = api_client.get(
        f"/subjects/{IDS['pL4']}/network", params={"depth": 3}, headers=headers
    ).json()
    people = {n["id"] for n in body["nodes"] if n["label"] == "Person"}
    assert people <= inside
    assert {IDS["pL3"], IDS["pL5"]} <= people
    # pL1 and pL2 live where KVK_L is registered: three steps from pL4, two from the scope's
    # core; the walk meets them, does not show them and counts them.
    assert IDS["pL1"] not in people
    assert body["outside"] == {"Limburg": 2}
    assert IDS["aL1"] in {n["id"] for n in body["nodes"]}  # the address itself is no person
    assert all(p["member"] in inside for p in body["flagged_paths"])


def test_the_liec_reaches_two_steps_in_a_cross_region_case(
    api_client: TestClient, api_settings: Settings, seeded: neo4j.Driver
) -> None:
    liec = CASES["LIEC"]
    assert _scope_ids(seeded, api_settings, liec, depth=1) <= _scope_ids(
        seeded, api_settings, liec, depth=2
    )
    body = api_client.get(
        f"/subjects/{IDS['pL5']}/network", headers=auth(api_settings, "LIEC", case=liec)
    )
    assert body.status_code == 200, body.text
    assert body.json()["scope_depth"] == 2


def test_the_scope_follows_the_case_and_subjects_join_only_from_what_one_may_see(
    api_client: TestClient, api_settings: Settings
) -> None:
    reference = _open(api_client, api_settings, [IDS["pL4"]])
    headers = auth(api_settings, "Limburg", case=reference)
    url = f"/subjects/{IDS['pL1']}/network"
    assert api_client.get(url, headers=headers).json()["type"] == _PROBLEM + "outside-case-scope"
    version = api_client.get(f"/cases/{reference}", headers=headers).json()["version"]
    # Naming someone outside one's need-to-know does not pull them into the case.
    refused = api_client.post(
        f"/cases/{reference}/subjects",
        json={"subjects": [IDS["pR1"]]},
        headers=auth(api_settings, "Limburg", "coordinator"),
    )
    assert refused.status_code == 403
    assert refused.json()["type"] == _PROBLEM + "outside-case-scope"
    assert api_client.get(f"/cases/{reference}", headers=headers).json()["version"] == version
    # A subject of one's own region joins; the scope (cached) follows at once.
    _post(
        api_client,
        api_settings,
        f"/cases/{reference}/subjects",
        {"subjects": [IDS["KVK_L"]]},
        "Limburg",
    )
    assert api_client.get(url, headers=headers).status_code == 200
    # Closing the case ends its reads at once.
    _move(api_client, api_settings, reference, _PATH)
    assert api_client.get(url, headers=headers).json()["type"] == _PROBLEM + "case-not-open"


def test_the_liec_follows_cross_region_cases_per_region_without_people(
    api_client: TestClient, api_settings: Settings
) -> None:
    url = "/reports/cross-region-cases"
    answer = api_client.get(url, headers=auth(api_settings, "LIEC"))
    assert answer.status_code == 200, answer.text
    items = {i["case"]["reference"]: i for i in answer.json()["items"]}
    assert all(i["case"]["cross_region"] for i in items.values())
    limburg = {r["org"]: r for r in items[CASES["Limburg"]]["regions"]}
    # CL_CROSS: 3 members in Limburg, 2 in Oost-Brabant; subjects pL4 and KVK_L in Limburg.
    assert limburg["Limburg"]["standing"] == "lead"
    assert limburg["Limburg"]["people"] == 5
    assert limburg["Limburg"]["changes"] >= 2  # opened, alert linked, subjects added
    assert limburg["Oost-Brabant"] == {
        "org": "Oost-Brabant",
        "standing": "none",
        "people": 2,
        "changes": 0,
        "last_change": None,
        "interventions": {},
    }
    assert not any(token in answer.text for token in IDS.values() if token.startswith("PRS-"))
    assert "purpose" not in answer.text
    for org in ("Limburg", "Noord"):
        refused = api_client.get(url, headers=auth(api_settings, org, "coordinator"))
        assert refused.status_code == 403
    privacy = api_client.get(url, headers=auth(api_settings, "LIEC", "privacy-officer"))
    assert privacy.status_code == 403
