"""A whole run on hand-built graphs: clusters, decoys, alerts, re-runs, bad input."""

from __future__ import annotations

import json

from graph.analysis.graphs import RawGraph
from graph.analysis.identity import PreviousCluster
from graph.analysis.params import AnalysisParams
from graph.analysis.pipeline import AnalysisResult, analyse_facts
from graph.analysis.scoring import cross_regions
from tests.unit.analysis_fixtures import national_graph

# The hand-built rings carry a few signals, not the hundreds of a planted network: smaller
# saturation scales keep their scores in the flagged range.
P = AnalysisParams(severity_scale=12.0, organisation_scale=6.0)


def _previous(result: AnalysisResult) -> list[PreviousCluster]:
    return [
        PreviousCluster(
            id=c.id,
            members=frozenset(c.members),
            regions=tuple(cross_regions(c.region_counts, P)),
            cross_region=c.cross_region,
            typology=c.typology,
            flagged=c.flagged,
        )
        for c in result.clusters
    ]


def test_cannabis_ring_is_found_flagged_cross_region_and_alerted() -> None:
    raw, ring, ring2 = national_graph()
    r = analyse_facts(raw, params=P, run_id="RUN-1", previous=[])
    a = next(c for c in r.clusters if set(ring) <= set(c.members))
    # the ring; the company it directs has no signal and no strong link: periphery. The
    # registered-office hub glued nothing else on.
    assert set(a.members) == set(ring)
    assert a.periphery == 1
    assert a.cross_region
    assert a.typology == "cannabis"
    assert a.flagged
    assert a.regions == ["Limburg", "Oost-Brabant"]
    assert a.held_regions == ["Limburg", "Oost-Brabant"]
    assert a.partners == ["BD", "POL"]
    kinds = {al.kind for al in r.alerts if al.cluster_id == a.id}
    assert kinds == {"new_cross_region", "typology"}
    b = next(c for c in r.clusters if set(ring2) <= set(c.members))
    assert not b.cross_region
    assert {al.kind for al in r.alerts if al.cluster_id == b.id} <= {"typology"}
    # the family decoy carries no crime signal: not even reported
    assert not any(m.startswith("PRS-F") for c in r.clusters for m in c.members)
    assert r.damped.get("address") == 1


def test_score_explanation_adds_up_and_is_json_ready() -> None:
    raw, _, _ = national_graph()
    r = analyse_facts(raw, params=P, run_id="RUN-1", previous=[])
    for c in r.clusters:
        assert abs(sum(line.contribution for line in c.explanation) - c.score) < 0.05
        json.dumps([line.as_dict() for line in c.explanation])
        json.dumps(c.key_players())
        assert c.flagged == (c.score >= P.alert_threshold)


def test_rerun_on_unchanged_data_keeps_ids_and_raises_no_alerts() -> None:
    raw, _, _ = national_graph()
    first = analyse_facts(raw, params=P, run_id="RUN-1", previous=[])
    assert first.alerts
    raw2, _, _ = national_graph()
    second = analyse_facts(raw2, params=P, run_id="RUN-2", previous=_previous(first))
    assert [c.id for c in second.clusters] == [c.id for c in first.clusters]
    assert second.alerts == []
    assert second.events == []


def test_growth_raises_grown_alert_and_new_region() -> None:
    raw, ring, _ = national_graph()
    first = analyse_facts(raw, params=P, run_id="RUN-1", previous=[])
    raw2, ring, _ = national_graph()
    # four recruits in Zeeland-West-Brabant, tightly linked to the ring
    for i in range(4):
        pid = f"PRS-N{i}"
        raw2.add_node(pid, "person", "Zeeland-West-Brabant")
        for j in (i, i + 3, i + 6):
            raw2.links.append((pid, ring[j], "associate", 0))
        raw2.shares.append(("ONDZ-A", "investigation", pid, 0))
        raw2.signals.append((pid, "cannabis_grow_site", 0))
    second = analyse_facts(raw2, params=P, run_id="RUN-2", previous=_previous(first))
    a = next(c for c in second.clusters if set(ring) <= set(c.members))
    assert a.id in {c.id for c in first.clusters}
    kinds = {al.kind for al in second.alerts if al.cluster_id == a.id}
    assert kinds == {"grown", "new_region"}
    new_region = next(al for al in second.alerts if al.kind == "new_region")
    assert new_region.new_regions == ["Zeeland-West-Brabant"]
    assert new_region.regions[0] == "Zeeland-West-Brabant"


def test_empty_graph_gives_no_clusters() -> None:
    r = analyse_facts(RawGraph(), params=P, run_id="RUN-1", previous=[])
    assert r.clusters == []
    assert r.alerts == []
    assert r.nodes == 0


def test_graph_without_cross_region_links_has_no_cross_region_alerts() -> None:
    raw, _, _ = national_graph()
    for i, _ in enumerate(raw.node_regions):
        raw.node_regions[i] = "Rotterdam"
    r = analyse_facts(raw, params=P, run_id="RUN-1", previous=[])
    assert r.clusters
    assert not any(c.cross_region for c in r.clusters)
    assert not any(a.kind == "new_cross_region" for a in r.alerts)


def test_unknown_region_members_are_counted_not_dropped() -> None:
    raw, ring, _ = national_graph()
    idx = raw.node_ids.index(ring[0])
    raw.node_regions[idx] = None
    r = analyse_facts(raw, params=P, run_id="RUN-1", previous=[])
    a = next(c for c in r.clusters if ring[0] in c.members)
    assert a.region_counts.get("unknown") == 1
    assert a.size == sum(a.region_counts.values())
