"""One log line and the request metrics per HTTP request (a plain ASGI middleware).

Outermost of the app's own middleware, so that what it measures includes the audit write. Each
request gets a fresh request id (``X-Request-ID`` on the response, ``request_id`` in the log
line and in the audit entry, to find one from the other). An id sent by the caller is not taken
over: it would put whatever the caller chose, an identifier included, into the logs.

The log line holds the request id, method, route template, status, duration and the caller's
organisation and role: never the path (it may hold a token or KvK number), the query string, a
header value or the user's name (the audit log has those, under its own access rules).
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Final

from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.auth import User
from api.metrics import Metrics
from graph.logs import get_logger

__all__ = ["REQUEST_ID_HEADER", "UNMATCHED_ROUTE", "RequestTelemetry", "route_template"]

REQUEST_ID_HEADER: Final = "X-Request-ID"
#: The ``route`` of a request that matched no route (404, 405): one label, not the path.
UNMATCHED_ROUTE: Final = "<unmatched>"

_log = get_logger("knooppunt.api")
_HEADER: Final = REQUEST_ID_HEADER.lower().encode("latin-1")


def route_template(scope: Scope) -> str:
    """The matched route's template (``/subjects/{token}/network``), never the concrete path."""
    path = getattr(scope.get("route"), "path", None)
    return str(path) if path else UNMATCHED_ROUTE


class RequestTelemetry(HttpMiddleware):
    """Logs one line and records the metrics of each HTTP request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        metrics: Metrics = scope["app"].state.metrics
        request_id = uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", ()) if h[0].lower() != _HEADER]
                headers.append((_HEADER, request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.in_flight.dec()
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope.get("method", ""))
            metrics.requests.labels(method, route, str(status)).inc()
            metrics.latency.labels(method, route).observe(seconds)
            user: User | None = state.get("audit_user")
            _log.info(
                "request",
                request_id=request_id,
                method=method,
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 2),
                org=user.org if user else None,
                role=user.role.value if user else None,
            )
