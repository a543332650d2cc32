"""Cluster cores: communities kept for their signals, trimmed to their core and merged.

A Leiden community becomes a cluster only through its *core* (decision 032): the members with a
crime signal, grown by members strongly linked to them, split into the connected parts of the
strong links, and parts that modularity cut apart merged back when their strong links say they
are one network. Pure numpy/igraph on the arrays of :class:`AnalysisGraph`.
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
    strong: FloatArray,
    share: float,
    periphery: dict[int, int],
) -> int:
    """Merge cores whose strong links to each other weigh at least ``share`` of the smaller
    one's internal strong weight (one network that modularity cut in two, e.g. an OMG club
    split by chapter). Relabels ``label`` in place; returns the number of merges.

    Examples
    --------
    >>> import numpy as np
    >>> label = np.array([0, 0, 1, 1])
    >>> periphery = {0: 0, 1: 2}
    >>> src, dst = np.array([0, 2, 1]), np.array([1, 3, 2])
    >>> merge_cores(label, src, dst, np.array([1.0, 1.0, 0.5]), 0.4, periphery)
    1
    >>> label.tolist(), periphery
    ([0, 0, 0, 0], {0: 2})
    """
    ls, ld = label[src], label[dst]
    both = (ls >= 0) & (ld >= 0) & (strong > 0)
    internal = _internal_weight(ls, ld, strong, both)
    between = _between_weight(ls, ld, strong, both)
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
        _relabel(label, periphery, {c: find(c) for c in list(periphery)})
    return merges


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
    if params.merge_share > 0:
        merge_cores(label, graph.src, graph.dst, graph.strong, params.merge_share, periphery)
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
    """Communities of at least ``min_cluster_size`` members and ``min_keep_weight`` signal."""
    n_comm = int(membership.max()) + 1 if membership.size else 0
    sizes = np.bincount(membership, minlength=n_comm) if n_comm else np.zeros(0, np.int64)
    sig_comm = membership[graph.sig_node] if graph.sig_node.size else graph.sig_node
    comm_weight = np.bincount(sig_comm, weights=graph.sig_weight, minlength=n_comm)
    keep = np.flatnonzero(
        (sizes >= params.min_cluster_size) & (comm_weight >= params.min_keep_weight)
    )
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
    """Label every core part of a kept community that is big enough; the rest -1."""
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
            if part.size >= params.min_cluster_size:
                label[part] = n_labels
                periphery[n_labels] = int(members.size - part.size)
                n_labels += 1
    return label, periphery, n_labels
