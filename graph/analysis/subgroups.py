"""Sub-groups of one cluster and the brokers between them (decision 072).

A cluster may hold several groups that work together (a core group, a cocaine cell, the
financiers). Leiden (modularity, seeded) on the cluster's own subgraph finds them; the split is
kept only when its modularity reaches ``subgroup_min_modularity``, the usual mark of a real
community structure (Newman and Girvan 2004), so a single dense group stays one sub-group.
Brokers are the members with links into another sub-group, strongest such links first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import igraph as ig
import numpy as np

from graph.analysis.graphs import FloatArray, IntArray
from graph.analysis.params import AnalysisParams

__all__ = ["Broker", "SubGroups", "sub_groups"]


@dataclass(frozen=True, slots=True)
class Broker:
    """A member (graph node index) linking its sub-group to others."""

    node: int
    subgroup: int
    links_to: tuple[int, ...]
    weight: float


@dataclass(frozen=True, slots=True)
class SubGroups:
    """Per member (in ``members`` order) its sub-group (0 = the biggest), and the brokers."""

    membership: IntArray
    sizes: list[int]
    modularity: float
    brokers: list[Broker]


def _one_group(n: int) -> SubGroups:
    return SubGroups(np.zeros(n, dtype=np.int64), [n] if n else [], 0.0, [])


def sub_groups(
    members: IntArray, src: IntArray, dst: IntArray, weight: FloatArray, params: AnalysisParams
) -> SubGroups:
    """The sub-groups of a cluster (``members`` sorted; links inside the cluster).

    Examples
    --------
    Two squares joined by one link are two sub-groups, with the link's ends as brokers:

    >>> import numpy as np
    >>> from graph.analysis.params import AnalysisParams
    >>> pairs = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (4, 5), (5, 6), (6, 7), (7, 4), (4, 6)]
    >>> pairs.append((3, 4))
    >>> src, dst = (np.array(x) for x in zip(*pairs))
    >>> groups = sub_groups(np.arange(8), src, dst, np.ones(len(pairs)), AnalysisParams())
    >>> groups.membership.tolist(), groups.sizes
    ([0, 0, 0, 0, 1, 1, 1, 1], [4, 4])
    >>> [(b.node, b.subgroup, b.links_to) for b in groups.brokers]
    [(3, 0, (1,)), (4, 1, (0,))]
    """
    n = int(members.size)
    if n < 2 * params.min_cluster_size or src.size == 0:
        return _one_group(n)
    a, b = np.searchsorted(members, src), np.searchsorted(members, dst)
    g = ig.Graph(n=n, edges=np.column_stack((a, b)))
    g.es["weight"] = weight
    ig.set_random_number_generator(random.Random(params.seed))
    try:
        part = g.community_leiden(
            objective_function="modularity", weights="weight", n_iterations=-1
        )
    finally:
        ig.set_random_number_generator(random)
    raw = np.asarray(part.membership, dtype=np.int64)
    modularity = float(g.modularity(part.membership, weights="weight"))
    if raw.max() == 0 or modularity < params.subgroup_min_modularity:
        return _one_group(n)
    # biggest sub-group first; ties by the lowest member position
    counts = np.bincount(raw)
    first = np.full(counts.size, n, dtype=np.int64)
    np.minimum.at(first, raw, np.arange(n))
    order = np.lexsort((first, -counts))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    membership = rank[raw]
    return SubGroups(
        membership=membership,
        sizes=counts[order].tolist(),
        modularity=round(modularity, 4),
        brokers=_brokers(members, a, b, weight, membership, params.brokers),
    )


def _brokers(
    members: IntArray,
    a: IntArray,
    b: IntArray,
    weight: FloatArray,
    membership: IntArray,
    limit: int,
) -> list[Broker]:
    """Members with links into other sub-groups, by the weight of those links (at most
    ``limit``; ties by member position)."""
    ga, gb = membership[a], membership[b]
    cross = ga != gb
    out_weight = np.bincount(a[cross], weights=weight[cross], minlength=members.size)
    out_weight += np.bincount(b[cross], weights=weight[cross], minlength=members.size)
    reach: dict[int, set[int]] = {}
    for x, y, gx, gy in zip(
        a[cross].tolist(), b[cross].tolist(), ga[cross].tolist(), gb[cross].tolist(), strict=True
    ):
        reach.setdefault(x, set()).add(gy)
        reach.setdefault(y, set()).add(gx)
    ranked = sorted(reach, key=lambda p: (-out_weight[p], p))[:limit]
    return [
        Broker(
            node=int(members[p]),
            subgroup=int(membership[p]),
            links_to=tuple(sorted(reach[p])),
            weight=round(float(out_weight[p]), 4),
        )
        for p in ranked
    ]
