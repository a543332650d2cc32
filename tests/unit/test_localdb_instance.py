"""Instance files without a server: sizes, conf, ports, password file, recorded state."""

from __future__ import annotations

import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.errors import LocalNeo4jError
from graph.localdb.instance import (
    DEFAULT_SIZES,
    OTHER_SIZES,
    PORT_RANGE,
    InstancePaths,
    InstanceState,
    MemorySizes,
    allocate_port,
    create_password,
    default_sizes,
    list_instances,
    load_state,
    parse_size,
    port_is_free,
    read_password,
    recorded_ports,
    render_conf,
    save_state,
)


@pytest.fixture
def paths(tmp_path: Path) -> InstancePaths:
    return InstancePaths("unit", tmp_path / "instances" / "unit")


@pytest.fixture
def state() -> InstanceState:
    return InstanceState("unit", "5.26.30", 21001, 21002, "1g", "512m")


@pytest.fixture
def listening() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("text", "expected"), [("512m", 512 * 1024**2), ("4g", 4 * 1024**3), (" 2G ", 2 * 1024**3)]
)
def test_parse_size_accepts_jvm_sizes(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "4", "4gb", "-1g", "0m", "1.5g", "lots"])
def test_parse_size_refuses_anything_else(text: str) -> None:
    with pytest.raises(LocalNeo4jError, match="not understood"):
        parse_size(text)


def test_heap_below_256m_is_refused() -> None:
    with pytest.raises(LocalNeo4jError, match="too small"):
        MemorySizes(heap="128m", pagecache="64m")


def test_demo_instance_is_large_others_small() -> None:
    assert default_sizes("default") == DEFAULT_SIZES
    assert default_sizes("test") == OTHER_SIZES
    assert parse_size(OTHER_SIZES.heap) < parse_size(DEFAULT_SIZES.heap)
    # Both fit a 24 GB machine together with a few small instances.
    assert parse_size(DEFAULT_SIZES.heap) + parse_size(DEFAULT_SIZES.pagecache) <= 8 * 1024**3


def test_conf_listens_on_loopback_with_auth_and_local_dirs(
    paths: InstancePaths, state: InstanceState, tmp_path: Path
) -> None:
    conf = render_conf(paths, state, lib_dir=tmp_path / "lib")
    settings = dict(
        line.split("=", 1) for line in conf.splitlines() if line and not line.startswith("#")
    )
    assert settings["server.default_listen_address"] == "127.0.0.1"
    assert settings["server.bolt.listen_address"] == "127.0.0.1:21001"
    assert settings["server.http.listen_address"] == "127.0.0.1:21002"
    assert settings["server.https.enabled"] == "false"
    assert settings["dbms.security.auth_enabled"] == "true"
    assert settings["server.memory.pagecache.size"] == "512m"
    # Query timeouts end within the API's client margin (decision 067).
    assert settings["db.transaction.monitor.check.interval"] == "100ms"
    assert settings["server.directories.data"] == str(paths.data_dir)
    assert settings["server.directories.logs"] == str(paths.logs_dir)
    for key, value in settings.items():
        if key.startswith("server.directories."):
            assert Path(value).is_relative_to(tmp_path), key
    # Heap goes to the JVM as -Xms/-Xmx; the server would ignore it in the conf.
    assert not any(key.startswith("server.memory.heap") for key in settings)
    assert not any(value.startswith("0.0.0.0") for value in settings.values())  # noqa: S104


def test_password_file_is_private_and_readable(paths: InstancePaths) -> None:
    password = create_password(paths)
    assert len(password) >= 24
    assert not password.startswith("-")
    assert stat.S_IMODE(paths.password_file.stat().st_mode) == 0o600
    assert read_password(paths) == password


def test_password_is_never_overwritten(paths: InstancePaths) -> None:
    create_password(paths)
    with pytest.raises(FileExistsError):
        create_password(paths)


def test_password_readable_by_others_is_refused(paths: InstancePaths) -> None:
    create_password(paths)
    paths.password_file.chmod(0o644)
    with pytest.raises(LocalNeo4jError, match="chmod 600"):
        read_password(paths)


def test_missing_password_says_how_to_start(paths: InstancePaths) -> None:
    with pytest.raises(LocalNeo4jError, match="knooppunt db start --instance unit"):
        read_password(paths)


def test_state_round_trip(paths: InstancePaths, state: InstanceState) -> None:
    assert load_state(paths) is None
    save_state(paths, state)
    assert load_state(paths) == state
    assert list_instances(paths.root.parent.parent) == ["unit"]
    assert recorded_ports(paths.root.parent.parent) == {21001, 21002}


def test_corrupt_state_is_a_clear_error(paths: InstancePaths) -> None:
    paths.root.mkdir(parents=True)
    paths.state_file.write_text('{"name": "unit"}', encoding="utf-8")
    with pytest.raises(LocalNeo4jError, match=r"instance\.json lacks a valid field"):
        load_state(paths)


def test_changed_sizes_are_remembered(state: InstanceState) -> None:
    changed = state.with_changes(sizes=MemorySizes("2g", "1g"))
    assert (changed.heap, changed.pagecache, changed.bolt_port) == ("2g", "1g", 21001)


def test_port_allocation_is_stable_per_name_and_in_range() -> None:
    first = allocate_port("some-instance")
    assert PORT_RANGE[0] <= first <= PORT_RANGE[1]
    assert allocate_port("some-instance") == first
    assert allocate_port("some-instance", frozenset({first})) != first


def test_port_in_use_is_not_free(listening: int) -> None:
    assert not port_is_free(listening)


def test_port_in_use_is_skipped() -> None:
    preferred = allocate_port("busy-instance")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", preferred))
        sock.listen(1)
        other = allocate_port("busy-instance")
    assert other != preferred
    assert port_is_free(other)
