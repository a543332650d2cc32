"""Key players of one cluster, with NetworkX on the cluster's own subgraph.

Brokers are ranked by betweenness (shortest paths with distance ``1 / weight``, so strong ties
are short). On clusters above ``betweenness_exact_max`` members betweenness is *sampled* with
``betweenness_samples`` pivots (Brandes-Pich); the error of the normalised estimate is bounded
by O(1/sqrt(k)) (decision 033). k-core number, degree, whether a member connects regions and the
scarce role the data shows are reported next to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from graph.analysis.graphs import FloatArray, IntArray
from graph.analysis.params import AnalysisParams

__all__ = ["MemberStats", "cluster_subgraph", "key_players"]


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
    g: nx.Graph, regions: dict[int, int], roles: dict[int, str], params: AnalysisParams
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
    stats: list[MemberStats] = []
    for v in g.nodes:
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
            )
        )
    return stats
