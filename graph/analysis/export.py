"""Read the entity graph from Neo4j into a :class:`RawGraph` (the projection's input).

Streams every query's records straight into plain rows; nothing else holds the graph. Which facts
count on ``as_of`` is decided in the Cypher (``graph.queries``, ``ANALYSIS_EXPORT_*``).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any, Final

import neo4j

from graph import queries as q
from graph.analysis.graphs import RawGraph, partner_mask
from graph.analysis.params import AnalysisParams
from graph.progress import QUIET, Progress

__all__ = ["SBI_ROLES", "SIGNAL_ROLES", "export_graph"]


#: Scarce roles a company's activity code (SBI, first four digits) shows; people directing or
#: employed by such a company carry the role too.
SBI_ROLES: Final = {
    "4321": "electrician",
    "4778": "grow_shop",
    "4941": "transporter",
    "6810": "property",
    "6820": "property",
    "6831": "property",
}

#: Signals that also mark a scarce role.
SIGNAL_ROLES: Final = {"grow_site_property": "property", "front_business": "front_business"}

#: Roles of involvement that make an incident link or signal (victims and witnesses do not).
INVOLVEMENT_ROLES: Final = ["suspect", "involved"]

#: Offence codes of prosecutions (prefix) and the signal they give besides ``investigation``.
OFFENCE_SIGNALS: Final = {
    "OPIUMW-3": "drugs",
    "OPIUMW-2": "drugs",
    "SR-317": "extortion",
    "WWM": "weapons",
    "SR-420": "money_laundering_signal",
    "SR-273F": "labour_exploitation",
}


def _rows(
    driver: neo4j.Driver, query: str, params: dict[str, Any], database: str
) -> list[list[Any]]:
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        result = session.run(query, params)
        return [record.values() for record in result]


def export_graph(
    driver: neo4j.Driver,
    *,
    database: str,
    as_of: date,
    params: AnalysisParams,
    progress: Progress = QUIET,
) -> RawGraph:
    """The people, companies, links, connectors and signals that count on ``as_of``."""
    t0 = time.perf_counter()
    incident_types = sorted(
        s
        for s in params.signal_weights
        if s
        not in {
            "grow_site_at_home",
            "grow_site_property",
            "grow_shop",
            "investigation",
            "front_business",
        }
        and not s.startswith("club_")
    )
    current = [
        d
        for row in _rows(driver, q.ANALYSIS_CURRENT_DELIVERIES, {"as_of": as_of}, database)
        for d in row[0]
    ]
    p: dict[str, Any] = {
        "as_of": as_of,
        "roles": INVOLVEMENT_ROLES,
        "types": incident_types,
        # no recorded deliveries (a graph loaded by other means): no delivery filter
        "current": current or None,
    }
    progress.note(f"export: {len(current)} current deliveries")
    raw = RawGraph()
    company_roles: dict[str, str] = {}
    for node_id, region in _rows(driver, q.ANALYSIS_EXPORT_PERSONS, p, database):
        raw.add_node(node_id, "person", region)
    for node_id, region, cash, sbi in _rows(driver, q.ANALYSIS_EXPORT_COMPANIES, p, database):
        raw.add_node(node_id, "company", region)
        if cash:
            raw.signals.append((node_id, "front_business", 0))
            company_roles[node_id] = "front_business"
        role = SBI_ROLES.get(str(sbi or "")[:4])
        if role is not None:
            company_roles[node_id] = role
            if role == "grow_shop":
                raw.signals.append((node_id, "grow_shop", partner_mask(["KVK"])))
    progress.note(f"export: {len(raw.node_ids)} people and companies")
    [[unknown]] = _rows(driver, q.ANALYSIS_UNKNOWN_REGION_ADDRESSES, p, database)
    raw.unknown_region_addresses = int(unknown)
    roles: dict[str, str] = dict(company_roles)
    for a, b, kind, partners in _rows(driver, q.ANALYSIS_EXPORT_DIRECT, p, database):
        raw.links.append((a, b, kind, partner_mask(partners)))
        if kind in ("employment", "directorship") and b in company_roles and a not in roles:
            roles[a] = company_roles[b]
    progress.note(f"export: {len(raw.links)} direct links")
    for kind, query in q.ANALYSIS_EXPORT_SHARES.items():
        before = len(raw.shares)
        for conn, k, member, partners in _rows(driver, query, p, database):
            raw.shares.append((conn, k, member, partner_mask(partners)))
        progress.note(f"export: {len(raw.shares) - before} {kind} shares")
    for query in (
        q.ANALYSIS_EXPORT_INCIDENT_SIGNALS,
        q.ANALYSIS_EXPORT_GROW_SITE_SIGNALS,
        q.ANALYSIS_EXPORT_CLUB_SIGNALS,
    ):
        for member, signal, partners in _rows(driver, query, p, database):
            raw.signals.append((member, signal, partner_mask(partners)))
            if signal in SIGNAL_ROLES and member not in roles:
                roles[member] = SIGNAL_ROLES[signal]
    for member, kind, offences, partners in _rows(
        driver, q.ANALYSIS_EXPORT_INVESTIGATION_SIGNALS, p, database
    ):
        mask = partner_mask(partners)
        raw.signals.append((member, "investigation", mask))
        if kind == "money_laundering":
            raw.signals.append((member, "money_laundering_signal", mask))
        codes = offences if isinstance(offences, list) else [offences] if offences else []
        for code in codes:
            for prefix, signal in OFFENCE_SIGNALS.items():
                if str(code).startswith(prefix):
                    raw.signals.append((member, signal, mask))
                    break
    raw.roles = sorted(roles.items())
    progress.note(
        f"export: {len(raw.shares)} shares, {len(raw.signals)} signals, "
        f"{raw.unknown_region_addresses} addresses without a known region "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    return raw
