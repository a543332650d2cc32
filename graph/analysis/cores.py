"""Cluster cores: communities kept for their signals, trimmed to their core and merged.

A Leiden community becomes a cluster only through its *core* (decision 032): the members with a
crime signal, grown by members strongly linked to them, split into the connected parts of the
strong links, and parts that modularity cut apart merged back when their strong links say they
are one network (decision 072: a density test, then the size check). Pure numpy/igraph on
the arrays of :class:`AnalysisGraph`.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np
import numpy.typing as npt

from graph.analysis.graphs import AnalysisGraph, FloatArray, IntArray
from graph.analysis.params import AnalysisParams

__all__ = [
    "EMPTY",
    "Cores",
    "core_members",
    "find_cores",
    "group_slices",
    "merge_cores",
    "strong_parts",
]

EMPTY: IntArray = np.zeros(0, dtype=np.int64)


@dataclass(slots=True)
class Cores:
    """The cores found in one partition.

    ``label``: per node the core it belongs to, else -1. ``periphery``: per kept core the number
    of its community's members left outside it. ``members``/``links``: per kept core its sorted
    node positions and the positions of the graph links inside it.
    """

    label: IntArray
    periphery: dict[int, int]
    members: dict[int, IntArray]
    links: dict[int, IntArray]

    @property
    def kept(self) -> list[int]:
        """The kept cores' labels, ascending."""
        return sorted(self.periphery)


def group_slices(
    groups: IntArray, wanted: npt.NDArray[np.bool_], items: IntArray | None = None
) -> dict[int, IntArray]:
    """``{group: sorted items}`` for the wanted groups (``items`` default: the positions).

    Examples
    --------
    >>> import numpy as np
    >>> group_slices(np.array([1, 0, 1, -1]), np.array([True, True]))
    {0: array([1]), 1: array([0, 2])}
    """
    ok = np.flatnonzero((groups >= 0) & wanted[np.maximum(groups, 0)]) if groups.size else EMPTY
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
    weight: FloatArray,
    strong: FloatArray,
    periphery: dict[int, int],
    params: AnalysisParams,
) -> int:
    """Merge core parts that are one network, before the size check (decision 072).

    Two parts of at least ``min_cluster_size`` members merge when the density of the strong
    links between them reaches ``merge_density`` times the lower of their own internal
    densities (density: strong weight per pair of members). This is a positive gain of the
    Constant Potts Model (Traag et al. 2011) at a resolution set by the parts themselves, so
    two groups joined by a few ordinary links stay apart while a club that modularity cut
    along its chapters (dense ties between the chapters) becomes one. Merging is greedy: the
    pair with the highest density ratio first, densities recomputed after each merge.

    A smaller part then joins the big part it is most strongly tied to when that strong weight
    reaches ``core_min_weight`` per member of the small part (the rule that grows a core) and
    ``attach_share`` of all its links' weight to outside it (a company whose one shared vehicle
    is a small part of its ties stays out).
    Relabels ``label`` in place and sums ``periphery``; returns the number of merges.

    Examples
    --------
    Two groups of four joined by one link of the same strength stay apart; a pair tied to the
    first group by two strong links joins it:

    >>> import itertools
    >>> import numpy as np
    >>> from graph.analysis.params import AnalysisParams
    >>> label = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    >>> periphery = {0: 0, 1: 0, 2: 1}
    >>> pairs = [*itertools.combinations(range(4), 2), *itertools.combinations(range(4, 8), 2)]
    >>> pairs += [(3, 4), (8, 9), (0, 8), (1, 9)]
    >>> src, dst = (np.array(x) for x in zip(*pairs))
    >>> ones = np.ones(len(pairs))
    >>> merge_cores(label, src, dst, ones, ones, periphery, AnalysisParams())
    1
    >>> label.tolist(), periphery
    ([0, 0, 0, 0, 1, 1, 1, 1, 0, 0], {0: 1, 1: 0})
    """
    ls, ld = label[src], label[dst]
    both = (ls >= 0) & (ld >= 0) & (strong > 0)
    internal = _internal_weight(ls, ld, strong, both)
    between = _between_weight(ls, ld, strong, both)
    size = {c: int(n) for c, n in enumerate(np.bincount(label[label >= 0]).tolist()) if n}
    groups = _Groups(size, internal, between)
    merges = groups.merge_dense(params.min_cluster_size, params.merge_density)
    merges += groups.attach_small(
        params.min_cluster_size,
        params.core_min_weight,
        params.attach_share,
        _outside_weight(label, src, dst, weight),
    )
    if merges:
        _relabel(label, periphery, {c: groups.find(c) for c in list(periphery)})
    return merges


class _Groups:
    """Union-find over core parts with each group's size, internal and between weights."""

    def __init__(
        self,
        size: dict[int, int],
        internal: dict[int, float],
        between: dict[tuple[int, int], float],
    ) -> None:
        self.parent: dict[int, int] = {}
        self.size = dict(size)
        self.internal = {c: internal.get(c, 0.0) for c in size}
        self.links: dict[int, dict[int, float]] = {c: {} for c in size}
        for (a, b), w in between.items():
            self.links[a][b] = self.links[a].get(b, 0.0) + w
            self.links[b][a] = self.links[b].get(a, 0.0) + w

    def find(self, x: int) -> int:
        """The group part ``x`` is in (its lowest label)."""
        while self.parent.get(x, x) != x:
            x = self.parent[x]
        return x

    def _union(self, a: int, b: int) -> None:
        keep, gone = min(a, b), max(a, b)
        self.parent[gone] = keep
        w_ab = self.links[keep].pop(gone, 0.0)
        self.links[gone].pop(keep, None)
        self.internal[keep] += self.internal.pop(gone) + w_ab
        self.size[keep] += self.size.pop(gone)
        for c, w in self.links.pop(gone).items():
            self.links[keep][c] = self.links[keep].get(c, 0.0) + w
            self.links[c].pop(gone, None)
            self.links[c][keep] = self.links[keep][c]

    def _density(self, c: int) -> float:
        n = self.size[c]
        return 2.0 * self.internal[c] / (n * (n - 1)) if n > 1 else 0.0

    def ratio(self, a: int, b: int) -> float:
        """Between-density over the lower internal density (0 when a part has no inside)."""
        lower = min(self._density(a), self._density(b))
        if lower <= 0:
            return 0.0
        return self.links[a][b] / (self.size[a] * self.size[b]) / lower

    def merge_dense(self, min_size: int, threshold: float) -> int:
        """Greedy merges of big parts while the best pair's density ratio passes."""
        if threshold <= 0:
            return 0
        merges = 0
        while True:
            best, best_r = None, threshold
            for a, nbrs in self.links.items():
                if self.size[a] < min_size:
                    continue
                for b in nbrs:
                    if a < b and self.size[b] >= min_size:
                        r = self.ratio(a, b)
                        if r >= best_r and (best is None or r > best_r):
                            best, best_r = (a, b), r
            if best is None:
                return merges
            self._union(*best)
            merges += 1

    def attach_small(
        self, min_size: int, per_member: float, share: float, outside: dict[int, float]
    ) -> int:
        """Small parts join the big part (at least ``min_size``) they are most strongly tied
        to, when that strong weight reaches ``per_member`` per member of the small part and
        ``share`` of the weight of its links to outside it."""
        merges = 0
        small = [c for c in sorted(self.size) if self.size[c] < min_size]
        for a in small:
            big = [(w, -b) for b, w in self.links[a].items() if self.size.get(b, 0) >= min_size]
            if big:
                w, b = max(big)
                if w >= per_member * self.size[a] and w >= share * outside.get(a, 0.0):
                    self._union(a, -b)
                    merges += 1
        return merges


def _outside_weight(
    label: IntArray, src: IntArray, dst: IntArray, weight: FloatArray
) -> dict[int, float]:
    """Per part the summed weight of all its links to nodes outside it."""
    ls, ld = label[src], label[dst]
    out: dict[int, float] = {}
    for ends, other in ((ls, ld), (ld, ls)):
        cut = (ends >= 0) & (ends != other)
        if cut.any():
            sums = np.bincount(ends[cut], weights=weight[cut])
            for c in np.flatnonzero(sums).tolist():
                out[c] = out.get(c, 0.0) + float(sums[c])
    return out


def _internal_weight(
    ls: IntArray, ld: IntArray, strong: FloatArray, both: npt.NDArray[np.bool_]
) -> dict[int, float]:
    same = both & (ls == ld)
    internal: dict[int, float] = {}
    for c, w in zip(ls[same].tolist(), strong[same].tolist(), strict=True):
        internal[c] = internal.get(c, 0.0) + w
    return internal


def _between_weight(
    ls: IntArray, ld: IntArray, strong: FloatArray, both: npt.NDArray[np.bool_]
) -> dict[tuple[int, int], float]:
    cross = both & (ls != ld)
    between: dict[tuple[int, int], float] = {}
    for a, b, w in zip(ls[cross].tolist(), ld[cross].tolist(), strong[cross].tolist(), strict=True):
        key = (a, b) if a < b else (b, a)
        between[key] = between.get(key, 0.0) + w
    return between


def _relabel(label: IntArray, periphery: dict[int, int], roots: dict[int, int]) -> None:
    remap = np.arange(int(label.max()) + 1, dtype=np.int64)
    for c, r in roots.items():
        remap[c] = r
    inside = label >= 0
    label[inside] = remap[label[inside]]
    for c, r in roots.items():
        if c != r:
            periphery[r] += periphery.pop(c)


def strong_parts(
    core: IntArray, src: IntArray, dst: IntArray, strong: FloatArray
) -> list[IntArray]:
    """The core split into the connected parts of its strong links (``core`` sorted); a
    community holding a network and unrelated suspects yields one part each.

    Examples
    --------
    >>> import numpy as np
    >>> parts = strong_parts(np.array([3, 5, 7]), np.array([3]), np.array([5]), np.array([1.0]))
    >>> [p.tolist() for p in parts]
    [[3, 5], [7]]
    """
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
    the core reaches ``min_weight`` (repeated until nothing changes). ``members`` sorted.

    Examples
    --------
    >>> import numpy as np
    >>> signal = np.array([True, False, False])
    >>> one = np.array([1.0])
    >>> core_members(np.array([0, 1, 2]), np.array([0]), np.array([1]), one, signal, 1.0)
    array([0, 1])
    """
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


def find_cores(graph: AnalysisGraph, membership: IntArray, params: AnalysisParams) -> Cores:
    """Keep the communities big and signalled enough, trim each to its core parts, merge.

    Examples
    --------
    A ring of six with cannabis signals is one core; nothing is left in its periphery:

    >>> from graph.analysis.graphs import RawGraph
    >>> from graph.analysis.params import AnalysisParams
    >>> from graph.analysis.projection import project
    >>> raw = RawGraph()
    >>> people = [f"PRS-{i}" for i in range(6)]
    >>> for p in people:
    ...     raw.add_node(p, "person", "Limburg")
    >>> raw.links += [(p, q, "associate", 0) for p, q in zip(people, people[1:] + people[:1])]
    >>> raw.signals += [(p, "cannabis_grow_site", 0) for p in people]
    >>> params = AnalysisParams()
    >>> cores = find_cores(project(raw, params), np.zeros(6, dtype=np.int64), params)
    >>> cores.kept, cores.members[0].tolist(), cores.periphery
    ([0], [0, 1, 2, 3, 4, 5], {0: 0})
    """
    keep, keep_set = _kept_communities(graph, membership, params)
    label, periphery, n_labels = _trimmed_parts(graph, membership, keep, keep_set, params)
    merge_cores(label, graph.src, graph.dst, graph.weight, graph.strong, periphery, params)
    _drop_small(label, periphery, params.min_cluster_size)
    kept_set = np.zeros(max(n_labels, 1), dtype=bool)
    kept_set[sorted(periphery)] = True
    lc = label[graph.src]
    core_links = np.flatnonzero((lc >= 0) & (lc == label[graph.dst]))
    return Cores(
        label=label,
        periphery=periphery,
        members=group_slices(label, kept_set),
        links=group_slices(lc[core_links], kept_set, core_links),
    )


def _kept_communities(
    graph: AnalysisGraph, membership: IntArray, params: AnalysisParams
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Communities with at least ``min_keep_weight`` signal weight (any size: a small one's
    parts may still merge into a bigger cluster; the size check comes after the merge)."""
    n_comm = int(membership.max()) + 1 if membership.size else 0
    sig_comm = membership[graph.sig_node] if graph.sig_node.size else graph.sig_node
    comm_weight = np.bincount(sig_comm, weights=graph.sig_weight, minlength=n_comm)
    keep = np.flatnonzero(comm_weight >= params.min_keep_weight)
    keep_set = np.zeros(n_comm, dtype=bool)
    keep_set[keep] = True
    return keep, keep_set


def _trimmed_parts(
    graph: AnalysisGraph,
    membership: IntArray,
    keep: IntArray,
    keep_set: npt.NDArray[np.bool_],
    params: AnalysisParams,
) -> tuple[IntArray, dict[int, int], int]:
    """Label every core part of a kept community (small ones too); the rest -1."""
    m_slices = group_slices(membership, keep_set)
    ec = membership[graph.src]
    internal = np.flatnonzero((ec == membership[graph.dst]) & keep_set[ec])
    l_slices = group_slices(ec[internal], keep_set, internal)
    has_signal = np.zeros(graph.n_nodes, dtype=bool)
    has_signal[graph.sig_node] = True
    label = np.full(graph.n_nodes, -1, dtype=np.int64)
    periphery: dict[int, int] = {}
    n_labels = 0
    for c in keep.tolist():
        members = m_slices[c]
        if params.trim_periphery:
            links = l_slices.get(c, EMPTY)
            src, dst, strong = graph.src[links], graph.dst[links], graph.strong[links]
            core = core_members(members, src, dst, strong, has_signal, params.core_min_weight)
            parts = strong_parts(core, src, dst, strong)
        else:
            parts = [members]
        for part in parts:
            label[part] = n_labels
            periphery[n_labels] = int(members.size - part.size)
            n_labels += 1
    return label, periphery, n_labels


def _drop_small(label: IntArray, periphery: dict[int, int], min_size: int) -> None:
    """Unlabel the parts still smaller than ``min_size`` after merging (not reported)."""
    inside = label >= 0
    sizes = np.bincount(label[inside], minlength=max(periphery, default=-1) + 1)
    small = [c for c in periphery if sizes[c] < min_size]
    if small:
        is_small = np.zeros(sizes.size, dtype=bool)
        is_small[small] = True
        label[inside & is_small[np.maximum(label, 0)]] = -1
        for c in small:
            del periphery[c]
