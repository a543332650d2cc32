"""One analysis run as a pure function: raw facts + previous state -> clusters, events, alerts.

No Neo4j here: ``graph.analysis.export`` reads the inputs and ``graph.analysis.writeback``
writes the result (STYLE.md: analyses are functions of a graph and return plain data).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graph.analysis.alerts import AlertDraft, alerts_for
from graph.analysis.clustering import components, leiden, to_igraph
from graph.analysis.identity import Event, PreviousCluster, match_clusters
from graph.analysis.keyplayers import MemberStats, cluster_subgraph, key_players
from graph.analysis.params import AnalysisParams
from graph.analysis.projection import (
    KINDS,
    PARTNER_CODES,
    AnalysisGraph,
    IntArray,
    RawGraph,
    partners_of_mask,
    project,
)
from graph.analysis.scoring import Evidence, ScoreLine, cross_regions, score, typology
from graph.model import REGIONS

__all__ = ["AnalysisResult", "ClusterResult", "analyse_graph", "run_analysis"]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(slots=True)
class ClusterResult:
    """One cluster of this run (``Cluster`` node + ``MEMBER_OF`` links in docs/analysis.md)."""

    id: str
    members: list[str]
    member_kinds: list[str]
    member_regions: list[str | None]
    member_stats: list[MemberStats]
    size: int
    persons: int
    companies: int
    regions: list[str]
    region_counts: dict[str, int]
    held_regions: list[str]
    cross_region: bool
    typology: str
    evidence: list[Evidence]
    signal_members: int
    partners: list[str]
    component_size: int
    density: float
    growth: float | None
    score: float = 0.0
    explanation: list[ScoreLine] = field(default_factory=list)
    flagged: bool = False

    def key_players(self) -> list[dict[str, object]]:
        """Ranked key players, JSON-ready (``Cluster.key_players``)."""
        ranked = sorted(
            (s for s in self.member_stats if s.rank is not None), key=lambda s: s.rank or 0
        )
        pos = {s.node: i for i, s in enumerate(self.member_stats)}
        out: list[dict[str, object]] = []
        for s in ranked:
            i = pos[s.node]
            out.append(
                {
                    "id": self.members[i],
                    "kind": self.member_kinds[i],
                    "region": self.member_regions[i],
                    "betweenness": s.betweenness,
                    "degree": s.degree,
                    "core": s.core,
                    "is_broker": s.is_broker,
                    "connects_regions": s.connects_regions,
                    "scarce_role": s.scarce_role,
                    "rank": s.rank,
                }
            )
        return out


@dataclass(slots=True)
class AnalysisResult:
    """Everything one run found, plus figures for the run record and the benchmark."""

    clusters: list[ClusterResult]
    events: list[Event]
    dissolved: list[str]
    alerts: list[AlertDraft]
    nodes: int
    links: int
    modularity: float
    communities: int
    damped: dict[str, int]
    unknown_region_addresses: int
    timings: dict[str, float]
    membership: IntArray


def _group(values: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Sort order, unique values and start offsets of ``values`` (for slicing groups)."""
    order = np.argsort(values, kind="stable")
    uniq, starts = np.unique(values[order], return_index=True)
    return order, uniq, starts


def analyse_graph(
    graph: AnalysisGraph,
    *,
    params: AnalysisParams,
    run_id: str,
    previous: list[PreviousCluster],
    progress: Progress = _quiet,
) -> AnalysisResult:
    """Cluster, describe, match, score and alert on a projected graph."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    g = to_igraph(graph)
    partition = leiden(graph, params, g)
    comp = components(graph, g)
    timings["clustering"] = time.perf_counter() - t0
    membership = partition.membership
    n_comm = int(membership.max()) + 1 if membership.size else 0
    progress(
        f"clustering: {graph.n_nodes} nodes, {graph.n_links} links -> {n_comm} communities, "
        f"modularity {partition.modularity:.3f} ({timings['clustering']:.1f} s)"
    )

    t1 = time.perf_counter()
    sizes = np.bincount(membership, minlength=n_comm) if n_comm else np.zeros(0, np.int64)
    comp_sizes = np.bincount(comp) if comp.size else np.zeros(0, np.int64)
    # signal weight per community
    sig_comm = membership[graph.sig_node] if graph.sig_node.size else graph.sig_node
    comm_weight = np.bincount(sig_comm, weights=graph.sig_weight, minlength=n_comm)
    keep = np.flatnonzero(
        (sizes >= params.min_cluster_size) & (comm_weight >= params.min_keep_weight)
    )
    keep_set = np.zeros(n_comm, dtype=bool)
    keep_set[keep] = True

    # evidence per kept community
    evid: dict[int, list[Evidence]] = {int(c): [] for c in keep}
    sig_members: dict[int, int] = {}
    if graph.sig_node.size:
        frame = pd.DataFrame(
            {
                "comm": sig_comm,
                "code": graph.sig_code,
                "w": graph.sig_weight,
                "node": graph.sig_node,
            }
        )
        frame = frame.loc[keep_set[frame["comm"].to_numpy()]]
        agg = frame.groupby(["comm", "code"]).agg(count=("w", "size"), weight=("w", "sum"))
        for (c, code), row in agg.iterrows():
            name = graph.signal_names[int(code)]
            evid[int(c)].append(
                Evidence(
                    name, int(row["count"]), float(row["weight"]), params.signal_weights[name][1]
                )
            )
        sig_members = frame.groupby("comm")["node"].nunique().astype(int).to_dict()
    # partners per kept community: internal facts and members' signals
    partner_mask = np.zeros(n_comm, dtype=np.int64)
    if graph.pair_src.size:
        pc = membership[graph.pair_src]
        internal = (pc == membership[graph.pair_dst]) & keep_set[pc]
        _or_bits(partner_mask, pc[internal], graph.pair_partners[internal])
    if graph.sig_node.size:
        inside = keep_set[sig_comm]
        _or_bits(partner_mask, sig_comm[inside], graph.sig_partners[inside])

    # internal links per kept community
    ec = membership[graph.src]
    internal_links = np.flatnonzero((ec == membership[graph.dst]) & keep_set[ec])
    l_order, l_uniq, l_starts = _group(ec[internal_links])
    link_slices: dict[int, IntArray] = {}
    for i, c in enumerate(l_uniq.tolist()):
        end = l_starts[i + 1] if i + 1 < len(l_starts) else l_order.size
        link_slices[c] = internal_links[l_order[l_starts[i] : end]]
    m_order, m_uniq, m_starts = _group(membership)
    member_slices: dict[int, IntArray] = {}
    for i, c in enumerate(m_uniq.tolist()):
        if keep_set[c]:
            end = m_starts[i + 1] if i + 1 < len(m_starts) else m_order.size
            member_slices[c] = np.sort(m_order[m_starts[i] : end])

    drafts: list[ClusterResult] = []
    for c in keep.tolist():
        members = member_slices[c]
        links = link_slices.get(c, np.zeros(0, dtype=np.int64))
        sub = cluster_subgraph(members, graph.src[links], graph.dst[links], graph.weight[links])
        region_of = {int(v): int(graph.regions[v]) for v in members}
        stats = key_players(sub, region_of, graph.roles, params)
        stats.sort(key=lambda s: s.node)
        member_regions = [REGIONS[r] if r >= 0 else None for r in graph.regions[members].tolist()]
        counts: dict[str, int] = {}
        for r in member_regions:
            counts[r or "unknown"] = counts.get(r or "unknown", 0) + 1
        held = cross_regions(counts, params)
        kinds = graph.kinds[members]
        n = int(members.size)
        drafts.append(
            ClusterResult(
                id="",
                members=[graph.ids[v] for v in members.tolist()],
                member_kinds=[KINDS[k] for k in kinds.tolist()],
                member_regions=member_regions,
                member_stats=stats,
                size=n,
                persons=int((kinds == 0).sum()),
                companies=int((kinds == 1).sum()),
                regions=sorted(
                    (r for r in counts if r != "unknown"), key=lambda r: (-counts[r], r)
                ),
                region_counts=counts,
                held_regions=held,
                cross_region=len(held) >= 2,
                typology="other",
                evidence=sorted(evid[c], key=lambda e: (-e.weight, e.signal)),
                signal_members=sig_members.get(c, 0),
                partners=partners_of_mask(int(partner_mask[c])),
                component_size=int(comp_sizes[comp[members[0]]]),
                density=round(2.0 * links.size / (n * (n - 1)), 4) if n > 1 else 0.0,
                growth=None,
            )
        )
    timings["clusters"] = time.perf_counter() - t1
    progress(f"clusters: {len(drafts)} with crime signals described ({timings['clusters']:.1f} s)")

    t2 = time.perf_counter()
    matching = match_clusters(previous, [frozenset(d.members) for d in drafts], params, run_id)
    alerts: list[AlertDraft] = []
    for d, cid, prev in zip(drafts, matching.ids, matching.previous, strict=True):
        d.id = cid
        d.typology = typology(d.evidence, params)
        if prev is not None and prev.members:
            d.growth = round((d.size - len(prev.members)) / len(prev.members), 4)
        d.score, d.explanation = score(
            evidence=d.evidence,
            signal_members=d.signal_members,
            size=d.size,
            n_cross_regions=len(d.held_regions),
            growth=d.growth,
            n_partners=len(d.partners),
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
    timings["scoring"] = time.perf_counter() - t2
    progress(
        f"history: {len(matching.events)} events, {len(matching.dissolved)} dissolved; "
        f"{sum(d.flagged for d in drafts)} flagged clusters, {len(alerts)} alerts"
    )
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
        membership=membership,
    )


def _or_bits(target: IntArray, groups: IntArray, masks: IntArray) -> None:
    """``target[g] |= mask`` for every row, one vectorised pass per partner bit."""
    for bit in range(len(PARTNER_CODES)):
        has = (masks >> bit) & 1 == 1
        if has.any():
            target[np.unique(groups[has])] |= 1 << bit


def run_analysis(
    raw: RawGraph,
    *,
    params: AnalysisParams,
    run_id: str,
    previous: list[PreviousCluster],
    progress: Progress = _quiet,
) -> AnalysisResult:
    """Project the raw facts, then :func:`analyse_graph`; timings include the projection."""
    t0 = time.perf_counter()
    graph = project(raw, params)
    elapsed = time.perf_counter() - t0
    progress(
        f"projection: {graph.n_nodes} nodes, {graph.n_links} links, hubs damped "
        f"{dict(sorted(graph.damped.items()))} ({elapsed:.1f} s)"
    )
    result = analyse_graph(
        graph, params=params, run_id=run_id, previous=previous, progress=progress
    )
    result.timings["projection"] = elapsed
    return result
