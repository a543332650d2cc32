"""Hand-built graphs in the shape of :func:`graph.viz.render_network_page`'s input contract.

Used by the viz unit and browser tests (no database): a small cluster with every attribute and
hostile text, and a generated cluster-like graph of any size (communities of people and
companies in different regions, joined by shared addresses, phones, accounts and brokers).
"""

from __future__ import annotations

import random
from datetime import date

import networkx as nx

from graph.model import NodeLabel, RelType
from graph.vocabulary import REGIONS

__all__ = ["HOSTILE_LABEL", "cluster_like_graph", "small_cluster_graph"]

#: A label that would run script if any part of the page treated data as markup.
HOSTILE_LABEL = '</script><img src=x onerror="window.__pwned=1">&amp;'


def _prov(rng: random.Random, partners: list[str]) -> dict[str, object]:
    first = date(2021 + rng.randrange(3), 1 + rng.randrange(12), 1 + rng.randrange(28))
    last = date(2024, 1 + rng.randrange(12), 1 + rng.randrange(28))
    return {
        "partners": partners,
        "deliveries": [f"{p}-2024-{rng.randrange(1, 40):03d}" for p in partners],
        "first_seen": first,
        "last_seen": last,
    }


def _add_node(
    g: nx.MultiDiGraph,
    rng: random.Random,
    node: str,
    kind: NodeLabel,
    label: str,
    region: str | None,
    partners: list[str],
    **extra: object,
) -> None:
    """Add ``node`` with the page's attributes, ``extra`` ones and a drawn provenance."""
    g.add_node(node, kind=kind.value, label=label, region=region, **extra, **_prov(rng, partners))


#: The small cluster's typed nodes: id, kind, label, region, extra attributes, partners.
_SMALL_NODES: tuple[tuple[str, NodeLabel, str, str | None, dict[str, object], list[str]], ...] = (
    (
        "p1",
        NodeLabel.PERSON,
        "PRS-AAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Limburg",
        {"broker": 0.8, "rank": 1},
        ["POL", "GEM"],
    ),
    ("p2", NodeLabel.PERSON, HOSTILE_LABEL, "Oost-Brabant", {"broker": 0.1, "rank": None}, ["POL"]),
    ("c1", NodeLabel.COMPANY, "12345678", "Oost-Brabant", {"broker": 0.3, "rank": 2}, ["KVK"]),
    ("a1", NodeLabel.ADDRESS, "6211AB-12-A", "Limburg", {}, ["GEM"]),
    ("i1", NodeLabel.INCIDENT, "POL-2024-0001", None, {}, ["POL"]),
)


def small_cluster_graph() -> nx.MultiDiGraph:
    """Six nodes, two regions, a broker, parallel links and one hostile label."""
    rng = random.Random(1)
    g = nx.MultiDiGraph()
    for node, kind, label, region, extra, partners in _SMALL_NODES:
        _add_node(g, rng, node, kind, label, region, partners, **extra)
    g.add_node("x1", kind="Spaceship", label="unknown kind", region=None)
    g.add_edge("p1", "c1", kind=RelType.DIRECTORSHIP.value, **_prov(rng, ["KVK"]))
    g.add_edge("p1", "c1", kind=RelType.OWNERSHIP.value, **_prov(rng, ["KVK", "BD"]))
    g.add_edge("p1", "a1", kind=RelType.LIVES_AT.value, **_prov(rng, ["GEM"]))
    g.add_edge("p2", "i1", kind=RelType.INVOLVED_IN.value, **_prov(rng, ["POL"]))
    g.add_edge("p1", "i1", kind=RelType.INVOLVED_IN.value, **_prov(rng, ["POL"]))
    g.add_edge("c1", "a1", kind=RelType.REGISTERED_AT.value, **_prov(rng, ["KVK"]))
    g.add_edge("p2", "x1", kind="ODD_LINK")
    return g


def cluster_like_graph(members: int = 700, *, seed: int = 7) -> nx.MultiDiGraph:
    """A cluster-like graph: ``members`` people and companies plus their context nodes.

    Communities of 20 to 60 members sit in one region each; people share addresses, phones and
    accounts, direct companies and meet each other; a few brokers link communities across
    regions. With the default 700 members the graph has well over 1,000 nodes.
    """
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    communities: list[list[str]] = []
    made = 0
    while made < members:
        size = min(rng.randrange(20, 61), members - made)
        region = rng.choice(REGIONS)
        group: list[str] = []
        for _ in range(size):
            made += 1
            if rng.random() < 0.75:
                kind, node, partner = NodeLabel.PERSON, f"PRS-{made:026d}", "POL"
            else:
                kind, node, partner = NodeLabel.COMPANY, f"{10000000 + made}", "KVK"
            _add_node(g, rng, node, kind, node, region, [partner], broker=rng.random() ** 6)
            group.append(node)
        communities.append(group)
        context = 0
        for kind, rel, partner in (
            (NodeLabel.ADDRESS, RelType.LIVES_AT, "GEM"),
            (NodeLabel.PHONE, RelType.USES, "POL"),
            (NodeLabel.BANK_ACCOUNT, RelType.HOLDS, "BD"),
            (NodeLabel.VEHICLE, RelType.USES, "POL"),
            (NodeLabel.INCIDENT, RelType.INVOLVED_IN, "POL"),
        ):
            for _ in range(max(1, size // 4)):
                context += 1
                cnode = f"{kind.value}-{len(communities)}-{context}"
                cregion = region if kind is NodeLabel.ADDRESS else None
                _add_node(g, rng, cnode, kind, cnode, cregion, [partner])
                for member in rng.sample(group, k=min(len(group), rng.randrange(1, 4))):
                    g.add_edge(member, cnode, kind=rel.value, **_prov(rng, [partner]))
        for _ in range(size // 2):
            a, b = rng.sample(group, 2)
            sources = ["POL", "FIOD"][: 1 + rng.randrange(2)]
            g.add_edge(a, b, kind=RelType.ASSOCIATE.value, **_prov(rng, sources))
    for i in range(1, len(communities)):
        a = rng.choice(communities[i])
        b = rng.choice(communities[rng.randrange(i)])
        g.nodes[a]["broker"] = 0.5 + rng.random() / 2
        g.add_edge(a, b, kind=RelType.ASSOCIATE.value, **_prov(rng, ["POL"]))
    return g
