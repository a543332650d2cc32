"""Clusters that keep their groups apart, small parts merged before the size check, sub-groups
and brokers, and key-player rank intervals under missing data (decision 072)."""

from __future__ import annotations

import itertools
import json

import numpy as np

from graph.analysis.clustering import components
from graph.analysis.cores import find_cores
from graph.analysis.describe import describe_clusters
from graph.analysis.graphs import RawGraph, partner_mask
from graph.analysis.keyplayers import RankInterval, rank_intervals
from graph.analysis.params import AnalysisParams
from graph.analysis.pipeline import analyse_facts
from graph.analysis.projection import project
from graph.analysis.subgroups import sub_groups
from graph.analysis.writeback import cluster_props
from tests.unit.analysis_fixtures import national_graph

POL = partner_mask(["POL"])
P = AnalysisParams()


def _group(raw: RawGraph, prefix: str, size: int, region: str = "Limburg") -> list[str]:
    """A dense group: everybody called everybody, each with a grow site."""
    ids = [f"PRS-{prefix}{i:02d}" for i in range(size)]
    for pid in ids:
        raw.add_node(pid, "person", region)
        raw.signals.append((pid, "cannabis_grow_site", POL))
    raw.links += [(a, b, "associate", POL) for a, b in itertools.combinations(ids, 2)]
    return ids


def test_two_dense_groups_joined_by_one_ordinary_link_stay_two_clusters() -> None:
    raw = RawGraph()
    a, b = _group(raw, "A", 6), _group(raw, "B", 6)
    # one call between the groups: as strong as any call inside them. Its weight (3) is 7 %
    # of a group's internal strong weight (15 calls x 3), which the old 5 % share rule merged.
    raw.links.append((a[0], b[0], "associate", POL))
    result = analyse_facts(raw, params=P, run_id="RUN-1", previous=[])
    assert sorted(sorted(c.members) for c in result.clusters) == [sorted(a), sorted(b)]


def test_groups_with_dense_ties_between_them_are_one_cluster() -> None:
    raw = RawGraph()
    a, b = _group(raw, "A", 6), _group(raw, "B", 6)
    # every member of A called two members of B: a between density of 1/3 of the inside
    raw.links += [(p, b[(i + k) % 6], "associate", POL) for i, p in enumerate(a) for k in (0, 1)]
    result = analyse_facts(raw, params=P, run_id="RUN-1", previous=[])
    assert [sorted(c.members) for c in result.clusters] == [sorted(a + b)]


def _network_with_growers(strong_ties: bool) -> tuple[RawGraph, list[str], list[str]]:
    """A network of six and two growers who work at a company with three colleagues; the
    growers are tied to the network by calls (strong) or only by sponsorship (weak)."""
    raw = RawGraph()
    net = _group(raw, "N", 6)
    growers = ["PRS-G00", "PRS-G01"]
    for pid in growers:
        raw.add_node(pid, "person", "Limburg")
        raw.signals.append((pid, "cannabis_grow_site", POL))
    raw.links.append((growers[0], growers[1], "associate", POL))
    kind = "associate" if strong_ties else "sponsor"
    raw.links += [(growers[0], net[0], kind, POL), (growers[1], net[1], kind, POL)]
    raw.add_node("12345678", "company", "Limburg")
    for i in range(3):
        raw.add_node(f"PRS-C{i:02d}", "person", "Limburg")
        raw.links.append((f"PRS-C{i:02d}", "12345678", "employment", POL))
    raw.links += [(g, "12345678", "employment", POL) for g in growers]
    return raw, net, growers


def test_a_strongly_tied_small_part_is_merged_rather_than_dropped() -> None:
    for strong_ties in (True, False):
        raw, net, growers = _network_with_growers(strong_ties)
        graph = project(raw, P)
        # the growers fell into their employer's community (as an old job can pull them)
        membership = np.array([0 if v in net else 1 for v in graph.ids], dtype=np.int64)
        cores = find_cores(graph, membership, P)
        kept = [{graph.ids[v] for v in cores.members[c].tolist()} for c in cores.kept]
        if strong_ties:
            assert kept == [set(net) | set(growers)]
        else:  # a pair of two is below the size check and has no strong tie: not reported
            assert kept == [set(net)]


def test_sub_groups_and_the_brokers_between_them_are_reported() -> None:
    raw = RawGraph()
    a, b = _group(raw, "A", 5), _group(raw, "B", 5)
    raw.links += [(a[0], b[0], "associate", POL), (a[1], b[1], "associate", POL)]
    graph = project(raw, P)
    # one community holding both groups (in a national graph modularity's resolution limit
    # joins small groups like these)
    cores = find_cores(graph, np.zeros(graph.n_nodes, dtype=np.int64), P)
    [cluster] = describe_clusters(graph, cores, components(graph), P)
    assert sorted(cluster.members) == sorted(a + b)
    subgroups = cluster.subgroups()
    assert [(g["size"], g["brokers"]) for g in subgroups] == [(5, 2), (5, 2)]
    group_of = {m: g for m, (g, _, _) in zip(cluster.members, cluster.member_groups(), strict=True)}
    assert {group_of[m] for m in a} != {group_of[m] for m in b}
    assert len({group_of[m] for m in a}) == len({group_of[m] for m in b}) == 1
    brokers = cluster.brokers()
    assert {br["id"] for br in brokers} == {a[0], a[1], b[0], b[1]}
    assert all(br["links_to"] == [1 - int(br["subgroup"])] for br in brokers)  # type: ignore[call-overload]
    assert [br["broker_rank"] for br in brokers] == [1, 2, 3, 4]
    # the cluster node holds counts only; members carry their sub-group and broker rank
    assert json.loads(cluster_props(cluster)["subgroups"]) == subgroups


def test_one_dense_group_is_one_sub_group_without_brokers() -> None:
    members = np.arange(8)
    src, dst = (np.array(x) for x in zip(*itertools.combinations(range(8), 2), strict=True))
    groups = sub_groups(members, src, dst, np.ones(src.size), P)
    assert groups.sizes == [8]
    assert groups.brokers == []


def _bridged_groups() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two groups of four and member 4 the only bridge between them (3 - 4 - 5)."""
    pairs = [*itertools.combinations(range(4), 2), *itertools.combinations(range(5, 9), 2)]
    pairs += [(3, 4), (4, 5)]
    src, dst = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    return np.arange(9), src, dst


def test_rank_intervals_are_deterministic_under_the_seed_and_widen_for_a_fragile_rank() -> None:
    members, src, dst = _bridged_groups()
    weight = np.ones(src.size)
    ranked = [4, 3, 5]
    first = rank_intervals(members, src, dst, weight, ranked, P)
    assert first == rank_intervals(members, src, dst, weight, ranked, P)
    assert set(first) == set(ranked)
    # the bridge is first with all links, but loses its rank whenever one of its two links
    # is missing; a member of a dense group keeps it
    assert first[4].low == 1 < first[4].high
    assert first[4].top_share == 1.0  # 9 members: everyone stays among the top 10
    other = rank_intervals(members, src, dst, weight, ranked, AnalysisParams(seed=7))
    assert all(1 <= other[v].low <= other[v].high <= members.size for v in ranked)
    none = rank_intervals(members, src, dst, weight, ranked, AnalysisParams(robust_resamples=0))
    assert none == {}


def test_flagged_clusters_report_rank_intervals_of_their_key_players() -> None:
    raw, _, _ = national_graph()
    params = AnalysisParams(severity_scale=12.0, organisation_scale=6.0)
    r1 = analyse_facts(raw, params=params, run_id="RUN-1", previous=[])
    r2 = analyse_facts(raw, params=params, run_id="RUN-2", previous=[])
    flagged = [c for c in r1.clusters if c.flagged]
    assert flagged
    for c1, c2 in zip(r1.clusters, r2.clusters, strict=True):
        players = c1.key_players()
        assert players == c2.key_players()
        for p in players:
            if c1.flagged:
                interval = p["rank_interval"]
                assert isinstance(interval, list)
                assert 1 <= interval[0] <= interval[1] <= c1.size
                assert isinstance(p["rank_top_share"], float)
            else:
                assert p["rank_interval"] is None
    assert isinstance(next(iter(flagged[0].rank_intervals.values())), RankInterval)
