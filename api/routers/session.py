"""Sign-in to the workbench: the identity provider's redirect, one-time links, the session.

A failed sign-in sends the browser back to ``/ui/?signin_error=<code>`` (the workbench says
what went wrong in the user's language); ``<code>`` is one of :data:`SIGNIN_ERRORS`. A
successful one answers a page that moves on to ``/ui/`` by itself: the session cookie is
SameSite=Strict, and a redirect chain that began at the provider (another site) would arrive at
``/ui/`` without it.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import User
from api.deps import SessionDep, SettingsDep, StoreDep
from api.errors import UnauthorizedError
from api.oidc import OidcProvider, SignIn
from api.routers import problem_responses
from api.session import (
    SIGNIN_COOKIE,
    clear_session,
    clear_sign_in,
    mint_session,
    open_sign_in,
    read_login_ticket,
    safe_next,
    seal_sign_in,
    set_session,
    set_sign_in,
)
from graph.settings import Settings

__all__ = ["SIGNIN_ERRORS", "router"]

#: The browser's sign-in, not part of the bearer API: left out of the OpenAPI document and
#: described in ``docs/access.md`` ("In the browser").
router = APIRouter(tags=["session"], include_in_schema=False)

#: Why a sign-in failed, as ``/ui/?signin_error=`` says it.
SIGNIN_ERRORS: Final = (
    "not-configured",  # no identity provider is configured here
    "state",  # the sign-in's state is missing, expired or not this browser's
    "provider",  # the provider refused, or answered with an error
    "claims",  # the provider's ID token names no known organisation or role
    "link-invalid",  # the sign-in link is malformed, forged or expired
    "link-used",  # the sign-in link was used before
)

_SIGNED_IN_PAGE: Final = (
    "<!doctype html><html><head><meta charset=utf-8>"
    '<meta http-equiv="refresh" content="0;url={next}">'
    "<title>Knooppunt</title></head>"
    '<body><p><a href="{next}">Knooppunt</a></p></body></html>'
)


class SessionInfo(BaseModel):
    """Who is signed in to the workbench, and until when."""

    model_config = ConfigDict(extra="forbid")

    subject: str
    org: str = Field(examples=["Limburg"])
    role: str = Field(examples=["analyst"])
    region: str | None = Field(None, description="the RIEC region; null for the LIEC")
    expires_at: datetime


def _failed(request: Request, settings: Settings, code: str) -> RedirectResponse:
    assert code in SIGNIN_ERRORS
    request.state.audit_extra = {"signin_error": code}
    response = RedirectResponse(f"/ui/?signin_error={code}", status_code=303)
    clear_sign_in(response, settings)
    return response


def _signed_in(
    request: Request, settings: Settings, user: User, via: str, next_path: str = "/ui/"
) -> HTMLResponse:
    request.state.audit_user = user
    request.state.audit_extra = {"signin": via}
    value, session = mint_session(settings, user)
    response = HTMLResponse(_SIGNED_IN_PAGE.format(next=html.escape(safe_next(next_path))))
    set_session(response, settings, value, session)
    clear_sign_in(response, settings)
    return response


def _provider(request: Request, settings: Settings) -> OidcProvider | None:
    if not settings.oidc_issuer:
        return None
    provider: OidcProvider | None = getattr(request.app.state, "oidc", None)
    if provider is None:
        provider = OidcProvider(settings)
        request.app.state.oidc = provider
    return provider


@router.get(
    "/ui/login",
    response_class=RedirectResponse,
    status_code=303,
    summary="Sign in to the workbench through the organisation's identity provider",
)
async def login(request: Request, settings: SettingsDep) -> Response:
    """Redirects to the provider (authorization code with PKCE S256, state and nonce)."""
    provider = _provider(request, settings)
    if provider is None:
        return _failed(request, settings, "not-configured")
    sign_in = SignIn.new()
    try:
        url = await provider.authorization_url(sign_in)
    except UnauthorizedError:
        return _failed(request, settings, "provider")
    response = RedirectResponse(url, status_code=303)
    set_sign_in(
        response,
        settings,
        seal_sign_in(settings, sign_in.state, sign_in.nonce, sign_in.code_verifier),
    )
    return response


@router.get(
    "/ui/auth/callback",
    response_class=HTMLResponse,
    summary="Where the identity provider sends the browser back",
)
async def callback(
    request: Request,
    settings: SettingsDep,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> Response:
    """Checks the state, exchanges the code (with the PKCE verifier) and starts the session."""
    provider = _provider(request, settings)
    if provider is None:
        return _failed(request, settings, "not-configured")
    sealed = request.cookies.get(SIGNIN_COOKIE)
    if not sealed or not state:
        return _failed(request, settings, "state")
    try:
        expected, nonce, verifier = open_sign_in(settings, sealed)
    except UnauthorizedError:
        return _failed(request, settings, "state")
    if state != expected:
        return _failed(request, settings, "state")
    if error is not None or not code:
        return _failed(request, settings, "provider")
    try:
        user = await provider.user(
            code=code, sign_in=SignIn(state=expected, nonce=nonce, code_verifier=verifier)
        )
    except UnauthorizedError as e:
        reason = "claims" if str(e).startswith("ID token: claim") else "provider"
        return _failed(request, settings, reason)
    return _signed_in(request, settings, user, "oidc")


@router.get(
    "/ui/login/link",
    response_class=HTMLResponse,
    summary="Sign in with a one-time link (knooppunt token --login; development only)",
)
async def login_link(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    ticket: Annotated[str, Query(max_length=4096)],
    next_path: Annotated[
        str | None,
        Query(alias="next", max_length=512, description="a workbench path to go to (/ui/...)"),
    ] = None,
) -> Response:
    """A link signs in once, within 15 minutes of being made."""
    try:
        found = read_login_ticket(settings, ticket)
    except UnauthorizedError:
        return _failed(request, settings, "link-invalid")
    if not await store.use_login_ticket(found.jti, expires=found.expires_at):
        request.state.audit_user = found.user
        return _failed(request, settings, "link-used")
    return _signed_in(request, settings, found.user, "link", safe_next(next_path))


@router.post(
    "/ui/logout",
    status_code=204,
    responses=problem_responses(401, 403),
    summary="Sign out of the workbench (needs the CSRF token)",
)
async def logout(session: SessionDep, settings: SettingsDep) -> Response:
    """Removes the session's cookies (the session itself ends at its expiry)."""
    del session  # checked: only the session's own page may sign it out
    response = Response(status_code=204)
    clear_session(response, settings)
    return response


@router.get(
    "/ui/session",
    response_model=SessionInfo,
    responses=problem_responses(401),
    summary="Who is signed in to the workbench",
)
async def current(session: SessionDep) -> SessionInfo:
    """The session's user (401 without a session)."""
    user = session.user
    return SessionInfo(
        subject=user.subject,
        org=user.org,
        role=str(user.role),
        region=user.region,
        expires_at=datetime.fromtimestamp(session.expires_at, tz=UTC),
    )
