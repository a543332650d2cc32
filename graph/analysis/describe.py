"""What each cluster is: members, regions, key players, evidence, partners (before scoring).

Pure functions of the projected graph and its :class:`~graph.analysis.cores.Cores`; the
typology, growth, score and flag are filled in by the pipeline once clusters are matched to the
previous run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graph.analysis.cores import EMPTY, Cores
from graph.analysis.graphs import KINDS, PARTNER_CODES, AnalysisGraph, IntArray, partners_of_mask
from graph.analysis.keyplayers import MemberStats, RankInterval, cluster_subgraph, key_players
from graph.analysis.params import AnalysisParams
from graph.analysis.scoring import Evidence, ScoreLine, cross_regions
from graph.analysis.subgroups import SubGroups, sub_groups
from graph.vocabulary import REGIONS

__all__ = ["ClusterResult", "describe_clusters"]


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
    #: graph positions of the members (``members`` order) and of the links inside the cluster
    nodes: IntArray = field(default_factory=lambda: EMPTY)
    links: IntArray = field(default_factory=lambda: EMPTY)
    groups: SubGroups | None = None
    #: per key player (graph position) its rank under missing data (flagged clusters only)
    rank_intervals: dict[int, RankInterval] = field(default_factory=dict)
    #: likely hidden ties inside and around the cluster, JSON-ready (flagged clusters only;
    #: suggestions, never facts: ``graph.analysis.linkpred``)
    suggested_links: list[dict[str, object]] = field(default_factory=list)

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
                    "role_evidence": s.role_evidence,
                    "role_source": s.role_source,
                    "rank": s.rank,
                    **_interval(self.rank_intervals.get(s.node)),
                }
            )
        return out

    def subgroups(self) -> list[dict[str, object]]:
        """Sub-groups, biggest first: index, size and brokers (``Cluster.subgroups``; counts
        only, the members carry their sub-group on ``MEMBER_OF``)."""
        if self.groups is None:
            return []
        brokers = [b.subgroup for b in self.groups.brokers]
        return [
            {"subgroup": g, "size": n, "brokers": brokers.count(g)}
            for g, n in enumerate(self.groups.sizes)
        ]

    def brokers(self) -> list[dict[str, object]]:
        """Members linking sub-groups, strongest links first, JSON-ready."""
        if self.groups is None:
            return []
        pos = {int(v): i for i, v in enumerate(self.nodes.tolist())}
        return [
            {
                "id": self.members[pos[b.node]],
                "region": self.member_regions[pos[b.node]],
                "subgroup": b.subgroup,
                "links_to": list(b.links_to),
                "weight": b.weight,
                "broker_rank": k,
            }
            for k, b in enumerate(self.groups.brokers, start=1)
        ]

    def member_groups(self) -> list[tuple[int | None, list[int] | None, int | None]]:
        """Per member (``members`` order): sub-group, sub-groups it links to and broker rank
        (the last two null unless it is a broker between sub-groups)."""
        if self.groups is None:
            return [(None, None, None)] * len(self.members)
        broker = {b.node: (list(b.links_to), k) for k, b in enumerate(self.groups.brokers, 1)}
        out: list[tuple[int | None, list[int] | None, int | None]] = []
        for v, g in zip(self.nodes.tolist(), self.groups.membership.tolist(), strict=True):
            links, rank = broker.get(int(v), (None, None))
            out.append((int(g), links, rank))
        return out


def _interval(interval: RankInterval | None) -> dict[str, object]:
    if interval is None:
        return {"rank_interval": None, "rank_top_share": None}
    return {"rank_interval": [interval.low, interval.high], "rank_top_share": interval.top_share}


def describe_clusters(
    graph: AnalysisGraph, cores: Cores, components: IntArray, params: AnalysisParams
) -> list[ClusterResult]:
    """One unscored :class:`ClusterResult` per kept core, in label order.

    Examples
    --------
    >>> import numpy as np
    >>> from graph.analysis.clustering import components
    >>> from graph.analysis.cores import find_cores
    >>> from graph.analysis.graphs import RawGraph
    >>> from graph.analysis.params import AnalysisParams
    >>> from graph.analysis.projection import project
    >>> raw = RawGraph()
    >>> people = [f"PRS-{i}" for i in range(6)]
    >>> for i, p in enumerate(people):
    ...     raw.add_node(p, "person", "Limburg" if i < 3 else "Rotterdam")
    >>> raw.links += [(p, q, "associate", 0) for p, q in zip(people, people[1:] + people[:1])]
    >>> raw.signals += [(p, "cannabis_grow_site", 0) for p in people]
    >>> params = AnalysisParams()
    >>> graph = project(raw, params)
    >>> cores = find_cores(graph, np.zeros(6, dtype=np.int64), params)
    >>> [cluster] = describe_clusters(graph, cores, components(graph), params)
    >>> cluster.size, cluster.region_counts, cluster.signal_members, cluster.density
    (6, {'Limburg': 3, 'Rotterdam': 3}, 6, 0.4)
    """
    evidence, signal_members = _evidence(graph, cores.label, cores.kept, params)
    partner_masks = _partner_masks(graph, cores.label)
    comp_sizes = np.bincount(components) if components.size else np.zeros(0, np.int64)
    return [
        _describe(
            graph,
            cores.members[c],
            cores.links.get(c, EMPTY),
            params,
            evidence=sorted(evidence[c], key=lambda e: (-e.weight, e.signal)),
            signal_members=signal_members.get(c, 0),
            partners=partners_of_mask(int(partner_masks[c])),
            component_size=int(comp_sizes[components[cores.members[c][0]]]),
            periphery=cores.periphery[c],
        )
        for c in cores.kept
    ]


def _evidence(
    graph: AnalysisGraph, label: IntArray, kept: list[int], params: AnalysisParams
) -> tuple[dict[int, list[Evidence]], dict[int, int]]:
    """Per core its signals (count, weight, label) and how many members carry one."""
    evid: dict[int, list[Evidence]] = {c: [] for c in kept}
    if not graph.sig_node.size:
        return evid, {}
    frame = pd.DataFrame(
        {
            "comm": label[graph.sig_node],
            "code": graph.sig_code,
            "w": graph.sig_weight,
            "node": graph.sig_node,
        }
    )
    frame = frame.loc[frame["comm"] >= 0]
    agg = (
        frame.groupby(["comm", "code"]).agg(count=("w", "size"), weight=("w", "sum")).reset_index()
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
    members = {
        int(c): int(k) for c, k in zip(nunique.index.tolist(), nunique.tolist(), strict=True)
    }
    return evid, members


def _partner_masks(graph: AnalysisGraph, label: IntArray) -> IntArray:
    """Per core the partners of the facts between its members and of its members' signals."""
    n_labels = int(label.max()) + 1 if label.size else 0
    masks = np.zeros(max(n_labels, 1), dtype=np.int64)
    if graph.pair_src.size:
        pc = label[graph.pair_src]
        inside = (pc >= 0) & (pc == label[graph.pair_dst])
        _or_bits(masks, pc[inside], graph.pair_partners[inside])
    if graph.sig_node.size:
        sig_label = label[graph.sig_node]
        inside = sig_label >= 0
        _or_bits(masks, sig_label[inside], graph.sig_partners[inside])
    return masks


def _or_bits(target: IntArray, groups: IntArray, masks: IntArray) -> None:
    """``target[g] |= mask`` for every row, one vectorised pass per partner bit."""
    for bit in range(len(PARTNER_CODES)):
        has = (masks >> bit) & 1 == 1
        if has.any():
            target[np.unique(groups[has])] |= 1 << bit


def _describe(
    graph: AnalysisGraph,
    members: IntArray,
    links: IntArray,
    params: AnalysisParams,
    *,
    evidence: list[Evidence],
    signal_members: int,
    partners: list[str],
    component_size: int,
    periphery: int,
) -> ClusterResult:
    """One cluster: its members' kinds and regions, key players, held regions, density."""
    src, dst, weight = graph.src[links], graph.dst[links], graph.weight[links]
    sub = cluster_subgraph(members, src, dst, weight)
    region_of = {int(v): int(graph.regions[v]) for v in members}
    stats = key_players(sub, region_of, graph.roles, params, graph.role_evidence)
    stats.sort(key=lambda s: s.node)
    member_regions = [REGIONS[r] if r >= 0 else None for r in graph.regions[members].tolist()]
    counts: dict[str, int] = {}
    for r in member_regions:
        counts[r or "unknown"] = counts.get(r or "unknown", 0) + 1
    held = cross_regions(counts, params)
    kinds = graph.kinds[members]
    n = int(members.size)
    return ClusterResult(
        id="",
        members=[graph.ids[v] for v in members.tolist()],
        member_kinds=[KINDS[k] for k in kinds.tolist()],
        member_regions=member_regions,
        member_stats=stats,
        size=n,
        persons=int((kinds == 0).sum()),
        companies=int((kinds == 1).sum()),
        regions=sorted((r for r in counts if r != "unknown"), key=lambda r: (-counts[r], r)),
        region_counts=counts,
        held_regions=held,
        cross_region=len(held) >= 2,
        typology="other",
        evidence=evidence,
        signal_members=signal_members,
        partners=partners,
        component_size=component_size,
        density=round(2.0 * links.size / (n * (n - 1)), 4) if n > 1 else 0.0,
        growth=None,
        periphery=periphery,
        nodes=members,
        links=links,
        groups=sub_groups(members, src, dst, weight, params),
    )
