"""One subgraph reader for the API, the pages and the notebooks (``docs/decisions/060``).

- :func:`cluster_graph` and :func:`neighbourhood` are plans (:mod:`graph.subgraph.plan`): they
  yield ``(query, params)`` and take back records, so the same logic runs with
  :func:`run_sync` (``knooppunt view``, notebooks) and :func:`run_async` (the API, which adds
  its access checks on top);
- :func:`read_cluster_graph` and :func:`read_neighbourhood` run them through a sync driver.
"""

from __future__ import annotations

from datetime import date

import neo4j

from graph.model import NodeLabel
from graph.subgraph.cluster import cluster_graph
from graph.subgraph.model import ClusterGraph, Neighbourhood
from graph.subgraph.paths import rebuild_path
from graph.subgraph.plan import Plan, driver_executor, run_async, run_sync
from graph.subgraph.walk import neighbourhood

#: The plans, their runners and the sync readers; the shapes they return (``ClusterGraph``,
#: ``Neighbourhood``, ``Node``, ``Link``, ...) are imported from :mod:`graph.subgraph.model`.
__all__ = [
    "Plan",
    "cluster_graph",
    "driver_executor",
    "neighbourhood",
    "read_cluster_graph",
    "read_neighbourhood",
    "rebuild_path",
    "run_async",
    "run_sync",
]


def read_cluster_graph(
    driver: neo4j.Driver,
    cluster_id: str,
    *,
    database: str,
    today: date,
    min_shared: int = 2,
    max_context: int = 5_000,
    max_outside: int = 50,
) -> ClusterGraph | None:
    """:func:`cluster_graph` through a sync driver."""
    plan = cluster_graph(
        cluster_id,
        today=today,
        min_shared=min_shared,
        max_context=max_context,
        max_outside=max_outside,
    )
    return run_sync(plan, driver_executor(driver, database))


def read_neighbourhood(
    driver: neo4j.Driver,
    subject_id: str,
    *,
    database: str,
    today: date,
    depth: int = 2,
    kind: NodeLabel | None = None,
    hub_limit: int = 50,
    max_nodes: int = 2_000,
) -> Neighbourhood:
    """:func:`neighbourhood` through a sync driver (no path search)."""
    plan = neighbourhood(
        subject_id, today=today, depth=depth, kind=kind, hub_limit=hub_limit, max_nodes=max_nodes
    )
    return run_sync(plan, driver_executor(driver, database))
