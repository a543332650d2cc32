"""Projection rules: link weights, hub damping, property links, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from graph.analysis.errors import AnalysisInputError
from graph.analysis.graphs import RawGraph, partner_mask, partners_of_mask
from graph.analysis.keyplayers import cluster_subgraph, key_players
from graph.analysis.params import AnalysisParams
from graph.analysis.projection import project


def _people(raw: RawGraph, n: int, region: str | None = "Limburg") -> list[str]:
    ids = [f"PRS-{i:03d}" for i in range(n)]
    for pid in ids:
        raw.add_node(pid, "person", region)
    return ids


def _weights(raw: RawGraph, params: AnalysisParams) -> dict[tuple[str, str], float]:
    g = project(raw, params)
    return {
        (g.ids[a], g.ids[b]): w
        for a, b, w in zip(g.src.tolist(), g.dst.tolist(), g.weight.tolist(), strict=True)
    }


def test_shared_address_splits_weight_among_sharers() -> None:
    raw = RawGraph()
    ids = _people(raw, 4)
    for pid in ids:
        raw.shares.append(("1234AB-1", "address", pid, 0))
    w = _weights(raw, AnalysisParams())
    assert len(w) == 6  # a clique of four
    assert all(v == pytest.approx(1.0 / 3) for v in w.values())


def test_hub_above_threshold_contributes_no_links_and_is_counted() -> None:
    params = AnalysisParams()
    raw = RawGraph()
    ids = _people(raw, params.hub_max["address"] + 1)
    for pid in ids:
        raw.shares.append(("care-home", "address", pid, 0))
    raw.links.append((ids[0], ids[1], "associate", 0))
    g = project(raw, params)
    assert g.n_links == 1
    assert g.damped == {"address": 1}


def test_big_employer_loses_employment_links_small_one_keeps_them() -> None:
    params = AnalysisParams()
    raw = RawGraph()
    ids = _people(raw, params.hub_max["employment"] + 1)
    raw.add_node("11111111", "company", "Noord")
    raw.add_node("22222222", "company", "Noord")
    for pid in ids:
        raw.links.append((pid, "11111111", "employment", 0))
    raw.links.append((ids[0], "22222222", "employment", 0))
    raw.links.append((ids[1], "22222222", "directorship", 0))
    w = _weights(raw, params)
    assert all("11111111" not in pair for pair in w)
    assert w[("PRS-000", "22222222")] == params.link_weights["employment"]
    assert w[("PRS-001", "22222222")] == params.link_weights["directorship"]
    assert project(raw, params).damped["employment"] == 1


def test_parallel_facts_add_up_and_keep_partners() -> None:
    raw = RawGraph()
    a, b = _people(raw, 2)
    raw.links.append((a, b, "associate", partner_mask(["POL"])))
    raw.shares.append(("TEL-1", "phone", a, partner_mask(["TSL"])))
    raw.shares.append(("TEL-1", "phone", b, partner_mask(["POL"])))
    params = AnalysisParams()
    g = project(raw, params)
    assert g.n_links == 1
    expected = params.link_weights["associate"] + params.link_weights["phone"]
    assert g.weight[0] == pytest.approx(expected)
    mask = int(np.bitwise_or.reduce(g.pair_partners))
    assert partners_of_mask(mask) == ["POL", "TSL"]


def test_owner_links_to_occupants_not_occupants_among_themselves_twice() -> None:
    raw = RawGraph()
    owner, t1, t2 = _people(raw, 3)
    raw.shares.append(("5611AA-3", "address", t1, 0))
    raw.shares.append(("5611AA-3", "address", t2, 0))
    raw.shares.append(("5611AA-3", "property", owner, 0))
    params = AnalysisParams()
    w = _weights(raw, params)
    assert w[(owner, t1)] == params.link_weights["property"]
    assert w[(owner, t2)] == params.link_weights["property"]
    assert w[(t1, t2)] == params.link_weights["address"]


def test_member_missing_from_node_list_is_refused_without_echoing_it() -> None:
    raw = RawGraph()
    _people(raw, 1)
    raw.links.append(("PRS-000", "PRS-SECRET", "associate", 0))
    with pytest.raises(AnalysisInputError) as err:
        project(raw, AnalysisParams())
    assert "SECRET" not in str(err.value)
    assert "rule" in str(err.value)


def test_unknown_region_is_kept_as_minus_one() -> None:
    raw = RawGraph()
    _people(raw, 2, region=None)
    raw.unknown_region_addresses = 1
    g = project(raw, AnalysisParams())
    assert g.regions.tolist() == [-1, -1]
    assert g.unknown_region_addresses == 1


def test_empty_graph_projects_to_nothing() -> None:
    g = project(RawGraph(), AnalysisParams())
    assert g.n_nodes == 0
    assert g.n_links == 0


def test_an_ended_job_decays_by_its_half_life_and_a_current_one_does_not() -> None:
    params = AnalysisParams()
    raw = RawGraph()
    a, b, c = _people(raw, 3)
    raw.add_node("12345678", "company", "Limburg")
    raw.links += [(a, "12345678", "employment", 0), (b, "12345678", "employment", 0)]
    raw.links.append((a, c, "associate", 0))
    half = params.half_life_years["employment"] * 365.25
    raw.link_ages = [0, round(3 * half), 0]  # b left three half-lives ago
    w = _weights(raw, params)
    assert w[(a, "12345678")] == pytest.approx(params.link_weights["employment"])
    assert w[(b, "12345678")] == pytest.approx(params.link_weights["employment"] / 8, rel=1e-3)
    assert w[(a, c)] == pytest.approx(params.link_weights["associate"])


def test_a_shared_connector_tie_is_as_old_as_the_older_fact() -> None:
    params = AnalysisParams()
    raw = RawGraph()
    a, b, c = _people(raw, 3)
    half = params.half_life_years["incident"] * 365.25
    # one incident two half-lives ago (the same date for all its sharers), and a phone that a
    # used until one half-life ago while b and c still use it
    raw.shares += [("INC-1", "incident", a, 0), ("INC-1", "incident", b, 0)]
    raw.shares += [("TEL-1", "phone", p, 0) for p in (a, b, c)]
    phone_half = params.half_life_years["phone"] * 365.25
    raw.share_ages = [round(2 * half), round(2 * half), round(phone_half), 0, 0]
    w = _weights(raw, params)
    phone = params.link_weights["phone"] / 2
    assert w[(a, b)] == pytest.approx(params.link_weights["incident"] / 4 + phone / 2, rel=1e-3)
    assert w[(a, c)] == pytest.approx(phone / 2, rel=1e-3)
    assert w[(b, c)] == pytest.approx(phone)


def test_an_owner_left_long_ago_weighs_little_to_the_occupants() -> None:
    params = AnalysisParams()
    raw = RawGraph()
    owner, tenant = _people(raw, 2)
    raw.shares += [("1234AB-1", "property", owner, 0), ("1234AB-1", "address", tenant, 0)]
    raw.share_ages = [round(params.half_life_years["property"] * 365.25), 0]
    w = _weights(raw, params)
    assert w[(owner, tenant)] == pytest.approx(params.link_weights["property"] / 2, rel=1e-3)


def test_ages_out_of_step_with_the_facts_are_refused() -> None:
    raw = RawGraph()
    a, b = _people(raw, 2)
    raw.links.append((a, b, "associate", 0))
    raw.link_ages = [0, 0]
    with pytest.raises(AnalysisInputError, match="2 ages for 1 facts"):
        project(raw, AnalysisParams())
    raw.link_ages = [-1]
    with pytest.raises(AnalysisInputError, match="negative age"):
        project(raw, AnalysisParams())


def test_half_lives_are_recorded_with_the_run() -> None:
    import json

    recorded = json.loads(AnalysisParams().to_json())
    assert recorded["half_life_years"]["employment"] == 1.0
    assert set(recorded["half_life_years"]) == set(recorded["link_weights"])


def test_a_relation_weighs_more_with_more_contacts_sublinearly_and_capped() -> None:
    params = AnalysisParams()
    raw = RawGraph()
    a, b, c, d = _people(raw, 4)
    raw.links += [(a, b, "associate", 0), (a, c, "associate", 0), (a, d, "associate", 0)]
    raw.link_counts = [1, 10, 5000]
    w = _weights(raw, params)
    one = params.link_weights["associate"]
    assert w[(a, b)] == pytest.approx(one)
    assert w[(a, c)] == pytest.approx(2 * one)
    assert w[(a, d)] == pytest.approx(3 * one)  # capped at a hundred contacts
    raw.link_counts = [1, 1]
    with pytest.raises(AnalysisInputError, match="2 contact counts for 3 links"):
        project(raw, params)
    raw.link_counts = [1, 0, 1]
    with pytest.raises(AnalysisInputError, match="count below 1"):
        project(raw, params)


def test_strong_contacts_shorten_the_key_players_paths() -> None:
    # b and c both tie a to d (and e hangs on each); the path through c has forty contacts a
    # link, so c lies on the shortest paths and is the broker, b is not
    params = AnalysisParams()
    raw = RawGraph()
    a, b, c, d = _people(raw, 4)
    raw.links += [(a, b, "associate", 0), (b, d, "associate", 0)]
    raw.links += [(a, c, "associate", 0), (c, d, "associate", 0)]
    g = project(raw, params)
    even = key_players(cluster_subgraph(np.arange(4), g.src, g.dst, g.weight), {}, {}, params)
    raw.link_counts = [1, 1, 40, 40]
    g = project(raw, params)
    strong = key_players(cluster_subgraph(np.arange(4), g.src, g.dst, g.weight), {}, {}, params)
    between = {s.node: s.betweenness for s in strong}
    ib, ic = raw.node_ids.index(b), raw.node_ids.index(c)
    assert {s.node: s.betweenness for s in even}[ib] == pytest.approx(
        {s.node: s.betweenness for s in even}[ic]
    )
    assert between[ic] > 0
    assert between[ib] == 0
