"""Suggested hidden links: ties the data probably misses inside and around a flagged cluster.

Police data misses many ties of a covert network (Sparrow 1991; Berlusconi et al. 2016, who
recovered missing links of a Mafia network from its structure). For each flagged cluster the
candidates are the unlinked pairs that share at least one neighbour, ranked apart *inside* (two
members) and *around* (a member and a direct neighbour of the cluster); each is scored by the
**weighted resource allocation index**
(Zhou, Lu and Zhang 2009, weighted as Lu and Zhou 2010):

    score(u, v) = sum over common neighbours z of  w(u, z) * w(z, v) / s(z)

with ``w`` the projected link weights (decay and contact counts included) and ``s(z)`` the
weighted degree of ``z``: a tie through a strong private go-between counts much, one through a
busy hub little. The baseline is the common-neighbours count. A suggestion is never a fact: it
is stored apart from the links (``Cluster.suggested_links``) and shown as a suggestion with its
score. ``benchmarks/link_prediction.py`` measures both methods on hidden planted links
(decision 084).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np

from graph.analysis.graphs import AnalysisGraph, FloatArray, IntArray

__all__ = ["METHODS", "Adjacency", "Suggestion", "Where", "adjacency", "as_json", "suggest_links"]

Method = Literal["resource_allocation", "common_neighbours"]
Where = Literal["inside", "around"]
METHODS: Final[tuple[Method, ...]] = ("resource_allocation", "common_neighbours")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One likely hidden tie: its two ends (graph positions), score and common neighbours."""

    a: int
    b: int
    score: float
    common: int


@dataclass(frozen=True, slots=True)
class Adjacency:
    """The analysis graph as compressed rows (both directions), built once per run."""

    start: IntArray
    neighbour: IntArray
    weight: FloatArray
    strength: FloatArray

    def row(self, node: int) -> tuple[IntArray, FloatArray]:
        """Neighbours of ``node`` (ascending) and the weights of its links to them."""
        lo, hi = int(self.start[node]), int(self.start[node + 1])
        return self.neighbour[lo:hi], self.weight[lo:hi]

    def linked(self, a: int, b: int) -> bool:
        """Whether ``a`` and ``b`` are linked."""
        nbrs = self.row(a)[0]
        i = int(np.searchsorted(nbrs, b))
        return i < nbrs.size and int(nbrs[i]) == b


def adjacency(graph: AnalysisGraph) -> Adjacency:
    """Compressed rows of ``graph`` (each link in both directions) and weighted degrees.

    Examples
    --------
    >>> import numpy as np
    >>> from graph.analysis.projection import graph_from_edges
    >>> g = graph_from_edges(list("abc"), np.array([0, 1]), np.array([1, 2]), np.array([2.0, 1.0]))
    >>> adj = adjacency(g)
    >>> adj.row(1)[0].tolist(), adj.strength.tolist()
    ([0, 2], [2.0, 3.0, 1.0])
    """
    n = graph.n_nodes
    src = np.concatenate([graph.src, graph.dst])
    dst = np.concatenate([graph.dst, graph.src])
    w = np.concatenate([graph.weight, graph.weight])
    order = np.lexsort((dst, src))
    src, dst, w = src[order], dst[order], w[order]
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=start[1:])
    strength = np.bincount(src, weights=w, minlength=n).astype(np.float64)
    return Adjacency(start=start, neighbour=dst.astype(np.int64), weight=w, strength=strength)


def suggest_links(
    adj: Adjacency,
    members: IntArray,
    *,
    method: Method = "resource_allocation",
    limit: int | None = 10,
    where: Where = "inside",
) -> list[Suggestion]:
    """The best-scored unlinked pairs of a cluster (``members``: graph positions): ``inside``,
    two members; ``around``, a member and a direct neighbour of the cluster. At most ``limit``
    (``None``: all), highest score first (ties by positions, deterministic).

    Examples
    --------
    Two members who each call the same go-between but not each other:

    >>> import numpy as np
    >>> from graph.analysis.projection import graph_from_edges
    >>> g = graph_from_edges(list("abc"), np.array([0, 1]), np.array([2, 2]), np.array([1.0, 1.0]))
    >>> [(s.a, s.b, s.score, s.common) for s in suggest_links(adjacency(g), np.array([0, 1, 2]))]
    [(0, 1, 0.5, 1)]
    """
    inside = {int(m) for m in members.tolist()}
    ends = set(inside)
    if where == "around":
        for m in inside:
            ends.update(int(v) for v in adj.row(m)[0].tolist())
    scores: dict[tuple[int, int], float] = {}
    common: dict[tuple[int, int], int] = {}
    # Every candidate pair shares a neighbour z: walk each z's row once and pair its
    # neighbours, at least one of them a member, both candidate ends.
    middles: set[int] = set()
    for m in inside:
        middles.update(int(z) for z in adj.row(m)[0].tolist())
    for z in sorted(middles):
        nbrs, weights = adj.row(z)
        s_z = float(adj.strength[z])
        picked = [(int(v), float(w)) for v, w in zip(nbrs.tolist(), weights.tolist(), strict=True)]
        picked = [(v, w) for v, w in picked if v in ends]
        for i, (u, wu) in enumerate(picked):
            for v, wv in picked[i + 1 :]:
                if (u in inside) + (v in inside) != (2 if where == "inside" else 1):
                    continue
                key = (u, v) if u < v else (v, u)
                gain = wu * wv / s_z if method == "resource_allocation" else 1.0
                scores[key] = scores.get(key, 0.0) + gain
                common[key] = common.get(key, 0) + 1
    found = [
        Suggestion(a=a, b=b, score=round(score, 6), common=common[(a, b)])
        for (a, b), score in scores.items()
        if not adj.linked(a, b)
    ]
    found.sort(key=lambda s: (-s.score, s.a, s.b))
    return found if limit is None else found[:limit]


def as_json(
    found: list[Suggestion], ids: list[str], members: IntArray, method: Method, where: Where
) -> list[dict[str, object]]:
    """Suggestions as stored on the cluster (``Cluster.suggested_links``): the two ends by id,
    whether each is a member, inside or around the cluster, the score, the common neighbours
    and the method."""
    inside = set(members.tolist())
    return [
        {
            "a": ids[s.a],
            "b": ids[s.b],
            "a_member": s.a in inside,
            "b_member": s.b in inside,
            "where": where,
            "score": s.score,
            "common_neighbours": s.common,
            "method": method,
        }
        for s in found
    ]
