"""Bearer-token authentication: who calls, for which organisation, in which role.

Tokens are JWTs verified with PyJWT. Three ways to get the verification key, chosen from the
settings in this order:

- ``KNOOPPUNT_JWKS_URL``: RS256 against a JSON Web Key Set (production, an identity provider);
  PyJWT's :class:`jwt.PyJWKClient` fetches and caches the key set;
- ``KNOOPPUNT_JWT_PUBLIC_KEY_FILE``: RS256 against one PEM public key;
- otherwise HS256 with ``KNOOPPUNT_JWT_SECRET`` (local use; ``knooppunt token`` mints these).

Claims: ``sub`` (who), ``org`` (a RIEC region name exactly as in :data:`graph.vocabulary.REGIONS`,
or ``LIEC``), ``role`` (``analyst``, ``coordinator`` or ``privacy-officer``) and ``exp``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import jwt

from api.errors import UnauthorizedError
from graph.errors import ConfigurationError
from graph.settings import Settings
from graph.vocabulary import REGIONS

__all__ = [
    "LIEC",
    "ORGANISATIONS",
    "Role",
    "TokenVerifier",
    "User",
    "mint_token",
]

#: The national centre's organisation claim.
LIEC: Final = "LIEC"
#: Every organisation a token may name.
ORGANISATIONS: Final[tuple[str, ...]] = (*REGIONS, LIEC)

_REQUIRED_CLAIMS = ("sub", "org", "role", "exp")
_LEEWAY_SECONDS = 30
_MAX_SUBJECT = 128


class Role(StrEnum):
    """What a user may do (``docs/access.md``)."""

    ANALYST = "analyst"
    COORDINATOR = "coordinator"
    PRIVACY_OFFICER = "privacy-officer"


@dataclass(frozen=True, slots=True)
class User:
    """The authenticated caller."""

    subject: str
    org: str
    role: Role

    @property
    def is_liec(self) -> bool:
        """True for the national centre (no region of its own)."""
        return self.org == LIEC

    @property
    def region(self) -> str | None:
        """The caller's RIEC region, or ``None`` for the LIEC."""
        return None if self.is_liec else self.org


def _user_from_claims(claims: dict[str, Any]) -> User:
    subject = claims.get("sub")
    org = claims.get("org")
    role = claims.get("role")
    if not isinstance(subject, str) or not subject or len(subject) > _MAX_SUBJECT:
        raise UnauthorizedError("token claim 'sub' must be a non-empty string")
    if org not in ORGANISATIONS:
        raise UnauthorizedError(
            "token claim 'org' must be a RIEC region name or 'LIEC' (see docs/access.md)"
        )
    try:
        parsed_role = Role(str(role))
    except ValueError:
        raise UnauthorizedError(
            "token claim 'role' must be one of: " + ", ".join(r.value for r in Role)
        ) from None
    return User(subject=subject, org=str(org), role=parsed_role)


class TokenVerifier:
    """Verifies bearer tokens with the key source the settings name (see module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._jwks: jwt.PyJWKClient | None = None
        self._key: Any
        if settings.jwks_url:
            self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300)
            self.algorithms = ["RS256"]
            self._key = None
        elif settings.jwt_public_key_file:
            path = settings.jwt_public_key_file
            try:
                self._key = path.read_text(encoding="ascii")
            except OSError as e:
                raise ConfigurationError(
                    f"{path}: cannot read KNOOPPUNT_JWT_PUBLIC_KEY_FILE ({e.strerror})"
                ) from e
            self.algorithms = ["RS256"]
        else:
            self._key = settings.jwt_secret.get_secret_value()
            self.algorithms = ["HS256"]

    @property
    def needs_network(self) -> bool:
        """True when verification may fetch a key set (run it off the event loop)."""
        return self._jwks is not None

    def verify(self, token: str) -> User:
        """The user a token names; :class:`UnauthorizedError` when it is not acceptable."""
        try:
            key: Any = self._key
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                options={"require": list(_REQUIRED_CLAIMS)},
                leeway=_LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError:
            raise UnauthorizedError("token expired") from None
        except jwt.PyJWKClientError:
            raise UnauthorizedError("token signing key not found in the key set") from None
        except jwt.InvalidTokenError as e:
            raise UnauthorizedError(f"invalid token: {type(e).__name__}") from None
        return _user_from_claims(claims)


def mint_token(
    settings: Settings, *, subject: str, org: str, role: Role | str, ttl_seconds: int = 8 * 3600
) -> str:
    """A local HS256 token signed with ``KNOOPPUNT_JWT_SECRET`` (development and tests)."""
    if org not in ORGANISATIONS:
        raise ConfigurationError(
            "--org must be one of: " + ", ".join(ORGANISATIONS) + " (the RIEC region names)"
        )
    try:
        parsed_role = Role(str(role))
    except ValueError:
        raise ConfigurationError(
            "--role must be one of: " + ", ".join(r.value for r in Role)
        ) from None
    if ttl_seconds <= 0:
        raise ConfigurationError("--ttl must be positive")
    now = int(time.time())
    claims = {
        "sub": subject,
        "org": org,
        "role": parsed_role.value,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
