"""Browser sessions of the workbench: the session cookie, its CSRF token, one-time sign-in links.

A session is what a bearer token is, kept by the browser (decision 078):

- the cookie ``knooppunt_session`` (HttpOnly, SameSite=Strict, Path=/, Secure in production)
  holds a JWT signed with ``KNOOPPUNT_SESSION_SECRET`` carrying the bearer token's claims
  (``sub``, ``org``, ``role``, ``iat``, ``exp``) plus ``typ`` and a session id ``sid``; it is
  checked by the same claim rules as a bearer token (:func:`api.auth.user_from_claims`), so
  need-to-know, case binding and audit apply unchanged;
- the cookie ``knooppunt_csrf`` (readable by the page, SameSite=Strict) holds an HMAC of the
  session id: every state change made with the session cookie must send it back in the
  ``X-CSRF-Token`` header (double submit, bound to the session, so a cookie planted by another
  site cannot match), and an ``Origin`` header, when sent, must be the API's own;
- a one-time sign-in link (``knooppunt token --login``, development only) carries a short-lived
  ticket signed with the same key; its ``jti`` is recorded in Neo4j when used (``Store.
  use_login_ticket``), so a link signs in once, whichever worker or replica answers it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import jwt
from starlette.requests import Request
from starlette.responses import Response

from api.auth import Role, User, user_from_claims
from api.errors import ForbiddenError, UnauthorizedError
from graph.errors import ConfigurationError
from graph.settings import Settings

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "LOGIN_LINK_PATH",
    "LOGIN_TICKET_SECONDS",
    "SESSION_COOKIE",
    "SIGNIN_COOKIE",
    "SIGNIN_SECONDS",
    "LoginTicket",
    "Session",
    "check_csrf",
    "clear_session",
    "clear_sign_in",
    "csrf_token",
    "login_link",
    "mint_login_ticket",
    "mint_session",
    "open_sign_in",
    "read_login_ticket",
    "read_session",
    "safe_next",
    "seal_sign_in",
    "set_session",
    "set_sign_in",
]

SESSION_COOKIE: Final = "knooppunt_session"
CSRF_COOKIE: Final = "knooppunt_csrf"
CSRF_HEADER: Final = "X-CSRF-Token"
#: The short-lived cookie that carries the state, nonce and PKCE verifier of one sign-in through
#: the identity provider (SameSite=Lax: it must come back with the provider's redirect).
SIGNIN_COOKIE: Final = "knooppunt_signin"
LOGIN_LINK_PATH: Final = "/ui/login/link"
#: How long a one-time sign-in link may wait to be opened.
LOGIN_TICKET_SECONDS: Final = 15 * 60

_SESSION_TYPE: Final = "knooppunt-session"
_TICKET_TYPE: Final = "knooppunt-login"
_ALGORITHM: Final = "HS256"
_LEEWAY_SECONDS: Final = 30
_UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _key(settings: Settings) -> str:
    return settings.session_secret.get_secret_value()


def _secure(settings: Settings) -> bool:
    if settings.session_cookie_secure is not None:
        return settings.session_cookie_secure
    return settings.mode == "production"


@dataclass(frozen=True, slots=True)
class Session:
    """A verified browser session."""

    user: User
    sid: str
    expires_at: int


def csrf_token(settings: Settings, sid: str) -> str:
    """The CSRF token of a session: an HMAC of its id under the session key."""
    mac = hmac.new(_key(settings).encode(), b"csrf:" + sid.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def mint_session(settings: Settings, user: User, *, now: int | None = None) -> tuple[str, Session]:
    """A session cookie's value for ``user`` and the session it stands for."""
    issued = int(time.time()) if now is None else now
    expires = issued + min(settings.session_lifetime_seconds, settings.jwt_max_lifetime_seconds)
    sid = secrets.token_urlsafe(18)
    claims = {
        "typ": _SESSION_TYPE,
        "sid": sid,
        "sub": user.subject,
        "org": user.org,
        "role": str(user.role),
        "iat": issued,
        "exp": expires,
    }
    value = jwt.encode(claims, _key(settings), algorithm=_ALGORITHM)
    return value, Session(user=user, sid=sid, expires_at=expires)


def _decode(settings: Settings, value: str, kind: str, what: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            value,
            _key(settings),
            algorithms=[_ALGORITHM],
            options={"require": ["typ", "sub", "org", "role", "exp", "iat"]},
            leeway=_LEEWAY_SECONDS,
        )
    except jwt.ExpiredSignatureError:
        raise UnauthorizedError(f"{what} expired") from None
    except jwt.InvalidTokenError as e:
        raise UnauthorizedError(f"invalid {what}: {type(e).__name__}") from None
    if claims.get("typ") != kind:
        raise UnauthorizedError(f"invalid {what}: not a {what}")
    return claims


def read_session(settings: Settings, value: str) -> Session:
    """The session a cookie's value stands for; :class:`UnauthorizedError` when not valid."""
    claims = _decode(settings, value, _SESSION_TYPE, "session")
    sid = claims.get("sid")
    if not isinstance(sid, str) or not sid:
        raise UnauthorizedError("invalid session: no session id")
    user = user_from_claims(claims, settings.session_lifetime_seconds, source="session")
    return Session(user=user, sid=sid, expires_at=int(claims["exp"]))


def set_session(response: Response, settings: Settings, value: str, session: Session) -> None:
    """Put the session and its CSRF token on a response."""
    max_age = max(0, session.expires_at - int(time.time()))
    secure = _secure(settings)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token(settings, session.sid),
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="strict",
    )


def clear_session(response: Response, settings: Settings) -> None:
    """Remove the session's cookies from the browser."""
    secure = _secure(settings)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="strict"
    )
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, httponly=False, samesite="strict")


def _own_origin(request: Request, settings: Settings) -> set[str]:
    public = urlsplit(settings.public_url)
    own = {f"{public.scheme}://{public.netloc}"}
    host = request.headers.get("host")
    if host:
        own.add(f"{request.url.scheme}://{host}")
    return own


def check_csrf(request: Request, settings: Settings, session: Session) -> None:
    """Refuse a state change made with the session cookie without its CSRF token (403)."""
    if request.method.upper() not in _UNSAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None and origin not in _own_origin(request, settings):
        raise ForbiddenError("cross-origin request refused (the Origin is not this API's)")
    sent = request.headers.get(CSRF_HEADER)
    if not sent or not hmac.compare_digest(sent, csrf_token(settings, session.sid)):
        raise ForbiddenError(
            f"a state change with a session needs the {CSRF_HEADER} header "
            f"(the value of the {CSRF_COOKIE} cookie)"
        )


@dataclass(frozen=True, slots=True)
class LoginTicket:
    """A verified one-time sign-in ticket (not yet used)."""

    user: User
    jti: str
    expires_at: int


def mint_login_ticket(
    settings: Settings, *, subject: str, org: str, role: Role | str, now: int | None = None
) -> str:
    """A one-time sign-in ticket for ``subject`` (development only)."""
    if settings.mode == "production":
        raise ConfigurationError(
            "one-time sign-in links are for development; in production users sign in through "
            "the identity provider (KNOOPPUNT_OIDC_ISSUER)"
        )
    issued = int(time.time()) if now is None else now
    claims = {
        "typ": _TICKET_TYPE,
        "jti": secrets.token_urlsafe(18),
        "sub": subject,
        "org": org,
        "role": str(role),
        "iat": issued,
        "exp": issued + LOGIN_TICKET_SECONDS,
    }
    # The claims are checked as a token's are before anything is signed.
    user_from_claims(claims, LOGIN_TICKET_SECONDS, source="sign-in link")
    return jwt.encode(claims, _key(settings), algorithm=_ALGORITHM)


def read_login_ticket(settings: Settings, value: str) -> LoginTicket:
    """The ticket a sign-in link carries; :class:`UnauthorizedError` when not valid."""
    if settings.mode == "production":
        raise UnauthorizedError("one-time sign-in links are not accepted in production")
    claims = _decode(settings, value, _TICKET_TYPE, "sign-in link")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise UnauthorizedError("invalid sign-in link: no ticket id")
    user = user_from_claims(claims, LOGIN_TICKET_SECONDS, source="sign-in link")
    return LoginTicket(user=user, jti=jti, expires_at=int(claims["exp"]))


#: Where a sign-in may lead: a page of the workbench, never another site (no open redirect).
_NEXT: Final = re.compile(r"/ui/[A-Za-z0-9/_.~#?=&%-]{0,500}")


def safe_next(value: str | None) -> str:
    """``value`` when it is a workbench path to go to after sign-in, else ``/ui/``."""
    return value if value is not None and _NEXT.fullmatch(value) else "/ui/"


def login_link(
    settings: Settings,
    base_url: str | None = None,
    *,
    subject: str,
    org: str,
    role: Role | str,
    next_path: str | None = None,
) -> str:
    """A one-time sign-in URL of the workbench (``knooppunt token --login``), leading to
    ``next_path`` (a path under ``/ui/``) once signed in."""
    base = (base_url or settings.public_url).rstrip("/")
    ticket = mint_login_ticket(settings, subject=subject, org=org, role=role)
    query = {"ticket": ticket}
    if next_path is not None:
        if safe_next(next_path) != next_path:
            raise ConfigurationError("--next must be a path of the workbench, under /ui/")
        query["next"] = next_path
    return f"{base}{LOGIN_LINK_PATH}?{urlencode(query)}"


_SIGNIN_TYPE: Final = "knooppunt-signin"
#: How long a sign-in through the identity provider may take.
SIGNIN_SECONDS: Final = 10 * 60


def seal_sign_in(settings: Settings, state: str, nonce: str, code_verifier: str) -> str:
    """The sign-in cookie's value: the state, nonce and PKCE verifier, signed, for 10 minutes."""
    now = int(time.time())
    claims = {
        "typ": _SIGNIN_TYPE,
        "state": state,
        "nonce": nonce,
        "cv": code_verifier,
        "iat": now,
        "exp": now + SIGNIN_SECONDS,
    }
    return jwt.encode(claims, _key(settings), algorithm=_ALGORITHM)


def open_sign_in(settings: Settings, value: str) -> tuple[str, str, str]:
    """``(state, nonce, code_verifier)`` of a sign-in cookie; :class:`UnauthorizedError` if not
    valid or expired."""
    try:
        claims: dict[str, Any] = jwt.decode(
            value,
            _key(settings),
            algorithms=[_ALGORITHM],
            options={"require": ["typ", "state", "nonce", "cv", "exp"]},
            leeway=_LEEWAY_SECONDS,
        )
    except jwt.InvalidTokenError as e:
        raise UnauthorizedError(f"invalid sign-in state: {type(e).__name__}") from None
    if claims.get("typ") != _SIGNIN_TYPE:
        raise UnauthorizedError("invalid sign-in state")
    return str(claims["state"]), str(claims["nonce"]), str(claims["cv"])


def set_sign_in(response: Response, settings: Settings, value: str) -> None:
    """Keep a sign-in's state in the browser until the provider sends it back (SameSite=Lax:
    the provider's redirect is a cross-site navigation, which a Strict cookie would miss)."""
    response.set_cookie(
        SIGNIN_COOKIE,
        value,
        max_age=SIGNIN_SECONDS,
        path="/ui/auth/",
        secure=_secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_sign_in(response: Response, settings: Settings) -> None:
    """Forget a sign-in's state."""
    response.delete_cookie(
        SIGNIN_COOKIE, path="/ui/auth/", secure=_secure(settings), httponly=True, samesite="lax"
    )
