"""A small graph written straight into Neo4j in the shape of docs/graph-model.md and
docs/analysis.md (entities with provenance, one analysed cluster with MEMBER_OF scores).

Used by the viz integration tests so that they do not depend on the generator, ingest and
analysis; the notebook test uses the real pipeline instead. Cypher as named constants; labels
and types from graph.model.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Final

import neo4j

from graph.model import ENTITY_LABEL, NodeLabel, RelType

__all__ = ["CLUSTER_ID", "HUB_ID", "IDS", "seed"]

CLUSTER_ID: Final = "CL-0000viz0"
HUB_ID: Final = "1000AA-1"

IDS: Final = {
    "p1": "PRS-VIZAAAAAAAAAAAAAAAAAAAAAAA",
    "p2": "PRS-VIZBBBBBBBBBBBBBBBBBBBBBBB",
    "p3": "PRS-VIZCCCCCCCCCCCCCCCCCCCCCCC",
    "p8": "PRS-VIZYYYYYYYYYYYYYYYYYYYYYYY",
    "p9": "PRS-VIZZZZZZZZZZZZZZZZZZZZZZZZ",
    "c1": "12345678",
    "a1": "6211AB-1",
    "a2": "5611AA-2",
    "a3": "6211AB-3",
    "t1": "TEL-VIZTTTTTTTTTTTTTTTTTTTTTTT",
    "t2": "TEL-VIZEXPIREDEXPIREDEXPIREDXX",
    "i1": "POL-2024-000001",
    "i2": "POL-2024-000002",
    "dup": "X-1",
}

_PROV: Final = {
    "partners": ["POL"],
    "src_partner": ["POL"],
    "src_delivery": ["POL-2024-001"],
    "src_legal_basis": ["WPG"],
    "first_seen": date(2024, 1, 15),
    "last_seen": date(2024, 6, 30),
    "retain_until": date(2029, 6, 30),
}


def _node_query(label: NodeLabel) -> str:
    return f"UNWIND $rows AS row CREATE (n:{label}:{ENTITY_LABEL}) SET n = row"


def _rel_query(rel: RelType) -> str:
    return (
        f"UNWIND $rows AS row MATCH (a:{ENTITY_LABEL} {{id: row.a}}) "
        f"MATCH (b:{ENTITY_LABEL} {{id: row.b}}) CREATE (a)-[r:{rel}]->(b) SET r = row.props"
    )


SEED_CLUSTER: Final = f"CREATE (c:{NodeLabel.CLUSTER} {{id: $id}}) SET c += $props"
SEED_MEMBERSHIPS: Final = (
    f"UNWIND $rows AS row MATCH (e:{ENTITY_LABEL} {{id: row.id}}) "
    f"MATCH (c:{NodeLabel.CLUSTER} {{id: $cluster}}) "
    f"CREATE (e)-[m:{RelType.MEMBER_OF_CLUSTER}]->(c) SET m = row.props"
)


def _prov(partner: str = "POL", **extra: Any) -> dict[str, Any]:
    return {**_PROV, "partners": [partner], "src_partner": [partner], **extra}


def seed(driver: neo4j.Driver, *, database: str, hub_people: int = 8) -> None:
    """Write the seed graph (into an empty database)."""
    nodes: dict[NodeLabel, list[dict[str, Any]]] = {
        NodeLabel.PERSON: [
            {"id": IDS[k], "birth_year": 1980, "sex": "M", **_prov()}
            for k in ("p1", "p2", "p3", "p8", "p9")
        ]
        + [
            {"id": f"PRS-VIZHUB{i:020d}", "birth_year": 1990, "sex": "F", **_prov("GEM")}
            for i in range(hub_people)
        ],
        NodeLabel.COMPANY: [{"id": IDS["c1"], "name": "Voorbeeld Teelt BV", **_prov("KVK")}],
        NodeLabel.ADDRESS: [
            {"id": IDS["a1"], "postcode": "6211AB", "region": "Limburg", **_prov("GEM")},
            {"id": IDS["a2"], "postcode": "5611AA", "region": "Oost-Brabant", **_prov("GEM")},
            {"id": IDS["a3"], "postcode": "6211AB", "region": "Limburg", **_prov("GEM")},
            {"id": HUB_ID, "postcode": "1000AA", "region": "Amsterdam-Amstelland", **_prov("GEM")},
        ],
        NodeLabel.PHONE: [
            {"id": IDS["t1"], **_prov()},
            {"id": IDS["t2"], **_prov(retain_until=date(2020, 1, 1))},  # past retention
        ],
        NodeLabel.INCIDENT: [
            {"id": IDS["i1"], "type": "extortion", "date": date(2024, 3, 1), **_prov()},
            {"id": IDS["i2"], "type": "violence", **_prov()},
            {"id": IDS["dup"], "type": "violence", **_prov()},
        ],
        NodeLabel.INVESTIGATION: [{"id": IDS["dup"], "kind": "fiscal", **_prov("FIOD")}],
    }
    rels: dict[RelType, list[dict[str, Any]]] = {
        RelType.LIVES_AT: [
            {"a": IDS["p1"], "b": IDS["a1"], "props": _prov("GEM", since=date(2020, 1, 1))},
            {"a": IDS["p3"], "b": IDS["a1"], "props": _prov("GEM", since=date(2021, 1, 1))},
            {"a": IDS["p2"], "b": IDS["a2"], "props": _prov("GEM", since=date(2019, 1, 1))},
            {"a": IDS["p9"], "b": HUB_ID, "props": _prov("GEM")},
        ]
        + [
            {"a": f"PRS-VIZHUB{i:020d}", "b": HUB_ID, "props": _prov("GEM")}
            for i in range(hub_people)
        ],
        RelType.REGISTERED_AT: [
            {"a": IDS["c1"], "b": IDS["a2"], "props": _prov("KVK", kind="office")}
        ],
        RelType.DIRECTORSHIP: [{"a": IDS["p1"], "b": IDS["c1"], "props": _prov("KVK")}],
        RelType.OWNERSHIP: [{"a": IDS["p1"], "b": IDS["c1"], "props": _prov("BD", share=0.6)}],
        RelType.RENTS: [{"a": IDS["p3"], "b": IDS["a3"], "props": _prov("GEM")}],
        RelType.USES: [
            {"a": IDS["p1"], "b": IDS["t1"], "props": _prov()},
            {"a": IDS["p2"], "b": IDS["t1"], "props": _prov()},
            {"a": IDS["p1"], "b": IDS["t2"], "props": _prov(retain_until=date(2020, 1, 1))},
            {"a": IDS["p2"], "b": IDS["t2"], "props": _prov(retain_until=date(2020, 1, 1))},
        ],
        RelType.INVOLVED_IN: [
            {"a": IDS["p2"], "b": IDS["i1"], "props": _prov(role="suspect")},
            {"a": IDS["p9"], "b": IDS["i2"], "props": _prov(role="witness")},
        ],
        RelType.ASSOCIATE: [
            {"a": IDS["p9"], "b": IDS["p1"], "props": _prov(kind="met")},
            # p8 is in no cluster but ties two members together
            {"a": IDS["p8"], "b": IDS["p2"], "props": _prov(kind="called")},
            {"a": IDS["p8"], "b": IDS["p3"], "props": _prov(kind="called")},
            {"a": IDS["p8"], "b": IDS["p9"], "props": _prov(kind="called")},
        ],
    }
    members = [
        ("p1", "person", "Limburg", 0.8, True, 1, True),
        ("p2", "person", "Oost-Brabant", 0.1, False, None, False),
        ("p3", "person", "Limburg", 0.0, False, None, False),
        ("c1", "company", "Oost-Brabant", 0.4, True, 2, True),
    ]
    cluster = {
        "status": "active",
        "stale": False,
        "size": 4,
        "persons": 3,
        "companies": 1,
        "regions": ["Limburg", "Oost-Brabant"],
        "region_counts": json.dumps({"Limburg": 2, "Oost-Brabant": 2}),
        "cross_region": True,
        "typology": "cannabis",
        "score": 61.5,
        "flagged": True,
        "partners": ["BD", "GEM", "KVK", "POL"],
        "key_players": json.dumps([]),
        "evidence": json.dumps(
            [{"signal": "extortion", "count": 1, "weight": 2.0, "typology": "other"}]
        ),
        "score_explanation": json.dumps(
            [{"component": "crime_signals", "value": 2.0, "contribution": 61.5}]
        ),
    }
    with driver.session(database=database) as session:
        for label, rows in nodes.items():
            session.run(_node_query(label), rows=rows).consume()
        for rel, rows in rels.items():
            session.run(_rel_query(rel), rows=rows).consume()
        session.run(SEED_CLUSTER, id=CLUSTER_ID, props=cluster).consume()
        session.run(
            SEED_MEMBERSHIPS,
            cluster=CLUSTER_ID,
            rows=[
                {
                    "id": IDS[key],
                    "props": {
                        "run_id": "RUN-TEST",
                        "kind": kind,
                        "region": region,
                        "degree": 2,
                        "betweenness": betweenness,
                        "core": 1,
                        "is_broker": broker,
                        "connects_regions": connects,
                        "scarce_role": "property" if key == "c1" else None,
                        "rank": rank,
                    },
                }
                for key, kind, region, betweenness, broker, rank, connects in members
            ],
        ).consume()
