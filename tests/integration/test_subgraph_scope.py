"""A case's scope on the real Neo4j: the subgraph reader never returns a person outside it.

On the API seed graph (:mod:`tests.integration.api_seed`): pL4 lives at aL2 with pL3 and pL5
and directs KVK_L, registered at aL1 where pL1 and pL2 live; pL3 is a member of the flagged
cluster CL_CROSS.
"""

from __future__ import annotations

from datetime import date

import neo4j
import pytest

from graph.settings import Settings
from graph.subgraph import cluster_graph, driver_executor, neighbourhood, run_sync
from graph.subgraph.model import Node
from graph.subgraph.scope import OutsideScopeError, Scope, scope_keys
from tests.integration.api_seed import CL_CROSS, CL_FAMILY, IDS
from tests.integration.api_support import seeded

__all__ = ["seeded"]

TODAY = date(2026, 1, 1)


def _ids(driver: neo4j.Driver, settings: Settings, scope: Scope) -> set[str]:
    execute = driver_executor(driver, settings.neo4j_database)
    keys = run_sync(scope_keys(scope, today=TODAY), execute)
    found, _, _ = driver.execute_query(
        "UNWIND $keys AS k MATCH (n) WHERE elementId(n) = k RETURN collect(n.id) AS ids",
        keys=sorted(keys),
        database_=settings.neo4j_database,
    )
    return set(found[0]["ids"])


def _people(nodes: dict[str, Node]) -> set[str]:
    return {node.id for node in nodes.values() if node.kind == "Person"}


def test_the_scope_is_the_core_and_one_step_around_it(
    seeded: neo4j.Driver, neo4j_settings: Settings
) -> None:
    subject = frozenset({IDS["pL4"]})
    assert _ids(seeded, neo4j_settings, Scope(subject, frozenset(), depth=0)) == {IDS["pL4"]}
    # one step: the company it directs and the housemates at aL2 (not the address itself: it
    # is a connector, visible anyway)
    one = _ids(seeded, neo4j_settings, Scope(subject, frozenset(), depth=1))
    assert one == {IDS["pL4"], IDS["pL3"], IDS["pL5"], IDS["KVK_L"]}
    members = _ids(seeded, neo4j_settings, Scope(frozenset(), frozenset({CL_CROSS}), depth=0))
    assert members == {IDS[k] for k in ("pL1", "pL2", "pL3", "pB1", "KVK_B")}


def test_a_walk_never_steps_onto_a_person_outside_the_scope(
    seeded: neo4j.Driver, neo4j_settings: Settings
) -> None:
    execute = driver_executor(seeded, neo4j_settings.neo4j_database)
    narrow = run_sync(
        scope_keys(Scope(frozenset({IDS["pL4"]}), frozenset(), 0), today=TODAY), execute
    )
    found = run_sync(
        neighbourhood(IDS["pL4"], today=TODAY, depth=3, path_hops=4, scope=narrow), execute
    )
    assert _people(found.nodes) == {IDS["pL4"]}
    # pL3 and pL5 (aL2) and pL1, pL2 (aL1, through KVK_L) are counted, not shown
    assert found.outside == {"Limburg": 4}
    assert not found.paths  # the flagged cluster lies behind people outside the scope
    # without a scope the same walk shows them and finds the path into CL_CROSS
    free = run_sync(neighbourhood(IDS["pL4"], today=TODAY, depth=3, path_hops=4), execute)
    assert {IDS["pL3"], IDS["pL5"], IDS["pL1"]} <= _people(free.nodes)
    assert [p.cluster["id"] for p in free.paths] == [CL_CROSS]
    assert free.outside == {}
    # one step wider: the housemates are inside, and the path to CL_CROSS through pL3 is found
    wide = run_sync(
        scope_keys(Scope(frozenset({IDS["pL4"]}), frozenset(), 1), today=TODAY), execute
    )
    found = run_sync(
        neighbourhood(IDS["pL4"], today=TODAY, depth=3, path_hops=4, scope=wide), execute
    )
    assert _people(found.nodes) == {IDS["pL4"], IDS["pL3"], IDS["pL5"]}
    assert [p.cluster["id"] for p in found.paths] == [CL_CROSS]
    assert found.outside == {"Limburg": 2}


def test_a_walk_from_outside_the_scope_is_refused(
    seeded: neo4j.Driver, neo4j_settings: Settings
) -> None:
    execute = driver_executor(seeded, neo4j_settings.neo4j_database)
    scope = run_sync(
        scope_keys(Scope(frozenset({IDS["pL4"]}), frozenset(), 0), today=TODAY), execute
    )
    with pytest.raises(OutsideScopeError):
        run_sync(neighbourhood(IDS["pN1"], today=TODAY, depth=1, scope=scope), execute)


def test_a_cluster_graph_drops_and_counts_people_outside_the_scope(
    seeded: neo4j.Driver, neo4j_settings: Settings
) -> None:
    execute = driver_executor(seeded, neo4j_settings.neo4j_database)
    cross = run_sync(scope_keys(Scope(frozenset(), frozenset({CL_CROSS}), 0), today=TODAY), execute)
    family = run_sync(cluster_graph(CL_FAMILY, today=TODAY, scope=cross), execute)
    assert family is not None
    assert _people(family.nodes) == set()
    assert family.outside == {"Limburg": 2}
    assert all(link.source in family.nodes and link.target in family.nodes for link in family.links)
    own = run_sync(cluster_graph(CL_CROSS, today=TODAY, scope=cross), execute)
    whole = run_sync(cluster_graph(CL_CROSS, today=TODAY), execute)
    assert own is not None
    assert whole is not None
    assert _people(own.nodes) == _people(whole.nodes)
    assert own.outside == {}
