"""The plan that walks a subject's neighbourhood breadth-first (``docs/decisions/045``, ``052``
and ``060``).

One query per level expands the whole frontier. The hub rule (:data:`graph.queries.
SUBGRAPH_EXPAND`): a node other than the subject with more than ``hub_limit`` shown links is
shown but not expanded. The neighbourhood is the nodes up to ``depth`` links away (at most
``max_nodes``, the subject included) with the shown links among them. With ``path_hops`` the
walk goes on to that many links, looking for members of flagged active clusters; the first
member reached per cluster gives its shortest path, rebuilt from parent pointers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph import queries
from graph.errors import NotFoundError
from graph.model import NodeLabel
from graph.subgraph.model import LINK_TYPES, Link, Neighbourhood, Node, link_from_row
from graph.subgraph.paths import flagged_paths
from graph.subgraph.plan import Plan, rows
from graph.subgraph.reads import read_links, read_nodes
from graph.subgraph.scope import OutsideScopeError, count_by_region
from graph.values import native, parse_json_properties

__all__ = ["Walk", "find_subject", "neighbourhood"]


@dataclass(slots=True)
class Walk:
    """The state of a breadth-first walk; :meth:`step` applies one level's rows (pure)."""

    start: str
    depth: int
    path_hops: int
    max_nodes: int
    parents: dict[str, tuple[str, Link] | None] = field(default_factory=dict)
    hops: dict[str, int] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    shown: dict[str, None] = field(default_factory=dict)
    hubs: set[str] = field(default_factory=set)
    reached: dict[str, str] = field(default_factory=dict)
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    truncated: bool = False
    #: The people the walk may step onto (a case's scope); ``None``: everyone.
    scope: frozenset[str] | None = None
    #: People met outside the scope, not stepped onto.
    outside: set[str] = field(default_factory=set)

    @classmethod
    def begin(
        cls,
        start: str,
        start_id: str,
        *,
        depth: int,
        path_hops: int,
        max_nodes: int,
        scope: frozenset[str] | None = None,
    ) -> Walk:
        """A walk at its start node."""
        walk = cls(start, depth, path_hops, max_nodes, scope=scope)
        walk.parents[start], walk.hops[start], walk.ids[start] = None, 0, start_id
        walk.shown[start] = None
        return walk

    def step(self, level: int, expanded: Sequence[Mapping[str, Any]]) -> list[str]:
        """Apply one level of :data:`graph.queries.SUBGRAPH_EXPAND` rows; the nodes newly
        reached, in the order found."""
        new: list[str] = []
        for row in expanded:
            if row["hub"]:
                if level <= self.depth:  # a hub of the shown neighbourhood
                    self.hubs.add(str(row["key"]))
                continue
            for near in row["near"]:
                other = str(near["key"])
                if other in self.parents:
                    continue
                if self.scope is not None and near.get("person") and other not in self.scope:
                    if level <= self.depth:
                        self.outside.add(other)
                    continue
                self.parents[other] = (str(row["key"]), link_from_row(near["link"]))
                self.hops[other], self.ids[other] = level, str(near["id"])
                new.append(other)
                self._show(other, level)
        return new

    def _show(self, key: str, level: int) -> None:
        if level > self.depth:
            return
        if len(self.shown) < self.max_nodes:
            self.shown[key] = None
        else:
            self.truncated = True

    def next_frontier(self, level: int, new: list[str]) -> list[str]:
        """The nodes to expand next: all new ones while paths are searched, else the shown."""
        frontier = new if level < self.path_hops else [k for k in new if k in self.shown]
        if len(frontier) > self.max_nodes * 4:
            self.truncated = True
        return frontier[: self.max_nodes * 4]

    def note_flagged(self, found: Sequence[Mapping[str, Any]], order: Sequence[str]) -> None:
        """Record the first member reached of each flagged cluster (``found``: rows of
        :data:`graph.queries.SUBGRAPH_FLAGGED` for the nodes ``order``)."""
        index = {key: i for i, key in enumerate(order)}
        for row in sorted(found, key=lambda r: (index.get(str(r["key"]), 0), str(r["key"]))):
            cluster = parse_json_properties(native(row["cluster"]))
            if cluster["id"] not in self.reached:
                self.reached[cluster["id"]] = str(row["key"])
                self.clusters[cluster["id"]] = cluster


def find_subject(subject_id: str, *, kind: NodeLabel | None, today: date) -> Plan[tuple[str, str]]:
    """The key and kind of the one entity with this id (:class:`NotFoundError` for none, and
    for several kinds when ``kind`` does not narrow; the message never names the id)."""
    params = {"id": subject_id, "label": kind.value if kind else None, "today": today}
    found = yield queries.SUBGRAPH_FIND_ENTITY, params
    if not found:
        raise NotFoundError("no entity with the given id")
    nodes = [Node(str(r["key"]), subject_id, tuple(r["labels"]), {}) for r in found]
    if len(nodes) > 1:
        labels = sorted({n.kind for n in nodes})
        raise NotFoundError(
            f"the given id names entities of several kinds ({', '.join(labels)}); choose one"
        )
    return nodes[0].key, nodes[0].kind


def _walk(walk: Walk, *, hub_limit: int, today: date) -> Plan[None]:
    """Expand level by level up to the walk's depth or path length, noting flagged members."""
    frontier = [walk.start]
    for level in range(1, max(walk.depth, walk.path_hops) + 1):
        if not frontier:
            break
        params = {
            "keys": frontier,
            "start": walk.start,
            "hub_limit": hub_limit,
            "link_types": list(LINK_TYPES),
            "today": today,
            "fanout": walk.max_nodes,
        }
        new = walk.step(level, rows((yield queries.SUBGRAPH_EXPAND, params)))
        if walk.path_hops and new:
            walk.note_flagged(rows((yield queries.SUBGRAPH_FLAGGED, {"keys": new})), new)
        frontier = walk.next_frontier(level, new)


def neighbourhood(
    subject_id: str,
    *,
    today: date,
    depth: int = 2,
    kind: NodeLabel | None = None,
    hub_limit: int = 50,
    max_nodes: int = 2_000,
    path_hops: int = 0,
    scope: frozenset[str] | None = None,
) -> Plan[Neighbourhood]:
    """A subject's neighbourhood as of ``today`` (see the module's description). With
    ``scope`` (node keys, :func:`graph.subgraph.scope.scope_keys`) the walk starts only inside
    it and never steps onto a person outside it: those are counted per region in
    ``outside``."""
    if depth < 0:
        raise ValueError("depth must be 0 or more")
    start, _ = yield from find_subject(subject_id, kind=kind, today=today)
    if scope is not None and start not in scope:
        raise OutsideScopeError("the subject is outside the case's scope")
    walk = Walk.begin(
        start, subject_id, depth=depth, path_hops=path_hops, max_nodes=max_nodes, scope=scope
    )
    if path_hops:
        walk.note_flagged(rows((yield queries.SUBGRAPH_FLAGGED, {"keys": [start]})), [start])
    yield from _walk(walk, hub_limit=hub_limit, today=today)
    nodes = yield from read_nodes(list(walk.shown), cluster_id=None, today=today)
    links, _ = yield from read_links(list(nodes), today=today)
    outside = (yield from count_by_region(walk.outside, today=today)) if walk.outside else {}
    return Neighbourhood(
        subject=start,
        nodes=nodes,
        links=links,
        hubs=sorted(walk.hubs),
        paths=flagged_paths(walk.parents, walk.reached, walk.clusters, walk.hops),
        ids=walk.ids,
        truncated=walk.truncated,
        outside=outside,
    )
