"""FastAPI dependencies: the driver, the settings, the audit log, the caller, the case reference.

Objects made once per process live on ``app.state`` (set by the lifespan in :mod:`api.app`);
these dependencies hand them to the routers. ``XxxDep`` names are the annotated types the
routers use as parameter types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import neo4j
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from api.access import CASE_REFERENCE_HEADER, require_case_reference, valid_case_reference
from api.audit import AuditLog
from api.auth import TokenVerifier, User
from api.errors import UnauthorizedError
from api.loading import require_complete_graph
from api.purpose import CaseBinding, ScopeCache, bind_case
from api.session import CSRF_HEADER, SESSION_COOKIE, Session, check_csrf, read_session
from api.store import Store
from graph.cases.records import Actor
from graph.settings import Settings

__all__ = [
    "AuditDep",
    "CaseReferenceDep",
    "DriverDep",
    "PersonLevel",
    "PersonLevelDep",
    "ScopesDep",
    "SessionDep",
    "SettingsDep",
    "StoreDep",
    "UserDep",
    "note_result",
    "record_read",
]

_bearer = HTTPBearer(
    auto_error=False,
    description="A JWT with claims sub, org (RIEC region or LIEC), role and exp",
)
_session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description=(
        "The workbench's browser session (signed in at /ui/); state changes also need the "
        f"{CSRF_HEADER} header"
    ),
)


async def get_driver(request: Request) -> neo4j.AsyncDriver:
    """The process's one Neo4j async driver.

    Dependencies here are ``async def`` even when they do not await: FastAPI runs plain ``def``
    dependencies in a worker thread, a hand-off that costs more than the work.
    """
    driver: neo4j.AsyncDriver = request.app.state.driver
    return driver


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> Store:
    """The API's data access around the one driver."""
    store: Store = request.app.state.store
    return store


async def get_audit(request: Request) -> AuditLog:
    """The process's audit log."""
    audit: AuditLog = request.app.state.audit
    return audit


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session_cookie: Annotated[str | None, Depends(_session_cookie)],
) -> User:
    """The caller named by the bearer token, or else by the workbench's session cookie (whose
    state changes need the CSRF token, :func:`api.session.check_csrf`); 401 without either."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        verifier: TokenVerifier = request.app.state.verifier
        if verifier.needs_network:
            user = await run_in_threadpool(verifier.verify, credentials.credentials)
        else:
            user = verifier.verify(credentials.credentials)
    elif session_cookie:
        settings: Settings = request.app.state.settings
        session = read_session(settings, session_cookie)
        check_csrf(request, settings, session)
        request.state.session = session
        user = session.user
    else:
        raise UnauthorizedError("send 'Authorization: Bearer <token>' or sign in at /ui/")
    request.state.audit_user = user
    return user


async def current_session(
    request: Request, session_cookie: Annotated[str | None, Depends(_session_cookie)]
) -> Session:
    """The workbench's browser session (the cookie only, never a bearer token); 401 without."""
    if not session_cookie:
        raise UnauthorizedError("no session: sign in at /ui/")
    settings: Settings = request.app.state.settings
    session = read_session(settings, session_cookie)
    check_csrf(request, settings, session)
    request.state.session = session
    request.state.audit_user = session.user
    return session


async def case_reference(
    request: Request,
    _user: Annotated[User, Depends(current_user)],
    x_case_reference: Annotated[
        str | None,
        Header(
            alias=CASE_REFERENCE_HEADER,
            description=(
                "The registered, open case the person-level data is read for, in which the "
                "caller's organisation takes part (e.g. LB-2026-0007); for the subject-access "
                "export, the request's reference. Must match KNOOPPUNT_CASE_REFERENCE_PATTERN"
            ),
            max_length=64,
        ),
    ] = None,
) -> str | None:
    """The request's valid case reference, ``None`` when none is sent (403 when malformed)."""
    settings: Settings = request.app.state.settings
    return valid_case_reference(x_case_reference, settings.case_reference_pattern)


def note_result(request: Request, size: int, **extra: Any) -> None:
    """Tell the audit log how many items a response discloses (and what else to record)."""
    request.state.audit_result_size = size
    if extra:
        request.state.audit_extra = extra


DriverDep = Annotated[neo4j.AsyncDriver, Depends(get_driver)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[Store, Depends(get_store)]
AuditDep = Annotated[AuditLog, Depends(get_audit)]
UserDep = Annotated[User, Depends(current_user)]
SessionDep = Annotated[Session, Depends(current_session)]
CaseReferenceDep = Annotated[str | None, Depends(case_reference)]


@dataclass(frozen=True, slots=True)
class PersonLevel:
    """A person-level read (``docs/access.md``): the caller, the case reference sent, the
    store. Routes call :meth:`bind` (or, for a subject-access export, :meth:`require`) first,
    after FastAPI has validated their parameters (a bad token is 422 before a missing case
    reference is 403), and :meth:`disclosed` before they answer."""

    user: User
    case_reference: str | None
    settings: Settings
    store: Store
    scopes: ScopeCache

    async def require(self, request: Request) -> str:
        """The valid reference (403 without one), while the live graph is complete (503 while a
        delivery is partly written). For the subject-access export, whose reference is the
        data-subject request's, not a case's."""
        reference = require_case_reference(
            self.case_reference, self.settings.case_reference_pattern
        )
        await require_complete_graph(request, self.store)
        return reference

    async def bind(self, request: Request) -> CaseBinding:
        """The case the read is for and its scope (403 without a reference, for a case that
        is not registered, not shared with the caller's organisation or not open), while the
        live graph is complete."""
        reference = await self.require(request)
        today = datetime.now(UTC).date()
        return await bind_case(self.store, self.user, reference, self.scopes, today=today)

    async def disclosed(
        self,
        request: Request,
        binding: CaseBinding,
        size: int,
        *,
        target: str,
        outside: Mapping[str, int] | None = None,
        **extra: Any,
    ) -> None:
        """Record what the read disclosed (:func:`record_read`), with the people it left out
        counted from ``outside`` (per region)."""
        left_out = sum((outside or {}).values())
        await record_read(
            request, self.store, self.user, binding, size, target=target, left_out=left_out, **extra
        )


async def record_read(
    request: Request,
    store: Store,
    user: User,
    binding: CaseBinding,
    size: int,
    *,
    target: str,
    left_out: int,
    **extra: Any,
) -> None:
    """Record a person-level read for its case: in the audit entry (:func:`note_result`, with
    the scope's depth and how many people it left out) and on the case
    (:func:`graph.cases.binding.log_read`: who, when, the route, the subject or cluster). A
    read that cannot be logged on its case is not answered (the error is a 503)."""
    note_result(request, size, scope_depth=binding.depth, scope_outside=left_out, **extra)
    route = request.scope.get("route")
    endpoint = str(getattr(route, "path", request.url.path))
    actor = Actor(subject=user.subject, org=user.org, role=user.role.value)
    await store.log_case_read(
        binding.reference, actor, endpoint=endpoint, target=target, size=size, outside=left_out
    )


async def get_scopes(request: Request) -> ScopeCache:
    """The process's cache of case scopes."""
    scopes: ScopeCache = request.app.state.scopes
    return scopes


ScopesDep = Annotated[ScopeCache, Depends(get_scopes)]


async def person_level(
    user: UserDep,
    case_reference: CaseReferenceDep,
    settings: SettingsDep,
    store: StoreDep,
    scopes: ScopesDep,
) -> PersonLevel:
    """The parts of a person-level read; checked by :meth:`PersonLevel.bind`."""
    return PersonLevel(user, case_reference, settings, store, scopes)


PersonLevelDep = Annotated[PersonLevel, Depends(person_level)]
