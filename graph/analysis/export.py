"""Read the entity graph from Neo4j into a :class:`RawGraph` (the projection's input).

Which facts count on ``as_of`` is decided in the Cypher (``graph.queries``, ``ANALYSIS_EXPORT_*``),
except one test done here once per node: a link, share or signal counts only when its person or
company is exported (visible). Each read returns one record of parallel lists; the reads run at
once, each in its own session, and their lists are turned into rows in the order the queries
return them (decision 069).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any, Final

import neo4j

from graph import queries as q
from graph.analysis.errors import AnalysisInputError
from graph.analysis.graphs import RawGraph, partner_mask
from graph.analysis.params import AnalysisParams
from graph.progress import QUIET, Progress

__all__ = [
    "EXPORT_READS",
    "EXPORT_WORKERS",
    "ROLE_EVIDENCE",
    "SBI_ROLES",
    "SIGNAL_ROLES",
    "export_graph",
    "export_parameters",
    "investigation_signals",
]


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

#: The facts that give a scarce role (the ``role_evidence`` codes), strongest first: a
#: company's own activity code or tax flag, a person's own grow site or front business
#: signal, then directing, then working for (a job that holds) a company with such a role.
#: The strongest fact wins; between facts of one strength the first row read wins.
ROLE_EVIDENCE: Final = (
    "sbi",
    "grow_site_property",
    "front_business",
    "cash_intensive",
    "directorship",
    "employment",
)
_STRENGTH: Final = {code: len(ROLE_EVIDENCE) - i for i, code in enumerate(ROLE_EVIDENCE)}


class _Roles:
    """The strongest role-giving fact per member: role, evidence code and the company it came
    through (``None`` for a member's own fact)."""

    def __init__(self) -> None:
        self.best: dict[str, tuple[str, str, str | None]] = {}

    def offer(self, member: str, role: str, evidence: str, source: str | None = None) -> None:
        held = self.best.get(member)
        if held is None or _STRENGTH[evidence] > _STRENGTH[held[1]]:
            self.best[member] = (role, evidence, source)


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


def investigation_signals(kind: object, offences: object) -> list[str]:
    """The signals of one investigation or prosecution a person is the subject of:
    ``investigation``, ``money_laundering_signal`` for a money-laundering one, and one per
    offence code (:data:`OFFENCE_SIGNALS`, by prefix)."""
    signals = ["investigation"]
    if kind == "money_laundering":
        signals.append("money_laundering_signal")
    codes = offences if isinstance(offences, list) else [offences] if offences else []
    for code in codes:
        for prefix, signal in OFFENCE_SIGNALS.items():
            if str(code).startswith(prefix):
                signals.append(signal)
                break
    return signals


#: The export's reads after the current deliveries, largest first (they are started in this
#: order): name -> query of :mod:`graph.queries`.
EXPORT_READS: Final = {
    "direct": q.ANALYSIS_EXPORT_DIRECT,
    "persons": q.ANALYSIS_EXPORT_PERSONS,
    **{f"shares_{kind}": query for kind, query in q.ANALYSIS_EXPORT_SHARES.items()},
    "companies": q.ANALYSIS_EXPORT_COMPANIES,
    "incident_signals": q.ANALYSIS_EXPORT_INCIDENT_SIGNALS,
    "grow_site_signals": q.ANALYSIS_EXPORT_GROW_SITE_SIGNALS,
    "club_signals": q.ANALYSIS_EXPORT_CLUB_SIGNALS,
    "investigation_signals": q.ANALYSIS_EXPORT_INVESTIGATION_SIGNALS,
    "unknown_region_addresses": q.ANALYSIS_UNKNOWN_REGION_ADDRESSES,
}

#: Reads in flight at once, each in its own session (the driver's pool is far larger): the
#: server works on several while this process decodes the one that came back.
EXPORT_WORKERS: Final = 4


def export_parameters(
    driver: neo4j.Driver, *, database: str, as_of: date, params: AnalysisParams
) -> dict[str, Any]:
    """The Cypher parameters of the export's reads (``$as_of``, ``$roles``, ``$types``,
    ``$current``); reads the current deliveries."""
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
    records, _, _ = driver.execute_query(
        q.ANALYSIS_CURRENT_DELIVERIES,
        {"as_of": as_of},
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    current = [d for record in records for d in record[0]]
    return {
        "as_of": as_of,
        "roles": INVOLVEMENT_ROLES,
        "types": incident_types,
        # no recorded deliveries (a graph loaded by other means): no delivery filter
        "current": current or None,
    }


def _read(
    driver: neo4j.Driver, database: str, query: str, params: dict[str, Any]
) -> tuple[list[neo4j.Record], float]:
    t0 = time.perf_counter()
    records, _, _ = driver.execute_query(
        query, params, database_=database, routing_=neo4j.RoutingControl.READ
    )
    return records, time.perf_counter() - t0


def _read_all(
    driver: neo4j.Driver, database: str, params: dict[str, Any]
) -> tuple[dict[str, list[neo4j.Record]], dict[str, float]]:
    """Every read of :data:`EXPORT_READS` at once; their records and seconds by name."""
    with ThreadPoolExecutor(max_workers=EXPORT_WORKERS, thread_name_prefix="export") as pool:
        futures: dict[str, Future[tuple[list[neo4j.Record], float]]] = {
            name: pool.submit(_read, driver, database, query, params)
            for name, query in EXPORT_READS.items()
        }
        try:
            done = {name: future.result() for name, future in futures.items()}
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return {n: r for n, (r, _) in done.items()}, {n: s for n, (_, s) in done.items()}


def _columns(records: list[neo4j.Record], what: str) -> Iterator[tuple[Any, ...]]:
    """The rows of aggregated records (parallel lists), checked to be of one length."""
    for record in records:
        columns = record.values()
        if len({len(c) for c in columns}) > 1:
            raise AnalysisInputError(
                f"export: {what}: a person, company or connector without an id "
                "(rule: every entity has an id)"
            )
        yield from zip(*columns, strict=True)


class _Masks:
    """Partner masks of partner lists, each distinct list computed once (there are few)."""

    def __init__(self) -> None:
        self._masks: dict[tuple[str, ...], int] = {}

    def __call__(self, partners: list[str]) -> int:
        key = tuple(partners)
        mask = self._masks.get(key)
        if mask is None:
            mask = self._masks[key] = partner_mask(key)
        return mask


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
    p = export_parameters(driver, database=database, as_of=as_of, params=params)
    progress.note(f"export: {len(p['current'] or [])} current deliveries")
    reads, seconds = _read_all(driver, database, p)
    slowest = max(seconds, key=seconds.__getitem__)
    progress.note(
        f"export: {len(reads)} reads in {time.perf_counter() - t0:.1f} s "
        f"(slowest: {slowest} {seconds[slowest]:.1f} s)"
    )
    masks = _Masks()
    raw = RawGraph()
    roles = _Roles()
    for node_id, region in reads["persons"][0]["rows"]:
        raw.add_node(node_id, "person", region)
    for node_id, region, cash, sbi in reads["companies"][0]["rows"]:
        raw.add_node(node_id, "company", region)
        if cash:
            raw.signals.append((node_id, "front_business", 0))
            roles.offer(node_id, "front_business", "cash_intensive")
        role = SBI_ROLES.get(str(sbi or "")[:4])
        if role is not None:
            roles.offer(node_id, role, "sbi")
            if role == "grow_shop":
                raw.signals.append((node_id, "grow_shop", partner_mask(["KVK"])))
    company_roles = {c: role for c, (role, _, _) in roles.best.items()}
    progress.note(f"export: {len(raw.node_ids)} people and companies")
    nodes = frozenset(raw.node_ids)
    [[unknown]] = reads["unknown_region_addresses"]
    raw.unknown_region_addresses = int(unknown)
    lower: dict[str, str] = {}
    for a, b, rel_type, partners, age, count in _columns(reads["direct"], "direct links"):
        if a not in nodes or b not in nodes:
            continue
        kind = lower.get(rel_type) or lower.setdefault(rel_type, rel_type.lower())
        raw.links.append((a, b, kind, masks(partners)))
        raw.link_ages.append(age)
        raw.link_counts.append(count)
        # a scarce role comes from a job or directorship that holds, never from an ended one
        if kind in ("employment", "directorship") and not age and b in company_roles:
            roles.offer(a, company_roles[b], kind, b)
    progress.note(f"export: {len(raw.links)} direct links")
    for kind in q.ANALYSIS_EXPORT_SHARES:
        before = len(raw.shares)
        for conn, member, partners, age in _columns(reads[f"shares_{kind}"], f"{kind} shares"):
            if member in nodes:
                raw.shares.append((conn, kind, member, masks(partners)))
                raw.share_ages.append(age)
        progress.note(f"export: {len(raw.shares) - before} {kind} shares")
    for name in ("incident_signals", "grow_site_signals", "club_signals"):
        for member, signal, partners in _columns(reads[name], name.replace("_", " ")):
            if member not in nodes:
                continue
            raw.signals.append((member, signal, masks(partners)))
            if signal in SIGNAL_ROLES:
                roles.offer(member, SIGNAL_ROLES[signal], signal)
    investigations = _columns(reads["investigation_signals"], "investigation signals")
    for member, kind, offences, partners in investigations:
        if member not in nodes:
            continue
        mask = masks(partners)
        raw.signals.extend(
            (member, signal, mask) for signal in investigation_signals(kind, offences)
        )
    raw.roles = sorted((m, role) for m, (role, _, _) in roles.best.items())
    raw.role_evidence = {m: (code, source) for m, (_, code, source) in roles.best.items()}
    progress.note(
        f"export: {len(raw.shares)} shares, {len(raw.signals)} signals, "
        f"{raw.unknown_region_addresses} addresses without a known region "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    return raw
