"""Cluster cores: periphery trimming, strong-link parts, merging, typology and score."""

from __future__ import annotations

import numpy as np

from graph.analysis.cores import core_members, merge_cores, strong_parts
from graph.analysis.graphs import IntArray
from graph.analysis.params import AnalysisParams
from graph.analysis.scoring import Evidence, ScoreLine, score, typology

P = AnalysisParams()


def _arr(*values: int) -> IntArray:
    return np.array(values, dtype=np.int64)


def test_core_grows_from_signals_over_strong_links_only() -> None:
    members = _arr(0, 1, 2, 3, 4)
    # 0-1 strong (associate), 1-2 strong, 2-3 household only (strong 0), 3-4 strong
    src, dst = _arr(0, 1, 2, 3), _arr(1, 2, 3, 4)
    strong = np.array([3.0, 3.0, 0.0, 3.0])
    has_signal = np.array([True, False, False, False, True])
    core = core_members(members, src, dst, strong, has_signal, 1.0)
    assert core.tolist() == [0, 1, 2, 3, 4]  # 3 joins through 4, 2 through 1
    strong_weak = np.array([3.0, 0.5, 0.0, 0.5])
    core = core_members(members, src, dst, strong_weak, has_signal, 1.0)
    assert core.tolist() == [0, 1, 4]


def test_core_splits_into_strong_parts() -> None:
    core = _arr(0, 1, 2, 5, 6, 7)
    src, dst = _arr(0, 1, 5, 6, 2), _arr(1, 2, 6, 7, 5)
    strong = np.array([1.0, 1.0, 1.0, 1.0, 0.0])  # 2-5 only a weak tie
    parts = sorted(p.tolist() for p in strong_parts(core, src, dst, strong))
    assert parts == [[0, 1, 2], [5, 6, 7]]


def test_parts_whose_links_between_are_dense_enough_merge() -> None:
    label = _arr(0, 0, 0, 1, 1, 1, -1)
    periphery = {0: 2, 1: 3}
    # internal density 2/3 each (2 strong links over 3 pairs); between density w / 9
    src, dst = _arr(0, 1, 3, 4, 2, 0), _arr(1, 2, 4, 5, 3, 5)
    weak_between = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0])  # 0.11 / 0.67 = 0.17 of it
    kept = label.copy()
    assert merge_cores(kept, src, dst, weak_between, weak_between, dict(periphery), P) == 0
    assert kept.tolist() == label.tolist()
    dense_between = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # 0.22 / 0.67 = 0.33 of it
    merged_periphery = dict(periphery)
    assert merge_cores(label, src, dst, dense_between, dense_between, merged_periphery, P) == 1
    assert label.tolist() == [0, 0, 0, 0, 0, 0, -1]
    assert merged_periphery == {0: 5}


def test_typology_needs_enough_weight_and_the_larger_side() -> None:
    p = AnalysisParams()
    grow = Evidence("cannabis_grow_site", 3, 9.0, "cannabis")
    club = Evidence("club_member", 1, 3.0, "omg")
    assert typology([grow, club], p) == "cannabis"
    assert typology([club], p) == "other"  # 3 < min_typology_weight
    assert typology([], p) == "other"


def _score_over_three_regions(
    evidence: list[Evidence], *, signals: int, size: int, community: int, partners: int
) -> tuple[float, list[ScoreLine]]:
    """Score a cluster spread over three regions, without growth history, by default params."""
    return score(
        evidence=evidence,
        signal_members=signals,
        size=size,
        community_size=community,
        n_cross_regions=3,
        growth=None,
        n_partners=partners,
        params=AnalysisParams(),
    )


def test_score_components_and_threshold() -> None:
    p = AnalysisParams()
    heavy = [
        Evidence("cannabis_grow_site", 40, 120.0, "cannabis"),
        Evidence("investigation", 20, 40.0, None),
    ]
    total, lines = _score_over_three_regions(heavy, signals=20, size=25, community=60, partners=6)
    assert [line.component for line in lines] == [
        "severity",
        "organisation",
        "signal_density",
        "regions",
        "size",
        "growth",
        "partners",
    ]
    assert abs(sum(line.contribution for line in lines) - total) < 0.01
    assert total >= p.alert_threshold
    # a family over three regions with one theft-like signal stays far below
    light = [Evidence("violence", 1, 0.5, "omg")]
    low, _ = _score_over_three_regions(light, signals=1, size=12, community=12, partners=3)
    assert low < p.alert_threshold
