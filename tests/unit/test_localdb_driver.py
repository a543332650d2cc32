"""Which server the driver talks to, and the errors when it cannot."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pydantic import SecretStr

from graph.driver import connect, connection_info
from graph.errors import ConfigurationError, Neo4jUnavailableError
from graph.localdb.instance import InstancePaths, InstanceState, create_password, save_state
from graph.settings import Settings


def _local(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, instance="unit", neo4j_uri=None)


def test_external_server_from_settings(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        neo4j_uri="neo4j+s://abc.databases.neo4j.io",
        neo4j_user="reader",
        neo4j_password=SecretStr("pa55word!"),
        neo4j_database="knooppunt",
    )
    info = connection_info(settings)
    assert (info.uri, info.user, info.password, info.database) == (
        "neo4j+s://abc.databases.neo4j.io",
        "reader",
        "pa55word!",
        "knooppunt",
    )
    assert info.external
    assert "pa55word!" not in repr(info)


def test_external_server_without_password_is_refused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, neo4j_uri="bolt://db:7687", neo4j_password=None)
    with pytest.raises(ConfigurationError, match="NEO4J_PASSWORD is not"):
        connection_info(settings)


def test_local_instance_never_started(tmp_path: Path) -> None:
    with pytest.raises(Neo4jUnavailableError, match="knooppunt db start --instance other"):
        connection_info(_local(tmp_path), "other")


def test_local_instance_uses_recorded_port_and_password(tmp_path: Path) -> None:
    settings = _local(tmp_path)
    paths = InstancePaths("unit", settings.instance_dir("unit"))
    save_state(paths, InstanceState("unit", "5.26.30", 21234, 21235, "1g", "512m"))
    password = create_password(paths)
    info = connection_info(settings)
    assert info.uri == "bolt://127.0.0.1:21234"
    assert (info.user, info.password, info.instance) == ("neo4j", password, "unit")
    assert not info.external


def test_connect_to_a_silent_port_says_how_to_start(tmp_path: Path) -> None:
    settings = _local(tmp_path)
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    paths = InstancePaths("unit", settings.instance_dir("unit"))
    save_state(paths, InstanceState("unit", "5.26.30", port, port + 1, "1g", "512m"))
    create_password(paths)
    with pytest.raises(Neo4jUnavailableError, match="knooppunt db start --instance unit"):
        connect(settings)
