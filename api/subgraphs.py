"""The API's shapes of what :mod:`graph.subgraph` reads: a cluster's graph and a subject's
network, with nodes and links in the shapes of :mod:`api.provenance`.

The reading is the core's (the same as ``knooppunt view`` and the notebooks); the routers put
the access checks (need-to-know, case reference, region) in front of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from api.provenance import link_kind, link_shape, node_shape
from graph.subgraph.model import ClusterGraph, Expansion, FlaggedPath, Link, Neighbourhood, Node

__all__ = [
    "NetworkResult",
    "api_link",
    "api_node",
    "cluster_shape",
    "expansion_shape",
    "network_shape",
]


@dataclass(slots=True)
class NetworkResult:
    """A subject's network in the API's shapes (``nodes`` and ``links`` by id; the subject is
    not among ``nodes``)."""

    subject: dict[str, Any]
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    flagged_paths: list[dict[str, Any]] = field(default_factory=list)
    hubs: list[str] = field(default_factory=list)
    truncated: bool = False
    #: People the walk met outside the case's scope, counted per region (never shown).
    outside: dict[str, int] = field(default_factory=dict)


def api_node(
    node: Node, *, cluster_member: bool = False, flagged_member: bool = False
) -> dict[str, Any]:
    """A node; as a member of the cluster read (``cluster_member``) with its membership in
    ``properties.membership`` and the membership's region. Otherwise its region is where it
    lives or is registered now, and ``member`` says whether it is a member of a flagged cluster
    that the read found (``flagged_member``)."""
    labels = list(node.labels)
    if cluster_member and node.membership is not None:
        region = node.membership.get("region")
        shaped = node_shape(node.id, labels, node.props, region=region, member=True)
        shaped["properties"]["membership"] = node.membership
        return shaped
    return node_shape(node.id, labels, node.props, region=node.home_region, member=flagged_member)


def api_link(link: Link, ids: Mapping[str, str]) -> dict[str, Any]:
    """A link with its ends as entity ids (``ids``: node key -> id)."""
    return link_shape(link.id, link.type, ids[link.source], ids[link.target], link.props)


def cluster_shape(
    graph: ClusterGraph, positions: Mapping[str, tuple[float, float]] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
    """``(nodes, links, truncated)`` of a cluster graph, each node at its position in
    ``positions`` (by node key; :func:`graph.viz.load.first_view_positions`) when given."""
    ids = {key: node.id for key, node in graph.nodes.items()}
    nodes = []
    for key, node in graph.nodes.items():
        shaped = api_node(node, cluster_member=True)
        if positions is not None:
            shaped["x"], shaped["y"] = (round(v, 1) for v in positions[key])
        nodes.append(shaped)
    return nodes, [api_link(link, ids) for link in graph.links], graph.truncated


def expansion_shape(found: Expansion) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(nodes, links)`` of an expansion, the expanded node first; members of the cluster
    expanded in carry their membership, as in :func:`cluster_shape`."""
    ids = {key: node.id for key, node in found.nodes.items()}
    nodes = [api_node(node, cluster_member=True) for node in found.nodes.values()]
    return nodes, [api_link(link, ids) for link in found.links]


def _path(path: FlaggedPath, ids: Mapping[str, str]) -> dict[str, Any]:
    steps = []
    for step in path.steps:
        link = api_link(step.link, ids)
        steps.append(
            {
                "source": ids[step.source],
                "target": ids[step.target],
                "type": link["type"],
                "kind": link_kind(link["properties"]),
                "partners": link["provenance"]["partners"],
            }
        )
    return {"cluster": path.cluster, "member": ids[path.member], "hops": path.hops, "steps": steps}


def network_shape(found: Neighbourhood) -> NetworkResult:
    """A neighbourhood with its flagged paths in the API's shapes."""
    ids = found.ids
    members = {path.member for path in found.paths}
    nodes = {
        node.id: api_node(node, flagged_member=key in members)
        for key, node in found.nodes.items()
        if key != found.subject
    }
    return NetworkResult(
        subject=api_node(found.nodes[found.subject], flagged_member=found.subject in members),
        nodes=nodes,
        links={link.id: api_link(link, ids) for link in found.links},
        flagged_paths=[_path(p, ids) for p in found.paths],
        hubs=sorted({ids[key] for key in found.hubs}),
        truncated=found.truncated,
        outside=dict(found.outside),
    )
