"""``/metrics``: Prometheus metrics for the operator, outside the users' need-to-know.

Guarded by the operator's own bearer token (``KNOOPPUNT_METRICS_TOKEN[_FILE]``, compared in
constant time), not by a user's JWT: the figures describe the service, not anyone in the data.
Without a configured token the endpoint does not exist (404), so a deployment exposes nothing by
forgetting it. Scraping reads the ingest and analysis records, and the open Bibob requests near
or past their deadline per RIEC (counts only), from Neo4j; when that fails the scrape still
answers, with ``knooppunt_neo4j_up 0`` (``docs/operations.md``).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

import neo4j.exceptions
from fastapi import APIRouter, Request, Response

from api.errors import NotFoundError, UnauthorizedError
from api.metrics import Metrics
from api.store import Store
from graph.cases.bibob import due_counts
from graph.settings import Settings

__all__ = ["router"]

router = APIRouter(tags=["operations"])


def _check_operator(request: Request, settings: Settings) -> None:
    configured = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if not configured:
        raise NotFoundError("not found")
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        sent.strip().encode("utf-8"), configured.encode("utf-8")
    ):
        raise UnauthorizedError("send 'Authorization: Bearer <the metrics token>'")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """The exposition: OpenMetrics when the scraper accepts it, else Prometheus text."""
    settings: Settings = request.app.state.settings
    _check_operator(request, settings)
    store: Store = request.app.state.store
    collected: Metrics = request.app.state.metrics
    try:
        records = await store.operations_records()
        today = datetime.now(UTC).date()
        records = {**records, "bibob_due": await store.read_plan(due_counts(today=today))}
    except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError, OSError):
        records = None  # counted by the store under OPERATIONS_RECORDS; the scrape goes on
    body, content_type = collected.exposition(records, request.headers.get("accept", ""))
    return Response(body, headers={"Content-Type": content_type})
