"""The workbench's data on the seeded graph (issue 16): the cluster graph's first-view layout and
run, expanding a node within the case's scope, and exports (decision 078)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from graph import queries as gq
from graph.settings import Settings
from graph.viz import load_cluster_graph, render_network_page
from tests.integration.api_seed import CASE, CASES, CL_CROSS, HUB, IDS, auth

pytest_plugins = ["tests.integration.api_support"]

_PROBLEM = "https://knooppunt.example/problems/"
#: The analysis run that last wrote the seed's clusters, and the day it analysed as of.
_RUN = "RUN-20251001T000000Z-000002"
_AS_OF = date(2025, 9, 30)


@pytest.fixture(scope="module")
def with_run(seeded: neo4j.Driver, api_settings: Settings) -> neo4j.Driver:
    """The seed plus the record of its latest analysis run (as ``knooppunt analyse`` writes)."""
    db = api_settings.neo4j_database
    seeded.execute_query(
        gq.ANALYSIS_RUN_START,
        id=_RUN,
        started_at=datetime(2025, 10, 1, tzinfo=UTC),
        as_of=_AS_OF,
        params="{}",
        initial=False,
        database_=db,
    )
    seeded.execute_query(
        gq.ANALYSIS_RUN_FINISH,
        id=_RUN,
        props={},
        finished_at=datetime(2025, 10, 1, 0, 5, tzinfo=UTC),
        database_=db,
    )
    return seeded


def _get(client: TestClient, s: Settings, url: str, org: str = "Limburg", **kw: Any) -> Any:
    case = kw.pop("case", CASE)
    return client.get(url, headers=auth(s, org, "analyst", case=case), params=kw or None)


def _page_positions(html: str, graph: Any) -> dict[str, tuple[float, float]]:
    """The positions ``knooppunt view``'s page opens with, by entity id."""
    match = re.search(
        r'<script type="application/json" id="knooppunt-data">(.*?)</script>', html, re.DOTALL
    )
    assert match is not None
    nodes = json.loads(match.group(1))["nodes"]
    ids = {i: graph.nodes[n]["id"] for i, n in enumerate(graph.nodes, start=1)}
    return {ids[n["id"]]: (n["x"], n["y"]) for n in nodes}


def test_cluster_graph_opens_with_the_pages_layout_and_names_its_run(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    body = _get(api_client, api_settings, f"/clusters/{CL_CROSS}/graph").json()
    assert body["run_id"] == _RUN
    assert body["as_of"] == _AS_OF.isoformat()
    got = {n["id"]: (n["x"], n["y"]) for n in body["nodes"]}
    assert all(isinstance(x, float) and isinstance(y, float) for x, y in got.values())
    assert len(set(got.values())) == len(got)  # no two nodes on one spot
    page_graph = load_cluster_graph(with_run, CL_CROSS, database=api_settings.neo4j_database)
    page = render_network_page(page_graph, title="x")
    assert got == _page_positions(page, page_graph)
    # The layout is the same on every read (seeded), so the workbench's first view is stable.
    again = _get(api_client, api_settings, f"/clusters/{CL_CROSS}/graph").json()
    assert {n["id"]: (n["x"], n["y"]) for n in again["nodes"]} == got


def test_expand_caps_the_neighbours_and_counts_the_rest(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    url = f"/clusters/{CL_CROSS}/expand"
    full = _get(api_client, api_settings, url, node=IDS["pL3"], limit=200).json()
    assert full["node"] == IDS["pL3"]
    neighbours = {n["id"] for n in full["nodes"]} - {IDS["pL3"]}
    assert len(neighbours) == full["total"] >= 2
    assert full["more"] == 0
    assert neighbours == {IDS["aL2"], HUB}  # where pL3 lives, and the hub it rents
    capped = _get(api_client, api_settings, url, node=IDS["pL3"], limit=1).json()
    shown = {n["id"] for n in capped["nodes"]} - {IDS["pL3"]}
    assert len(shown) == 1
    assert shown <= neighbours
    assert capped["total"] == full["total"]
    assert capped["more"] == full["total"] - 1
    ids = {n["id"] for n in capped["nodes"]}
    assert capped["links"]
    for link in capped["links"]:
        assert link["source"] in ids and link["target"] in ids
        assert link["provenance"]["partners"]
    assert {n["id"] for n in full["nodes"] if n["member"]} == {IDS["pL3"]}
    assert _get(api_client, api_settings, url, node=IDS["pL3"], limit=0).status_code == 422
    assert _get(api_client, api_settings, url, node=IDS["pL3"], limit=201).status_code == 422
    missing = _get(api_client, api_settings, url, node="PRS-" + "Z" * 26)
    assert missing.status_code == 404
    assert "Z" * 26 not in missing.text


def test_expand_never_gives_a_person_outside_the_case_scope(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    """Limburg's seeded case: the hub address that pL3 rents has 60 residents outside the
    scope; expanding it shows pL3 and counts them; a person outside the scope cannot be
    expanded and is named nowhere."""
    url = f"/clusters/{CL_CROSS}/expand"
    hub = _get(api_client, api_settings, url, node=HUB, limit=200)
    assert hub.status_code == 200, hub.text
    body = hub.json()
    people = {n["id"] for n in body["nodes"] if n["label"] == "Person"}
    assert people == {IDS["pL3"]}
    assert body["total"] == 1
    assert body["outside"] == {"Amsterdam-Amstelland": 60}
    assert "PRS-HUB" not in hub.text
    for person in ("pR1", "pN1"):
        refused = _get(api_client, api_settings, url, node=IDS[person])
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == _PROBLEM + "outside-case-scope"
        assert IDS[person] not in refused.text
    # Nor through another region's case, or without one.
    noord = _get(api_client, api_settings, url, "Noord", node=IDS["pL3"], case=CASES["Noord"])
    assert noord.status_code == 403
    assert IDS["pL3"] not in noord.text
    assert _get(api_client, api_settings, url, node=IDS["pL3"], case=None).status_code == 403
