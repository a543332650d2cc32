"""A small graph for the API tests, in the shape of docs/graph-model.md (entities with
provenance) and docs/analysis.md (clusters, memberships, events, alerts), written through the
ingest writer and the analysis write-back's statements (:mod:`tests.integration.seed_support`).

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
from graph.cases import ops as case_ops
from graph.cases.ops import run_case_plan
from graph.cases.records import Actor, NewCase
from graph.model import NodeLabel, RelType
from graph.results import AlertRecord, EventRecord, MembershipRecord
from graph.settings import Settings
from ingest.writer import Source
from tests.integration.seed_support import (
    SeedFacts,
    write_alerts,
    write_clusters,
    write_events,
    write_memberships,
)

__all__ = [
    "ALERTS_ON_CROSS",
    "AL_CROSS",
    "AL_GROWN",
    "AL_NOORD",
    "AUDIT_KEY",
    "CASE",
    "CASES",
    "CL_CROSS",
    "CL_FAMILY",
    "CL_NOORD",
    "HUB",
    "IDS",
    "INCIDENT_COUNTS",
    "JWT_SECRET",
    "UNREGISTERED_CASE",
    "auth",
    "open_case",
    "seed",
    "seed_cases",
]

JWT_SECRET: Final = "integration-secret-long-enough-for-hs256-000"
AUDIT_KEY: Final = "integration-audit-key-long-enough-0000000000"
#: Sent as ``auth(..., case=CASE)``: the seeded open case of the caller's organisation
#: (:data:`CASES`), so that person-level reads are bound to a registered case.
CASE: Final = "seeded"
#: A well-formed reference that names no registered case.
UNREGISTERED_CASE: Final = "RIEC-2025-0042"
#: The seeded cases, by organisation (see :func:`seed_cases`): a RIEC's from one of the alerts
#: on ``CL_CROSS`` (Limburg, Oost-Brabant) with subjects of its own, Noord's from a signal about
#: ``pN1``, the LIEC's from an alert on ``CL_CROSS`` (cross-region: scope depth 2).
CASES: Final[dict[str, str]] = {}

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


def _source(partner: str, legal_basis: str) -> Source:
    return Source(
        partner, legal_basis, f"{partner}-20250115-RE01", date(2025, 1, 15), date(2030, 6, 30)
    )


POL: Final = _source("POL", "WPG")
GEM: Final = _source("GEM", "GEM-BRP")
KVK: Final = _source("KVK", "HRW")
#: An older police delivery whose facts are past their retention (pL1's second phone).
POL_EXPIRED: Final = Source("POL", "WPG", "POL-20150115-RE01", date(2015, 1, 15), date(2020, 1, 1))

#: The analysis runs: the first found CL_CROSS and CL_FAMILY, a later one CL_NOORD, the latest
#: (which raised the alerts) all three.
RUN_FIRST: Final = ("RUN-20250201T000000Z-000001", datetime(2025, 2, 1, tzinfo=UTC))
RUN_NOORD: Final = ("RUN-20250501T000000Z-000001", datetime(2025, 5, 1, tzinfo=UTC))
RUN_LATEST: Final = ("RUN-20251001T000000Z-000002", datetime(2025, 10, 1, tzinfo=UTC))


def _people(facts: SeedFacts, hub_people: list[str]) -> None:
    for key in IDS:
        if key.startswith("p"):
            facts.node(GEM, NodeLabel.PERSON, IDS[key], birth_year=1980, sex="M")
    for person in hub_people:
        facts.node(GEM, NodeLabel.PERSON, person, birth_year=1990, sex="F")
    for key, name in (("KVK_B", "Kweek BV"), ("KVK_L", "Bouw BV"), ("KVK_R", "Haven BV")):
        facts.node(KVK, NodeLabel.COMPANY, IDS[key], name=name, legal_form="BV")


def _address(facts: SeedFacts, key: str, region: str) -> None:
    postcode, number = IDS[key].split("-")
    facts.node(
        GEM,
        NodeLabel.ADDRESS,
        IDS[key],
        postcode=postcode,
        pc4=postcode[:4],
        house_number=int(number),
        region=region,
    )


def _things(facts: SeedFacts) -> None:
    _address(facts, "aL1", "Limburg")
    _address(facts, "aL2", "Limburg")
    _address(facts, "aB1", "Oost-Brabant")
    _address(facts, "aN1", "Noord")
    _address(facts, "aR1", "Rotterdam")
    facts.node(GEM, NodeLabel.ADDRESS, HUB, postcode="1012AB", region="Amsterdam-Amstelland")
    facts.node(POL, NodeLabel.PHONE, IDS["t1"])
    facts.node(POL, NodeLabel.PHONE, IDS["t2"])
    facts.node(POL, NodeLabel.VEHICLE, IDS["v1"])


_HOMES: Final = [
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


def _links(facts: SeedFacts, hub_people: list[str]) -> None:
    for person, address in _HOMES:
        facts.link(GEM, RelType.LIVES_AT, IDS[person], IDS[address], since=date(2020, 1, 1))
    for person in hub_people:
        facts.link(GEM, RelType.LIVES_AT, person, HUB)
    for company, address in (("KVK_B", "aB1"), ("KVK_L", "aL1"), ("KVK_R", "aR1")):
        facts.link(KVK, RelType.REGISTERED_AT, IDS[company], IDS[address], kind="office")
    facts.link(KVK, RelType.DIRECTORSHIP, IDS["pL1"], IDS["KVK_B"])
    facts.link(KVK, RelType.DIRECTORSHIP, IDS["pL4"], IDS["KVK_L"])
    facts.link(GEM, RelType.RENTS, IDS["pL3"], HUB)
    facts.link(POL, RelType.USES, IDS["pL1"], IDS["t1"])
    facts.link(POL, RelType.USES, IDS["pB1"], IDS["t1"])
    facts.link(POL, RelType.USES, IDS["pN1"], IDS["v1"])
    facts.link(POL_EXPIRED, RelType.USES, IDS["pL1"], IDS["t2"])
    facts.link(POL, RelType.ASSOCIATE, IDS["pN1"], IDS["pN2"], kind="met")
    facts.link(POL, RelType.ASSOCIATE, IDS["pN2"], IDS["pN3"], kind="called")


def _incidents(facts: SeedFacts) -> None:
    number = 0
    for (region, year, quarter), count in INCIDENT_COUNTS.items():
        for k in range(count):
            number += 1
            incident_id = f"POL-{year}-{number:06d}"
            when = date(year, 3 * (quarter - 1) + 1, 1 + k % 28)
            facts.node(POL, NodeLabel.INCIDENT, incident_id, type="cannabis_grow_site", date=when)
            facts.link(POL, RelType.CONCERNS, incident_id, IDS[_ADDRESS_OF_REGION[region]])
    # pL2 is a suspect in the first Limburg incident; one incident has no address.
    facts.link(POL, RelType.INVOLVED_IN, IDS["pL2"], "POL-2025-000001", role="suspect")
    facts.node(POL, NodeLabel.INCIDENT, "POL-2025-999999", type="extortion", date=date(2025, 2, 2))


def _cluster(
    regions: dict[str, int], *, typology: str, score: float, flagged: bool
) -> dict[str, Any]:
    ordered = sorted(regions, key=lambda r: (-regions[r], r))
    return {
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


def _clusters() -> dict[str, dict[str, Any]]:
    key_players = [
        {"id": IDS["pL1"], "kind": "person", "region": "Limburg", "rank": 1},
        {"id": IDS["pB1"], "kind": "person", "region": "Oost-Brabant", "rank": 2},
    ]
    cross = _cluster(
        {"Limburg": 3, "Oost-Brabant": 2}, typology="cannabis", score=72.5, flagged=True
    )
    subgroups = [{"subgroup": 0, "size": 3, "brokers": 1}, {"subgroup": 1, "size": 2, "brokers": 1}]
    return {
        CL_CROSS: {
            **cross,
            "persons": 4,
            "companies": 1,
            "key_players": json.dumps(key_players),
            "subgroups": json.dumps(subgroups),
        },
        CL_NOORD: _cluster({"Noord": 3}, typology="omg", score=65.0, flagged=True),
        CL_FAMILY: _cluster({"Limburg": 2}, typology="other", score=5.0, flagged=False),
    }


#: Sub-groups of CL_CROSS: Limburg (0) and Oost-Brabant (1), one broker each:
#: ``key: (subgroup, links_subgroups, subgroup_broker)``.
_SUBGROUPS: Final = {
    "pL1": (0, [1], 1),
    "pL2": (0, None, None),
    "pL3": (0, None, None),
    "pB1": (1, [0], 2),
    "KVK_B": (1, None, None),
}


def _membership(
    cluster: str, key: str, region: str, rank: int | None
) -> tuple[str, str, MembershipRecord]:
    subgroup, links, broker = _SUBGROUPS[key] if cluster == CL_CROSS else (None, None, None)
    record = MembershipRecord(
        run_id=RUN_LATEST[0],
        kind="company" if key.startswith("KVK") else "person",
        region=region,
        degree=2,
        betweenness=0.5 if rank else 0.0,
        core=1,
        is_broker=rank is not None,
        connects_regions=rank is not None,
        scarce_role=None,
        rank=rank,
        subgroup=subgroup,
        links_subgroups=links,
        subgroup_broker=broker,
    )
    return cluster, IDS[key], record


_MEMBERSHIPS: Final = [
    (CL_CROSS, "pL1", "Limburg", 1),
    (CL_CROSS, "pL2", "Limburg", None),
    (CL_CROSS, "pL3", "Limburg", None),
    (CL_CROSS, "pB1", "Oost-Brabant", 2),
    (CL_CROSS, "KVK_B", "Oost-Brabant", None),
    (CL_NOORD, "pN1", "Noord", 1),
    (CL_NOORD, "pN2", "Noord", None),
    (CL_NOORD, "pN3", "Noord", None),
    (CL_FAMILY, "pL4", "Limburg", None),
    (CL_FAMILY, "pL5", "Limburg", None),
]


def _events() -> list[tuple[str, EventRecord]]:
    (first, first_at), (latest, latest_at) = RUN_FIRST, RUN_LATEST
    return [
        (
            CL_CROSS,
            EventRecord(
                id="EV-00000000000a",
                kind="new",
                at=first_at,
                run_id=first,
                details={"size_after": 4},
            ),
        ),
        (
            CL_CROSS,
            EventRecord(
                id="EV-00000000000b",
                kind="grown",
                at=latest_at,
                run_id=latest,
                details={"size_before": 4, "size_after": 5},
            ),
        ),
    ]


def _alert(
    alert_id: str, cluster: str, kind: str, regions: list[str], created: datetime, **extra: Any
) -> AlertRecord:
    return AlertRecord(
        id=alert_id,
        kind=kind,
        cluster_id=cluster,
        regions=regions,
        new_regions=[],
        typology=extra.pop("typology", "cannabis"),
        score=extra.pop("score", 70.0),
        growth=extra.pop("growth", None),
        created_at=created,
        run_id=RUN_LATEST[0],
        initial=False,
        summary=f"{kind} alert",
        **extra,
    )


def _alerts() -> list[AlertRecord]:
    both = ["Limburg", "Oost-Brabant"]
    return [
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


def _write_analysis(driver: neo4j.Driver, *, database: str) -> None:
    clusters = _clusters()
    runs = [
        (RUN_FIRST, (CL_CROSS, CL_FAMILY)),
        (RUN_NOORD, (CL_NOORD,)),
        (RUN_LATEST, tuple(clusters)),
    ]
    for (run_id, at), ids in runs:
        found = {cid: clusters[cid] for cid in ids}
        write_clusters(driver, database=database, run_id=run_id, at=at, clusters=found)
    memberships = [_membership(*m) for m in _MEMBERSHIPS]
    write_memberships(driver, database=database, memberships=memberships)
    write_events(driver, database=database, events=_events())
    write_alerts(driver, database=database, alerts=_alerts())


def seed(driver: neo4j.Driver, *, database: str) -> None:
    """Write the scenario into an empty database: the entity facts as the partners' deliveries
    through the ingest writer, then the analysis's results."""
    hub_people = [_token("PRS", f"HUB{chr(65 + i // 26)}{chr(65 + i % 26)}") for i in range(60)]
    facts = SeedFacts()
    _people(facts, hub_people)
    _things(facts)
    _incidents(facts)
    _links(facts, hub_people)
    facts.write(driver, database=database)
    _write_analysis(driver, database=database)
    seed_cases(driver, database=database)


#: The seeded cases: organisation -> (alert it is opened from or None, subjects).
_CASES: Final[dict[str, tuple[str | None, tuple[str, ...]]]] = {
    "Limburg": ("AL-100000000002", ("pL4", "KVK_L")),
    "Oost-Brabant": ("AL-100000000003", ()),
    "Noord": (None, ("pN1",)),
    "LIEC": ("AL-100000000004", ()),
}


def open_case(
    driver: neo4j.Driver,
    *,
    database: str,
    org: str,
    alert_id: str | None = None,
    subjects: tuple[str, ...] = (),
    title: str = "Seeded case",
) -> str:
    """Open a case led by ``org`` (from ``alert_id`` when given) with ``subjects`` (entity
    ids); its reference. Through the core's case operations, as the API does."""
    actor = Actor(subject=f"{org}-coordinator", org=org, role="coordinator")
    new = NewCase(
        title=title,
        phenomenon="cannabis",
        purpose="Integrated advice on the network around the seeded alert",
        legal_basis="WPG",
    )
    year = datetime.now(UTC).year
    reference = run_case_plan(
        case_ops.open_case(new, actor, year=year, alert_id=alert_id), driver, database
    )
    if subjects:
        run_case_plan(case_ops.add_subjects(reference, list(subjects), actor), driver, database)
    return reference


def seed_cases(driver: neo4j.Driver, *, database: str) -> dict[str, str]:
    """Open the seeded cases (:data:`CASES`) and return them."""
    CASES.clear()
    for org, (alert_id, subjects) in _CASES.items():
        CASES[org] = open_case(
            driver,
            database=database,
            org=org,
            alert_id=alert_id,
            subjects=tuple(IDS[s] for s in subjects),
        )
    return dict(CASES)


def auth(
    settings: Settings,
    org: str,
    role: str = "analyst",
    *,
    case: str | None = None,
    subject: str | None = None,
) -> dict[str, str]:
    """Request headers: a bearer token for ``org``/``role`` and optionally a case reference
    (:data:`CASE`: the seeded case of ``org``, or a well-formed unregistered one for an
    organisation without one)."""
    token = mint_token(settings, subject=subject or f"{org}-{role}", org=org, role=role)
    headers = {"Authorization": f"Bearer {token}"}
    if case is not None:
        headers["X-Case-Reference"] = CASES.get(org, UNREGISTERED_CASE) if case == CASE else case
    return headers
