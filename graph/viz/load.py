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
it was cut (``truncated``). Both are read by the one subgraph reader, :mod:`graph.subgraph`
(the API reads the same); see docs/decisions/052-viz-loaders.md and 060-one-subgraph-reader.md.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import UTC, date, datetime
from typing import Any, Final

import neo4j
import networkx as nx

from graph.errors import NotFoundError
from graph.model import NodeLabel
from graph.subgraph import cluster_graph, driver_executor, neighbourhood, run_sync
from graph.subgraph.model import ClusterGraph, Link, Neighbourhood, Node
from graph.viz.layout import compute_positions

__all__ = [
    "first_view_positions",
    "load_cluster_graph",
    "load_subject_graph",
    "node_key",
    "to_networkx",
]

#: Entity properties shown as tooltip lines when present (docs/graph-model.md).
_DETAIL_PROPERTIES: Final = ("name", "type", "kind", "club_kind", "date", "decision")


def node_key(kind: str, entity_id: str) -> str:
    """The node key the loaders use for an entity: ``"{kind}:{id}"``."""
    return f"{kind}:{entity_id}"


def _node_details(node: Node) -> list[str]:
    props = node.props
    details = [
        f"{name}: {props[name]}" for name in _DETAIL_PROPERTIES if props.get(name) is not None
    ]
    membership = node.membership or {}
    if membership.get("scarce_role"):
        # with the fact that gives it, and the company it came through (decision 077)
        fact = membership.get("role_evidence")
        source = membership.get("role_source")
        basis = f" ({fact}{' ' + source if source else ''})" if fact else ""
        details.append(f"role in cluster: {membership['scarce_role']}{basis}")
    if membership.get("connects_regions"):
        details.append("connects regions")
    if node.cluster:
        details.append(f"cluster: {node.cluster}")
    return details


def _node_attrs(node: Node) -> dict[str, Any]:
    membership = node.membership or {}
    member = bool(membership)
    region = membership.get("region") if member else None
    region = region or node.props.get("region") or node.home_region
    broker = membership.get("betweenness")
    return {
        "kind": node.kind,
        "id": node.id,
        "label": node.id,
        "region": region,
        "broker": float(broker) if member and broker is not None else None,
        "rank": membership.get("rank"),
        "is_broker": bool(membership.get("is_broker", False)),
        "member": member,
        "cluster": node.cluster,
        "details": _node_details(node),
        "partners": list(node.props.get("partners") or []),
        "deliveries": list(node.props.get("src_delivery") or []),
        "first_seen": node.props.get("first_seen"),
        "last_seen": node.props.get("last_seen"),
    }


def _link_attrs(link: Link) -> dict[str, Any]:
    props = link.props
    return {
        "kind": link.type,
        "role": props.get("role"),
        "details": [f"{k}: {props[k]}" for k in ("role", "kind") if props.get(k) is not None],
        "partners": list(props.get("partners") or []),
        "deliveries": list(props.get("src_delivery") or []),
        "first_seen": props.get("first_seen"),
        "last_seen": props.get("last_seen"),
    }


def to_networkx(subgraph: ClusterGraph | Neighbourhood) -> nx.MultiDiGraph:
    """A subgraph in :func:`graph.viz.render_network_page`'s input contract (edge key: the
    link's id, so no link can appear twice)."""
    graph = nx.MultiDiGraph()
    name_of = {key: node_key(node.kind, node.id) for key, node in subgraph.nodes.items()}
    for key, node in subgraph.nodes.items():
        graph.add_node(name_of[key], **_node_attrs(node))
    for link in subgraph.links:
        graph.add_edge(name_of[link.source], name_of[link.target], key=link.id, **_link_attrs(link))
    return graph


class _Layouts:
    """The latest layouts by the shape they were computed for (node names and link ends): a
    layout depends on nothing else, so a cluster opened again is placed at once."""

    def __init__(self, max_entries: int = 32) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, dict[str, tuple[float, float]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, tuple[float, float]] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, positions: dict[str, tuple[float, float]]) -> None:
        with self._lock:
            self._entries[key] = positions
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


_LAYOUTS = _Layouts()


def _shape_key(names: dict[str, str], links: list[Link], seed: int) -> str:
    digest = hashlib.blake2b(str(seed).encode(), digest_size=20)
    for name in sorted(names.values()):
        digest.update(name.encode() + b"\0")
    for u, v in sorted(tuple(sorted((names[x.source], names[x.target]))) for x in links):
        digest.update(f"{u}\0{v}\1".encode())
    return digest.hexdigest()


def first_view_positions(
    subgraph: ClusterGraph | Neighbourhood, *, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """The first view's position of each node of ``subgraph`` (by node key), as
    :func:`graph.viz.render_network_page` places the same graph: :func:`compute_positions` of
    :func:`to_networkx`, so that the API's workbench and ``knooppunt view`` open one layout.
    The latest layouts are kept by the graph's shape (a layout depends on nothing else)."""
    names = {key: node_key(n.kind, n.id) for key, n in subgraph.nodes.items()}
    shape = _shape_key(names, subgraph.links, seed)
    positions = _LAYOUTS.get(shape)
    if positions is None:
        computed = compute_positions(to_networkx(subgraph), seed=seed)
        positions = {str(name): xy for name, xy in computed.items()}
        _LAYOUTS.put(shape, positions)
    return {key: positions[name] for key, name in names.items()}


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
    plan = cluster_graph(
        cluster_id,
        today=as_of or datetime.now(UTC).date(),
        min_shared=min_shared,
        max_context=max_context,
        max_outside=max_outside,
    )
    found = run_sync(plan, driver_executor(driver, database))
    if found is None:
        raise NotFoundError("no cluster with the given id; see `knooppunt analyse` output")
    graph = to_networkx(found)
    graph.graph["cluster"] = found.cluster
    graph.graph["truncated"] = found.truncated
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
    today = as_of or datetime.now(UTC).date()
    plan = neighbourhood(
        subject_id, today=today, depth=depth, kind=kind, hub_limit=hub_degree, max_nodes=max_nodes
    )
    found = run_sync(plan, driver_executor(driver, database))
    graph = to_networkx(found)
    subject = found.nodes[found.subject]
    graph.graph["subject"] = node_key(subject.kind, subject.id)
    graph.graph["truncated"] = found.truncated or bool(found.hubs)
    return graph
