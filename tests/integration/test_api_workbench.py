"""The workbench's data on the seeded graph (issue 16): the cluster graph's first-view layout and
run, expanding a node within the case's scope, exports, and the trend downloads (decision 078)."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import neo4j
import networkx as nx
import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.audit import read_entries
from api.client import ApiError, KnooppuntClient, to_networkx
from api.session import CSRF_COOKIE, CSRF_HEADER, login_link
from api.trend_files import region_inhabitants
from graph import queries as gq
from graph.geography import load_geography
from graph.settings import PACKAGED_GEOGRAPHY_DIR, Settings
from graph.viz import load_cluster_graph, render_network_page
from tests.integration.api_seed import CASE, CASES, CL_CROSS, HUB, IDS, auth
from tests.integration.api_support import free_port, served_app

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
        assert link["source"] in ids
        assert link["target"] in ids
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


# --- exports --------------------------------------------------------------------------------


def _export(client: TestClient, s: Settings, body: dict[str, Any], **kw: Any) -> Any:
    org = kw.pop("org", "Limburg")
    case = kw.pop("case", CASE)
    return client.post(
        f"/clusters/{CL_CROSS}/exports", json=body, headers=auth(s, org, "analyst", case=case)
    )


def test_a_graphml_export_reads_back_with_the_views_nodes_and_links(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    view = _get(api_client, api_settings, f"/clusters/{CL_CROSS}/graph").json()
    log = api_settings.audit_log or Path()
    before = len(list(read_entries(log)))
    answer = _export(api_client, api_settings, {"format": "graphml"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/graphml+xml")
    assert answer.headers["content-disposition"].startswith("attachment;")
    graph = nx.read_graphml(io.BytesIO(answer.content))
    assert graph.number_of_nodes() == len(view["nodes"])
    assert graph.number_of_edges() == len(view["links"])
    assert set(graph.nodes) == {n["id"] for n in view["nodes"]}
    assert graph.graph["cluster_id"] == CL_CROSS
    assert graph.graph["case_reference"] == CASES["Limburg"]
    assert graph.graph["run_id"] == _RUN
    assert graph.graph["as_of"] == _AS_OF.isoformat()
    member = graph.nodes[IDS["pL3"]]
    assert member["member"] is True
    assert member["region"] == "Limburg"
    edge_types = {d["type"] for _, _, d in graph.edges(data=True)}
    assert {link["type"] for link in view["links"]} == edge_types
    # Audited as a person-level read of the case, with its format.
    entries = list(read_entries(log))
    assert len(entries) == before + 1
    last = entries[-1]
    assert last["endpoint"] == "/clusters/{cluster_id}/exports"
    assert last["case_reference"] == CASES["Limburg"]
    assert last["result_size"] == len(view["nodes"])
    assert last["extra"]["export"] == "graphml"
    assert last["extra"]["disclosed_cluster"] == CL_CROSS


def test_an_export_keeps_what_the_view_named_and_only_within_the_scope(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    view = _get(api_client, api_settings, f"/clusters/{CL_CROSS}/graph").json()
    kept = [IDS["pL3"], IDS["aL2"], HUB, "PRS-HUBAA" + "A" * 21, IDS["pR1"]]
    body = {"format": "graphml", "expanded": [HUB, IDS["pL3"]], "nodes": kept, "links": None}
    graph = nx.read_graphml(io.BytesIO(_export(api_client, api_settings, body).content))
    # aL2 came in through pL3's expansion, the hub through both; people outside the scope
    # never do, named or not.
    assert set(graph.nodes) == {IDS["pL3"], IDS["aL2"], HUB}
    assert graph.number_of_edges() == 2  # pL3 lives at aL2 and rents the hub
    links = [link["id"] for link in view["links"]][:1]
    only = _export(api_client, api_settings, {"format": "graphml", "links": links}).content
    assert nx.read_graphml(io.BytesIO(only)).number_of_edges() == 1
    # An expansion of a person outside the scope refuses the whole export.
    refused = _export(api_client, api_settings, {"format": "csv", "expanded": [IDS["pR1"]]})
    assert refused.status_code == 403
    assert IDS["pR1"] not in refused.text
    # Another region's case cannot export this cluster.
    other = _export(api_client, api_settings, {"format": "csv"}, org="Noord", case=CASES["Noord"])
    assert other.status_code == 403


def test_a_csv_export_is_a_zip_with_an_i2_import_specification(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    view = _get(api_client, api_settings, f"/clusters/{CL_CROSS}/graph").json()
    answer = _export(api_client, api_settings, {"format": "csv"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert set(archive.namelist()) == {
        "nodes.csv",
        "links.csv",
        "i2-import-specification.txt",
        "i2-import-specification.json",
    }
    nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8-sig"))))
    links = list(csv.DictReader(io.StringIO(archive.read("links.csv").decode("utf-8-sig"))))
    assert {n["id"] for n in nodes} == {n["id"] for n in view["nodes"]}
    assert len(links) == len(view["links"])
    spec = json.loads(archive.read("i2-import-specification.json"))
    columns = set(links[0])
    entity_1 = spec["files"]["links.csv"]["entity_1"]
    assert {entity_1["identity"], entity_1["type_from_column"]} <= columns
    assert set(spec["files"]["links.csv"]["link"]["attributes"]) <= columns
    assert spec["export"]["case_reference"] == CASES["Limburg"]
    assert set(spec["entity_types"]) == {n["label"] for n in view["nodes"]}


def test_a_png_export_is_audited_and_answered_back(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    image = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    body = {"format": "png", "png": base64.b64encode(image).decode(), "nodes": [IDS["pL3"]]}
    log = api_settings.audit_log or Path()
    before = len(list(read_entries(log)))
    answer = _export(api_client, api_settings, body)
    assert answer.status_code == 200, answer.text
    assert answer.content == image
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["content-disposition"].startswith("attachment;")
    last = list(read_entries(log))[-1]
    assert len(list(read_entries(log))) == before + 1
    assert last["extra"]["export"] == "png"
    assert last["result_size"] == 1
    for bad in (None, "not base64!", base64.b64encode(b"GIF89a").decode()):
        assert _export(api_client, api_settings, {"format": "png", "png": bad}).status_code == 400
    assert _export(api_client, api_settings, {"format": "pdf"}).status_code == 422


# --- trends downloads -----------------------------------------------------------------------

_H1_2025 = {"from": "2025-01-01", "to": "2025-06-30", "incident_type": "cannabis_grow_site"}


def _inhabitants() -> dict[str, int]:
    geography = load_geography(PACKAGED_GEOGRAPHY_DIR)
    return region_inhabitants(geography)


def test_trends_csv_marks_suppressed_cells_and_gives_rates(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    table = _get(api_client, api_settings, "/trends", "LIEC", case=None, **_H1_2025).json()
    people = _inhabitants()
    assert table["row_inhabitants"] == [people[r] for r in table["rows"]]
    answer = _get(api_client, api_settings, "/trends.csv", "LIEC", case=None, **_H1_2025)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment;")
    lines = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    cells = {(line["region"], line["period"]): line for line in lines}
    rows = {r: i for i, r in enumerate(table["rows"])}
    reasons = {(s["row"], s["column"]): s["reason"] for s in table["suppressed"]}
    shown = 0
    for region, i in rows.items():
        for j, period in enumerate(table["columns"]):
            line, count = cells[(region, period)], table["cells"][i][j]
            if count is None:
                assert line["count"] == ""
                assert line["rate_per_100000"] == ""
                assert line["suppressed"] == reasons[(region, period)]
            else:
                shown += 1
                assert int(line["count"]) == count
                assert line["suppressed"] == ""
                assert float(line["rate_per_100000"]) == round(count * 100_000 / people[region], 2)
    assert shown  # the seed has figures big enough to show
    assert cells[("Limburg", "2025-Q2")]["suppressed"] == "primary"
    assert cells[("total", "total")]["suppressed"] == "secondary"
    assert int(cells[("Limburg", "total")]["inhabitants"]) == people["Limburg"]
    # A RIEC downloads its own region only, as it reads it.
    own = _get(api_client, api_settings, "/trends.csv", "Oost-Brabant", case=None, **_H1_2025)
    regions = {line["region"] for line in csv.DictReader(io.StringIO(own.text.lstrip("\ufeff")))}
    assert regions == {"Oost-Brabant", "total"}
    refused = _get(
        api_client, api_settings, "/trends.csv", "Oost-Brabant", case=None, region="Noord"
    )
    assert refused.status_code == 403


def test_trends_xlsx_holds_the_table_as_shown(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    table = _get(api_client, api_settings, "/trends", "LIEC", case=None, **_H1_2025).json()
    answer = _get(api_client, api_settings, "/trends.xlsx", "LIEC", case=None, **_H1_2025)
    assert answer.status_code == 200, answer.text
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["table", "cells", "about"]
    sheet = book["table"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["region", "2025-Q1 count", "2025-Q1 per 100,000"]
    values = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    people = _inhabitants()
    for i, region in enumerate(table["rows"]):
        for j, count in enumerate(table["cells"][i]):
            got, rate = values[region][2 * j], values[region][2 * j + 1]
            if count is None:
                assert got == rate == "x"
            else:
                assert got == count
                assert rate == round(count * 100_000 / people[region], 2)
    assert values["total"][-2] == "x"  # the half-year's total is hidden (secondary)
    assert len(list(book["cells"].iter_rows(min_row=2))) == len(
        list(csv.DictReader(io.StringIO(_csv_text(api_client, api_settings))))
    )


def _csv_text(client: TestClient, s: Settings) -> str:
    return str(_get(client, s, "/trends.csv", "LIEC", case=None, **_H1_2025).text).lstrip("\ufeff")


# --- the API client -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(
    api_settings: Settings, with_run: neo4j.Driver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app served on loopback (a real HTTP server, as the notebooks reach it), with an
    audit log of its own (the in-process app holds the module's)."""
    log = tmp_path_factory.mktemp("served-audit") / "api-audit.log"
    app = create_app(api_settings.model_copy(update={"audit_log": log}))
    with served_app(app, free_port()) as base:
        yield base


def _client(s: Settings, base: str, org: str = "Limburg", role: str = "analyst") -> Any:
    token = auth(s, org, role)["Authorization"].removeprefix("Bearer ")
    return KnooppuntClient(base, token, CASES.get(org))


def test_the_client_reads_the_graph_the_page_loader_reads(
    api_settings: Settings, served: str, with_run: neo4j.Driver
) -> None:
    client = _client(api_settings, served)
    graph = client.cluster_graph(CL_CROSS)
    assert graph.run_id == _RUN
    g = to_networkx(graph)
    page = load_cluster_graph(with_run, CL_CROSS, database=api_settings.neo4j_database)
    assert set(g.nodes) == set(page.nodes)
    assert sorted((u, v) for u, v, _ in g.edges(keys=True)) == sorted(
        (u, v) for u, v, _ in page.edges(keys=True)
    )
    keys = ("kind", "id", "region", "member", "broker", "rank", "is_broker", "partners")
    for node, attrs in page.nodes(data=True):
        assert {k: g.nodes[node][k] for k in keys} == {k: attrs[k] for k in keys}, node
        assert g.nodes[node]["deliveries"] == attrs["deliveries"]
        assert g.nodes[node]["details"] == attrs["details"]
    # The cluster graph and the expansion through the client, within the case.
    expansion = client.expand(CL_CROSS, HUB, limit=5)
    assert {n.id for n in expansion.nodes if n.label == "Person"} == {IDS["pL3"]}
    assert to_networkx(expansion).number_of_nodes() == len(expansion.nodes)


def test_the_client_reports_the_apis_refusals_without_the_values(
    api_settings: Settings, served: str
) -> None:
    client = _client(api_settings, served)
    with pytest.raises(ApiError) as refused:
        client.network(IDS["pR1"])
    assert refused.value.status == 403
    assert refused.value.problem == "outside-case-scope"
    assert IDS["pR1"] not in str(refused.value)
    without_case = KnooppuntClient(served, client.token)
    with pytest.raises(ApiError) as missing:
        without_case.cluster_graph(CL_CROSS)
    assert missing.value.problem == "case-reference-required"
    # The case of an alert that has one is found again, not opened twice.
    coordinator = _client(api_settings, served, role="coordinator")
    alert = next(a for a in coordinator.alerts() if a.cluster_id == CL_CROSS)
    first = coordinator.open_case(
        title="Client test", purpose="Opening a case twice", alert_id=alert.id
    )
    again = coordinator.open_case(
        title="Client test", purpose="Opening a case twice", alert_id=alert.id
    )
    assert first == again
    trends = KnooppuntClient(served, client.token).trends(
        first=date(2025, 1, 1), last=date(2025, 6, 30), by="region,quarter"
    )
    assert trends.rows == ["Limburg"]
    assert trends.row_inhabitants[0]
    with pytest.raises(ValueError, match="KNOOPPUNT_API_URL"):
        KnooppuntClient.from_env({})


def test_an_export_by_session_needs_the_csrf_token(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    """The workbench exports with its session cookie: a POST, so the CSRF rule applies."""
    link = login_link(
        api_settings, "http://testserver", subject="ui-user", org="Limburg", role="analyst"
    )
    try:
        signed_in = api_client.get(link.removeprefix("http://testserver"), follow_redirects=False)
        assert signed_in.status_code == 200, signed_in.headers.get("location")
        url = f"/clusters/{CL_CROSS}/exports"
        case = {"X-Case-Reference": CASES["Limburg"]}
        refused = api_client.post(url, json={"format": "graphml"}, headers=case)
        assert refused.status_code == 403
        csrf = {CSRF_HEADER: api_client.cookies[CSRF_COOKIE], "Origin": "http://testserver"}
        done = api_client.post(url, json={"format": "graphml"}, headers={**case, **csrf})
        assert done.status_code == 200, done.text
        assert nx.read_graphml(io.BytesIO(done.content)).graph["case_reference"] == CASES["Limburg"]
    finally:
        api_client.cookies.clear()


def test_suggested_links_reach_the_view_only_between_nodes_it_shows(
    api_client: TestClient, api_settings: Settings, with_run: neo4j.Driver
) -> None:
    """A flagged cluster's suggestions (decision 084) come with its graph; one that names a
    person outside the case's scope (pR1) is left out, and so is its score."""
    suggestions = [
        {
            "a": IDS["pL2"],
            "b": IDS["pB1"],
            "a_member": True,
            "b_member": True,
            "where": "inside",
            "score": 0.75,
            "common_neighbours": 2,
            "method": "resource_allocation",
        },
        {
            "a": IDS["pL1"],
            "b": IDS["pR1"],
            "a_member": True,
            "b_member": False,
            "where": "around",
            "score": 0.61,
            "common_neighbours": 1,
            "method": "resource_allocation",
        },
    ]
    db = api_settings.neo4j_database
    # as an analysis run's write-back would: the stored results' version moves on with it
    change = (
        "MATCH (c:Cluster {id: $id}) SET c.suggested_links = $s "
        "MERGE (v:ResultsVersion {id: 'stored-results'}) SET v.n = coalesce(v.n, 0) + 1"
    )
    with_run.execute_query(change, id=CL_CROSS, s=json.dumps(suggestions), database_=db)
    try:
        body = _get(api_client, api_settings, f"/clusters/{CL_CROSS}/graph").json()
    finally:
        with_run.execute_query(change, id=CL_CROSS, s=None, database_=db)
    assert body["suggested_links"] == [
        {
            "a": IDS["pL2"],
            "b": IDS["pB1"],
            "where": "inside",
            "score": 0.75,
            "common_neighbours": 2,
            "method": "resource_allocation",
        }
    ]
    assert IDS["pR1"] not in json.dumps(body)
    # the organisation-level cluster never carries them
    detail = _get(api_client, api_settings, f"/clusters/{CL_CROSS}").json()
    assert "suggested_links" not in detail
