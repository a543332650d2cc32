"""Start, stop and inspect the project's own Neo4j server processes, and run the admin tool.

The server is ``org.neo4j.server.CommunityEntryPoint`` from the Maven jars (see
:mod:`graph.localdb.distribution`), started detached with ``-Xms``/``-Xmx`` and the generated
``neo4j.conf``; :func:`start` returns once Bolt answers. A PID file plus the process's command
line tell a running instance apart from a stale file, and Neo4j's own store lock guards
against a second server on the same data directory.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import neo4j
import psutil
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from graph.errors import ConfigurationError, LocalNeo4jError
from graph.localdb.distribution import (
    ADMIN_MAIN_CLASS,
    NEO4J_VERSION,
    SERVER_MAIN_CLASS,
    Distribution,
    ensure_distribution,
)
from graph.localdb.instance import (
    InstancePaths,
    InstanceState,
    MemorySizes,
    allocate_port,
    create_password,
    default_sizes,
    load_state,
    port_is_free,
    read_password,
    recorded_ports,
    render_conf,
    save_state,
)
from graph.settings import Settings

__all__ = [
    "MIN_JAVA",
    "InstanceStatus",
    "check_java",
    "find_java",
    "instance_paths",
    "java_command",
    "log_tail",
    "run_admin",
    "running_pid",
    "start",
    "status",
    "stop",
]

#: Neo4j 5.26 runs on Java 17 or 21.
MIN_JAVA = 17

#: JVM flags of Neo4j's own launcher (``server.jvm.additional`` in the shipped neo4j.conf).
JVM_FLAGS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)

_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


@dataclass(frozen=True)
class InstanceStatus:
    """What ``knooppunt db status`` reports (also its ``--json`` keys)."""

    instance: str
    external: bool
    running: bool
    uri: str | None
    version: str | None
    pid: int | None
    data_dir: str | None
    logs_dir: str | None
    http_port: int | None
    heap: str | None
    pagecache: str | None
    already_running: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "instance": self.instance,
            "external": self.external,
            "running": self.running,
            "uri": self.uri,
            "version": self.version,
            "pid": self.pid,
            "data_dir": self.data_dir,
            "logs_dir": self.logs_dir,
            "http_port": self.http_port,
            "heap": self.heap,
            "pagecache": self.pagecache,
        }


def instance_paths(settings: Settings, instance: str | None = None) -> InstancePaths:
    name = instance or settings.instance
    return InstancePaths(name=name, root=settings.instance_dir(name))


# --- java -------------------------------------------------------------------------------------


def find_java() -> str:
    """The ``java`` to use: ``$JAVA_HOME/bin/java`` if set, else the one on ``PATH``."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise LocalNeo4jError(
            f"Java not found: Neo4j {NEO4J_VERSION} needs Java {MIN_JAVA} or 21 "
            "(Debian: apt-get install openjdk-17-jre-headless), or set JAVA_HOME"
        )
    return found


def parse_java_major(version_output: str) -> int | None:
    """The major version from ``java -version`` output (``1.8`` counts as 8)."""
    match = _JAVA_VERSION.search(version_output)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):
        major = int(match.group(2))
    return major


def check_java(java: str) -> int:
    """The major version of ``java``; an error when it cannot run or is older than 17."""
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as e:
        raise LocalNeo4jError(f"cannot run {java}: {e}") from e
    major = parse_java_major(done.stderr + done.stdout)
    if done.returncode != 0 or major is None:
        raise LocalNeo4jError(f"{java} -version failed: {(done.stderr or done.stdout).strip()}")
    if major < MIN_JAVA:
        raise LocalNeo4jError(
            f"{java} is Java {major}; Neo4j {NEO4J_VERSION} needs Java {MIN_JAVA} or 21 "
            "(install openjdk-17-jre-headless or set JAVA_HOME)"
        )
    return major


def java_command(
    java: str, dist: Distribution, main_class: str, args: Sequence[str], heap: str | None = None
) -> list[str]:
    """The command line that runs ``main_class`` from the Neo4j jars."""
    memory = [f"-Xms{heap}", f"-Xmx{heap}"] if heap else []
    return [java, *memory, *JVM_FLAGS, "-cp", dist.classpath, main_class, *args]


# --- process state --------------------------------------------------------------------------


def _is_our_server(proc: psutil.Process, paths: InstancePaths) -> bool:
    try:
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return SERVER_MAIN_CLASS in cmdline and f"--home-dir={paths.root}" in cmdline


def _find_server(paths: InstancePaths) -> int | None:
    """PID of a server of this instance found among all processes (PID file lost)."""
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if SERVER_MAIN_CLASS in cmdline and _is_our_server(proc, paths):
            return int(proc.pid)
    return None


def running_pid(paths: InstancePaths) -> int | None:
    """PID of this instance's live server, or ``None``.

    The PID file is checked against the process's command line; a stale file is removed, and a
    server whose PID file was lost is found among the running processes (and recorded again).
    """
    pid: int | None
    try:
        pid = int(paths.pid_file.read_text(encoding="utf-8").strip())
    except (FileNotFoundError, ValueError):
        pid = None
    if pid is not None:
        try:
            if _is_our_server(psutil.Process(pid), paths):
                return pid
        except psutil.NoSuchProcess:
            pass
        paths.pid_file.unlink(missing_ok=True)
    found = _find_server(paths)
    if found is not None and paths.run_dir.is_dir():
        paths.pid_file.write_text(f"{found}\n", encoding="utf-8")
    return found


def _store_locked(paths: InstancePaths) -> bool:
    """Whether another process holds Neo4j's store lock on this data directory."""
    if not paths.store_lock.is_file():
        return False
    with paths.store_lock.open("r+b") as handle:
        try:
            fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(handle.fileno(), fcntl.LOCK_UN)
    return False


def log_tail(paths: InstancePaths, lines: int = 30) -> str:
    """The last lines of the instance's logs, for error messages."""
    parts: list[str] = []
    for log in (paths.console_log, paths.logs_dir / "neo4j.log", paths.logs_dir / "debug.log"):
        try:
            text = log.read_text(encoding="utf-8", errors="replace").strip()
        except FileNotFoundError:
            continue
        if text:
            tail = "\n".join(text.splitlines()[-lines:])
            parts.append(f"--- {log} (last {lines} lines) ---\n{tail}")
    return "\n".join(parts) if parts else f"(no log files in {paths.logs_dir})"


@contextmanager
def _instance_lock(paths: InstancePaths) -> Iterator[None]:
    """Serialise start/stop of one instance across processes."""
    paths.root.mkdir(parents=True, exist_ok=True)
    with paths.lock_file.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _refuse_external(settings: Settings, action: str) -> None:
    if settings.neo4j_uri:
        raise LocalNeo4jError(
            f"NEO4J_URI is set ({settings.neo4j_uri}): that server is managed outside "
            f"knooppunt, so `db {action}` does not apply; unset NEO4J_URI to use a local instance"
        )


# --- status -----------------------------------------------------------------------------------


def _external_status(settings: Settings, name: str) -> InstanceStatus:
    from graph.driver import connection_info

    info = connection_info(settings, name)
    version: str | None = None
    try:
        with neo4j.GraphDatabase.driver(
            info.uri, auth=(info.user, info.password), connection_timeout=5.0
        ) as driver:
            version = driver.get_server_info().agent.split("/", 1)[-1]
    except AuthError as e:
        raise ConfigurationError(
            f"Neo4j at {info.uri} refused NEO4J_USER/NEO4J_PASSWORD: {e.message}"
        ) from e
    except (Neo4jError, ServiceUnavailable, OSError, ValueError):
        version = None
    return InstanceStatus(
        instance=name,
        external=True,
        running=version is not None,
        uri=info.uri,
        version=version,
        pid=None,
        data_dir=None,
        logs_dir=None,
        http_port=None,
        heap=None,
        pagecache=None,
    )


def _server_version(uri: str, password: str) -> str | None:
    try:
        with neo4j.GraphDatabase.driver(
            uri, auth=("neo4j", password), connection_timeout=5.0
        ) as driver:
            agent = driver.get_server_info().agent
    except (Neo4jError, ServiceUnavailable, OSError):
        return None
    return agent.split("/", 1)[-1]


def status(settings: Settings, instance: str | None = None) -> InstanceStatus:
    """The state of the instance (or of the external server when ``NEO4J_URI`` is set)."""
    if settings.neo4j_uri:
        return _external_status(settings, instance or settings.instance)
    paths = instance_paths(settings, instance)
    state = load_state(paths)
    pid = running_pid(paths)
    version: str | None = state.version if state else None
    if pid is not None and state is not None:
        version = _server_version(state.bolt_uri, read_password(paths)) or version
    return InstanceStatus(
        instance=paths.name,
        external=False,
        running=pid is not None,
        uri=state.bolt_uri if state else None,
        version=version,
        pid=pid,
        data_dir=str(paths.data_dir),
        logs_dir=str(paths.logs_dir),
        http_port=state.http_port if state else None,
        heap=state.heap if state else None,
        pagecache=state.pagecache if state else None,
    )


# --- start ------------------------------------------------------------------------------------


def _plan_state(
    paths: InstancePaths,
    previous: InstanceState | None,
    *,
    sizes: MemorySizes | None,
    bolt_port: int | None,
    http_port: int | None,
) -> InstanceState:
    if previous is None:
        taken = recorded_ports(paths.root.parent.parent)
        bolt = bolt_port or allocate_port(paths.name, taken)
        http = http_port or allocate_port(f"{paths.name}/http", taken | {bolt})
        chosen = sizes or default_sizes(paths.name)
        state = InstanceState(
            name=paths.name,
            version=NEO4J_VERSION,
            bolt_port=bolt,
            http_port=http,
            heap=chosen.heap,
            pagecache=chosen.pagecache,
        )
    else:
        state = previous.with_changes(
            sizes=sizes, bolt_port=bolt_port, http_port=http_port, version=NEO4J_VERSION
        )
    if state.bolt_port == state.http_port:
        raise LocalNeo4jError("the Bolt and HTTP ports must differ")
    for label, port in (("Bolt", state.bolt_port), ("HTTP", state.http_port)):
        if not port_is_free(port):
            raise LocalNeo4jError(
                f"{label} port {port} of instance '{paths.name}' is taken by another program "
                f"(see `ss -ltnp | grep {port}`): stop it, or choose another port with "
                f"`knooppunt db start --instance {paths.name} --"
                f"{label.lower()}-port N`"
            )
    return state


def _set_initial_password(java: str, dist: Distribution, paths: InstancePaths) -> str:
    if paths.password_file.exists():
        password = read_password(paths)
    else:
        if paths.initial_auth_file.exists() or (paths.data_dir / "databases" / "system").exists():
            raise LocalNeo4jError(
                f"instance '{paths.name}' has data but its password file is gone; remove "
                f"{paths.root} to start afresh"
            )
        password = create_password(paths)
    if (paths.data_dir / "databases" / "system").exists():
        return password  # the system database already holds the password
    command = java_command(
        java, dist, ADMIN_MAIN_CLASS, ["dbms", "set-initial-password", password], heap="256m"
    )
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=_admin_env(paths),
        cwd=paths.root,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise LocalNeo4jError(
            f"neo4j-admin dbms set-initial-password failed for instance '{paths.name}' "
            f"(exit {done.returncode}):\n{(done.stdout + done.stderr).strip()[-3000:]}"
        )
    return password


def _admin_env(paths: InstancePaths) -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(paths.root)
    env["NEO4J_CONF"] = str(paths.conf_dir)
    return env


def _wait_for_bolt(
    proc: subprocess.Popen[bytes],
    paths: InstancePaths,
    state: InstanceState,
    password: str,
    timeout: float,
) -> str:
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    with neo4j.GraphDatabase.driver(
        state.bolt_uri,
        auth=("neo4j", password),
        connection_timeout=2.0,
        connection_acquisition_timeout=5.0,
    ) as driver:
        while time.monotonic() < deadline:
            code = proc.poll()
            if code is not None:
                raise LocalNeo4jError(
                    f"Neo4j instance '{paths.name}' exited during start-up (exit {code}).\n"
                    f"{log_tail(paths)}"
                )
            try:
                driver.verify_connectivity()
                return driver.get_server_info().agent.split("/", 1)[-1]
            except AuthError as e:
                raise LocalNeo4jError(
                    f"Neo4j instance '{paths.name}' refused the password in "
                    f"{paths.password_file}: {e.message}"
                ) from e
            except (ServiceUnavailable, Neo4jError, OSError) as e:
                last_error = str(e)
            time.sleep(0.5)
    raise LocalNeo4jError(
        f"Neo4j instance '{paths.name}' did not answer on {state.bolt_uri} within {timeout:.0f} s "
        f"({last_error}); it is left running as PID {proc.pid}: `knooppunt db stop --instance "
        f"{paths.name}` stops it.\n{log_tail(paths)}"
    )


def start(
    settings: Settings,
    instance: str | None = None,
    *,
    sizes: MemorySizes | None = None,
    bolt_port: int | None = None,
    http_port: int | None = None,
    timeout: float = 180.0,
) -> InstanceStatus:
    """Start the instance (downloading Neo4j the first time) and wait until Bolt answers.

    An instance that already runs is reported (``already_running=True``), never started twice.
    """
    _refuse_external(settings, "start")
    paths = instance_paths(settings, instance)
    with _instance_lock(paths):
        pid = running_pid(paths)
        if pid is not None:
            current = status(settings, paths.name)
            return _with_already_running(current)
        if _store_locked(paths):
            raise LocalNeo4jError(
                f"the data directory {paths.data_dir} is locked by another process that is not "
                "this instance's recorded server; stop that process first"
            )
        java = find_java()
        check_java(java)
        dist = ensure_distribution(settings.home)
        paths.ensure_dirs()
        state = _plan_state(
            paths, load_state(paths), sizes=sizes, bolt_port=bolt_port, http_port=http_port
        )
        save_state(paths, state)
        paths.conf_file.write_text(render_conf(paths, state, lib_dir=dist.lib_dir), "utf-8")
        password = _set_initial_password(java, dist, paths)
        command = java_command(
            java,
            dist,
            SERVER_MAIN_CLASS,
            [f"--home-dir={paths.root}", f"--config-dir={paths.conf_dir}"],
            heap=state.heap,
        )
        with paths.console_log.open("ab") as console:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                cwd=paths.root,
                start_new_session=True,
            )
        paths.pid_file.write_text(f"{proc.pid}\n", encoding="utf-8")
        version = _wait_for_bolt(proc, paths, state, password, timeout)
        return InstanceStatus(
            instance=paths.name,
            external=False,
            running=True,
            uri=state.bolt_uri,
            version=version,
            pid=proc.pid,
            data_dir=str(paths.data_dir),
            logs_dir=str(paths.logs_dir),
            http_port=state.http_port,
            heap=state.heap,
            pagecache=state.pagecache,
        )


def _with_already_running(current: InstanceStatus) -> InstanceStatus:
    return replace(current, already_running=True)


# --- stop -------------------------------------------------------------------------------------


def stop(
    settings: Settings, instance: str | None = None, *, timeout: float = 120.0, force: bool = False
) -> bool:
    """Stop the instance cleanly (SIGTERM, then wait); ``False`` when it was not running.

    With ``force``, a server that has not stopped within ``timeout`` is killed; without it,
    that is an error (the store then needs recovery at the next start).
    """
    _refuse_external(settings, "stop")
    paths = instance_paths(settings, instance)
    with _instance_lock(paths):
        pid = running_pid(paths)
        if pid is None:
            return False
        proc = psutil.Process(pid)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except psutil.TimeoutExpired as e:
            if not force:
                raise LocalNeo4jError(
                    f"Neo4j instance '{paths.name}' (PID {pid}) did not stop within "
                    f"{timeout:.0f} s; `knooppunt db stop --instance {paths.name} --force` "
                    f"kills it.\n{log_tail(paths)}"
                ) from e
            proc.kill()
            proc.wait(timeout=30)
        paths.pid_file.unlink(missing_ok=True)
        return True


# --- admin ------------------------------------------------------------------------------------


def run_admin(
    settings: Settings,
    instance: str | None,
    args: Sequence[str],
    *,
    heap: str | None = None,
    output_to_stderr: bool = False,
) -> int:
    """Run ``neo4j-admin ARGS`` from the same jars against the instance's configuration.

    Offline commands (``database import full``, ``database dump``) need the server stopped;
    Neo4j itself refuses them while the store is locked. Returns the tool's exit code.
    ``output_to_stderr`` keeps the tool's report off stdout, for callers whose stdout is JSON.
    """
    _refuse_external(settings, "admin")
    paths = instance_paths(settings, instance)
    state = load_state(paths)
    java = find_java()
    check_java(java)
    dist = ensure_distribution(settings.home)
    paths.ensure_dirs()
    if state is not None and not paths.conf_file.exists():
        paths.conf_file.write_text(render_conf(paths, state, lib_dir=dist.lib_dir), "utf-8")
    if not paths.conf_file.exists():
        raise LocalNeo4jError(
            f"instance '{paths.name}' was never started: run `knooppunt db start --instance "
            f"{paths.name}` once so that its configuration exists"
        )
    command = java_command(java, dist, ADMIN_MAIN_CLASS, list(args), heap=heap)
    return subprocess.run(
        command,
        env=_admin_env(paths),
        cwd=paths.root,
        check=False,
        stdout=sys.stderr if output_to_stderr else None,
    ).returncode
