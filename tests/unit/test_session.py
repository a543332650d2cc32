"""Browser sessions: the cookie's claims, its CSRF token, cookie flags, one-time sign-in links."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response

from api.auth import Role, User, mint_token
from api.errors import ForbiddenError, UnauthorizedError
from api.session import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    check_csrf,
    csrf_token,
    login_link,
    mint_login_ticket,
    mint_session,
    read_login_ticket,
    read_session,
    safe_next,
    set_session,
)
from graph.errors import ConfigurationError
from graph.settings import Settings

SETTINGS = Settings(_env_file=None, session_secret=SecretStr("s" * 40))
ANN = User(subject="ann", org="Limburg", role=Role.COORDINATOR)


def _request(method: str, headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "method": method,
        "path": "/alerts/x/status",
        "headers": [(b"host", b"127.0.0.1:8000"), *raw],
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "query_string": b"",
    }
    return Request(scope)


def test_a_session_carries_the_token_s_claims_and_reads_back() -> None:
    value, session = mint_session(SETTINGS, ANN)
    read = read_session(SETTINGS, value)
    assert read.user == ANN
    assert read.sid == session.sid
    assert read.expires_at - time.time() <= SETTINGS.session_lifetime_seconds


def test_a_session_is_refused_when_expired_forged_or_a_bearer_token() -> None:
    value, _ = mint_session(SETTINGS, ANN, now=int(time.time()) - 9 * 3600)
    with pytest.raises(UnauthorizedError, match="session expired"):
        read_session(SETTINGS, value)
    other = SETTINGS.model_copy(update={"session_secret": SecretStr("o" * 40)})
    forged, _ = mint_session(other, ANN)
    with pytest.raises(UnauthorizedError, match="invalid session"):
        read_session(SETTINGS, forged)
    same_key = SETTINGS.model_copy(update={"jwt_secret": SecretStr("s" * 40)})
    token = mint_token(same_key, subject="ann", org="Limburg", role="analyst")
    with pytest.raises(UnauthorizedError, match="invalid session"):
        read_session(same_key, token)


def test_the_session_cookie_is_httponly_strict_and_secure_in_production() -> None:
    value, session = mint_session(SETTINGS, ANN)
    response = Response()
    set_session(response, SETTINGS, value, session)
    cookies = response.headers.getlist("set-cookie")
    main = next(c for c in cookies if c.startswith(SESSION_COOKIE))
    csrf = next(c for c in cookies if c.startswith(CSRF_COOKIE))
    assert "HttpOnly" in main
    assert "SameSite=strict" in main
    assert "Secure" not in main
    assert "HttpOnly" not in csrf
    assert "SameSite=strict" in csrf
    production = SETTINGS.model_copy(update={"mode": "production"})
    response = Response()
    set_session(response, production, value, session)
    assert all("Secure" in c for c in response.headers.getlist("set-cookie"))


def test_a_state_change_needs_the_session_s_own_csrf_token() -> None:
    _, session = mint_session(SETTINGS, ANN)
    _, other = mint_session(SETTINGS, ANN)
    token = csrf_token(SETTINGS, session.sid)
    check_csrf(_request("GET", {}), SETTINGS, session)  # reads need none
    check_csrf(_request("POST", {CSRF_HEADER: token}), SETTINGS, session)
    for headers in ({}, {CSRF_HEADER: csrf_token(SETTINGS, other.sid)}, {CSRF_HEADER: ""}):
        with pytest.raises(ForbiddenError, match=CSRF_HEADER):
            check_csrf(_request("DELETE", headers), SETTINGS, session)
    with pytest.raises(ForbiddenError, match="Origin"):
        check_csrf(
            _request("POST", {CSRF_HEADER: token, "origin": "http://evil.example"}),
            SETTINGS,
            session,
        )
    check_csrf(
        _request("POST", {CSRF_HEADER: token, "origin": "http://127.0.0.1:8000"}),
        SETTINGS,
        session,
    )


def test_a_sign_in_link_names_its_user_and_is_refused_in_production() -> None:
    link = login_link(
        SETTINGS, "http://127.0.0.1:9000/", subject="ann", org="Limburg", role="analyst"
    )
    assert link.startswith("http://127.0.0.1:9000/ui/login/link?ticket=")
    ticket = read_login_ticket(SETTINGS, link.split("ticket=", 1)[1])
    assert ticket.user == User(subject="ann", org="Limburg", role=Role.ANALYST)
    production = SETTINGS.model_copy(update={"mode": "production"})
    with pytest.raises(ConfigurationError, match="development"):
        mint_login_ticket(production, subject="ann", org="Limburg", role="analyst")
    with pytest.raises(UnauthorizedError, match="production"):
        read_login_ticket(production, link.split("ticket=", 1)[1])


def test_a_sign_in_link_checks_its_claims_like_a_token() -> None:
    with pytest.raises(UnauthorizedError, match="claim 'org'"):
        mint_login_ticket(SETTINGS, subject="ann", org="Atlantis", role="analyst")


@pytest.mark.parametrize(
    ("asked", "goes_to"),
    [
        (
            "/ui/#/cluster/CL-1a2b3c4d?case=LB-2026-0001",
            "/ui/#/cluster/CL-1a2b3c4d?case=LB-2026-0001",
        ),
        ("/ui/", "/ui/"),
        (None, "/ui/"),
        ("https://evil.example/ui/", "/ui/"),
        ("//evil.example/ui/", "/ui/"),
        ('/ui/"><script>', "/ui/"),
        ("/alerts", "/ui/"),
    ],
)
def test_a_sign_in_leads_only_to_a_workbench_page(asked: str | None, goes_to: str) -> None:
    assert safe_next(asked) == goes_to


def test_a_sign_in_link_refuses_a_next_page_outside_the_workbench() -> None:
    with pytest.raises(ConfigurationError, match="under /ui/"):
        login_link(SETTINGS, subject="ann", org="Limburg", role="analyst", next_path="https://x.nl")
