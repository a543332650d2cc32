"""A throwaway instance through its whole life: start, stop, offline import, restart, stop.

Uses its own instance (``<test instance>-life``), never the shared test instance, and removes
it at the end.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.driver import connect
from graph.errors import LocalNeo4jError
from graph.localdb import server
from graph.localdb.admin import run_admin
from graph.localdb.instance import MemorySizes, load_state
from graph.localdb.process import instance_paths
from graph.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def life(neo4j_settings: Settings, test_instance: str) -> Iterator[tuple[Settings, str]]:
    if neo4j_settings.neo4j_uri:
        pytest.skip("NEO4J_URI is set: local instances are not used")
    name = f"{test_instance}-life"[:32]
    root = neo4j_settings.instance_dir(name)
    shutil.rmtree(root, ignore_errors=True)
    yield neo4j_settings, name
    server.stop(neo4j_settings, name, force=True)
    shutil.rmtree(root, ignore_errors=True)


def _count(settings: Settings, name: str) -> int:
    with connect(settings, name) as driver:
        records = driver.execute_query("MATCH (n:Person) RETURN count(n) AS c").records
    return int(records[0]["c"])


def test_start_stop_import_restart(life: tuple[Settings, str], tmp_path: Path) -> None:
    settings, name = life
    small = MemorySizes(heap="512m", pagecache="128m")
    st = server.start(settings, name, sizes=small)
    assert st.running
    assert not st.already_running
    assert st.heap == "512m"
    assert _count(settings, name) == 0

    assert server.stop(settings, name)
    after = server.status(settings, name)
    assert not after.running
    assert after.pid is None
    assert not server.stop(settings, name)  # stopping twice is harmless

    nodes = tmp_path / "persons.csv"
    nodes.write_text("id:ID,name\np1,A\np2,B\np3,C\n", encoding="utf-8")
    code = run_admin(
        settings,
        name,
        [
            "database",
            "import",
            "full",
            "neo4j",
            "--overwrite-destination",
            f"--nodes=Person={nodes}",
        ],
    )
    assert code == 0

    again = server.start(settings, name)  # sizes and ports are remembered
    assert again.uri == st.uri
    assert again.heap == "512m"
    assert _count(settings, name) == 3


def test_taken_port_stops_the_start(life: tuple[Settings, str]) -> None:
    settings, name = life
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = int(sock.getsockname()[1])
        with pytest.raises(LocalNeo4jError, match=f"Bolt port {port}"):
            server.start(settings, name, bolt_port=port)
    # Nothing was recorded or started: the next start picks its own port.
    assert load_state(instance_paths(settings, name)) is None
    assert not server.status(settings, name).running
