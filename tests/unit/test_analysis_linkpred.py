"""Suggested hidden links: the weighted resource allocation index against common neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from graph.analysis.linkpred import adjacency, suggest_links
from graph.analysis.projection import graph_from_edges


def _graph(edges: list[tuple[int, int, float]], n: int):  # type: ignore[no-untyped-def]
    src = np.array([a for a, _, _ in edges])
    dst = np.array([b for _, b, _ in edges])
    w = np.array([x for _, _, x in edges], dtype=np.float64)
    return graph_from_edges([f"P{i}" for i in range(n)], src, dst, w)


def test_a_private_go_between_outweighs_a_busy_hub() -> None:
    # 0 and 1 share the private go-between 2; 0 and 3 share only the hub 4 (with 5 others)
    edges = [(0, 2, 1.0), (1, 2, 1.0), (0, 4, 1.0), (3, 4, 1.0)]
    edges += [(4, k, 1.0) for k in range(5, 10)]
    adj = adjacency(_graph(edges, 10))
    ra = suggest_links(adj, np.array([0, 1, 2, 3]), limit=None)
    scores = {(s.a, s.b): s.score for s in ra}
    assert scores[(0, 1)] == pytest.approx(1.0 / 2.0)
    assert scores[(0, 3)] == pytest.approx(1.0 / 7.0)
    assert (ra[0].a, ra[0].b) == (0, 1)
    cn = suggest_links(adj, np.array([0, 1, 2, 3]), method="common_neighbours", limit=None)
    assert {(s.a, s.b): s.score for s in cn}[(0, 3)] == 1.0  # the baseline cannot tell them apart
    assert {(s.a, s.b): s.score for s in cn}[(0, 1)] == 1.0


def test_linked_pairs_are_never_suggested_and_strong_ties_count_more() -> None:
    edges = [(0, 1, 1.0), (0, 2, 3.0), (1, 2, 1.0), (2, 3, 3.0), (1, 4, 1.0), (4, 3, 1.0)]
    adj = adjacency(_graph(edges, 5))
    found = suggest_links(adj, np.array([0, 1, 2, 3, 4]), limit=None)
    pairs = {(s.a, s.b) for s in found}
    assert not pairs & {(0, 1), (0, 2), (1, 2), (2, 3), (1, 4), (3, 4)}
    by = {(s.a, s.b): s for s in found}
    # 0-3 through the strong go-between 2 (3 * 3 / 7) beats 1-3 through 2 and 4 (3/7 + 1/2)
    assert by[(0, 3)].score == pytest.approx(9.0 / 7.0)
    assert by[(1, 3)].score == pytest.approx(3.0 / 7.0 + 1.0 / 2.0)
    assert by[(1, 3)].common == 2
    assert (found[0].a, found[0].b) == (0, 3)


def test_around_pairs_a_member_with_a_neighbour_never_two_outsiders() -> None:
    # members 0, 1, 5; outsiders 2 (linked to 0 and 5) and 3, 4 (linked to 2)
    edges = [(0, 1, 1.0), (0, 2, 1.0), (5, 2, 1.0), (2, 3, 1.0), (2, 4, 1.0)]
    adj = adjacency(_graph(edges, 6))
    members = np.array([0, 1, 5])
    inside = {(s.a, s.b) for s in suggest_links(adj, members, limit=None)}
    around = {(s.a, s.b) for s in suggest_links(adj, members, limit=None, where="around")}
    assert inside == {(0, 5)}  # through the outsider 2; 0 and 1 are linked
    assert (1, 2) in around  # a member and a neighbour, through 0
    assert (0, 5) not in around  # two members: inside, not around
    assert (3, 4) not in around  # two outsiders
    assert (0, 3) not in around  # 3 is no neighbour of the cluster


def test_the_limit_keeps_the_best_and_ties_are_deterministic() -> None:
    edges = [(0, k, 1.0) for k in range(1, 6)]
    adj = adjacency(_graph(edges, 6))
    first = suggest_links(adj, np.arange(6), limit=3)
    assert [(s.a, s.b) for s in first] == [(1, 2), (1, 3), (1, 4)]
    assert first == suggest_links(adj, np.arange(6), limit=3)
