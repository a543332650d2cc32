"""``neo4j-admin`` from the same jars: the initial password and ``knooppunt db admin``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

from graph.errors import LocalNeo4jError
from graph.localdb.distribution import ADMIN_MAIN_CLASS, Distribution, ensure_distribution
from graph.localdb.instance import (
    InstancePaths,
    create_password,
    load_state,
    read_password,
    render_conf,
)
from graph.localdb.java import check_java, find_java, java_command
from graph.localdb.process import instance_paths, refuse_external
from graph.settings import Settings

__all__ = ["admin_env", "run_admin", "set_initial_password"]


def set_initial_password(java: str, dist: Distribution, paths: InstancePaths) -> str:
    """The instance's password, set in its system database before the first start."""
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
        env=admin_env(paths),
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


def admin_env(paths: InstancePaths) -> dict[str, str]:
    """The environment ``neo4j-admin`` needs to find the instance's home and configuration."""
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(paths.root)
    env["NEO4J_CONF"] = str(paths.conf_dir)
    return env


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
    refuse_external(settings, "admin")
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
        env=admin_env(paths),
        cwd=paths.root,
        check=False,
        stdout=sys.stderr if output_to_stderr else None,
    ).returncode
