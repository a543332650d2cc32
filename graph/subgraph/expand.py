"""The plan that expands one node of a network in place: its neighbours, capped, within a case's
scope (the workbench's "expand", ``docs/decisions/078``).

The neighbours come members of the cluster first, then the most linked; people outside the
scope are never among them (they are counted per region). Within a scope, a node outside it may
be expanded only when it is no person and the cluster's view can show it: a member of the
cluster, or linked to a member or to a node of the scope.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from graph import queries
from graph.model import NodeLabel
from graph.subgraph.model import LINK_TYPES, Expansion
from graph.subgraph.plan import Plan, rows
from graph.subgraph.reads import read_links, read_nodes
from graph.subgraph.scope import OutsideScopeError, count_by_region
from graph.subgraph.walk import find_subject

__all__ = ["MAX_NEIGHBOURS_READ", "expand"]

#: Neighbours read at most per expansion (a national hub has thousands; ``total`` stops here).
MAX_NEIGHBOURS_READ: Final = 20_000


def expand(
    node_id: str,
    *,
    cluster_id: str,
    today: date,
    limit: int = 25,
    kind: NodeLabel | None = None,
    scope: frozenset[str] | None = None,
) -> Plan[Expansion]:
    """The node ``node_id`` (of ``kind`` when the id names several) with at most ``limit`` of its
    neighbours as of ``today``, memberships read for ``cluster_id``. Raises
    :class:`graph.errors.NotFoundError` for an unknown id and :class:`OutsideScopeError` for a
    node outside ``scope`` that may not be expanded (module description)."""
    if limit < 1:
        raise ValueError("limit must be 1 or more")
    start, _ = yield from find_subject(node_id, kind=kind, today=today)
    common = {
        "key": start,
        "cluster_id": cluster_id,
        "today": today,
        "link_types": list(LINK_TYPES),
    }
    if scope is not None and start not in scope:
        found = yield queries.SUBGRAPH_EXPAND_START, {**common, "scope": sorted(scope)}
        row = found[0] if found else {"person": True}
        if row.get("person") or not (row.get("member") or row.get("near")):
            raise OutsideScopeError("the node is outside the case's scope")
    near = rows((yield queries.SUBGRAPH_NEIGHBOURS, {**common, "limit": MAX_NEIGHBOURS_READ}))
    inside: list[str] = []
    left_out: list[str] = []
    for row in near:
        key = str(row["key"])
        if scope is not None and row["person"] and key not in scope:
            left_out.append(key)
        else:
            inside.append(key)
    shown = inside[:limit]
    nodes = yield from read_nodes([start, *shown], cluster_id=cluster_id, today=today)
    links, _ = yield from read_links(list(nodes), today=today)
    outside = (yield from count_by_region(left_out, today=today)) if left_out else {}
    return Expansion(
        node=start,
        nodes=nodes,
        links=links,
        total=len(inside),
        shown=len(shown),
        outside=outside,
        truncated=len(near) >= MAX_NEIGHBOURS_READ,
    )
