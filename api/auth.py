"""Bearer-token authentication: who calls, for which organisation, in which role.

Tokens are JWTs verified with PyJWT. Three ways to get the verification key, chosen from the
settings in this order:

- ``KNOOPPUNT_JWKS_URL``: RS256 against a JSON Web Key Set (production, an identity provider);
  PyJWT's :class:`jwt.PyJWKClient` fetches and caches the key set;
- ``KNOOPPUNT_JWT_PUBLIC_KEY_FILE``: RS256 against one PEM public key;
- otherwise HS256 with ``KNOOPPUNT_JWT_SECRET`` (local use; ``knooppunt token`` mints these).

Claims: ``sub`` (who), ``org`` (a RIEC region name exactly as in :data:`graph.vocabulary.REGIONS`,
or ``LIEC``), ``role`` (``analyst``, ``coordinator`` or ``privacy-officer``) and ``exp``, checked
by :class:`TokenClaims` (pydantic). The other registered JWT claims (``iat``, ``nbf``, ``iss``,
``aud``, ``jti``) are PyJWT's to verify and pass as they come; claims an identity provider adds
for itself (``email``, ``azp``, ``scope``, ...) are not ours and are left out before validation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Final

import jwt
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from api.errors import UnauthorizedError
from graph.errors import ConfigurationError
from graph.settings import Settings
from graph.validation import explain, problems, rule_error
from graph.vocabulary import LIEC, ORGANISATIONS

__all__ = [
    "LIEC",
    "ORGANISATIONS",
    "Role",
    "TokenClaims",
    "TokenVerifier",
    "User",
    "mint_token",
    "user_from_claims",
]


_REQUIRED_CLAIMS = ("sub", "org", "role", "exp")
_LEEWAY_SECONDS = 30
_MAX_SUBJECT = 128
#: The ``knooppunt token`` option of each claim it mints.
_OPTIONS: Final = {"sub": "subject", "org": "org", "role": "role", "iat": "ttl", "exp": "ttl"}


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


def _subject(value: Any) -> Any:
    if not isinstance(value, str) or not value or len(value) > _MAX_SUBJECT:
        raise rule_error(f"must be a non-empty string of at most {_MAX_SUBJECT} characters")
    return value


def _organisation(value: Any) -> Any:
    if value not in ORGANISATIONS:
        raise rule_error(
            "must be a RIEC region name or LIEC (see docs/access.md): " + ", ".join(ORGANISATIONS)
        )
    return value


def _role(value: Any) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise rule_error("must be one of: " + ", ".join(r.value for r in Role)) from None


def _numeric_date(value: Any) -> Any:
    if value is None:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise rule_error("must be a NumericDate (seconds since the epoch, a number)")
    return value


class TokenClaims(BaseModel):
    """The claims of a bearer token that the API reads (``docs/access.md``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sub: Annotated[StrictStr, BeforeValidator(_subject)]
    org: Annotated[StrictStr, BeforeValidator(_organisation)]
    role: Annotated[Role, BeforeValidator(_role)]
    # NumericDate (RFC 7519): a number of seconds, never a string; PyJWT verifies the times.
    exp: Annotated[StrictInt | StrictFloat, BeforeValidator(_numeric_date)]
    iat: Annotated[StrictInt | StrictFloat | None, BeforeValidator(_numeric_date)] = None
    nbf: Annotated[StrictInt | StrictFloat | None, BeforeValidator(_numeric_date)] = None
    # Registered claims checked by PyJWT against the configured values, when configured.
    iss: Any = None
    aud: Any = None
    jti: Any = None

    @property
    def user(self) -> User:
        """The caller these claims name."""
        return User(subject=self.sub, org=self.org, role=self.role)


def user_from_claims(claims: dict[str, Any], max_lifetime: int, *, source: str = "token") -> User:
    """The user verified claims name, checked by :class:`TokenClaims` and the longest lifetime
    (a bearer token's, a browser session's); ``source`` names the carrier in errors."""
    ours = {k: v for k, v in claims.items() if k in TokenClaims.model_fields}
    try:
        checked = TokenClaims.model_validate(ours)
    except ValidationError as e:
        raise UnauthorizedError(explain(e, source=source, noun="claim")) from None
    issued = checked.iat if checked.iat is not None else time.time()
    if checked.exp - issued > max_lifetime + _LEEWAY_SECONDS:
        raise UnauthorizedError(
            f"{source}: claim 'exp': lifetime longer than the allowed {max_lifetime} seconds"
        )
    return checked.user


class TokenVerifier:
    """Verifies bearer tokens with the key source the settings name (see module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._max_lifetime = settings.jwt_max_lifetime_seconds
        self._audience = settings.jwt_audience
        self._issuer = settings.jwt_issuer
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
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": list(_REQUIRED_CLAIMS),
                    # without a configured audience an identity provider's aud is not ours
                    "verify_aud": self._audience is not None,
                },
                leeway=_LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError:
            raise UnauthorizedError("token expired") from None
        except jwt.InvalidAudienceError:
            raise UnauthorizedError("token: claim 'aud': not this API's audience") from None
        except jwt.InvalidIssuerError:
            raise UnauthorizedError("token: claim 'iss': not the configured issuer") from None
        except jwt.PyJWKClientError:
            raise UnauthorizedError("token signing key not found in the key set") from None
        except jwt.InvalidTokenError as e:
            raise UnauthorizedError(f"invalid token: {type(e).__name__}") from None
        return user_from_claims(claims, self._max_lifetime)


def mint_token(
    settings: Settings, *, subject: str, org: str, role: Role | str, ttl_seconds: int = 8 * 3600
) -> str:
    """A local HS256 token signed with ``KNOOPPUNT_JWT_SECRET`` (development and tests)."""
    if ttl_seconds <= 0:
        raise ConfigurationError("--ttl must be positive")
    if ttl_seconds > settings.jwt_max_lifetime_seconds:
        raise ConfigurationError(
            f"--ttl must be at most KNOOPPUNT_JWT_MAX_LIFETIME_SECONDS "
            f"({settings.jwt_max_lifetime_seconds}); the API refuses longer-lived tokens"
        )
    now = int(time.time())
    raw = {"sub": subject, "org": org, "role": str(role), "iat": now, "exp": now + ttl_seconds}
    try:
        claims = TokenClaims.model_validate(raw).model_dump(mode="json", exclude_none=True)
    except ValidationError as e:
        raise ConfigurationError(
            "; ".join(f"--{_OPTIONS[p.key]} {p.rule}" for p in problems(e))
        ) from None
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
