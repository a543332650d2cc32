"""Retention of case records (issue 14 item 4; ``docs/cases.md`` "Retention").

A closed or declined case starts its retention period at ``closed_at``: the years of its legal
basis (``case_retention_years`` in ``graph/data/cases.yaml``). Once past it, ``knooppunt
retention run`` deletes the case with every node hanging off it (its events and notes, and
whatever other records later attach to it, such as interventions: found generically, as the
nodes reached from the case through nodes that are not entities, clusters, alerts or other
cases) and its scope links. A concluded Bibob request that no case took up goes after the
``BIBOB`` basis's years from its conclusion; one that a case took up goes with the case.

Plans (:mod:`graph.subgraph.plan`): ``ingest.retention`` runs them under the writer lock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from graph.cases import queries as q
from graph.cases.model import CASE_RETENTION_YEARS, CLOSED_STATES
from graph.model import ENTITY_LABEL, NodeLabel
from graph.subgraph.plan import Plan, rows

__all__ = ["KEPT_LABELS", "CaseRetention", "expire_cases"]

#: Nodes a case links to that are not the case's own: retention never deletes them with it.
KEPT_LABELS: Final = (
    ENTITY_LABEL,
    NodeLabel.CLUSTER.value,
    NodeLabel.ALERT.value,
    NodeLabel.CASE.value,
)
#: Cases deleted per statement.
_BATCH: Final = 200


@dataclass(frozen=True, slots=True)
class CaseRetention:
    """What a run removed: cases, the nodes hanging off them (per label), their scope links,
    and Bibob requests past their own retention."""

    cases_deleted: int = 0
    case_records_deleted: dict[str, int] = field(default_factory=dict)
    case_scope_links_deleted: int = 0
    bibob_requests_deleted: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The counts, for the CLI's output."""
        return {
            "cases_deleted": self.cases_deleted,
            "case_records_deleted": dict(sorted(self.case_records_deleted.items())),
            "case_scope_links_deleted": self.case_scope_links_deleted,
            "bibob_requests_deleted": self.bibob_requests_deleted,
        }


def expire_cases(*, as_of: date) -> Plan[CaseRetention]:
    """Delete the cases past their retention on ``as_of`` (a date after the last kept day), in
    batches; a second run with the same date deletes nothing."""
    years = dict(CASE_RETENTION_YEARS)
    params = {
        "closed_states": sorted(CLOSED_STATES),
        "years": years,
        "default_years": max(years.values()),
        "as_of": as_of,
    }
    expired = rows((yield q.CASES_EXPIRED, params), "ids")
    records: Counter[str] = Counter()
    cases = links = 0
    for start in range(0, len(expired), _BATCH):
        batch = {"ids": expired[start : start + _BATCH], "kept_labels": list(KEPT_LABELS)}
        for row in rows((yield q.CASES_DELETE, batch)):
            cases += 1
            links += int(row["links"])
            records.update(str(kind) for kind in row["kinds"])
    found = yield q.BIBOB_EXPIRED_DELETE, {"years": years["BIBOB"], "as_of": as_of}
    requests = int(found[0]["deleted"]) if found else 0
    return CaseRetention(
        cases_deleted=cases,
        case_records_deleted=dict(records),
        case_scope_links_deleted=links,
        bibob_requests_deleted=requests,
    )
