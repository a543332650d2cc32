"""The API on the real pipeline: the tiny preset generated, ingested and analysed with the
project's own commands, then read through the API with need-to-know."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.app import create_app
from api.audit import verify_log
from graph.cases.binding import case_access
from graph.settings import Settings
from graph.subgraph.plan import driver_executor, run_sync
from graph.subgraph.scope import scope_keys
from graph.viz import load_cluster_graph
from graph.vocabulary import REGIONS
from tests.integration.api_seed import AUDIT_KEY, JWT_SECRET, auth
from tests.integration.api_support import WIDE_GATE
from tests.trend_attack import Attack, classes_of

pytest_plugins = ["tests.integration.pipeline_support"]
pytestmark = pytest.mark.slow

METRICS_TOKEN = "operator-metrics-token-0123456789abcdef"


@pytest.fixture(scope="module")
def settings(neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return neo4j_settings.model_copy(
        update={
            "jwt_secret": SecretStr(JWT_SECRET),
            "audit_key": SecretStr(AUDIT_KEY),
            "audit_log": tmp_path_factory.mktemp("audit") / "api-audit.log",
            "metrics_token": SecretStr(METRICS_TOKEN),
            **WIDE_GATE,
        }
    )


@pytest.fixture(scope="module")
def client(settings: Settings, pipeline: neo4j.Driver) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


_OPENED: dict[str, str] = {}


def _case(client: TestClient, settings: Settings, alert: dict[str, Any], org: str = "LIEC") -> str:
    """The reference of a case ``org``'s coordinator opened from ``alert`` (once per alert)."""
    if alert["id"] not in _OPENED:
        body = {
            "title": f"Netwerk rond {alert['cluster_id']}",
            "phenomenon": "cannabis",
            "purpose": "Integrated advice on the cross-region network of this alert",
            "legal_basis": "WPG",
            "alert_id": alert["id"],
        }
        opened = client.post("/cases", json=body, headers=auth(settings, org, "coordinator"))
        assert opened.status_code == 201, opened.text
        _OPENED[alert["id"]] = opened.json()["reference"]
    return _OPENED[alert["id"]]


def _for_case(
    settings: Settings, reference: str, org: str = "LIEC", role: str = "analyst"
) -> dict[str, str]:
    return auth(settings, org, role, case=reference)


def _all_alerts(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/alerts", params=params, headers=headers).json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            return items


def test_liec_reads_alerts_and_clusters_of_the_real_pipeline(
    client: TestClient, settings: Settings
) -> None:
    liec = auth(settings, "LIEC")
    alerts = _all_alerts(client, liec)
    assert alerts, "the tiny preset's analysis raises alerts on cross-region clusters"
    assert len({a["id"] for a in alerts}) == len(alerts)
    assert all(a["cross_region"] for a in alerts)
    cluster_id = alerts[0]["cluster_id"]
    detail = client.get(f"/alerts/{alerts[0]['id']}", headers=liec).json()
    assert detail["cluster"]["id"] == cluster_id
    cluster = client.get(f"/clusters/{cluster_id}", headers=liec).json()
    assert cluster["members"] == []  # the LIEC sees counts without a case reference
    assert sum(cluster["hidden_members"].values()) == cluster["size"]
    assert cluster["typology"] in ("omg", "cannabis", "other")
    assert cluster["score_explanation"]
    reference = _case(client, settings, alerts[0])
    graph = client.get(f"/clusters/{cluster_id}/graph", headers=_for_case(settings, reference))
    assert graph.status_code == 200
    body = graph.json()
    assert sum(1 for n in body["nodes"] if n["member"]) == cluster["size"]
    assert body["links"]
    assert all(link["provenance"]["partners"] for link in body["links"])


def test_cluster_graph_agrees_with_the_page_on_the_real_pipeline(
    client: TestClient, settings: Settings, pipeline: neo4j.Driver
) -> None:
    """One reader: the API's cluster graph and ``knooppunt view``'s hold the same nodes and
    links, each link once (``docs/decisions/060``)."""
    for alert in _all_alerts(client, auth(settings, "LIEC"))[:3]:
        cluster_id = alert["cluster_id"]
        headers = _for_case(settings, _case(client, settings, alert))
        body = client.get(f"/clusters/{cluster_id}/graph", headers=headers).json()
        page = load_cluster_graph(pipeline, cluster_id, database=settings.neo4j_database)
        link_ids = [link["id"] for link in body["links"]]
        assert len(link_ids) == len(set(link_ids))
        assert {n["id"] for n in body["nodes"]} == {d["id"] for _, d in page.nodes(data=True)}
        assert len(link_ids) == page.number_of_edges()


_DATE_KEYS = (
    "UNWIND $kinds AS kind "
    "CALL (kind) { "
    "  MATCH (n:Entity) WHERE kind = 'node' UNWIND keys(n) AS k "
    "  RETURN k, valueType(n[k]) AS t "
    "  UNION "
    "  MATCH ()-[r]->() WHERE kind = 'link' UNWIND keys(r) AS k "
    "  RETURN k, valueType(r[k]) AS t } "
    "WITH DISTINCT k, t WHERE t STARTS WITH 'DATE' OR t STARTS WITH 'LIST<DATE' "
    "RETURN collect([k, t]) AS found"
)
_RAW = (
    "MATCH (a:Entity)-[:MEMBER_OF]->(:Cluster {id: $cluster_id}) "
    "MATCH (a)-[r]-(b:Entity) "
    "RETURN elementId(r) AS id, properties(r) AS props UNION "
    "MATCH (a:Entity)-[:MEMBER_OF]->(:Cluster {id: $cluster_id}) "
    "RETURN elementId(a) AS id, properties(a) AS props"
)


def test_the_readers_dates_are_the_graphs_dates(
    client: TestClient, settings: Settings, pipeline: neo4j.Driver
) -> None:
    """The subgraph reads send the model's dates as text (decision 087): every date property
    the real pipeline wrote is one of them, and the reader gives back exactly what Neo4j holds,
    dates as dates."""
    from graph.model import graph_model
    from graph.subgraph import cluster_graph
    from graph.values import native

    db = settings.neo4j_database
    found = pipeline.execute_query(_DATE_KEYS, kinds=["node", "link"], database_=db)
    kinds = {str(k): str(t) for k, t in found.records[0]["found"]}
    model = graph_model()
    assert {k for k, t in kinds.items() if t.startswith("DATE")} <= model.date_properties
    assert {k for k, t in kinds.items() if t.startswith("LIST")} <= model.date_list_properties
    assert {"since", "date", "first_seen", "src_first_seen"} <= set(kinds)  # the data has them
    alert = _all_alerts(client, auth(settings, "LIEC"))[0]
    graph = run_sync(
        cluster_graph(alert["cluster_id"], today=date.today()), driver_executor(pipeline, db)
    )
    assert graph is not None
    raw = pipeline.execute_query(_RAW, cluster_id=alert["cluster_id"], database_=db).records
    stored = {str(r["id"]): native(dict(r["props"])) for r in raw}
    members = {key for key, node in graph.nodes.items() if node.membership is not None}
    assert members
    assert all(graph.nodes[key].props == stored[key] for key in members)
    member_links = [link for link in graph.links if link.source in members]
    assert member_links
    assert all(link.props == stored[link.id] for link in member_links)


def test_each_riec_sees_only_its_regions_members(client: TestClient, settings: Settings) -> None:
    seen_any = False
    for region in REGIONS:
        headers = auth(settings, region)
        for alert in _all_alerts(client, headers):
            assert region in alert["regions"]
            cluster = client.get(f"/clusters/{alert['cluster_id']}", headers=headers).json()
            assert all(m["region"] == region for m in cluster["members"])
            assert region not in cluster["hidden_members"]
            seen_any = True
    assert seen_any


def test_bibob_check_and_export_on_real_members(client: TestClient, settings: Settings) -> None:
    alert = _all_alerts(client, auth(settings, "LIEC"))[0]
    liec = _for_case(settings, _case(client, settings, alert))
    cluster = client.get(f"/clusters/{alert['cluster_id']}", headers=liec).json()
    person = next(m for m in cluster["members"] if m["kind"] == "person")
    network = client.get(
        f"/subjects/{person['id']}/network", params={"depth": 2}, headers=liec
    ).json()
    assert any(p["cluster"]["id"] == alert["cluster_id"] for p in network["flagged_paths"])
    assert network["nodes"][0]["id"] == person["id"]
    export = client.get(
        f"/subjects/{person['id']}/export",
        headers=auth(settings, "LIEC", "privacy-officer", case="AVG-2025-0001"),
    ).json()
    assert export["subject"]["id"] == person["id"]
    assert export["links"]
    assert any(c["cluster"]["id"] == alert["cluster_id"] for c in export["clusters"])
    assert any(a["via"] == "direct" for a in export["accesses"])
    trends = client.get("/trends", params={"by": "region,year"}, headers=liec)
    assert trends.status_code == 200
    assert verify_log(settings.audit_log or Path(), AUDIT_KEY.encode()).ok


def test_metrics_count_the_real_runs(
    client: TestClient, settings: Settings, pipeline: neo4j.Driver
) -> None:
    """``/metrics`` reads the ingest and analysis records the pipeline's own commands wrote."""
    client.get("/alerts", headers=auth(settings, "LIEC"))
    records, _, _ = pipeline.execute_query(
        "MATCH (d:Delivery {status: 'committed'}) "
        "RETURN count(d) AS deliveries, sum(d.rows) AS rows, "
        "max(d.committed_at).epochMillis AS last_at",
        database_=settings.neo4j_database,
    )
    (figures,) = records
    scrape = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scrape.status_code == 200
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(scrape.text)
        for s in family.samples
    }
    assert samples[("knooppunt_neo4j_up", ())] == 1
    committed = (("status", "committed"),)
    assert figures["deliveries"] > 0
    assert samples[("knooppunt_ingest_deliveries_total", committed)] == figures["deliveries"]
    assert samples[("knooppunt_ingest_rows_total", (("outcome", "read"),))] == figures["rows"]
    assert samples[("knooppunt_ingest_seconds_total", committed)] > 0
    assert samples[("knooppunt_ingest_last_completed_timestamp_seconds", ())] == (
        figures["last_at"] / 1000
    )
    assert samples[("knooppunt_analysis_runs_total", (("status", "completed"),))] == 1
    assert samples[("knooppunt_analysis_last_duration_seconds", ())] > 0
    alerts_page = (("le", "+Inf"), ("query", "ALERTS_PAGE"))
    assert samples[("knooppunt_neo4j_query_duration_seconds_bucket", alerts_page)] >= 1
    assert not any(k[0] == "knooppunt_neo4j_query_errors_total" for k in samples)


def test_trend_differencing_derives_nothing(
    client: TestClient, settings: Settings, pipeline: neo4j.Driver
) -> None:
    """Issue 17 item 3: requests over overlapping windows (``from`` = each quarter start, same
    ``to``), regions and filters; every published figure an equation; nothing hidden follows."""
    records, _, _ = pipeline.execute_query(
        "MATCH (i:Incident) RETURN max(i.date) AS last", database_=settings.neo4j_database
    )
    year = records[0]["last"].year
    end = date(year, 12, 31)
    starts = [date(y, m, 1) for y in (year - 1, year) for m in (1, 4, 7, 10)]
    liec = auth(settings, "LIEC")
    filters: list[tuple[dict[str, str], frozenset[str]]] = [
        ({}, frozenset()),
        ({"incident_type": "cannabis_grow_site"}, frozenset({"type:cannabis_grow_site"})),
        ({"typology": "cannabis"}, frozenset({"typology:cannabis"})),
    ]
    attack = Attack(classes_of([["type:cannabis_grow_site"]], ["typology:cannabis"]))
    for params, table in filters:
        for by in ("region", "region,quarter", "quarter", "year"):
            for region in (None, "Limburg"):
                for start in starts:
                    query = {**params, "by": by, "from": start.isoformat(), "to": end.isoformat()}
                    if region is not None:
                        query["region"] = region
                    body = client.get("/trends", params=query, headers=liec).json()
                    regions = [region] if region is not None else list(REGIONS)
                    attack.record(
                        body,
                        table=table,
                        regions=regions,
                        first=date.fromisoformat(body["from"]),
                        last=date.fromisoformat(body["to"]),
                    )
    assert attack.published
    assert attack.hidden
    assert attack.derived() == []


#: Up to ``$limit`` people living in ``$region`` now (the harvest's starting points).
_RESIDENTS = (
    "MATCH (p:Person)-[l:LIVES_AT]->(a:Address {region: $region}) WHERE l.until IS NULL "
    "RETURN DISTINCT p.id AS id ORDER BY id LIMIT $limit"
)
#: The ids of the nodes with element ids ``$keys``.
_IDS_OF_KEYS = "UNWIND $keys AS k MATCH (n) WHERE elementId(n) = k RETURN n.id AS id"


def test_a_riec_analyst_harvests_no_one_outside_the_case_scope(
    client: TestClient, settings: Settings, pipeline: neo4j.Driver
) -> None:
    """The attack of issue 14, repeated: an analyst walks ``depth=3`` from many residents of its
    region with its case's reference. Walks from outside the scope are refused; the others
    return only people in the case's scope and count the rest per region; every read is logged
    on the case."""
    region = max(REGIONS, key=lambda r: len(_all_alerts(client, auth(settings, r))))
    alert = next(a for a in _all_alerts(client, auth(settings, region)) if a["id"] not in _OPENED)
    reference = _case(client, settings, alert, org=region)
    headers = _for_case(settings, reference, org=region)
    database = settings.neo4j_database
    residents = [
        str(r["id"])
        for r in pipeline.execute_query(
            _RESIDENTS, region=region, limit=150, database_=database
        ).records
    ]
    execute = driver_executor(pipeline, database)
    case = run_sync(case_access(reference), execute)
    keys = run_sync(scope_keys(case.scope(1), today=date.today()), execute)
    inside = {
        str(r["id"])
        for r in pipeline.execute_query(_IDS_OF_KEYS, keys=sorted(keys), database_=database).records
    }
    people: set[str] = set()
    served = refused = counted = 0
    for token in residents:
        answer = client.get(f"/subjects/{token}/network", params={"depth": 3}, headers=headers)
        if answer.status_code == 403:
            assert answer.json()["type"].endswith("/outside-case-scope")
            assert token not in answer.text
            refused += 1
            continue
        assert answer.status_code == 200, answer.text
        served += 1
        body = answer.json()
        people |= {n["id"] for n in body["nodes"] if n["label"] == "Person"}
        people |= {p["member"] for p in body["flagged_paths"] if p["member"].startswith("PRS-")}
        counted += sum(body["outside"].values())
    print(  # the figures of the closing note (pytest -s shows them)
        f"harvest {region}: {len(residents)} walks, {served} served, {refused} refused, "
        f"{len(people)} people returned ({len(people - inside)} outside the scope), "
        f"{counted} met outside and counted, scope {len(inside)} entities"
    )
    assert served > 0
    assert refused > 0
    assert people, "the walks inside the scope return people"
    assert people <= inside, f"{len(people - inside)} people outside the case's scope returned"
    assert counted > 0, "the walks met people outside the scope and counted them instead"
    reads = client.get(f"/cases/{reference}/reads", headers=headers).json()
    assert reads["total"] == served
    assert {r["endpoint"] for r in reads["items"]} == {"/subjects/{token}/network"}
