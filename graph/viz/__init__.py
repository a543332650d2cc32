"""Network pages and graph loading for analysts: clusters and subjects as interactive pages.

- :func:`render_network_page` turns a NetworkX graph into one self-contained HTML page
  (vis-network inlined, no remote reference); its input contract is in :mod:`graph.viz.page`.
- :func:`compute_positions` lays out large graphs in Python.
- :func:`load_cluster_graph` and :func:`load_subject_graph` read a cluster or a subject's
  neighbourhood from Neo4j in that contract (:mod:`graph.viz.load`).
"""

from __future__ import annotations

from graph.viz.layout import compute_positions
from graph.viz.load import load_cluster_graph, load_subject_graph, node_key
from graph.viz.page import DEFAULT_PHYSICS_MAX_NODES, render_network_page, vis_network_assets

__all__ = [
    "DEFAULT_PHYSICS_MAX_NODES",
    "compute_positions",
    "load_cluster_graph",
    "load_subject_graph",
    "node_key",
    "render_network_page",
    "vis_network_assets",
]
