"""Bearer tokens: HS256 locally, RS256 with a PEM key or a JWKS served over HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api.auth import ORGANISATIONS, Role, TokenVerifier, User, mint_token
from api.errors import UnauthorizedError
from graph.errors import ConfigurationError
from graph.settings import Settings

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"


def _settings(**kwargs: Any) -> Settings:
    return Settings(jwt_secret=SECRET, **kwargs)


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "analyst-1",
        "org": "Limburg",
        "role": "analyst",
        "exp": int(time.time())
        + 6 * 3600,  # 6 h (< the 12 h maximum): parametrize builds these at collection,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_minted_token_verifies() -> None:
    settings = _settings()
    token = mint_token(settings, subject="a", org="Limburg", role="coordinator")
    assert TokenVerifier(settings).verify(token) == User("a", "Limburg", Role.COORDINATOR)


@pytest.mark.parametrize("org", ORGANISATIONS)
def test_every_organisation_is_accepted(org: str) -> None:
    settings = _settings()
    token = mint_token(settings, subject="a", org=org, role=Role.ANALYST)
    user = TokenVerifier(settings).verify(token)
    assert user.org == org
    assert user.is_liec == (org == "LIEC")
    assert user.region == (None if org == "LIEC" else org)


def test_mint_refuses_unknown_org_and_role() -> None:
    with pytest.raises(ConfigurationError, match="--org"):
        mint_token(_settings(), subject="a", org="limburg", role="analyst")
    with pytest.raises(ConfigurationError, match="--role"):
        mint_token(_settings(), subject="a", org="LIEC", role="admin")


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        (_claims(exp=int(time.time()) - 3600), "expired"),
        (_claims(org="Brabant"), "'org'"),
        (_claims(org="limburg"), "'org'"),
        (_claims(role="admin"), "'role'"),
        (_claims(sub=""), "'sub'"),
        (_claims(exp=None), "MissingRequiredClaim"),
        (_claims(role=None), "MissingRequiredClaim"),
    ],
)
def test_bad_claims_are_refused(claims: dict[str, Any], message: str) -> None:
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    with pytest.raises(UnauthorizedError, match=message) as caught:
        TokenVerifier(_settings()).verify(token)
    assert caught.value.status == 401


def test_wrong_secret_and_alg_none_are_refused() -> None:
    verifier = TokenVerifier(_settings())
    forged = jwt.encode(_claims(), "another-secret-of-sufficient-length-000", algorithm="HS256")
    with pytest.raises(UnauthorizedError, match="InvalidSignatureError"):
        verifier.verify(forged)
    unsigned = jwt.encode(_claims(), "", algorithm="none")
    with pytest.raises(UnauthorizedError):
        verifier.verify(unsigned)
    with pytest.raises(UnauthorizedError):
        verifier.verify("not-a-jwt")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_public(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_rs256_with_public_key_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    key_file = tmp_path / "idp.pem"
    key_file.write_bytes(_pem_public(rsa_key))
    verifier = TokenVerifier(_settings(jwt_public_key_file=key_file))
    token = jwt.encode(_claims(org="LIEC", role="privacy-officer"), rsa_key, algorithm="RS256")
    assert verifier.verify(token).role is Role.PRIVACY_OFFICER
    # An HS256 token signed with the public key as secret (algorithm confusion) is refused.
    with pytest.raises(UnauthorizedError):
        verifier.verify(jwt.encode(_claims(), SECRET, algorithm="HS256"))


def test_missing_public_key_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="JWT_PUBLIC_KEY_FILE"):
        TokenVerifier(_settings(jwt_public_key_file=tmp_path / "absent.pem"))


@pytest.fixture
def jwks_server(rsa_key: rsa.RSAPrivateKey) -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    jwk.update({"kid": "key-1", "use": "sig", "alg": "RS256"})
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def test_rs256_with_jwks_served_locally(jwks_server: str, rsa_key: rsa.RSAPrivateKey) -> None:
    verifier = TokenVerifier(_settings(jwks_url=jwks_server))
    assert verifier.needs_network
    token = jwt.encode(_claims(), rsa_key, algorithm="RS256", headers={"kid": "key-1"})
    assert verifier.verify(token) == User("analyst-1", "Limburg", Role.ANALYST)
    unknown_kid = jwt.encode(_claims(), rsa_key, algorithm="RS256", headers={"kid": "key-2"})
    with pytest.raises(UnauthorizedError, match="key set"):
        verifier.verify(unknown_kid)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_claims(), other_key, algorithm="RS256", headers={"kid": "key-1"})
    with pytest.raises(UnauthorizedError, match="InvalidSignatureError"):
        verifier.verify(forged)


def _verify(claims: dict[str, Any], **settings: Any) -> User:
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    return TokenVerifier(_settings(**settings)).verify(token)


def test_token_lifetime_is_bounded() -> None:
    now = int(time.time())
    assert _verify(_claims(iat=now, exp=now + 12 * 3600)).org == "Limburg"
    with pytest.raises(UnauthorizedError, match="lifetime longer than the allowed 43200 seconds"):
        _verify(_claims(iat=now, exp=now + 13 * 3600))
    with pytest.raises(UnauthorizedError, match="lifetime"):  # no iat: judged from now
        _verify(_claims(exp=now + 10 * 365 * 86_400))
    with pytest.raises(UnauthorizedError, match="lifetime"):
        _verify(_claims(iat=now, exp=now + 3 * 3600), jwt_max_lifetime_seconds=3600)
    with pytest.raises(ConfigurationError, match="--ttl must be at most"):
        mint_token(_settings(), subject="a", org="LIEC", role="analyst", ttl_seconds=13 * 3600)


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_times_must_be_numbers(claim: str) -> None:
    now = int(time.time())
    claims = _claims(iat=now, nbf=now, exp=now + 3600)
    claims[claim] = str(claims[claim])
    with pytest.raises(UnauthorizedError) as caught:
        _verify(claims)
    assert caught.value.status == 401
    assert str(now) not in str(caught.value)  # the rule, not the value


def test_audience_and_issuer_are_checked_when_configured() -> None:
    with_aud = _claims(aud="knooppunt-api", iss="https://idp.example/realms/riec")
    assert _verify(with_aud).org == "Limburg"  # nothing configured: an IdP's aud is accepted
    assert _verify(with_aud, jwt_audience="knooppunt-api").org == "Limburg"
    with pytest.raises(UnauthorizedError, match="claim 'aud'"):
        _verify(with_aud, jwt_audience="another-api")
    with pytest.raises(UnauthorizedError):  # configured audience, token without one
        _verify(_claims(), jwt_audience="knooppunt-api")
    issuer = "https://idp.example/realms/riec"
    assert _verify(with_aud, jwt_issuer=issuer).org == "Limburg"
    with pytest.raises(UnauthorizedError, match="claim 'iss'"):
        _verify(with_aud, jwt_issuer="https://other.example")
