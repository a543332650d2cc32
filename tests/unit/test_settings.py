"""Settings: environment names, and production mode refusing unsafe secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ConfigurationError
from graph.settings import DEV_SECRET, Settings, get_settings

STRONG = "x" * 40


def test_neo4j_variables_are_read_without_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://example.databases.neo4j.io")
    monkeypatch.setenv("NEO4J_USER", "analyst")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret")
    monkeypatch.setenv("NEO4J_DATABASE", "knooppunt")
    settings = Settings(_env_file=None)
    assert settings.neo4j_uri == "neo4j+s://example.databases.neo4j.io"
    assert settings.neo4j_user == "analyst"
    assert settings.neo4j_password is not None
    assert settings.neo4j_password.get_secret_value() == "s3cret"
    assert settings.neo4j_database == "knooppunt"


def test_development_mode_accepts_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    settings = Settings(_env_file=None)
    assert settings.mode == "development"
    assert settings.jwt_secret.get_secret_value() == DEV_SECRET


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({}, "NEO4J_URI"),
        ({"NEO4J_URI": "bolt://db:7687", "NEO4J_PASSWORD": "neo4j"}, "NEO4J_PASSWORD"),
        (
            {"NEO4J_URI": "bolt://db", "NEO4J_PASSWORD": STRONG, "KNOOPPUNT_AUDIT_KEY": STRONG},
            "KNOOPPUNT_JWT_SECRET",
        ),
        (
            {"NEO4J_URI": "bolt://db", "NEO4J_PASSWORD": STRONG, "KNOOPPUNT_JWT_SECRET": STRONG},
            "KNOOPPUNT_AUDIT_KEY",
        ),
    ],
)
def test_production_refuses_default_or_empty_secrets(
    monkeypatch: pytest.MonkeyPatch, overrides: dict[str, str], complaint: str
) -> None:
    monkeypatch.setenv("KNOOPPUNT_MODE", "production")
    for name in ("NEO4J_URI", "NEO4J_PASSWORD", "KNOOPPUNT_JWT_SECRET", "KNOOPPUNT_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=complaint):
        Settings(_env_file=None)


def test_production_accepts_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOOPPUNT_MODE", "production")
    monkeypatch.setenv("NEO4J_URI", "neo4j://cluster:7687")
    monkeypatch.setenv("NEO4J_PASSWORD", STRONG)
    monkeypatch.setenv("KNOOPPUNT_JWT_SECRET", STRONG)
    monkeypatch.setenv("KNOOPPUNT_AUDIT_KEY", STRONG)
    monkeypatch.setenv("KNOOPPUNT_SESSION_SECRET", STRONG)
    assert Settings(_env_file=None).mode == "production"


def test_get_settings_wraps_errors_in_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOOPPUNT_MODE", "production")
    monkeypatch.delenv("NEO4J_URI", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="NEO4J_URI"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_secrets_come_from_files_as_docker_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "neo4j_auth").write_text("neo4j/" + "p" * 20 + "\n", encoding="utf-8")
    (tmp_path / "jwt").write_text("j" * 40 + "\n", encoding="utf-8")
    (tmp_path / "audit").write_text("a" * 40, encoding="utf-8")
    (tmp_path / "session").write_text("s" * 40 + "\n", encoding="utf-8")
    for name in ("NEO4J_USER", "NEO4J_PASSWORD", "KNOOPPUNT_JWT_SECRET", "KNOOPPUNT_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KNOOPPUNT_MODE", "production")
    monkeypatch.setenv("NEO4J_URI", "bolt://neo4j:7687")
    monkeypatch.setenv("NEO4J_AUTH_FILE", str(tmp_path / "neo4j_auth"))
    monkeypatch.setenv("KNOOPPUNT_JWT_SECRET_FILE", str(tmp_path / "jwt"))
    monkeypatch.setenv("KNOOPPUNT_AUDIT_KEY_FILE", str(tmp_path / "audit"))
    monkeypatch.setenv("KNOOPPUNT_SESSION_SECRET_FILE", str(tmp_path / "session"))
    settings = Settings(_env_file=None)
    assert settings.neo4j_user == "neo4j"
    assert settings.neo4j_password is not None
    assert settings.neo4j_password.get_secret_value() == "p" * 20
    assert settings.jwt_secret.get_secret_value() == "j" * 40
    assert settings.audit_key.get_secret_value() == "a" * 40
    assert settings.session_secret.get_secret_value() == "s" * 40


def test_a_short_secret_from_a_file_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "jwt").write_text("short\n", encoding="utf-8")
    monkeypatch.setenv("KNOOPPUNT_MODE", "production")
    monkeypatch.setenv("NEO4J_URI", "bolt://neo4j:7687")
    monkeypatch.setenv("NEO4J_PASSWORD", STRONG)
    monkeypatch.setenv("KNOOPPUNT_AUDIT_KEY", STRONG)
    monkeypatch.delenv("KNOOPPUNT_JWT_SECRET", raising=False)
    monkeypatch.setenv("KNOOPPUNT_JWT_SECRET_FILE", str(tmp_path / "jwt"))
    with pytest.raises(ValueError, match="KNOOPPUNT_JWT_SECRET must be set"):
        Settings(_env_file=None)


@pytest.mark.parametrize(
    ("variable", "content", "complaint"),
    [
        ("NEO4J_AUTH_FILE", "only-a-password\n", "<user>/<password>"),
        ("NEO4J_AUTH_FILE", "", "empty"),
        ("KNOOPPUNT_AUDIT_KEY_FILE", None, "cannot read"),
    ],
)
def test_a_bad_secret_file_is_named_without_its_content(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    variable: str,
    content: str | None,
    complaint: str,
) -> None:
    path = tmp_path / "secret"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.setenv(variable, str(path))
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError) as caught:
            get_settings()
    finally:
        get_settings.cache_clear()
    message = str(caught.value)
    assert complaint in message
    assert variable in message
    assert str(path) in message
    assert "only-a-password" not in message


def test_a_value_and_a_file_for_one_secret_clash_and_the_error_hides_the_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "jwt").write_text("j" * 40, encoding="utf-8")
    monkeypatch.setenv("KNOOPPUNT_JWT_SECRET", "the-secret-value-" + "v" * 20)
    monkeypatch.setenv("KNOOPPUNT_JWT_SECRET_FILE", str(tmp_path / "jwt"))
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="both set") as caught:
            get_settings()
    finally:
        get_settings.cache_clear()
    assert "the-secret-value" not in str(caught.value)
    assert "j" * 40 not in str(caught.value)


def test_production_refuses_the_default_session_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOOPPUNT_MODE", "production")
    monkeypatch.setenv("NEO4J_URI", "bolt://db:7687")
    monkeypatch.setenv("NEO4J_PASSWORD", STRONG)
    monkeypatch.setenv("KNOOPPUNT_JWT_SECRET", STRONG)
    monkeypatch.setenv("KNOOPPUNT_AUDIT_KEY", STRONG)
    monkeypatch.delenv("KNOOPPUNT_SESSION_SECRET", raising=False)
    with pytest.raises(ValueError, match="KNOOPPUNT_SESSION_SECRET must be set"):
        Settings(_env_file=None)


def test_an_identity_provider_needs_a_client_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOOPPUNT_OIDC_ISSUER", "https://login.example.org/realms/riec")
    monkeypatch.delenv("KNOOPPUNT_OIDC_CLIENT_ID", raising=False)
    with pytest.raises(ValueError, match="KNOOPPUNT_OIDC_CLIENT_ID must be set"):
        Settings(_env_file=None)
