"""Subjects: the Bibob check (a person's or company's network and its paths to flagged
clusters) and the subject-access export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request

from api.access import audit_scope, require_export, require_export_scope
from api.audit import read_all_entries
from api.deps import (
    AuditDep,
    PersonLevel,
    PersonLevelDep,
    note_result,
)
from api.errors import NotFoundError
from api.loading import require_complete_graph
from api.params import FIRST_DAY, KVK_PATTERN
from api.routers import alert_from_row, cluster_summary, problem_responses
from api.schemas import (
    AccessRecord,
    ExportCase,
    ExportLink,
    FlaggedPath,
    GraphLink,
    GraphNode,
    Network,
    SubjectExport,
)
from graph.cases.ops import cases_of_subject
from graph.model import NodeLabel
from graph.vocabulary import TOKEN_PATTERN

__all__ = ["KVK_PATTERN", "router"]

router = APIRouter(tags=["subjects"])

#: Paths to flagged clusters are searched up to this many links, whatever the depth.
MAX_PATH_HOPS: Final = 4
#: Nodes with more links are shown but not expanded (a registered-office address, a big
#: employer): they would connect everyone to everyone.
HUB_LIMIT: Final = 50
MAX_NETWORK_NODES: Final = 500

Token = Annotated[
    str,
    Path(
        pattern=TOKEN_PATTERN.pattern,
        description="a pseudonym token (PRS-, VEH-, TEL-, IBN-, EML- + 26 base32 characters)",
        examples=["PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
    ),
]
Kvk = Annotated[str, Path(pattern=KVK_PATTERN, examples=["12345678"])]
Depth = Annotated[int, Query(ge=1, le=3, description="neighbourhood depth in links")]


async def _network(
    request: Request,
    access: PersonLevel,
    subject_id: str,
    depth: int,
    kind: NodeLabel | None = None,
) -> Network:
    binding = await access.bind(request)
    store = access.store
    today = datetime.now(UTC).date()
    found = await store.network(
        subject_id,
        depth=depth,
        path_hops=MAX_PATH_HOPS,
        hub_limit=HUB_LIMIT,
        max_nodes=MAX_NETWORK_NODES,
        today=today,
        kind=kind,
        scope=binding.keys,
    )
    start = found.subject

    paths = [
        FlaggedPath(
            cluster=cluster_summary(p["cluster"]),
            member=p["member"],
            hops=p["hops"],
            steps=p["steps"],
        )
        for p in found.flagged_paths
    ]
    await require_complete_graph(request, store)  # a chunk may have committed meanwhile
    await access.disclosed(
        request,
        binding,
        len(found.nodes) + 1,
        target=subject_id,
        outside=found.outside,
        flagged_clusters=[p.cluster.id for p in paths],
    )
    return Network(
        subject=GraphNode(**start),
        depth=depth,
        nodes=[GraphNode(**start), *(GraphNode(**n) for n in found.nodes.values())],
        links=[GraphLink(**link) for link in found.links.values()],
        flagged_paths=paths,
        hubs_not_expanded=found.hubs,
        truncated=found.truncated,
        max_path_hops=MAX_PATH_HOPS,
        case_reference=binding.reference,
        scope_depth=binding.depth,
        outside=found.outside,
    )


@router.get(
    "/subjects/{token}/network",
    response_model=Network,
    responses=problem_responses(403, 404, live_graph=True),
    summary="Bibob check of a person (or other token): neighbourhood and paths to flagged clusters",
)
async def subject_network(
    request: Request, access: PersonLevelDep, token: Token, depth: Depth = 1
) -> Network:
    """Person-level: needs an ``X-Case-Reference`` naming an open case the caller's
    organisation takes part in. The subject must be in the case's scope (its subjects, its
    clusters' members and their neighbourhood); the walk never steps onto a person outside the
    scope and counts those it meets per region in ``outside``."""
    return await _network(request, access, token, depth)


@router.get(
    "/companies/{kvk}/network",
    response_model=Network,
    responses=problem_responses(403, 404, live_graph=True),
    summary="Bibob check of a company by KvK number: neighbourhood and paths to flagged clusters",
)
async def company_network(
    request: Request, access: PersonLevelDep, kvk: Kvk, depth: Depth = 1
) -> Network:
    """As for a person; a company's regions are those of its registered office and
    establishments."""
    return await _network(request, access, kvk, depth, NodeLabel.COMPANY)


def _accesses(entries: Any, token: str, clusters: set[str], org: str | None) -> list[AccessRecord]:
    """Audited requests that disclosed the subject, directly or through one of its clusters;
    of ``org``'s users only unless ``org`` is ``None`` (the rule of ``/audit``)."""
    records: list[AccessRecord] = []
    for entry in entries:
        if entry.get("kind") != "request":
            continue
        if org is not None and entry.get("org") != org:
            continue
        path_params = entry.get("path_params") or {}
        values = {str(v) for v in path_params.values()}
        via: str | None = None
        if token in values:
            via = "direct"
        else:
            hit = sorted(values & clusters)
            if hit:
                via = f"cluster:{hit[0]}"
        if via is None:
            continue
        records.append(
            AccessRecord(
                seq=int(entry.get("seq", 0)),
                time=str(entry.get("time", "")),
                subject=entry.get("subject"),
                org=entry.get("org"),
                role=entry.get("role"),
                endpoint=entry.get("endpoint"),
                case_reference=entry.get("case_reference"),
                status=entry.get("status"),
                via=via,
            )
        )
    return records


@router.get(
    "/subjects/{token}/export",
    response_model=SubjectExport,
    responses=problem_responses(403, 404, live_graph=True),
    summary="Everything held under a token, and who accessed it (privacy officer)",
)
async def subject_export(
    request: Request, access: PersonLevelDep, audit: AuditDep, token: Token
) -> SubjectExport:
    """For a subject-access request: the node and every link with provenance (expired facts
    too, with their retention date), its clusters and their alerts, the cases it is in
    (``reference``, ``title``, ``status``, ``lead``, ``opened_at``; never their other
    subjects), and every audited request that disclosed it directly or through one of its
    clusters. Needs an ``X-Case-Reference``
    (the request's reference)."""
    require_export(access.user)
    await access.require(request)
    store = access.store
    found = await store.export(token)
    await require_complete_graph(request, store)  # a chunk may have committed meanwhile
    if found is None:
        raise NotFoundError("nothing is held under this token")
    if not access.user.is_liec:
        held = await store.subject(token, today=FIRST_DAY)  # expired facts count too
        require_export_scope(access.user, (held or {}).get("regions") or [])
    cluster_ids = {str(c["cluster"].get("id")) for c in found["clusters"]}
    org = audit_scope(access.user)
    accesses = _accesses(read_all_entries(audit.base), token, cluster_ids, org)
    alerts = [alert_from_row(a) for a in found["alerts"]]
    cases = await store.read_plan(cases_of_subject(token))
    note_result(request, 1 + len(found["links"]) + len(cases))
    return SubjectExport(
        subject=GraphNode(**found["subject"]),
        links=[ExportLink(**link) for link in found["links"]],
        clusters=found["clusters"],
        alerts=alerts,
        accesses=accesses,
        cases=[ExportCase(**case) for case in cases],
    )
