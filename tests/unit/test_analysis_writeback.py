"""The properties written to Neo4j match the result model in docs/analysis.md, and
``write_result`` against a spec'd driver: statements, parameters, batches."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from unittest.mock import MagicMock

import neo4j
import pytest
from neo4j.exceptions import ServiceUnavailable

from graph import queries as q
from graph.analysis.alerts import alert_id
from graph.analysis.params import AnalysisParams
from graph.analysis.pipeline import AnalysisResult, analyse_facts
from graph.analysis.writeback import cluster_props, event_id, write_result
from graph.results import MembershipRecord
from tests.unit.analysis_fixtures import national_graph

#: Cluster properties the API codes against (docs/analysis.md, "(:Cluster)").
CLUSTER_KEYS = {
    "size",
    "persons",
    "companies",
    "regions",
    "region_counts",
    "cross_region",
    "typology",
    "evidence",
    "score",
    "score_explanation",
    "flagged",
    "partners",
    "key_players",
    "component_size",
    "density",
    "periphery",
    "subgroups",
    "suggested_links",
}


def test_cluster_properties_are_flat_with_json_for_nested_values() -> None:
    raw, ring, _ = national_graph()
    params = AnalysisParams(severity_scale=12.0, organisation_scale=6.0)
    result = analyse_facts(raw, params=params, run_id="RUN-1", previous=[])
    cluster = next(c for c in result.clusters if ring[0] in c.members)
    props = cluster_props(cluster)
    assert set(props) == CLUSTER_KEYS
    for key in (
        "region_counts",
        "evidence",
        "score_explanation",
        "key_players",
        "subgroups",
        "suggested_links",
    ):
        assert isinstance(props[key], str)
        json.loads(props[key])
    if cluster.flagged:
        for suggestion in json.loads(props["suggested_links"]):
            assert suggestion["a_member"] or suggestion["b_member"]
            assert suggestion["score"] > 0
            assert suggestion["method"] == "resource_allocation"
    assert all(isinstance(r, str) for r in props["regions"])
    players = json.loads(props["key_players"])
    assert [p["rank"] for p in players] == sorted(p["rank"] for p in players)
    assert set(players[0]) == {
        "id",
        "kind",
        "region",
        "betweenness",
        "degree",
        "core",
        "is_broker",
        "connects_regions",
        "scarce_role",
        "role_evidence",
        "role_source",
        "rank",
        "rank_interval",
        "rank_top_share",
    }
    # sub-groups are counts only: no member ids on the cluster node
    assert json.loads(props["subgroups"]) == [{"subgroup": 0, "size": cluster.size, "brokers": 0}]
    assert {e["signal"] for e in json.loads(props["evidence"])} >= {"cannabis_grow_site"}


def test_ids_are_deterministic_and_prefixed() -> None:
    assert alert_id("RUN-1", "CL-1", "grown") == alert_id("RUN-1", "CL-1", "grown")
    assert alert_id("RUN-1", "CL-1", "grown") != alert_id("RUN-2", "CL-1", "grown")
    assert alert_id("RUN-1", "CL-1", "grown").startswith("AL-")
    assert event_id("RUN-1", "CL-1", "split").startswith("EV-")


# --- write_result against a spec'd driver --------------------------------------------------------


def _result() -> AnalysisResult:
    raw, _, _ = national_graph()
    params = AnalysisParams(severity_scale=12.0, organisation_scale=6.0)
    return analyse_facts(raw, params=params, run_id="RUN-1", previous=[])


def _calls(driver: MagicMock) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [(c.args[0], c.args[1], c.kwargs) for c in driver.execute_query.call_args_list]


AT = datetime(2025, 10, 1, tzinfo=UTC)


def test_write_result_runs_the_write_back_statements_in_order_with_their_parameters() -> None:
    result = _result()
    assert result.events, "the fixture raises events"
    assert result.alerts, "the fixture raises alerts"
    result.dissolved = ["CL-gone"]
    driver = MagicMock(spec=neo4j.Driver)
    write_result(driver, database="db", run_id="RUN-1", at=AT, result=result, initial=True)
    calls = _calls(driver)
    assert [query for query, _, _ in calls] == [
        q.ANALYSIS_DELETE_MEMBERSHIPS,
        q.ANALYSIS_WRITE_CLUSTERS,
        q.ANALYSIS_WRITE_MEMBERSHIPS,
        q.ANALYSIS_DISSOLVE_CLUSTERS,
        q.ANALYSIS_WRITE_EVENTS,
        q.ANALYSIS_WRITE_ALERTS,
    ]
    assert all(kwargs == {"database_": "db"} for _, _, kwargs in calls)
    by_query = {query: params for query, params, _ in calls}
    ids = [c.id for c in result.clusters]
    assert by_query[q.ANALYSIS_DELETE_MEMBERSHIPS] == {"ids": ids}
    clusters = by_query[q.ANALYSIS_WRITE_CLUSTERS]
    assert (clusters["run_id"], clusters["at"]) == ("RUN-1", AT)
    assert clusters["rows"] == [{"id": c.id, "props": cluster_props(c)} for c in result.clusters]
    members = by_query[q.ANALYSIS_WRITE_MEMBERSHIPS]["rows"]
    assert len(members) == sum(len(c.members) for c in result.clusters)
    first = result.clusters[0]
    assert members[0]["cluster"] == first.id
    assert members[0]["member"] == first.members[0]
    assert set(members[0]["props"]) == set(MembershipRecord.model_fields)
    assert members[0]["props"]["run_id"] == "RUN-1"
    assert by_query[q.ANALYSIS_DISSOLVE_CLUSTERS] == {"ids": ["CL-gone"], "at": AT}
    events = by_query[q.ANALYSIS_WRITE_EVENTS]
    assert (events["run_id"], events["at"]) == ("RUN-1", AT)
    for row, event in zip(events["rows"], result.events, strict=True):
        assert row["id"] == event_id("RUN-1", event.cluster_id, event.kind)
        assert row["cluster_id"] == event.cluster_id
        assert json.loads(row["props"]["details"]) == event.details  # nested: JSON text
        assert not {"run_id", "at", "id"} & set(row["props"])  # set by the statement
    alerts = by_query[q.ANALYSIS_WRITE_ALERTS]
    assert [row["id"] for row in alerts["rows"]] == [a.id for a in result.alerts]
    assert all(row["props"]["initial"] is True for row in alerts["rows"])
    assert all("created_at" not in row["props"] for row in alerts["rows"])


def test_write_result_sends_batches_of_the_batch_size() -> None:
    result = _result()
    assert len(result.clusters) >= 2, "the fixture has several clusters"
    driver = MagicMock(spec=neo4j.Driver)
    write_result(
        driver, database="db", run_id="RUN-1", at=AT, result=result, initial=False, batch=1
    )
    calls = _calls(driver)
    cluster_batches = [p["rows"] for query, p, _ in calls if query == q.ANALYSIS_WRITE_CLUSTERS]
    assert [len(rows) for rows in cluster_batches] == [1] * len(result.clusters)
    # Memberships go in batches five times as large.
    member_batches = [p["rows"] for query, p, _ in calls if query == q.ANALYSIS_WRITE_MEMBERSHIPS]
    total = sum(len(c.members) for c in result.clusters)
    assert [len(rows) for rows in member_batches] == [min(5, total - i) for i in range(0, total, 5)]
    # Nothing to dissolve: no statement at all.
    assert q.ANALYSIS_DISSOLVE_CLUSTERS not in [query for query, _, _ in calls]
    alerts = [row for query, p, _ in calls if query == q.ANALYSIS_WRITE_ALERTS for row in p["rows"]]
    assert all(row["props"]["initial"] is False for row in alerts)


def test_a_driver_error_in_the_write_back_is_not_swallowed() -> None:
    driver = MagicMock(spec=neo4j.Driver)
    driver.execute_query.side_effect = ServiceUnavailable("gone")  # type: ignore[no-untyped-call]
    with pytest.raises(ServiceUnavailable):
        write_result(driver, database="db", run_id="RUN-1", at=AT, result=_result(), initial=False)
    assert driver.execute_query.call_count == 1  # stops at the first failed statement
