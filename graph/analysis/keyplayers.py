"""Key players of one cluster, with NetworkX on the cluster's own subgraph.

Brokers are ranked by betweenness (shortest paths with distance ``1 / weight``, so strong ties
are short). On clusters above ``betweenness_exact_max`` members betweenness is *sampled* with
``betweenness_samples`` pivots (Brandes-Pich); the error of the normalised estimate is bounded
by O(1/sqrt(k)) (decision 033). k-core number, degree, whether a member connects regions and the
scarce role the data shows are reported next to it. :func:`rank_intervals` re-ranks with a
share of the links removed (missing data) and reports how far each key player's rank moves
(decision 072).
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import networkx as nx
import numpy as np

from graph.analysis.graphs import FloatArray, IntArray
from graph.analysis.params import AnalysisParams

__all__ = ["MemberStats", "RankInterval", "cluster_subgraph", "key_players", "rank_intervals"]


@dataclass(frozen=True, slots=True)
class MemberStats:
    """A member's position inside its cluster."""

    node: int
    degree: int
    betweenness: float
    core: int
    connects_regions: bool
    is_broker: bool
    rank: int | None
    scarce_role: str | None
    #: The fact that gives ``scarce_role`` (an evidence code) and the company it came through.
    role_evidence: str | None = None
    role_source: str | None = None


@dataclass(frozen=True, slots=True)
class RankInterval:
    """A key player's rank under missing data: 5th to 95th percentile over the resamples
    (``low`` <= ``high``, 1 = first) and the share of resamples that keep it a key player."""

    low: int
    high: int
    top_share: float


def cluster_subgraph(
    members: IntArray, src: IntArray, dst: IntArray, weight: FloatArray
) -> nx.Graph:
    """NetworkX graph of the members and the given internal links (node = node index).

    Examples
    --------
    >>> import numpy as np
    >>> g = cluster_subgraph(np.array([4, 7]), np.array([4]), np.array([7]), np.array([2.0]))
    >>> sorted(g.nodes), g.edges[4, 7]["distance"]
    ([4, 7], 0.5)
    """
    g = nx.Graph()
    g.add_nodes_from(members.tolist())
    g.add_weighted_edges_from(
        zip(src.tolist(), dst.tolist(), weight.tolist(), strict=True), weight="weight"
    )
    for _, _, data in g.edges(data=True):
        data["distance"] = 1.0 / data["weight"]
    return g


def key_players(
    g: nx.Graph,
    regions: dict[int, int],
    roles: dict[int, str],
    params: AnalysisParams,
    role_evidence: dict[int, tuple[str, str | None]] | None = None,
) -> list[MemberStats]:
    """Stats of every member; ``rank`` set on the top ``params.key_players``.

    ``regions`` maps node -> region index (-1 unknown). Ranking: betweenness, then k-core, then
    degree, then node index (deterministic).

    Examples
    --------
    The middle of a chain is the broker:

    >>> import numpy as np
    >>> from graph.analysis.params import AnalysisParams
    >>> ones = np.ones(2)
    >>> g = cluster_subgraph(np.array([0, 1, 2]), np.array([0, 1]), np.array([1, 2]), ones)
    >>> stats = key_players(g, {0: 0, 1: 0, 2: 1}, {}, AnalysisParams())
    >>> [(s.node, s.rank, s.is_broker) for s in stats if s.rank == 1]
    [(1, 1, True)]
    """
    n = g.number_of_nodes()
    if n == 0:
        return []
    if n > params.betweenness_exact_max:
        between = nx.betweenness_centrality(
            g,
            k=params.betweenness_samples,
            weight="distance",
            normalized=True,
            seed=params.seed,
        )
    else:
        between = nx.betweenness_centrality(g, weight="distance", normalized=True)
    core = nx.core_number(g)
    order = sorted(g.nodes, key=lambda v: (-between[v], -core[v], -g.degree[v], v))
    rank_of = {v: i + 1 for i, v in enumerate(order[: params.key_players])}
    brokers = {v for v in order[: params.brokers] if between[v] > 0}
    facts = role_evidence or {}
    stats: list[MemberStats] = []
    for v in g.nodes:
        evidence, source = facts.get(v, (None, None))
        own = regions.get(v, -1)
        connects = own >= 0 and any(
            regions.get(u, -1) >= 0 and regions.get(u, -1) != own for u in g.neighbors(v)
        )
        stats.append(
            MemberStats(
                node=int(v),
                degree=int(g.degree[v]),
                betweenness=float(np.round(between[v], 6)),
                core=int(core[v]),
                connects_regions=connects,
                is_broker=v in brokers,
                rank=rank_of.get(v),
                scarce_role=roles.get(v),
                role_evidence=evidence if v in roles else None,
                role_source=source if v in roles else None,
            )
        )
    return stats


def _ranks(g: ig.Graph, n: int, copies: int) -> IntArray:
    """Rank (1 = first) of every vertex within its copy (``copies`` disjoint graphs of ``n``
    vertices each): betweenness, then k-core, then degree, then index."""
    between = np.round(np.asarray(g.betweenness(weights="distance"), dtype=np.float64), 9)
    core = np.asarray(g.coreness(), dtype=np.int64)
    degree = np.asarray(g.degree(), dtype=np.int64)
    index = np.tile(np.arange(n), copies)
    copy = np.repeat(np.arange(copies), n)
    order = np.lexsort((index, -degree, -core, -between, copy))
    ranks = np.empty(n * copies, dtype=np.int64)
    ranks[order] = index + 1  # within each copy, sorted positions run 1..n
    return ranks.reshape(copies, n)


def rank_intervals(
    members: IntArray,
    src: IntArray,
    dst: IntArray,
    weight: FloatArray,
    ranked: list[int],
    params: AnalysisParams,
) -> dict[int, RankInterval]:
    """Rank interval of each node in ``ranked`` (the key players) when ``robust_drop_share``
    of the cluster's links are missing, over ``robust_resamples`` seeded resamples.

    The ranking is the one of :func:`key_players` (distance ``1 / weight``), computed with
    igraph so that the resamples cost little; ``members`` sorted, links inside the cluster.

    Examples
    --------
    In a star the hub stays first whatever links are lost:

    >>> import numpy as np
    >>> from graph.analysis.params import AnalysisParams
    >>> src, dst = np.zeros(6, dtype=np.int64), np.arange(1, 7)
    >>> out = rank_intervals(np.arange(7), src, dst, np.ones(6), [0], AnalysisParams())
    >>> out[0]
    RankInterval(low=1, high=1, top_share=1.0)
    """
    n, resamples = int(members.size), params.robust_resamples
    if not ranked or resamples <= 0 or src.size == 0:
        return {}
    a, b = np.searchsorted(members, src), np.searchsorted(members, dst)
    rng = np.random.default_rng(params.seed)
    keep = rng.random((resamples, src.size)) >= params.robust_drop_share
    # all resamples as one graph of disjoint copies: one betweenness call per cluster
    offset = (np.arange(resamples, dtype=np.int64) * n)[:, None]
    edges = np.column_stack(((a + offset)[keep], (b + offset)[keep]))
    g = ig.Graph(n=n * resamples, edges=edges)
    g.es["distance"] = np.broadcast_to(1.0 / weight, keep.shape)[keep]
    pos = np.searchsorted(members, np.asarray(ranked, dtype=np.int64))
    seen = _ranks(g, n, resamples)[:, pos]
    low = np.percentile(seen, 5, axis=0, method="inverted_cdf")
    high = np.percentile(seen, 95, axis=0, method="inverted_cdf")
    top = (seen <= params.key_players).mean(axis=0)
    return {
        node: RankInterval(int(lo), int(hi), round(float(t), 4))
        for node, lo, hi, t in zip(ranked, low.tolist(), high.tolist(), top.tolist(), strict=True)
    }
