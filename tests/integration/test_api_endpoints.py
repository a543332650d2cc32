"""The API's endpoints on the seeded graph: content, filters, paging, need-to-know, audit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.audit import read_entries, verify_log
from api.schemas import ClusterGraph
from graph.settings import Settings
from graph.viz import load_cluster_graph, load_subject_graph
from tests.integration.api_seed import (
    AL_CROSS,
    AL_GROWN,
    AL_NOORD,
    ALERTS_ON_CROSS,
    CASE,
    CASES,
    CL_CROSS,
    CL_FAMILY,
    CL_NOORD,
    HUB,
    IDS,
    INCIDENT_COUNTS,
    auth,
)

pytest_plugins = ["tests.integration.api_support"]


def _get(client: TestClient, settings: Settings, url: str, org: str, **kw: Any) -> Any:
    role = kw.pop("role", "analyst")
    case = kw.pop("case", None)
    return client.get(url, headers=auth(settings, org, role, case=case), params=kw or None)


# --- alerts ---------------------------------------------------------------------------------


def test_riec_lists_alerts_of_its_region_with_paging(
    api_client: TestClient, api_settings: Settings
) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = _get(api_client, api_settings, "/alerts", "Limburg", **params).json()
        seen.extend(a["id"] for a in body["items"])
        assert len(body["items"]) <= 3
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == ALERTS_ON_CROSS == len(set(seen))
    assert AL_NOORD not in seen
    assert seen[0] == AL_GROWN  # newest first
    # Noord sees only its own alert; Rotterdam none.
    noord = _get(api_client, api_settings, "/alerts", "Noord").json()["items"]
    assert [a["id"] for a in noord] == [AL_NOORD]
    assert _get(api_client, api_settings, "/alerts", "Rotterdam").json()["items"] == []


def test_liec_lists_alerts_on_cross_region_clusters_only(
    api_client: TestClient, api_settings: Settings
) -> None:
    items = _get(api_client, api_settings, "/alerts", "LIEC", limit=100).json()["items"]
    assert len(items) == ALERTS_ON_CROSS
    assert all(a["cross_region"] and a["cluster_id"] == CL_CROSS for a in items)
    # The LIEC may filter on any region.
    noord = _get(api_client, api_settings, "/alerts", "LIEC", region="Noord").json()
    assert noord["items"] == []


def test_alert_filters(api_client: TestClient, api_settings: Settings) -> None:
    items = _get(
        api_client, api_settings, "/alerts", "Limburg", since="2025-10-01T00:00:00Z"
    ).json()["items"]
    assert {a["id"] for a in items} == {AL_CROSS, AL_GROWN}
    assert (
        _get(api_client, api_settings, "/alerts", "Limburg", typology="omg").json()["items"] == []
    )
    assert _get(api_client, api_settings, "/alerts", "Noord", typology="omg").json()["items"]
    # A RIEC asking for another region's alerts is refused.
    response = _get(api_client, api_settings, "/alerts", "Limburg", region="Noord")
    assert response.status_code == 403
    assert _get(api_client, api_settings, "/alerts", "Limburg", cursor="garbage").status_code == 400


def test_alert_detail_and_other_regions(api_client: TestClient, api_settings: Settings) -> None:
    body = _get(api_client, api_settings, f"/alerts/{AL_CROSS}", "Oost-Brabant").json()
    assert body["cluster"]["id"] == CL_CROSS
    assert body["cluster"]["region_counts"] == {"Limburg": 3, "Oost-Brabant": 2}
    assert body["status"] == "open"
    assert _get(api_client, api_settings, f"/alerts/{AL_NOORD}", "Limburg").status_code == 403
    assert _get(api_client, api_settings, f"/alerts/{AL_NOORD}", "LIEC").status_code == 403
    assert _get(api_client, api_settings, "/alerts/AL-ffffffffffff", "Limburg").status_code == 404


def test_status_changes_per_region(api_client: TestClient, api_settings: Settings) -> None:
    url = f"/alerts/{AL_GROWN}/status"
    coordinator = auth(api_settings, "Limburg", "coordinator", subject="coord-limburg")
    analyst = auth(api_settings, "Limburg", "analyst")
    body = {"status": "acknowledged", "note": "picked up by the case team"}
    assert api_client.post(url, json=body, headers=analyst).status_code == 403
    response = api_client.post(url, json=body, headers=coordinator)
    assert response.status_code == 200, response.text
    assert response.json()["previous"] == "open"
    assert response.json()["status"] == "acknowledged"
    # Acknowledging twice conflicts; closing works; closed stays closed.
    assert api_client.post(url, json=body, headers=coordinator).status_code == 409
    closed = api_client.post(url, json={"status": "closed", "note": "done"}, headers=coordinator)
    assert closed.json()["status"] == "closed"
    assert api_client.post(url, json=body, headers=coordinator).status_code == 409
    # Limburg's status is Limburg's: Oost-Brabant still sees the alert open.
    brabant = _get(api_client, api_settings, f"/alerts/{AL_GROWN}", "Oost-Brabant").json()
    assert brabant["status"] == "open"
    statuses = {s["org"]: s for s in brabant["statuses"]}
    assert statuses["Limburg"]["status"] == "closed"
    assert statuses["Limburg"]["note"] is None  # another organisation's note is not shown
    own = _get(api_client, api_settings, f"/alerts/{AL_GROWN}", "Limburg").json()
    assert {s["org"]: s for s in own["statuses"]}["Limburg"]["note"] == "done"
    # Status filter uses the caller's organisation's status.
    closed_items = _get(api_client, api_settings, "/alerts", "Limburg", status="closed").json()
    assert [a["id"] for a in closed_items["items"]] == [AL_GROWN]
    # A coordinator of another region cannot change it; nor can anyone for Noord's alert here.
    noord = auth(api_settings, "Noord", "coordinator")
    assert api_client.post(url, json=body, headers=noord).status_code == 403
    assert (
        api_client.post(f"/alerts/{AL_NOORD}/status", json=body, headers=coordinator).status_code
        == 403
    )
    assert (
        api_client.post(url, json={"status": "closed", "note": ""}, headers=coordinator).status_code
        == 422
    )


# --- clusters -------------------------------------------------------------------------------


def test_cluster_members_outside_region_are_counts(
    api_client: TestClient, api_settings: Settings
) -> None:
    body = _get(api_client, api_settings, f"/clusters/{CL_CROSS}", "Limburg").json()
    assert {m["id"] for m in body["members"]} == {IDS["pL1"], IDS["pL2"], IDS["pL3"]}
    assert all(m["region"] == "Limburg" for m in body["members"])
    assert body["hidden_members"] == {"Oost-Brabant": 2}
    assert [kp["id"] for kp in body["key_players"]] == [IDS["pL1"]]
    assert body["typology"] == "cannabis"
    assert body["evidence"][0]["signal"] == "cannabis_grow_site"
    assert body["score_explanation"][0]["component"] == "crime_signals"
    assert [e["kind"] for e in body["history"]] == ["new", "grown"]
    assert AL_CROSS in body["alerts"]
    # Sub-groups are counts; a broker between them is shown only when the member is.
    assert [(g["subgroup"], g["size"]) for g in body["subgroups"]] == [(0, 3), (1, 2)]
    assert body["brokers"] == [{"id": IDS["pL1"], "subgroup": 0, "links_to": [1], "broker_rank": 1}]
    # With a case reference every member is shown.
    full = _get(api_client, api_settings, f"/clusters/{CL_CROSS}", "Limburg", case=CASE).json()
    assert len(full["members"]) == 5
    assert [b["id"] for b in full["brokers"]] == [IDS["pL1"], IDS["pB1"]]
    assert full["hidden_members"] == {}
    # No token, key player or member of Oost-Brabant leaks into Limburg's answer without one.
    text = _get(api_client, api_settings, f"/clusters/{CL_CROSS}", "Limburg").text
    assert IDS["pB1"] not in text
    assert IDS["KVK_B"] not in text


def test_liec_sees_cross_region_clusters_as_counts(
    api_client: TestClient, api_settings: Settings
) -> None:
    body = _get(api_client, api_settings, f"/clusters/{CL_CROSS}", "LIEC").json()
    assert body["members"] == []
    assert body["hidden_members"] == {"Limburg": 3, "Oost-Brabant": 2}
    assert _get(api_client, api_settings, f"/clusters/{CL_NOORD}", "LIEC").status_code == 403
    assert _get(api_client, api_settings, f"/clusters/{CL_NOORD}", "Limburg").status_code == 403
    assert (
        _get(api_client, api_settings, f"/clusters/{CL_NOORD}", "Limburg", case=CASE).status_code
        == 403
    )
    assert _get(api_client, api_settings, "/clusters/CL-ffffffff", "Limburg").status_code == 404


def test_cluster_graph_with_provenance(api_client: TestClient, api_settings: Settings) -> None:
    url = f"/clusters/{CL_CROSS}/graph"
    assert _get(api_client, api_settings, url, "Limburg").status_code == 403  # no case reference
    body = _get(api_client, api_settings, url, "Limburg", case=CASE).json()
    nodes = {n["id"]: n for n in body["nodes"]}
    members = {i for i, n in nodes.items() if n["member"]}
    assert members == {IDS[k] for k in ("pL1", "pL2", "pL3", "pB1", "KVK_B")}
    # Connecting entities that link two or more members are included: the shared phone and
    # address; the phone past its retention is not.
    assert IDS["t1"] in nodes
    assert IDS["aL1"] in nodes
    assert IDS["t2"] not in nodes
    assert HUB not in nodes  # rented by one member only
    links = body["links"]
    assert links
    for link in links:
        assert link["source"] in nodes
        assert link["target"] in nodes
        assert link["provenance"]["partners"]
        assert link["provenance"]["sources"][0]["legal_basis"]
    kinds = {link["type"] for link in links}
    assert {"USES", "LIVES_AT", "DIRECTORSHIP"} <= kinds
    assert not body["truncated"]
    # Written without a second validation (decision 087): the body is its validated form,
    # every field present, nothing extra.
    assert ClusterGraph.model_validate(body).model_dump(mode="json") == body
    assert any(link["provenance"]["sources"][0]["first_seen"] for link in links)


def test_cluster_graph_agrees_with_the_page_loader_and_has_no_twice_links(
    api_client: TestClient, api_settings: Settings, seeded: neo4j.Driver
) -> None:
    """``/clusters/{id}/graph`` and ``knooppunt view`` read the same subgraph (one reader)."""
    body = _get(
        api_client, api_settings, f"/clusters/{CL_CROSS}/graph", "Limburg", case=CASE
    ).json()
    page = load_cluster_graph(seeded, CL_CROSS, database=api_settings.neo4j_database)
    link_ids = [link["id"] for link in body["links"]]
    assert len(link_ids) == len(set(link_ids))  # no link twice
    assert len({(u, v, k) for u, v, k in page.edges(keys=True)}) == page.number_of_edges()
    assert len(body["nodes"]) == page.number_of_nodes()
    assert len(link_ids) == page.number_of_edges()
    assert {n["id"] for n in body["nodes"]} == {d["id"] for _, d in page.nodes(data=True)}


# --- subjects -------------------------------------------------------------------------------


def test_bibob_check_of_a_person(api_client: TestClient, api_settings: Settings) -> None:
    url = f"/subjects/{IDS['pL5']}/network"
    assert _get(api_client, api_settings, url, "Limburg").status_code == 403
    body = _get(api_client, api_settings, url, "Limburg", case=CASE, depth=2).json()
    assert body["subject"]["id"] == IDS["pL5"]
    ids = {n["id"] for n in body["nodes"]}
    assert {IDS["aL2"], IDS["pL3"], IDS["pL4"]} <= ids
    paths = {p["cluster"]["id"]: p for p in body["flagged_paths"]}
    assert set(paths) == {CL_CROSS}
    path = paths[CL_CROSS]
    assert path["hops"] == 2
    assert [s["type"] for s in path["steps"]] == ["LIVES_AT", "LIVES_AT"]
    assert path["steps"][0]["source"] == IDS["pL5"]
    assert path["steps"][-1]["target"] == path["member"]
    assert all(s["partners"] == ["GEM"] for s in path["steps"])
    # Depth 1 shows only direct neighbours, but the path is still found.
    shallow = _get(api_client, api_settings, url, "Limburg", case=CASE, depth=1).json()
    assert IDS["pL3"] not in {n["id"] for n in shallow["nodes"]}
    assert shallow["flagged_paths"][0]["hops"] == 2
    assert _get(api_client, api_settings, url, "Limburg", case=CASE, depth=4).status_code == 422


def test_network_agrees_with_the_page_loader(
    api_client: TestClient, api_settings: Settings, seeded: neo4j.Driver
) -> None:
    """``/subjects/{token}/network`` and ``knooppunt view --subject`` walk the same way."""
    for depth in (1, 2, 3):
        url = f"/subjects/{IDS['pL3']}/network"
        body = _get(api_client, api_settings, url, "Limburg", case=CASE, depth=depth).json()
        page = load_subject_graph(
            seeded, IDS["pL3"], depth, database=api_settings.neo4j_database, max_nodes=500
        )
        link_ids = [link["id"] for link in body["links"]]
        assert len(link_ids) == len(set(link_ids))
        assert {n["id"] for n in body["nodes"]} == {d["id"] for _, d in page.nodes(data=True)}
        assert len(link_ids) == page.number_of_edges()


def test_hubs_are_shown_but_not_expanded(api_client: TestClient, api_settings: Settings) -> None:
    url = f"/subjects/{IDS['pL3']}/network"
    body = _get(api_client, api_settings, url, "Limburg", case=CASE, depth=3).json()
    assert HUB in body["hubs_not_expanded"]
    ids = {n["id"] for n in body["nodes"]}
    assert HUB in ids
    assert not any(i.startswith("PRS-HUB") for i in ids)
    # The subject is itself a member of a flagged cluster: a path of length 0, and the subject
    # says so, with the region it lives in.
    assert body["flagged_paths"][0]["hops"] == 0
    assert body["subject"]["member"] is True
    assert body["subject"]["region"] == "Limburg"
    members = {p["member"] for p in body["flagged_paths"]}
    assert all(n["member"] == (n["id"] in members) for n in body["nodes"])


def test_bibob_check_of_a_company(api_client: TestClient, api_settings: Settings) -> None:
    url = f"/companies/{IDS['KVK_L']}/network"
    body = _get(api_client, api_settings, url, "Limburg", case=CASE, depth=1).json()
    path = body["flagged_paths"][0]
    assert path["cluster"]["id"] == CL_CROSS
    assert path["hops"] == 2
    assert {s["type"] for s in path["steps"]} == {"REGISTERED_AT", "LIVES_AT"}
    assert _get(api_client, api_settings, url, "Noord", case=CASE).status_code == 403
    assert (
        _get(
            api_client, api_settings, "/companies/99999999/network", "Limburg", case=CASE
        ).status_code
        == 404
    )


def test_riec_cannot_start_from_another_regions_person(
    api_client: TestClient, api_settings: Settings
) -> None:
    for who in ("pN1", "pR1"):
        url = f"/subjects/{IDS[who]}/network"
        response = _get(api_client, api_settings, url, "Limburg", case=CASE)
        assert response.status_code == 403
        assert IDS[who] not in response.text
    # Oost-Brabant may start from a Limburg member of the cluster it shares.
    url = f"/subjects/{IDS['pL1']}/network"
    assert _get(api_client, api_settings, url, "Oost-Brabant", case=CASE).status_code == 200
    # The LIEC only from members of cross-region clusters.
    assert _get(api_client, api_settings, url, "LIEC", case=CASE).status_code == 200
    url = f"/subjects/{IDS['pN1']}/network"
    assert _get(api_client, api_settings, url, "LIEC", case=CASE).status_code == 403


def test_export_for_a_subject_access_request(
    api_client: TestClient, api_settings: Settings
) -> None:
    token = IDS["pL1"]
    # Make accesses to find: directly, and through its cluster.
    _get(api_client, api_settings, f"/subjects/{token}/network", "Limburg", case=CASE)
    _get(api_client, api_settings, f"/clusters/{CL_CROSS}", "Oost-Brabant")
    url = f"/subjects/{token}/export"
    assert _get(api_client, api_settings, url, "Limburg", case=CASE).status_code == 403
    assert _get(api_client, api_settings, url, "Limburg", role="privacy-officer").status_code == 403
    response = _get(api_client, api_settings, url, "Limburg", role="privacy-officer", case=CASE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subject"]["id"] == token
    assert body["subject"]["provenance"]["partners"] == ["GEM"]
    types = sorted(link["type"] for link in body["links"])
    assert types == ["DIRECTORSHIP", "LIVES_AT", "USES", "USES"]
    expired = [link for link in body["links"] if link["other_id"] == IDS["t2"]]
    assert expired[0]["provenance"]["retain_until"] == "2020-01-01"  # held, and until when
    assert [c["cluster"]["id"] for c in body["clusters"]] == [CL_CROSS]
    assert {a["id"] for a in body["alerts"]} >= {AL_CROSS, AL_GROWN}
    vias = {(a["org"], a["via"]) for a in body["accesses"]}
    assert ("Limburg", "direct") in vias
    # a RIEC's privacy officer sees its own organisation's accesses only, as in /audit
    assert {org for org, _ in vias} == {"Limburg"}
    liec = _get(api_client, api_settings, url, "LIEC", role="privacy-officer", case=CASE).json()
    liec_vias = {(a["org"], a["via"]) for a in liec["accesses"]}
    assert ("Limburg", "direct") in liec_vias
    assert ("Oost-Brabant", f"cluster:{CL_CROSS}") in liec_vias
    # and exports only subjects of its own region (issue 17 item 4)
    other = _get(api_client, api_settings, url, "Noord", role="privacy-officer", case=CASE)
    assert other.status_code == 403
    assert "your region" in other.json()["detail"]
    assert (
        _get(
            api_client,
            api_settings,
            f"/subjects/{IDS['t1'][:4]}{'Z' * 26}/export",
            "LIEC",
            role="privacy-officer",
            case=CASE,
        ).status_code
        == 404
    )


# --- trends ---------------------------------------------------------------------------------


#: The first half and the whole of 2025, as the trends endpoint's ``from`` and ``to``.
H1_2025 = {"from": "2025-01-01", "to": "2025-06-30"}
YEAR_2025 = {"from": "2025-01-01", "to": "2025-12-31"}

#: ``trends(org, period, **params)``: the trend table an analyst of ``org`` gets.
Trends = Callable[..., Any]


@pytest.fixture
def trends(api_client: TestClient, api_settings: Settings) -> Trends:
    def get(org: str, period: dict[str, str], **params: Any) -> Any:
        return _get(api_client, api_settings, "/trends", org, **period, **params).json()

    return get


def test_trends_national_with_suppression(trends: Trends) -> None:
    body = trends("LIEC", H1_2025, incident_type="cannabis_grow_site", by="region,quarter")
    assert body["columns"] == ["2025-Q1", "2025-Q2"]
    rows = {r: i for i, r in enumerate(body["rows"])}
    cells = body["cells"]
    limburg, brabant, noord = rows["Limburg"], rows["Oost-Brabant"], rows["Noord"]
    # Small cells (Limburg Q2 = 3, Noord Q1 = 2) are hidden, and so are their complements.
    assert cells[limburg][1] is None
    assert cells[noord][0] is None
    assert cells[brabant][0] is None or cells[limburg][0] is None
    for (region, _year, quarter), count in INCIDENT_COUNTS.items():
        value = cells[rows[region]][quarter - 1]
        assert value in (None, count)
    # The seed's other incident types are small counts, hidden in every table of the grid
    # (decision 065): the half-year's total of 53 does not follow from what the grid shows.
    assert body["total"] is None
    reasons = {(s["row"], s["column"]): s["reason"] for s in body["suppressed"]}
    assert reasons[("total", "total")] == "secondary"
    assert reasons[("Limburg", "2025-Q2")] == "primary"
    assert "secondary" in reasons.values()
    # No grow site lacks an address, but the one incident without one (below) is hidden in every
    # table of the grid, so this 0 is hidden too.
    assert body["unlocated"] is None
    assert reasons[("unlocated", "total")] == "secondary"
    # Without the type filter, the one incident without an address is a small count: hidden.
    everything = trends("LIEC", H1_2025)
    assert everything["unlocated"] is None
    assert {"row": "unlocated", "column": "total", "reason": "primary"} in everything["suppressed"]
    assert everything["total"] is None


def test_trends_for_a_riec_show_its_own_region(
    api_client: TestClient, api_settings: Settings, trends: Trends
) -> None:
    body = trends("Oost-Brabant", YEAR_2025, by="region,year")
    assert body["rows"] == ["Oost-Brabant"]
    assert body["cells"] == [[16]]
    assert (
        _get(api_client, api_settings, "/trends", "Oost-Brabant", region="Noord").status_code == 403
    )


def test_trends_of_clusters_and_typology(
    api_client: TestClient, api_settings: Settings, trends: Trends
) -> None:
    body = trends("LIEC", YEAR_2025, measure="clusters", by="region")
    # Two flagged clusters (one each in Limburg and Noord): all cells small, all hidden.
    assert body["total"] is None
    assert all(c is None or c == 0 for row in body["cells"] for c in row)
    incidents = trends("LIEC", H1_2025, typology="cannabis", by="quarter", min_cell=5)
    assert incidents["rows"] == ["all regions"]
    # One incident involves a member of the cannabis cluster: too small to show.
    assert incidents["total"] is None
    assert (
        _get(api_client, api_settings, "/trends", "LIEC", min_cell=2).status_code == 422
    )  # the minimum cannot be lowered


# --- audit ----------------------------------------------------------------------------------


def test_audit_log_entries_and_reading(api_client: TestClient, api_settings: Settings) -> None:
    log = api_settings.audit_log or Path()
    before = len(list(read_entries(log)))
    _get(api_client, api_settings, f"/clusters/{CL_FAMILY}", "Limburg", case=CASE)
    entries = list(read_entries(log))
    assert len(entries) == before + 1  # exactly one entry per request
    last = entries[-1]
    assert last["endpoint"] == "/clusters/{cluster_id}"
    assert last["path_params"] == {"cluster_id": CL_FAMILY}
    assert last["case_reference"] == CASES["Limburg"]
    assert last["status"] == 200
    assert last["result_size"] == 2
    assert last["extra"]["scope_depth"] == 1  # the read was bound to the case's scope
    assert verify_log(log, api_settings.audit_key.get_secret_value().encode()).ok
    # Privacy officers read it: a RIEC's its own organisation's entries, the LIEC's all.
    own = _get(api_client, api_settings, "/audit", "Limburg", role="privacy-officer", limit=1000)
    assert own.status_code == 200
    assert {e["org"] for e in own.json()["items"]} == {"Limburg"}
    everything = _get(
        api_client, api_settings, "/audit", "LIEC", role="privacy-officer", limit=1000
    )
    orgs = {e["org"] for e in everything.json()["items"]}
    assert {"Limburg", "Noord", "LIEC"} <= orgs
    assert _get(api_client, api_settings, "/audit", "LIEC", role="analyst").status_code == 403
    page = _get(api_client, api_settings, "/audit", "LIEC", role="privacy-officer", limit=2).json()
    assert len(page["items"]) == 2
    assert page["next_cursor"] == str(page["items"][-1]["seq"])


def test_cluster_view_page(api_client: TestClient, api_settings: Settings) -> None:
    url = f"/clusters/{CL_CROSS}/view"
    assert _get(api_client, api_settings, url, "Limburg").status_code == 403  # no case reference
    assert (
        _get(
            api_client, api_settings, f"/clusters/{CL_NOORD}/view", "Limburg", case=CASE
        ).status_code
        == 403
    )
    response = _get(api_client, api_settings, url, "Limburg", case=CASE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.startswith("<!DOCTYPE html>")
    assert "https://cdn" not in page
    assert IDS["pB1"] in page  # with a case reference, members of both regions
    assert "Limburg" in page
