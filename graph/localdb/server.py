"""Start, stop and inspect the project's own Neo4j server processes.

The server is ``org.neo4j.server.CommunityEntryPoint`` from the Maven jars (see
:mod:`graph.localdb.distribution`), started detached with ``-Xms``/``-Xmx`` and the generated
``neo4j.conf``; :func:`start` returns once Bolt answers. The Java it runs on is found in
:mod:`graph.localdb.java`, PIDs and locks are read in :mod:`graph.localdb.process`, and
``neo4j-admin`` runs through :mod:`graph.localdb.admin`.
"""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass, replace

import neo4j
import psutil
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from graph.errors import ConfigurationError, LocalNeo4jError
from graph.localdb.admin import set_initial_password
from graph.localdb.distribution import (
    NEO4J_VERSION,
    SERVER_MAIN_CLASS,
    ensure_distribution,
)
from graph.localdb.instance import (
    InstancePaths,
    InstanceState,
    MemorySizes,
    allocate_port,
    default_sizes,
    load_state,
    port_is_free,
    read_password,
    recorded_ports,
    render_conf,
    save_state,
)
from graph.localdb.java import check_java, find_java, java_command
from graph.localdb.process import (
    instance_lock,
    instance_paths,
    log_tail,
    refuse_external,
    running_pid,
    store_locked,
)
from graph.settings import Settings
from graph.values import as_json

__all__ = ["InstanceStatus", "start", "status", "stop"]


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
        return as_json(self, drop=frozenset({"already_running"}))


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
    refuse_external(settings, "start")
    paths = instance_paths(settings, instance)
    with instance_lock(paths):
        pid = running_pid(paths)
        if pid is not None:
            current = status(settings, paths.name)
            return _with_already_running(current)
        if store_locked(paths):
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
        password = set_initial_password(java, dist, paths)
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
    refuse_external(settings, "stop")
    paths = instance_paths(settings, instance)
    with instance_lock(paths):
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
