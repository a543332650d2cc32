"""Evaluation against a ground truth: matching, precision, decoys, key players."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.analysis.errors import AnalysisInputError
from graph.analysis.evaluate import FoundCluster, evaluate, load_truth, match_table
from tests.analysis_contract import EVALUATION_KEYS


def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


TRUTH = {
    "seed": 1,
    "wave": 1,
    "networks": [
        {
            "id": "N1",
            "typology": "cannabis",
            "cross_region": True,
            "regions": ["Limburg"],
            "members": [{"id": m, "kind": "person", "role": "grower"} for m in _ids("a", 10)],
            "organisers": ["a0"],
        },
        {
            "id": "N2",
            "typology": "omg",
            "cross_region": False,
            "regions": ["Noord"],
            "members": [{"id": m, "kind": "person", "role": "member"} for m in _ids("b", 10)],
            "organisers": ["b9"],
        },
    ],
    "decoys": [{"id": "D1", "kind": "family", "members": _ids("f", 6)}],
    "changes": [],
}


def _cluster(cid: str, members: list[str], **kw: object) -> FoundCluster:
    base: dict[str, object] = {
        "flagged": True,
        "cross_region": True,
        "typology": "cannabis",
        "top_players": (),
        "alerted": True,
    }
    base.update(kw)
    return FoundCluster(cid, frozenset(members), **base)  # type: ignore[arg-type]


def test_matching_precision_recall_and_key_players() -> None:
    clusters = [
        _cluster("C1", [*_ids("a", 8), "x1", "x2"], top_players=("a3", "a0")),
        _cluster("C2", _ids("b", 3), typology="omg", cross_region=False),  # Jaccard 0.3
        _cluster("C3", _ids("z", 5), flagged=False, alerted=False),
    ]
    out = evaluate(TRUTH, clusters)
    assert set(out) == EVALUATION_KEYS
    assert out["recall"] == 0.5
    assert out["precision"] == 0.5
    assert out["cross_region_recall"] == 1.0
    assert out["key_player_hit_rate"] == 0.5
    assert out["decoys_alerted"] == 0
    assert out["by_typology"]["cannabis"]["recall"] == 1.0
    assert out["by_typology"]["omg"]["recall"] == 0.0
    assert out["by_typology"]["cannabis"]["typology_accuracy"] == 1.0


def test_each_network_is_listed_with_its_cluster_and_the_misses() -> None:
    clusters = [
        _cluster("C1", [*_ids("a", 8), "x1", "x2"]),
        _cluster("C2", _ids("b", 3), typology="omg", cross_region=False),
        _cluster("C9", ["q1", "q2", "a9"], typology="omg"),
    ]
    out = evaluate(TRUTH, clusters)
    n1, n2 = out["matches"]
    assert (n1["network"], n1["cluster"], n1["matched"]) == ("N1", "C1", True)
    assert n1["jaccard"] == round(8 / 12, 4)
    assert n1["missed"] == ["a8", "a9"]
    assert n1["extra"] == ["x1", "x2"]
    # N2's closest cluster is listed although it does not count as a match
    assert (n2["cluster"], n2["matched"], n2["jaccard"]) == ("C2", False, 0.3)
    assert n2["missed"] == _ids("b", 10)[3:]
    unmatched = {c["cluster"]: c for c in out["unmatched_clusters"]}
    assert set(unmatched) == {"C2", "C9"}
    assert unmatched["C9"]["closest_network"] == "N1"
    assert unmatched["C9"]["jaccard"] == round(1 / 12, 4)
    table = "\n".join(match_table(out))
    assert "N2" in table
    assert "NO" in table
    assert "C9" in table


def test_alerted_decoy_is_counted() -> None:
    clusters = [_cluster("C1", [*_ids("f", 5), "y"])]
    assert evaluate(TRUTH, clusters)["decoys_alerted"] == 1
    quiet = [_cluster("C1", [*_ids("f", 5), "y"], alerted=False)]
    assert evaluate(TRUTH, quiet)["decoys_alerted"] == 0


def test_nothing_found_gives_null_precision() -> None:
    out = evaluate(TRUTH, [])
    assert out["precision"] is None
    assert out["recall"] == 0.0


def test_bad_truth_file_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "ground_truth.json"
    path.write_text(json.dumps({"networks": [{"id": "N"}], "decoys": []}))
    with pytest.raises(AnalysisInputError, match=r"networks\[0\] lacks 'typology'"):
        load_truth(path)
    path.write_text("{")
    with pytest.raises(AnalysisInputError, match=r"ground_truth\.json"):
        load_truth(path)
