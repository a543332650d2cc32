"""Read a cluster or a subject's neighbourhood from Neo4j into the graph a page draws.

The graphs follow :func:`graph.viz.render_network_page`'s input contract and are
``networkx.MultiDiGraph`` objects (relationships keep their direction, parallel links stay):

- node key ``"{Label}:{id}"`` (e.g. ``"Person:PRS-..."``, ``"Company:12345678"``); attributes
  ``kind``, ``id``, ``label``, ``region``, ``broker`` (in-cluster betweenness from the
  ``MEMBER_OF`` relationship, ``None`` for non-members), ``rank``, ``is_broker``, ``member``
  (bool), ``cluster`` (the cluster id of that membership or ``None``), ``details`` (extra
  tooltip lines) and the provenance ``partners``, ``deliveries``, ``first_seen``, ``last_seen``;
- edge attributes ``kind`` (relationship type), ``role``, ``details`` and the same provenance.

A cluster graph holds the members (people and companies, ``docs/analysis.md``) and the context
entities that explain their links: addresses, phones, vehicles, accounts and permits linked to at
least ``min_shared`` members, plus every incident, club and investigation of a member. A subject
graph is the breadth-first neighbourhood of one entity up to ``depth`` links, not expanding past
hubs (more than ``hub_degree`` links) and capped at ``max_nodes``; ``graph.graph`` says whether
it was cut (``truncated``). See docs/decisions/052-viz-loaders.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final

import neo4j
import networkx as nx

from graph import queries
from graph.errors import NotFoundError
from graph.model import NodeLabel, RelType

__all__ = [
    "load_cluster_graph",
    "load_subject_graph",
    "node_key",
]

_MEMBER_KINDS: Final = frozenset({NodeLabel.PERSON.value, NodeLabel.COMPANY.value})
#: Links through which a person or company outside a cluster ties its members together.
_TIE_TYPES: Final = frozenset(
    {
        RelType.ASSOCIATE.value,
        RelType.DIRECTORSHIP.value,
        RelType.OWNERSHIP.value,
        RelType.EMPLOYMENT.value,
        RelType.SPONSOR.value,
    }
)
_KEY_CHUNK: Final = 2_000


def node_key(kind: str, entity_id: str) -> str:
    """The node key the loaders use for an entity: ``"{kind}:{id}"``."""
    return f"{kind}:{entity_id}"


def _read(driver: neo4j.Driver, query: str, database: str, **params: Any) -> list[neo4j.Record]:
    records, _, _ = driver.execute_query(
        query, params, database_=database, routing_=neo4j.RoutingControl.READ
    )
    return records


def _chunks(keys: Sequence[str]) -> list[list[str]]:
    return [list(keys[i : i + _KEY_CHUNK]) for i in range(0, len(keys), _KEY_CHUNK)]


def _kind(labels: Sequence[str]) -> str:
    known = [label for label in labels if label in NodeLabel.__members__.values()]
    return sorted(known)[0] if known else (sorted(labels)[0] if labels else "Entity")


#: Entity properties shown as tooltip lines when present (docs/graph-model.md).
_DETAIL_PROPERTIES: Final = ("name", "type", "kind", "club_kind", "date", "decision")


def _node_details(row: Mapping[str, Any]) -> list[str]:
    props = row.get("props") or {}
    details = [
        f"{name}: {props[name]}" for name in _DETAIL_PROPERTIES if props.get(name) is not None
    ]
    membership = row.get("membership") or {}
    if membership.get("scarce_role"):
        details.append(f"role in cluster: {membership['scarce_role']}")
    if membership.get("connects_regions"):
        details.append("connects regions")
    if row.get("cluster"):
        details.append(f"cluster: {row['cluster']}")
    return details


def _build(
    driver: neo4j.Driver,
    keys: Sequence[str],
    *,
    database: str,
    cluster_id: str | None,
    today: date,
) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    name_of: dict[str, str] = {}
    for chunk in _chunks(keys):
        for record in _read(
            driver, queries.VIZ_NODES, database, keys=chunk, cluster_id=cluster_id, today=today
        ):
            row = record.data()
            kind = _kind(row["labels"])
            membership = row["membership"] or {}
            member = bool(membership)
            region = membership.get("region") if member else None
            region = region or (row["props"] or {}).get("region") or row["home_region"]
            key = node_key(kind, str(row["id"]))
            name_of[row["key"]] = key
            graph.add_node(
                key,
                kind=kind,
                id=row["id"],
                label=str(row["id"]),
                region=region,
                broker=float(membership["betweenness"])
                if member and membership.get("betweenness") is not None
                else None,
                rank=membership.get("rank"),
                is_broker=bool(membership.get("is_broker", False)),
                member=member,
                cluster=row["cluster"],
                details=_node_details(row),
                partners=list(row["partners"] or []),
                deliveries=list(row["deliveries"] or []),
                first_seen=row["first_seen"],
                last_seen=row["last_seen"],
            )
    for chunk in _chunks(keys):
        for record in _read(
            driver, queries.VIZ_LINKS, database, keys=chunk, all_keys=keys, today=today
        ):
            row = record.data()
            details = [f"{k}: {row[k]}" for k in ("role", "kind") if row.get(k) is not None]
            graph.add_edge(
                name_of[row["src"]],
                name_of[row["dst"]],
                kind=row["type"],
                role=row["role"],
                details=details,
                partners=list(row["partners"] or []),
                deliveries=list(row["deliveries"] or []),
                first_seen=row["first_seen"],
                last_seen=row["last_seen"],
            )
    return graph


def load_cluster_graph(
    driver: neo4j.Driver,
    cluster_id: str,
    *,
    database: str,
    min_shared: int = 2,
    max_context: int = 5_000,
    max_outside: int = 50,
    as_of: date | None = None,
) -> nx.MultiDiGraph:
    """A cluster's members and the context entities that link them, as a MultiDiGraph.

    Context: entities other than people and companies linked to at least ``min_shared``
    members, every incident, club and investigation of a member, and up to ``max_outside``
    people or companies outside the cluster that tie at least two members together through a
    personal or control link (association, directorship, ownership, employment, sponsorship),
    most-linked first, with ``member=False``. ``graph.graph["cluster"]`` holds the cluster's
    properties (``docs/analysis.md``). Facts past their retention on ``as_of`` (default: today,
    UTC) are left out. Raises :class:`NotFoundError` when no cluster has this id.
    """
    today = as_of or datetime.now(UTC).date()
    found = _read(driver, queries.VIZ_CLUSTER, database, cluster_id=cluster_id)
    if not found:
        raise NotFoundError("no cluster with the given id; see `knooppunt analyse` output")
    members = [
        r["key"]
        for r in _read(driver, queries.VIZ_CLUSTER_MEMBERS, database, cluster_id=cluster_id)
    ]
    # one query over all members: a context entity's member count must not be split by chunks
    context = [
        r["key"]
        for r in _read(
            driver,
            queries.VIZ_CLUSTER_CONTEXT,
            database,
            keys=members,
            min_shared=min_shared,
            limit=max_context,
            today=today,
        )
    ]
    outside = [
        r["key"]
        for r in _read(
            driver,
            queries.VIZ_CLUSTER_OUTSIDE,
            database,
            keys=members,
            cluster_id=cluster_id,
            rel_types=sorted(_TIE_TYPES),
            min_shared=max(min_shared, 2),
            limit=max_outside,
            today=today,
        )
    ]
    keys = list(dict.fromkeys([*members, *context, *outside]))
    graph = _build(driver, keys, database=database, cluster_id=cluster_id, today=today)
    # links between two people or companies outside the cluster (their own trade, family) are
    # not this cluster's story; every other link stays
    graph.remove_edges_from(
        [
            (u, v, k)
            for u, v, k in graph.edges(keys=True)
            if not graph.nodes[u]["member"]
            and not graph.nodes[v]["member"]
            and graph.nodes[u]["kind"] in _MEMBER_KINDS
            and graph.nodes[v]["kind"] in _MEMBER_KINDS
        ]
    )
    graph.graph["cluster"] = dict(found[0]["cluster"])
    graph.graph["truncated"] = len(context) >= max_context or len(outside) >= max_outside
    return graph


def load_subject_graph(
    driver: neo4j.Driver,
    subject_id: str,
    depth: int = 2,
    *,
    database: str,
    kind: NodeLabel | None = None,
    max_nodes: int = 2_000,
    hub_degree: int = 50,
    as_of: date | None = None,
) -> nx.MultiDiGraph:
    """The neighbourhood of one entity (token, KvK number, address id, ...) up to ``depth``.

    ``kind`` narrows the lookup when the same id exists under two labels. Hubs (more than
    ``hub_degree`` links, e.g. a shelter address) are shown but not expanded, and the walk stops
    at ``max_nodes``; ``graph.graph["truncated"]`` tells. ``graph.graph["subject"]`` is the
    subject's node key. Raises :class:`NotFoundError` for an unknown id and for an id that
    names entities of several kinds when ``kind`` is not given. Facts past their retention on
    ``as_of`` (default: today, UTC) are left out.
    """
    if depth < 0:
        raise ValueError("depth must be 0 or more")
    today = as_of or datetime.now(UTC).date()
    found = _read(
        driver,
        queries.VIZ_FIND_ENTITY,
        database,
        id=subject_id,
        label=kind.value if kind else None,
        today=today,
    )
    if not found:
        raise NotFoundError("no entity with the given id")
    if len(found) > 1:
        labels = sorted({_kind(r["labels"]) for r in found})
        raise NotFoundError(
            f"the given id names entities of several kinds ({', '.join(labels)}); choose one"
        )
    start = found[0]["key"]
    seen: dict[str, int] = {start: 0}
    frontier = [start]
    truncated = False
    for level in range(1, depth + 1):
        if not frontier:
            break
        nxt: list[str] = []
        for chunk in _chunks(frontier):
            for record in _read(
                driver, queries.VIZ_NEIGHBOURS, database, keys=chunk, fanout=max_nodes, today=today
            ):
                hub = record["degree"] > hub_degree and record["key"] != start
                if hub:
                    truncated = True
                    continue
                for near in record["near"]:
                    if near in seen:
                        continue
                    if len(seen) >= max_nodes:
                        truncated = True
                        break
                    seen[near] = level
                    nxt.append(near)
        frontier = nxt
    graph = _build(driver, list(seen), database=database, cluster_id=None, today=today)
    graph.graph["subject"] = node_key(_kind(found[0]["labels"]), subject_id)
    graph.graph["truncated"] = truncated
    return graph
