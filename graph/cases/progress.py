"""The LIEC's view of the cross-region cases (issue 14, ``docs/cases.md``): each case's
progress per region, without person-level detail.

Per case: its record (state, lead, who takes part or is invited, dates) and, per organisation
involved (a region or the LIEC), its standing, how many of the people and companies the case is
about are in that region (subjects by their current home or office, its clusters' members by
their membership's region), its changes to the case (count, last time) and the interventions it
recorded, by status. Counts, never ids: the LIEC sees a case's people only when it takes part.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.cases import queries as q
from graph.cases.ops import case_record
from graph.cases.records import CaseRecord
from graph.subgraph.plan import Plan, rows
from graph.values import from_millis

__all__ = ["CaseProgress", "RegionProgress", "cross_region_progress"]


@dataclass(frozen=True, slots=True)
class RegionProgress:
    """One organisation's part in a case."""

    org: str
    standing: str  # lead, participant, invited or none
    people: int = 0
    changes: int = 0
    last_change: datetime | None = None
    interventions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseProgress:
    """A cross-region case and its progress per organisation."""

    record: CaseRecord
    regions: list[RegionProgress]


def _standing(org: str, record: CaseRecord) -> str:
    if org == record.lead:
        return "lead"
    if org in record.participants:
        return "participant"
    if org in record.invited:
        return "invited"
    return "none"


def progress_of(row: dict[str, Any]) -> CaseProgress:
    """One row of :data:`graph.cases.queries.CASES_CROSS_REGION_PROGRESS` (pure)."""
    record = case_record(row["case"])
    people = Counter(str(r) for r in [*row["subject_regions"], *row["member_regions"]])
    activity = {str(a["org"]): a for a in row["activity"]}
    done: dict[str, Counter[str]] = {}
    for i in row["interventions"]:
        done.setdefault(str(i["org"]), Counter())[str(i["status"])] += 1
    orgs = sorted({*people, *activity, *done, *record.participants, *record.invited})
    regions = [
        RegionProgress(
            org=org,
            standing=_standing(org, record),
            people=people.get(org, 0),
            changes=int(activity.get(org, {}).get("changes") or 0),
            last_change=from_millis(activity.get(org, {}).get("last")),
            interventions=dict(sorted(done.get(org, Counter()).items())),
        )
        for org in orgs
    ]
    return CaseProgress(record=record, regions=regions)


def cross_region_progress(*, status: str | None, limit: int) -> Plan[list[CaseProgress]]:
    """The cross-region cases (newest first) with their progress per organisation."""
    found = rows((yield q.CASES_CROSS_REGION_PROGRESS, {"status": status, "limit": limit}))
    return [progress_of(row) for row in found]
