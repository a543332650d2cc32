"""Positions for large network pages, computed in Python so that the browser does no physics.

vis-network's physics needs seconds to minutes to settle a graph of thousands of nodes and keeps
the page busy meanwhile; a page with fixed positions opens at once. Each connected component is
laid out with igraph's Fruchterman-Reingold (grid variant on big graphs, about a second for
20,000 nodes; igraph is already a dependency of the analysis, and NetworkX's own spring layout
needs SciPy above 500 nodes), scaled to its size, and the components are packed in rows, largest
first, so that a few isolated nodes cannot shrink the main network to a dot.
See docs/decisions/051-viz-layout.md.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Hashable, Mapping

import igraph as ig
import networkx as nx
import numpy as np

__all__ = ["compute_positions"]

# igraph draws from one process-wide generator; swapping in a seeded one makes layouts
# repeatable, and the lock keeps concurrent renders (API threads) from sharing it.
_RNG_LOCK = threading.Lock()


def _component_layout(
    nodes: list[Hashable], edges: set[tuple[int, int]], *, seed: int, spacing: float
) -> np.ndarray:
    """Coordinates of one connected component, centred, spanning about spacing * sqrt(n)."""
    n = len(nodes)
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[-spacing / 2.0, 0.0], [spacing / 2.0, 0.0]])
    g = ig.Graph(n=n, edges=sorted(edges))
    rng = np.random.default_rng(seed)
    start = rng.uniform(-math.sqrt(n), math.sqrt(n), size=(n, 2)).tolist()
    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            layout = g.layout_fruchterman_reingold(seed=start, niter=500)
        finally:
            ig.set_random_number_generator(random)
    coords = np.asarray(layout.coords, dtype=float)
    coords -= (coords.max(axis=0) + coords.min(axis=0)) / 2.0
    extent = float(np.abs(coords).max()) or 1.0
    return coords * (spacing * math.sqrt(n) / 2.0) / extent


def compute_positions(
    graph: nx.Graph, *, seed: int = 0, spacing: float = 90.0
) -> Mapping[Hashable, tuple[float, float]]:
    """Place every node of ``graph`` on the plane, in page pixels.

    Parameters
    ----------
    graph : networkx.Graph
        Any NetworkX graph (directed and multi-graphs are read as simple undirected ones).
    seed : int
        Seed of the initial positions; the same graph and seed give the same layout.
    spacing : float
        Rough distance in pixels between neighbouring nodes; a component of ``n`` nodes spans
        about ``spacing * sqrt(n)`` pixels.

    Returns
    -------
    dict
        ``{node: (x, y)}`` for every node; the largest component is at the top left.

    Examples
    --------
    >>> import networkx as nx
    >>> pos = compute_positions(nx.path_graph(3))
    >>> sorted(pos) == [0, 1, 2]
    True
    """
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    components = sorted(
        (sorted(c, key=str) for c in nx.connected_components(undirected)),
        key=lambda c: (-len(c), str(c[0])),
    )
    which = {node: number for number, nodes in enumerate(components) for node in nodes}
    index = {node: i for nodes in components for i, node in enumerate(nodes)}
    edges: list[set[tuple[int, int]]] = [set() for _ in components]
    for u, v in undirected.edges():
        if u != v:
            i, j = index[u], index[v]
            edges[which[u]].add((min(i, j), max(i, j)))
    positions: dict[Hashable, tuple[float, float]] = {}
    gap = spacing
    row_width = max(spacing * math.sqrt(graph.number_of_nodes()) * 1.3, spacing * 4)
    x = y = row_height = 0.0
    for number, nodes in enumerate(components):
        coords = _component_layout(nodes, edges[number], seed=seed + number, spacing=spacing)
        width, height = np.ptp(coords, axis=0) if len(nodes) > 1 else (0.0, 0.0)
        if x > 0 and x + width > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        offset = np.array([x + width / 2.0, y + height / 2.0])
        for node, (px, py) in zip(nodes, coords + offset, strict=True):
            positions[node] = (float(px), float(py))
        x += width + gap
        row_height = max(row_height, float(height))
    return positions
