"""Liveness and readiness probes (no token: they disclose nothing)."""

from __future__ import annotations

import neo4j.exceptions
from fastapi import APIRouter

from api.deps import StoreDep
from api.errors import ServiceUnavailableError
from api.routers import problem_responses
from api.schemas import Health

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="The process answers")
async def health() -> Health:
    """Liveness: the API process runs (whether or not Neo4j answers)."""
    return Health(status="ok")


@router.get(
    "/ready",
    response_model=Health,
    responses={503: problem_responses(503)[503]},
    summary="Ready while Neo4j answers",
)
async def ready(store: StoreDep) -> Health:
    """Readiness: 200 while Neo4j answers a query, 503 problem+json while it does not."""
    try:
        ok = await store.ping()
    except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError, OSError, TimeoutError):
        ok = False
    if not ok:
        raise ServiceUnavailableError("Neo4j does not answer; retry in a few seconds")
    return Health(status="ready")
