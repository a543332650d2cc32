"""Liveness and readiness probes (no token: they disclose nothing)."""

from __future__ import annotations

import neo4j.exceptions
from fastapi import APIRouter

from api.deps import StoreDep
from api.errors import ServiceUnavailableError
from api.routers import problem_responses
from api.schemas import Health, Readiness

__all__ = ["router"]

router = APIRouter(tags=["health"])

#: ``/ready``'s bound on its Neo4j read: a probe answers quickly, also while Neo4j hangs.
READY_TIMEOUT_S = 2.0


@router.get("/health", response_model=Health, summary="The process answers")
async def health() -> Health:
    """Liveness: the API process runs (whether or not Neo4j answers)."""
    return Health(status="ok")


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: problem_responses(503)[503]},
    summary="Ready while Neo4j answers; says whether a delivery is partly written",
)
async def ready(store: StoreDep) -> Readiness:
    """Readiness: 200 while Neo4j answers a query, 503 problem+json while it does not.

    A partly written delivery keeps the API ready (alerts, clusters and the other stored
    results are served; only the live-graph endpoints answer 503): ``live_graph`` is then
    ``partial`` with the number of such deliveries, never their ids (no token here;
    ``docs/decisions/047``)."""
    try:
        partial = await store.partial_deliveries(timeout_s=READY_TIMEOUT_S)
    except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError, OSError, TimeoutError):
        raise ServiceUnavailableError("Neo4j does not answer; retry in a few seconds") from None
    return Readiness(
        status="ready",
        live_graph="partial" if partial else "consistent",
        partial_deliveries=len(partial),
    )
