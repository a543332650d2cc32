"""Loading clusters and neighbourhoods from a real Neo4j, and ``knooppunt view``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from graph.errors import ExitCode, NotFoundError
from graph.model import NodeLabel
from graph.settings import Settings
from graph.viz import load_cluster_graph, load_subject_graph, node_key
from knooppunt.cli import app, main
from tests.integration.viz_seed import CLUSTER_ID, HUB_ID, IDS, seed


@pytest.fixture
def seeded(empty_db: neo4j.Driver, neo4j_settings: Settings) -> neo4j.Driver:
    seed(empty_db, database=neo4j_settings.neo4j_database)
    return empty_db


def test_cluster_graph_holds_members_and_shared_context(
    seeded: neo4j.Driver, neo4j_settings: Settings
) -> None:
    g = load_cluster_graph(seeded, CLUSTER_ID, database=neo4j_settings.neo4j_database)
    expected = {
        node_key("Person", IDS["p1"]),
        node_key("Person", IDS["p2"]),
        node_key("Person", IDS["p3"]),
        node_key("Company", IDS["c1"]),
        node_key("Address", IDS["a1"]),  # home of p1 and p3
        node_key("Address", IDS["a2"]),  # home of p2, office of c1
        node_key("Phone", IDS["t1"]),  # used by p1 and p2
        node_key("Incident", IDS["i1"]),  # evidence, even with one member
        node_key("Person", IDS["p8"]),  # outside the cluster, ties p2 and p3
    }
    # not p9 (ties one member only), not a3 (one member only), not t2 (past its retention)
    assert set(g.nodes) == expected
    assert g.nodes[node_key("Person", IDS["p8"])]["member"] is False
    p1 = g.nodes[node_key("Person", IDS["p1"])]
    assert p1["kind"] == "Person"
    assert p1["member"] is True
    assert p1["broker"] == pytest.approx(0.8)
    assert p1["rank"] == 1
    assert p1["region"] == "Limburg"
    assert p1["partners"] == ["POL"]
    assert p1["deliveries"] == ["POL-2024-001"]
    company = g.nodes[node_key("Company", IDS["c1"])]
    assert "name: Voorbeeld Teelt BV" in company["details"]
    assert "role in cluster: property (sbi)" in company["details"]
    assert g.nodes[node_key("Address", IDS["a2"])]["region"] == "Oost-Brabant"
    assert g.nodes[node_key("Address", IDS["a2"])]["broker"] is None
    kinds = sorted(d["kind"] for _, _, d in g.edges(node_key("Person", IDS["p1"]), data=True))
    assert kinds == ["DIRECTORSHIP", "LIVES_AT", "OWNERSHIP", "USES"]
    owner = next(
        d
        for _, _, d in g.edges(node_key("Person", IDS["p1"]), data=True)
        if d["kind"] == "OWNERSHIP"
    )
    assert owner["partners"] == ["BD"]
    assert str(owner["first_seen"]) == "2024-01-15"
    suspect = next(d for _, _, d in g.edges(data=True) if d["kind"] == "INVOLVED_IN")
    assert suspect["role"] == "suspect"
    assert g.graph["cluster"]["typology"] == "cannabis"
    assert g.graph["truncated"] is False


def test_expired_facts_show_as_of_an_earlier_date(
    seeded: neo4j.Driver, neo4j_settings: Settings
) -> None:
    g = load_cluster_graph(
        seeded, CLUSTER_ID, database=neo4j_settings.neo4j_database, as_of=date(2019, 6, 1)
    )
    assert node_key("Phone", IDS["t2"]) in g


def test_min_shared_one_adds_single_member_context(
    seeded: neo4j.Driver, neo4j_settings: Settings
) -> None:
    g = load_cluster_graph(seeded, CLUSTER_ID, database=neo4j_settings.neo4j_database, min_shared=1)
    assert node_key("Address", IDS["a3"]) in g


def test_unknown_cluster_is_a_clear_error(seeded: neo4j.Driver, neo4j_settings: Settings) -> None:
    with pytest.raises(NotFoundError) as err:
        load_cluster_graph(seeded, "CL-ffffffff", database=neo4j_settings.neo4j_database)
    assert "CL-ffffffff" not in str(err.value)
    assert err.value.exit_code == ExitCode.BAD_INPUT


def test_subject_neighbourhood_by_depth(seeded: neo4j.Driver, neo4j_settings: Settings) -> None:
    db = neo4j_settings.neo4j_database
    one = load_subject_graph(seeded, IDS["p9"], 1, database=db)
    assert one.graph["subject"] == node_key("Person", IDS["p9"])
    assert set(one.nodes) == {
        node_key("Person", IDS["p9"]),
        node_key("Person", IDS["p1"]),
        node_key("Address", HUB_ID),
        node_key("Incident", IDS["i2"]),
        node_key("Person", IDS["p8"]),
    }
    # p1 is a member of the active cluster: its broker score comes along, p9 has none
    assert one.nodes[node_key("Person", IDS["p1"])]["broker"] == pytest.approx(0.8)
    assert one.nodes[node_key("Person", IDS["p9"])]["member"] is False
    two = load_subject_graph(seeded, IDS["p9"], 2, database=db)
    assert node_key("Company", IDS["c1"]) in two
    assert node_key("Person", "PRS-VIZHUB00000000000000000000") in two
    assert len(two) > len(one)


def test_hubs_are_not_expanded(seeded: neo4j.Driver, neo4j_settings: Settings) -> None:
    g = load_subject_graph(
        seeded, IDS["p9"], 2, database=neo4j_settings.neo4j_database, hub_degree=5
    )
    assert node_key("Address", HUB_ID) in g
    assert node_key("Person", "PRS-VIZHUB00000000000000000000") not in g
    assert g.graph["truncated"] is True


def test_hub_rule_counts_only_shown_links(seeded: neo4j.Driver, neo4j_settings: Settings) -> None:
    """p1 has five shown links, plus one past its retention and its ``MEMBER_OF``: at a hub
    degree of five it is expanded (its company is reached); the hub address is not."""
    g = load_subject_graph(
        seeded, IDS["p9"], 2, database=neo4j_settings.neo4j_database, hub_degree=5
    )
    assert node_key("Company", IDS["c1"]) in g
    assert node_key("Phone", IDS["t2"]) not in g
    assert node_key("Person", "PRS-VIZHUB00000000000000000000") not in g
    edges = [(u, v, k) for u, v, k in g.edges(keys=True)]
    assert len(edges) == len(set(edges))


def test_max_nodes_caps_the_walk(seeded: neo4j.Driver, neo4j_settings: Settings) -> None:
    g = load_subject_graph(
        seeded, IDS["p9"], 3, database=neo4j_settings.neo4j_database, max_nodes=4
    )
    assert len(g) == 4
    assert g.graph["truncated"] is True


def test_ambiguous_and_unknown_subjects(seeded: neo4j.Driver, neo4j_settings: Settings) -> None:
    db = neo4j_settings.neo4j_database
    with pytest.raises(NotFoundError, match="several kinds"):
        load_subject_graph(seeded, IDS["dup"], 1, database=db)
    g = load_subject_graph(seeded, IDS["dup"], 1, database=db, kind=NodeLabel.INVESTIGATION)
    assert g.graph["subject"] == node_key("Investigation", IDS["dup"])
    with pytest.raises(NotFoundError) as err:
        load_subject_graph(seeded, "PRS-NOSUCHTOKEN", 1, database=db)
    assert "PRS-NOSUCHTOKEN" not in str(err.value)


def test_view_command_writes_pages(
    seeded: neo4j.Driver,
    neo4j_settings: Settings,
    test_instance: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "cluster.html"
    code = main(["view", CLUSTER_ID, "--out", str(out), "--instance", test_instance, "--json"])
    assert code == ExitCode.OK
    summary = json.loads(capsys.readouterr().out)
    assert summary["nodes"] == 9
    html = out.read_text(encoding="utf-8")
    assert "Cluster CL-0000viz0" in html
    assert "cannabis" in html
    assert "https://" not in html.split("<script>")[0]

    out2 = tmp_path / "company.html"
    code = main(
        [
            "view",
            "--subject",
            IDS["c1"],
            "--depth",
            "1",
            "--out",
            str(out2),
            "--instance",
            test_instance,
        ]
    )
    assert code == ExitCode.OK
    assert "Neighbourhood of Company 12345678" in out2.read_text(encoding="utf-8")

    assert (
        main(
            ["view", "CL-ffffffff", "--out", str(tmp_path / "x.html"), "--instance", test_instance]
        )
        == ExitCode.BAD_INPUT
    )
    usage = CliRunner().invoke(app, ["view", "--out", str(tmp_path / "y.html")])
    assert usage.exit_code == ExitCode.USAGE
    assert "either a CLUSTER_ID or --subject" in usage.output
