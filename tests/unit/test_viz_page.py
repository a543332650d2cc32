"""Unit tests of the network page: self-contained, data kept as data, layout by size."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import networkx as nx
import pytest

from graph.model import NodeLabel
from graph.viz import compute_positions, render_network_page, vis_network_assets
from graph.viz.style import KIND_STYLES, REGION_COLOURS
from tests.viz_samples import HOSTILE_LABEL, cluster_like_graph, small_cluster_graph

_REMOTE = re.compile(r"^\s*(https?:|//|ftp:|ws:|wss:)", re.IGNORECASE)


class _Resources(HTMLParser):
    """Collects every resource reference and every script block of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "action", "poster") and value:
                self.refs.append((tag, name, value))
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag == "style":
            self.styles += 1


def _payload(html: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="knooppunt-data">(.*?)</script>', html, re.DOTALL
    )
    assert match is not None
    data = json.loads(match.group(1))
    assert isinstance(data, dict)
    return data


def test_page_has_no_remote_reference() -> None:
    html = render_network_page(small_cluster_graph(), title="Cluster")
    parser = _Resources()
    parser.feed(html)
    remote = [ref for ref in parser.refs if _REMOTE.match(ref[2])]
    assert remote == []
    # scripts are inline: none has a src at all
    assert all("src" not in attrs for attrs in parser.scripts)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:|//)", html, re.IGNORECASE)
    assert "//cdn" not in html.lower()
    js, css = vis_network_assets()
    assert js in html
    assert css in html


def test_vis_network_is_the_copy_pyvis_ships() -> None:
    js, css = vis_network_assets()
    assert "@version 9.1.2" in js
    assert "vis-tooltip" in css
    assert "</script" not in js.lower()
    assert "</style" not in css.lower()


def test_hostile_label_stays_data() -> None:
    graph = small_cluster_graph()
    html = render_network_page(graph, title=HOSTILE_LABEL, subtitle=HOSTILE_LABEL)
    # nowhere raw: title and subtitle are escaped, the JSON block escapes < > &
    assert "</script><img" not in html
    assert "<img" not in html
    assert "&lt;/script&gt;&lt;img" in html
    data = _payload(html)
    titles = [n["title"] for n in data["nodes"]]
    assert any(HOSTILE_LABEL in t for t in titles)


def test_nodes_and_edges_follow_the_contract() -> None:
    graph = small_cluster_graph()
    data = _payload(render_network_page(graph, title="Cluster"))
    nodes = {n["title"].split("\n")[0]: n for n in data["nodes"]}
    edges = data["edges"]
    assert len(nodes) == graph.number_of_nodes()
    assert len(edges) == graph.number_of_edges()
    assert data["physics"] is True
    broker = nodes["Person: PRS-AAAAAAAAAAAAAAAAAAAAAAAAAA"]
    other = next(n for k, n in nodes.items() if k.startswith("Person: </script>"))
    company = nodes["Company: 12345678"]
    assert broker["shape"] == KIND_STYLES[NodeLabel.PERSON].shape
    assert company["shape"] == "square"
    assert broker["size"] > company["size"] > other["size"]
    assert broker["color"]["border"] == REGION_COLOURS["Limburg"]
    assert "Limburg" in broker["label"]
    assert "key player #1" in broker["title"]
    assert "partners: POL, GEM" in broker["title"]
    assert "seen: 20" in broker["title"]
    unknown = nodes["Other: unknown kind"]
    assert unknown["shape"] == "dot"
    labels = sorted(e["label"] for e in edges)
    assert "DIRECTORSHIP \u00b7 KVK" in labels
    assert "OWNERSHIP \u00b7 KVK, BD" in labels
    assert "ODD_LINK" in labels
    # the second link between the same two nodes is bent apart from the first
    assert sum(1 for e in edges if "smooth" in e) == 1
    assert all(e["arrows"] == "to" for e in edges)


def test_large_graph_gets_positions_and_no_physics() -> None:
    graph = cluster_like_graph(700)
    assert graph.number_of_nodes() > 1000
    data = _payload(render_network_page(graph, title="Big"))
    assert data["physics"] is False
    assert data["options"]["physics"]["enabled"] is False
    nodes = data["nodes"]
    assert len(nodes) == graph.number_of_nodes()
    assert all("x" in n and "y" in n for n in nodes)
    positions = {(n["x"], n["y"]) for n in nodes}
    assert len(positions) > 0.95 * len(nodes)


def test_physics_threshold_is_a_parameter() -> None:
    graph = small_cluster_graph()
    data = _payload(render_network_page(graph, title="Cluster", physics_max_nodes=3))
    assert data["physics"] is False


def test_legend_lists_kinds_regions_and_partners() -> None:
    html = render_network_page(small_cluster_graph(), title="Cluster")
    for text in (
        "Person",
        "Company",
        "Address",
        "Incident",
        "Other",
        "Limburg",
        "Oost-Brabant",
        "none or unknown",
        "KVK",
        "several partners",
        "DIRECTORSHIP",
    ):
        assert f"<span>{text}</span>" in html, text


def test_subject_is_marked() -> None:
    graph = small_cluster_graph()
    graph.graph["subject"] = "c1"
    html = render_network_page(graph, title="Neighbourhood")
    data = _payload(html)
    subject = next(n for n in data["nodes"] if n["id"] == data["subject"])
    assert subject["title"].startswith("SUBJECT\nCompany: 12345678")
    assert subject["borderWidth"] == 6
    assert "Thick black ring" in html
    assert _payload(render_network_page(small_cluster_graph(), title="x"))["subject"] is None


def test_people_outside_the_cluster_are_faded() -> None:
    graph = small_cluster_graph()
    graph.nodes["p2"]["member"] = False
    html = render_network_page(graph, title="Cluster")
    data = _payload(html)
    faded = [n for n in data["nodes"] if n["color"]["background"].startswith("rgba(")]
    assert [n["title"].split("\n")[0][:14] for n in faded] == ["Person: </scri"]
    assert "outside the cluster" in html
    assert "outside the cluster" not in render_network_page(small_cluster_graph(), title="x")


def test_empty_graph_renders() -> None:
    data = _payload(render_network_page(nx.Graph(), title="Empty"))
    assert data["nodes"] == []
    assert data["edges"] == []


def test_plain_graph_without_attributes_renders() -> None:
    graph = nx.path_graph(4)
    data = _payload(render_network_page(graph, title="Plain"))
    assert [n["label"] for n in data["nodes"]] == ["0", "1", "2", "3"]
    assert all(e.get("arrows") is None for e in data["edges"])


def test_rendering_is_deterministic() -> None:
    graph = cluster_like_graph(400)
    assert render_network_page(graph, title="x") == render_network_page(graph, title="x")


@pytest.mark.parametrize("n", [1, 2, 50])
def test_positions_cover_every_node(n: int) -> None:
    graph = nx.path_graph(n)
    graph.add_node("isolated")
    positions = compute_positions(graph)
    assert set(positions) == set(graph.nodes)
    assert positions == compute_positions(graph)


def test_components_do_not_overlap() -> None:
    graph = nx.disjoint_union(nx.complete_graph(30), nx.complete_graph(30))
    positions = compute_positions(graph)
    xs_a = [positions[i][0] for i in range(30)]
    xs_b = [positions[i][0] for i in range(30, 60)]
    ys_a = [positions[i][1] for i in range(30)]
    ys_b = [positions[i][1] for i in range(30, 60)]
    apart_x = max(xs_a) < min(xs_b) or max(xs_b) < min(xs_a)
    apart_y = max(ys_a) < min(ys_b) or max(ys_b) < min(ys_a)
    assert apart_x or apart_y
