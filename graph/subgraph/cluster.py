"""The plan that reads a cluster's graph (``docs/decisions/052`` and ``060``).

A cluster graph holds the members, the context entities that explain their links (entities
other than people and companies linked to at least ``min_shared`` members, and every incident,
club and investigation of a member), up to ``max_outside`` people or companies outside the
cluster that tie at least two members through a personal or control link, and the shown links
among all of them, except links between two people or companies outside the cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Final

from graph import queries
from graph.model import NodeLabel, RelType
from graph.subgraph.model import LINK_TYPES, ClusterGraph, Link, Node
from graph.subgraph.plan import Plan, rows
from graph.subgraph.reads import read_links, read_nodes
from graph.subgraph.scope import UNKNOWN_REGION
from graph.values import native

__all__ = ["TIE_TYPES", "cluster_graph", "drop_outsider_links"]

_MEMBER_KINDS: Final = frozenset({NodeLabel.PERSON.value, NodeLabel.COMPANY.value})
#: Links through which a person or company outside a cluster ties its members together.
TIE_TYPES: Final = tuple(
    sorted(
        {
            RelType.ASSOCIATE.value,
            RelType.DIRECTORSHIP.value,
            RelType.OWNERSHIP.value,
            RelType.EMPLOYMENT.value,
            RelType.SPONSOR.value,
        }
    )
)


def drop_outsider_links(nodes: Mapping[str, Node], links: list[Link]) -> list[Link]:
    """The links without those between two people or companies outside the cluster (their own
    trade or family is not this cluster's story)."""

    def outsider(key: str) -> bool:
        node = nodes[key]
        return node.membership is None and node.kind in _MEMBER_KINDS

    return [link for link in links if not (outsider(link.source) and outsider(link.target))]


def _around(
    cluster_id: str,
    members: list[str],
    *,
    today: date,
    min_shared: int,
    max_context: int,
    max_outside: int,
) -> Plan[tuple[list[str], bool]]:
    """The keys of the context entities and outsiders of a cluster's ``members``; ``True``
    with them when either was cut to its limit."""
    common = {"keys": members, "link_types": list(LINK_TYPES), "today": today}
    params = {**common, "min_shared": min_shared, "limit": max_context}
    context = rows((yield queries.SUBGRAPH_CLUSTER_CONTEXT, params), "keys")
    params = {
        **common,
        "cluster_id": cluster_id,
        "tie_types": list(TIE_TYPES),
        "min_shared": max(min_shared, 2),
        "limit": max_outside,
    }
    outside = rows((yield queries.SUBGRAPH_CLUSTER_OUTSIDE, params), "keys")
    return [*context, *outside], len(context) >= max_context or len(outside) >= max_outside


def cluster_graph(
    cluster_id: str,
    *,
    today: date,
    min_shared: int = 2,
    max_context: int = 5_000,
    max_outside: int = 50,
    max_nodes: int | None = None,
    max_links: int | None = None,
    scope: frozenset[str] | None = None,
) -> Plan[ClusterGraph | None]:
    """A cluster's graph as of ``today``, or ``None`` when no cluster has this id.

    ``truncated`` says that context or outsiders were cut to their limit, or that the graph
    was cut at ``max_nodes`` nodes or ``max_links`` links. With ``scope`` (node keys, see
    :mod:`graph.subgraph.scope`) people outside it are left out with their links and counted
    per region (their membership's region, else their home region) in ``outside``.
    """
    found = yield queries.SUBGRAPH_CLUSTER, {"cluster_id": cluster_id}
    if not found:
        return None
    members = rows((yield queries.SUBGRAPH_CLUSTER_MEMBERS, {"cluster_id": cluster_id}), "keys")
    around, truncated = yield from _around(
        cluster_id,
        members,
        today=today,
        min_shared=min_shared,
        max_context=max_context,
        max_outside=max_outside,
    )
    keys = list(dict.fromkeys([*members, *around]))
    if max_nodes is not None and len(keys) > max_nodes:
        keys, truncated = keys[:max_nodes], True
    nodes = yield from read_nodes(keys, cluster_id=cluster_id, today=today)
    outside: dict[str, int] = {}
    if scope is not None:
        nodes, outside = _within(nodes, scope)
    links, cut = yield from read_links(list(nodes), today=today, max_links=max_links)
    return ClusterGraph(
        cluster=native(dict(found[0]["cluster"])),
        nodes=nodes,
        links=drop_outsider_links(nodes, links),
        members=[key for key in members if key in nodes],
        truncated=truncated or cut,
        outside=outside,
        as_of=_day(found[0].get("as_of")),
    )


def _day(value: object) -> date | None:
    """A run's ``as_of`` as a date (stored as a date, or as an ISO text by older runs)."""
    value = native(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _within(
    nodes: dict[str, Node], scope: frozenset[str]
) -> tuple[dict[str, Node], dict[str, int]]:
    """The nodes without the people outside ``scope``, and those people counted per region."""
    kept: dict[str, Node] = {}
    outside: dict[str, int] = {}
    for key, node in nodes.items():
        if node.kind == NodeLabel.PERSON.value and key not in scope:
            region = (node.membership or {}).get("region") or node.home_region or UNKNOWN_REGION
            outside[str(region)] = outside.get(str(region), 0) + 1
        else:
            kept[key] = node
    return kept, dict(sorted(outside.items()))
