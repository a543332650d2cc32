"""What the subgraph reader returns: nodes, links and the two subgraphs built from them.

Nodes are addressed by their ``key`` (the Neo4j ``elementId`` within one read), so that two
entities with the same ``id`` under different labels stay apart. Property values are plain
Python (:func:`graph.values.native`); provenance lists (``partners``, ``src_*``) stay in
``props`` for the callers to present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from graph.model import NodeLabel, RelType
from graph.values import native, text_dated

__all__ = [
    "LINK_TYPES",
    "ClusterGraph",
    "Expansion",
    "FlaggedPath",
    "Link",
    "Neighbourhood",
    "Node",
    "Step",
    "link_from_row",
    "node_from_row",
]

#: Relationship types between entities: what a subgraph shows and what a hub's count counts.
#: Analysis results (``MEMBER_OF``, ``ABOUT``) are not links of the entity graph.
LINK_TYPES: Final[tuple[str, ...]] = tuple(
    t.value for t in RelType if t not in (RelType.MEMBER_OF_CLUSTER, RelType.ABOUT)
)
_KNOWN_LABELS: Final = frozenset(label.value for label in NodeLabel)


@dataclass(frozen=True, slots=True)
class Node:
    """An entity: its key in this read, its ``id``, labels (without ``Entity``), properties,
    and its membership (of the cluster read, or of its highest-scored active cluster)."""

    key: str
    id: str
    labels: tuple[str, ...]
    props: dict[str, Any]
    membership: dict[str, Any] | None = None
    cluster: str | None = None
    home_region: str | None = None

    @property
    def kind(self) -> str:
        """The entity's label (``Person``, ``Address``, ...)."""
        known = sorted(label for label in self.labels if label in _KNOWN_LABELS)
        return known[0] if known else (sorted(self.labels)[0] if self.labels else "Entity")


@dataclass(frozen=True, slots=True)
class Link:
    """A relationship between two entities, ``source`` and ``target`` being node keys."""

    id: str
    type: str
    source: str
    target: str
    props: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Step:
    """One link of a path, walked from ``source`` to ``target`` (node keys; the link's own
    direction may be the other way)."""

    source: str
    target: str
    link: Link


@dataclass(frozen=True, slots=True)
class FlaggedPath:
    """The shortest path found from the subject to a member of a flagged active cluster."""

    cluster: dict[str, Any]
    member: str
    hops: int
    steps: tuple[Step, ...]


@dataclass(slots=True)
class ClusterGraph:
    """A cluster's members, the context entities that link them, and the links among them."""

    cluster: dict[str, Any]
    nodes: dict[str, Node]
    links: list[Link]
    members: list[str]
    truncated: bool = False
    #: People left out because they are outside the case's scope, per region.
    outside: dict[str, int] = field(default_factory=dict)
    #: The date the analysis run that last wrote the cluster (``last_run``) analysed as of.
    as_of: date | None = None

    @property
    def run_id(self) -> str | None:
        """The analysis run that last wrote the cluster."""
        run = self.cluster.get("last_run")
        return str(run) if run is not None else None


@dataclass(slots=True)
class Neighbourhood:
    """A subject's neighbourhood up to a depth, the hubs not expanded, and paths to flagged
    clusters; ``ids`` holds the entity id of every node the walk reached (also off the page)."""

    subject: str
    nodes: dict[str, Node]
    links: list[Link]
    hubs: list[str] = field(default_factory=list)
    paths: list[FlaggedPath] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    truncated: bool = False
    #: People the walk met outside the case's scope (not stepped onto), per region.
    outside: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Expansion:
    """A node's neighbours (``shown``: at most the cap asked for, of ``total`` within the scope)
    with the node itself in ``nodes``, and the links among them."""

    node: str
    nodes: dict[str, Node]
    links: list[Link]
    total: int
    shown: int
    #: Neighbours left out because they are people outside the case's scope, per region.
    outside: dict[str, int] = field(default_factory=dict)
    #: The neighbours were read up to their limit (``total`` is at least this many).
    truncated: bool = False

    @property
    def more(self) -> int:
        """Neighbours within the scope not shown."""
        return self.total - self.shown


def _labels(raw: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(str(label) for label in raw or () if label != "Entity")


def node_from_row(row: Mapping[str, Any]) -> Node:
    """A node from a row of :data:`graph.queries.SUBGRAPH_NODES`."""
    membership = row.get("membership")
    home = row.get("home_region")
    return Node(
        key=str(row["key"]),
        id=str(row["id"]),
        labels=_labels(row.get("labels")),
        props=text_dated(row.get("props") or {}),
        membership=native(dict(membership)) if membership else None,
        cluster=row.get("cluster"),
        home_region=home if isinstance(home, str) else None,
    )


def link_from_row(row: Mapping[str, Any]) -> Link:
    """A link from a ``{id, type, source, target, props}`` map of the subgraph queries."""
    return Link(
        id=str(row["id"]),
        type=str(row["type"]),
        source=str(row["source"]),
        target=str(row["target"]),
        props=text_dated(row.get("props") or {}),
    )
