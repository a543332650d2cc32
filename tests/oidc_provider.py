"""A real OpenID Connect provider for the tests, built on authlib's Flask authorization server.

It speaks the protocol the workbench signs in with (decision 078): discovery, an authorization
endpoint with a sign-in form, the authorization code grant for a public client with PKCE
required (S256), RS256 ID tokens with a nonce, and the key set. Users are given to it with
their ``org`` and ``role`` claims, as an organisation's provider would map them. It runs on
its own port in a thread (werkzeug); the tests address it as ``http://localhost:<port>``, a
different site from the API's ``http://127.0.0.1:<port>``, so cookies behave as they do
between an organisation's provider and the API.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, Response, jsonify, request
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

__all__ = ["OidcUser", "Provider", "run_provider"]

CLIENT_ID = "knooppunt-workbench"


@dataclass(frozen=True)
class OidcUser:
    """A user the provider knows, with the claims it maps for Knooppunt."""

    username: str
    password: str
    org: str | None
    role: str | None


@dataclass
class _Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "profile"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False  # a public client has none

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class _Code(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: OidcUser
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return None


class Provider:
    """The provider's state: its key, client, users and the codes it gave out."""

    def __init__(self, users: list[OidcUser], redirect_uris: list[str]) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8)})
        self.users = {u.username: u for u in users}
        self.client = _Client(CLIENT_ID, redirect_uris)
        self.codes: dict[str, _Code] = {}
        self.issuer = ""  # set once the port is known
        self.token_requests = 0
        self.app = self._build()

    def _build(self) -> Flask:
        provider = self
        app = Flask("knooppunt-test-oidc")

        class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["none"]

            def save_authorization_code(self, code: str, req: Any) -> None:
                data = req.payload.data
                provider.codes[code] = _Code(
                    code=code,
                    client_id=req.client.client_id,
                    redirect_uri=req.payload.redirect_uri,
                    scope=req.scope,
                    user=req.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Any) -> _Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: _Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: _Code) -> OidcUser:
                return authorization_code.user

        class IdToken(OpenIDCode):  # type: ignore[misc]
            def resolve_client_private_key(self, client: Any) -> RSAKey:
                return provider.key

            def get_client_algorithm(self, client: Any) -> str:
                return "RS256"

            def get_encode_header(self, client: Any) -> dict[str, str]:
                return {"alg": "RS256", "kid": str(provider.key.kid)}

            def get_client_claims(self, client: Any) -> dict[str, Any]:
                return {"iss": provider.issuer, "aud": [client.get_client_id()]}

            def exists_nonce(self, nonce: str, req: Any) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def generate_user_info(self, user: OidcUser, scope: str) -> dict[str, Any]:
                info: dict[str, Any] = {"sub": user.username, "name": user.username}
                if user.org is not None:
                    info["org"] = user.org
                if user.role is not None:
                    info["role"] = user.role
                return info

        server = AuthorizationServer(
            app,
            query_client=lambda cid: provider.client if cid == provider.client.client_id else None,
            save_token=lambda token, req: None,
        )
        server.register_grant(
            CodeGrant, [CodeChallenge(required=True), IdToken(require_nonce=True)]
        )

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Response:
            base = provider.issuer
            return jsonify(
                issuer=base,
                authorization_endpoint=f"{base}/authorize",
                token_endpoint=f"{base}/token",
                jwks_uri=f"{base}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["none"],
                scopes_supported=["openid", "profile"],
            )

        @app.get("/jwks")
        def jwks() -> Response:
            return jsonify(keys=[provider.key.as_dict(private=False)])

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize() -> Any:
            if request.method == "GET":
                try:
                    server.get_consent_grant(end_user=None)
                except Exception as e:
                    return Response(f"invalid request: {type(e).__name__}", status=400)
                return Response(_FORM, mimetype="text/html")
            user = provider.users.get(request.form.get("username", ""))
            if user is None or not secrets.compare_digest(
                user.password, request.form.get("password", "")
            ):
                return Response(_FORM.replace("<!--error-->", "<p id=error>wrong</p>"), 401)
            return server.create_authorization_response(grant_user=user)

        @app.post("/token")
        def token() -> Any:
            provider.token_requests += 1
            return server.create_token_response()

        return app


_FORM = (
    "<!doctype html><html><head><meta charset=utf-8><title>Test provider</title></head><body>"
    "<h1>Sign in</h1><!--error--><form method=post>"
    "<label>User <input id=username name=username></label>"
    "<label>Password <input id=password name=password type=password></label>"
    "<button id=submit type=submit>Sign in</button></form></body></html>"
)


@contextmanager
def run_provider(users: list[OidcUser], redirect_uris: list[str]) -> Iterator[Provider]:
    """Serve a provider on ``http://localhost:<free port>`` until the block ends."""
    provider = Provider(users, redirect_uris)
    server = make_server("127.0.0.1", 0, provider.app, threaded=True)
    provider.issuer = f"http://localhost:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=5)
