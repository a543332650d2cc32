"""Network pages and graph loading for analysts: clusters and subjects as interactive pages.

- :func:`render_network_page` turns a NetworkX graph into one self-contained HTML page
  (vis-network inlined, no remote reference); its input contract is in :mod:`graph.viz.page`.
- :func:`compute_positions` lays out large graphs in Python.
"""

from __future__ import annotations

from graph.viz.layout import compute_positions
from graph.viz.page import DEFAULT_PHYSICS_MAX_NODES, render_network_page, vis_network_assets

__all__ = [
    "DEFAULT_PHYSICS_MAX_NODES",
    "compute_positions",
    "render_network_page",
    "vis_network_assets",
]
