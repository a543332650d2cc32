"""Cases: open (from a signal or an alert), list, read, change status, invite and accept,
add subjects and notes. The logic is the core's (:mod:`graph.cases.ops`); this module puts
the access rules of ``docs/access.md`` ("Cases") around it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status

from api.access import (
    alert_visible,
    require_accept,
    require_case_opener,
    require_case_participant,
    require_case_reader,
    require_case_steering,
    require_invite,
    require_operational,
)
from api.auth import User
from api.case_schemas import (
    CaseCreate,
    CaseDetail,
    CaseNote,
    CasePage,
    CaseReadEntry,
    CaseReads,
    CaseStatusChange,
    CaseSubject,
    CaseSubjects,
    CaseSummary,
    Participation,
)
from api.deps import ScopesDep, StoreDep, UserDep, note_result
from api.errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from api.openapi_examples import CASE_DETAIL, CASE_PAGE, CASE_READS, example_response
from api.params import decode_cursor, encode_cursor, utc_instant
from api.purpose import require_addable
from api.routers import problem_responses
from api.routers.alerts import REGION_PATTERN
from api.store import Store
from graph.cases import bibob, ops
from graph.cases.model import PHENOMENA, REFERENCE_PATTERN, STATES
from graph.cases.records import Actor, BibobRecord, NewCase
from graph.errors import NotFoundError as GraphNotFoundError
from graph.subgraph.plan import Plan

__all__ = ["router"]

router = APIRouter(tags=["cases"])

Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN.pattern, examples=["LB-2025-0007"])]
_STATE = "^(" + "|".join(STATES) + ")$"
_PHENOMENON = "^(" + "|".join(PHENOMENA) + ")$"
_LEAD = REGION_PATTERN[:-2] + "|LIEC)$"


def _actor(user: User) -> Actor:
    return Actor(subject=user.subject, org=user.org, role=user.role.value)


def _detail(user: User, view: ops.CaseView) -> CaseDetail:
    """The case as the caller may see it: person-level content for participants only."""
    standing = require_case_reader(user, view.record)
    counts = {"subjects": len(view.subjects), "clusters": len(view.clusters)}
    base: dict[str, Any] = {
        **view.record.model_dump(),
        **counts,
        "alerts": len(view.alerts),
        "standing": standing,
        "cluster_ids": view.clusters,
        "alert_ids": view.alerts,
    }
    if standing == "participant":
        base |= {
            "purpose": view.purpose,
            "subject_ids": [CaseSubject(**s) for s in view.subjects],
            "events": view.events,
            "notes": view.notes,
        }
    return CaseDetail.model_validate(base)


async def _readable(user: User, store: Store, reference: str) -> ops.CaseView:
    view = await store.case_plan(ops.read_case(reference))
    require_case_reader(user, view.record)
    return view


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseDetail,
    responses=problem_responses(400, 403, 404, 409) | example_response(201, CASE_DETAIL),
    summary="Open a case (coordinators); from an alert, the alert and its cluster are linked",
)
async def open_case(
    request: Request, user: UserDep, store: StoreDep, body: CaseCreate
) -> CaseDetail:
    """The caller's organisation leads the case; it gets the next reference of its year
    (``LB-2025-0007``). From an alert (``alert_id``): the alert must concern the caller's
    organisation, and an alert opens one case (a second is 409 ``alert-has-case``, naming
    it). From a Bibob request (``bibob_request_id``, origin ``bibob``): the request must be
    the caller's organisation's, and it makes one case (409 ``bibob-has-case``); the case
    links the request and has its applicant as a subject."""
    require_case_opener(user)

    def authorise(facts: ops.AlertFacts) -> None:
        if not alert_visible(user, regions=facts.regions, cross_region=facts.cross_region):
            raise ForbiddenError("this alert does not concern your organisation")
        if facts.closed_reason:
            raise ConflictError("this alert was closed for everyone: its cluster dissolved")

    new = NewCase.model_validate(
        body.model_dump(exclude={"alert_id", "origin", "bibob_request_id"})
    )
    plan: Plan[str] = ops.open_case(
        new,
        _actor(user),
        year=datetime.now(UTC).year,
        origin=body.origin,
        alert_id=body.alert_id,
        authorise=authorise,
    )
    if body.bibob_request_id is not None:
        if body.alert_id is not None:
            raise BadRequestError("a case is opened from an alert or a Bibob request, not both")

        def handles(request: BibobRecord) -> None:
            if request.org != user.org:
                raise ForbiddenError("this Bibob request is handled by another organisation")

        plan = bibob.take_up(
            body.bibob_request_id,
            new,
            _actor(user),
            year=datetime.now(UTC).year,
            authorise=handles,
        )
    try:
        reference = await store.case_plan(plan)
    except GraphNotFoundError:
        raise NotFoundError("no alert with this id") from None
    view = await store.case_plan(ops.read_case(reference))
    note_result(
        request,
        1,
        case={"opened": reference, "alert": body.alert_id, "bibob": body.bibob_request_id},
    )
    return _detail(user, view)


@router.get(
    "/cases",
    response_model=CasePage,
    responses=problem_responses(400, 403) | example_response(200, CASE_PAGE),
    summary="Cases the caller's organisation leads, takes part in or is invited to",
)
async def list_cases(
    request: Request,
    user: UserDep,
    store: StoreDep,
    state: Annotated[
        str | None, Query(alias="status", pattern=_STATE, examples=["analysis"])
    ] = None,
    phenomenon: Annotated[str | None, Query(pattern=_PHENOMENON, examples=["cannabis"])] = None,
    lead: Annotated[
        str | None,
        Query(pattern=_LEAD, description="the lead organisation", examples=["Limburg"]),
    ] = None,
    since: Annotated[
        datetime | None, Query(description="opened at or after", examples=["2025-01-01T00:00:00Z"])
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=300,
            description="``next_cursor`` of the previous page",
            examples=[CASE_PAGE["next_cursor"]],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, examples=[50])] = 50,
) -> CasePage:
    """Newest first. The LIEC also sees every cross-region case (``standing: observer``,
    without person-level content). No purposes, subjects or notes here: see
    ``GET /cases/{reference}``."""
    require_operational(user)
    plan = ops.cases_page(
        org=user.org,
        liec=user.is_liec,
        status=state,
        phenomenon=phenomenon,
        lead=lead,
        since=utc_instant(since, "since") if since is not None else None,
        cursor=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    found = await store.case_plan(plan)
    items = [
        CaseSummary.model_validate(
            {**record.model_dump(), **counts, "standing": require_case_reader(user, record)}
        )
        for record, counts in found[:limit]
    ]
    next_cursor = None
    if len(found) > limit and items[-1].opened_at is not None:
        next_cursor = encode_cursor(items[-1].opened_at, items[-1].reference)
    note_result(request, len(items))
    return CasePage(items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/cases/{reference}",
    response_model=CaseDetail,
    responses=problem_responses(403, 404) | example_response(200, CASE_DETAIL),
    summary="One case (its purpose, subjects, events and notes for participants only)",
)
async def get_case(
    request: Request, user: UserDep, store: StoreDep, reference: Reference
) -> CaseDetail:
    """403 ``case-not-shared`` for a case of another organisation."""
    view = await _readable(user, store, reference)
    note_result(request, 1)
    return _detail(user, view)


@router.post(
    "/cases/{reference}/status",
    response_model=CaseDetail,
    responses=problem_responses(400, 403, 404, 409) | example_response(200, CASE_DETAIL),
    summary="Move a case on (coordinators of the lead; the LIEC in a cross-region case)",
)
async def change_case_status(
    request: Request, user: UserDep, store: StoreDep, reference: Reference, change: CaseStatusChange
) -> CaseDetail:
    """``signal`` -> ``intake`` -> ``analysis`` -> ``advice`` -> ``interventions`` ->
    ``evaluation`` -> ``closed``, one state at a time, or ``declined`` at intake with a reason;
    back to an earlier state with a reason. 409 ``case-transition-refused`` for a skip or a
    step back without a reason, ``case-changed`` when the case is no longer ``expected``,
    ``case-closed`` for a closed or declined case; nothing changes."""
    view = await _readable(user, store, reference)
    require_case_steering(user, view.record, what="change the status")
    plan = ops.change_status(
        reference,
        target=change.status,
        expected=change.expected,
        reason=change.reason,
        actor=_actor(user),
    )
    await store.case_plan(plan)
    note_result(request, 1, case_status={"to": change.status, "from": change.expected})
    return _detail(user, await store.case_plan(ops.read_case(reference)))


@router.post(
    "/cases/{reference}/participants",
    response_model=CaseDetail,
    responses=problem_responses(400, 403, 404, 409) | example_response(200, CASE_DETAIL),
    summary="Invite an organisation (the lead; the LIEC in a cross-region case), or accept",
)
async def change_participants(
    request: Request, user: UserDep, store: StoreDep, reference: Reference, body: Participation
) -> CaseDetail:
    """``{"action": "invite", "org": "Oost-Brabant"}`` by a coordinator of the lead (or of the
    LIEC, for a cross-region case); ``{"action": "accept"}`` by a coordinator of the invited
    organisation. Nobody invites itself into another organisation's case (403)."""
    view = await _readable(user, store, reference)
    if body.action == "invite":
        if body.org is None:
            raise BadRequestError("an invitation names the organisation (org)")
        require_invite(user, view.record, body.org)
        after = await store.case_plan(ops.invite(reference, body.org, _actor(user)))
    else:
        require_accept(user, view.record)
        after = await store.case_plan(ops.accept(reference, _actor(user)))
    note_result(request, 1, case_participation={"action": body.action, "org": body.org})
    return _detail(user, after)


@router.post(
    "/cases/{reference}/subjects",
    response_model=CaseDetail,
    responses=problem_responses(400, 403, 404, 409) | example_response(200, CASE_DETAIL),
    summary="Add subjects (tokens, KvK numbers) to a case (participating organisations)",
)
async def add_case_subjects(
    request: Request,
    user: UserDep,
    store: StoreDep,
    scopes: ScopesDep,
    reference: Reference,
    body: CaseSubjects,
) -> CaseDetail:
    """Every subject must be a token or KvK number (422 ``validation``) that is in the graph
    (422 ``unknown-subject``) and in the caller's need-to-know or the case's scope now (403
    ``outside-case-scope``): a case reaches no one by naming them. One bad subject adds none."""
    view = await _readable(user, store, reference)
    require_case_participant(user, view.record)
    today = datetime.now(UTC).date()
    await require_addable(store, user, reference, body.subjects, scopes, today=today)
    after = await store.case_plan(ops.add_subjects(reference, body.subjects, _actor(user)))
    note_result(request, len(body.subjects))
    return _detail(user, after)


@router.post(
    "/cases/{reference}/notes",
    response_model=CaseDetail,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 403, 404, 409) | example_response(201, CASE_DETAIL),
    summary="Add a note to a case (participating organisations)",
)
async def add_case_note(
    request: Request, user: UserDep, store: StoreDep, reference: Reference, body: CaseNote
) -> CaseDetail:
    """Notes are shown to participating organisations only."""
    view = await _readable(user, store, reference)
    require_case_participant(user, view.record)
    after = await store.case_plan(ops.add_note(reference, body.text, _actor(user)))
    note_result(request, 1)
    return _detail(user, after)


@router.get(
    "/cases/{reference}/reads",
    response_model=CaseReads,
    responses=problem_responses(403, 404) | example_response(200, CASE_READS),
    summary="The person-level reads done for a case (participating organisations)",
)
async def case_reads(
    request: Request,
    user: UserDep,
    store: StoreDep,
    reference: Reference,
    limit: Annotated[int, Query(ge=1, le=500, examples=[100])] = 100,
) -> CaseReads:
    """Every network walk, cluster graph, page and cluster detail read with this case's
    reference is logged on the case: who, when, which endpoint and subject or cluster, how
    many items it returned and how many people it left out as outside the scope."""
    view = await _readable(user, store, reference)
    require_case_participant(user, view.record)
    reads, total = await store.case_reads(reference, limit=limit)
    note_result(request, len(reads))
    return CaseReads(
        items=[CaseReadEntry(**dataclasses.asdict(r)) for r in reads],
        total=total,
    )
