"""Analyst helpers for the notebooks: tables and what-ifs on the graphs :mod:`graph.viz.load`
returns. Reading functions take the driver; the rest are functions of a graph (no Neo4j).

- :func:`active_clusters` lists the latest analysis's clusters (``docs/analysis.md``);
- :func:`members_table`, :func:`link_sources` and :func:`region_links` describe one cluster:
  who brokers, which partner each link came from, which regions it joins;
- :func:`screening_table` answers a Bibob question from a company's neighbourhood: who around
  the applicant sits in a flagged cluster or is involved in incidents;
- :func:`disruption` and :func:`disruption_curve` remove brokers (or random members) and measure
  whether the network falls apart, after Duijn, Kashirin and Sloot (2014).
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import Any

import neo4j
import networkx as nx
import pandas as pd

from graph import queries
from graph.model import NodeLabel, RelType
from graph.subgraph.plan import Records, driver_executor
from graph.values import native, parse_json_properties

__all__ = [
    "Disruption",
    "active_clusters",
    "cluster_properties",
    "disruption",
    "disruption_curve",
    "link_sources",
    "members_table",
    "region_links",
    "screening_table",
    "top_brokers",
]

_MEMBER_KINDS = frozenset({NodeLabel.PERSON.value, NodeLabel.COMPANY.value})
#: Links that tie a person or company to a company's control (Bibob: directors, shareholders).
_CONTROL = frozenset({RelType.DIRECTORSHIP.value, RelType.OWNERSHIP.value})


def _parse(cluster: dict[str, Any]) -> dict[str, Any]:
    return parse_json_properties(native(cluster))


def _read(driver: neo4j.Driver, query: str, database: str, **params: Any) -> Records:
    return driver_executor(driver, database)(query, params)


def active_clusters(
    driver: neo4j.Driver,
    *,
    database: str,
    cross_region: bool | None = None,
    flagged: bool | None = None,
    limit: int = 1_000,
) -> pd.DataFrame:
    """Active clusters of the latest analysis, highest score first, one row each.

    Columns are the cluster properties of ``docs/analysis.md`` (JSON ones parsed).
    """
    rows = [
        _parse(dict(r["cluster"]))
        for r in _read(
            driver,
            queries.VIZ_ACTIVE_CLUSTERS,
            database,
            cross_region=cross_region,
            flagged=flagged,
            limit=limit,
        )
    ]
    columns = ["id", "typology", "score", "flagged", "cross_region", "size", "regions"]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    return frame[[*columns, *[c for c in frame.columns if c not in columns]]]


def cluster_properties(
    driver: neo4j.Driver, cluster_ids: Iterable[str], *, database: str
) -> dict[str, dict[str, Any]]:
    """``{cluster id: properties}`` for the given clusters (unknown ids are left out)."""
    ids = sorted(set(cluster_ids))
    if not ids:
        return {}
    return {
        c["id"]: c
        for c in (
            _parse(dict(r["cluster"]))
            for r in _read(driver, queries.VIZ_CLUSTERS_BY_ID, database, ids=ids)
        )
    }


def members_table(graph: nx.Graph) -> pd.DataFrame:
    """The people and companies of a loaded graph, strongest broker first.

    Columns: ``key``, ``kind``, ``id``, ``region``, ``broker``, ``rank``, ``is_broker``,
    ``degree`` (links in this graph), ``partners``.
    """
    rows = [
        {
            "key": node,
            "kind": d.get("kind"),
            "id": d.get("id"),
            "region": d.get("region"),
            "broker": d.get("broker"),
            "rank": d.get("rank"),
            "is_broker": bool(d.get("is_broker", False)),
            "degree": graph.degree(node),
            "partners": ", ".join(d.get("partners") or []),
        }
        for node, d in graph.nodes(data=True)
        if d.get("kind") in _MEMBER_KINDS and d.get("member", True)
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "key",
            "kind",
            "id",
            "region",
            "broker",
            "rank",
            "is_broker",
            "degree",
            "partners",
        ],
    )
    return frame.sort_values(
        ["broker", "degree", "key"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)


def link_sources(graph: nx.Graph) -> pd.DataFrame:
    """Links per kind (rows) and reporting partner (columns): who saw which part of the network.

    A link reported by several partners counts once under each.
    """
    rows = [
        {"kind": d.get("kind") or "LINK", "partner": partner}
        for _, _, d in graph.edges(data=True)
        for partner in (d.get("partners") or ["(none)"])
    ]
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows).value_counts().unstack(fill_value=0).sort_index()


def _members_of(graph: nx.Graph) -> set[Hashable]:
    return {
        n
        for n, d in graph.nodes(data=True)
        if d.get("kind") in _MEMBER_KINDS and d.get("member", True)
    }


def region_links(graph: nx.Graph) -> pd.DataFrame:
    """Pairs of regions joined inside the graph, and through what.

    A direct link between two members in different regions joins their regions; so does a
    context entity (address, phone, account, incident, ...) linked to members of several
    regions. Columns: ``region_a``, ``region_b``, ``via`` (link or entity kind), ``count``.
    """
    members = _members_of(graph)
    undirected = graph.to_undirected(as_view=True)
    rows: list[tuple[str, str, str]] = []
    for u, v, d in graph.edges(data=True):
        if u in members and v in members:
            ru, rv = graph.nodes[u].get("region"), graph.nodes[v].get("region")
            if ru and rv and ru != rv:
                a, b = sorted((ru, rv))
                rows.append((a, b, str(d.get("kind") or "LINK")))
    for node, d in graph.nodes(data=True):
        if node in members:
            continue
        regions = sorted(
            {graph.nodes[m].get("region") for m in undirected[node] if m in members} - {None}
        )
        rows.extend((a, b, str(d.get("kind"))) for a, b in combinations(regions, 2))
    frame = pd.DataFrame(rows, columns=["region_a", "region_b", "via"])
    if frame.empty:
        return pd.DataFrame(columns=["region_a", "region_b", "via", "count"])
    return (
        frame.value_counts()
        .rename("count")
        .reset_index()
        .sort_values(["count", "region_a", "region_b"], ascending=[False, True, True])
        .reset_index(drop=True)
    )


def screening_table(
    graph: nx.Graph, subject: Hashable, clusters: dict[str, dict[str, Any]]
) -> pd.DataFrame:
    """A Bibob screening of ``subject`` (usually a company) from its neighbourhood graph.

    One row per person or company within the graph, with how it relates to the subject (the
    links on a shortest path), its distance, its cluster (``clusters`` from
    :func:`cluster_properties`) and whether that cluster is flagged, and the incidents and
    investigations it is linked to. Rows with findings come first. The table states facts
    from the data; the integrity judgement stays with the analyst.
    """
    undirected = nx.Graph(graph.to_undirected(as_view=True))
    distances = nx.single_source_shortest_path_length(undirected, subject)
    paths = nx.single_source_shortest_path(undirected, subject)
    rows = []
    for node, d in graph.nodes(data=True):
        if d.get("kind") not in _MEMBER_KINDS or node not in distances:
            continue
        path = paths[node]
        relation = " / ".join(_edge_kinds(graph, a, b) for a, b in pairwise(path))
        incidents = sorted(
            f"{graph.nodes[x].get('kind')}: "
            f"{graph.nodes[x].get('id') or graph.nodes[x].get('label') or x}"
            for x in undirected[node]
            if graph.nodes[x].get("kind")
            in (NodeLabel.INCIDENT.value, NodeLabel.INVESTIGATION.value)
        )
        cluster_id = d.get("cluster")
        cluster = clusters.get(cluster_id or "", {})
        controls = distances[node] == 1 and bool(
            _CONTROL & set(_edge_kinds(graph, node, subject).split("+"))
        )
        rows.append(
            {
                "key": node,
                "kind": d.get("kind"),
                "distance": distances[node],
                "relation": relation or "(subject)",
                "controls_subject": controls,
                "region": d.get("region"),
                "cluster": cluster_id,
                "typology": cluster.get("typology"),
                "cluster_score": cluster.get("score"),
                "flagged": bool(cluster.get("flagged", False)),
                "broker_rank": d.get("rank"),
                "incidents": incidents,
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["findings"] = frame["flagged"].astype(int) + frame["incidents"].map(len)
    return frame.sort_values(
        ["findings", "distance", "key"], ascending=[False, True, True]
    ).reset_index(drop=True)


def _edge_kinds(graph: nx.Graph, a: Hashable, b: Hashable) -> str:
    kinds: set[str] = set()
    for x, y in ((a, b), (b, a)):
        data = graph.get_edge_data(x, y)
        if not data:
            continue
        values = data.values() if graph.is_multigraph() else [data]
        kinds.update(str(v.get("kind") or "LINK") for v in values)
    return "+".join(sorted(kinds))


def top_brokers(graph: nx.Graph, k: int) -> list[Hashable]:
    """The ``k`` members with the highest broker score (ties by key)."""
    members = [(float(graph.nodes[n].get("broker") or 0.0), str(n), n) for n in _members_of(graph)]
    members.sort(key=lambda t: (-t[0], t[1]))
    return [n for _, _, n in members[:k]]


@dataclass(frozen=True, slots=True)
class Disruption:
    """Connectivity of a network's members before and after removing some of them."""

    removed: int
    members_before: int
    members_after: int
    components_before: int
    components_after: int
    largest_before: int
    largest_after: int

    @property
    def largest_share_after(self) -> float:
        """Share of the remaining members that still sit in one connected piece."""
        return self.largest_after / self.members_after if self.members_after else 0.0

    @property
    def falls_apart(self) -> bool:
        """True when fewer than half of the remaining members stay connected together."""
        return self.largest_share_after < 0.5

    @property
    def verdict(self) -> str:
        """``"falls apart"``, ``"splits, core intact"`` or ``"stays connected"``."""
        if self.falls_apart:
            return "falls apart"
        if self.components_after > self.components_before:
            return "splits, core intact"
        return "stays connected"


def _member_components(graph: nx.Graph, members: set[Hashable]) -> list[int]:
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    sizes = [len(c & members) for c in nx.connected_components(undirected)]
    return sorted((s for s in sizes if s), reverse=True)


def disruption(graph: nx.Graph, remove: Iterable[Hashable]) -> Disruption:
    """Remove ``remove`` from ``graph`` and compare how its members hang together.

    Members are the graph's people and companies; they stay connected through each other and
    through context entities (shared addresses, phones, accounts, ...), which are kept.
    """
    members = _members_of(graph)
    gone = set(remove)
    before = _member_components(graph, members)
    rest = graph.subgraph([n for n in graph.nodes if n not in gone])
    after = _member_components(rest, members - gone)
    return Disruption(
        removed=len(gone & set(graph.nodes)),
        members_before=len(members),
        members_after=len(members - gone),
        components_before=len(before),
        components_after=len(after),
        largest_before=before[0] if before else 0,
        largest_after=after[0] if after else 0,
    )


def disruption_curve(
    graph: nx.Graph, steps: int, *, order: Sequence[Hashable] | None = None, seed: int = 0
) -> pd.DataFrame:
    """Remove members one by one and record connectivity after each step.

    ``order`` defaults to the brokers, strongest first (:func:`top_brokers`). Returns one row
    per step ``0..steps`` with the removal strategy ``brokers`` and, for comparison, the mean of
    five random removal orders (``random``), columns ``strategy``, ``removed``, ``components``,
    ``largest_share``.
    """
    broker_order = list(order) if order is not None else top_brokers(graph, steps)
    rows: list[tuple[str, int, float, float]] = []
    for i in range(steps + 1):
        result = disruption(graph, broker_order[:i])
        rows.append(("brokers", i, result.components_after, result.largest_share_after))
    members = sorted(_members_of(graph), key=str)
    rng = random.Random(seed)
    trials = [rng.sample(members, k=min(steps, len(members))) for _ in range(5)]
    for i in range(steps + 1):
        results = [disruption(graph, trial[:i]) for trial in trials]
        rows.append(
            (
                "random",
                i,
                sum(r.components_after for r in results) / len(results),
                sum(r.largest_share_after for r in results) / len(results),
            )
        )
    return pd.DataFrame(rows, columns=["strategy", "removed", "components", "largest_share"])
