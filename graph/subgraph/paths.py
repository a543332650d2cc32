"""Rebuilding paths from a breadth-first walk's parent pointers: pure functions, no database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.subgraph.model import FlaggedPath, Link, Step

__all__ = ["Parents", "flagged_paths", "rebuild_path"]

#: ``node key -> (previous key, link walked)`` on a shortest path from the walk's start
#: (``None`` for the start itself).
Parents = Mapping[str, tuple[str, Link] | None]


def rebuild_path(parents: Parents, node: str) -> tuple[Step, ...]:
    """The steps from the walk's start to ``node``, first step first (empty for the start).

    >>> from graph.subgraph.model import Link
    >>> ab = Link("r1", "USES", "a", "b", {})
    >>> [s.target for s in rebuild_path({"a": None, "b": ("a", ab)}, "b")]
    ['b']
    """
    steps: list[Step] = []
    seen = {node}
    while (entry := parents.get(node)) is not None:
        previous, link = entry
        if previous in seen:  # a broken parent map must not loop forever
            raise ValueError("parent pointers form a cycle")
        seen.add(previous)
        steps.append(Step(source=previous, target=node, link=link))
        node = previous
    steps.reverse()
    return tuple(steps)


def flagged_paths(
    parents: Parents,
    reached: Mapping[str, str],
    clusters: Mapping[str, dict[str, Any]],
    hops: Mapping[str, int],
) -> list[FlaggedPath]:
    """One path per flagged cluster (``reached``: cluster id -> first member reached), the
    shortest first, then by cluster id."""
    paths = [
        FlaggedPath(
            cluster=clusters[cluster_id],
            member=member,
            hops=hops[member],
            steps=rebuild_path(parents, member),
        )
        for cluster_id, member in reached.items()
    ]
    paths.sort(key=lambda p: (p.hops, str(p.cluster.get("id"))))
    return paths
