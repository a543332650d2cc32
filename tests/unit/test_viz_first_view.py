"""The first view's layout (graph.viz.load.first_view_positions): the page's positions of the
same graph, kept by the graph's shape."""

from __future__ import annotations

import json
import re

from graph.subgraph.model import ClusterGraph, Link, Node
from graph.viz import compute_positions, render_network_page
from graph.viz.load import first_view_positions, node_key, to_networkx


def _graph(extra_link: bool = False) -> ClusterGraph:
    nodes = {
        f"k{i}": Node(f"k{i}", f"PRS-{i}", ("Person",), {}, membership={"region": "Limburg"})
        for i in range(6)
    }
    links = [Link(f"r{i}", "ASSOCIATE", f"k{i}", f"k{i + 1}", {}) for i in range(5)]
    if extra_link:
        links.append(Link("r9", "ASSOCIATE", "k0", "k5", {}))
    return ClusterGraph(cluster={"id": "CL-1"}, nodes=nodes, links=links, members=list(nodes))


def test_positions_are_the_pages_of_the_same_graph() -> None:
    found = _graph()
    positions = first_view_positions(found)
    graph = to_networkx(found)
    expected = compute_positions(graph)
    assert positions == {k: expected[node_key(n.kind, n.id)] for k, n in found.nodes.items()}
    html = render_network_page(graph, title="x")
    match = re.search(r'id="knooppunt-data">(.*?)</script>', html, re.DOTALL)
    assert match is not None
    shown = json.loads(match.group(1))["nodes"]
    page = {n["label"].split("\n")[0]: (n["x"], n["y"]) for n in shown}
    rounded = {found.nodes[k].id: (round(x, 1), round(y, 1)) for k, (x, y) in positions.items()}
    assert page == rounded


def test_a_graph_of_another_shape_gets_its_own_layout() -> None:
    first = first_view_positions(_graph())
    assert first_view_positions(_graph()) == first  # the same shape: the kept layout
    other = first_view_positions(_graph(extra_link=True))
    assert other != first
    fresh = compute_positions(to_networkx(_graph(extra_link=True)))
    assert other == {f"k{i}": fresh[f"Person:PRS-{i}"] for i in range(6)}
