"""The Java that runs Neo4j: finding it, checking its version, and the JVM command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from graph.errors import LocalNeo4jError
from graph.localdb.distribution import NEO4J_VERSION, Distribution

__all__ = ["JVM_FLAGS", "MIN_JAVA", "check_java", "find_java", "java_command", "parse_java_major"]

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
