"""The audit chain's checkpoint in Neo4j (decision 066): written by the running API, read by
``knooppunt audit verify`` and at start, where a log behind it refuses the start."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.audit import SignedHead, verify_log
from api.audit.files import checkpoint_path, read_head
from api.audit.remote import read_checkpoint, store_checkpoint
from api.errors import AuditBrokenError
from graph.driver import connect_async
from graph.errors import ExitCode
from graph.settings import Settings, get_settings
from knooppunt.cli import main
from tests.integration.api_seed import AUDIT_KEY, JWT_SECRET

KEY = AUDIT_KEY.encode()


@pytest.fixture
def settings(neo4j_settings: Settings, neo4j_driver: neo4j.Driver, tmp_path: Path) -> Settings:
    """The API's settings with a log of its own chain id (its file name) and checkpoints after
    every two entries."""
    return neo4j_settings.model_copy(
        update={
            "jwt_secret": SecretStr(JWT_SECRET),
            "audit_key": SecretStr(AUDIT_KEY),
            "audit_log": tmp_path / f"audit-{uuid.uuid4().hex[:8]}.log",
            "audit_checkpoint_entries": 2,
        }
    )


def _requests(settings: Settings, n: int) -> None:
    with TestClient(create_app(settings)) as client:
        for _ in range(n):
            assert client.get("/alerts").status_code == 401  # refused requests are audited too


def test_the_api_checkpoints_into_neo4j_and_refuses_a_log_behind_it(
    settings: Settings,
    neo4j_driver: neo4j.Driver,
    test_instance: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = settings.audit_log
    assert path is not None
    _requests(settings, 5)
    stored = read_checkpoint(neo4j_driver, settings.neo4j_database, path.name)
    assert stored is not None
    assert stored.seq == 5
    assert stored == read_head(checkpoint_path(path), "checkpoint")
    assert verify_log(path, KEY, neo4j_checkpoint=stored).ok

    # The tail cut, with a checkpoint file that matches the cut log (a restored backup): the
    # file alone no longer tells, Neo4j still does.
    lines = path.read_text().splitlines()[:-2]
    path.write_text("\n".join(lines) + "\n")
    restored = SignedHead.signed(
        KEY, "checkpoint", chain=path.name, seq=3, mac=json.loads(lines[-1])["mac"], segment=""
    )
    checkpoint_path(path).write_text(json.dumps(restored.as_dict()))
    assert verify_log(path, KEY).ok
    with pytest.raises(AuditBrokenError, match=r"ends at seq 3 but the Neo4j checkpoint"):
        _requests(settings, 1)

    monkeypatch.setenv("KNOOPPUNT_AUDIT_KEY", AUDIT_KEY)
    monkeypatch.setenv("KNOOPPUNT_HOME", str(settings.home))
    get_settings.cache_clear()
    try:
        args = ["audit", "verify", "--log", str(path), "--instance", test_instance, "--json"]
        assert main([*args, "--neo4j", "require"]) == ExitCode.AUDIT_BROKEN
        report = json.loads(capsys.readouterr().out)
        assert report["neo4j_checkpoint_seq"] == 5
        assert any("Neo4j checkpoint records seq 5" in p for p in report["problems"])
        assert main([*args, "--neo4j", "skip"]) == ExitCode.OK
    finally:
        get_settings.cache_clear()


def test_the_neo4j_checkpoint_only_moves_forward(
    settings: Settings, neo4j_driver: neo4j.Driver
) -> None:
    path = settings.audit_log
    assert path is not None
    _requests(settings, 3)

    low = SignedHead.signed(KEY, "checkpoint", chain=path.name, seq=1, mac="00" * 32, segment="")

    async def store() -> None:
        driver = connect_async(settings)
        try:
            await store_checkpoint(driver, settings.neo4j_database, low)
        finally:
            await driver.close()

    asyncio.run(store())
    stored = read_checkpoint(neo4j_driver, settings.neo4j_database, path.name)
    assert stored is not None
    assert stored.seq == 3
