"""Purpose binding (issue 14 item 2, ``docs/access.md``): the facts about a case that decide
whether a person-level read may be done for it, the scope it allows, and the log of such reads
on the case.

The rules themselves (who takes part, which depth) are the API's (:mod:`api.access`); this
module reads and writes, as plans (:mod:`graph.subgraph.plan`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.cases import queries as q
from graph.cases.model import CLOSED_STATES, CaseNotFoundError
from graph.cases.records import Actor
from graph.subgraph.plan import Plan
from graph.subgraph.scope import Scope
from graph.values import from_millis

__all__ = ["CaseAccessFacts", "CaseRead", "case_access", "case_reads", "log_read"]


@dataclass(frozen=True, slots=True)
class CaseAccessFacts:
    """What the purpose check needs of a case, and what its scope depends on."""

    reference: str
    status: str
    lead: str
    participants: tuple[str, ...]
    invited: tuple[str, ...]
    cross_region: bool
    version: int
    subjects: frozenset[str]
    clusters: frozenset[str]
    #: The latest completed analysis run (the members of the case's clusters come from it).
    run: str | None
    #: How many deliveries the graph holds (a new one may add neighbours to the scope).
    deliveries: int

    @property
    def open(self) -> bool:
        """Neither closed nor declined."""
        return self.status not in CLOSED_STATES

    def scope(self, depth: int) -> Scope:
        """The case's scope at ``depth`` steps around its subjects and clusters' members."""
        return Scope(subjects=self.subjects, clusters=self.clusters, depth=depth)

    def generation(self) -> tuple[int, str | None, int]:
        """What the scope's keys depend on besides the case's reference and depth."""
        return self.version, self.run, self.deliveries


@dataclass(frozen=True, slots=True)
class CaseRead:
    """A person-level read logged on a case."""

    at: datetime | None
    by: str
    by_org: str
    by_role: str
    endpoint: str
    target: str
    size: int
    outside: int


def case_access(reference: str) -> Plan[CaseAccessFacts]:
    """The access facts of the case ``reference``, or :class:`CaseNotFoundError`."""
    records = yield q.CASE_ACCESS, {"ref": reference}
    if not records:
        raise CaseNotFoundError("no case with this reference")
    row = records[0]
    run = list(row["run"] or [])
    return CaseAccessFacts(
        reference=str(row["reference"]),
        status=str(row["status"]),
        lead=str(row["lead"]),
        participants=tuple(row["participants"] or ()),
        invited=tuple(row["invited"] or ()),
        cross_region=bool(row["cross_region"]),
        version=int(row["version"] or 0),
        subjects=frozenset(str(s) for s in row["subjects"] or ()),
        clusters=frozenset(str(c) for c in row["clusters"] or ()),
        run=str(run[0]) if run else None,
        deliveries=int(row["deliveries"] or 0),
    )


def log_read(
    reference: str,
    actor: Actor,
    *,
    endpoint: str,
    target: str,
    size: int,
    outside: int,
) -> Plan[None]:
    """Log a person-level read on the case (who, when, which endpoint and entity, how many
    items it returned, how many people it left out as outside the scope)."""
    params: dict[str, Any] = {
        "ref": reference,
        "by": actor.subject,
        "by_org": actor.org,
        "by_role": actor.role,
        "endpoint": endpoint,
        "target": target,
        "size": size,
        "outside": outside,
    }
    records = yield q.CASE_LOG_READ, params
    if not records:
        raise CaseNotFoundError("no case with this reference")


def case_reads(reference: str, *, limit: int = 100) -> Plan[tuple[list[CaseRead], int]]:
    """The latest ``limit`` reads logged on the case, newest first, and how many there are."""
    records = yield q.CASE_READS, {"ref": reference, "limit": limit}
    row: dict[str, Any] = records[0] if records else {"rows": [], "total": 0}
    reads = [
        CaseRead(
            at=from_millis(r.get("at")),
            by=str(r["by"]),
            by_org=str(r["by_org"]),
            by_role=str(r["by_role"]),
            endpoint=str(r["endpoint"]),
            target=str(r["target"]),
            size=int(r["size"] or 0),
            outside=int(r["outside"] or 0),
        )
        for r in row["rows"]
    ]
    return reads, int(row["total"] or 0)
