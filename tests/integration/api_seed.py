"""A small graph for the API tests, written in the shape of docs/graph-model.md (entities with
provenance) and docs/analysis.md (clusters, memberships, events, alerts).

Scenario (regions as the RIECs name them):

- ``CL_CROSS``: a flagged cross-region cannabis cluster, 3 members in Limburg (pL1..pL3) and 2
  in Oost-Brabant (pB1 and the company KVK_B); alerts ``AL_CROSS`` (+ more for paging) and
  ``AL_GROWN``;
- ``CL_NOORD``: a flagged OMG cluster in Noord only (pN1..pN3); alert ``AL_NOORD``;
- ``CL_FAMILY``: an unflagged Limburg cluster (pL4, pL5), no alert;
- pL5 shares an address with pL3 (a path to ``CL_CROSS`` in two links); company KVK_L (office in
  Limburg) is directed by pL4 and registered where pL1 lives;
- a hub address in Amsterdam-Amstelland with 60 residents, rented by pL3 (not expanded);
- a phone link of pL1 past its retention (never served, but exported);
- incidents per region and quarter for the trend tables, and one without an address.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Final

import neo4j

from api.auth import mint_token
from graph.model import ENTITY_LABEL, NodeLabel, RelType
from graph.settings import Settings

__all__ = [
    "ALERTS_ON_CROSS",
    "AL_CROSS",
    "AL_GROWN",
    "AL_NOORD",
    "AUDIT_KEY",
    "CASE",
    "CL_CROSS",
    "CL_FAMILY",
    "CL_NOORD",
    "HUB",
    "IDS",
    "INCIDENT_COUNTS",
    "JWT_SECRET",
    "auth",
    "seed",
]

JWT_SECRET: Final = "integration-secret-long-enough-for-hs256-000"
AUDIT_KEY: Final = "integration-audit-key-long-enough-0000000000"
#: A case reference that matches the default pattern.
CASE: Final = "RIEC-2025-0042"

CL_CROSS: Final = "CL-0000000a"
CL_NOORD: Final = "CL-0000000b"
CL_FAMILY: Final = "CL-0000000c"
AL_CROSS: Final = "AL-00000000000a"
AL_GROWN: Final = "AL-00000000000c"
AL_NOORD: Final = "AL-00000000000b"
HUB: Final = "1012AB-1"
#: Alerts on CL_CROSS (AL_CROSS, AL_GROWN and five more, for paging).
ALERTS_ON_CROSS: Final = 7


def _token(prefix: str, name: str) -> str:
    body = (name.upper().replace("_", "") + "A" * 26)[:26]
    return f"{prefix}-{body}"


IDS: Final = {
    "pL1": _token("PRS", "LIMBURGONE"),
    "pL2": _token("PRS", "LIMBURGTWO"),
    "pL3": _token("PRS", "LIMBURGTHREE"),
    "pL4": _token("PRS", "LIMBURGFOUR"),
    "pL5": _token("PRS", "LIMBURGFIVE"),
    "pB1": _token("PRS", "BRABANTONE"),
    "pN1": _token("PRS", "NOORDONE"),
    "pN2": _token("PRS", "NOORDTWO"),
    "pN3": _token("PRS", "NOORDTHREE"),
    "pR1": _token("PRS", "ROTTERDAMONE"),
    "KVK_B": "11111111",
    "KVK_L": "22222222",
    "KVK_R": "33333333",
    "aL1": "6211AB-1",
    "aL2": "6221CD-5",
    "aB1": "5611AA-2",
    "aN1": "9711AA-3",
    "aR1": "3011AB-7",
    "t1": _token("TEL", "PHONEONE"),
    "t2": _token("TEL", "PHONEEXPIRED"),
    "v1": _token("VEH", "VEHICLEONE"),
}

#: Incidents of type cannabis_grow_site per (region, year, quarter) that the seed writes.
INCIDENT_COUNTS: Final = {
    ("Limburg", 2025, 1): 12,
    ("Limburg", 2025, 2): 3,
    ("Oost-Brabant", 2025, 1): 7,
    ("Oost-Brabant", 2025, 2): 9,
    ("Noord", 2025, 1): 2,
    ("Noord", 2025, 2): 20,
}
_ADDRESS_OF_REGION = {"Limburg": "aL1", "Oost-Brabant": "aB1", "Noord": "aN1"}


def _prov(partner: str = "POL", basis: str = "WPG", **extra: Any) -> dict[str, Any]:
    return {
        "partners": [partner],
        "src_partner": [partner],
        "src_delivery": [f"{partner}-20250101-RE01"],
        "src_legal_basis": [basis],
        "src_first_seen": [date(2025, 1, 15)],
        "src_last_seen": [date(2025, 6, 30)],
        "src_retain_until": [date(2030, 6, 30)],
        "first_seen": date(2025, 1, 15),
        "last_seen": date(2025, 6, 30),
        "retain_until": date(2030, 6, 30),
        **extra,
    }


def _node_query(label: NodeLabel) -> str:
    return f"UNWIND $rows AS row CREATE (n:{label}:{ENTITY_LABEL}) SET n = row"


def _rel_query(rel: RelType) -> str:
    return (
        f"UNWIND $rows AS row MATCH (a:{ENTITY_LABEL} {{id: row.a}}) "
        f"MATCH (b:{ENTITY_LABEL} {{id: row.b}}) CREATE (a)-[r:{rel}]->(b) SET r = row.props"
    )


SEED_CLUSTERS: Final = (
    f"UNWIND $rows AS row CREATE (c:{NodeLabel.CLUSTER} {{id: row.id}}) SET c += row.props"
)
SEED_MEMBERSHIPS: Final = (
    f"UNWIND $rows AS row MATCH (e:{ENTITY_LABEL} {{id: row.id}}) "
    f"MATCH (c:{NodeLabel.CLUSTER} {{id: row.cluster}}) "
    f"CREATE (e)-[m:{RelType.MEMBER_OF_CLUSTER}]->(c) SET m = row.props"
)
SEED_EVENTS: Final = (
    f"UNWIND $rows AS row MATCH (c:{NodeLabel.CLUSTER} {{id: row.cluster_id}}) "
    f"CREATE (e:{NodeLabel.CLUSTER_EVENT})-[:{RelType.ABOUT}]->(c) SET e = row"
)
SEED_ALERTS: Final = (
    f"UNWIND $rows AS row MATCH (c:{NodeLabel.CLUSTER} {{id: row.cluster_id}}) "
    f"CREATE (a:{NodeLabel.ALERT})-[:{RelType.ABOUT}]->(c) SET a = row"
)


def _person(key: str, partner: str = "GEM") -> dict[str, Any]:
    return {"id": IDS[key], "birth_year": 1980, "sex": "M", **_prov(partner, "GEM-BRP")}


def _address(key: str, region: str) -> dict[str, Any]:
    postcode = IDS[key].split("-")[0]
    return {
        "id": IDS[key],
        "postcode": postcode,
        "pc4": postcode[:4],
        "house_number": int(IDS[key].split("-")[1]),
        "region": region,
        **_prov("GEM", "GEM-BRP"),
    }


def _cluster(
    regions: dict[str, int], *, typology: str, score: float, flagged: bool, created: datetime
) -> dict[str, Any]:
    ordered = sorted(regions, key=lambda r: (-regions[r], r))
    return {
        "status": "active",
        "stale": False,
        "first_run": "RUN-20250201T000000Z-000001",
        "last_run": "RUN-20251001T000000Z-000002",
        "created_at": created,
        "updated_at": datetime(2025, 10, 1, tzinfo=UTC),
        "size": sum(regions.values()),
        "persons": sum(regions.values()),
        "companies": 0,
        "regions": ordered,
        "region_counts": json.dumps(regions),
        "cross_region": len([r for r in regions if regions[r] >= 2]) >= 2,
        "typology": typology,
        "evidence": json.dumps(
            [{"signal": "cannabis_grow_site", "count": 3, "weight": 3.0, "typology": typology}]
        ),
        "score": score,
        "score_explanation": json.dumps(
            [{"component": "crime_signals", "value": 3, "contribution": score}]
        ),
        "flagged": flagged,
        "partners": ["GEM", "KVK", "POL"],
        "key_players": json.dumps([]),
        "component_size": sum(regions.values()),
        "density": 0.5,
    }


def _membership(cluster: str, key: str, region: str, rank: int | None) -> dict[str, Any]:
    return {
        "id": IDS[key],
        "cluster": cluster,
        "props": {
            "run_id": "RUN-20251001T000000Z-000002",
            "kind": "company" if key.startswith("KVK") else "person",
            "region": region,
            "degree": 2,
            "betweenness": 0.5 if rank else 0.0,
            "core": 1,
            "is_broker": rank is not None,
            "connects_regions": rank is not None,
            "scarce_role": None,
            "rank": rank,
        },
    }


def _alert(
    alert_id: str, cluster: str, kind: str, regions: list[str], created: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "id": alert_id,
        "kind": kind,
        "cluster_id": cluster,
        "regions": regions,
        "new_regions": [],
        "typology": extra.pop("typology", "cannabis"),
        "score": extra.pop("score", 70.0),
        "growth": extra.pop("growth", None),
        "created_at": created,
        "run_id": "RUN-20251001T000000Z-000002",
        "initial": False,
        "summary": f"{kind} alert",
        **extra,
    }


def seed(driver: neo4j.Driver, *, database: str) -> None:
    """Write the scenario into an empty database."""
    hub_people = [_token("PRS", f"HUB{chr(65 + i // 26)}{chr(65 + i % 26)}") for i in range(60)]
    nodes: dict[NodeLabel, list[dict[str, Any]]] = {
        NodeLabel.PERSON: [_person(k) for k in IDS if k.startswith("p")]
        + [
            {"id": t, "birth_year": 1990, "sex": "F", **_prov("GEM", "GEM-BRP")} for t in hub_people
        ],
        NodeLabel.COMPANY: [
            {"id": IDS["KVK_B"], "name": "Kweek BV", "legal_form": "BV", **_prov("KVK", "HRW")},
            {"id": IDS["KVK_L"], "name": "Bouw BV", "legal_form": "BV", **_prov("KVK", "HRW")},
            {"id": IDS["KVK_R"], "name": "Haven BV", "legal_form": "BV", **_prov("KVK", "HRW")},
        ],
        NodeLabel.ADDRESS: [
            _address("aL1", "Limburg"),
            _address("aL2", "Limburg"),
            _address("aB1", "Oost-Brabant"),
            _address("aN1", "Noord"),
            _address("aR1", "Rotterdam"),
            {"id": HUB, "postcode": "1012AB", "region": "Amsterdam-Amstelland", **_prov("GEM")},
        ],
        NodeLabel.PHONE: [{"id": IDS["t1"], **_prov()}, {"id": IDS["t2"], **_prov()}],
        NodeLabel.VEHICLE: [{"id": IDS["v1"], **_prov()}],
        NodeLabel.INCIDENT: [],
    }
    rels: dict[RelType, list[dict[str, Any]]] = {
        RelType.LIVES_AT: [
            {"a": IDS[p], "b": IDS[a], "props": _prov("GEM", "GEM-BRP", since=date(2020, 1, 1))}
            for p, a in [
                ("pL1", "aL1"),
                ("pL2", "aL1"),
                ("pL3", "aL2"),
                ("pL4", "aL2"),
                ("pL5", "aL2"),
                ("pB1", "aB1"),
                ("pN1", "aN1"),
                ("pN2", "aN1"),
                ("pN3", "aN1"),
                ("pR1", "aR1"),
            ]
        ]
        + [{"a": t, "b": HUB, "props": _prov("GEM", "GEM-BRP")} for t in hub_people],
        RelType.REGISTERED_AT: [
            {"a": IDS["KVK_B"], "b": IDS["aB1"], "props": _prov("KVK", "HRW", kind="office")},
            {"a": IDS["KVK_L"], "b": IDS["aL1"], "props": _prov("KVK", "HRW", kind="office")},
            {"a": IDS["KVK_R"], "b": IDS["aR1"], "props": _prov("KVK", "HRW", kind="office")},
        ],
        RelType.DIRECTORSHIP: [
            {"a": IDS["pL1"], "b": IDS["KVK_B"], "props": _prov("KVK", "HRW")},
            {"a": IDS["pL4"], "b": IDS["KVK_L"], "props": _prov("KVK", "HRW")},
        ],
        RelType.RENTS: [{"a": IDS["pL3"], "b": HUB, "props": _prov("GEM", "GEM-BRP")}],
        RelType.USES: [
            {"a": IDS["pL1"], "b": IDS["t1"], "props": _prov()},
            {"a": IDS["pB1"], "b": IDS["t1"], "props": _prov()},
            {"a": IDS["pN1"], "b": IDS["v1"], "props": _prov()},
            {
                "a": IDS["pL1"],
                "b": IDS["t2"],
                "props": _prov(retain_until=date(2020, 1, 1), src_retain_until=[date(2020, 1, 1)]),
            },
        ],
        RelType.ASSOCIATE: [
            {"a": IDS["pN1"], "b": IDS["pN2"], "props": _prov(kind="met")},
            {"a": IDS["pN2"], "b": IDS["pN3"], "props": _prov(kind="called")},
        ],
        RelType.INVOLVED_IN: [],
        RelType.CONCERNS: [],
    }
    number = 0
    for (region, year, quarter), count in INCIDENT_COUNTS.items():
        for k in range(count):
            number += 1
            incident_id = f"POL-{year}-{number:06d}"
            nodes[NodeLabel.INCIDENT].append(
                {
                    "id": incident_id,
                    "type": "cannabis_grow_site",
                    "date": date(year, 3 * (quarter - 1) + 1, 1 + k % 28),
                    **_prov(),
                }
            )
            rels[RelType.CONCERNS].append(
                {"a": incident_id, "b": IDS[_ADDRESS_OF_REGION[region]], "props": _prov()}
            )
    # pL2 is a suspect in the first Limburg incident; one incident has no address.
    rels[RelType.INVOLVED_IN].append(
        {"a": IDS["pL2"], "b": "POL-2025-000001", "props": _prov(role="suspect")}
    )
    nodes[NodeLabel.INCIDENT].append(
        {"id": "POL-2025-999999", "type": "extortion", "date": date(2025, 2, 2), **_prov()}
    )

    clusters = [
        {
            "id": CL_CROSS,
            "props": {
                **_cluster(
                    {"Limburg": 3, "Oost-Brabant": 2},
                    typology="cannabis",
                    score=72.5,
                    flagged=True,
                    created=datetime(2025, 2, 1, tzinfo=UTC),
                ),
                "persons": 4,
                "companies": 1,
                "key_players": json.dumps(
                    [
                        {"id": IDS["pL1"], "kind": "person", "region": "Limburg", "rank": 1},
                        {"id": IDS["pB1"], "kind": "person", "region": "Oost-Brabant", "rank": 2},
                    ]
                ),
            },
        },
        {
            "id": CL_NOORD,
            "props": _cluster(
                {"Noord": 3},
                typology="omg",
                score=65.0,
                flagged=True,
                created=datetime(2025, 5, 1, tzinfo=UTC),
            ),
        },
        {
            "id": CL_FAMILY,
            "props": _cluster(
                {"Limburg": 2},
                typology="other",
                score=5.0,
                flagged=False,
                created=datetime(2025, 2, 1, tzinfo=UTC),
            ),
        },
    ]
    memberships = [
        _membership(CL_CROSS, "pL1", "Limburg", 1),
        _membership(CL_CROSS, "pL2", "Limburg", None),
        _membership(CL_CROSS, "pL3", "Limburg", None),
        _membership(CL_CROSS, "pB1", "Oost-Brabant", 2),
        _membership(CL_CROSS, "KVK_B", "Oost-Brabant", None),
        _membership(CL_NOORD, "pN1", "Noord", 1),
        _membership(CL_NOORD, "pN2", "Noord", None),
        _membership(CL_NOORD, "pN3", "Noord", None),
        _membership(CL_FAMILY, "pL4", "Limburg", None),
        _membership(CL_FAMILY, "pL5", "Limburg", None),
    ]
    events = [
        {
            "id": "EV-00000000000a",
            "run_id": "RUN-20250201T000000Z-000001",
            "cluster_id": CL_CROSS,
            "kind": "new",
            "at": datetime(2025, 2, 1, tzinfo=UTC),
            "details": json.dumps({"size_after": 4}),
        },
        {
            "id": "EV-00000000000b",
            "run_id": "RUN-20251001T000000Z-000002",
            "cluster_id": CL_CROSS,
            "kind": "grown",
            "at": datetime(2025, 10, 1, tzinfo=UTC),
            "details": json.dumps({"size_before": 4, "size_after": 5}),
        },
    ]
    both = ["Limburg", "Oost-Brabant"]
    alerts = [
        _alert(AL_CROSS, CL_CROSS, "new_cross_region", both, datetime(2025, 10, 1, 10, tzinfo=UTC)),
        _alert(
            AL_GROWN,
            CL_CROSS,
            "grown",
            both,
            datetime(2025, 10, 3, 10, tzinfo=UTC),
            growth=0.25,
        ),
        _alert(
            AL_NOORD,
            CL_NOORD,
            "typology",
            ["Noord"],
            datetime(2025, 10, 2, 10, tzinfo=UTC),
            typology="omg",
            score=65.0,
        ),
    ] + [
        _alert(f"AL-10000000000{i}", CL_CROSS, "grown", both, datetime(2025, 9, 1 + i, tzinfo=UTC))
        for i in range(ALERTS_ON_CROSS - 2)
    ]
    with driver.session(database=database) as session:
        for label, rows in nodes.items():
            session.run(_node_query(label), rows=rows).consume()
        for rel, rows in rels.items():
            session.run(_rel_query(rel), rows=rows).consume()
        session.run(SEED_CLUSTERS, rows=clusters).consume()
        session.run(SEED_MEMBERSHIPS, rows=memberships).consume()
        session.run(SEED_EVENTS, rows=events).consume()
        session.run(SEED_ALERTS, rows=alerts).consume()


def auth(
    settings: Settings,
    org: str,
    role: str = "analyst",
    *,
    case: str | None = None,
    subject: str | None = None,
) -> dict[str, str]:
    """Request headers: a bearer token for ``org``/``role`` and optionally a case reference."""
    token = mint_token(settings, subject=subject or f"{org}-{role}", org=org, role=role)
    headers = {"Authorization": f"Bearer {token}"}
    if case is not None:
        headers["X-Case-Reference"] = case
    return headers
