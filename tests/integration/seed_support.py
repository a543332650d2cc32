"""Writing the integration seeds (:mod:`tests.integration.api_seed`,
:mod:`tests.integration.viz_seed`) through the project's own write paths, not hand-written
``CREATE`` Cypher:

- entity facts through the ingest writer (:class:`ingest.writer.BatchWriter` with the
  :class:`ingest.writer.Source` of the delivery that holds them), so that every node and link
  carries the provenance a real delivery gives it (``src_*`` lists, ``partners``, ``first_seen``,
  ``last_seen``, ``retain_until``);
- analysis results with the write-back's statements (``graph.queries.ANALYSIS_WRITE_*``) and
  rows built from the result records of :mod:`graph.results`, as
  :func:`graph.analysis.writeback.write_result` does. The seeds set the clusters' properties by
  hand (``write_result`` derives them from the analysis's own :class:`ClusterResult`), and
  each alert and event is written with its own run and time.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import neo4j

from graph import queries as q
from graph.model import NodeLabel, RelType
from graph.results import AlertRecord, EventRecord, MembershipRecord, stored
from ingest.mapping import LinkRecord, NodeRecord
from ingest.writer import BatchWriter, Source

__all__ = [
    "SeedFacts",
    "write_alerts",
    "write_clusters",
    "write_events",
    "write_memberships",
]


class SeedFacts:
    """Entity facts per delivering source, written as the ingest writer writes a delivery.

    Links name their ends by id; the label of each end is looked up among the nodes added (an
    id held under two labels cannot be linked here).
    """

    def __init__(self) -> None:
        self._nodes: dict[Source, list[NodeRecord]] = defaultdict(list)
        self._links: dict[Source, list[tuple[RelType, str, str, dict[str, Any]]]] = defaultdict(
            list
        )
        self._labels: dict[str, set[NodeLabel]] = defaultdict(set)

    def node(self, source: Source, label: NodeLabel, node_id: str, **props: Any) -> None:
        """One entity delivered by ``source``."""
        self._nodes[source].append((label, node_id, props))
        self._labels[node_id].add(label)

    def link(self, source: Source, rel: RelType, start: str, end: str, **props: Any) -> None:
        """One link from ``start`` to ``end`` (ids of nodes added) delivered by ``source``."""
        self._links[source].append((rel, start, end, props))

    def _label(self, node_id: str) -> NodeLabel:
        labels = self._labels.get(node_id, set())
        if len(labels) != 1:
            raise ValueError(f"seed link end {node_id!r} has labels {sorted(labels)}")
        return next(iter(labels))

    def _link_records(self, source: Source) -> list[LinkRecord]:
        return [
            (rel, self._label(start), start, self._label(end), end, props)
            for rel, start, end, props in self._links[source]
        ]

    def write(self, driver: neo4j.Driver, *, database: str) -> None:
        """Write every source's nodes, then every source's links (a link finds both ends
        whichever source delivered them), in one transaction."""
        with driver.session(database=database) as session, session.begin_transaction() as tx:

            def run(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
                tx.run(query, params).consume()
                return []

            for source, nodes in self._nodes.items():
                _write_records(run, source, nodes, [])
            for source in self._links:
                _write_records(run, source, [], self._link_records(source))
            tx.commit()


def _write_records(
    run: Callable[[str, dict[str, Any]], list[dict[str, Any]]],
    source: Source,
    nodes: list[NodeRecord],
    links: list[LinkRecord],
) -> None:
    writer = BatchWriter(run, source)
    writer.add(nodes, links)
    writer.flush()


def write_clusters(
    driver: neo4j.Driver,
    *,
    database: str,
    run_id: str,
    at: datetime,
    clusters: Mapping[str, Mapping[str, Any]],
) -> None:
    """Clusters (id -> properties) as the run ``run_id`` at ``at`` writes them: a new one gets
    ``first_run``/``created_at``, every one ``last_run``/``updated_at`` and status active."""
    rows = [{"id": cid, "props": dict(props)} for cid, props in clusters.items()]
    driver.execute_query(
        q.ANALYSIS_WRITE_CLUSTERS, {"rows": rows, "run_id": run_id, "at": at}, database_=database
    )


def write_memberships(
    driver: neo4j.Driver,
    *,
    database: str,
    memberships: Iterable[tuple[str, str, MembershipRecord]],
) -> None:
    """``MEMBER_OF`` links: ``(cluster id, member id, record)``."""
    rows = [
        {"cluster": cluster, "member": member, "props": record.model_dump()}
        for cluster, member, record in memberships
    ]
    driver.execute_query(q.ANALYSIS_WRITE_MEMBERSHIPS, {"rows": rows}, database_=database)


def write_events(
    driver: neo4j.Driver, *, database: str, events: Iterable[tuple[str, EventRecord]]
) -> None:
    """History events ``(cluster id, record)``, each with its record's ``run_id`` and ``at``."""
    for cluster_id, event in events:
        props = {**stored(event), "cluster_id": cluster_id}
        props["details"] = json.dumps(event.details, sort_keys=True)  # nested: stored as JSON
        row = {"id": event.id, "cluster_id": cluster_id, "props": props}
        driver.execute_query(
            q.ANALYSIS_WRITE_EVENTS,
            {"rows": [row], "run_id": event.run_id, "at": event.at},
            database_=database,
        )


def write_alerts(driver: neo4j.Driver, *, database: str, alerts: Iterable[AlertRecord]) -> None:
    """Alerts, each with its record's ``run_id`` and ``created_at``."""
    for alert in alerts:
        driver.execute_query(
            q.ANALYSIS_WRITE_ALERTS,
            {
                "rows": [{"id": alert.id, "props": stored(alert)}],
                "run_id": alert.run_id,
                "at": alert.created_at,
            },
            database_=database,
        )
