"""The API's commands through the real CLI entry point: token and audit verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.audit import AuditLog
from api.auth import Role, TokenVerifier
from graph.errors import ExitCode
from graph.settings import Settings, get_settings
from knooppunt.cli import main

SECRET = "cli-test-secret-that-is-long-enough-for-hs256"
KEY = "cli-test-audit-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("KNOOPPUNT_JWT_SECRET", SECRET)
    monkeypatch.setenv("KNOOPPUNT_AUDIT_KEY", KEY)
    monkeypatch.setenv("KNOOPPUNT_AUDIT_LOG", str(tmp_path / "audit.log"))
    monkeypatch.setenv("KNOOPPUNT_HOME", str(tmp_path / "home"))  # no local Neo4j instance
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()  # later tests read the environment without these


def test_token_prints_a_verifiable_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--org", "Limburg", "--role", "coordinator", "--subject", "u7"]) == 0
    token = capsys.readouterr().out.strip()
    user = TokenVerifier(Settings(jwt_secret=SECRET)).verify(token)
    assert (user.subject, user.org, user.role) == ("u7", "Limburg", Role.COORDINATOR)


def test_token_refuses_an_unknown_region(capsys: pytest.CaptureFixture[str]) -> None:
    # A value outside the option's choices is wrong usage (2), like any other option error.
    assert main(["token", "--org", "Brabant", "--role", "analyst"]) == 2
    assert "Invalid value for '--org': must be one of: Noord," in capsys.readouterr().err


def test_audit_verify_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audit.log"
    log = AuditLog.open(path, KEY.encode())
    for n in range(5):
        log.append_sync({"kind": "request", "status": 200, "n": n})
    log.close()
    assert main(["audit", "verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["head_seq"] == 5
    lines = path.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["status"] = 403
    lines[2] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    assert main(["audit", "verify"]) == ExitCode.AUDIT_BROKEN
    assert "line 3 (seq 3): MAC mismatch" in capsys.readouterr().err
    assert main(["audit", "verify", "--log", str(tmp_path / "none.log")]) == ExitCode.AUDIT_BROKEN


def test_audit_prune_and_verify_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.audit import AuditPolicy
    from api.audit.files import segments

    path = tmp_path / "audit.log"
    log = AuditLog.open(path, KEY.encode(), AuditPolicy(rotate_bytes=300))
    for n in range(10):
        log.append_sync({"kind": "request", "status": 200, "n": n})
    log.close()
    kept = segments(path)[-1][1]
    assert main(["audit", "prune", "--json"]) == 0  # nothing is five years old
    assert json.loads(capsys.readouterr().out)["deleted"] == []
    monkeypatch.setenv("KNOOPPUNT_AUDIT_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    assert main(["audit", "prune", "--as-of", "2999-01-01", "--json"]) == 0
    pruned = json.loads(capsys.readouterr().out)
    assert pruned["deleted"]
    assert segments(path) == [(int(kept.name.rsplit(".", 1)[1]), kept)]
    assert main(["audit", "verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["anchor_seq"] == pruned["anchor_seq"] > 0
    assert any("Neo4j checkpoint not checked" in n for n in report["notes"])
    kept.unlink()  # deleted by hand, not pruned: found
    assert main(["audit", "verify", "--neo4j", "skip"]) == ExitCode.AUDIT_BROKEN
    assert "a segment deleted" in capsys.readouterr().err
    assert main(["audit", "prune"]) == ExitCode.AUDIT_BROKEN
