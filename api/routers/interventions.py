"""Interventions on a case and the case's integrated enforcement advice document. The logic is
the core's (:mod:`graph.cases.interventions`, :mod:`graph.cases.advice`); this module puts the
access rule of ``docs/access.md`` ("Cases") around it: participating organisations only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import HTMLResponse

from api.access import require_case_participant
from api.auth import User
from api.case_schemas import (
    Intervention,
    InterventionChange,
    InterventionCreate,
    InterventionList,
)
from api.deps import ScopesDep, StoreDep, UserDep, note_result, record_read
from api.errors import NotAcceptableError
from api.openapi_examples import (
    ADVICE_DOCX,
    ADVICE_HTML,
    INTERVENTION,
    INTERVENTIONS,
    example_response,
)
from api.purpose import bind_case
from api.routers import problem_responses
from api.store import Store
from graph.cases import advice, interventions, ops
from graph.cases.model import MEASURES, REFERENCE_PATTERN
from graph.cases.records import Actor, InterventionRecord, NewIntervention

__all__ = ["router"]

router = APIRouter(tags=["cases"])

Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN.pattern, examples=["LB-2025-0007"])]
Number = Annotated[
    int, Path(ge=1, le=10**9, description="the intervention's number (`n`)", examples=[6])
]
_HTML = "text/html"
_ADVICE = "/cases/{reference}/advice"


def _actor(user: User) -> Actor:
    return Actor(subject=user.subject, org=user.org, role=user.role.value)


def _shown(record: InterventionRecord) -> Intervention:
    measure = MEASURES.get(record.measure)
    label = measure.label if measure is not None else record.measure
    return Intervention.model_validate({**record.model_dump(), "label": label})


async def _participant_view(user: User, store: Store, reference: str) -> ops.CaseView:
    """The case, when the caller's organisation takes part in it (else 403/404)."""
    view = await store.case_plan(ops.read_case(reference))
    require_case_participant(user, view.record)
    return view


@router.post(
    "/cases/{reference}/interventions",
    response_model=Intervention,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 403, 404, 409) | example_response(201, INTERVENTION),
    summary="Add an intervention of a partner against subjects of the case (participants)",
)
async def add_intervention(
    request: Request, user: UserDep, store: StoreDep, reference: Reference, body: InterventionCreate
) -> Intervention:
    """The measure must be one of the code list and of the given ``kind`` (422
    ``validation``); every target must be a subject of the case (422 ``target-not-in-case``);
    a closed or declined case takes none (409 ``case-closed``). Nothing is written then."""
    await _participant_view(user, store, reference)
    new = NewIntervention.model_validate(body.model_dump())
    added = await store.case_plan(interventions.add_intervention(reference, new, _actor(user)))
    note_result(request, 1, intervention={"case": reference, "n": added.n})
    return _shown(added)


@router.get(
    "/cases/{reference}/interventions",
    response_model=InterventionList,
    responses=problem_responses(403, 404) | example_response(200, INTERVENTIONS),
    summary="The interventions of a case (participants)",
)
async def list_interventions(
    request: Request, user: UserDep, store: StoreDep, reference: Reference
) -> InterventionList:
    """In the order they were added."""
    await _participant_view(user, store, reference)
    listed = await store.case_plan(interventions.interventions(reference))
    note_result(request, len(listed))
    return InterventionList(reference=reference, items=[_shown(i) for i in listed])


@router.post(
    "/cases/{reference}/interventions/{number}/status",
    response_model=Intervention,
    responses=problem_responses(400, 403, 404, 409) | example_response(200, INTERVENTION),
    summary="Move an intervention on (participants): under way, done (its outcome), cancelled",
)
async def change_intervention(
    request: Request,
    user: UserDep,
    store: StoreDep,
    reference: Reference,
    number: Number,
    change: InterventionChange,
) -> Intervention:
    """409 ``intervention-transition-refused`` for a change the rules refuse (a done or
    cancelled intervention changed, ``done`` without an outcome), ``case-changed`` when the
    intervention is no longer ``expected``; 404 ``intervention-not-found``."""
    await _participant_view(user, store, reference)
    plan = interventions.change_intervention(
        reference,
        f"{reference}#{number}",
        target=change.status,
        expected=change.expected,
        outcome=change.outcome,
        outcome_note=change.outcome_note,
        date=change.date,
        actor=_actor(user),
    )
    changed = await store.case_plan(plan)
    note_result(request, 1, intervention={"case": reference, "n": number, "to": change.status})
    return _shown(changed)


def _chosen_type(accept: str | None) -> str:
    """The media type to answer with: HTML unless the request prefers DOCX (406 when it
    accepts neither)."""
    if not accept:
        return _HTML
    wanted = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        wanted.append((q, media.strip().lower()))
    for q, media in sorted(wanted, key=lambda w: -w[0]):
        if q <= 0:
            continue
        if media == advice.DOCX_MEDIA_TYPE:
            return media
        if media in (_HTML, "text/*", "*/*"):
            return _HTML
    raise NotAcceptableError(f"the advice is served as {_HTML} or {advice.DOCX_MEDIA_TYPE}")


@router.get(
    _ADVICE,
    response_class=Response,
    responses={
        200: {
            "description": "The advice as an HTML page (default) or a Word document (DOCX)",
            "content": {
                _HTML: {"schema": {"type": "string"}, "example": ADVICE_HTML},
                advice.DOCX_MEDIA_TYPE: {
                    "schema": {"type": "string", "format": "binary"},
                    "example": ADVICE_DOCX,
                },
            },
        },
        **problem_responses(403, 404, 406),
    },
    summary="The integrated enforcement advice of a case as a document (participants)",
)
async def get_advice(
    request: Request,
    user: UserDep,
    store: StoreDep,
    scopes: ScopesDep,
    reference: Reference,
) -> Response:
    """Built from the case: its data and purpose, the network picture of its clusters within
    its scope (people outside it only as counts per region), key players, the evidence per
    partner with provenance, and the interventions per partner. Pseudonymised: entities by
    token or KvK number only. ``Accept: text/html`` (default) or
    ``application/vnd.openxmlformats-officedocument.wordprocessingml.document``. A
    person-level read like the others (``docs/access.md``): for an open case (403
    ``case-not-open`` once closed or declined), at the caller's scope depth, logged on the
    case."""
    view = await _participant_view(user, store, reference)
    media = _chosen_type(request.headers.get("accept"))
    now = datetime.now(UTC)
    # A person-level read for this case: bound to it as every other (open, taking part; its
    # scope at the caller's depth), and logged on it.
    binding = await bind_case(store, user, reference, scopes, today=now.date())
    plan = advice.gather_advice(view, today=now.date(), depth=binding.depth, keys=binding.keys)
    facts = await store.case_plan(plan)
    document = advice.build_advice(facts, generated_at=now)
    shown = sum(len(c.nodes) for c in document.clusters) + len(document.subjects)
    outside = sum(n for g in facts.graphs for n in g.outside.values())
    await record_read(
        request,
        store,
        user,
        binding,
        shown,
        target=reference,
        left_out=outside,
        advice={"case": reference, "format": media},
    )
    if media == _HTML:
        return HTMLResponse(advice.render_html(document))
    filename = f"advies-{reference}.docx"
    return Response(
        advice.render_docx(document),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
