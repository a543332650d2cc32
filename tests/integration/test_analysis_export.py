"""The aggregated, concurrent export (decision 069) gives the same facts as the per-row export.

Since decision 077 both also give each link and share its age (days since it ended, or since
its incident or permit happened), the reference computing it in Python from the dates.

The reference below is the export as it was before decision 069: one record per row, each
person or company at a link's end tested for visibility in the Cypher. Both run on the tiny
preset's two waves, with some linked people made invisible (past retention, not yet seen) and
some links without partners, on dates before, between and after the waves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import neo4j
import numpy as np
import pytest

from graph import queries as q
from graph.analysis.export import (
    ROLE_EVIDENCE,
    SBI_ROLES,
    SIGNAL_ROLES,
    export_graph,
    export_parameters,
    investigation_signals,
)
from graph.analysis.graphs import RawGraph, partner_mask
from graph.analysis.params import AnalysisParams
from graph.analysis.projection import project
from graph.model import NodeLabel as L
from graph.model import RelType as R
from graph.settings import Settings
from knooppunt.cli import main
from tests.integration.conftest import wipe

pytestmark = pytest.mark.slow

# the visibility rule itself is shared (it is not what changed)
_vis = q._visible
_CURRENT = q._CURRENT

REF_PERSONS = (
    f"MATCH (x:{L.PERSON}) WHERE {_vis('x')} "
    "CALL (x) { "
    f"OPTIONAL MATCH (x)-[l:{R.LIVES_AT}]->(a:{L.ADDRESS}) "
    f"WHERE {_vis('l')} AND {_CURRENT} "
    "RETURN a.region AS region ORDER BY l.since DESC LIMIT 1 } "
    "RETURN x.id AS id, region"
)
REF_COMPANIES = (
    f"MATCH (x:{L.COMPANY}) WHERE {_vis('x')} "
    "CALL (x) { "
    f"OPTIONAL MATCH (x)-[l:{R.REGISTERED_AT} {{kind: 'office'}}]->(a:{L.ADDRESS}) "
    f"WHERE {_vis('l')} "
    "RETURN a.region AS region ORDER BY l.last_seen DESC LIMIT 1 } "
    "RETURN x.id AS id, region, x.cash_intensive AS cash_intensive, x.sbi AS sbi"
)
_DIRECT = "|".join([R.ASSOCIATE, R.DIRECTORSHIP, R.OWNERSHIP, R.EMPLOYMENT, R.SHIPMENT, R.SPONSOR])
REF_DIRECT = (
    f"MATCH (x:{L.PERSON}|{L.COMPANY})-[r:{_DIRECT}]->(y:{L.PERSON}|{L.COMPANY}) "
    f"WHERE {_vis('r')} AND {_vis('x')} AND {_vis('y')} "
    "RETURN x.id AS a, y.id AS b, toLower(type(r)) AS kind, r.partners AS partners, "
    "r.since AS since, r.until AS until, coalesce(r.last_contact, r.date) AS contact, "
    "coalesce(r.count, 1) AS count"
)


def _ref_share(kind: str, rels: str, target: L, where: str = "") -> str:
    extra = f" AND {where}" if where else ""
    return (
        f"MATCH (x:{L.PERSON}|{L.COMPANY})-[l:{rels}]->(c:{target}) "
        f"WHERE {_vis('l')} AND {_vis('x')}{extra} "
        f"RETURN c.id AS conn, '{kind}' AS kind, x.id AS member, l.partners AS partners, "
        "l.since AS since, l.until AS until, c.date AS date"
    )


def _native(value: Any) -> date | None:
    return None if value is None else value.to_native()


def _age(as_of: date, since: Any, until: Any, event: Any = None) -> int | None:
    """The reference's rule in Python: None before ``since``; days since ``until`` (or, for
    an incident or permit, since its date) when on or before ``as_of``; else 0."""
    start, end, day = _native(since), _native(until), _native(event)
    if start is not None and start > as_of:
        return None
    if day is not None:
        return (as_of - day).days if day <= as_of else 0
    return (as_of - end).days if end is not None and end <= as_of else 0


REF_SHARES = {
    "address": _ref_share("address", R.LIVES_AT, L.ADDRESS, _CURRENT)
    + " UNION ALL "
    + _ref_share("address", R.REGISTERED_AT, L.ADDRESS),
    "property": _ref_share("property", f"{R.OWNERSHIP}|{R.RENTS}", L.ADDRESS),
    "vehicle": _ref_share("vehicle", f"{R.USES}|{R.OWNERSHIP}", L.VEHICLE),
    "phone": _ref_share("phone", R.USES, L.PHONE),
    "bank_account": _ref_share("bank_account", R.HOLDS, L.BANK_ACCOUNT),
    "club": _ref_share("club", R.MEMBERSHIP, L.CLUB),
    "incident": _ref_share(
        "incident",
        R.INVOLVED_IN,
        L.INCIDENT,
        "l.role IN $roles AND (c.date IS NULL OR c.date <= $as_of)",
    ),
    "investigation": _ref_share("investigation", R.SUBJECT_OF, L.INVESTIGATION),
    "permit": _ref_share(
        "permit", R.APPLIED_FOR, L.PERMIT_APPLICATION, "(c.date IS NULL OR c.date <= $as_of)"
    ),
}
REF_INCIDENT_SIGNALS = (
    f"MATCH (x:{L.PERSON}|{L.COMPANY})-[l:{R.INVOLVED_IN}]->(i:{L.INCIDENT}) "
    f"WHERE l.role IN $roles AND i.type IN $types AND (i.date IS NULL OR i.date <= $as_of) "
    f"AND {_vis('l')} AND {_vis('x')} "
    "RETURN x.id AS member, i.type AS signal, l.partners AS partners"
)
REF_GROW_SITE_SIGNALS = (
    f"MATCH (i:{L.INCIDENT})-[:{R.CONCERNS}]->(a:{L.ADDRESS})"
    f"<-[l:{R.LIVES_AT}|{R.OWNERSHIP}|{R.RENTS}]-(x:{L.PERSON}|{L.COMPANY}) "
    "WHERE i.type IN ['cannabis_grow_site', 'energy_theft'] "
    "AND (i.date IS NULL OR i.date <= $as_of) "
    f"AND {_vis('l')} AND {_vis('x')} "
    f"AND (type(l) <> '{R.LIVES_AT}' OR x:{L.PERSON}) "
    f"RETURN x.id AS member, CASE type(l) WHEN '{R.LIVES_AT}' THEN 'grow_site_at_home' "
    "ELSE 'grow_site_property' END AS signal, i.partners AS partners"
)
REF_CLUB_SIGNALS = (
    f"MATCH (x:{L.PERSON})-[l:{R.MEMBERSHIP}]->(c:{L.CLUB}) "
    f"WHERE {_vis('l')} AND {_vis('x')} "
    "RETURN x.id AS member, CASE WHEN c.club_kind = 'support_club' OR l.role = 'support' "
    "THEN 'club_support' WHEN l.role = 'prospect' THEN 'club_prospect' ELSE 'club_member' END "
    "AS signal, l.partners AS partners"
)
REF_INVESTIGATION_SIGNALS = (
    f"MATCH (x:{L.PERSON}|{L.COMPANY})-[l:{R.SUBJECT_OF}]->(i:{L.INVESTIGATION}) "
    f"WHERE {_vis('l')} AND {_vis('x')} "
    "RETURN x.id AS member, i.kind AS kind, i.offence_codes AS offence_codes, "
    "l.partners AS partners"
)

#: Linked people made invisible: past retention, and first seen after every test date.
HIDE_RETAINED = (
    f"MATCH (x:{L.PERSON})-[:{_DIRECT}|{R.LIVES_AT}|{R.USES}|{R.INVOLVED_IN}]-() "
    "WITH DISTINCT x ORDER BY x.id LIMIT 25 SET x.retain_until = date('2000-01-01')"
)
HIDE_UNSEEN = (
    f"MATCH (x:{L.PERSON})-[:{_DIRECT}|{R.HOLDS}|{R.MEMBERSHIP}|{R.SUBJECT_OF}]-() "
    "WHERE x.retain_until IS NULL OR x.retain_until > date('2000-01-01') "
    "WITH DISTINCT x ORDER BY x.id DESC LIMIT 25 SET x.first_seen = date('2099-01-01')"
)
#: Links without partners (a graph loaded by other means).
DROP_PARTNERS = (
    f"MATCH ()-[r:{R.EMPLOYMENT}|{R.LIVES_AT}]->() WITH r ORDER BY r.first_seen LIMIT 30 "
    "REMOVE r.partners"
)
#: Link rows whose person is invisible on ``$as_of`` (the filter the export does itself).
HIDDEN_ENDS = (
    f"MATCH (x:{L.PERSON})-[r]-() WHERE NOT ({_vis('x')}) AND {_vis('r')} RETURN count(r) AS links"
)


def _rows(driver: neo4j.Driver, query: str, p: dict[str, Any], database: str) -> list[Any]:
    records, _, _ = driver.execute_query(query, p, database_=database)
    return [record.values() for record in records]


def reference_export(
    driver: neo4j.Driver, *, database: str, as_of: date, params: AnalysisParams
) -> RawGraph:
    """The export before decision 069 (its row loop, on the reference queries above)."""
    p = export_parameters(driver, database=database, as_of=as_of, params=params)
    raw = RawGraph()
    company_roles: dict[str, str] = {}
    # role-giving facts in row order: (member, role, evidence, source)
    facts: list[tuple[str, str, str, str | None]] = []
    for node_id, region in _rows(driver, REF_PERSONS, p, database):
        raw.add_node(node_id, "person", region)
    for node_id, region, cash, sbi in _rows(driver, REF_COMPANIES, p, database):
        raw.add_node(node_id, "company", region)
        if cash:
            raw.signals.append((node_id, "front_business", 0))
            company_roles[node_id] = "front_business"
            facts.append((node_id, "front_business", "cash_intensive", None))
        role = SBI_ROLES.get(str(sbi or "")[:4])
        if role is not None:
            company_roles[node_id] = role
            facts.append((node_id, role, "sbi", None))
            if role == "grow_shop":
                raw.signals.append((node_id, "grow_shop", partner_mask(["KVK"])))
    [[unknown]] = _rows(driver, q.ANALYSIS_UNKNOWN_REGION_ADDRESSES, p, database)
    raw.unknown_region_addresses = int(unknown)
    for a, b, kind, partners, since, until, contact, count in _rows(
        driver, REF_DIRECT, p, database
    ):
        # a police relation ages from its last contact, other links from their end
        age = _age(as_of, since, until, contact if kind == "associate" else None)
        if age is None:
            continue
        raw.links.append((a, b, kind, partner_mask(partners)))
        raw.link_ages.append(age)
        raw.link_counts.append(int(count) if kind == "associate" else 1)
        if kind in ("employment", "directorship") and not age and b in company_roles:
            facts.append((a, company_roles[b], kind, b))
    for query in REF_SHARES.values():
        for conn, k, member, partners, since, until, day in _rows(driver, query, p, database):
            age = _age(as_of, since, until, day if k in ("incident", "permit") else None)
            if age is None:
                continue
            raw.shares.append((conn, k, member, partner_mask(partners)))
            raw.share_ages.append(age)
    for query in (REF_INCIDENT_SIGNALS, REF_GROW_SITE_SIGNALS, REF_CLUB_SIGNALS):
        for member, signal, partners in _rows(driver, query, p, database):
            raw.signals.append((member, signal, partner_mask(partners)))
            if signal in SIGNAL_ROLES:
                facts.append((member, SIGNAL_ROLES[signal], signal, None))
    for member, kind, offences, partners in _rows(driver, REF_INVESTIGATION_SIGNALS, p, database):
        mask = partner_mask(partners)
        raw.signals.extend((member, s, mask) for s in investigation_signals(kind, offences))
    # the strongest fact per member (ROLE_EVIDENCE is strongest first); the first of equals
    best: dict[str, tuple[str, str, str | None]] = {}
    for member, role, evidence, source in facts:
        held = best.get(member)
        if held is None or ROLE_EVIDENCE.index(evidence) < ROLE_EVIDENCE.index(held[1]):
            best[member] = (role, evidence, source)
    raw.roles = sorted((m, role) for m, (role, _, _) in best.items())
    raw.role_evidence = {m: (e, src) for m, (_, e, src) in best.items()}
    return raw


@pytest.fixture(scope="module")
def two_waves(
    neo4j_driver: neo4j.Driver,
    neo4j_settings: Settings,
    test_instance: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[neo4j.Driver]:
    """The tiny preset's two waves ingested, with invisible people and partnerless links."""
    if neo4j_settings.neo4j_uri is not None:
        pytest.skip("loads its own data; NEO4J_URI points at a server tests must not wipe")
    db = neo4j_settings.neo4j_database
    wipe(neo4j_driver, database=db)
    base = tmp_path_factory.mktemp("export-waves")
    w1, w2 = base / "wave1", base / "wave2"
    assert main(["generate", "--preset", "tiny", "--seed", "5", "--out", str(w1)]) == 0
    argv = ["generate", "--preset", "tiny", "--seed", "5", "--wave", "2", "--out", str(w2)]
    assert main(argv) == 0
    for wave in (w1, w2):
        assert main(["ingest", "--instance", test_instance, str(Path(wave))]) == 0
    for query in (HIDE_RETAINED, HIDE_UNSEEN, DROP_PARTNERS):
        neo4j_driver.execute_query(query, database_=db)
    yield neo4j_driver
    wipe(neo4j_driver, database=db)


def _sorted(rows: list[Any]) -> list[Any]:
    return sorted(rows, key=repr)


@pytest.mark.parametrize("as_of", ["2026-01-10", "2026-02-01", "2026-05-01", "2031-06-01"])
def test_export_gives_the_reference_facts(
    two_waves: neo4j.Driver, neo4j_settings: Settings, as_of: str
) -> None:
    db = neo4j_settings.neo4j_database
    day = date.fromisoformat(as_of)
    params = AnalysisParams()
    new = export_graph(two_waves, database=db, as_of=day, params=params)
    ref = reference_export(two_waves, database=db, as_of=day, params=params)
    # the people and companies in the same order (the projection's node numbering)
    assert new.node_ids == ref.node_ids
    assert new.node_kinds == ref.node_kinds
    assert new.node_regions == ref.node_regions
    # facts: the same multisets; roles (first role wins, in row order) exactly
    assert _sorted(list(zip(new.links, new.link_ages, new.link_counts, strict=True))) == _sorted(
        list(zip(ref.links, ref.link_ages, ref.link_counts, strict=True))
    )
    assert _sorted(list(zip(new.shares, new.share_ages, strict=True))) == _sorted(
        list(zip(ref.shares, ref.share_ages, strict=True))
    )
    assert _sorted(new.signals) == _sorted(ref.signals)
    assert new.roles == ref.roles
    assert new.role_evidence == ref.role_evidence
    assert new.unknown_region_addresses == ref.unknown_region_addresses
    a, b = project(new, params), project(ref, params)
    assert np.array_equal(a.src, b.src)
    assert np.array_equal(a.dst, b.dst)
    assert np.allclose(a.weight, b.weight, rtol=1e-12, atol=0)
    assert np.allclose(a.strong, b.strong, rtol=1e-12, atol=0)
    assert a.damped == b.damped
    assert a.roles == b.roles


def test_export_drops_the_links_of_invisible_people(
    two_waves: neo4j.Driver, neo4j_settings: Settings
) -> None:
    """The case the export now decides itself: a visible link to an invisible person."""
    db = neo4j_settings.neo4j_database
    day = date(2026, 5, 1)
    params = AnalysisParams()
    p = export_parameters(two_waves, database=db, as_of=day, params=params)
    [[hidden_links]] = _rows(two_waves, HIDDEN_ENDS, p, db)
    assert hidden_links > 0  # the data holds the case
    new = export_graph(two_waves, database=db, as_of=day, params=params)
    nodes = set(new.node_ids)
    assert new.links
    assert new.shares
    assert new.signals
    assert all(a in nodes and b in nodes for a, b, _, _ in new.links)
    assert all(member in nodes for _, _, member, _ in new.shares)
    assert all(member in nodes for member, _, _ in new.signals)
    # partnerless links export with an empty mask, as before
    assert any(mask == 0 for *_, mask in new.links)
    # the data holds ended jobs and dated incidents (what decision 077 decays)
    kinds_aged = {link[2] for link, age in zip(new.links, new.link_ages, strict=True) if age}
    assert "employment" in kinds_aged
    assert any(
        age for (_, k, _, _), age in zip(new.shares, new.share_ages, strict=True) if k == "incident"
    )
