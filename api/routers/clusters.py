"""Clusters: the cluster with its evidence and members, and its network as nodes and links."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic_core import to_json

from api import exports
from api.access import require_cluster, require_operational
from api.auth import User
from api.deps import PersonLevel, PersonLevelDep, note_result
from api.errors import NotFoundError
from api.loading import require_complete_graph
from api.params import CLUSTER_ID_PATTERN
from api.purpose import CaseBinding
from api.routers import cluster_summary, problem_responses
from api.schemas import (
    ClusterDetail,
    ClusterEvent,
    ClusterGraph,
    Expansion,
    ExportRequest,
    GraphLink,
    GraphNode,
    Member,
)
from api.store import Store
from api.subgraphs import cluster_shape, expansion_shape
from graph.model import NodeLabel
from graph.subgraph.model import ClusterGraph as SubgraphResult
from graph.values import parse_json_properties
from graph.viz import render_network_page
from graph.viz.load import first_view_positions, to_networkx

__all__ = ["CLUSTER_ID_PATTERN", "router"]

router = APIRouter(tags=["clusters"])

#: Limits of one cluster graph response.
MAX_GRAPH_NODES: Final = 2000
MAX_GRAPH_LINKS: Final = 10000

#: Neighbours one expansion shows at most, and by default.
MAX_EXPAND: Final = 200
DEFAULT_EXPAND: Final = 25
#: An entity id as the graph's nodes carry it (token, KvK number, address, incident number...).
NODE_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_./:+-]{0,199}$"

ClusterId = Annotated[str, Path(pattern=CLUSTER_ID_PATTERN, examples=["CL-1a2b3c4d"])]
NodeId = Annotated[
    str,
    Query(
        pattern=NODE_ID_PATTERN,
        description="the node's id (GraphNode.id: a token, KvK number, address id, ...)",
        examples=["PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
    ),
]


async def visible_cluster(store: Store, user: User, cluster_id: str) -> dict[str, Any]:
    """The cluster's properties after the need-to-know check (404, 403)."""
    cluster = await store.cluster(cluster_id)
    if cluster is None:
        raise NotFoundError("no cluster with this id")
    require_cluster(
        user,
        regions=list(cluster.get("regions") or []),
        cross_region=bool(cluster.get("cross_region")),
    )
    return cluster


def _list_of_dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _brokers(members: list[Member]) -> list[dict[str, Any]]:
    """The visible members that link sub-groups, by their broker rank."""
    ranked = sorted(
        (m for m in members if m.subgroup_broker is not None),
        key=lambda m: m.subgroup_broker or 0,
    )
    return [
        {
            "id": m.id,
            "subgroup": m.subgroup,
            "links_to": m.links_subgroups or [],
            "broker_rank": m.subgroup_broker,
        }
        for m in ranked
    ]


@router.get(
    "/clusters/{cluster_id}",
    response_model=ClusterDetail,
    responses=problem_responses(403, 404),
    summary="A cluster: typology with evidence, score with explanation, members, history",
)
async def get_cluster(
    request: Request,
    access: PersonLevelDep,
    cluster_id: ClusterId,
) -> Response:
    """Members are shown as tokens when they are in the caller's region (a RIEC), or, with an
    ``X-Case-Reference``, in the case's scope; the others are counted per region in
    ``hidden_members`` (the LIEC sees members only with a case reference)."""
    user = access.user
    require_operational(user)
    binding = await access.bind(request) if access.case_reference is not None else None
    detail = await access.store.cluster_detail(
        cluster_id,
        region=user.region,
        scope=binding.keys if binding is not None else frozenset(),
    )
    if detail is None:
        raise NotFoundError("no cluster with this id")
    cluster = detail["cluster"]
    require_cluster(
        user,
        regions=list(cluster.get("regions") or []),
        cross_region=bool(cluster.get("cross_region")),
    )
    members = [Member(**m) for m in detail["members"]]
    shown = {m.id for m in members}
    summary = cluster_summary(cluster)
    key_players = [kp for kp in _list_of_dicts(cluster.get("key_players")) if kp.get("id") in shown]
    hidden = dict(sorted(Counter(str(r) for r in detail["hidden_regions"]).items()))
    if binding is not None:
        await access.disclosed(
            request, binding, len(members), target=cluster_id, disclosed_cluster=cluster_id
        )
    else:
        note_result(request, len(members), disclosed_cluster=cluster_id)
    body = ClusterDetail(
        **summary,
        evidence=_list_of_dicts(cluster.get("evidence")),
        score_explanation=_list_of_dicts(cluster.get("score_explanation")),
        partners=[str(p) for p in cluster.get("partners") or []],
        key_players=key_players,
        subgroups=_list_of_dicts(cluster.get("subgroups")),
        brokers=_brokers(members),
        members=members,
        hidden_members=hidden,
        history=[
            ClusterEvent(
                id=str(e.get("id")),
                kind=str(e.get("kind")),
                at=e.get("at"),
                run_id=e.get("run_id"),
                details=e.get("details") if isinstance(e.get("details"), dict) else {},
            )
            for e in detail["history"]
        ],
        alerts=[str(a) for a in detail["alerts"]],
        component_size=cluster.get("component_size"),
        density=cluster.get("density"),
        first_run=cluster.get("first_run"),
        last_run=cluster.get("last_run"),
        created_at=cluster.get("created_at"),
        updated_at=cluster.get("updated_at"),
    )
    # Built and validated once here; returning a Response skips FastAPI's second validation.
    return Response(body.model_dump_json(), media_type="application/json")


async def _case_cluster_graph(
    request: Request, access: PersonLevel, cluster_id: str
) -> tuple[CaseBinding, SubgraphResult]:
    """The case binding and the cluster's graph within its scope, for a cluster the caller
    may see (one of the case's clusters, or by :func:`api.access.require_cluster`).

    Read from the live graph, so refused (503) while a delivery is partly written."""
    binding = await access.bind(request)
    store = access.store
    if cluster_id not in binding.case.clusters:
        await visible_cluster(store, access.user, cluster_id)
    found = await store.cluster_subgraph(
        cluster_id,
        max_nodes=MAX_GRAPH_NODES,
        max_links=MAX_GRAPH_LINKS,
        today=datetime.now(UTC).date(),
        scope=binding.keys,
    )
    await require_complete_graph(request, store)  # a chunk may have committed meanwhile
    return binding, found


async def cluster_graph_data(
    request: Request, access: PersonLevel, cluster_id: str
) -> dict[str, Any]:
    """The cluster's nodes and links in the API's shape within the case's scope, logged: the
    body of :class:`ClusterGraph` with every field, as plain Python.

    Not validated again on the way out: the shapes are built by typed code from the core's
    reader, and for 2,000 nodes and 10,000 links validation took ten times as long as
    writing the JSON (0.5 to 0.9 s against 0.07 s, decision 087); a unit test holds the
    body equal to its validated form."""
    binding, found = await _case_cluster_graph(request, access, cluster_id)
    positions = await run_in_threadpool(first_view_positions, found)
    nodes, links, truncated = cluster_shape(found, positions)
    await access.disclosed(
        request,
        binding,
        len(nodes),
        target=cluster_id,
        outside=found.outside,
        disclosed_cluster=cluster_id,
    )
    return {
        "case_reference": binding.reference,
        "scope_depth": binding.depth,
        "outside": dict(found.outside),
        "cluster_id": cluster_id,
        "nodes": nodes,
        "links": links,
        "truncated": truncated,
        "run_id": found.run_id,
        "as_of": found.as_of,
        "suggested_links": _suggestions(found.cluster, {n["id"] for n in nodes}),
    }


_SUGGESTION_KEYS: Final = ("a", "b", "where", "score", "common_neighbours", "method")


def _suggestions(cluster: dict[str, Any], shown: set[str]) -> list[dict[str, Any]]:
    """The cluster's suggested hidden links between two nodes the caller is shown (never one
    that names a person outside the case's scope)."""
    stored = parse_json_properties({"suggested_links": cluster.get("suggested_links")})
    return [
        {k: s.get(k) for k in _SUGGESTION_KEYS}
        for s in _list_of_dicts(stored["suggested_links"])
        if s.get("a") in shown and s.get("b") in shown
    ]


@router.get(
    "/clusters/{cluster_id}/graph",
    response_model=ClusterGraph,
    responses=problem_responses(403, 404, live_graph=True),
    summary="A cluster's network: members, connecting entities and links with provenance",
)
async def get_cluster_graph(
    request: Request, access: PersonLevelDep, cluster_id: ClusterId
) -> Response:
    """Person-level: needs an ``X-Case-Reference`` naming an open case the caller's
    organisation takes part in. People outside the case's scope are left out with their links
    and counted per region in ``outside``. Each link names the partners it comes from;
    expired facts are left out. Each node comes with its first-view position (``x``, ``y``:
    the layout ``knooppunt view`` opens the same graph with), and the graph with the analysis
    run that made the cluster (``run_id``, ``as_of``)."""
    body = await cluster_graph_data(request, access, cluster_id)
    # Written as it was built: a Response skips FastAPI's validation (a second per 10,000 links).
    return Response(to_json(body), media_type="application/json")


@router.get(
    "/clusters/{cluster_id}/view",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "A self-contained network page"},
        **problem_responses(403, 404, live_graph=True),
    },
    summary="A cluster's network as an interactive, self-contained HTML page",
)
async def view_cluster(
    request: Request, access: PersonLevelDep, cluster_id: ClusterId
) -> HTMLResponse:
    """The same data and need-to-know as ``/clusters/{id}/graph`` (a case reference and its
    scope), drawn by :func:`graph.viz.render_network_page` from the core's reader through the
    same adapter as ``knooppunt view`` (:func:`graph.viz.load.to_networkx`): colour by region,
    size by broker score, each link labelled with its kind and the partners it comes from."""
    binding, found = await _case_cluster_graph(request, access, cluster_id)
    typology = found.cluster.get("typology")
    score = found.cluster.get("score")
    subtitle = f"case {binding.reference}, typology {typology}, score {score}"
    if found.outside:
        counted = ", ".join(f"{region} {n}" for region, n in found.outside.items())
        subtitle += f"; outside the case's scope, not shown: {counted}"
    if found.truncated:
        subtitle += " (truncated)"
    html = await run_in_threadpool(
        render_network_page, to_networkx(found), title=f"Cluster {cluster_id}", subtitle=subtitle
    )
    await access.disclosed(
        request,
        binding,
        len(found.nodes),
        target=cluster_id,
        outside=found.outside,
        disclosed_cluster=cluster_id,
    )
    return HTMLResponse(html)


@router.get(
    "/clusters/{cluster_id}/expand",
    response_model=Expansion,
    responses=problem_responses(403, 404, live_graph=True),
    summary="A node's neighbours within the case's scope, capped: expand a node in place",
)
async def expand_node(
    request: Request,
    access: PersonLevelDep,
    cluster_id: ClusterId,
    node: NodeId,
    limit: Annotated[int, Query(ge=1, le=MAX_EXPAND, description="neighbours shown")] = (
        DEFAULT_EXPAND
    ),
    kind: Annotated[
        NodeLabel | None,
        Query(description="the node's label, when its id names entities of several kinds"),
    ] = None,
) -> Response:
    """Person-level, for the case of ``X-Case-Reference`` as ``/clusters/{id}/graph``: the
    node and at most ``limit`` of its neighbours (members of the cluster first, then the most
    linked), with the links between them; ``total`` neighbours within the scope, ``more`` not
    shown. People outside the scope are never returned: they are counted per region in
    ``outside``. A node outside the scope can be expanded only when it is no person and the
    cluster's view can show it (a member, or linked to a member or to the scope); else 403."""
    binding = await access.bind(request)
    store = access.store
    if cluster_id not in binding.case.clusters:
        await visible_cluster(store, access.user, cluster_id)
    found = await store.expand(
        node,
        cluster_id=cluster_id,
        today=datetime.now(UTC).date(),
        limit=limit,
        kind=kind,
        scope=binding.keys,
    )
    await require_complete_graph(request, store)
    nodes, links = expansion_shape(found)
    await access.disclosed(
        request,
        binding,
        len(nodes),
        target=cluster_id,
        outside=found.outside,
        disclosed_cluster=cluster_id,
    )
    body = Expansion(
        node=node,
        nodes=[GraphNode(**n) for n in nodes],
        links=[GraphLink(**link) for link in links],
        total=found.total,
        more=found.more,
        case_reference=binding.reference,
        scope_depth=binding.depth,
        outside=found.outside,
    )
    return Response(body.model_dump_json(), media_type="application/json")


#: What each export answers: media type and file extension.
_EXPORT_FILES: Final = {
    "graphml": (exports.GRAPHML_MEDIA_TYPE, "graphml"),
    "csv": ("application/zip", "zip"),
    "png": ("image/png", "png"),
}


async def _export_graph(
    request: Request, access: PersonLevel, cluster_id: str, body: ExportRequest
) -> tuple[CaseBinding, exports.ExportGraph, dict[str, int]]:
    """The cluster's graph and the expansions named, read again within the case's scope (the
    readers of ``/graph`` and ``/expand``), kept to the nodes and links named."""
    binding, found = await _case_cluster_graph(request, access, cluster_id)
    positions = await run_in_threadpool(first_view_positions, found)
    nodes, links, _ = cluster_shape(found, positions)
    parts = [(nodes, links)]
    outside = dict(found.outside)
    today = datetime.now(UTC).date()
    for node in dict.fromkeys(body.expanded):
        expansion = await access.store.expand(
            node, cluster_id=cluster_id, today=today, limit=MAX_EXPAND, scope=binding.keys
        )
        parts.append(expansion_shape(expansion))
        for region, n in expansion.outside.items():
            outside[region] = max(outside.get(region, 0), n)
    await require_complete_graph(request, access.store)
    graph = exports.ExportGraph.merged(
        cluster_id=cluster_id,
        case_reference=binding.reference,
        run_id=found.run_id,
        as_of=found.as_of,
        parts=parts,
        nodes=body.nodes,
        links=body.links,
    )
    return binding, graph, outside


@router.post(
    "/clusters/{cluster_id}/exports",
    responses={
        200: {
            "content": {media: {} for media, _ in _EXPORT_FILES.values()},
            "description": "The export as a download (Content-Disposition: attachment)",
        },
        **problem_responses(400, 403, 404, live_graph=True),
    },
    summary="Export a cluster's view: GraphML, CSV with an i2 import specification, or PNG",
)
async def export_cluster(
    request: Request, access: PersonLevelDep, cluster_id: ClusterId, body: ExportRequest
) -> Response:
    """Person-level and audited, for the case of ``X-Case-Reference``: the server reads the
    cluster's graph (and the expansions in ``expanded``) again within the case's scope and keeps
    the nodes and links named (null: all), so an export never holds more than the reads would
    show. ``graphml``: networkx reads it back with the same nodes and links, with graph
    attributes ``run_id``, ``as_of``, ``case_reference``, ``cluster_id``. ``csv``: a zip of
    nodes.csv, links.csv and an i2 Analyst's Notebook import specification; cells that a
    spreadsheet would run as a formula are prefixed with ``'``. ``png``: the view the browser
    drew (``png``, base64), recorded in the audit log and answered back as a download."""
    media, extension = _EXPORT_FILES[body.format]
    if body.format == "png":
        image = exports.png_bytes(body.png)
        binding = await access.bind(request)
        if cluster_id not in binding.case.clusters:
            await visible_cluster(access.store, access.user, cluster_id)
        size = len(body.nodes or [])
        content = image
        outside: dict[str, int] = {}
    else:
        binding, graph, outside = await _export_graph(request, access, cluster_id, body)
        size = len(graph.nodes)
        writer = exports.graphml_bytes if body.format == "graphml" else exports.csv_zip
        content = await run_in_threadpool(writer, graph)
    await access.disclosed(
        request,
        binding,
        size,
        target=cluster_id,
        outside=outside,
        disclosed_cluster=cluster_id,
        export=body.format,
    )
    day = datetime.now(UTC).date().isoformat()
    name = f"knooppunt-{cluster_id}-{day}.{extension}"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
