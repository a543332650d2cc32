"""One analysis run as a pure function: raw facts + previous state -> clusters, events, alerts.

No Neo4j here: ``graph.analysis.export`` reads the inputs and ``graph.analysis.writeback``
writes the result (STYLE.md: analyses are functions of a graph and return plain data).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import igraph as ig
import numpy as np
import numpy.typing as npt
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
    FloatArray,
    IntArray,
    RawGraph,
    partners_of_mask,
    project,
)
from graph.analysis.scoring import Evidence, ScoreLine, cross_regions, score, typology
from graph.model import REGIONS
from graph.progress import QUIET, Progress

__all__ = [
    "AnalysisResult",
    "ClusterResult",
    "analyse_graph",
    "core_members",
    "run_analysis",
    "strong_parts",
]


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
    periphery: int = 0
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


_EMPTY: IntArray = np.zeros(0, dtype=np.int64)


def _slices(
    groups: IntArray, wanted: npt.NDArray[np.bool_], items: IntArray | None = None
) -> dict[int, IntArray]:
    """``{group: sorted items}`` for the wanted groups (``items`` default: the positions)."""
    ok = np.flatnonzero((groups >= 0) & wanted[np.maximum(groups, 0)]) if groups.size else _EMPTY
    order = ok[np.argsort(groups[ok], kind="stable")]
    uniq, starts = np.unique(groups[order], return_index=True)
    if uniq.size == 0:
        return {}
    ends = np.append(starts[1:], order.size)
    values = order if items is None else items[order]
    return {
        int(g): np.sort(values[a:b]) for g, a, b in zip(uniq.tolist(), starts, ends, strict=True)
    }


def merge_cores(
    label: IntArray,
    src: IntArray,
    dst: IntArray,
    strong: FloatArray,
    share: float,
    periphery: dict[int, int],
) -> int:
    """Merge cores whose strong links to each other weigh at least ``share`` of the smaller
    one's internal strong weight (one network that modularity cut in two, e.g. an OMG club
    split by chapter). Relabels ``label`` in place; returns the number of merges."""
    ls, ld = label[src], label[dst]
    both = (ls >= 0) & (ld >= 0) & (strong > 0)
    same = both & (ls == ld)
    internal: dict[int, float] = {}
    for c, w in zip(ls[same].tolist(), strong[same].tolist(), strict=True):
        internal[c] = internal.get(c, 0.0) + w
    cross = both & (ls != ld)
    between: dict[tuple[int, int], float] = {}
    for a, b, w in zip(ls[cross].tolist(), ld[cross].tolist(), strong[cross].tolist(), strict=True):
        key = (a, b) if a < b else (b, a)
        between[key] = between.get(key, 0.0) + w
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    merges = 0
    for (a, b), w in sorted(between.items()):
        smaller = min(internal.get(a, 0.0), internal.get(b, 0.0))
        if w >= share * smaller:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
                merges += 1
    if merges:
        roots = {c: find(c) for c in list(periphery)}
        remap = np.arange(int(label.max()) + 1, dtype=np.int64)
        for c, r in roots.items():
            remap[c] = r
        inside = label >= 0
        label[inside] = remap[label[inside]]
        for c, r in roots.items():
            if c != r:
                periphery[r] += periphery.pop(c)
    return merges


def strong_parts(
    core: IntArray, src: IntArray, dst: IntArray, strong: FloatArray
) -> list[IntArray]:
    """The core split into the connected parts of its strong links (``core`` sorted); a
    community holding a network and unrelated suspects yields one part each."""
    if core.size == 0:
        return []
    pos_src = np.searchsorted(core, src)
    pos_dst = np.searchsorted(core, dst)
    ok = (
        (strong > 0)
        & (pos_src < core.size)
        & (pos_dst < core.size)
        & (core[np.minimum(pos_src, core.size - 1)] == src)
        & (core[np.minimum(pos_dst, core.size - 1)] == dst)
    )
    g = ig.Graph(n=int(core.size), edges=np.column_stack((pos_src[ok], pos_dst[ok])))
    return [core[np.asarray(c, dtype=np.int64)] for c in g.connected_components()]


def core_members(
    members: IntArray,
    src: IntArray,
    dst: IntArray,
    strong: FloatArray,
    has_signal: npt.NDArray[np.bool_],
    min_weight: float,
) -> IntArray:
    """A community's core: members with a signal, grown by members whose strong-link weight to
    the core reaches ``min_weight`` (repeated until nothing changes). ``members`` sorted."""
    k = members.size
    in_core = has_signal[members].copy()
    if src.size == 0:
        return members[in_core]
    a = np.searchsorted(members, src)
    b = np.searchsorted(members, dst)
    for _ in range(k):
        to_core = np.bincount(a, weights=strong * in_core[b], minlength=k) + np.bincount(
            b, weights=strong * in_core[a], minlength=k
        )
        grown = in_core | (to_core >= min_weight)
        if (grown == in_core).all():
            break
        in_core = grown
    return members[in_core]


def analyse_graph(
    graph: AnalysisGraph,
    *,
    params: AnalysisParams,
    run_id: str,
    previous: list[PreviousCluster],
    progress: Progress = QUIET,
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
    progress.note(
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

    # members and internal links per kept community
    m_slices = _slices(membership, keep_set)
    ec = membership[graph.src]
    internal = np.flatnonzero((ec == membership[graph.dst]) & keep_set[ec])
    l_slices = _slices(ec[internal], keep_set, internal)
    # core of each community (periphery trimming); label = community of core members, else -1
    has_signal = np.zeros(graph.n_nodes, dtype=bool)
    has_signal[graph.sig_node] = True
    label = np.full(graph.n_nodes, -1, dtype=np.int64)
    periphery: dict[int, int] = {}
    n_labels = 0
    for c in keep.tolist():
        members = m_slices[c]
        if params.trim_periphery:
            links = l_slices.get(c, _EMPTY)
            core = core_members(
                members,
                graph.src[links],
                graph.dst[links],
                graph.strong[links],
                has_signal,
                params.core_min_weight,
            )
            parts = strong_parts(core, graph.src[links], graph.dst[links], graph.strong[links])
        else:
            parts = [members]
        for part in parts:
            if part.size >= params.min_cluster_size:
                label[part] = n_labels
                periphery[n_labels] = int(members.size - part.size)
                n_labels += 1
    if params.merge_share > 0:
        merge_cores(label, graph.src, graph.dst, graph.strong, params.merge_share, periphery)
    kept = sorted(periphery)
    kept_set = np.zeros(max(n_labels, 1), dtype=bool)
    kept_set[kept] = True
    member_slices = _slices(label, kept_set)
    lc = label[graph.src]
    core_links = np.flatnonzero((lc >= 0) & (lc == label[graph.dst]))
    link_slices = _slices(lc[core_links], kept_set, core_links)

    # evidence per cluster
    evid: dict[int, list[Evidence]] = {c: [] for c in kept}
    sig_members: dict[int, int] = {}
    sig_label = label[graph.sig_node]
    if graph.sig_node.size:
        frame = pd.DataFrame(
            {
                "comm": sig_label,
                "code": graph.sig_code,
                "w": graph.sig_weight,
                "node": graph.sig_node,
            }
        )
        frame = frame.loc[frame["comm"] >= 0]
        agg = (
            frame.groupby(["comm", "code"])
            .agg(count=("w", "size"), weight=("w", "sum"))
            .reset_index()
        )
        for c, code, count, weight in zip(
            agg["comm"].tolist(),
            agg["code"].tolist(),
            agg["count"].tolist(),
            agg["weight"].tolist(),
            strict=True,
        ):
            name = graph.signal_names[int(code)]
            evid[int(c)].append(
                Evidence(name, int(count), float(weight), params.signal_weights[name][1])
            )
        nunique = frame.groupby("comm")["node"].nunique()
        sig_members = {
            int(c): int(k) for c, k in zip(nunique.index.tolist(), nunique.tolist(), strict=True)
        }
    # partners per cluster: facts between its members and its members' signals
    partner_mask = np.zeros(max(n_labels, 1), dtype=np.int64)
    if graph.pair_src.size:
        pc = label[graph.pair_src]
        inside = (pc >= 0) & (pc == label[graph.pair_dst])
        _or_bits(partner_mask, pc[inside], graph.pair_partners[inside])
    if graph.sig_node.size:
        inside = sig_label >= 0
        _or_bits(partner_mask, sig_label[inside], graph.sig_partners[inside])

    drafts: list[ClusterResult] = []
    for c in kept:
        members = member_slices[c]
        links = link_slices.get(c, _EMPTY)
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
                periphery=periphery[c],
            )
        )
    timings["clusters"] = time.perf_counter() - t1
    progress.note(
        f"clusters: {len(drafts)} with crime signals described ({timings['clusters']:.1f} s)"
    )

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
    timings["scoring"] = time.perf_counter() - t2
    progress.note(
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
    progress: Progress = QUIET,
) -> AnalysisResult:
    """Project the raw facts, then :func:`analyse_graph`; timings include the projection."""
    t0 = time.perf_counter()
    graph = project(raw, params)
    elapsed = time.perf_counter() - t0
    progress.note(
        f"projection: {graph.n_nodes} nodes, {graph.n_links} links, hubs damped "
        f"{dict(sorted(graph.damped.items()))} ({elapsed:.1f} s)"
    )
    result = analyse_graph(
        graph, params=params, run_id=run_id, previous=previous, progress=progress
    )
    result.timings["projection"] = elapsed
    return result
