"""Process state of one local instance: its folder, PID, Neo4j's store lock, logs, our lock.

A PID file plus the process's command line tell a running instance apart from a stale file,
and Neo4j's own store lock guards against a second server on the same data directory.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

import psutil

from graph.errors import LocalNeo4jError
from graph.localdb.distribution import SERVER_MAIN_CLASS
from graph.localdb.instance import InstancePaths
from graph.settings import Settings

__all__ = [
    "instance_lock",
    "instance_paths",
    "log_tail",
    "refuse_external",
    "running_pid",
    "store_locked",
]


def instance_paths(settings: Settings, instance: str | None = None) -> InstancePaths:
    """The folders of an instance (default: the configured one)."""
    name = instance or settings.instance
    return InstancePaths(name=name, root=settings.instance_dir(name))


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


def store_locked(paths: InstancePaths) -> bool:
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
def instance_lock(paths: InstancePaths) -> Iterator[None]:
    """Serialise start/stop of one instance across processes."""
    paths.root.mkdir(parents=True, exist_ok=True)
    with paths.lock_file.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def refuse_external(settings: Settings, action: str) -> None:
    """Refuse a local-instance action while NEO4J_URI names an external server."""
    if settings.neo4j_uri:
        raise LocalNeo4jError(
            f"NEO4J_URI is set ({settings.neo4j_uri}): that server is managed outside "
            f"knooppunt, so `db {action}` does not apply; unset NEO4J_URI to use a local instance"
        )
