"""One subgraph reader for the API, the pages and the notebooks (``docs/decisions/060``).

- :func:`cluster_graph` and :func:`neighbourhood` are plans (:mod:`graph.subgraph.plan`): they
  yield ``(query, params)`` and take back records, so the same logic runs with
  :func:`run_sync` (``knooppunt view``, notebooks) and :func:`run_async` (the API, which adds
  its access checks on top);
- a sync caller runs a plan with ``run_sync(plan, driver_executor(driver, database))``
  (``graph.viz.load``).
"""

from __future__ import annotations

from graph.subgraph.cluster import cluster_graph
from graph.subgraph.expand import expand
from graph.subgraph.paths import rebuild_path
from graph.subgraph.plan import Plan, driver_executor, run_async, run_sync
from graph.subgraph.walk import neighbourhood

#: The plans and their runners; the shapes they return (``ClusterGraph``,
#: ``Neighbourhood``, ``Node``, ``Link``, ...) are imported from :mod:`graph.subgraph.model`.
__all__ = [
    "Plan",
    "cluster_graph",
    "driver_executor",
    "expand",
    "neighbourhood",
    "rebuild_path",
    "run_async",
    "run_sync",
]
