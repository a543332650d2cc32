"""The analysis's result records, defined once: what the write-back stores, what the API's
queries project and what its schemas serve.

Each record is the set of properties of one kind of result in Neo4j (``docs/analysis.md``,
"Result model"): an :class:`AlertRecord` per ``Alert`` node, a :class:`MembershipRecord` per
``MEMBER_OF`` link, an :class:`EventRecord` per ``ClusterEvent`` node and a
:class:`ClusterRecord` for the organisation-level facts of a ``Cluster`` node. The write-back
dumps them (:func:`stored`), the API's Cypher projects their fields (:func:`projection`) and
the API's response schemas extend them, so a field is added or renamed in one place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "RUN_FIELDS",
    "AlertRecord",
    "ClusterRecord",
    "EventRecord",
    "MembershipRecord",
    "projection",
    "stored",
]

#: Fields the write-back's Cypher sets from the run itself (``$run_id``, ``$at``), not per row.
RUN_FIELDS: Final = frozenset({"run_id", "created_at", "at"})


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlertRecord(_Record):
    """An alert about a cluster, as the analysis raised it."""

    id: str = Field(examples=["AL-3f9a1c2b7d4e"])
    kind: str = Field(
        examples=["new_cross_region"], description="new_cross_region, grown, new_region or typology"
    )
    cluster_id: str = Field(examples=["CL-1a2b3c4d"])
    regions: list[str] = Field(examples=[["Limburg", "Oost-Brabant"]])
    new_regions: list[str] = Field(default_factory=list)
    typology: str | None = Field(None, examples=["cannabis"])
    score: float | None = Field(None, examples=[72.5])
    growth: float | None = None
    created_at: datetime | None = None
    run_id: str | None = None
    initial: bool = False
    summary: str | None = Field(None, examples=["new cross-region cannabis cluster, 14 members"])
    #: Set when the alert was closed for everyone without a person deciding it (its cluster
    #: dissolved, e.g. after retention removed its facts).
    closed_reason: str | None = Field(None, examples=["expired: the cluster dissolved"])


class MembershipRecord(_Record):
    """A member's place in its cluster (the ``MEMBER_OF`` link's properties)."""

    kind: str | None = Field(None, examples=["person"])
    region: str | None = None
    degree: int | None = None
    betweenness: float | None = None
    core: int | None = None
    is_broker: bool | None = None
    connects_regions: bool | None = None
    scarce_role: str | None = None
    role_evidence: str | None = Field(
        None,
        description="the fact that gives scarce_role: sbi, grow_site_property, front_business, "
        "cash_intensive, directorship or employment (a job that holds)",
        examples=["directorship"],
    )
    role_source: str | None = Field(
        None,
        description="the company (KvK number) the role came through, for a directorship or job",
        examples=["12345678"],
    )
    rank: int | None = None
    subgroup: int | None = Field(None, description="sub-group in the cluster, 0 = biggest")
    links_subgroups: list[int] | None = Field(
        None, description="other sub-groups a broker between sub-groups links to, else null"
    )
    subgroup_broker: int | None = Field(
        None, description="rank among the brokers between sub-groups (1 = strongest), else null"
    )
    run_id: str | None = None


class EventRecord(_Record):
    """A history event of a cluster (new, grown, shrunk, split, merged, dissolved)."""

    id: str
    kind: str
    at: datetime | None = None
    run_id: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class ClusterRecord(_Record):
    """The organisation-level facts of a cluster (no person-level data)."""

    id: str
    status: str | None = None
    size: int | None = None
    persons: int | None = None
    companies: int | None = None
    regions: list[str] = Field(default_factory=list)
    region_counts: dict[str, int] = Field(default_factory=dict)
    cross_region: bool = False
    typology: str | None = None
    score: float | None = None
    flagged: bool = False


def stored(record: BaseModel, *, without: frozenset[str] = RUN_FIELDS | {"id"}) -> dict[str, Any]:
    """The properties the write-back sets from a record (the run's own fields and the id,
    which the statement sets or merges on, left out).

    Examples
    --------
    >>> alert = AlertRecord(id="AL-1", kind="grown", cluster_id="CL-1", regions=["Limburg"])
    >>> sorted(stored(alert))  # doctest: +NORMALIZE_WHITESPACE
    ['closed_reason', 'cluster_id', 'growth', 'initial', 'kind', 'new_regions', 'regions',
     'score', 'summary', 'typology']
    """
    return record.model_dump(exclude=set(without))


def projection(var: str, record: type[BaseModel], **computed: str) -> str:
    """A Cypher map projection of a record's fields from the node or link ``var``. A field in
    ``computed`` is read with that expression instead (e.g. a datetime as epoch milliseconds);
    other keys in ``computed`` are added in front (e.g. the id of a link's member node).

    Examples
    --------
    >>> projection("e", EventRecord, at="e.at.epochMillis")
    'e {.id, .kind, at: e.at.epochMillis, .run_id, .details}'
    >>> projection("r", MembershipRecord, id="m.id")[:40]
    'r {id: m.id, .kind, .region, .degree, .b'
    """
    fields = record.model_fields
    parts = [f"{name}: {expr}" for name, expr in computed.items() if name not in fields]
    parts += [f"{name}: {computed[name]}" if name in computed else f".{name}" for name in fields]
    return f"{var} {{{', '.join(parts)}}}"
