"""The subgraph reader's pure parts: plans run against canned records, path rebuilding, the
walk's steps and value conversion (no database)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import neo4j.spatial
import neo4j.time
import pytest

from graph import queries
from graph.errors import NotFoundError
from graph.subgraph import cluster_graph, neighbourhood, rebuild_path, run_async, run_sync
from graph.subgraph.cluster import drop_outsider_links
from graph.subgraph.model import Link, Node
from graph.subgraph.paths import flagged_paths
from graph.subgraph.walk import Walk
from graph.values import native

TODAY = date(2026, 1, 1)


def _link(lid: str, source: str, target: str, kind: str = "USES") -> dict[str, Any]:
    return {"id": lid, "type": kind, "source": source, "target": target, "props": {}}


def _node(key: str, label: str, member: bool = False) -> dict[str, Any]:
    return {
        "key": key,
        "id": f"id-{key}",
        "labels": [label, "Entity"],
        "props": {"first_seen": neo4j.time.Date(2024, 1, 15)},
        "membership": {"region": "Limburg"} if member else None,
        "cluster": "CL-1" if member else None,
        "home_region": None,
    }


class Canned:
    """An executor answering each query constant with fixed records, recording the calls."""

    def __init__(self, answers: dict[str, list[list[dict[str, Any]]]]) -> None:
        self.answers = {q: list(a) for q, a in answers.items()}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.calls.append((query, params))
        return self.answers[query].pop(0)


def _cluster_answers(links: list[dict[str, Any]]) -> dict[str, list[list[dict[str, Any]]]]:
    nodes = [_node("m1", "Person", True), _node("m2", "Person", True), _node("a", "Address")]
    nodes += [_node("o1", "Person"), _node("o2", "Company")]
    return {
        queries.SUBGRAPH_CLUSTER: [[{"cluster": {"id": "CL-1", "typology": "omg"}}]],
        queries.SUBGRAPH_CLUSTER_MEMBERS: [[{"keys": ["m1", "m2"]}]],
        queries.SUBGRAPH_CLUSTER_CONTEXT: [[{"keys": ["a"]}]],
        queries.SUBGRAPH_CLUSTER_OUTSIDE: [[{"keys": ["o1", "o2"]}]],
        queries.SUBGRAPH_NODES: [[{"rows": nodes}]],
        queries.SUBGRAPH_LINKS: [[{"rows": links}]],
    }


def test_cluster_plan_keeps_each_link_once_and_drops_outsider_pairs() -> None:
    links = [
        _link("r1", "m1", "m2", "ASSOCIATE"),
        _link("r1", "m1", "m2", "ASSOCIATE"),  # the same link read twice
        _link("r2", "m1", "a", "LIVES_AT"),
        _link("r3", "o1", "m1", "ASSOCIATE"),
        _link("r4", "o1", "o2", "EMPLOYMENT"),  # two outsiders: not this cluster's story
    ]
    execute = Canned(_cluster_answers(links))
    found = run_sync(cluster_graph("CL-1", today=TODAY), execute)
    assert found is not None
    assert [link.id for link in found.links] == ["r1", "r2", "r3"]
    assert found.members == ["m1", "m2"]
    assert list(found.nodes) == ["m1", "m2", "a", "o1", "o2"]
    assert found.nodes["m1"].props["first_seen"] == date(2024, 1, 15)  # plain Python
    assert found.nodes["m1"].kind == "Person"
    assert found.truncated is False
    params = dict(execute.calls)[queries.SUBGRAPH_LINKS]
    assert "MEMBER_OF" not in params["link_types"]
    assert "ABOUT" not in params["link_types"]


def test_cluster_plan_caps_nodes_and_links() -> None:
    links = [_link(f"r{i}", "m1", "m2") for i in range(5)]
    answers = _cluster_answers(links)
    answers[queries.SUBGRAPH_NODES] = [[{"rows": [_node("m1", "Person", True)]}]]
    found = run_sync(cluster_graph("CL-1", today=TODAY, max_nodes=1, max_links=3), Canned(answers))
    assert found is not None
    assert found.truncated is True
    assert len(found.links) == 3


def test_unknown_cluster_is_none() -> None:
    plan = cluster_graph("CL-ffff", today=TODAY)
    assert run_sync(plan, Canned({queries.SUBGRAPH_CLUSTER: [[]]})) is None


def _expand(key: str, near: list[tuple[str, str]], hub: bool = False) -> dict[str, Any]:
    return {
        "key": key,
        "hub": hub,
        "near": [{"key": k, "id": f"id-{k}", "link": _link(lid, key, k)} for k, lid in near],
    }


def test_neighbourhood_plan_runs_async_and_rebuilds_paths() -> None:
    execute = Canned(
        {
            queries.SUBGRAPH_FIND_ENTITY: [[{"key": "s", "labels": ["Person"]}]],
            queries.SUBGRAPH_FLAGGED: [
                [{"rows": []}],
                [{"rows": []}],
                [{"rows": [{"key": "m", "cluster": {"id": "CL-1", "flagged": True}}]}],
            ],
            queries.SUBGRAPH_EXPAND: [
                [{"rows": [_expand("s", [("a", "r1"), ("h", "r2")])]}],
                [{"rows": [_expand("a", [("m", "r3")]), _expand("h", [], hub=True)]}],
            ],
            queries.SUBGRAPH_NODES: [[{"rows": [_node("s", "Person"), _node("a", "Address")]}]],
            queries.SUBGRAPH_LINKS: [[{"rows": [_link("r1", "s", "a")]}]],
        }
    )

    async def executor(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return execute(query, params)

    plan = neighbourhood("id-s", today=TODAY, depth=1, path_hops=2)
    found = asyncio.run(run_async(plan, executor))
    assert found.subject == "s"
    assert list(found.nodes) == ["s", "a"]
    assert found.hubs == []  # h is a hub, but beyond the shown depth
    [path] = found.paths
    assert (path.member, path.hops) == ("m", 2)
    assert [(s.source, s.target, s.link.id) for s in path.steps] == [
        ("s", "a", "r1"),
        ("a", "m", "r3"),
    ]
    assert found.ids["m"] == "id-m"


def test_unknown_and_ambiguous_subjects() -> None:
    with pytest.raises(NotFoundError):
        run_sync(neighbourhood("x", today=TODAY), Canned({queries.SUBGRAPH_FIND_ENTITY: [[]]}))
    two = [{"key": "1", "labels": ["Incident"]}, {"key": "2", "labels": ["Investigation"]}]
    with pytest.raises(NotFoundError, match="several kinds"):
        run_sync(neighbourhood("x", today=TODAY), Canned({queries.SUBGRAPH_FIND_ENTITY: [two]}))


def test_walk_lists_hubs_of_the_shown_depth_and_caps_nodes() -> None:
    walk = Walk.begin("s", "id-s", depth=2, path_hops=0, max_nodes=3)
    new = walk.step(1, [_expand("s", [("a", "r1"), ("b", "r2"), ("c", "r3")])])
    assert new == ["a", "b", "c"]
    assert list(walk.shown) == ["s", "a", "b"]
    assert walk.truncated is True
    assert walk.next_frontier(1, new) == ["a", "b"]  # no path search: only shown nodes go on
    walk.step(2, [_expand("a", [], hub=True), _expand("b", [("s", "r2"), ("a", "r9")])])
    assert walk.hubs == {"a"}
    assert walk.parents["a"] is not None
    assert walk.parents["a"][0] == "s"


def test_rebuild_path() -> None:
    ab = Link("r1", "USES", "b", "a", {})  # walked against the link's direction
    bc = Link("r2", "LIVES_AT", "b", "c", {})
    parents = {"a": None, "b": ("a", ab), "c": ("b", bc)}
    steps = rebuild_path(parents, "c")
    assert [(s.source, s.target, s.link.id) for s in steps] == [("a", "b", "r1"), ("b", "c", "r2")]
    assert rebuild_path(parents, "a") == ()
    with pytest.raises(ValueError, match="cycle"):
        rebuild_path({"a": ("b", ab), "b": ("a", ab)}, "a")


def test_flagged_paths_shortest_first() -> None:
    ab = Link("r1", "USES", "a", "b", {})
    bc = Link("r2", "USES", "b", "c", {})
    parents = {"a": None, "b": ("a", ab), "c": ("b", bc)}
    paths = flagged_paths(
        parents,
        {"CL-2": "c", "CL-1": "b"},
        {"CL-1": {"id": "CL-1"}, "CL-2": {"id": "CL-2"}},
        {"a": 0, "b": 1, "c": 2},
    )
    assert [(p.cluster["id"], p.hops, len(p.steps)) for p in paths] == [
        ("CL-1", 1, 1),
        ("CL-2", 2, 2),
    ]


def test_drop_outsider_links_keeps_links_with_a_member() -> None:
    nodes = {
        "m": Node("m", "1", ("Person",), {}, membership={"rank": 1}),
        "o": Node("o", "2", ("Person",), {}),
        "p": Node("p", "3", ("Company",), {}),
        "a": Node("a", "4", ("Address",), {}),
    }
    links = [
        Link("1", "X", "m", "o", {}),
        Link("2", "X", "o", "p", {}),
        Link("3", "X", "o", "a", {}),
    ]
    assert [link.id for link in drop_outsider_links(nodes, links)] == ["1", "3"]


def test_native_converts_temporal_and_spatial_values() -> None:
    value = {
        "at": neo4j.time.DateTime(2025, 3, 1, 12, 0, 0),
        "dur": neo4j.time.Duration(days=2),
        "where": neo4j.spatial.CartesianPoint((1.0, 2.0)),
        "list": (neo4j.time.Date(2024, 1, 2),),
    }
    out = native(value)
    assert out["at"] == datetime(2025, 3, 1, 12, tzinfo=UTC)
    assert out["dur"] == "P2D"
    assert out["where"] == {"srid": 7203, "coordinates": [1.0, 2.0]}
    assert out["list"] == [date(2024, 1, 2)]
