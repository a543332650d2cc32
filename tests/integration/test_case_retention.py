"""Retention of case records on the real Neo4j (seed: tests.integration.api_seed): ``knooppunt
retention run`` (:func:`ingest.retention.run_retention`) deletes a closed or declined case
past the years of its legal basis with every node hanging off it and its scope links, keeps
what the case only points at (entities, clusters, alerts, other cases), and reports counts.
The module's scenario is shared: the tests run in file order (each states what it expects
of the ones before).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import neo4j
import pytest

from graph.cases import bibob, ops
from graph.cases.records import Actor, NewBibobRequest, NewCase
from graph.geography import load_geography
from graph.settings import Settings
from ingest.retention import run_retention
from knooppunt.cli import main
from tests.integration.api_seed import CL_CROSS, IDS

pytest_plugins = ["tests.integration.api_support"]

_ACTOR = Actor(subject="test", org="Limburg", role="coordinator")
#: Cases are closed "then": WPG keeps them 5 years (to 2024-06-01), HRW 10 (to 2029-06-01).
_THEN = "2019-06-01T12:00:00Z"


def _new(legal_basis: str) -> NewCase:
    return NewCase(
        title="Retention test",
        phenomenon="cannabis",
        purpose="A case to test the retention of case records",
        legal_basis=legal_basis,
    )


def _query(driver: neo4j.Driver, s: Settings, cypher: str, **params: Any) -> list[Any]:
    records, _, _ = driver.execute_query(cypher, params, database_=s.neo4j_database)
    return [r.data() for r in records]


def _declined_case(driver: neo4j.Driver, s: Settings, legal_basis: str) -> str:
    db = s.neo4j_database
    ref = ops.run_case_plan(ops.open_case(_new(legal_basis), _ACTOR, year=2019), driver, db)
    ops.run_case_plan(ops.add_subjects(ref, [IDS["pL1"]], _ACTOR), driver, db)
    ops.run_case_plan(ops.add_note(ref, "a note on the case", _ACTOR), driver, db)
    steps = (("signal", "intake", None), ("intake", "declined", "no grounds"))
    for expected, target, reason in steps:
        plan = ops.change_status(ref, target=target, expected=expected, reason=reason, actor=_ACTOR)
        ops.run_case_plan(plan, driver, db)
    _query(
        driver,
        s,
        "MATCH (c:Case {id: $ref}) SET c.closed_at = datetime($then)",
        ref=ref,
        then=_THEN,
    )
    return ref


@pytest.fixture(scope="module")
def scenario(seeded: neo4j.Driver, neo4j_settings: Settings) -> dict[str, str]:
    """An expired declined case (WPG) with a note, a cluster link and an intervention-like
    record of two nodes (one linked to an entity); a declined case under HRW (not expired);
    an open case with the same subject; a concluded Bibob request no case took up (expired)."""
    driver, s = seeded, neo4j_settings
    expired = _declined_case(driver, s, "WPG")
    _query(
        driver,
        s,
        "MATCH (c:Case {id: $ref}), (k:Cluster {id: $cluster}), (p:Entity {id: $person}) "
        "CREATE (c)-[:ABOUT]->(k) "
        "CREATE (i:Intervention {id: $ref + '/1'})-[:ABOUT]->(c) "
        "CREATE (i)-[:TARGETS]->(p) "
        "CREATE (:InterventionEvent {id: $ref + '/1#1'})-[:ABOUT]->(i)",
        ref=expired,
        cluster=CL_CROSS,
        person=IDS["pL1"],
    )
    kept = _declined_case(driver, s, "HRW")
    db = s.neo4j_database
    open_ref = ops.run_case_plan(ops.open_case(_new("WPG"), _ACTOR, year=2019), driver, db)
    ops.run_case_plan(ops.add_subjects(open_ref, [IDS["pL1"]], _ACTOR), driver, db)
    geography = load_geography(s.require_geography_dir())
    new = NewBibobRequest(municipality_code="GM0935", applicant=IDS["KVK_L"], permit_kind="subsidy")
    plan = bibob.submit(new, _ACTOR, today=date(2019, 3, 1), geography=geography)
    request = ops.run_case_plan(plan, driver, db)
    plan2 = bibob.conclude(request, conclusion="none", reasons=["nothing found"], actor=_ACTOR)
    ops.run_case_plan(plan2, driver, db)
    _query(
        driver,
        s,
        "MATCH (b:BibobRequest {id: $id}) SET b.concluded_at = datetime($then)",
        id=request,
        then=_THEN,
    )
    return {"expired": expired, "kept": kept, "open": open_ref, "request": request}


def _exists(driver: neo4j.Driver, s: Settings, label: str, node_id: str) -> bool:
    rows = _query(
        driver,
        s,
        "MATCH (n {id: $id}) WHERE $label IN labels(n) RETURN count(n) AS n",
        id=node_id,
        label=label,
    )
    return bool(rows[0]["n"])


def test_nothing_goes_before_the_retention_ends(
    seeded: neo4j.Driver, neo4j_settings: Settings, scenario: dict[str, str]
) -> None:
    result = run_retention(seeded, as_of=date(2024, 5, 31), database=neo4j_settings.neo4j_database)
    assert result.cases.cases_deleted == 0
    assert result.cases.bibob_requests_deleted == 0
    for ref in ("expired", "kept", "open"):
        assert _exists(seeded, neo4j_settings, "Case", scenario[ref])


def test_an_expired_case_goes_with_what_hangs_off_it(
    seeded: neo4j.Driver, neo4j_settings: Settings, scenario: dict[str, str]
) -> None:
    db, s = neo4j_settings.neo4j_database, neo4j_settings
    expired = scenario["expired"]
    events = _query(
        seeded, s, "MATCH (e:CaseEvent {case_id: $ref}) RETURN count(e) AS n", ref=expired
    )[0]["n"]
    result = run_retention(seeded, as_of=date(2025, 1, 2), database=db)
    assert result.cases.as_dict() == {
        "cases_deleted": 1,
        "case_records_deleted": {
            "CaseEvent": events,
            "CaseNote": 1,
            "Intervention": 1,
            "InterventionEvent": 1,
        },
        "case_scope_links_deleted": 2,
        "bibob_requests_deleted": 1,
    }
    assert not _exists(seeded, s, "Case", expired)
    assert not _exists(seeded, s, "Intervention", expired + "/1")
    assert not _exists(seeded, s, "BibobRequest", scenario["request"])
    left = _query(
        seeded,
        s,
        "MATCH (n) WHERE n.case_id = $ref OR n.id STARTS WITH $ref RETURN count(n) AS n",
        ref=expired,
    )
    assert left[0]["n"] == 0
    # What the case pointed at stays: the person, the cluster; the other cases keep theirs.
    assert _exists(seeded, s, "Person", IDS["pL1"])
    assert _exists(seeded, s, "Cluster", CL_CROSS)
    assert _exists(seeded, s, "Case", scenario["kept"])
    view = ops.run_case_plan(ops.read_case(scenario["open"]), seeded, db)
    assert [x["id"] for x in view.subjects] == [IDS["pL1"]]
    # The number is never given again: the sequence stays.
    assert (
        _query(seeded, s, "MATCH (q:CaseSequence {id: 'Limburg|2019'}) RETURN q.last AS n")[0]["n"]
        == 3
    )
    again = run_retention(seeded, as_of=date(2025, 1, 2), database=db)
    assert again.cases.cases_deleted == 0
    assert again.cases.bibob_requests_deleted == 0


def test_the_cli_reports_the_cases(
    seeded: neo4j.Driver,
    neo4j_settings: Settings,
    test_instance: str,
    scenario: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KNOOPPUNT_INSTANCE", test_instance)
    due = [
        ref for ref in ("expired", "kept") if _exists(seeded, neo4j_settings, "Case", scenario[ref])
    ]
    # 2030-01-02: the HRW case (to 2029-06-01) has expired, the seed's facts (to 2030-06-30)
    # have not.
    assert main(["retention", "run", "--as-of", "2030-01-02", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cases"]["cases_deleted"] == len(due) > 0
    assert out["cases"]["case_records_deleted"]["CaseNote"] == len(due)
    assert out["nodes_deleted"] == 0
    assert not _exists(seeded, neo4j_settings, "Case", scenario["kept"])
    assert _exists(seeded, neo4j_settings, "Case", scenario["open"])
    assert main(["retention", "run", "--as-of", "2030-01-02"]) == 0
    assert "cases_deleted             0" in capsys.readouterr().out
