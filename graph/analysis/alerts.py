"""Alerts: what changed about a flagged cluster since the previous run (decision 036).

Only clusters whose score reaches ``alert_threshold`` (``flagged``) alert. Against the state the
previous completed run left (``PreviousCluster``):
- ``new_cross_region``: cross-region now, and new, or not cross-region or not flagged before;
- ``typology``: typology ``omg`` or ``cannabis`` now, and new, or a different typology or not
  flagged before;
- ``grown``: flagged before too, and the size grew by at least ``grow_share``;
- ``new_region``: flagged before too, and a region now holds ``min_region_members`` members
  that did not before.
Unchanged data gives the same clusters with the same state, hence no alerts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from graph.analysis.identity import PreviousCluster
from graph.analysis.params import AnalysisParams

__all__ = ["ALERT_KINDS", "AlertDraft", "alert_id", "alerts_for"]

ALERT_KINDS = ("new_cross_region", "grown", "new_region", "typology")


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """An alert before it is written (``Alert`` node in ``docs/analysis.md``)."""

    id: str
    kind: str
    cluster_id: str
    regions: list[str]
    new_regions: list[str]
    typology: str
    score: float
    growth: float | None
    summary: str


def alert_id(run_id: str, cluster_id: str, kind: str) -> str:
    """Deterministic alert id from the run, the cluster and the alert kind.

    Examples
    --------
    >>> alert_id("RUN-1", "CL-1", "new_cluster")
    'AL-beb993183711'
    """
    digest = hashlib.sha256(f"{run_id}\x1f{cluster_id}\x1f{kind}".encode()).hexdigest()
    return "AL-" + digest[:12]


def alerts_for(
    *,
    run_id: str,
    cluster_id: str,
    size: int,
    regions: list[str],
    held_regions: list[str],
    cross_region: bool,
    typology: str,
    score: float,
    flagged: bool,
    previous: PreviousCluster | None,
    params: AnalysisParams,
) -> list[AlertDraft]:
    """The alerts one cluster raises in this run (empty unless flagged).

    Examples
    --------
    A flagged cross-region cluster seen for the first time raises its alerts:

    >>> from graph.analysis.params import AnalysisParams
    >>> drafts = alerts_for(
    ...     run_id="RUN-1",
    ...     cluster_id="CL-1",
    ...     size=8,
    ...     regions=["Limburg", "Rotterdam"],
    ...     held_regions=["Limburg", "Rotterdam"],
    ...     cross_region=True,
    ...     typology="cannabis",
    ...     score=61.5,
    ...     flagged=True,
    ...     previous=None,
    ...     params=AnalysisParams(),
    ... )
    >>> sorted(d.kind for d in drafts)
    ['new_cross_region', 'typology']
    """
    if not flagged:
        return []
    out: list[AlertDraft] = []
    was_flagged = previous is not None and previous.flagged
    where = ", ".join(regions)

    def add(
        kind: str, summary: str, *, new: list[str] | None = None, growth: float | None = None
    ) -> None:
        ordered = (new or []) + [r for r in regions if r not in (new or [])]
        out.append(
            AlertDraft(
                id=alert_id(run_id, cluster_id, kind),
                kind=kind,
                cluster_id=cluster_id,
                regions=ordered,
                new_regions=new or [],
                typology=typology,
                score=score,
                growth=growth,
                summary=summary,
            )
        )

    if cross_region and not (was_flagged and previous is not None and previous.cross_region):
        add(
            "new_cross_region",
            f"cross-region cluster of {size} members ({typology}) in {where}, score {score:.0f}",
        )
    if typology != "other" and not (
        was_flagged and previous is not None and previous.typology == typology
    ):
        add("typology", f"{typology} typology detected in a cluster of {size} in {where}")
    if was_flagged and previous is not None:
        before = len(previous.members)
        growth = (size - before) / before if before else 0.0
        if growth >= params.grow_share:
            add(
                "grown",
                f"cluster grew from {before} to {size} members (+{growth:.0%}) in {where}",
                growth=round(growth, 4),
            )
        new = [r for r in held_regions if r not in previous.regions]
        if new:
            add(
                "new_region",
                f"cluster of {size} now also holds members in {', '.join(new)}",
                new=new,
            )
    return out
