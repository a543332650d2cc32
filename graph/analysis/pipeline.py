"""One analysis run as a pure function: raw facts + previous state -> clusters, events, alerts.

No Neo4j here: ``graph.analysis.export`` reads the inputs and ``graph.analysis.writeback``
writes the result (STYLE.md: analyses are functions of a graph and return plain data).

The entry points, from the outside in: ``graph.analysis.runner.analyse_database`` (Neo4j in,
Neo4j out: export, this module, write-back), :func:`analyse_facts` (raw facts: projection, then
:func:`analyse_projection`) and :func:`analyse_projection` (a projected graph: clustering,
cores, descriptions, matching, scoring, alerts).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NotRequired, TypedDict, Unpack

from graph.analysis.alerts import alerts_for
from graph.analysis.clustering import Partition, components, leiden, to_igraph
from graph.analysis.cores import find_cores
from graph.analysis.describe import ClusterResult, describe_clusters
from graph.analysis.graphs import AnalysisGraph, IntArray, RawGraph
from graph.analysis.identity import Event, Matching, PreviousCluster, match_clusters
from graph.analysis.keyplayers import rank_intervals
from graph.analysis.linkpred import Method, adjacency, as_json, suggest_links
from graph.analysis.params import AnalysisParams
from graph.analysis.projection import project
from graph.analysis.scoring import score, typology
from graph.progress import QUIET, Progress
from graph.results import AlertRecord

__all__ = [
    "AnalysisResult",
    "RunInputs",
    "analyse_facts",
    "analyse_projection",
]


@dataclass(slots=True)
class AnalysisResult:
    """Everything one run found, plus figures for the run record and the benchmark."""

    clusters: list[ClusterResult]
    events: list[Event]
    dissolved: list[str]
    alerts: list[AlertRecord]
    nodes: int
    links: int
    modularity: float
    communities: int
    damped: dict[str, int]
    unknown_region_addresses: int
    timings: dict[str, float]
    membership: IntArray


def analyse_projection(
    graph: AnalysisGraph,
    *,
    params: AnalysisParams,
    run_id: str,
    previous: list[PreviousCluster],
    progress: Progress = QUIET,
) -> AnalysisResult:
    """Cluster, describe, match, score and alert on a projected graph.

    Examples
    --------
    >>> from graph.analysis.graphs import RawGraph
    >>> from graph.analysis.params import AnalysisParams
    >>> from graph.analysis.projection import project
    >>> params = AnalysisParams()
    >>> result = analyse_projection(
    ...     project(RawGraph(), params), params=params, run_id="RUN-1", previous=[]
    ... )
    >>> result.nodes, result.clusters, result.alerts
    (0, [], [])
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    g = to_igraph(graph)
    partition = leiden(graph, params, g)
    comp = components(graph, g)
    timings["clustering"] = time.perf_counter() - t0
    membership = partition.membership
    n_comm = int(membership.max()) + 1 if membership.size else 0
    progress.note(
        f"clustering: {graph.n_nodes} nodes, {graph.n_links} links -> {n_comm} communities, "
        f"modularity {partition.modularity:.3f} ({timings['clustering']:.1f} s)"
    )

    t1 = time.perf_counter()
    drafts = describe_clusters(graph, find_cores(graph, membership, params), comp, params)
    timings["clusters"] = time.perf_counter() - t1
    progress.note(
        f"clusters: {len(drafts)} with crime signals described ({timings['clusters']:.1f} s)"
    )

    t2 = time.perf_counter()
    matching = match_clusters(previous, [frozenset(d.members) for d in drafts], params, run_id)
    alerts = _score_and_alert(drafts, matching, params, run_id)
    timings["scoring"] = time.perf_counter() - t2
    progress.note(
        f"history: {len(matching.events)} events, {len(matching.dissolved)} dissolved; "
        f"{sum(d.flagged for d in drafts)} flagged clusters, {len(alerts)} alerts"
    )

    t3 = time.perf_counter()
    robust = _robust_ranks(graph, drafts, params)
    timings["robust_ranks"] = time.perf_counter() - t3
    progress.note(
        f"robust key players: {robust} flagged clusters re-ranked "
        f"{params.robust_resamples} times ({timings['robust_ranks']:.1f} s)"
    )

    t4 = time.perf_counter()
    suggested = _suggest(graph, drafts, params)
    timings["suggested_links"] = time.perf_counter() - t4
    progress.note(
        f"suggested links: {suggested} for the flagged clusters "
        f"({timings['suggested_links']:.1f} s)"
    )
    return _result(graph, partition, n_comm, drafts, matching, alerts, timings)


def _suggest(graph: AnalysisGraph, drafts: list[ClusterResult], params: AnalysisParams) -> int:
    """Suggested hidden links of each flagged cluster; returns how many in all."""
    flagged = [d for d in drafts if d.flagged]
    if not flagged or params.suggested_links <= 0:
        return 0
    adj = adjacency(graph)
    method: Method = "resource_allocation"
    for d in flagged:
        inside = suggest_links(adj, d.nodes, method=method, limit=params.suggested_links)
        around = suggest_links(
            adj, d.nodes, method=method, limit=params.suggested_links, where="around"
        )
        d.suggested_links = [
            *as_json(inside, graph.ids, d.nodes, method, "inside"),
            *as_json(around, graph.ids, d.nodes, method, "around"),
        ]
    return sum(len(d.suggested_links) for d in flagged)


def _score_and_alert(
    drafts: list[ClusterResult], matching: Matching, params: AnalysisParams, run_id: str
) -> list[AlertRecord]:
    """Give each cluster its matched id, typology, growth, score and flag; its alerts."""
    alerts: list[AlertRecord] = []
    for d, cid, prev in zip(drafts, matching.ids, matching.previous, strict=True):
        d.id = cid
        d.typology = typology(d.evidence, params)
        if prev is not None and prev.members:
            d.growth = round((d.size - len(prev.members)) / len(prev.members), 4)
        d.score, d.explanation = score(
            evidence=d.evidence,
            signal_members=d.signal_members,
            size=d.size,
            community_size=d.size + d.periphery,
            n_cross_regions=len(d.held_regions),
            growth=d.growth,
            n_partners=len(d.partners),
            params=params,
        )
        d.flagged = d.score >= params.alert_threshold
        alerts.extend(
            alerts_for(
                run_id=run_id,
                cluster_id=cid,
                size=d.size,
                regions=d.regions,
                held_regions=d.held_regions,
                cross_region=d.cross_region,
                typology=d.typology,
                score=d.score,
                flagged=d.flagged,
                previous=prev,
                params=params,
            )
        )
    return alerts


def _robust_ranks(graph: AnalysisGraph, drafts: list[ClusterResult], params: AnalysisParams) -> int:
    """Rank intervals of the key players of flagged clusters up to ``betweenness_exact_max``
    members (the cost stays bounded: a few dozen small clusters); returns how many."""
    done = 0
    for d in drafts:
        if not d.flagged or d.size > params.betweenness_exact_max:
            continue
        ranked = [s.node for s in sorted(d.member_stats, key=lambda s: s.rank or 0) if s.rank]
        links = d.links
        d.rank_intervals = rank_intervals(
            d.nodes, graph.src[links], graph.dst[links], graph.weight[links], ranked, params
        )
        done += 1
    return done


def _result(
    graph: AnalysisGraph,
    partition: Partition,
    n_comm: int,
    drafts: list[ClusterResult],
    matching: Matching,
    alerts: list[AlertRecord],
    timings: dict[str, float],
) -> AnalysisResult:
    return AnalysisResult(
        clusters=drafts,
        events=matching.events,
        dissolved=matching.dissolved,
        alerts=alerts,
        nodes=graph.n_nodes,
        links=graph.n_links,
        modularity=partition.modularity,
        communities=n_comm,
        damped=graph.damped,
        unknown_region_addresses=graph.unknown_region_addresses,
        timings=timings,
        membership=partition.membership,
    )


class RunInputs(TypedDict):
    """What a run is given besides its graph (the keyword arguments of both entry points)."""

    params: AnalysisParams
    run_id: str
    previous: list[PreviousCluster]
    progress: NotRequired[Progress]


def analyse_facts(raw: RawGraph, **run: Unpack[RunInputs]) -> AnalysisResult:
    """Project the raw facts, then :func:`analyse_projection`; timings include the projection.

    Examples
    --------
    Two people who share a phone and an incident, both with a cannabis signal:

    >>> from graph.analysis.params import AnalysisParams
    >>> from graph.analysis.graphs import RawGraph
    >>> raw = RawGraph()
    >>> raw.add_node("PRS-A", "person", "Limburg")
    >>> raw.add_node("PRS-B", "person", "Zeeland-West-Brabant")
    >>> raw.shares += [("TEL-1", "phone", "PRS-A", 0), ("TEL-1", "phone", "PRS-B", 0)]
    >>> result = analyse_facts(raw, params=AnalysisParams(), run_id="RUN-1", previous=[])
    >>> result.nodes, result.links
    (2, 1)
    """
    t0 = time.perf_counter()
    graph = project(raw, run["params"])
    elapsed = time.perf_counter() - t0
    run.get("progress", QUIET).note(
        f"projection: {graph.n_nodes} nodes, {graph.n_links} links, hubs damped "
        f"{dict(sorted(graph.damped.items()))} ({elapsed:.1f} s)"
    )
    result = analyse_projection(graph, **run)
    result.timings["projection"] = elapsed
    return result
