"""One local Neo4j instance: its folder, recorded ports and sizes, password and ``neo4j.conf``.

An instance is a folder ``<home>/instances/<name>`` (``Settings.instance_dir``) holding
``conf/neo4j.conf``, ``data/``, ``logs/``, ``run/``, the generated password (mode 600) and
``instance.json`` with the ports and memory sizes chosen at its first start. Each instance has
its own data and ports, so tests, benchmarks and the demo never share a database.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from graph.errors import LocalNeo4jError

__all__ = [
    "DEFAULT_SIZES",
    "OTHER_SIZES",
    "PORT_RANGE",
    "InstancePaths",
    "InstanceState",
    "MemorySizes",
    "allocate_port",
    "create_password",
    "default_sizes",
    "list_instances",
    "load_state",
    "parse_size",
    "port_is_free",
    "read_password",
    "recorded_ports",
    "render_conf",
    "save_state",
]

_SIZE = re.compile(r"^([1-9][0-9]*)([kmg])$")
_STATE_FILE = "instance.json"
_PASSWORD_FILE = "password"  # noqa: S105 - a file name, not a secret


def parse_size(value: str) -> int:
    """Bytes of a JVM-style size (``512m``, ``4g``); a clear error for anything else."""
    match = _SIZE.fullmatch(value.strip().lower())
    if match is None:
        raise LocalNeo4jError(
            f"memory size {value!r} not understood: use a whole number with k, m or g "
            "(for example 512m or 4g)"
        )
    number, unit = int(match.group(1)), match.group(2)
    return number * {"k": 1024, "m": 1024**2, "g": 1024**3}[unit]


@dataclass(frozen=True)
class MemorySizes:
    """JVM heap (``-Xms``/``-Xmx``) and Neo4j page cache, as JVM-style sizes."""

    heap: str
    pagecache: str

    def __post_init__(self) -> None:
        heap = parse_size(self.heap)
        parse_size(self.pagecache)
        if heap < 256 * 1024**2:
            raise LocalNeo4jError(f"heap {self.heap} is too small for Neo4j: use 256m or more")


#: The demo's instance, sized for a 2-core, 24 GB machine shared with the analysis.
DEFAULT_SIZES = MemorySizes(heap="4g", pagecache="4g")
#: Every other instance (tests, benchmarks, each helper's own): small, several run at once.
OTHER_SIZES = MemorySizes(heap="1g", pagecache="512m")


def default_sizes(name: str) -> MemorySizes:
    """Sizes for a new instance: large for ``default`` (the demo), small for the others."""
    return DEFAULT_SIZES if name == "default" else OTHER_SIZES


@dataclass(frozen=True)
class InstancePaths:
    """The files and folders of one instance."""

    name: str
    root: Path

    @property
    def conf_dir(self) -> Path:
        return self.root / "conf"

    @property
    def conf_file(self) -> Path:
        return self.conf_dir / "neo4j.conf"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def import_dir(self) -> Path:
        return self.root / "import"

    @property
    def plugins_dir(self) -> Path:
        return self.root / "plugins"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "knooppunt-neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.logs_dir / "console.log"

    @property
    def password_file(self) -> Path:
        return self.root / _PASSWORD_FILE

    @property
    def state_file(self) -> Path:
        return self.root / _STATE_FILE

    @property
    def store_lock(self) -> Path:
        return self.data_dir / "databases" / "store_lock"

    @property
    def initial_auth_file(self) -> Path:
        """Written by ``neo4j-admin dbms set-initial-password``, read at the first start."""
        return self.data_dir / "dbms" / "auth.ini"

    @property
    def lock_file(self) -> Path:
        return self.root / ".lock"

    def ensure_dirs(self) -> None:
        for folder in (
            self.conf_dir,
            self.data_dir,
            self.logs_dir,
            self.run_dir,
            self.import_dir,
            self.plugins_dir,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)


@dataclass(frozen=True)
class InstanceState:
    """What ``instance.json`` records: chosen once, reused on every start."""

    name: str
    version: str
    bolt_port: int
    http_port: int
    heap: str
    pagecache: str

    @property
    def sizes(self) -> MemorySizes:
        return MemorySizes(self.heap, self.pagecache)

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def with_changes(
        self,
        *,
        sizes: MemorySizes | None = None,
        bolt_port: int | None = None,
        http_port: int | None = None,
        version: str | None = None,
    ) -> InstanceState:
        return replace(
            self,
            heap=sizes.heap if sizes else self.heap,
            pagecache=sizes.pagecache if sizes else self.pagecache,
            bolt_port=bolt_port or self.bolt_port,
            http_port=http_port or self.http_port,
            version=version or self.version,
        )


def load_state(paths: InstancePaths) -> InstanceState | None:
    """The recorded state, or ``None`` for an instance that was never started."""
    try:
        raw = json.loads(paths.state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise LocalNeo4jError(f"{paths.state_file} is unreadable ({e}); remove it to reset") from e
    try:
        return InstanceState(
            name=str(raw["name"]),
            version=str(raw["version"]),
            bolt_port=int(raw["bolt_port"]),
            http_port=int(raw["http_port"]),
            heap=str(raw["heap"]),
            pagecache=str(raw["pagecache"]),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise LocalNeo4jError(f"{paths.state_file} lacks a valid field ({e}); remove it") from e


def save_state(paths: InstancePaths, state: InstanceState) -> None:
    paths.root.mkdir(parents=True, exist_ok=True)
    tmp = paths.state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    tmp.replace(paths.state_file)


def list_instances(home: Path) -> list[str]:
    """Names of the instances that have a recorded state under ``home``."""
    folder = home / "instances"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / _STATE_FILE).is_file())


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


#: Ports for local instances: below Linux's ephemeral range (32768+), so that a port chosen
#: once is not later taken by some program's outgoing connection.
PORT_RANGE = (20000, 29999)


def recorded_ports(home: Path) -> frozenset[int]:
    """Ports already recorded by the instances under ``home`` (running or not)."""
    ports: set[int] = set()
    for name in list_instances(home):
        state = load_state(InstancePaths(name, home / "instances" / name))
        if state is not None:
            ports.update((state.bolt_port, state.http_port))
    return frozenset(ports)


def allocate_port(name: str, exclude: frozenset[int] = frozenset(), host: str = "127.0.0.1") -> int:
    """A free port for instance ``name``: the same one on every machine unless it is taken.

    The search starts at a position derived from the name and walks :data:`PORT_RANGE`,
    skipping ``exclude`` (ports other instances recorded) and ports in use now.
    """
    low, high = PORT_RANGE
    span = high - low + 1
    first = zlib.crc32(name.encode("utf-8")) % span
    for step in range(span):
        port = low + (first + step) % span
        if port not in exclude and port_is_free(port, host):
            return port
    raise LocalNeo4jError(f"no free TCP port on {host} in {low}-{high}")


def create_password(paths: InstancePaths) -> str:
    """Generate the instance's password and store it readable by the owner only (mode 600)."""
    paths.root.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    while password.startswith("-"):  # the admin tool would read it as an option
        password = secrets.token_urlsafe(24)
    fd = os.open(paths.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


def read_password(paths: InstancePaths) -> str:
    """The instance's password; refuses a file that others can read."""
    try:
        mode = paths.password_file.stat().st_mode & 0o777
        text = paths.password_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError as e:
        raise LocalNeo4jError(
            f"instance '{paths.name}' has no password file: start it first with "
            f"`knooppunt db start --instance {paths.name}`"
        ) from e
    if mode & 0o077:
        raise LocalNeo4jError(
            f"{paths.password_file} is readable by others (mode {mode:o}); run chmod 600 on it"
        )
    if not text:
        raise LocalNeo4jError(f"{paths.password_file} is empty")
    return text


def render_conf(paths: InstancePaths, state: InstanceState, *, lib_dir: Path) -> str:
    """``neo4j.conf`` for the instance: loopback only, auth on, everything under its folder.

    Heap is not set here: started directly, the server does not turn ``server.memory.heap.*``
    into JVM flags, so the launcher passes ``-Xms``/``-Xmx`` itself.
    """
    lines = [
        f"# Generated by knooppunt for instance '{state.name}'; rewritten at every start.",
        "server.default_listen_address=127.0.0.1",
        "server.default_advertised_address=127.0.0.1",
        f"server.bolt.listen_address=127.0.0.1:{state.bolt_port}",
        f"server.bolt.advertised_address=127.0.0.1:{state.bolt_port}",
        "server.http.enabled=true",
        f"server.http.listen_address=127.0.0.1:{state.http_port}",
        f"server.http.advertised_address=127.0.0.1:{state.http_port}",
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        "dbms.usage_report.enabled=false",
        f"server.memory.pagecache.size={state.pagecache}",
        f"server.directories.data={paths.data_dir}",
        f"server.directories.logs={paths.logs_dir}",
        f"server.directories.run={paths.run_dir}",
        f"server.directories.import={paths.import_dir}",
        f"server.directories.plugins={paths.plugins_dir}",
        f"server.directories.lib={lib_dir}",
        "db.tx_log.rotation.retention_policy=2 days 1G",
        # Transaction log files are preallocated: small ones for the small instances.
        f"db.tx_log.rotation.size={'256M' if state.name == 'default' else '32M'}",
        # Bolt's network threads wait this many seconds for late work at shutdown (default 5,
        # twice); the databases are checkpointed and closed before that wait.
        "internal.dbms.bolt.netty_server_shutdown_quiet_period=1",
        # A query's transaction timeout is enforced by a monitor that looks every 2 s by
        # default, so a 0.5 s timeout could end at 2.5 s, after the client's own bound
        # (decision 067); checked every 100 ms it ends within the client's margin.
        "db.transaction.monitor.check.interval=100ms",
    ]
    return "\n".join(lines) + "\n"
