"""The audit middleware: one durable audit entry per request, before the response leaves.

Path and query values are written only in the shapes :mod:`api.redact` allows; anything else
(an identifier sent by mistake or on purpose) stands as ``[redacted]``.

A plain ASGI middleware (not ``BaseHTTPMiddleware``): it holds the response's first message
(status and headers) until :meth:`api.audit.AuditLog.append` has written and fsync-ed the entry,
then lets the response go. If the entry cannot be written the caller gets a 503 problem instead
of the data (fail closed). A request that crashes the app is logged with status 500 before the
error propagates.

Not audited: a successful scrape of ``/metrics`` by the operator (it discloses no data about
anyone, and a scrape every 15 s would be most of the log); a refused one is
(``docs/decisions/056``).
"""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope, Send

from api.access import CASE_REFERENCE_HEADER
from api.asgi import HttpMiddleware
from api.audit import AuditLog
from api.auth import User
from api.errors import AuditUnavailableError, api_error_response
from api.metrics import Metrics
from api.redact import KNOWN_QUERY_KEYS as _KNOWN_QUERY_KEYS
from api.redact import REDACTED, redact_path_param, redact_query_param

__all__ = ["NOT_AUDITED_WHEN_OK", "AuditMiddleware"]

#: Route templates whose successful requests are not audited (see the module's docstring).
NOT_AUDITED_WHEN_OK: Final = frozenset({"/metrics"})

_MAX_VALUE = 200
_CASE_HEADER: Final = CASE_REFERENCE_HEADER.lower().encode("latin-1")


def _clip(value: str) -> str:
    return value if len(value) <= _MAX_VALUE else value[:_MAX_VALUE] + "..."


def _query_params(scope: Scope) -> dict[str, Any]:
    raw = scope.get("query_string", b"").decode("latin-1")
    params: dict[str, Any] = {}
    for key, raw_value in parse_qsl(raw, keep_blank_values=True):
        key = _clip(key) if key in _KNOWN_QUERY_KEYS else REDACTED
        value = redact_query_param(key, raw_value)
        if key in params:
            existing = params[key]
            params[key] = (
                [*existing, _clip(value)]
                if isinstance(existing, list)
                else [
                    existing,
                    _clip(value),
                ]
            )
        else:
            params[key] = _clip(value)
    return params


def _redacted_path(scope: Scope) -> str:
    """The request path with every path value the log may not hold redacted."""
    path = str(scope.get("path", ""))
    for value in scope.get("path_params", {}).values():
        text = str(value)
        if text and redact_path_param(text) == REDACTED:
            path = path.replace(text, REDACTED)
    return _clip(path)


def _case_reference(scope: Scope) -> str | None:
    """The case reference sent, when it has the configured shape; else redacted."""
    sent = _header(scope, _CASE_HEADER)
    if sent is None:
        return None
    pattern = scope["app"].state.settings.case_reference_pattern
    return sent if re.fullmatch(pattern, sent.strip()) else REDACTED


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(_clip(value.decode("latin-1")))
    return None


class AuditMiddleware(HttpMiddleware):
    """Writes one audit entry per HTTP request before the response starts."""

    def _entry(self, scope: Scope, status: int, started: float) -> dict[str, Any]:
        state: dict[str, Any] = scope.setdefault("state", {})
        user: User | None = state.get("audit_user")
        route = scope.get("route")
        endpoint = getattr(route, "path", None) or scope.get("path", "")
        entry: dict[str, Any] = {
            "kind": "request",
            "request_id": state.get("request_id"),
            "subject": user.subject if user else None,
            "org": user.org if user else None,
            "role": user.role.value if user else None,
            "method": scope.get("method"),
            "endpoint": endpoint,
            "path": _redacted_path(scope),
            "path_params": {
                k: redact_path_param(str(v)) for k, v in scope.get("path_params", {}).items()
            },
            "params": _query_params(scope),
            "case_reference": _case_reference(scope),
            "status": status,
            "result_size": int(state.get("audit_result_size", 0)) if status < 400 else 0,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "client": (scope.get("client") or ("", 0))[0],
        }
        extra = state.get("audit_extra")
        if extra:
            entry["extra"] = extra
        return entry

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        audit: AuditLog = scope["app"].state.audit
        metrics: Metrics = scope["app"].state.metrics
        started = time.perf_counter()

        async def append(status: int) -> None:
            route = getattr(scope.get("route"), "path", None)
            if status < 400 and route in NOT_AUDITED_WHEN_OK:
                return
            began = time.perf_counter()
            try:
                await audit.append(self._entry(scope, status, started))
            except AuditUnavailableError:
                metrics.audit_errors.inc()
                raise
            metrics.audit_latency.observe(time.perf_counter() - began)

        responded = False
        refused = False

        async def send_with_audit(message: Message) -> None:
            nonlocal responded, refused
            if refused:
                return
            if message["type"] == "http.response.start":
                responded = True
                try:
                    await append(int(message["status"]))
                except AuditUnavailableError as e:
                    refused = True
                    await api_error_response(e, scope)(scope, receive, send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, send_with_audit)
        except Exception:
            if not responded:
                # No response without an entry: if even this fails, the 500 still goes out
                # (it discloses nothing) and the log's broken state refuses what follows.
                with contextlib.suppress(AuditUnavailableError):
                    await append(500)
            raise
