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

from graph.analysis.params import AnalysisParams
from graph.analysis.projection import FloatArray, IntArray

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
    """NetworkX graph of the members and the given internal links (node = node index)."""
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
