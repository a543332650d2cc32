"""The workbench's sign-in and sessions against the real API, Neo4j and a real OIDC provider.

The provider (``tests/oidc_provider.py``, authlib) runs on its own port; the API in-process. The
browser's part (following redirects, posting the provider's form) is played by httpx clients.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import neo4j
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import mint_token
from api.session import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    login_link,
    mint_login_ticket,
)
from graph.settings import Settings
from tests.integration.api_seed import AL_CROSS, CL_CROSS
from tests.integration.api_support import api_settings, seeded
from tests.oidc_provider import CLIENT_ID, OidcUser, Provider, run_provider

__all__ = ["api_settings", "seeded"]

BASE = "http://testserver"
USERS = [
    OidcUser("ann", "ann-pass", "Limburg", "coordinator"),
    OidcUser("noor", "noor-pass", "Noord", "analyst"),
    OidcUser("stranger", "stranger-pass", None, "analyst"),
]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with run_provider(USERS, [f"{BASE}/ui/auth/callback"]) as running:
        yield running


@pytest.fixture(scope="module")
def oidc_settings(api_settings: Settings, provider: Provider) -> Settings:
    return api_settings.model_copy(
        update={"oidc_issuer": provider.issuer, "oidc_client_id": CLIENT_ID, "public_url": BASE}
    )


@pytest.fixture
def app_client(oidc_settings: Settings, seeded: neo4j.Driver) -> Iterator[TestClient]:
    with TestClient(create_app(oidc_settings), base_url=BASE) as client:
        yield client


def _provider_redirect(client: TestClient, username: str, password: str) -> str:
    """Start a sign-in and sign in at the provider; the callback URL it sends the browser to."""
    start = client.get("/ui/login", follow_redirects=False)
    assert start.status_code == 303
    assert SIGNIN_COOKIE in start.cookies
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == [CLIENT_ID]
    assert "nonce" in query
    assert "state" in query
    with httpx.Client() as browser:
        form = browser.get(authorize)
        assert form.status_code == 200
        signed = browser.post(
            authorize, data={"username": username, "password": password}, follow_redirects=False
        )
    assert signed.status_code == 302, signed.text
    return str(signed.headers["location"])


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_sign_in_through_the_provider_gives_a_session_with_the_token_s_claims(
    app_client: TestClient,
) -> None:
    back = _provider_redirect(app_client, "ann", "ann-pass")
    assert back.startswith(f"{BASE}/ui/auth/callback?")
    done = app_client.get(_path(back), follow_redirects=False)
    assert done.status_code == 200
    assert 'http-equiv="refresh"' in done.text  # moves on to /ui/ as a same-site navigation
    cookie = done.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=strict" in session_cookie
    assert "Path=/" in session_cookie
    csrf_cookie = next(c for c in cookie if c.startswith(f"{CSRF_COOKIE}="))
    assert "HttpOnly" not in csrf_cookie
    assert "SameSite=strict" in csrf_cookie

    me = app_client.get("/ui/session")
    assert me.status_code == 200
    assert me.json()["org"] == "Limburg"
    assert me.json()["role"] == "coordinator"
    assert me.json()["subject"] == "ann"
    assert me.json()["region"] == "Limburg"
    # The session reads the API as the bearer token would, need-to-know included.
    alerts = app_client.get("/alerts")
    assert alerts.status_code == 200
    assert AL_CROSS in {a["id"] for a in alerts.json()["items"]}


def test_a_code_is_exchanged_once_and_a_replayed_callback_is_refused(
    app_client: TestClient, provider: Provider
) -> None:
    back = _provider_redirect(app_client, "ann", "ann-pass")
    assert app_client.get(_path(back), follow_redirects=False).status_code == 200
    again = app_client.get(_path(back), follow_redirects=False)
    # The sign-in's state went with the first use: the second answer is a failed sign-in.
    assert again.status_code == 303
    assert again.headers["location"] == "/ui/?signin_error=state"


def test_a_callback_with_another_sign_in_s_state_is_refused(app_client: TestClient) -> None:
    back = _provider_redirect(app_client, "ann", "ann-pass")
    # Another browser (or a later sign-in here) holds another state: the code is not its own.
    app_client.cookies.clear()
    app_client.get("/ui/login", follow_redirects=False)
    refused = app_client.get(_path(back), follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/ui/?signin_error=state"
    assert app_client.get("/ui/session").status_code == 401


def test_the_provider_refuses_a_code_without_the_right_pkce_verifier(
    app_client: TestClient, provider: Provider
) -> None:
    back = _provider_redirect(app_client, "ann", "ann-pass")
    code = parse_qs(urlsplit(back).query)["code"][0]
    with httpx.Client() as attacker:
        stolen = attacker.post(
            f"{provider.issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": CLIENT_ID,
                "redirect_uri": f"{BASE}/ui/auth/callback",
                "code_verifier": "x" * 64,
            },
        )
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"


def test_a_user_without_an_organisation_claim_gets_no_session(app_client: TestClient) -> None:
    back = _provider_redirect(app_client, "stranger", "stranger-pass")
    refused = app_client.get(_path(back), follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/ui/?signin_error=claims"
    assert app_client.get("/ui/session").status_code == 401


def _signed_in_by_link(client: TestClient, settings: Settings, org: str, role: str) -> str:
    link = login_link(settings, BASE, subject="link-user", org=org, role=role)
    done = client.get(_path(link), follow_redirects=False)
    assert done.status_code == 200, done.headers.get("location")
    return link


def test_a_sign_in_link_leads_to_the_page_it_names(
    app_client: TestClient, oidc_settings: Settings
) -> None:
    page = f"/ui/#/cluster/{CL_CROSS}?case=LB-2026-0001"
    link = login_link(
        oidc_settings, BASE, subject="u", org="Limburg", role="analyst", next_path=page
    )
    done = app_client.get(_path(link), follow_redirects=False)
    assert done.status_code == 200
    assert f'content="0;url={page}"' in done.text


def test_a_sign_in_link_works_once(app_client: TestClient, oidc_settings: Settings) -> None:
    link = _signed_in_by_link(app_client, oidc_settings, "Noord", "analyst")
    assert app_client.get("/ui/session").json()["org"] == "Noord"
    app_client.cookies.clear()
    again = app_client.get(_path(link), follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/ui/?signin_error=link-used"
    assert app_client.get("/ui/session").status_code == 401


def test_a_forged_or_expired_sign_in_link_is_refused(
    app_client: TestClient, oidc_settings: Settings
) -> None:
    other_key = oidc_settings.model_copy(update={"session_secret": SecretStr("x" * 40)})
    forged = login_link(other_key, BASE, subject="eve", org="LIEC", role="analyst")
    answer = app_client.get(_path(forged), follow_redirects=False)
    assert answer.headers["location"] == "/ui/?signin_error=link-invalid"
    old = mint_login_ticket(
        oidc_settings, subject="eve", org="LIEC", role="analyst", now=int(time.time()) - 3600
    )
    answer = app_client.get(f"/ui/login/link?ticket={old}", follow_redirects=False)
    assert answer.headers["location"] == "/ui/?signin_error=link-invalid"
    # a bearer token is not a sign-in link, even when signed with the same key
    token = mint_token(oidc_settings, subject="eve", org="LIEC", role="analyst")
    answer = app_client.get(f"/ui/login/link?ticket={token}", follow_redirects=False)
    assert answer.headers["location"] == "/ui/?signin_error=link-invalid"
    assert app_client.get("/ui/session").status_code == 401


def test_state_changes_by_session_need_the_csrf_token_and_the_own_origin(
    app_client: TestClient, oidc_settings: Settings
) -> None:
    _signed_in_by_link(app_client, oidc_settings, "Limburg", "coordinator")
    body = {"status": "acknowledged", "note": "gezien"}
    url = f"/alerts/{AL_CROSS}/status"
    missing = app_client.post(url, json=body)
    assert missing.status_code == 403
    assert CSRF_HEADER in missing.json()["detail"]
    csrf = app_client.cookies[CSRF_COOKIE]
    wrong = app_client.post(url, json=body, headers={CSRF_HEADER: csrf[:-2] + "xx"})
    assert wrong.status_code == 403
    foreign = app_client.post(
        url, json=body, headers={CSRF_HEADER: csrf, "Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403
    done = app_client.post(url, json=body, headers={CSRF_HEADER: csrf, "Origin": BASE})
    assert done.status_code == 200, done.text
    # reads need no token; a bearer call needs none either (no cookie, no ambient authority)
    assert app_client.get(f"/clusters/{CL_CROSS}").status_code == 200
    bearer = mint_token(oidc_settings, subject="api-user", org="Limburg", role="coordinator")
    app_client.cookies.clear()
    answer = app_client.post(
        url,
        json={"status": "closed", "note": "afgerond"},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert answer.status_code == 200, answer.text


def test_sign_out_needs_the_csrf_token_and_removes_the_cookies(
    app_client: TestClient, oidc_settings: Settings
) -> None:
    _signed_in_by_link(app_client, oidc_settings, "Limburg", "analyst")
    assert app_client.post("/ui/logout").status_code == 403
    out = app_client.post("/ui/logout", headers={CSRF_HEADER: app_client.cookies[CSRF_COOKIE]})
    assert out.status_code == 204
    assert app_client.get("/ui/session").status_code == 401


def test_a_session_cookie_must_be_a_session(
    app_client: TestClient, oidc_settings: Settings
) -> None:
    # A bearer token put into the cookie is refused: sessions and tokens are different things.
    token = mint_token(oidc_settings, subject="eve", org="LIEC", role="analyst")
    app_client.cookies.set(SESSION_COOKIE, token)
    assert app_client.get("/ui/session").status_code == 401
    assert app_client.get("/alerts").status_code == 401
    # A session signed with another key is refused.
    forged = jwt.encode(
        {
            "typ": "knooppunt-session",
            "sid": "s",
            "sub": "eve",
            "org": "LIEC",
            "role": "analyst",
            "iat": 1,
            "exp": 4_000_000_000,
        },
        "y" * 40,
        algorithm="HS256",
    )
    app_client.cookies.set(SESSION_COOKIE, forged)
    assert app_client.get("/alerts").status_code == 401
