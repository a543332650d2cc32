"""The properties written to Neo4j match the result model in docs/analysis.md."""

from __future__ import annotations

import json

from graph.analysis.alerts import alert_id
from graph.analysis.params import AnalysisParams
from graph.analysis.pipeline import analyse_facts
from graph.analysis.writeback import cluster_props, event_id
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
}


def test_cluster_properties_are_flat_with_json_for_nested_values() -> None:
    raw, ring, _ = national_graph()
    params = AnalysisParams(severity_scale=12.0, organisation_scale=6.0)
    result = analyse_facts(raw, params=params, run_id="RUN-1", previous=[])
    cluster = next(c for c in result.clusters if ring[0] in c.members)
    props = cluster_props(cluster)
    assert set(props) == CLUSTER_KEYS
    for key in ("region_counts", "evidence", "score_explanation", "key_players"):
        assert isinstance(props[key], str)
        json.loads(props[key])
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
        "rank",
    }
    assert {e["signal"] for e in json.loads(props["evidence"])} >= {"cannabis_grow_site"}


def test_ids_are_deterministic_and_prefixed() -> None:
    assert alert_id("RUN-1", "CL-1", "grown") == alert_id("RUN-1", "CL-1", "grown")
    assert alert_id("RUN-1", "CL-1", "grown") != alert_id("RUN-2", "CL-1", "grown")
    assert alert_id("RUN-1", "CL-1", "grown").startswith("AL-")
    assert event_id("RUN-1", "CL-1", "split").startswith("EV-")
