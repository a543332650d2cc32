"""Stable cluster identity across runs, and the history events between two runs.

Rule (decision 035): with ``I(P, C)`` the members a previous cluster ``P`` and a current cluster
``C`` share,
- ``C`` keeps ``P``'s id when each is the other's best match by ``I`` (ties: smaller id / index)
  and ``I(P, C) >= identity_share * |P|``: most of ``P``'s members persist in ``C``;
- ``C`` is a *part* of ``P`` when ``I(P, C) >= part_share * |P|`` and ``I(P, C) >= 2``.
Events: ``new`` (a current cluster without ids or parts behind it), ``grown``/``shrunk`` (kept
id, size changed by at least ``event_share``), ``split`` (a previous cluster with two or more
parts), ``merged`` (a current cluster with two or more previous clusters as parts; recorded on
the current cluster and on each absorbed one), ``dissolved`` (a previous cluster with no
successor).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from graph.analysis.params import AnalysisParams

__all__ = ["Event", "Matching", "PreviousCluster", "match_clusters", "new_cluster_id"]


@dataclass(frozen=True, slots=True)
class PreviousCluster:
    """An active cluster as the previous completed run left it."""

    id: str
    members: frozenset[str]
    regions: tuple[str, ...] = ()
    cross_region: bool = False
    typology: str = "other"
    flagged: bool = False


@dataclass(frozen=True, slots=True)
class Event:
    """A history event about one cluster id."""

    cluster_id: str
    kind: str
    details: dict[str, object]


@dataclass(slots=True)
class Matching:
    """Ids of the current clusters, what each inherited, and the events."""

    ids: list[str]
    previous: list[PreviousCluster | None]
    ancestors: list[list[str]]
    events: list[Event] = field(default_factory=list)
    dissolved: list[str] = field(default_factory=list)


def new_cluster_id(run_id: str, members: frozenset[str]) -> str:
    """A new cluster id, deterministic from the run and the membership.

    Examples
    --------
    >>> new_cluster_id("RUN-1", frozenset({"PRS-A", "PRS-B"}))
    'CL-19b72ff36e'
    >>> new_cluster_id("RUN-1", frozenset({"PRS-B", "PRS-A"})) == new_cluster_id(
    ...     "RUN-1", frozenset({"PRS-A", "PRS-B"})
    ... )
    True
    """
    digest = hashlib.sha256(run_id.encode())
    for m in sorted(members):
        digest.update(b"\x1f" + m.encode())
    return "CL-" + digest.hexdigest()[:10]


def match_clusters(
    previous: list[PreviousCluster],
    current: list[frozenset[str]],
    params: AnalysisParams,
    run_id: str,
) -> Matching:
    """Match current memberships to the previous run's clusters (see the module rule).

    Examples
    --------
    A cluster that keeps most of its members keeps its id:

    >>> from graph.analysis.params import AnalysisParams
    >>> before = PreviousCluster("CL-1", frozenset({"A", "B", "C"}))
    >>> now = [frozenset({"A", "B", "C", "D"})]
    >>> matching = match_clusters([before], now, AnalysisParams(), "RUN-2")
    >>> matching.ids, matching.dissolved
    (['CL-1'], [])
    """
    owner: dict[str, int] = {}
    for p, prev in enumerate(previous):
        for m in prev.members:
            owner[m] = p
    inter: dict[int, Counter[int]] = {}  # current -> previous -> shared members
    for c, members in enumerate(current):
        counts: Counter[int] = Counter(owner[m] for m in members if m in owner)
        inter[c] = counts
    best_prev: dict[int, int] = {}
    by_prev: dict[int, dict[int, int]] = defaultdict(dict)
    for c, counts in inter.items():
        if counts:
            best_prev[c] = min(counts, key=lambda p: (-counts[p], previous[p].id))
        for p, k in counts.items():
            by_prev[p][c] = k
    best_cur = {p: min(cs, key=lambda c: (-cs[c], c)) for p, cs in by_prev.items()}

    def is_part(p: int, c: int) -> bool:
        k = inter[c].get(p, 0)
        return k >= 2 and k >= params.part_share * len(previous[p].members)

    parts_of_prev = {p: sorted(c for c in cs if is_part(p, c)) for p, cs in by_prev.items()}
    ids: list[str] = []
    prev_of: list[PreviousCluster | None] = []
    inherited: set[int] = set()
    for c, members in enumerate(current):
        bp = best_prev.get(c)
        if (
            bp is not None
            and best_cur.get(bp) == c
            and inter[c][bp] >= params.identity_share * len(previous[bp].members)
        ):
            ids.append(previous[bp].id)
            prev_of.append(previous[bp])
            inherited.add(bp)
        else:
            ids.append(new_cluster_id(run_id, members))
            prev_of.append(None)
    ancestors = [
        sorted(previous[p].id for p in inter[c] if is_part(p, c)) for c in range(len(current))
    ]
    matching = Matching(ids=ids, previous=prev_of, ancestors=ancestors)

    for c, members in enumerate(current):
        kept = prev_of[c]
        anc = ancestors[c]
        size = len(members)
        if kept is not None:
            before = len(kept.members)
            change = (size - before) / before if before else 0.0
            details: dict[str, object] = {"size_before": before, "size_after": size}
            if change >= params.event_share:
                matching.events.append(Event(ids[c], "grown", details))
            elif change <= -params.event_share:
                matching.events.append(Event(ids[c], "shrunk", details))
        if len(anc) >= 2:
            matching.events.append(
                Event(
                    ids[c], "merged", {"from": [a for a in anc if a != ids[c]], "size_after": size}
                )
            )
        elif kept is None:
            matching.events.append(Event(ids[c], "new", {"from": anc, "size_after": size}))
    for p, prev in enumerate(previous):
        parts = parts_of_prev.get(p, [])
        if len(parts) >= 2:
            matching.events.append(
                Event(
                    prev.id,
                    "split",
                    {
                        "into": [ids[c] for c in parts if ids[c] != prev.id],
                        "size_before": len(prev.members),
                    },
                )
            )
            if p not in inherited:
                matching.dissolved.append(prev.id)
            continue
        if p in inherited:
            continue
        matching.dissolved.append(prev.id)
        absorbed = [c for c in parts if len(ancestors[c]) >= 2]
        if absorbed:
            matching.events.append(
                Event(
                    prev.id,
                    "merged",
                    {"into": [ids[c] for c in absorbed], "size_before": len(prev.members)},
                )
            )
        else:
            matching.events.append(Event(prev.id, "dissolved", {"size_before": len(prev.members)}))
    return matching
