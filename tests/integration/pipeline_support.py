"""The tiny preset through the project's own commands, for the tests that read a real
pipeline's results (imported by each such test module as a pytest plugin)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import neo4j
import pytest

from graph.settings import Settings
from tests.integration.conftest import wipe

__all__ = ["knooppunt", "pipeline"]


def knooppunt(*args: str) -> None:
    """Run ``knooppunt ARGS`` of this environment; fails the test with its output."""
    command = [str(Path(sys.executable).parent / "knooppunt"), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, f"{' '.join(args)}: {done.stdout[-2000:]}{done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def pipeline(
    neo4j_driver: neo4j.Driver,
    neo4j_settings: Settings,
    test_instance: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> neo4j.Driver:
    """The tiny preset (seed 7), ingested and analysed into the (wiped) test instance."""
    if neo4j_settings.neo4j_uri is not None:
        pytest.skip("wipes the database; NEO4J_URI points at a server tests must not wipe")
    wipe(neo4j_driver, database=neo4j_settings.neo4j_database)
    out = tmp_path_factory.mktemp("tiny")
    knooppunt("generate", "--preset", "tiny", "--seed", "7", "--out", str(out))
    knooppunt("ingest", str(out), "--instance", test_instance)
    knooppunt("analyse", "--instance", test_instance)
    return neo4j_driver
