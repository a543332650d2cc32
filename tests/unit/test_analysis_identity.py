"""Stable cluster ids and history events between two runs."""

from __future__ import annotations

from graph.analysis.identity import Matching, PreviousCluster, match_clusters
from graph.analysis.params import AnalysisParams

P = AnalysisParams()


def _ids(prefix: str, n: int, start: int = 0) -> frozenset[str]:
    return frozenset(f"{prefix}{i}" for i in range(start, start + n))


def _kinds(m: Matching) -> list[tuple[str, str]]:
    return sorted((e.cluster_id, e.kind) for e in m.events)


def test_unchanged_membership_keeps_ids_and_records_nothing() -> None:
    prev = [PreviousCluster("CL-a", _ids("a", 10)), PreviousCluster("CL-b", _ids("b", 6))]
    m = match_clusters(prev, [_ids("b", 6), _ids("a", 10)], P, "RUN-2")
    assert m.ids == ["CL-b", "CL-a"]
    assert m.events == []
    assert m.dissolved == []


def test_growth_keeps_id_and_records_grown() -> None:
    prev = [PreviousCluster("CL-a", _ids("a", 10))]
    m = match_clusters(prev, [_ids("a", 14)], P, "RUN-2")
    assert m.ids == ["CL-a"]
    assert _kinds(m) == [("CL-a", "grown")]
    assert m.events[0].details == {"size_before": 10, "size_after": 14}


def test_split_keeps_id_on_the_bigger_half_and_names_the_new_part() -> None:
    prev = [PreviousCluster("CL-a", _ids("a", 20))]
    m = match_clusters(prev, [_ids("a", 8, 12), _ids("a", 12)], P, "RUN-2")
    assert m.ids[1] == "CL-a"
    assert m.ids[0].startswith("CL-")
    assert m.ids[0] != "CL-a"
    split = [e for e in m.events if e.kind == "split"]
    assert len(split) == 1
    assert split[0].cluster_id == "CL-a"
    assert split[0].details["into"] == [m.ids[0]]
    assert ("CL-a", "shrunk") in _kinds(m)
    assert (m.ids[0], "new") in _kinds(m)


def test_merge_keeps_the_bigger_id_and_dissolves_the_absorbed_one() -> None:
    prev = [PreviousCluster("CL-a", _ids("a", 12)), PreviousCluster("CL-b", _ids("b", 6))]
    m = match_clusters(prev, [_ids("a", 12) | _ids("b", 6)], P, "RUN-2")
    assert m.ids == ["CL-a"]
    assert m.dissolved == ["CL-b"]
    kinds = _kinds(m)
    assert ("CL-a", "merged") in kinds
    assert ("CL-b", "merged") in kinds
    assert ("CL-a", "grown") in kinds


def test_disappeared_cluster_is_dissolved_and_unrelated_one_is_new() -> None:
    prev = [PreviousCluster("CL-a", _ids("a", 5))]
    m = match_clusters(prev, [_ids("z", 5)], P, "RUN-2")
    assert m.dissolved == ["CL-a"]
    assert sorted(k for _, k in _kinds(m)) == ["dissolved", "new"]
    assert m.ids[0] != "CL-a"


def test_losing_most_members_gives_a_new_id() -> None:
    prev = [PreviousCluster("CL-a", _ids("a", 10))]
    m = match_clusters(prev, [_ids("a", 3) | _ids("z", 10)], P, "RUN-2")
    assert m.ids[0] != "CL-a"
    assert m.dissolved == ["CL-a"]
