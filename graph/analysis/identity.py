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
    #: Its size as the run wrote it (members may have gone since: retention deletes them).
    size: int = 0


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
    overlap = _Overlap(previous, current, params)
    ids, prev_of, inherited = _assign_ids(overlap, run_id)
    ancestors = [
        sorted(previous[p].id for p in overlap.inter[c] if overlap.is_part(p, c))
        for c in range(len(current))
    ]
    matching = Matching(ids=ids, previous=prev_of, ancestors=ancestors)
    _current_events(matching, current, params)
    _previous_events(matching, overlap, inherited)
    return matching


class _Overlap:
    """How many members each current cluster shares with each previous one, and the best
    match both ways."""

    def __init__(
        self, previous: list[PreviousCluster], current: list[frozenset[str]], params: AnalysisParams
    ) -> None:
        self.previous, self.current, self.params = previous, current, params
        owner: dict[str, int] = {}
        for p, prev in enumerate(previous):
            for m in prev.members:
                owner[m] = p
        #: current -> previous -> shared members
        self.inter: dict[int, Counter[int]] = {
            c: Counter(owner[m] for m in members if m in owner) for c, members in enumerate(current)
        }
        self.best_prev: dict[int, int] = {}
        self.by_prev: dict[int, dict[int, int]] = defaultdict(dict)
        for c, counts in self.inter.items():
            if counts:
                self.best_prev[c] = min(counts, key=lambda p: (-counts[p], previous[p].id))
            for p, k in counts.items():
                self.by_prev[p][c] = k
        self.best_cur = {p: min(cs, key=lambda c: (-cs[c], c)) for p, cs in self.by_prev.items()}

    def is_part(self, p: int, c: int) -> bool:
        """Whether current cluster ``c`` is a part of previous cluster ``p``."""
        k = self.inter[c].get(p, 0)
        return k >= 2 and k >= self.params.part_share * len(self.previous[p].members)

    def parts(self, p: int) -> list[int]:
        """The current clusters that are parts of previous cluster ``p``."""
        return sorted(c for c in self.by_prev.get(p, {}) if self.is_part(p, c))

    def keeps_id(self, c: int) -> int | None:
        """The previous cluster whose id current cluster ``c`` keeps, if any."""
        bp = self.best_prev.get(c)
        if bp is None or self.best_cur.get(bp) != c:
            return None
        enough = self.inter[c][bp] >= self.params.identity_share * len(self.previous[bp].members)
        return bp if enough else None


def _assign_ids(
    overlap: _Overlap, run_id: str
) -> tuple[list[str], list[PreviousCluster | None], set[int]]:
    """Each current cluster's id (kept or new), the previous cluster it continues, and the
    previous clusters whose id lives on."""
    ids: list[str] = []
    prev_of: list[PreviousCluster | None] = []
    inherited: set[int] = set()
    for c, members in enumerate(overlap.current):
        bp = overlap.keeps_id(c)
        if bp is not None:
            ids.append(overlap.previous[bp].id)
            prev_of.append(overlap.previous[bp])
            inherited.add(bp)
        else:
            ids.append(new_cluster_id(run_id, members))
            prev_of.append(None)
    return ids, prev_of, inherited


def _current_events(
    matching: Matching, current: list[frozenset[str]], params: AnalysisParams
) -> None:
    """``grown``, ``shrunk``, ``merged`` and ``new`` events of the current clusters."""
    ids = matching.ids
    for c, members in enumerate(current):
        kept = matching.previous[c]
        anc = matching.ancestors[c]
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
            merged = {"from": [a for a in anc if a != ids[c]], "size_after": size}
            matching.events.append(Event(ids[c], "merged", merged))
        elif kept is None:
            matching.events.append(Event(ids[c], "new", {"from": anc, "size_after": size}))


def _previous_events(matching: Matching, overlap: _Overlap, inherited: set[int]) -> None:
    """``split``, ``merged`` (absorbed) and ``dissolved`` events of the previous clusters."""
    ids = matching.ids
    for p, prev in enumerate(overlap.previous):
        parts = overlap.parts(p)
        before = max(prev.size, len(prev.members))
        if len(parts) >= 2:
            split = {"into": [ids[c] for c in parts if ids[c] != prev.id], "size_before": before}
            matching.events.append(Event(prev.id, "split", split))
            if p not in inherited:
                matching.dissolved.append(prev.id)
            continue
        if p in inherited:
            continue
        matching.dissolved.append(prev.id)
        absorbed = [c for c in parts if len(matching.ancestors[c]) >= 2]
        if absorbed:
            into = {"into": [ids[c] for c in absorbed], "size_before": before}
            matching.events.append(Event(prev.id, "merged", into))
        else:
            matching.events.append(Event(prev.id, "dissolved", {"size_before": before}))
