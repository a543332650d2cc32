"""Unit tests of the analyst helpers on hand-built graphs (no database)."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.viz.explore import (
    disruption,
    disruption_curve,
    link_sources,
    members_table,
    region_links,
    screening_table,
    top_brokers,
)
from tests.viz_samples import small_cluster_graph


def _three_cells(brokers: int) -> nx.MultiDiGraph:
    """Three cells of three people in three regions, each cell sharing an address; ``brokers``
    people each linked to every cell's address."""
    g = nx.MultiDiGraph()
    for c, region in enumerate(("Limburg", "Oost-Brabant", "Rotterdam")):
        address = f"Address:{c}"
        g.add_node(address, kind="Address", region=region)
        for i in range(3):
            person = f"Person:{c}-{i}"
            g.add_node(person, kind="Person", region=region, broker=0.01 * i, member=True)
            g.add_edge(person, address, kind="LIVES_AT", partners=["GEM"])
    for b in range(brokers):
        broker = f"Person:broker-{b}"
        g.add_node(broker, kind="Person", region="Limburg", broker=0.9 - b * 0.1, member=True)
        for c in range(3):
            g.add_edge(broker, f"Address:{c}", kind="RENTS", partners=["BD"])
    return g


def test_removing_the_only_broker_breaks_the_network() -> None:
    g = _three_cells(brokers=1)
    assert top_brokers(g, 1) == ["Person:broker-0"]
    result = disruption(g, top_brokers(g, 1))
    assert (result.members_before, result.members_after) == (10, 9)
    assert (result.components_before, result.components_after) == (1, 3)
    assert result.falls_apart
    assert result.verdict == "falls apart"
    # a second broker holds the cells together when the first is removed
    redundant = disruption(_three_cells(brokers=2), ["Person:broker-0"])
    assert redundant.components_after == 1
    assert not redundant.falls_apart
    assert redundant.verdict == "stays connected"
    # removing a member of a cell's edge splits a piece off, the core stays
    g = _three_cells(brokers=1)
    g.add_node("Person:leaf", kind="Person", region="Limburg", broker=0.0)
    g.add_edge("Person:leaf", "Person:0-0", kind="ASSOCIATE")
    assert disruption(g, ["Person:0-0"]).verdict == "splits, core intact"


def _address_cells(cells: int, *, people: int) -> nx.Graph:
    """``cells`` cells of ``people`` people (broker score 0), each cell sharing one address."""
    g = nx.Graph()
    for c in range(cells):
        for i in range(people):
            g.add_node(f"p{c}{i}", kind="Person", broker=0.0)
            g.add_edge(f"p{c}{i}", f"a{c}")
        g.add_node(f"a{c}", kind="Address")
    return g


def test_disruption_counts_pieces() -> None:
    g = _address_cells(3, people=3)
    for c in range(3):
        g.add_edge("broker", f"p{c}0")
    g.add_node("broker", kind="Person", broker=1.0)
    result = disruption(g, ["broker"])
    assert (result.components_before, result.components_after) == (1, 3)
    assert (result.largest_before, result.largest_after) == (10, 3)
    assert result.largest_share_after == pytest.approx(3 / 9)
    assert result.falls_apart
    # with a second, redundant broker the network stays in one piece
    g.add_node("broker2", kind="Person", broker=0.5)
    for c in range(3):
        g.add_edge("broker2", f"p{c}1")
    again = disruption(g, ["broker"])
    assert again.components_after == 1
    assert not again.falls_apart


def test_disruption_curve_compares_with_random_removal() -> None:
    g = _address_cells(4, people=5)
    g.add_node("hub", kind="Person", broker=1.0)
    for c in range(4):
        g.add_edge("hub", f"a{c}")
    curve = disruption_curve(g, 2, seed=1)
    assert list(curve.columns) == ["strategy", "removed", "components", "largest_share"]
    brokers = curve[curve.strategy == "brokers"].set_index("removed")
    assert brokers.loc[0, "components"] == 1
    assert brokers.loc[1, "components"] == 4
    assert len(curve[curve.strategy == "random"]) == 3


def test_members_table_orders_by_broker_score() -> None:
    table = members_table(small_cluster_graph())
    assert set(table["kind"]) == {"Person", "Company"}
    assert table.iloc[0]["broker"] == pytest.approx(0.8)
    assert len(table) == 3


def test_link_sources_counts_partners_per_kind() -> None:
    table = link_sources(small_cluster_graph())
    assert table.loc["OWNERSHIP", "KVK"] == 1
    assert table.loc["OWNERSHIP", "BD"] == 1
    assert table.loc["INVOLVED_IN", "POL"] == 2
    assert table.loc["ODD_LINK", "(none)"] == 1


def test_region_links_through_direct_links_and_shared_context() -> None:
    table = region_links(small_cluster_graph())
    rows = {(r["region_a"], r["region_b"], r["via"]): r["count"] for r in table.to_dict("records")}
    # p1 (Limburg) directs and owns c1 (Oost-Brabant); both p1 and p2 are in incident i1
    assert rows[("Limburg", "Oost-Brabant", "DIRECTORSHIP")] == 1
    assert rows[("Limburg", "Oost-Brabant", "OWNERSHIP")] == 1
    assert rows[("Limburg", "Oost-Brabant", "Incident")] == 1
    assert rows[("Limburg", "Oost-Brabant", "Address")] == 1


def test_screening_finds_directors_in_flagged_clusters() -> None:
    g = small_cluster_graph()
    g.nodes["p1"]["cluster"] = "CL-1"
    clusters = {"CL-1": {"typology": "cannabis", "score": 70.0, "flagged": True}}
    table = screening_table(g, "c1", clusters)
    first = table.iloc[0]
    assert first["key"] == "p1"
    assert first["flagged"]
    assert bool(first["controls_subject"])
    assert first["relation"] == "DIRECTORSHIP+OWNERSHIP"
    assert first["incidents"] == ["Incident: POL-2024-0001"]
    subject = table[table.key == "c1"].iloc[0]
    assert subject["distance"] == 0
    assert subject["relation"] == "(subject)"
