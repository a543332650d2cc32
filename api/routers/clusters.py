"""Clusters: the cluster with its evidence and members, and its network as nodes and links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api.access import (
    hidden_member_counts,
    member_visible,
    require_cluster,
    require_operational,
)
from api.auth import User
from api.deps import (
    CaseReferenceDep,
    PersonLevel,
    PersonLevelDep,
    StoreDep,
    UserDep,
    note_result,
)
from api.errors import NotFoundError
from api.loading import require_complete_graph
from api.params import CLUSTER_ID_PATTERN
from api.routers import cluster_summary, problem_responses
from api.schemas import ClusterDetail, ClusterEvent, ClusterGraph, GraphLink, GraphNode, Member
from api.store import Store
from graph.viz import render_network_page
from graph.viz.load import to_networkx

__all__ = ["CLUSTER_ID_PATTERN", "router"]

router = APIRouter(tags=["clusters"])

#: Limits of one cluster graph response.
MAX_GRAPH_NODES: Final = 2000
MAX_GRAPH_LINKS: Final = 10000

ClusterId = Annotated[str, Path(pattern=CLUSTER_ID_PATTERN, examples=["CL-1a2b3c4d"])]


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


@router.get(
    "/clusters/{cluster_id}",
    response_model=ClusterDetail,
    responses=problem_responses(403, 404),
    summary="A cluster: typology with evidence, score with explanation, members, history",
)
async def get_cluster(
    request: Request,
    user: UserDep,
    case_reference: CaseReferenceDep,
    store: StoreDep,
    cluster_id: ClusterId,
) -> Response:
    """Members outside the caller's region are counted per region in ``hidden_members`` unless
    the request carries an ``X-Case-Reference``; the LIEC sees members only with one."""
    require_operational(user)
    detail = await store.cluster_detail(
        cluster_id, all_members=case_reference is not None, region=user.region
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
    summary = cluster_summary(cluster)
    key_players = [
        kp
        for kp in _list_of_dicts(cluster.get("key_players"))
        if member_visible(user, member_region=kp.get("region"), case_reference=case_reference)
    ]
    note_result(request, len(members), disclosed_cluster=cluster_id)
    body = ClusterDetail(
        **summary,
        evidence=_list_of_dicts(cluster.get("evidence")),
        score_explanation=_list_of_dicts(cluster.get("score_explanation")),
        partners=[str(p) for p in cluster.get("partners") or []],
        key_players=key_players,
        members=members,
        hidden_members=hidden_member_counts(
            user, summary["region_counts"], case_reference=case_reference
        ),
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


async def cluster_graph_data(
    request: Request, access: PersonLevel, cluster_id: str
) -> ClusterGraph:
    """The cluster's nodes and links in the API's shape, for a cluster the caller may see.

    Read from the live graph, so refused (503) while a delivery is partly written."""
    await access.require(request)
    store = access.store
    await visible_cluster(store, access.user, cluster_id)
    nodes, links, truncated = await store.cluster_graph(
        cluster_id,
        max_nodes=MAX_GRAPH_NODES,
        max_links=MAX_GRAPH_LINKS,
        today=datetime.now(UTC).date(),
    )
    await require_complete_graph(request, store)  # a chunk may have committed meanwhile
    return ClusterGraph(
        cluster_id=cluster_id,
        nodes=[GraphNode(**n) for n in nodes],
        links=[GraphLink(**link) for link in links],
        truncated=truncated,
    )


@router.get(
    "/clusters/{cluster_id}/graph",
    response_model=ClusterGraph,
    responses=problem_responses(403, 404, live_graph=True),
    summary="A cluster's network: members, connecting entities and links with provenance",
)
async def get_cluster_graph(
    request: Request, access: PersonLevelDep, cluster_id: ClusterId
) -> ClusterGraph:
    """Person-level: needs an ``X-Case-Reference``. Each link names the partners it comes
    from; expired facts are left out."""
    graph = await cluster_graph_data(request, access, cluster_id)
    note_result(request, len(graph.nodes), disclosed_cluster=cluster_id)
    return graph


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
    """The same data and need-to-know as ``/clusters/{id}/graph`` (case reference required),
    drawn by :func:`graph.viz.render_network_page` from the core's reader through the same
    adapter as ``knooppunt view`` (:func:`graph.viz.load.to_networkx`): colour by region, size
    by broker score, each link labelled with its kind and the partners it comes from."""
    await access.require(request)
    await visible_cluster(access.store, access.user, cluster_id)
    found = await access.store.cluster_subgraph(
        cluster_id,
        max_nodes=MAX_GRAPH_NODES,
        max_links=MAX_GRAPH_LINKS,
        today=datetime.now(UTC).date(),
    )
    await require_complete_graph(request, access.store)  # a chunk may have committed meanwhile
    typology = found.cluster.get("typology")
    score = found.cluster.get("score")
    subtitle = f"typology {typology}, score {score}" + (" (truncated)" if found.truncated else "")
    html = await run_in_threadpool(
        render_network_page, to_networkx(found), title=f"Cluster {cluster_id}", subtitle=subtitle
    )
    note_result(request, len(found.nodes), disclosed_cluster=cluster_id)
    return HTMLResponse(html)
