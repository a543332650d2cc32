"""Retention reaches everything derived (issue 17, item 9): after every fact of the delivered
data expired and the next analysis ran, no node or relationship property holds a removed token
or KvK number, the dissolved cluster keeps counts only, its alert is closed as expired, and its
event reports the real size before."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import neo4j

from graph.analysis.params import AnalysisParams
from graph.analysis.runner import analyse_database
from graph.results import AlertRecord, MembershipRecord
from graph.settings import Settings
from ingest.pipeline import ingest_paths
from ingest.retention import run_retention
from tests.ingest_fixtures import person, scenario
from tests.integration.seed_support import write_alerts, write_clusters, write_memberships

CLUSTER = "CL-abcdefabcd"
ALL_PROPERTIES = """
CALL () { MATCH (n) RETURN collect(properties(n)) AS nodes }
CALL () { MATCH ()-[r]->() RETURN collect(properties(r)) AS links }
RETURN nodes, links
"""


def _everything(driver: neo4j.Driver, db: str) -> str:
    records, _, _ = driver.execute_query(ALL_PROPERTIES, database_=db)
    return json.dumps([records[0]["nodes"], records[0]["links"]], default=str)


def test_retention_leaves_no_removed_identifier_anywhere(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    db = neo4j_settings.neo4j_database
    ingest_paths(neo4j_settings, scenario(tmp_path), instance=test_instance)
    members = [person(1), person(2), "01234567"]
    players = [
        {"id": m, "kind": "person", "region": "Oost-Brabant", "rank": i + 1}
        for i, m in enumerate(members)
    ]
    at = datetime(2026, 11, 15, tzinfo=UTC)
    props = {
        "size": 3,
        "persons": 2,
        "companies": 1,
        "regions": ["Oost-Brabant"],
        "region_counts": json.dumps({"Oost-Brabant": 3}),
        "key_players": json.dumps(players),
        "typology": "cannabis",
        "flagged": True,
        "cross_region": False,
        "score": 55.0,
    }
    write_clusters(empty_db, database=db, run_id="RUN-1", at=at, clusters={CLUSTER: props})
    write_memberships(
        empty_db,
        database=db,
        memberships=[
            (CLUSTER, m, MembershipRecord(run_id="RUN-1", kind="person")) for m in members
        ],
    )
    alert = AlertRecord(
        id="AL-fedcbafedcba",
        kind="typology",
        cluster_id=CLUSTER,
        regions=["Oost-Brabant"],
        run_id="RUN-1",
        created_at=at,
    )
    write_alerts(empty_db, database=db, alerts=[alert])
    assert person(1) in _everything(empty_db, db)

    result = run_retention(empty_db, as_of=date(2040, 1, 1), database=db)
    assert result.nodes_deleted > 0
    assert result.clusters_stale == 1
    text = _everything(empty_db, db)
    for removed in members:
        assert removed not in text  # not in key players, memberships or anything else

    summary = analyse_database(
        empty_db, database=db, as_of=date(2040, 1, 1), params=AnalysisParams()
    )
    assert summary.result.clusters == []
    records, _, _ = empty_db.execute_query(
        "MATCH (c:Cluster {id: $id}) OPTIONAL MATCH (e:ClusterEvent)-[:ABOUT]->(c) "
        "OPTIONAL MATCH (a:Alert)-[:ABOUT]->(c) "
        "RETURN c.status AS status, c.key_players AS kp, c.size AS size, "
        "collect(DISTINCT e.details) AS events, collect(DISTINCT a.closed_reason) AS reasons, "
        "COUNT { (:Entity)-[:MEMBER_OF]->(c) } AS members",
        id=CLUSTER,
        database_=db,
    )
    row = records[0]
    assert row["status"] == "dissolved"
    assert json.loads(row["kp"]) == []
    assert row["size"] == 3  # counts are kept
    assert row["members"] == 0
    assert [json.loads(d) for d in row["events"]] == [{"size_before": 3}]
    assert row["reasons"] == ["expired: the cluster dissolved"]
