"""Whole-graph passes at compiled speed: Leiden communities and connected components.

The analysis graph's arrays go straight into igraph (C); igraph's own Leiden optimises
modularity (``resolution = 1``) with a seeded random generator, so that re-running on unchanged
data gives the same partition (decision 030). On the medium preset it is 15x faster than the
leidenalg package's optimiser and reaches a higher modularity.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import igraph as ig
import numpy as np

from graph.analysis.graphs import AnalysisGraph, IntArray
from graph.analysis.params import AnalysisParams

__all__ = ["Partition", "components", "leiden", "to_igraph"]


@dataclass(frozen=True, slots=True)
class Partition:
    """Community of every node (``membership[i]``) and the partition's weighted modularity."""

    membership: IntArray
    modularity: float


def to_igraph(graph: AnalysisGraph) -> ig.Graph:
    """An undirected weighted igraph built from the compact arrays (no Python edge objects).

    Examples
    --------
    >>> import numpy as np
    >>> from graph.analysis.projection import graph_from_edges
    >>> g = to_igraph(graph_from_edges(["a", "b"], np.array([0]), np.array([1]), np.array([2.0])))
    >>> g.vcount(), [float(w) for w in g.es["weight"]]
    (2, [2.0])
    """
    g = ig.Graph(n=graph.n_nodes, directed=False)
    if graph.n_links:
        g.add_edges(np.column_stack((graph.src, graph.dst)))
        g.es["weight"] = graph.weight
    return g


def leiden(graph: AnalysisGraph, params: AnalysisParams, g: ig.Graph | None = None) -> Partition:
    """Leiden communities on the whole graph; isolated nodes form their own community.

    Examples
    --------
    Two triangles joined by one weak link fall into two communities:

    >>> import numpy as np
    >>> from graph.analysis.params import AnalysisParams
    >>> from graph.analysis.projection import graph_from_edges
    >>> src, dst = np.array([0, 0, 1, 3, 3, 4, 2]), np.array([1, 2, 2, 4, 5, 5, 3])
    >>> weight = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.1])
    >>> graph = graph_from_edges(list("abcdef"), src, dst, weight)
    >>> part = leiden(graph, AnalysisParams())
    >>> len(set(part.membership.tolist())), round(part.modularity, 3)
    (2, 0.484)
    """
    if graph.n_nodes == 0:
        return Partition(np.zeros(0, dtype=np.int64), 0.0)
    g = g if g is not None else to_igraph(graph)
    if graph.n_links == 0:
        return Partition(np.arange(graph.n_nodes, dtype=np.int64), 0.0)
    ig.set_random_number_generator(random.Random(params.seed))
    try:
        part = g.community_leiden(
            objective_function="modularity",
            weights="weight",
            resolution=params.resolution,
            n_iterations=params.leiden_iterations,
        )
    finally:
        ig.set_random_number_generator(random)
    membership = np.asarray(part.membership, dtype=np.int64)
    modularity = float(g.modularity(part.membership, weights="weight"))
    return Partition(membership, modularity)


def components(graph: AnalysisGraph, g: ig.Graph | None = None) -> IntArray:
    """Connected-component id of every node.

    Examples
    --------
    >>> import numpy as np
    >>> from graph.analysis.projection import graph_from_edges
    >>> graph = graph_from_edges(list("abc"), np.array([0]), np.array([1]), np.array([1.0]))
    >>> components(graph).tolist()
    [0, 0, 1]
    """
    if graph.n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    g = g if g is not None else to_igraph(graph)
    return np.asarray(g.connected_components().membership, dtype=np.int64)
