"""Bibob requests: a municipality's request to screen a permit applicant, registered, extended,
screened and concluded by its RIEC (``docs/cases.md`` "Bibob requests", decision record 071).
The logic is the core's (:mod:`graph.cases.bibob`); this module puts the access rules of
``docs/access.md`` ("Bibob requests") around it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query, Request, status

from api.access import require_bibob_handler, require_bibob_submitter, require_operational
from api.auth import User
from api.bibob_schemas import (
    BibobConclusion,
    BibobExtension,
    BibobPage,
    BibobRequest,
    BibobRequestCreate,
    BibobScreened,
    BibobScreening,
)
from api.deps import SettingsDep, StoreDep, UserDep, note_result
from api.loading import require_complete_graph
from api.openapi_examples import (
    BIBOB_PAGE,
    BIBOB_REQUEST,
    BIBOB_SCREENING,
    example_response,
)
from api.routers import cluster_summary, problem_responses
from api.schemas import FlaggedPath, GraphLink, GraphNode, Network
from api.subgraphs import network_shape
from graph.cases import bibob
from graph.cases.records import Actor, BibobRecord, NewBibobRequest
from graph.geography import load_geography

__all__ = ["router"]

router = APIRouter(tags=["bibob"])

RequestId = Annotated[
    str, Path(pattern=bibob.BIBOB_ID_PATTERN.pattern, examples=["BB-LB-2026-0003"])
]
#: The screening's walk: the same bounds as the network check (``/subjects/{token}/network``).
MAX_PATH_HOPS: Final = 4
HUB_LIMIT: Final = 50
MAX_NETWORK_NODES: Final = 500


def _today() -> date:
    return datetime.now(UTC).date()


def _actor(user: User) -> Actor:
    return Actor(subject=user.subject, org=user.org, role=user.role.value)


def _shown(record: BibobRecord, today: date) -> BibobRequest:
    return BibobRequest.model_validate(
        {
            **record.model_dump(),
            "days_left": bibob.days_left(record, today=today),
            "near_deadline": bibob.near_deadline(record, today=today),
        }
    )


async def _handled(user: User, store: StoreDep, request_id: str) -> BibobRecord:
    record = await store.case_plan(bibob.read_request(request_id))
    require_bibob_handler(user, record.org)
    return record


@router.post(
    "/bibob/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=BibobRequest,
    responses=problem_responses(400, 403, 409) | example_response(201, BIBOB_REQUEST),
    summary="Register a municipality's Bibob request (coordinators of the municipality's RIEC)",
)
async def submit_request(
    request: Request,
    user: UserDep,
    store: StoreDep,
    settings: SettingsDep,
    body: BibobRequestCreate,
) -> BibobRequest:
    """The RIEC of the region the municipality lies in handles the request (a coordinator of
    another region, or of the LIEC, is refused: 403). The term is 8 weeks from
    ``received_on``. An applicant that is no person or company in the graph is 422
    ``unknown-subject``, an unknown municipality 422 ``unknown-municipality``; nothing is
    written."""
    require_bibob_submitter(user)

    def authorise(region: str) -> None:
        require_bibob_submitter(user, municipality_region=region)

    today = _today()
    new = NewBibobRequest.model_validate(body.model_dump())
    geography = load_geography(settings.require_geography_dir())
    plan = bibob.submit(new, _actor(user), today=today, geography=geography, authorise=authorise)
    request_id = await store.case_plan(plan)
    record = await store.case_plan(bibob.read_request(request_id))
    note_result(request, 1, bibob={"submitted": request_id})
    return _shown(record, today)


@router.get(
    "/bibob/requests",
    response_model=BibobPage,
    responses=problem_responses(400, 403) | example_response(200, BIBOB_PAGE),
    summary="The caller's organisation's Bibob requests, the nearest deadline first",
)
async def list_requests(
    request: Request,
    user: UserDep,
    store: StoreDep,
    state: Annotated[
        str | None, Query(alias="status", pattern="^(open|concluded)$", examples=["open"])
    ] = None,
    due_within: Annotated[
        int | None,
        Query(
            ge=0,
            le=366,
            description="only open requests due within this many days",
            examples=[14],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, examples=[50])] = 50,
) -> BibobPage:
    """``due_within=14`` lists the open requests whose deadline is at most 14 days away or
    has passed (each ``near_deadline``): the deadline alert."""
    require_operational(user)
    today = _today()
    plan = bibob.requests_page(
        org=user.org, today=today, status=state, due_within=due_within, limit=limit
    )
    found = await store.case_plan(plan)
    note_result(request, len(found))
    return BibobPage(items=[_shown(r, today) for r in found], limit=limit)


@router.get(
    "/bibob/requests/{request_id}",
    response_model=BibobRequest,
    responses=problem_responses(403, 404) | example_response(200, BIBOB_REQUEST),
    summary="One Bibob request with its deadline and days left",
)
async def get_request(
    request: Request, user: UserDep, store: StoreDep, request_id: RequestId
) -> BibobRequest:
    """For analysts and coordinators of the RIEC that handles it."""
    record = await _handled(user, store, request_id)
    note_result(request, 1)
    return _shown(record, _today())


@router.post(
    "/bibob/requests/{request_id}/extend",
    response_model=BibobRequest,
    responses=problem_responses(400, 403, 404, 409) | example_response(200, BIBOB_REQUEST),
    summary="Extend the term once by 4 weeks (coordinators of the handling RIEC)",
)
async def extend_request(
    request: Request, user: UserDep, store: StoreDep, request_id: RequestId, body: BibobExtension
) -> BibobRequest:
    """A second extension is 409 ``bibob-extension-refused``, a concluded request 409
    ``bibob-concluded``; nothing changes."""
    record = await _handled(user, store, request_id)
    require_bibob_handler(user, record.org, change=True)
    after = await store.case_plan(bibob.extend(request_id, reason=body.reason, actor=_actor(user)))
    note_result(request, 1, bibob={"extended": request_id})
    return _shown(after, _today())


@router.post(
    "/bibob/requests/{request_id}/conclusion",
    response_model=BibobRequest,
    responses=problem_responses(400, 403, 404, 409) | example_response(200, BIBOB_REQUEST),
    summary="Conclude: serious, lesser or no danger, with reasons (coordinators)",
)
async def conclude_request(
    request: Request, user: UserDep, store: StoreDep, request_id: RequestId, body: BibobConclusion
) -> BibobRequest:
    """A request is concluded once (409 ``bibob-concluded``)."""
    record = await _handled(user, store, request_id)
    require_bibob_handler(user, record.org, change=True)
    plan = bibob.conclude(
        request_id, conclusion=body.conclusion, reasons=body.reasons, actor=_actor(user)
    )
    after = await store.case_plan(plan)
    note_result(request, 1, bibob={"concluded": request_id, "conclusion": body.conclusion})
    return _shown(after, _today())


@router.get(
    "/bibob/requests/{request_id}/screening",
    response_model=BibobScreening,
    responses=problem_responses(403, 404, 409, live_graph=True)
    | example_response(200, BIBOB_SCREENING),
    summary="Screen the applicant: the network walk within the request's own scope",
)
async def screen_request(
    request: Request,
    user: UserDep,
    store: StoreDep,
    request_id: RequestId,
    depth: Annotated[
        int, Query(ge=1, le=3, description="neighbourhood depth in links", examples=[2])
    ] = 2,
) -> BibobScreening:
    """Person-level, bound to the request (its purpose, under the Wet Bibob): for analysts
    and coordinators of the handling RIEC while the request is open (409 ``bibob-concluded``
    after). The scope is the applicant, its directors and owners, and one step around them;
    a person outside it is never shown, only counted per region (``outside_scope``). Paths to
    flagged clusters run within the scope."""
    record = await _handled(user, store, request_id)
    if record.status != "open":
        raise bibob.BibobConcludedError("a concluded request is no longer screened")
    await require_complete_graph(request, store)
    plan = bibob.screening(
        record,
        today=_today(),
        depth=depth,
        path_hops=MAX_PATH_HOPS,
        hub_limit=HUB_LIMIT,
        max_nodes=MAX_NETWORK_NODES,
    )
    found = await store.read_plan(plan)
    await require_complete_graph(request, store)  # a chunk may have committed meanwhile
    shaped = network_shape(found.neighbourhood)
    start = GraphNode(**shaped.subject)
    network = Network(
        subject=start,
        depth=depth,
        nodes=[start, *(GraphNode(**n) for n in shaped.nodes.values())],
        links=[GraphLink(**link) for link in shaped.links.values()],
        flagged_paths=[
            FlaggedPath(
                cluster=cluster_summary(p["cluster"]),
                member=p["member"],
                hops=p["hops"],
                steps=p["steps"],
            )
            for p in shaped.flagged_paths
        ],
        hubs_not_expanded=shaped.hubs,
        truncated=shaped.truncated,
        max_path_hops=MAX_PATH_HOPS,
    )
    note_result(
        request,
        len(network.nodes),
        bibob={"screened": request_id},
        flagged_clusters=[p.cluster.id for p in network.flagged_paths],
    )
    return BibobScreening(
        request_id=request_id,
        applicant=found.applicant,
        screened=[BibobScreened(id=s.id, kind=s.kind, role=s.role) for s in found.screened],
        network=network,
        outside_scope=dict(found.neighbourhood.outside),
    )
