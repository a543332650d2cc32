"""Key players on cluster subgraphs: the broker between two groups ranks first."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np

from graph.analysis.keyplayers import cluster_subgraph, key_players
from graph.analysis.params import AnalysisParams


def _two_groups_and_a_broker() -> nx.Graph:
    # nodes 0-4 a clique in region 0, 6-10 a clique in region 1, 5 brokers between them
    edges = [(a, b) for a in range(5) for b in range(a + 1, 5)]
    edges += [(a, b) for a in range(6, 11) for b in range(a + 1, 11)]
    edges += [(4, 5), (5, 6)]
    src = np.array([a for a, _ in edges])
    dst = np.array([b for _, b in edges])
    return cluster_subgraph(np.arange(11), src, dst, np.ones(len(edges)))


def test_broker_ranks_first_and_connects_regions() -> None:
    g = _two_groups_and_a_broker()
    regions = {v: (0 if v < 5 else 1) for v in range(11)}
    roles = {5: "electrician"}
    stats = {s.node: s for s in key_players(g, regions, roles, AnalysisParams())}
    assert stats[5].rank == 1
    assert stats[5].is_broker
    assert stats[5].scarce_role == "electrician"
    assert stats[5].connects_regions
    assert not stats[0].connects_regions
    assert stats[0].core == 4
    assert stats[0].betweenness == 0.0
    assert stats[0].rank is None or stats[0].rank > 3


def test_sampled_betweenness_on_big_clusters_still_finds_the_broker() -> None:
    g = _two_groups_and_a_broker()
    params = dataclasses.replace(AnalysisParams(), betweenness_exact_max=5, betweenness_samples=8)
    stats = {s.node: s for s in key_players(g, {}, {}, params)}
    assert stats[5].rank == 1


def test_strong_ties_are_short_paths() -> None:
    # a triangle where 0-2 is weak: the path through 1 (two strong ties) is shorter
    g = cluster_subgraph(
        np.arange(3), np.array([0, 1, 0]), np.array([1, 2, 2]), np.array([5.0, 5.0, 1.0])
    )
    stats = {s.node: s for s in key_players(g, {}, {}, AnalysisParams())}
    assert stats[1].betweenness > 0
    assert stats[1].rank == 1
