"""Settings: environment names, and production mode refusing unsafe secrets."""

from __future__ import annotations

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
