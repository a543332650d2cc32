"""The national-scale benchmark's helpers: its synthetic graph, its projection, its fit."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.scale import fit_power_law, project_arrays, synthetic_facts
from graph.analysis.params import AnalysisParams
from graph.analysis.projection import project

_ARRAYS = (
    "kinds",
    "regions",
    "src",
    "dst",
    "weight",
    "strong",
    "pair_src",
    "pair_dst",
    "pair_partners",
    "pair_kind",
    "pair_weight",
    "sig_node",
    "sig_code",
    "sig_weight",
    "sig_partners",
)


def test_projection_from_arrays_is_the_projection_of_the_rows() -> None:
    facts = synthetic_facts(3_000, 15_000, seed=5)
    params = AnalysisParams()
    from_arrays = project_arrays(facts, params)
    from_rows = project(facts.raw(), params)
    for name in _ARRAYS:
        assert np.array_equal(getattr(from_arrays, name), getattr(from_rows, name)), name
    assert from_arrays.ids == from_rows.ids
    assert from_arrays.signal_names == from_rows.signal_names
    assert from_arrays.damped == from_rows.damped


def test_synthetic_graph_has_the_projects_shape() -> None:
    facts = synthetic_facts(20_000, 100_000, seed=3)
    graph = project_arrays(facts, AnalysisParams())
    assert graph.n_nodes == 20_000
    assert 90_000 <= graph.n_links <= 105_000
    degree = np.bincount(np.concatenate((graph.src, graph.dst)), minlength=graph.n_nodes)
    # heavy tail: the most connected node has far more links than the median one
    assert degree.max() > 20 * np.median(degree)
    # planted communities: most direct links stay inside one, each mostly in one region
    inside = facts.community[facts.link_a] == facts.community[facts.link_b]
    assert 0.7 < inside.mean() < 0.9
    same_region = facts.regions[facts.link_a] == facts.regions[facts.link_b]
    assert same_region[inside].mean() > 0.8
    # a few people and companies carry signals, mostly in a few communities
    assert 0.002 < np.unique(facts.sig_node).size / graph.n_nodes < 0.02
    assert 0.1 < (facts.kinds == 1).mean() < 0.2


def test_synthetic_facts_repeat_with_the_seed() -> None:
    one, two = synthetic_facts(2_000, 8_000, seed=9), synthetic_facts(2_000, 8_000, seed=9)
    assert np.array_equal(one.link_a, two.link_a)
    assert np.array_equal(one.sig_code, two.sig_code)
    assert not np.array_equal(one.link_a, synthetic_facts(2_000, 8_000, seed=10).link_a)


def test_power_law_fit_recovers_the_exponent() -> None:
    xs = [5e5, 5e6, 1.5e7, 5e7]
    a, b = fit_power_law(xs, [3e-6 * x**1.25 for x in xs])
    assert b == pytest.approx(1.25)
    assert a == pytest.approx(3e-6)


def test_power_law_fit_needs_two_positive_points() -> None:
    with pytest.raises(ValueError, match="two or more positive points"):
        fit_power_law([1e6], [2.0])
    with pytest.raises(ValueError, match="two or more positive points"):
        fit_power_law([1e6, 2e6], [0.0, 1.0])
