"""Sub-plans both subgraphs share: read the nodes of a set of keys and the links among them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final

from graph import queries
from graph.subgraph.model import LINK_TYPES, Link, Node, link_from_row, node_from_row
from graph.subgraph.plan import Plan, rows

__all__ = ["KEY_CHUNK", "chunks", "read_links", "read_nodes"]

#: Keys per query: a frontier or node set is read in chunks of this many.
KEY_CHUNK: Final = 2_000
#: ``LIMIT`` when no limit is asked for (Cypher needs a number).
_NO_LIMIT: Final = 2**62


def chunks(keys: Sequence[str]) -> list[list[str]]:
    """``keys`` in lists of at most :data:`KEY_CHUNK`."""
    return [list(keys[i : i + KEY_CHUNK]) for i in range(0, len(keys), KEY_CHUNK)]


def read_nodes(
    keys: Sequence[str], *, cluster_id: str | None, today: date
) -> Plan[dict[str, Node]]:
    """The nodes ``keys``, in that order (memberships of ``cluster_id``, see
    :data:`graph.queries.SUBGRAPH_NODES`)."""
    found: dict[str, Node] = {}
    for chunk in chunks(keys):
        params = {"keys": chunk, "cluster_id": cluster_id, "today": today}
        for row in rows((yield queries.SUBGRAPH_NODES, params)):
            node = node_from_row(row)
            found[node.key] = node
    return {key: found[key] for key in keys if key in found}


def read_links(
    keys: Sequence[str], *, today: date, max_links: int | None = None
) -> Plan[tuple[list[Link], bool]]:
    """The shown links among ``keys``, each once; ``True`` with them when ``max_links`` cut
    them."""
    links: dict[str, Link] = {}
    all_keys = list(keys)
    for chunk in chunks(all_keys):
        left = _NO_LIMIT if max_links is None else max_links + 1 - len(links)
        if left <= 0:
            break
        params = {
            "keys": chunk,
            "all_keys": all_keys,
            "link_types": list(LINK_TYPES),
            "today": today,
            "limit": left,
        }
        for row in rows((yield queries.SUBGRAPH_LINKS, params)):
            link = link_from_row(row)
            links.setdefault(link.id, link)
    out = list(links.values())
    if max_links is not None and len(out) > max_links:
        return out[:max_links], True
    return out, False
