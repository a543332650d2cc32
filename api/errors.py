"""The API's exception family, and its one mapping to RFC 9457 problem details.

Every error the API raises on purpose is an :class:`ApiError` that carries its HTTP status and a
problem ``type``; :func:`install_error_handlers` registers the handlers that turn them (and the
framework's own validation and routing errors, and a Neo4j that does not answer) into
``application/problem+json`` responses. Problem details never echo a token, KvK number or case
reference from the request: they name the rule that refused it.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import neo4j.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from graph.cases.model import AlertHasCaseError, BibobHasCaseError, CaseError
from graph.errors import ExitCode, KnooppuntError

__all__ = [
    "PROBLEM_JSON",
    "ApiError",
    "AuditInUseError",
    "AuditLogError",
    "AuditUnavailableError",
    "BadRequestError",
    "CaseNotOpenError",
    "CaseNotRegisteredError",
    "CaseNotSharedError",
    "CaseReferenceRequiredError",
    "CaseRefusedError",
    "ConflictError",
    "DeadlineExceededError",
    "DocsAssetsMissingError",
    "ForbiddenError",
    "NotAcceptableError",
    "NotFoundError",
    "OutsideCaseScopeError",
    "OverloadedError",
    "PartialDeliveryError",
    "ServiceUnavailableError",
    "UnauthorizedError",
    "api_error_response",
    "case_problem",
    "install_error_handlers",
    "problem_response",
]

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "https://knooppunt.example/problems/"
_log = logging.getLogger(__name__)


class ApiError(KnooppuntError):
    """Root of the API's errors: an HTTP status, a problem type slug and a title."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"
    exit_code = ExitCode.ERROR

    def __init__(
        self,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        #: Members added to the problem body (RFC 9457 extension members).
        self.extra = extra or {}

    @property
    def type_uri(self) -> str:
        """The problem ``type`` URI (RFC 9457 section 3.1.1)."""
        return _TYPE_BASE + self.slug


class BadRequestError(ApiError):
    """The request is well-formed HTTP but breaks a rule of this API (bad cursor, bad range)."""

    status = 400
    slug = "bad-request"
    title = "Bad request"
    exit_code = ExitCode.BAD_INPUT


class UnauthorizedError(ApiError):
    """No bearer token, or one that is invalid, expired or carries unknown claims."""

    status = 401
    slug = "unauthorized"
    title = "Authentication required"
    exit_code = ExitCode.PRIVACY_REFUSED

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="knooppunt"'})


class ForbiddenError(ApiError):
    """The caller's role or organisation has no need to know this."""

    status = 403
    slug = "forbidden"
    title = "Not within your need-to-know"
    exit_code = ExitCode.PRIVACY_REFUSED


class CaseReferenceRequiredError(ForbiddenError):
    """A person-level endpoint was called without a valid ``X-Case-Reference`` header."""

    slug = "case-reference-required"
    title = "A case reference is required for person-level data"


class CaseNotSharedError(ForbiddenError):
    """The case is not shared with the caller's organisation (or it does not take part)."""

    slug = "case-not-shared"
    title = "This case is not shared with your organisation"


class CaseNotRegisteredError(ForbiddenError):
    """The ``X-Case-Reference`` names no registered case."""

    slug = "case-not-registered"
    title = "No registered case has this reference"


class CaseNotOpenError(ForbiddenError):
    """The case is closed or declined: person-level data is no longer read for it."""

    slug = "case-not-open"
    title = "The case is closed or declined"


class OutsideCaseScopeError(ForbiddenError):
    """The entity asked for is outside the case's scope (its subjects, its clusters' members
    and their neighbourhood)."""

    slug = "outside-case-scope"
    title = "Outside the case's scope"


class NotFoundError(ApiError):
    """The alert, cluster or subject does not exist."""

    status = 404
    slug = "not-found"
    title = "Not found"
    exit_code = ExitCode.BAD_INPUT


class ConflictError(ApiError):
    """The request conflicts with the current state (an alert status change not allowed)."""

    status = 409
    slug = "conflict"
    title = "Conflict with the current state"
    exit_code = ExitCode.BAD_INPUT


class ServiceUnavailableError(ApiError):
    """Neo4j does not answer; the API recovers by itself when it is back."""

    status = 503
    slug = "neo4j-unavailable"
    title = "The graph database is not available"
    exit_code = ExitCode.NEO4J_UNAVAILABLE

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


class PartialDeliveryError(ApiError):
    """A chunked delivery is partly written: live-graph reads would mix in part of it.

    The body names the deliveries (id, partner, committed transactions), never a data value;
    ``Retry-After`` says when to ask again (``docs/decisions/047``).
    """

    status = 503
    slug = "delivery-partly-written"
    title = "A delivery is partly written; the live graph is not consistent"
    exit_code = ExitCode.BUSY

    def __init__(self, detail: str, *, deliveries: list[dict[str, Any]], retry_after: int) -> None:
        super().__init__(
            detail,
            headers={"Retry-After": str(retry_after)},
            extra={"deliveries": deliveries, "retry_after": retry_after},
        )


class OverloadedError(ApiError):
    """The worker's admission gate is full: answered at once instead of queued (decision 067).

    ``reason`` (an extension member) is ``queue-full`` (no place to wait) or ``queue-timeout``
    (no place freed within the queue's wait).
    """

    status = 503
    slug = "overloaded"
    title = "The API is overloaded; retry later"
    exit_code = ExitCode.BUSY

    def __init__(self, detail: str, *, reason: str, retry_after: int) -> None:
        super().__init__(
            detail,
            headers={"Retry-After": str(retry_after)},
            extra={"reason": reason, "retry_after": retry_after},
        )


class DeadlineExceededError(ApiError):
    """The request was not answered within its deadline; its work was cancelled."""

    status = 503
    slug = "deadline-exceeded"
    title = "The request was not answered in time"
    exit_code = ExitCode.BUSY

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(
            detail, headers={"Retry-After": str(retry_after)}, extra={"retry_after": retry_after}
        )


class AuditUnavailableError(ApiError):
    """The audit log could not be written: no response may leave without its entry."""

    status = 503
    slug = "audit-unavailable"
    title = "The audit log cannot be written"
    exit_code = ExitCode.ERROR


class AuditLogError(ApiError):
    """The audit log cannot be opened, is locked by another process, or fails verification."""

    slug = "audit-log"
    title = "Audit log error"
    exit_code = ExitCode.ERROR


class AuditInUseError(AuditLogError):
    """The audit chain's file is locked by another process (its one writer)."""


class AuditBrokenError(AuditLogError):
    """The audit chain does not verify: cut short of its checkpoint, a segment missing, an
    entry or a checkpoint forged (the API refuses to start; ``audit prune`` refuses to run)."""

    exit_code = ExitCode.AUDIT_BROKEN


class DocsAssetsMissingError(ApiError):
    """The front-end build has not run, so the documentation page cannot be shown."""

    status = 503
    slug = "docs-assets-missing"
    title = "The API documentation's front-end files are not built"


class NotAcceptableError(ApiError):
    """None of the media types the request accepts is one this endpoint serves."""

    status = 406
    slug = "not-acceptable"
    title = "No acceptable representation"
    exit_code = ExitCode.BAD_INPUT


class CaseRefusedError(ApiError):
    """A case operation the case model refused (:class:`graph.cases.model.CaseError`); the
    subclass of its ``kind`` (:func:`case_problem`) carries the status and problem type."""

    status = 409
    exit_code = ExitCode.BAD_INPUT


def _case_problem_class(kind: str, status: int, title: str) -> type[CaseRefusedError]:
    attrs = {"status": status, "slug": kind, "title": title, "__doc__": title}
    return type(f"CaseRefused_{kind}", (CaseRefusedError,), attrs)


#: One problem type per case rule: 404 an unknown case, 422 an unknown subject, 409 the rest.
_CASE_PROBLEMS: dict[str, type[CaseRefusedError]] = {
    kind: _case_problem_class(kind, status, title)
    for kind, status, title in (
        ("case-not-found", 404, "No such case"),
        ("case-transition-refused", 409, "The case's state machine refuses this change"),
        ("case-closed", 409, "The case is closed or declined"),
        ("case-changed", 409, "The case changed meanwhile"),
        ("alert-has-case", 409, "This alert has a case already"),
        ("unknown-subject", 422, "A subject is not in the graph"),
        ("participation-refused", 409, "This participation change does not fit the case"),
        ("bibob-request-not-found", 404, "No such Bibob request"),
        ("bibob-concluded", 409, "The Bibob request is concluded"),
        ("bibob-extension-refused", 409, "The Bibob term is extended once only"),
        ("bibob-has-case", 409, "This Bibob request was taken up as a case already"),
        ("bibob-invalid", 422, "The Bibob request breaks a rule"),
        ("unknown-municipality", 422, "The municipality is not in the shipped geography"),
        ("target-not-in-case", 422, "An intervention's target is not a subject of the case"),
        ("intervention-not-found", 404, "No such intervention in this case"),
        (
            "intervention-transition-refused",
            409,
            "The intervention's status rules refuse this change",
        ),
    )
}


def case_problem(error: CaseError) -> CaseRefusedError:
    """The API error of a refused case operation (the alert's case named when it has one)."""
    extra: dict[str, Any] = {}
    if isinstance(error, AlertHasCaseError | BibobHasCaseError) and error.reference is not None:
        extra["case_reference"] = error.reference
    cls = _CASE_PROBLEMS.get(error.kind, CaseRefusedError)
    return cls(str(error), extra=extra)


def problem_response(
    status: int,
    *,
    title: str,
    detail: str,
    type_uri: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """An RFC 9457 ``application/problem+json`` response."""
    body: dict[str, Any] = {"type": type_uri, "title": title, "status": status, "detail": detail}
    if instance is not None:
        body["instance"] = instance
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _instance(request: Request) -> str | None:
    return _route_template(request.scope)


def _route_template(scope: Scope) -> str | None:
    """The route template (``/subjects/{token}/network``), never the concrete path: the path
    may hold a token or KvK number."""
    path = getattr(scope.get("route"), "path", None)
    return str(path) if path else None


def api_error_response(exc: ApiError, scope: Scope) -> JSONResponse:
    """The problem response of an :class:`ApiError`; also an ASGI app, for the middlewares
    that answer before the routes do (``await api_error_response(e, scope)(scope, r, s)``)."""
    return problem_response(
        exc.status,
        title=exc.title,
        detail=exc.detail,
        type_uri=exc.type_uri,
        instance=_route_template(scope),
        headers=exc.headers,
        extra=exc.extra,
    )


def _from_api_error(request: Request, exc: ApiError) -> JSONResponse:
    return api_error_response(exc, request.scope)


async def _api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _from_api_error(request, exc)


async def _case_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CaseError)
    return _from_api_error(request, case_problem(exc))


async def _neo4j_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # The driver's message may name the server address; the problem says what the caller can do.
    _log.warning("Neo4j unavailable: %s", type(exc).__name__)
    return _from_api_error(
        request, ServiceUnavailableError("Neo4j does not answer; retry in a few seconds")
    )


async def _timeout_handler(request: Request, exc: Exception) -> JSONResponse:
    return _from_api_error(
        request, ServiceUnavailableError("Neo4j did not answer in time; retry in a few seconds")
    )


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Name the parameter and the rule; never echo the value (it may be a token).
    errors = [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": str(err.get("msg", ""))}
        for err in exc.errors()
    ]
    where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
    return problem_response(
        422,
        title="Invalid request parameters",
        detail=where or "invalid request",
        type_uri=_TYPE_BASE + "validation",
        instance=_instance(request),
        extra={"errors": errors},
    )


async def _http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(
        exc.status_code,
        title=str(exc.detail) if exc.detail else "HTTP error",
        detail=str(exc.detail) if exc.detail else "HTTP error",
        instance=_instance(request),
        headers=dict(exc.headers) if exc.headers else None,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the one mapping from exceptions to problem+json responses."""
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(CaseError, _case_error_handler)
    app.add_exception_handler(neo4j.exceptions.ServiceUnavailable, _neo4j_error_handler)
    app.add_exception_handler(neo4j.exceptions.SessionExpired, _neo4j_error_handler)
    # A database still starting or stopping (``DatabaseUnavailable``) and the other transient
    # errors: the server says to retry.
    app.add_exception_handler(neo4j.exceptions.TransientError, _neo4j_error_handler)
    app.add_exception_handler(TimeoutError, _timeout_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
