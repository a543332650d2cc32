"""The admission gate: a bound on the work in progress of one API worker, and a deadline per
request (decision 067).

At most ``KNOOPPUNT_API_MAX_IN_PROGRESS`` requests are worked on at once; up to
``KNOOPPUNT_API_QUEUE_DEPTH`` more wait for a place, each at most ``KNOOPPUNT_API_QUEUE_WAIT_MS``.
A request beyond that is answered at once with 503 ``overloaded`` and ``Retry-After``, instead of
queueing in the event loop until the caller gives up: a server that cannot keep up says so.
An admitted request still unanswered ``KNOOPPUNT_API_REQUEST_DEADLINE_S`` after it arrived is
cancelled and answered 503 ``deadline-exceeded`` (every Neo4j timeout is shorter, so this is
the last resort, not the usual way a Neo4j outage ends).

The probes and the operator's scrape (``/health``, ``/ready``, ``/metrics``) pass by the gate:
they answer while it is full and while Neo4j is down.

It sits inside the audit middleware: a refusal is audited like any other answer (status 503,
``extra: {"refused": "overloaded", ...}``), sharing the audit log's group commit; it never
verifies the caller's token (a refusal discloses nothing and must stay cheap).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.errors import ApiError, DeadlineExceededError, OverloadedError, api_error_response
from api.metrics import Metrics
from graph.settings import Settings

__all__ = ["UNGATED_PATHS", "Admission", "AdmissionGate"]

#: Paths that never wait at the gate (the probes and the scrape).
UNGATED_PATHS: Final = frozenset({"/health", "/ready", "/metrics"})

QUEUE_FULL: Final = "queue-full"
QUEUE_TIMEOUT: Final = "queue-timeout"
DEADLINE: Final = "deadline"


class Admission:
    """Places for requests in progress and a bounded wait for one (one per app and event loop).

    :meth:`enter` returns ``None`` once the request holds a place, else the reason it got
    none; a holder calls :meth:`leave` exactly once.
    """

    def __init__(self, limit: int, queue_depth: int, queue_wait_s: float) -> None:
        self.limit = limit
        self.queue_depth = queue_depth
        self.queue_wait_s = queue_wait_s
        self.in_progress = 0
        self.waiting = 0
        self._places = asyncio.Semaphore(limit)
        #: Told ``(in_progress, waiting)`` after each change (the metrics' gauges).
        self.on_change: Callable[[int, int], None] | None = None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.in_progress, self.waiting)

    async def enter(self) -> str | None:
        if not self._places.locked():
            await self._places.acquire()  # a place is free: returns without yielding
            self.in_progress += 1
            self._changed()
            return None
        if self.waiting >= self.queue_depth or self.queue_wait_s <= 0:
            return QUEUE_FULL
        self.waiting += 1
        self._changed()
        try:
            async with asyncio.timeout(self.queue_wait_s):
                await self._places.acquire()
        except TimeoutError:
            return QUEUE_TIMEOUT
        finally:
            self.waiting -= 1
            self._changed()
        self.in_progress += 1
        self._changed()
        return None

    def leave(self) -> None:
        self.in_progress -= 1
        self._places.release()
        self._changed()


def _match_route(scope: Scope) -> None:
    """Fill in the route (template and path parameters) of a request that the gate answers
    itself, as the router would, so that the audit entry redacts its path values and the
    metrics and problem name the template, never the concrete path."""
    for route in getattr(scope["app"], "routes", ()):
        match, child = route.matches(scope)
        if match == Match.FULL:
            scope.update(child)
            return


class AdmissionGate(HttpMiddleware):
    """Admits a request into the app, or answers it 503 at once (see the module's docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        super().__init__(app)
        self.settings = settings
        self.metrics = metrics
        self._admission: Admission | None = None
        metrics.admission_limit.set(settings.api_max_in_progress)

    def _places(self) -> Admission:
        # Made on first use: the semaphore belongs to the event loop that serves the app.
        if self._admission is None:
            s = self.settings
            self._admission = Admission(
                s.api_max_in_progress, s.api_queue_depth, s.api_queue_wait_ms / 1000
            )
            self.metrics.set_admission(self._admission)
        return self._admission

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, error: ApiError, reason: str
    ) -> None:
        self.metrics.rejected.labels(reason).inc()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["audit_extra"] = {"refused": error.slug, "reason": reason}
        if "route" not in scope:
            _match_route(scope)
        await api_error_response(error, scope)(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("path") in UNGATED_PATHS:
            await self.app(scope, receive, send)
            return
        settings = self.settings
        arrived = asyncio.get_running_loop().time()
        places = self._places()
        refused = await places.enter()
        if refused is not None:
            wait = "no place free" if refused == QUEUE_FULL else "no place freed in time"
            error: ApiError = OverloadedError(
                f"{wait} for this request; retry after {settings.api_retry_after_s} s",
                reason=refused,
                retry_after=settings.api_retry_after_s,
            )
            await self._refuse(scope, receive, send, error, refused)
            return
        started = False
        held = True

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout_at(arrived + settings.api_request_deadline_s) as limit:
                await self.app(scope, receive, send_tracking)
        except TimeoutError:
            if not limit.expired():
                raise
            if started:  # part of the answer is out: closing the connection is all that is left
                self.metrics.rejected.labels(DEADLINE).inc()
                raise
            places.leave()  # before the refusal's audit write: the place is free again
            held = False
            error = DeadlineExceededError(
                f"not answered within {settings.api_request_deadline_s:g} s; its work was "
                f"stopped; retry after {settings.api_retry_after_s} s",
                retry_after=settings.api_retry_after_s,
            )
            await self._refuse(scope, receive, send, error, DEADLINE)
        finally:
            if held:
                places.leave()
