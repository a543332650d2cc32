"""The workbench's reads on a large cluster (issue 16: 2,000 nodes and 10,000 links open in under
2 s): ``GET /clusters/{id}/graph`` with its first-view layout, an expansion and a GraphML export,
in-process against a Neo4j instance that this script fills (the instance is WIPED first).

The cluster is written through the project's own write paths (the ingest writer for the facts,
the analysis write-back's statements for the cluster, its memberships and an alert), and read
with a case opened from that alert, as an analyst of the region would.

    python -m benchmarks.workbench --instance NAME [--nodes 2000] [--links 10000] [--n 5] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import mint_token
from graph import queries as gq
from graph.driver import connect
from graph.localdb import server
from graph.model import NodeLabel, RelType
from graph.results import AlertRecord, MembershipRecord
from graph.schema import apply_schema
from graph.settings import Settings
from graph.subgraph import cluster_graph, driver_executor, run_sync
from graph.viz.layout import compute_positions
from graph.viz.load import first_view_positions, to_networkx
from ingest.writer import Source
from tests.integration.seed_support import (
    SeedFacts,
    write_alerts,
    write_clusters,
    write_memberships,
)

_CLUSTER = "CL-00000b16"
_ALERT = "AL-0000000b16"
_RUN = "RUN-20251001T000000Z-000016"
_AT = datetime(2025, 10, 1, tzinfo=UTC)
_POL = Source("POL", "WPG", "POL-20250115-RE01", date(2025, 1, 15), date(2030, 6, 30))
_REGIONS = ("Limburg", "Oost-Brabant")


def _token(i: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    body = "".join(alphabet[(i >> (5 * k)) & 31] for k in range(26))
    return f"PRS-{body}"


def fill(settings: Settings, instance: str, *, nodes: int, links: int, seed: int = 7) -> None:
    """Wipe the instance and write one cluster of ``nodes`` people with ``links`` links."""
    driver = connect(settings, instance)
    db = settings.neo4j_database
    try:
        with driver.session(database=db) as session:
            session.run(gq.WIPE_ALL, batch=10_000).consume()
        apply_schema(driver, database=db)
        rng = random.Random(seed)
        people = [_token(i) for i in range(nodes)]
        facts = SeedFacts()
        for person in people:
            facts.node(_POL, NodeLabel.PERSON, person)
        pairs: set[tuple[int, int]] = {(i, i + 1) for i in range(nodes - 1)}  # connected
        while len(pairs) < links:
            a, b = sorted(rng.sample(range(nodes), 2))
            pairs.add((a, b))
        for a, b in sorted(pairs):
            facts.link(_POL, RelType.ASSOCIATE, people[a], people[b], kind="family")
        facts.write(driver, database=db)
        counts = {r: sum(1 for i in range(nodes) if _REGIONS[i % 2] == r) for r in _REGIONS}
        props = {
            "size": nodes,
            "persons": nodes,
            "companies": 0,
            "regions": list(_REGIONS),
            "region_counts": json.dumps(counts),
            "cross_region": True,
            "typology": "cannabis",
            "score": 80.0,
            "flagged": True,
        }
        write_clusters(driver, database=db, run_id=_RUN, at=_AT, clusters={_CLUSTER: props})
        write_memberships(
            driver,
            database=db,
            memberships=[
                (
                    _CLUSTER,
                    person,
                    MembershipRecord(run_id=_RUN, kind="person", region=_REGIONS[i % 2]),
                )
                for i, person in enumerate(people)
            ],
        )
        alert = AlertRecord(
            id=_ALERT,
            kind="new_cross_region",
            cluster_id=_CLUSTER,
            regions=list(_REGIONS),
            new_regions=[],
            typology="cannabis",
            score=80.0,
            created_at=_AT,
            run_id=_RUN,
            initial=False,
            summary="benchmark",
        )
        write_alerts(driver, database=db, alerts=[alert])
        driver.execute_query(
            gq.ANALYSIS_RUN_START,
            id=_RUN,
            started_at=_AT,
            as_of=date(2025, 9, 30),
            params="{}",
            initial=False,
            database_=db,
        )
    finally:
        driver.close()


def _headers(settings: Settings, role: str, case: str | None = None) -> dict[str, str]:
    token = mint_token(settings, subject=f"bench-{role}", org="Limburg", role=role)
    headers = {"Authorization": f"Bearer {token}"}
    if case is not None:
        headers["X-Case-Reference"] = case
    return headers


def _timed(call: Any, n: int) -> tuple[list[float], Any]:
    times: list[float] = []
    last: Any = None
    for _ in range(n):
        started = time.perf_counter()
        last = call()
        times.append(time.perf_counter() - started)
    return times, last


def _audit_log(settings: Settings) -> Path:
    """The benchmark's audit log: kept between runs on one filling (Neo4j holds its checkpoint),
    removed with the data when the instance is filled again."""
    return settings.home / "benchmarks" / "workbench-audit.log"


def measure(settings: Settings, instance: str, *, n: int) -> dict[str, Any]:
    """Seconds per read (first and median of the rest: the first one also reads the case's
    scope and computes the layout), and the layout alone, computed and from the cache."""
    log = _audit_log(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    app_settings = settings.model_copy(
        update={
            "jwt_secret": SecretStr("benchmark-secret-long-enough-for-hs256-0000"),
            "audit_key": SecretStr("benchmark-audit-key-long-enough-00000000000"),
            "audit_log": log,
            "neo4j_query_timeout_s": 60.0,
            "api_request_deadline_s": 120.0,
        }
    )
    with TestClient(create_app(app_settings)) as client:
        body = {
            "title": "Benchmark",
            "phenomenon": "cannabis",
            "purpose": "Time to open the largest cluster's workspace",
            "legal_basis": "WPG",
            "alert_id": _ALERT,
        }
        r = client.post("/cases", json=body, headers=_headers(app_settings, "coordinator"))
        if r.status_code == 409 and r.json().get("case_reference"):  # opened before
            case = str(r.json()["case_reference"])
        else:
            r.raise_for_status()
            case = str(r.json()["reference"])
        headers = _headers(app_settings, "analyst", case)
        url = f"/clusters/{_CLUSTER}/graph"
        graph_s, answer = _timed(lambda: client.get(url, headers=headers), n)
        answer.raise_for_status()
        graph = answer.json()
        node = graph["nodes"][0]["id"]
        expand_s, _ = _timed(
            lambda: client.get(
                f"/clusters/{_CLUSTER}/expand",
                params={"node": node, "limit": 200},
                headers=headers,
            ).raise_for_status(),
            n,
        )
        export_s, exported = _timed(
            lambda: client.post(
                f"/clusters/{_CLUSTER}/exports", json={"format": "graphml"}, headers=headers
            ).raise_for_status(),
            n,
        )
    driver = connect(settings, instance)
    try:
        found = run_sync(
            cluster_graph(_CLUSTER, today=datetime.now(UTC).date(), max_nodes=2000),
            driver_executor(driver, settings.neo4j_database),
        )
    finally:
        driver.close()
    assert found is not None
    layout_s, _ = _timed(lambda: compute_positions(to_networkx(found)), n)
    cached_s, _ = _timed(lambda: first_view_positions(found), n)

    def summary(times: list[float]) -> dict[str, float]:
        rest = times[1:] or times
        return {"first_s": round(times[0], 3), "median_s": round(statistics.median(rest), 3)}

    return {
        "nodes": len(graph["nodes"]),
        "links": len(graph["links"]),
        "truncated": graph["truncated"],
        "response_bytes": len(answer.content),
        "graphml_bytes": len(exported.content),
        "graph": summary(graph_s),
        "layout_computed": summary(layout_s),
        "layout_cached": summary(cached_s),
        "expand_200": summary(expand_s),
        "export_graphml": summary(export_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--instance", required=True, help="a local instance: it is wiped")
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="measure what an earlier run wrote")
    args = parser.parse_args()
    if args.instance == "default":
        parser.error("the demo's instance is not wiped by a benchmark")
    settings = Settings(instance=args.instance)
    server.start(settings, args.instance)
    if not args.reuse:
        fill(settings, args.instance, nodes=args.nodes, links=args.links)
        for old in _audit_log(settings).parent.glob(_audit_log(settings).name + "*"):
            old.unlink()
    figures = measure(settings, args.instance, n=args.n)
    print(json.dumps(figures, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
