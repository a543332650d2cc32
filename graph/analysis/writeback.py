"""Write one run's result to Neo4j (``docs/analysis.md``, "Result model"), in batches."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import neo4j

from graph import queries as q
from graph.analysis.describe import ClusterResult
from graph.analysis.pipeline import AnalysisResult
from graph.progress import QUIET, Progress
from graph.results import EventRecord, MembershipRecord, stored

__all__ = ["cluster_props", "event_id", "write_result"]

T = TypeVar("T")


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def event_id(run_id: str, cluster_id: str, kind: str) -> str:
    """Deterministic event id from the run, the cluster and the kind."""
    digest = hashlib.sha256(f"{run_id}\x1f{cluster_id}\x1f{kind}".encode()).hexdigest()
    return "EV-" + digest[:12]


def cluster_props(c: ClusterResult) -> dict[str, Any]:
    """The ``Cluster`` node's properties (JSON strings for nested values)."""
    return {
        "size": c.size,
        "persons": c.persons,
        "companies": c.companies,
        "regions": c.regions,
        "region_counts": json.dumps(c.region_counts, sort_keys=True),
        "cross_region": c.cross_region,
        "typology": c.typology,
        "evidence": json.dumps([e.as_dict() for e in c.evidence]),
        "score": c.score,
        "score_explanation": json.dumps([line.as_dict() for line in c.explanation]),
        "flagged": c.flagged,
        "partners": c.partners,
        "key_players": json.dumps(c.key_players()),
        "component_size": c.component_size,
        "density": c.density,
        "periphery": c.periphery,
        "subgroups": json.dumps(c.subgroups()),
        "suggested_links": json.dumps(c.suggested_links),
    }


def _membership_rows(c: ClusterResult, run_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for member, kind, region, s, (group, links, broker) in zip(
        c.members, c.member_kinds, c.member_regions, c.member_stats, c.member_groups(), strict=True
    ):
        record = MembershipRecord(
            run_id=run_id,
            kind=kind,
            region=region,
            degree=s.degree,
            betweenness=s.betweenness,
            core=s.core,
            is_broker=s.is_broker,
            connects_regions=s.connects_regions,
            scarce_role=s.scarce_role,
            role_evidence=s.role_evidence,
            role_source=s.role_source,
            rank=s.rank,
            subgroup=group,
            links_subgroups=links,
            subgroup_broker=broker,
        )
        rows.append({"cluster": c.id, "member": member, "props": record.model_dump()})
    return rows


def _event_rows(result: AnalysisResult, run_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for e in result.events:
        record = EventRecord(
            id=event_id(run_id, e.cluster_id, e.kind), kind=e.kind, details=e.details
        )
        props = {**stored(record), "cluster_id": e.cluster_id}
        props["details"] = json.dumps(e.details, sort_keys=True)  # nested: stored as JSON
        rows.append({"id": record.id, "cluster_id": e.cluster_id, "props": props})
    return rows


def _alert_rows(result: AnalysisResult, initial: bool) -> list[dict[str, Any]]:
    return [
        {"id": a.id, "props": stored(a.model_copy(update={"initial": initial}))}
        for a in result.alerts
    ]


def write_result(
    driver: neo4j.Driver,
    *,
    database: str,
    run_id: str,
    at: datetime,
    result: AnalysisResult,
    initial: bool,
    batch: int = 2000,
    progress: Progress = QUIET,
) -> float:
    """Write clusters, memberships, history and alerts; returns the seconds it took."""
    t0 = time.perf_counter()

    def run(query: str, key: str, items: Sequence[Any], size: int, **params: Any) -> None:
        for chunk in _batches(items, size):
            driver.execute_query(query, {key: list(chunk), **params}, database_=database)

    ids = [c.id for c in result.clusters]
    run(q.ANALYSIS_DELETE_MEMBERSHIPS, "ids", ids, batch)
    rows = [{"id": c.id, "props": cluster_props(c)} for c in result.clusters]
    run(q.ANALYSIS_WRITE_CLUSTERS, "rows", rows, batch, run_id=run_id, at=at)
    members = [r for c in result.clusters for r in _membership_rows(c, run_id)]
    run(q.ANALYSIS_WRITE_MEMBERSHIPS, "rows", members, batch * 5)
    run(q.ANALYSIS_DISSOLVE_CLUSTERS, "ids", result.dissolved, batch, at=at)
    events = _event_rows(result, run_id)
    run(q.ANALYSIS_WRITE_EVENTS, "rows", events, batch, run_id=run_id, at=at)
    alerts = _alert_rows(result, initial)
    run(q.ANALYSIS_WRITE_ALERTS, "rows", alerts, batch, run_id=run_id, at=at)
    elapsed = time.perf_counter() - t0
    progress.note(
        f"write-back: {len(rows)} clusters, {len(members)} memberships, {len(events)} events, "
        f"{len(alerts)} alerts ({elapsed:.1f} s)"
    )
    return elapsed
