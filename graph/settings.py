"""One settings object for the whole project (``KNOOPPUNT_*`` and ``NEO4J_*`` variables).

Read once per process with :func:`get_settings`; pass the object (or the values taken from it)
down instead of reading the environment again. In production mode the object refuses empty or
well-known secrets, so that a deployment cannot start with the development defaults.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import ConfigurationError
from graph.validation import DOCUMENT, problems

__all__ = [
    "DEV_SECRET",
    "NEO4J_POOL_SIZE",
    "PACKAGED_GEOGRAPHY_DIR",
    "Settings",
    "describe_settings_error",
    "get_settings",
]

#: The development default for every secret; refused in production mode. Long enough (40 bytes)
#: that PyJWT's HS256 key-length check (RFC 7518: at least 32 bytes) has nothing to warn about.
DEV_SECRET = "knooppunt-development-only-not-a-secret!"  # noqa: S105 - a marker, refused in production

#: The Dutch geography shipped with the package (CBS 2024 division, CC BY 4.0; see its README).
PACKAGED_GEOGRAPHY_DIR = Path(__file__).resolve().parent / "data" / "nl_geography"


#: Connections one driver keeps at most (the driver's default, stated so that the API's metrics
#: can show how much of it is in use and its admission gate can stay below it).
NEO4J_POOL_SIZE = 100


def _default_home() -> Path:
    return Path.home() / ".cache" / "knooppunt"


class Settings(BaseSettings):
    """All configuration of Knooppunt. Environment variables win over ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="KNOOPPUNT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    mode: Literal["development", "production"] = "development"
    home: Path = Field(default_factory=_default_home, description="cache, instances, keys")
    instance: str = Field("default", pattern=r"^[a-z][a-z0-9_-]{0,31}$")

    neo4j_uri: str | None = Field(
        None, validation_alias=AliasChoices("NEO4J_URI", "KNOOPPUNT_NEO4J_URI")
    )
    neo4j_user: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_USER", "KNOOPPUNT_NEO4J_USER")
    )
    neo4j_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("NEO4J_PASSWORD", "KNOOPPUNT_NEO4J_PASSWORD")
    )
    neo4j_database: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "KNOOPPUNT_NEO4J_DATABASE")
    )
    #: Neo4j's own Docker secret (``neo4j/<password>``), read instead of NEO4J_USER/PASSWORD.
    neo4j_auth_file: Path | None = Field(
        None, validation_alias=AliasChoices("NEO4J_AUTH_FILE", "KNOOPPUNT_NEO4J_AUTH_FILE")
    )

    pseudonym_key: SecretStr | None = Field(
        None, description="HMAC key for tokens; or pseudonym_key_file"
    )
    pseudonym_key_file: Path | None = None

    jwt_secret: SecretStr = SecretStr(DEV_SECRET)
    jwt_secret_file: Path | None = None
    jwt_public_key_file: Path | None = None
    jwks_url: str | None = None
    #: The longest lifetime (``exp`` - ``iat``) a bearer token may have; longer ones are refused.
    jwt_max_lifetime_seconds: int = Field(12 * 3600, ge=60, le=7 * 24 * 3600)
    #: When set, a token must carry this audience (``aud``) / this issuer (``iss``).
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    #: Browser sessions of the workbench (``/ui/``, decision 078): the key that signs the session
    #: cookie, its CSRF token and the one-time sign-in links of ``knooppunt token --login``.
    session_secret: SecretStr = SecretStr(DEV_SECRET)
    session_secret_file: Path | None = None
    #: How long a browser session lasts (a working day); never longer than a bearer token may.
    session_lifetime_seconds: int = Field(8 * 3600, ge=60, le=7 * 24 * 3600)
    #: The session cookie's ``Secure`` flag; unset: on in production, off in development (the
    #: local API is served over plain http on 127.0.0.1).
    session_cookie_secure: bool | None = None
    #: The address users reach the API at (behind a proxy: the proxy's), for sign-in redirects
    #: and the links ``knooppunt token --login`` prints.
    public_url: str = Field("http://127.0.0.1:8000", pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")
    #: The organisation's OpenID Connect provider (authorization code with PKCE); unset: the
    #: workbench signs in only through one-time links (development).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    #: For a confidential client; a public client (PKCE only) leaves it unset.
    oidc_client_secret: SecretStr | None = None
    oidc_client_secret_file: Path | None = None
    oidc_scope: str = "openid profile"
    #: The ID token's claims that carry the organisation and the role (``docs/access.md``).
    oidc_org_claim: str = "org"
    oidc_role_claim: str = "role"
    audit_key: SecretStr = SecretStr(DEV_SECRET)
    audit_key_file: Path | None = None
    audit_log: Path | None = None
    #: Checkpoint the audit chain's head (checkpoint file, then Neo4j) after this many entries
    #: or this many seconds, whichever comes first (``docs/decisions/066``).
    audit_checkpoint_entries: int = Field(1000, ge=1)
    audit_checkpoint_seconds: float = Field(10.0, gt=0, le=3600)
    #: Rotate the active audit file into a numbered segment at this size (0: never by size) and
    #: when its first entry is of an earlier UTC day (``audit_rotate_daily``).
    audit_rotate_bytes: int = Field(64 * 1024 * 1024, ge=0)
    audit_rotate_daily: bool = True
    #: How long audit segments are kept (``knooppunt audit prune``): five years, as long as the
    #: police data whose consultations they record may be held (``docs/decisions/066``).
    audit_retention_days: int = Field(5 * 365 + 1, ge=1)
    case_reference_pattern: str = r"^[A-Z]{2,6}-\d{4}-\d{3,6}$"

    #: Application log: ``json`` (one object per line, for a log collector), ``console``
    #: (readable on a terminal), or ``auto``: console when stderr is a terminal, else JSON.
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    #: The operator's bearer token for ``/metrics``; unset: ``/metrics`` is not served (404).
    metrics_token: SecretStr | None = None
    metrics_token_file: Path | None = None

    #: The API's admission gate, per worker (``docs/api.md``, "Overload"; decision 067):
    #: requests in progress at most (each holds at most one pooled Neo4j connection at a time),
    #: requests waiting for a place at most, and how long one may wait; beyond that: 503
    #: ``overloaded`` with ``Retry-After`` at once.
    api_max_in_progress: int = Field(4, ge=1, le=NEO4J_POOL_SIZE)
    #: ``knooppunt serve``'s worker processes (unset: the CPU cores it may use); each worker
    #: writes its own audit chain, one of this many slots of its replica (decision 074).
    api_workers: int | None = Field(None, ge=1, le=64)
    #: This API replica's name in its workers' audit chains (unset: the host name); replicas
    #: must differ, so that no two ever share a chain (decision 074).
    replica: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,63}$")
    api_queue_depth: int = Field(8, ge=0, le=10_000)
    api_queue_wait_ms: int = Field(20, ge=0, le=60_000)
    #: A request still unanswered this long after it arrived is cancelled: 503
    #: ``deadline-exceeded``. Every Neo4j timeout below is shorter.
    api_request_deadline_s: float = Field(10.0, gt=0, le=600)
    #: The ``Retry-After`` (seconds) of the gate's 503s.
    api_retry_after_s: int = Field(1, ge=1, le=3600)
    #: The API's driver: TCP connect and Bolt handshake; waiting for a pooled connection (the
    #: connect included); one query (the server's transaction timeout, and the client's bound).
    neo4j_connection_timeout_s: float = Field(2.0, gt=0, le=600)
    neo4j_acquisition_timeout_s: float = Field(3.0, gt=0, le=600)
    neo4j_query_timeout_s: float = Field(5.0, gt=0, le=600)

    geography_dir: Path = Field(
        PACKAGED_GEOGRAPHY_DIR,
        description="PC4 and municipality tables; default: the ones shipped with the package",
    )

    @model_validator(mode="after")
    def _read_secret_files(self) -> Settings:
        """Read the ``*_FILE`` secrets (Docker secrets); a value and a file for one secret clash.

        Runs before the production check below (validators run in the order they are defined).
        """
        for name in _SECRET_FILES:
            path: Path | None = getattr(self, f"{name}_file")
            if path is None:
                continue
            if name in self.model_fields_set:
                raise ValueError(
                    f"KNOOPPUNT_{name.upper()} and KNOOPPUNT_{name.upper()}_FILE are both set: "
                    "set one"
                )
            setattr(self, name, SecretStr(_read_secret(path, f"KNOOPPUNT_{name.upper()}_FILE")))
        if self.neo4j_auth_file is not None:
            if "neo4j_password" in self.model_fields_set:
                raise ValueError("NEO4J_PASSWORD and NEO4J_AUTH_FILE are both set: set one")
            user, slash, password = _read_secret(self.neo4j_auth_file, "NEO4J_AUTH_FILE").partition(
                "/"
            )
            if not slash or not user or not password:
                raise ValueError(
                    f"NEO4J_AUTH_FILE {self.neo4j_auth_file}: not of the form <user>/<password>"
                )
            self.neo4j_user = user
            self.neo4j_password = SecretStr(password)
        return self

    @model_validator(mode="after")
    def _timeouts_inside_the_deadline(self) -> Settings:
        """A Neo4j wait longer than the request's deadline would be cut by the deadline (a 503
        without the driver cleaning up); the acquisition includes the connect."""
        deadline = self.api_request_deadline_s
        if not self.neo4j_connection_timeout_s < self.neo4j_acquisition_timeout_s:
            raise ValueError(
                "KNOOPPUNT_NEO4J_CONNECTION_TIMEOUT_S must be shorter than "
                "KNOOPPUNT_NEO4J_ACQUISITION_TIMEOUT_S"
            )
        for name in ("neo4j_acquisition_timeout_s", "neo4j_query_timeout_s"):
            if not getattr(self, name) < deadline:
                raise ValueError(
                    f"KNOOPPUNT_{name.upper()} must be shorter than "
                    "KNOOPPUNT_API_REQUEST_DEADLINE_S"
                )
        return self

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        # Compose passes unset variables as empty strings.
        self.oidc_issuer = self.oidc_issuer or None
        self.oidc_client_id = self.oidc_client_id or None
        if self.oidc_issuer and not re.fullmatch(r"https?://\S+", self.oidc_issuer):
            raise ValueError("KNOOPPUNT_OIDC_ISSUER must be an http(s) URL")
        if self.oidc_issuer and not self.oidc_client_id:
            raise ValueError("KNOOPPUNT_OIDC_CLIENT_ID must be set with KNOOPPUNT_OIDC_ISSUER")
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.mode != "production":
            return self
        problems: list[str] = []
        if not self.neo4j_uri:
            problems.append("NEO4J_URI must be set in production")
        if self.neo4j_password is None or self.neo4j_password.get_secret_value() in ("", "neo4j"):
            problems.append("NEO4J_PASSWORD must be set and not the default")
        for name in ("jwt_secret", "audit_key", "session_secret"):
            value: SecretStr = getattr(self, name)
            secret = value.get_secret_value()
            if name == "jwt_secret" and (self.jwt_public_key_file or self.jwks_url):
                continue
            if not secret or secret == DEV_SECRET or len(secret) < 32:
                problems.append(f"KNOOPPUNT_{name.upper()} must be set (32+ characters)")
        if self.metrics_token is not None:
            token = self.metrics_token.get_secret_value()
            if token == DEV_SECRET or len(token) < 32:
                problems.append("KNOOPPUNT_METRICS_TOKEN must have 32+ characters (or be unset)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def instance_dir(self, instance: str | None = None) -> Path:
        """Directory that holds one local Neo4j instance (data, logs, conf, password)."""
        return self.home / "instances" / (instance or self.instance)

    def require_geography_dir(self) -> Path:
        """The geography folder, or a clear error saying how to point to it."""
        if not self.geography_dir.is_dir():
            raise ConfigurationError(
                "Dutch geography not found: KNOOPPUNT_GEOGRAPHY_DIR must name a folder holding "
                "pc4_gemeente_2024.csv and gemeente_politie_eenheid_2024.csv (unset it to use "
                "the tables shipped with the package)"
            )
        return self.geography_dir


#: Secrets that may come from a file named by ``KNOOPPUNT_<NAME>_FILE`` (Docker secrets).
_SECRET_FILES: tuple[str, ...] = (
    "jwt_secret",
    "audit_key",
    "metrics_token",
    "session_secret",
    "oidc_client_secret",
)


def _read_secret(path: Path, variable: str) -> str:
    """A secret file's text with one trailing newline stripped; errors name the variable and the
    file, never the content."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise ValueError(f"{variable} {path}: cannot read the secret file ({reason})") from e
    secret = text.removesuffix("\n").removesuffix("\r")
    if not secret:
        raise ValueError(f"{variable} {path}: the secret file is empty")
    return secret


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once; a configuration error names what is wrong."""
    try:
        return Settings()
    except ValidationError as e:
        raise ConfigurationError(f"invalid settings: {describe_settings_error(e)}") from None


def describe_settings_error(error: ValidationError) -> str:
    """The problems of a :class:`ValidationError` by setting name and rule, without the input
    (pydantic's own text repeats the input, which holds the secrets); see
    :mod:`graph.validation`."""
    return "; ".join(p.rule if p.key == DOCUMENT else f"{p.key}: {p.rule}" for p in problems(error))
