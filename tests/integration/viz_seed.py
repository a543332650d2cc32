"""A small graph in the shape of docs/graph-model.md and docs/analysis.md (entities with
provenance, one analysed cluster with MEMBER_OF scores), written through the ingest writer and
the analysis write-back's statements (:mod:`tests.integration.seed_support`).

Used by the viz integration tests so that they do not depend on the generator, a delivery's
files and the analysis; the notebook test uses the real pipeline instead.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Final

import neo4j

from graph.model import NodeLabel, RelType
from graph.results import MembershipRecord
from ingest.writer import Source
from tests.integration.seed_support import SeedFacts, write_clusters, write_memberships

__all__ = ["CLUSTER_ID", "HUB_ID", "IDS", "seed"]

CLUSTER_ID: Final = "CL-0000viz0"
HUB_ID: Final = "1000AA-1"
RUN_ID: Final = "RUN-TEST"

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


def _source(partner: str, legal_basis: str) -> Source:
    return Source(partner, legal_basis, f"{partner}-2024-001", date(2024, 1, 15), date(2029, 6, 30))


POL: Final = _source("POL", "WPG")
GEM: Final = _source("GEM", "GEM-BRP")
KVK: Final = _source("KVK", "HRW")
BD: Final = _source("BD", "AWR")
FIOD: Final = _source("FIOD", "WPG")
#: An older police delivery whose facts are past their retention.
POL_EXPIRED: Final = Source("POL", "WPG", "POL-2015-001", date(2015, 1, 15), date(2020, 1, 1))

#: ``(member, kind, region, betweenness, is_broker, rank, connects_regions)``.
_MEMBERS: Final = [
    ("p1", "person", "Limburg", 0.8, True, 1, True),
    ("p2", "person", "Oost-Brabant", 0.1, False, None, False),
    ("p3", "person", "Limburg", 0.0, False, None, False),
    ("c1", "company", "Oost-Brabant", 0.4, True, 2, True),
]

_CLUSTER: Final = {
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


def _entities(facts: SeedFacts, hub_people: list[str]) -> None:
    for k in ("p1", "p2", "p3", "p8", "p9"):
        facts.node(POL, NodeLabel.PERSON, IDS[k], birth_year=1980, sex="M")
    for person in hub_people:
        facts.node(GEM, NodeLabel.PERSON, person, birth_year=1990, sex="F")
    facts.node(KVK, NodeLabel.COMPANY, IDS["c1"], name="Voorbeeld Teelt BV")
    facts.node(GEM, NodeLabel.ADDRESS, IDS["a1"], postcode="6211AB", region="Limburg")
    facts.node(GEM, NodeLabel.ADDRESS, IDS["a2"], postcode="5611AA", region="Oost-Brabant")
    facts.node(GEM, NodeLabel.ADDRESS, IDS["a3"], postcode="6211AB", region="Limburg")
    facts.node(GEM, NodeLabel.ADDRESS, HUB_ID, postcode="1000AA", region="Amsterdam-Amstelland")
    facts.node(POL, NodeLabel.PHONE, IDS["t1"])
    facts.node(POL_EXPIRED, NodeLabel.PHONE, IDS["t2"])  # past retention
    facts.node(POL, NodeLabel.INCIDENT, IDS["i1"], type="extortion", date=date(2024, 3, 1))
    facts.node(POL, NodeLabel.INCIDENT, IDS["i2"], type="violence")
    facts.node(POL, NodeLabel.INCIDENT, IDS["dup"], type="violence")
    facts.node(FIOD, NodeLabel.INVESTIGATION, IDS["dup"], kind="fiscal")


#: ``(source, type, from, to, properties)`` of the links besides the hub's residents.
_LINKS: Final[list[tuple[Source, RelType, str, str, dict[str, Any]]]] = [
    (GEM, RelType.LIVES_AT, "p1", "a1", {"since": date(2020, 1, 1)}),
    (GEM, RelType.LIVES_AT, "p3", "a1", {"since": date(2021, 1, 1)}),
    (GEM, RelType.LIVES_AT, "p2", "a2", {"since": date(2019, 1, 1)}),
    (KVK, RelType.REGISTERED_AT, "c1", "a2", {"kind": "office"}),
    (KVK, RelType.DIRECTORSHIP, "p1", "c1", {}),
    (BD, RelType.OWNERSHIP, "p1", "c1", {"share": 0.6}),
    (GEM, RelType.RENTS, "p3", "a3", {}),
    (POL, RelType.USES, "p1", "t1", {}),
    (POL, RelType.USES, "p2", "t1", {}),
    (POL_EXPIRED, RelType.USES, "p1", "t2", {}),
    (POL_EXPIRED, RelType.USES, "p2", "t2", {}),
    (POL, RelType.INVOLVED_IN, "p2", "i1", {"role": "suspect"}),
    (POL, RelType.INVOLVED_IN, "p9", "i2", {"role": "witness"}),
    (POL, RelType.ASSOCIATE, "p9", "p1", {"kind": "met"}),
    # p8 is in no cluster but ties two members together
    (POL, RelType.ASSOCIATE, "p8", "p2", {"kind": "called"}),
    (POL, RelType.ASSOCIATE, "p8", "p3", {"kind": "called"}),
    (POL, RelType.ASSOCIATE, "p8", "p9", {"kind": "called"}),
]


def _links(facts: SeedFacts, hub_people: list[str]) -> None:
    for source, rel, start, end, props in _LINKS:
        facts.link(source, rel, IDS[start], IDS[end], **props)
    for person in [IDS["p9"], *hub_people]:
        facts.link(GEM, RelType.LIVES_AT, person, HUB_ID)


def _memberships() -> list[tuple[str, str, MembershipRecord]]:
    return [
        (
            CLUSTER_ID,
            IDS[key],
            MembershipRecord(
                run_id=RUN_ID,
                kind=kind,
                region=region,
                degree=2,
                betweenness=betweenness,
                core=1,
                is_broker=broker,
                connects_regions=connects,
                scarce_role="property" if key == "c1" else None,
                role_evidence="sbi" if key == "c1" else None,
                rank=rank,
            ),
        )
        for key, kind, region, betweenness, broker, rank, connects in _MEMBERS
    ]


def seed(driver: neo4j.Driver, *, database: str, hub_people: int = 8) -> None:
    """Write the seed graph (into an empty database)."""
    hub = [f"PRS-VIZHUB{i:020d}" for i in range(hub_people)]
    facts = SeedFacts()
    _entities(facts, hub)
    _links(facts, hub)
    facts.write(driver, database=database)
    at = datetime(2024, 7, 1, tzinfo=UTC)
    write_clusters(driver, database=database, run_id=RUN_ID, at=at, clusters={CLUSTER_ID: _CLUSTER})
    write_memberships(driver, database=database, memberships=_memberships())
