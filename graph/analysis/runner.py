"""``knooppunt analyse`` end to end: guard, export, analyse, write back, record the run."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import neo4j

from graph import queries as q
from graph.analysis.errors import AnalysisBusyError
from graph.analysis.evaluate import FoundCluster
from graph.analysis.export import export_graph
from graph.analysis.graphs import RawGraph
from graph.analysis.identity import PreviousCluster
from graph.analysis.params import AnalysisParams
from graph.analysis.pipeline import AnalysisResult, analyse_facts
from graph.analysis.scoring import cross_regions
from graph.analysis.writeback import write_result
from graph.progress import QUIET, Progress
from graph.values import native

__all__ = [
    "RunSummary",
    "analyse_database",
    "check_not_busy",
    "delivery_marks",
    "new_run_id",
    "read_found_clusters",
    "read_previous",
]


#: A run still ``running`` after this long was interrupted; it is marked failed.
STALE_RUN = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What one run did, with its timings (seconds)."""

    run_id: str
    initial: bool
    result: AnalysisResult
    export_seconds: float
    analysis_seconds: float
    writeback_seconds: float
    #: The exported facts, when the caller asked to keep them (benchmarks).
    raw: RawGraph | None = None


def new_run_id(now: datetime) -> str:
    """``RUN-YYYYMMDDTHHMMSSZ-xxxxxx``."""
    return f"RUN-{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def check_not_busy(driver: neo4j.Driver, *, database: str, now: datetime) -> None:
    """Refuse while a delivery is loading or another run is running; fail stale runs."""
    records, _, _ = driver.execute_query(
        q.ANALYSIS_BUSY_DELIVERIES, database_=database, routing_=neo4j.RoutingControl.READ
    )
    loading = int(records[0]["deliveries"])
    if loading:
        raise AnalysisBusyError(
            f"ingest in progress: {loading} delivery(ies) loading; run the analysis after the "
            "ingest has committed (or re-run an interrupted ingest first)"
        )
    records, _, _ = driver.execute_query(q.ANALYSIS_RUNNING, database_=database)
    for record in records:
        started_at = native(record["started_at"])
        if started_at is not None and now - started_at > STALE_RUN:
            driver.execute_query(
                q.ANALYSIS_RUN_FAIL,
                id=record["id"],
                finished_at=now,
                error="interrupted (still running after 6 hours)",
                database_=database,
            )
        else:
            raise AnalysisBusyError(f"another analysis run is in progress ({record['id']})")


def delivery_marks(driver: neo4j.Driver, *, database: str) -> list[Any]:
    """What the deliveries have made visible (:data:`graph.queries.ANALYSIS_DELIVERY_MARKS`)."""
    records, _, _ = driver.execute_query(
        q.ANALYSIS_DELIVERY_MARKS, database_=database, routing_=neo4j.RoutingControl.READ
    )
    return list(records[0]["marks"])


def _read(driver: neo4j.Driver, database: str, query: str) -> list[neo4j.Record]:
    records, _, _ = driver.execute_query(
        query, database_=database, routing_=neo4j.RoutingControl.READ
    )
    return records


def _previous(r: neo4j.Record, params: AnalysisParams) -> PreviousCluster:
    counts = json.loads(r["region_counts"] or "{}")
    return PreviousCluster(
        id=r["id"],
        members=frozenset(r["members"]),
        regions=tuple(cross_regions(counts, params)),
        cross_region=bool(r["cross_region"]),
        typology=r["typology"] or "other",
        flagged=bool(r["flagged"]),
        size=int(r["size"] or 0),
    )


def read_previous(
    driver: neo4j.Driver, *, database: str, params: AnalysisParams
) -> list[PreviousCluster]:
    """The active clusters the previous completed runs left."""
    rows = _read(driver, database, q.ANALYSIS_PREVIOUS_CLUSTERS)
    return sorted((_previous(r, params) for r in rows), key=lambda c: c.id)


def analyse_database(
    driver: neo4j.Driver,
    *,
    database: str,
    as_of: date,
    params: AnalysisParams,
    progress: Progress = QUIET,
    keep_raw: bool = False,
) -> RunSummary:
    """One full run. Raises :class:`AnalysisBusyError` while an ingest is in progress, and
    (the run then fails) when a delivery commits any of its data while the graph is read."""
    now = datetime.now(UTC)
    marks = delivery_marks(driver, database=database)  # before the check: no gap after it
    check_not_busy(driver, database=database, now=now)
    records, _, _ = driver.execute_query(q.ANALYSIS_COMPLETED_RUNS, database_=database)
    initial = int(records[0]["runs"]) == 0
    run_id = new_run_id(now)
    driver.execute_query(
        q.ANALYSIS_RUN_START,
        id=run_id,
        started_at=now,
        as_of=as_of,
        params=params.to_json(),
        initial=initial,
        database_=database,
    )
    progress.note(f"run {run_id} as of {as_of.isoformat()}{' (initial)' if initial else ''}")
    try:
        t0 = time.perf_counter()
        raw = export_graph(driver, database=database, as_of=as_of, params=params, progress=progress)
        previous = read_previous(driver, database=database, params=params)
        if delivery_marks(driver, database=database) != marks:
            raise AnalysisBusyError(
                "a delivery committed (part of) its data while the graph was read; run the "
                "analysis again after the ingest has committed"
            )
        export_seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        result = analyse_facts(
            raw, params=params, run_id=run_id, previous=previous, progress=progress
        )
        analysis_seconds = time.perf_counter() - t1
        writeback_seconds = write_result(
            driver,
            database=database,
            run_id=run_id,
            at=now,
            result=result,
            initial=initial,
            progress=progress,
        )
        props = {
            "nodes": result.nodes,
            "links": result.links,
            "clusters": len(result.clusters),
            "alerts": len(result.alerts),
            "modularity": result.modularity,
            "unknown_region_addresses": result.unknown_region_addresses,
            "damped_hubs": json.dumps(result.damped, sort_keys=True),
        }
        driver.execute_query(
            q.ANALYSIS_RUN_FINISH,
            id=run_id,
            props=props,
            finished_at=datetime.now(UTC),
            database_=database,
        )
    except BaseException as e:
        driver.execute_query(
            q.ANALYSIS_RUN_FAIL,
            id=run_id,
            finished_at=datetime.now(UTC),
            error=type(e).__name__,
            database_=database,
        )
        raise
    return RunSummary(
        run_id,
        initial,
        result,
        export_seconds,
        analysis_seconds,
        writeback_seconds,
        raw if keep_raw else None,
    )


def _found(r: neo4j.Record) -> FoundCluster:
    players = json.loads(r["key_players"] or "[]")
    return FoundCluster(
        id=r["id"],
        members=frozenset(r["members"]),
        flagged=bool(r["flagged"]),
        cross_region=bool(r["cross_region"]),
        typology=r["typology"] or "other",
        top_players=tuple(p["id"] for p in sorted(players, key=lambda p: p["rank"])),
        alerted=int(r["alerts"]) > 0,
    )


def read_found_clusters(driver: neo4j.Driver, *, database: str) -> list[FoundCluster]:
    """Active clusters with what the evaluation needs (members, flag, key players, alerts)."""
    return [_found(r) for r in _read(driver, database, q.ANALYSIS_READ_CLUSTERS)]
