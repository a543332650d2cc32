"""Obtain Neo4j Community from Maven Central, once, into the project's cache.

The server is an ordinary Maven artifact (``org.neo4j:neo4j``, whose jars hold
``org.neo4j.server.CommunityEntryPoint``, the admin tool ``org.neo4j.cli.AdminTool`` and the
offline importer). ``mvn dependency:copy-dependencies`` on a generated one-dependency POM puts
every jar of the server into ``<home>/neo4j-<version>/lib``; a marker file records a complete
copy, so that later starts reuse it without touching the network. A file lock serialises
concurrent first downloads (several test sessions may start at once).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graph.errors import LocalNeo4jError

__all__ = [
    "ADMIN_MAIN_CLASS",
    "NEO4J_VERSION",
    "SERVER_MAIN_CLASS",
    "Distribution",
    "distribution_dir",
    "ensure_distribution",
    "render_pom",
]

#: The newest 5.26 (LTS) patch on Maven Central when this was pinned.
NEO4J_VERSION = "5.26.30"
SERVER_MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
ADMIN_MAIN_CLASS = "org.neo4j.cli.AdminTool"

_MARKER = ".complete"
_MVN_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Distribution:
    """A complete local copy of the Neo4j jars."""

    version: str
    root: Path

    @property
    def lib_dir(self) -> Path:
        return self.root / "lib"

    @property
    def classpath(self) -> str:
        """Java class path for every jar of the server (a wildcard the JVM expands)."""
        return str(self.lib_dir / "*")


def distribution_dir(home: Path, version: str = NEO4J_VERSION) -> Path:
    """Where version ``version`` lives (complete or not) under the cache ``home``."""
    return home / f"neo4j-{version}"


def render_pom(version: str) -> str:
    """A minimal POM whose only dependency is Neo4j Community ``version``."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>nl.knooppunt</groupId>
  <artifactId>neo4j-resolver</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId>
      <artifactId>neo4j</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _is_complete(root: Path, version: str) -> bool:
    marker = root / _MARKER
    if not marker.is_file():
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded.get("version") == version and any((root / "lib").glob("neo4j-*.jar")))


def ensure_distribution(
    home: Path,
    *,
    version: str = NEO4J_VERSION,
    mvn: str = "mvn",
    log: bool = True,
) -> Distribution:
    """Return the local copy of Neo4j ``version``, downloading it with Maven the first time.

    Raises :class:`LocalNeo4jError` when Maven is missing or the download fails, with the end
    of Maven's output.
    """
    root = distribution_dir(home, version)
    if _is_complete(root, version):
        return Distribution(version, root)
    with _file_lock(home / f"neo4j-{version}.lock"):
        if _is_complete(root, version):  # another process finished it while we waited
            return Distribution(version, root)
        _download(home, root, version, mvn=mvn, log=log)
    return Distribution(version, root)


def _download(home: Path, root: Path, version: str, *, mvn: str, log: bool) -> None:
    mvn_path = shutil.which(mvn)
    if mvn_path is None:
        raise LocalNeo4jError(
            f"Maven ('{mvn}') not found: install it (Debian: apt-get install maven) so that "
            f"Neo4j {version} can be downloaded once from Maven Central"
        )
    staging = root.with_name(root.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "lib").mkdir(parents=True)
    if log:
        print(
            f"Downloading Neo4j Community {version} from Maven Central (once) ...",
            file=sys.stderr,
            flush=True,
        )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="knooppunt-mvn-") as work:
        pom = Path(work) / "pom.xml"
        pom.write_text(render_pom(version), encoding="utf-8")
        command = [
            mvn_path,
            "--batch-mode",
            "--quiet",
            "-f",
            str(pom),
            f"-Dmaven.repo.local={home / 'maven-repository'}",
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging / 'lib'}",
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=_MVN_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as e:
            raise LocalNeo4jError(
                f"Maven did not finish downloading Neo4j {version} within {_MVN_TIMEOUT_S} s; "
                "check the network or the Maven mirror in ~/.m2/settings.xml"
            ) from e
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise LocalNeo4jError(
            f"Maven could not download Neo4j {version} (exit {done.returncode}). Is Maven "
            f"Central reachable (or a mirror configured in ~/.m2/settings.xml)?\n{tail}"
        )
    jars = sorted(p.name for p in (staging / "lib").glob("*.jar"))
    if not any(name.startswith(f"neo4j-{version}") for name in jars):
        raise LocalNeo4jError(f"Maven finished but neo4j-{version}.jar is missing in {staging}")
    marker = {
        "version": version,
        "jars": len(jars),
        "seconds": round(time.monotonic() - started, 1),
        "downloaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (staging / _MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)
    if log:
        print(
            f"Neo4j {version}: {len(jars)} jars in {root} ({marker['seconds']} s)",
            file=sys.stderr,
            flush=True,
        )
