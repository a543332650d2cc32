"""Sign-in through the organisation's OpenID Connect provider (authorization code with PKCE).

The API is the relying party. authlib's httpx client builds the authorization URL (with the
PKCE S256 challenge, the state and the nonce) and exchanges the code (with the verifier); the
ID token is verified with PyJWT against the provider's key set (its ``jwks_uri``), its issuer,
audience (the client id) and nonce, as :class:`api.auth.TokenVerifier` verifies bearer tokens.
The provider's configuration is read once per process from its discovery document
(``<issuer>/.well-known/openid-configuration``). Decision 078.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import Any, Final

import httpx
import jwt
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2 import OAuth2Error
from fastapi.concurrency import run_in_threadpool

from api.auth import User, user_from_claims
from api.errors import UnauthorizedError
from graph.errors import ConfigurationError
from graph.settings import Settings

__all__ = ["CALLBACK_PATH", "OidcProvider", "SignIn"]

CALLBACK_PATH: Final = "/ui/auth/callback"
_TIMEOUT_S: Final = 10.0
_ALGORITHMS: Final = ["RS256", "ES256", "PS256"]
_LEEWAY_SECONDS: Final = 30


@dataclass(frozen=True, slots=True)
class SignIn:
    """What one sign-in keeps between the redirect to the provider and the way back."""

    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def new(cls) -> SignIn:
        """Fresh random values (the verifier: 64 URL-safe characters, RFC 7636 allows 43-128)."""
        return cls(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            code_verifier=secrets.token_urlsafe(48),
        )


class OidcProvider:
    """The configured identity provider, as the API talks to it."""

    def __init__(self, settings: Settings) -> None:
        if not settings.oidc_issuer or not settings.oidc_client_id:
            raise ConfigurationError("KNOOPPUNT_OIDC_ISSUER and KNOOPPUNT_OIDC_CLIENT_ID are unset")
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        secret = settings.oidc_client_secret
        self._client_secret = secret.get_secret_value() if secret is not None else None
        self.scope = settings.oidc_scope
        self.redirect_uri = settings.public_url.rstrip("/") + CALLBACK_PATH
        self._org_claim = settings.oidc_org_claim
        self._role_claim = settings.oidc_role_claim
        self._lifetime = min(settings.session_lifetime_seconds, settings.jwt_max_lifetime_seconds)
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = asyncio.Lock()

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self._client_secret,
            token_endpoint_auth_method=(
                "client_secret_basic" if self._client_secret is not None else "none"
            ),
            scope=self.scope,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            timeout=_TIMEOUT_S,
        )

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (read once); its issuer must be the configured one."""
        async with self._lock:
            if self._metadata is None:
                url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
                try:
                    async with httpx.AsyncClient(timeout=_TIMEOUT_S) as client:
                        answer = await client.get(url)
                        answer.raise_for_status()
                        found: dict[str, Any] = answer.json()
                except (httpx.HTTPError, ValueError) as e:
                    raise UnauthorizedError(
                        f"the identity provider's configuration could not be read "
                        f"({type(e).__name__})"
                    ) from None
                if found.get("issuer") != self.issuer:
                    raise UnauthorizedError("the identity provider names another issuer")
                for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(found.get(key), str):
                        raise UnauthorizedError(f"the identity provider gives no {key}")
                self._jwks = jwt.PyJWKClient(found["jwks_uri"], cache_keys=True, lifespan=300)
                self._metadata = found
            return self._metadata

    async def authorization_url(self, sign_in: SignIn) -> str:
        """Where to send the browser to sign in."""
        meta = await self.metadata()
        async with self._client() as client:
            url, _state = client.create_authorization_url(
                meta["authorization_endpoint"],
                state=sign_in.state,
                code_verifier=sign_in.code_verifier,
                nonce=sign_in.nonce,
            )
        return str(url)

    async def user(self, *, code: str, sign_in: SignIn) -> User:
        """Exchange the code for tokens and read the user from the verified ID token."""
        meta = await self.metadata()
        try:
            async with self._client() as client:
                token = await client.fetch_token(
                    meta["token_endpoint"], code=code, code_verifier=sign_in.code_verifier
                )
        except (OAuth2Error, httpx.HTTPError, ValueError) as e:
            raise UnauthorizedError(
                f"the identity provider refused the sign-in ({type(e).__name__})"
            ) from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise UnauthorizedError("the identity provider sent no ID token")
        claims = await run_in_threadpool(self._verify, id_token)
        if not secrets.compare_digest(str(claims.get("nonce", "")), sign_in.nonce):
            raise UnauthorizedError("ID token: claim 'nonce': not this sign-in's")
        now = int(time.time())
        ours = {
            "sub": claims.get("sub"),
            "org": claims.get(self._org_claim),
            "role": claims.get(self._role_claim),
            "iat": now,
            "exp": now + self._lifetime,
        }
        return user_from_claims(ours, self._lifetime, source="ID token")

    def _verify(self, id_token: str) -> dict[str, Any]:
        assert self._jwks is not None  # set with the metadata
        try:
            key = self._jwks.get_signing_key_from_jwt(id_token).key
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=_ALGORITHMS,
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
                leeway=_LEEWAY_SECONDS,
            )
        except jwt.PyJWKClientError:
            raise UnauthorizedError("ID token signing key not found in the key set") from None
        except jwt.InvalidTokenError as e:
            raise UnauthorizedError(f"invalid ID token: {type(e).__name__}") from None
        return claims
