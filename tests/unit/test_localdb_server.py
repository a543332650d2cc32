"""Server control without a running Neo4j: Java checks, refusals, stale state, start failures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from graph.errors import ExitCode, LocalNeo4jError
from graph.localdb import server
from graph.localdb.admin import run_admin
from graph.localdb.distribution import NEO4J_VERSION, ensure_distribution, render_pom
from graph.localdb.instance import InstancePaths, InstanceState, save_state
from graph.localdb.java import check_java, find_java, java_command, parse_java_major
from graph.localdb.process import instance_paths, log_tail, running_pid
from graph.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", instance="unit", neo4j_uri=None)


@pytest.fixture
def paths(settings: Settings) -> InstancePaths:
    p = instance_paths(settings, "unit")
    p.ensure_dirs()
    return p


def _fake_java(folder: Path, version_line: str) -> Path:
    """An executable that answers ``-version`` like a JDK of the given version."""
    folder.mkdir(parents=True, exist_ok=True)
    java = folder / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n", encoding="utf-8")
    java.chmod(0o755)
    return java


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_292"', 8),
        ('openjdk version "11.0.2" 2019-01-15', 11),
        ("no version here", None),
    ],
)
def test_parse_java_major(output: str, major: int | None) -> None:
    assert parse_java_major(output) == major


def test_old_java_is_refused_with_advice(tmp_path: Path) -> None:
    java = _fake_java(tmp_path / "jdk8" / "bin", 'java version "1.8.0_292"')
    with pytest.raises(LocalNeo4jError, match=r"Java 8; Neo4j .* needs Java 17") as info:
        check_java(str(java))
    assert info.value.exit_code == ExitCode.NEO4J_UNAVAILABLE


def test_java_17_is_accepted(tmp_path: Path) -> None:
    java = _fake_java(tmp_path / "jdk17" / "bin", 'openjdk version "17.0.15" 2025-04-15')
    assert check_java(str(java)) == 17


def test_java_home_wins_over_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = _fake_java(tmp_path / "jdk" / "bin", 'openjdk version "21" 2023-09-19')
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert find_java() == str(java)


def test_missing_java_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LocalNeo4jError, match=r"Java not found.*openjdk-17-jre-headless"):
        find_java()


def test_missing_maven_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(LocalNeo4jError, match=r"Maven \('no-such-mvn'\) not found"):
        ensure_distribution(tmp_path, mvn="no-such-mvn", log=False)


def test_failing_maven_shows_its_output(tmp_path: Path) -> None:
    mvn = tmp_path / "bin" / "mvn"
    mvn.parent.mkdir()
    mvn.write_text("#!/bin/sh\necho 'Could not transfer artifact org.neo4j:neo4j' >&2\nexit 1\n")
    mvn.chmod(0o755)
    with pytest.raises(LocalNeo4jError, match="Could not transfer artifact") as info:
        ensure_distribution(tmp_path / "home", mvn=str(mvn), log=False)
    assert "Maven Central reachable" in str(info.value)
    assert not (tmp_path / "home" / f"neo4j-{NEO4J_VERSION}").exists()


def test_complete_distribution_is_reused_without_maven(tmp_path: Path) -> None:
    root = tmp_path / f"neo4j-{NEO4J_VERSION}"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / f"neo4j-{NEO4J_VERSION}.jar").write_bytes(b"")
    (root / ".complete").write_text(json.dumps({"version": NEO4J_VERSION}))
    dist = ensure_distribution(tmp_path, mvn="no-such-mvn", log=False)
    assert dist.lib_dir == root / "lib"
    assert dist.classpath.endswith("/lib/*")


def test_pom_pins_the_community_artifact() -> None:
    pom = render_pom("5.26.30")
    assert "<artifactId>neo4j</artifactId>" in pom
    assert "<version>5.26.30</version>" in pom


def test_external_server_is_not_started_or_stopped(tmp_path: Path) -> None:
    external = Settings(
        home=tmp_path, neo4j_uri="neo4j://db.example:7687", neo4j_password=SecretStr("s3cret!!")
    )
    with pytest.raises(LocalNeo4jError, match="NEO4J_URI is set"):
        server.start(external, "x")
    with pytest.raises(LocalNeo4jError, match="NEO4J_URI is set"):
        server.stop(external, "x")
    with pytest.raises(LocalNeo4jError, match="NEO4J_URI is set"):
        run_admin(external, "x", ["--help"])


def test_never_started_instance_is_not_running(settings: Settings) -> None:
    st = server.status(settings, "fresh")
    assert not st.running
    assert st.pid is None
    assert st.uri is None
    assert not server.stop(settings, "fresh")


def test_stale_pid_file_is_ignored_and_removed(paths: InstancePaths) -> None:
    # Our own PID is alive but is not a Neo4j server of this instance.
    paths.pid_file.write_text(f"{os.getpid()}\n")
    assert running_pid(paths) is None
    assert not paths.pid_file.exists()


@pytest.fixture
def foreign_lock(paths: InstancePaths) -> Iterator[None]:
    """Another process holding the store lock, as a running Neo4j does."""
    paths.store_lock.parent.mkdir(parents=True, exist_ok=True)
    paths.store_lock.touch()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import fcntl, sys, time
                f = open({str(paths.store_lock)!r}, "r+b")
                fcntl.lockf(f.fileno(), fcntl.LOCK_EX)
                print("locked", flush=True)
                time.sleep(60)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    yield
    holder.kill()
    holder.wait()


def test_second_server_on_a_locked_store_is_refused(
    settings: Settings, paths: InstancePaths, foreign_lock: None
) -> None:
    with pytest.raises(LocalNeo4jError, match="locked by another process"):
        server.start(settings, "unit")


def test_taken_port_is_a_clear_error(settings: Settings, paths: InstancePaths) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = int(sock.getsockname()[1])
        save_state(paths, InstanceState("unit", NEO4J_VERSION, port, port + 1, "1g", "512m"))
        with pytest.raises(LocalNeo4jError, match=f"Bolt port {port} .* is taken") as info:
            server._plan_state(paths, None, sizes=None, bolt_port=port, http_port=None)
    assert "--bolt-port" in str(info.value)


def test_server_exiting_during_startup_reports_the_log(paths: InstancePaths) -> None:
    (paths.logs_dir / "neo4j.log").write_text("INFO Starting...\nERROR Invalid memory config\n")
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    state = InstanceState("unit", NEO4J_VERSION, 29999, 29998, "1g", "512m")
    with pytest.raises(LocalNeo4jError, match=r"exited during start-up \(exit 3\)") as info:
        server._wait_for_bolt(proc, paths, state, "pw", timeout=30)
    assert "ERROR Invalid memory config" in str(info.value)


def test_log_tail_without_logs_names_the_folder(paths: InstancePaths) -> None:
    assert str(paths.logs_dir) in log_tail(paths)


def test_java_command_passes_heap_and_classpath(tmp_path: Path) -> None:
    from graph.localdb.distribution import Distribution

    dist = Distribution(NEO4J_VERSION, tmp_path)
    cmd = java_command("java", dist, "org.example.Main", ["--a=b"], heap="1g")
    assert cmd[:3] == ["java", "-Xms1g", "-Xmx1g"]
    assert cmd[cmd.index("-cp") + 1] == f"{tmp_path}/lib/*"
    assert cmd[-2:] == ["org.example.Main", "--a=b"]


def test_external_server_that_does_not_answer_is_not_running(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    external = Settings(
        home=tmp_path, neo4j_uri=f"bolt://127.0.0.1:{port}", neo4j_password=SecretStr("x" * 12)
    )
    st = server.status(external)
    assert st.external
    assert not st.running
    assert st.uri == f"bolt://127.0.0.1:{port}"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from graph.settings import get_settings

    for name in ("NEO4J_URI", "NEO4J_PASSWORD", "KNOOPPUNT_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KNOOPPUNT_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_status_json_and_exit_code(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    from knooppunt.cli import main

    assert main(["db", "status", "--instance", "nothing", "--json"]) == ExitCode.NEO4J_UNAVAILABLE
    shown = json.loads(capsys.readouterr().out)
    assert shown["instance"] == "nothing"
    assert shown["running"] is False
    assert set(shown) >= {"uri", "version", "pid", "data_dir", "external"}


def test_cli_start_refuses_an_external_server(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from graph.settings import get_settings
    from knooppunt.cli import main

    monkeypatch.setenv("NEO4J_URI", "neo4j+s://abc.databases.neo4j.io")
    monkeypatch.setenv("NEO4J_PASSWORD", "not-used-here")
    get_settings.cache_clear()
    assert main(["db", "start"]) == ExitCode.NEO4J_UNAVAILABLE
    assert "NEO4J_URI is set" in capsys.readouterr().err
