"""Retention: facts past their ``retain_until`` leave the graph.

Per source (partner + legal basis) a node or relationship carries its own ``src_retain_until``.
A run removes every expired source reference; a fact that keeps another source stays (with
its summaries recomputed), a fact with no source left is deleted. Clusters that hold an
affected entity, and the alerts about them, are marked ``stale = true`` so that the next
analysis run recomputes them (``docs/analysis.md``). Closed cases past their retention go too,
with what hangs off them (:mod:`graph.cases.retention`). Runs in batches: it may be interrupted
and run again, and a second run with the same date changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import neo4j

from graph.cases.retention import CaseRetention, expire_cases
from graph.subgraph.plan import driver_executor, run_sync
from ingest.lock import writer_lock
from ingest.queries import (
    RETENTION_CLUSTER_KEY_PLAYERS,
    RETENTION_DELETE_LINKS,
    RETENTION_DELETE_NODES,
    RETENTION_DOOMED_IDS,
    RETENTION_EXPIRED_LINKS,
    RETENTION_EXPIRED_NODES,
    RETENTION_MARK_STALE,
    RETENTION_MARK_STALE_LINK_ENDS,
    RETENTION_SET_KEY_PLAYERS,
    RETENTION_TRIM_LINKS,
    RETENTION_TRIM_NODES,
)

__all__ = ["RetentionResult", "run_retention"]


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """Counts of one retention run."""

    as_of: str
    nodes_trimmed: int
    nodes_deleted: int
    links_trimmed: int
    links_deleted: int
    clusters_stale: int
    cases: CaseRetention = field(default_factory=CaseRetention)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["cases"] = self.cases.as_dict()
        return out


def _ids(driver: neo4j.Driver, query: str, as_of: date, database: str) -> list[str]:
    records, _, _ = driver.execute_query(
        query, as_of=as_of, database_=database, routing_=neo4j.RoutingControl.READ
    )
    return [str(r["eid"]) for r in records]


def _batched(
    driver: neo4j.Driver, query: str, eids: list[str], as_of: date, database: str, size: int
) -> int:
    total = 0
    for start in range(0, len(eids), size):
        records, _, _ = driver.execute_query(
            query, eids=eids[start : start + size], as_of=as_of, database_=database
        )
        total += int(records[0][0]) if records else 0
    return total


def _doomed_ids(
    driver: neo4j.Driver, eids: list[str], as_of: date, database: str, size: int
) -> set[str]:
    """The ids of the entities about to be deleted (every source expired)."""
    out: set[str] = set()
    for start in range(0, len(eids), size):
        records, _, _ = driver.execute_query(
            RETENTION_DOOMED_IDS, eids=eids[start : start + size], as_of=as_of, database_=database
        )
        out.update(str(i) for i in records[0]["ids"])
    return out


def _scrub_key_players(
    driver: neo4j.Driver, clusters: list[str], doomed: set[str], database: str
) -> None:
    """No stale cluster keeps a deleted entity among its key players (their ids are tokens);
    the next analysis run recomputes the rest."""
    if not clusters or not doomed:
        return
    records, _, _ = driver.execute_query(
        RETENTION_CLUSTER_KEY_PLAYERS, clusters=clusters, database_=database
    )
    rows = []
    for r in records:
        players = json.loads(r["key_players"] or "[]")
        kept = [p for p in players if str(p.get("id")) not in doomed]
        if len(kept) != len(players):
            rows.append({"cid": r["cid"], "key_players": json.dumps(kept)})
    if rows:
        driver.execute_query(RETENTION_SET_KEY_PLAYERS, rows=rows, database_=database)


def run_retention(
    driver: neo4j.Driver, *, as_of: date, database: str, batch_size: int = 5000
) -> RetentionResult:
    """Apply retention as of ``as_of`` (sources with ``retain_until < as_of`` expire), holding
    the graph's writer lock (:mod:`ingest.lock`): refused while an ingest runs."""
    with writer_lock(driver, database=database, kind="retention"):
        return _apply(driver, as_of=as_of, database=database, batch_size=batch_size)


def _apply(driver: neo4j.Driver, *, as_of: date, database: str, batch_size: int) -> RetentionResult:
    links = _ids(driver, RETENTION_EXPIRED_LINKS, as_of, database)
    nodes = _ids(driver, RETENTION_EXPIRED_NODES, as_of, database)
    clusters: set[str] = set()
    for query, eids in ((RETENTION_MARK_STALE, nodes), (RETENTION_MARK_STALE_LINK_ENDS, links)):
        for start in range(0, len(eids), batch_size):
            records, _, _ = driver.execute_query(
                query, eids=eids[start : start + batch_size], database_=database
            )
            if records:
                clusters.update(str(c) for c in records[0]["clusters"])
    links_trimmed = _batched(driver, RETENTION_TRIM_LINKS, links, as_of, database, batch_size)
    links_deleted = _batched(driver, RETENTION_DELETE_LINKS, links, as_of, database, batch_size)
    nodes_trimmed = _batched(driver, RETENTION_TRIM_NODES, nodes, as_of, database, batch_size)
    doomed = _doomed_ids(driver, nodes, as_of, database, batch_size)
    nodes_deleted = _batched(driver, RETENTION_DELETE_NODES, nodes, as_of, database, batch_size)
    _scrub_key_players(driver, sorted(clusters), doomed, database)
    cases = run_sync(expire_cases(as_of=as_of), driver_executor(driver, database, write=True))
    return RetentionResult(
        as_of=as_of.isoformat(),
        nodes_trimmed=nodes_trimmed,
        nodes_deleted=nodes_deleted,
        links_trimmed=links_trimmed,
        links_deleted=links_deleted,
        clusters_stale=len(clusters),
        cases=cases,
    )
