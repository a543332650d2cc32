"""The local Neo4j as other code meets it: Bolt answers, status is truthful, no double start."""

from __future__ import annotations

from pathlib import Path

import neo4j
import pytest
from pydantic import SecretStr

from graph.driver import connect, connection_info
from graph.errors import ConfigurationError, LocalNeo4jError
from graph.localdb import server
from graph.localdb.instance import InstancePaths, load_state
from graph.localdb.process import instance_paths, running_pid
from graph.schema import apply_schema
from graph.settings import Settings


@pytest.fixture
def local_settings(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> Settings:
    """The test settings, their server running; skips where tests use an external NEO4J_URI."""
    if neo4j_settings.neo4j_uri:
        pytest.skip("local instance only")
    return neo4j_settings


def test_return_one_through_the_driver(neo4j_driver: neo4j.Driver) -> None:
    records = neo4j_driver.execute_query("RETURN 1 AS one").records
    assert [r["one"] for r in records] == [1]


def test_status_reports_the_running_server(local_settings: Settings, test_instance: str) -> None:
    st = server.status(local_settings, test_instance)
    assert st.running
    assert st.pid is not None
    assert st.version is not None
    assert st.version.startswith("5.26.")
    assert st.uri == connection_info(local_settings, test_instance).uri
    assert st.uri is not None
    assert st.uri.startswith("bolt://127.0.0.1:")
    assert st.data_dir == str(local_settings.instance_dir(test_instance) / "data")


def test_second_start_reports_the_running_server(
    local_settings: Settings, test_instance: str
) -> None:
    before = server.status(local_settings, test_instance)
    again = server.start(local_settings, test_instance)
    assert again.already_running
    assert again.pid == before.pid


def test_wrong_password_is_refused(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> None:
    info = connection_info(neo4j_settings, neo4j_settings.instance)
    with (
        neo4j.GraphDatabase.driver(info.uri, auth=(info.user, info.password + "x")) as bad,
        pytest.raises(neo4j.exceptions.AuthError),
    ):
        bad.verify_connectivity()


def test_listens_on_loopback_only(local_settings: Settings, test_instance: str) -> None:
    paths = InstancePaths(test_instance, local_settings.instance_dir(test_instance))
    state = load_state(paths)
    assert state is not None
    conf = paths.conf_file.read_text(encoding="utf-8")
    assert f"server.bolt.listen_address=127.0.0.1:{state.bolt_port}" in conf
    assert "dbms.security.auth_enabled=true" in conf
    with connect(local_settings, test_instance) as driver:
        driver.verify_connectivity()


def test_running_server_used_through_neo4j_uri(
    neo4j_driver: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    """The same server configured as an external one: status and init work, start refuses."""
    info = connection_info(neo4j_settings, test_instance)
    external = Settings(
        home=tmp_path, neo4j_uri=info.uri, neo4j_user=info.user, neo4j_password=info.password
    )
    st = server.status(external)
    assert st.external
    assert st.running
    assert st.pid is None
    assert apply_schema(neo4j_driver, database=external.neo4j_database) == 0
    with connect(external) as driver:
        assert driver.execute_query("RETURN 1 AS one").records[0]["one"] == 1
    with pytest.raises(LocalNeo4jError, match="NEO4J_URI is set"):
        server.start(external)
    wrong = external.model_copy(update={"neo4j_password": SecretStr(info.password + "x")})
    with pytest.raises(ConfigurationError, match="refused"):
        server.status(wrong)
    with pytest.raises(ConfigurationError, match="refused the credentials"):
        connect(wrong)


def test_lost_pid_file_does_not_allow_a_second_server(
    local_settings: Settings, test_instance: str
) -> None:
    paths = instance_paths(local_settings, test_instance)
    pid = running_pid(paths)
    assert pid is not None
    paths.pid_file.unlink()
    again = server.start(local_settings, test_instance)
    assert again.already_running
    assert again.pid == pid
    assert paths.pid_file.read_text(encoding="utf-8").strip() == str(pid)
