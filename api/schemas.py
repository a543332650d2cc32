"""Request and response bodies of the API (pydantic), with examples for the OpenAPI document.

Alerts, cluster summaries, members and history events extend the analysis's result records
(:mod:`graph.results`): their stored fields are defined once, there.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.results import AlertRecord, ClusterRecord, EventRecord, MembershipRecord

__all__ = [
    "AccessRecord",
    "Alert",
    "AlertDetail",
    "AlertPage",
    "AlertStatusRecord",
    "AuditEntry",
    "AuditPage",
    "ClusterDetail",
    "ClusterEvent",
    "ClusterGraph",
    "ClusterSummary",
    "Expansion",
    "ExportLink",
    "ExportRequest",
    "FlaggedPath",
    "GraphLink",
    "GraphNode",
    "Health",
    "Member",
    "Network",
    "PathStep",
    "Problem",
    "Provenance",
    "Readiness",
    "Source",
    "StatusChange",
    "StatusChangeResult",
    "SubjectExport",
    "SuppressedCell",
    "TrendTable",
]

AlertStatusValue = Literal["open", "acknowledged", "closed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(_Model):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://knooppunt.example/problems/forbidden"])
    title: str
    status: int
    detail: str
    instance: str | None = None


class Health(_Model):
    """Liveness or readiness."""

    status: Literal["ok", "ready"]


class Readiness(_Model):
    """Readiness: Neo4j answers; and whether the live graph holds a partly written delivery
    (then the live-graph endpoints answer 503 while the stored-result endpoints still serve;
    ``docs/decisions/047``). Counts only: ``/ready`` needs no token."""

    status: Literal["ready"]
    live_graph: Literal["consistent", "partial"] = Field(
        description="'partial' while a chunked delivery is partly written"
    )
    partial_deliveries: int = Field(ge=0, description="deliveries partly written")


# --- alerts ---------------------------------------------------------------------------------


class Alert(AlertRecord):
    """An alert about a cluster, with the caller's organisation's status of it."""

    cross_region: bool = False
    status: AlertStatusValue = "open"
    status_changed_at: datetime | None = None
    case_reference: str | None = Field(
        None, examples=["LB-2025-0007"], description="the case opened from this alert"
    )


class AlertPage(_Model):
    """A page of alerts, newest first; pass ``next_cursor`` as ``cursor`` for the next page."""

    items: list[Alert]
    next_cursor: str | None = None
    limit: int


class AlertStatusRecord(_Model):
    """One organisation's status of an alert (note and author only for the caller's own)."""

    org: str
    status: AlertStatusValue
    changed_at: datetime | None = None
    note: str | None = None
    changed_by: str | None = None


class ClusterSummary(ClusterRecord):
    """The organisation-level facts of a cluster (no person-level data)."""


class AlertDetail(Alert):
    """An alert with its cluster's summary and every organisation's status."""

    cluster: ClusterSummary
    statuses: list[AlertStatusRecord]


class StatusChange(_Model):
    """Acknowledge or close an alert for the caller's organisation."""

    status: Literal["acknowledged", "closed"]
    note: str = Field(
        min_length=1, max_length=2000, examples=["Discussed in the regional steering group"]
    )


class StatusChangeResult(_Model):
    """The status after the change."""

    alert_id: str
    org: str
    previous: AlertStatusValue
    status: AlertStatusValue
    changed_at: datetime | None = None


# --- clusters -------------------------------------------------------------------------------


class Member(MembershipRecord):
    """A cluster member shown as a token (or KvK number) with its role in the cluster."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(examples=["PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ"])


class ClusterEvent(EventRecord):
    """A history event of a cluster (new, grown, shrunk, split, merged, dissolved)."""


class ClusterDetail(ClusterSummary):
    """A cluster with evidence, score explanation, key players, members and history.

    ``members`` holds the members the caller may see as tokens: a RIEC's own region's, and
    with a case reference those in the case's scope; the others are counted per region in
    ``hidden_members`` (the LIEC without a case reference sees counts only).
    """

    evidence: list[dict[str, Any]] = Field(default_factory=list)
    score_explanation: list[dict[str, Any]] = Field(default_factory=list)
    partners: list[str] = Field(default_factory=list)
    key_players: list[dict[str, Any]] = Field(default_factory=list)
    #: Sub-groups of the cluster, biggest first: ``{"subgroup", "size", "brokers"}`` (counts).
    subgroups: list[dict[str, Any]] = Field(default_factory=list)
    #: The visible members linking sub-groups, strongest first:
    #: ``{"id", "subgroup", "links_to", "broker_rank"}``.
    brokers: list[dict[str, Any]] = Field(default_factory=list)
    members: list[Member] = Field(default_factory=list)
    hidden_members: dict[str, int] = Field(default_factory=dict)
    history: list[ClusterEvent] = Field(default_factory=list)
    alerts: list[str] = Field(default_factory=list)
    component_size: int | None = None
    density: float | None = None
    first_run: str | None = None
    last_run: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Source(_Model):
    """One source of a fact: partner, delivery, legal basis and dates."""

    partner: str | None = None
    delivery: str | None = None
    legal_basis: str | None = None
    first_seen: date | None = None
    last_seen: date | None = None
    retain_until: date | None = None


class Provenance(_Model):
    """Where a fact comes from (one entry per partner and legal basis)."""

    partners: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    first_seen: date | None = None
    last_seen: date | None = None
    retain_until: date | None = None


class GraphNode(_Model):
    """A node of a network: an entity with its properties and provenance.

    In a cluster graph, ``member`` marks the cluster's members and ``region`` is the region of
    their membership. In a subject's network, ``region`` is where the entity lives or is
    registered now (null when unknown) and ``member`` marks members of the flagged clusters
    that ``flagged_paths`` lead to (the subject itself included)."""

    id: str
    label: str = Field(examples=["Person"])
    region: str | None = None
    member: bool = False
    properties: dict[str, Any] = Field(default_factory=dict)
    provenance: Provenance = Field(default_factory=Provenance)
    x: float | None = Field(
        None,
        description="a cluster graph's first-view position (the layout of `knooppunt view`, "
        "graph.viz.layout.compute_positions; page pixels, y down); null elsewhere",
    )
    y: float | None = None


class GraphLink(_Model):
    """A link between two nodes: its kind, its properties and the partners it comes from.

    Dates for a timeline: ``properties.since`` and ``properties.until`` where the model has
    them (``LIVES_AT``, ``EMPLOYMENT``: a period, ``until`` null = current; ``DIRECTORSHIP``,
    ``RENTS``: from ``since``); a link to an incident or permit application takes the date of
    that node (``properties.date`` of the node at its other end); every link has
    ``provenance.first_seen`` and ``last_seen`` (the deliveries that reported it), the fallback
    when the model gives no date."""

    id: str
    type: str = Field(examples=["LIVES_AT"])
    source: str
    target: str
    properties: dict[str, Any] = Field(default_factory=dict)
    provenance: Provenance = Field(default_factory=Provenance)


class CaseScoped(_Model):
    """What a person-level read says of the case it was done for (``docs/access.md``)."""

    case_reference: str | None = Field(
        None, description="the case the read was done for (``X-Case-Reference``)"
    )
    scope_depth: int | None = Field(
        None, description="steps around the case's subjects and clusters its scope reaches"
    )
    outside: dict[str, int] = Field(
        default_factory=dict,
        description="people left out because they are outside the case's scope, per region",
        examples=[{"Noord": 3, "unknown": 1}],
    )


class SuggestedLink(_Model):
    """A tie the data probably misses (decision 084): a suggestion, never a fact."""

    a: str
    b: str
    where: Literal["inside", "around"] = Field(
        description="inside: two members; around: a member and a neighbour of the cluster"
    )
    score: float = Field(description="weighted resource allocation index")
    common_neighbours: int
    method: str = Field(examples=["resource_allocation"])


class ClusterGraph(CaseScoped):
    """A cluster's members, the entities that connect them, and the links, with provenance;
    every node with its first-view position (``x``, ``y``)."""

    cluster_id: str
    nodes: list[GraphNode]
    links: list[GraphLink]
    truncated: bool = False
    run_id: str | None = Field(None, description="the analysis run that last wrote the cluster")
    as_of: date | None = Field(None, description="the date that run analysed the graph as of")
    suggested_links: list[SuggestedLink] = Field(
        default_factory=list,
        description=(
            "likely hidden ties of a flagged cluster, best first, between two nodes of this "
            "graph (suggestions with their score, never links)"
        ),
    )


class Expansion(CaseScoped):
    """A node's neighbours within the case's scope, at most ``limit`` of them, with the links
    between the node and them and among them; ``more`` = ``total`` minus those shown."""

    node: str
    nodes: list[GraphNode]
    links: list[GraphLink]
    total: int = Field(description="neighbours within the scope (people outside it not counted)")
    more: int = Field(description="neighbours within the scope not shown (the 'and N more')")


class ExportRequest(_Model):
    """What to export of a cluster's graph: the cluster read again within the case's scope,
    with the expansions of ``expanded``, kept to ``nodes`` and ``links`` (null: all)."""

    format: Literal["graphml", "csv", "png"]
    expanded: list[str] = Field(default_factory=list, max_length=200)
    nodes: list[str] | None = Field(None, max_length=20_000)
    links: list[str] | None = Field(None, max_length=50_000)
    png: str | None = Field(
        None, max_length=30_000_000, description="for png: the view as a base64 PNG image"
    )


class PathStep(_Model):
    """One step of a path: from, to, the link's kind and the partners it comes from."""

    source: str
    target: str
    type: str
    kind: str | None = Field(None, description="the link's role or kind property, if any")
    partners: list[str] = Field(default_factory=list)


class FlaggedPath(_Model):
    """The shortest path found from the subject to a member of a flagged cluster."""

    cluster: ClusterSummary
    member: str
    hops: int
    steps: list[PathStep]


class Network(CaseScoped):
    """A Bibob check: the subject's neighbourhood and its paths to flagged clusters."""

    subject: GraphNode
    depth: int
    nodes: list[GraphNode]
    links: list[GraphLink]
    flagged_paths: list[FlaggedPath]
    hubs_not_expanded: list[str] = Field(
        default_factory=list,
        description="nodes with more links than the hub limit: shown, not expanded",
    )
    truncated: bool = False
    max_path_hops: int


# --- trends ---------------------------------------------------------------------------------


class SuppressedCell(_Model):
    """A hidden cell: its row (region or ``total``), column (period or ``total``) and reason."""

    row: str
    column: str
    reason: Literal["primary", "secondary"]


class TrendTable(_Model):
    """Counts per region and period with totals; hidden cells are null."""

    measure: Literal["incidents", "clusters"]
    typology: str | None = None
    incident_type: str | None = None
    by: list[str] = Field(examples=[["region", "quarter"]])
    from_: date = Field(alias="from")
    to: date
    min_cell: int
    rows: list[str]
    columns: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None
    suppressed: list[SuppressedCell]
    unlocated: int | None = Field(
        None, description="items without a known region (not in the table; suppressed if small)"
    )
    row_inhabitants: list[int | None] = Field(
        default_factory=list,
        description="inhabitants of each row's region(s) (CBS, per PC4 area summed per region): "
        "a shown count's rate per 100,000 is count * 100000 / inhabitants",
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --- export and audit -----------------------------------------------------------------------


class ExportLink(GraphLink):
    """A link of the subject, with the node at the other end."""

    other_id: str | None = None
    other_label: str | None = None


class AccessRecord(_Model):
    """A request that disclosed the subject (directly, or through one of its clusters)."""

    seq: int
    time: str
    subject: str | None = None
    org: str | None = None
    role: str | None = None
    endpoint: str | None = None
    case_reference: str | None = None
    status: int | None = None
    via: str


class ExportCase(_Model):
    """A case the token is in (a subject of it, or a member of one of its clusters), without
    its other subjects."""

    reference: str = Field(examples=["LB-2025-0007"])
    title: str
    status: str
    lead: str
    opened_at: datetime | None = None


class SubjectExport(_Model):
    """Everything held under a token, for a subject-access request."""

    subject: GraphNode
    links: list[ExportLink]
    clusters: list[dict[str, Any]]
    alerts: list[Alert]
    accesses: list[AccessRecord]
    cases: list[ExportCase] = Field(default_factory=list)


class AuditEntry(_Model):
    """One audit log entry."""

    model_config = ConfigDict(extra="allow")

    seq: int
    time: str
    kind: str
    subject: str | None = None
    org: str | None = None
    role: str | None = None
    method: str | None = None
    endpoint: str | None = None
    path: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    case_reference: str | None = None
    status: int | None = None
    result_size: int | None = None
    prev: str
    mac: str


class AuditPage(_Model):
    """A page of audit entries in log order; pass ``next_cursor`` as ``cursor``."""

    items: list[AuditEntry]
    next_cursor: str | None = None
