"""The harvest of issue 14 as an attacker would try it, in-process against the analysed graph
of the instance named by ``KNOOPPUNT_INSTANCE``: an analyst of ``--region`` walks
``/subjects/{token}/network?depth=3`` from up to ``--n`` residents of its region with the
reference of a case its coordinator opened from one of the region's alerts. Prints how many
people living outside the region the walks returned, of all people living outside it.

Run it on an older checkout (``PYTHONPATH=<checkout>``) for the figure before purpose
binding, where any well-formed reference was accepted.

    KNOOPPUNT_INSTANCE=NAME python -m benchmarks.harvest --region "Den Haag" --n 150
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import mint_token
from graph.driver import connect
from graph.settings import Settings, get_settings

#: People living in ``$region`` now, and the number living elsewhere now.
_RESIDENTS = (
    "MATCH (p:Person)-[l:LIVES_AT]->(a:Address) WHERE l.until IS NULL "
    "WITH p, collect(a.region) AS regions "
    "RETURN [x IN collect(CASE WHEN $region IN regions THEN p.id END) WHERE x IS NOT NULL] "
    "AS inside, count(CASE WHEN NOT $region IN regions THEN 1 END) AS elsewhere"
)
#: The current home regions of the people ``$ids``.
_HOMES = (
    "UNWIND $ids AS pid MATCH (p:Person {id: pid})-[l:LIVES_AT]->(a:Address) "
    "WHERE l.until IS NULL RETURN p.id AS id, collect(a.region) AS regions"
)


def _headers(settings: Settings, org: str, role: str, case: str | None = None) -> dict[str, str]:
    token = mint_token(settings, subject=f"harvest-{role}", org=org, role=role)
    headers = {"Authorization": f"Bearer {token}"}
    if case is not None:
        headers["X-Case-Reference"] = case
    return headers


def _open_case(client: TestClient, settings: Settings, region: str) -> str:
    alerts = client.get(
        "/alerts", params={"limit": 100}, headers=_headers(settings, region, "analyst")
    ).json()["items"]
    coordinator = _headers(settings, region, "coordinator")
    for alert in alerts:
        body = {
            "title": "Harvest attempt",
            "phenomenon": "other",
            "purpose": "Measuring what a case reference unlocks",
            "legal_basis": "WPG",
            "alert_id": alert["id"],
        }
        r = client.post("/cases", json=body, headers=coordinator)
        if r.status_code == 201:
            return str(r.json()["reference"])
    raise SystemExit(f"no alert of {region} without a case to open one from")


def main() -> None:
    """Walk, count, print (and write JSON with ``--json``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="Den Haag")
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    settings = get_settings().model_copy(
        update={
            "jwt_secret": SecretStr("benchmark-secret-long-enough-for-hs256-0000"),
            "audit_log": Path(tempfile.mkdtemp()) / "audit.log",
            "api_request_deadline_s": 60.0,
            "neo4j_query_timeout_s": 50.0,
        }
    )
    with connect(settings) as driver:
        found = driver.execute_query(
            _RESIDENTS, region=args.region, database_=settings.neo4j_database
        ).records[0]
        residents, elsewhere = sorted(found["inside"])[: args.n], int(found["elsewhere"])
        people: set[str] = set()
        statuses: dict[int, int] = {}
        with TestClient(create_app(settings)) as client:
            reference = _open_case(client, settings, args.region)
            headers = _headers(settings, args.region, "analyst", reference)
            for token in residents:
                r = client.get(f"/subjects/{token}/network?depth=3", headers=headers)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code == 200:
                    body: dict[str, Any] = r.json()
                    people |= {n["id"] for n in body["nodes"] if n["label"] == "Person"}
        homes = driver.execute_query(
            _HOMES, ids=sorted(people), database_=settings.neo4j_database
        ).records
        outside = {str(r["id"]) for r in homes if args.region not in r["regions"]}
    report = {
        "region": args.region,
        "walks": len(residents),
        "statuses": statuses,
        "people_returned": len(people),
        "people_outside_region_returned": len(outside),
        "people_outside_region": elsewhere,
        "share_outside_harvested": round(len(outside) / elsewhere, 4) if elsewhere else None,
    }
    print(json.dumps(report, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
