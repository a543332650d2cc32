"""``knooppunt db``: the project's own Neo4j (start, stop, status, init, admin, list)."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from graph.cli_types import InstanceOpt
from graph.errors import ExitCode, LocalNeo4jError
from graph.localdb import admin as neo4j_admin
from graph.localdb import process, server
from graph.localdb.instance import MemorySizes, default_sizes, list_instances, parse_size
from graph.settings import Settings, get_settings

__all__ = ["db_app"]

db_app = typer.Typer(
    name="db",
    help=(
        "The project's own local Neo4j (or the server NEO4J_URI names).\n\n"
        "Example: knooppunt db start --instance test && knooppunt db status --instance test"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _size(value: str | None) -> str | None:
    """A JVM-style size (``512m``, ``4g``), checked as it is parsed: a bad one is wrong usage."""
    if value is not None:
        try:
            parse_size(value)
        except LocalNeo4jError as e:
            raise typer.BadParameter(str(e)) from e
    return value


def _settings(instance: str | None) -> tuple[Settings, str]:
    settings = get_settings()
    return settings, instance or settings.instance


def _print_status(st: server.InstanceStatus) -> None:
    where = "external server (NEO4J_URI)" if st.external else f"instance '{st.instance}'"
    state = "running" if st.running else "not running"
    typer.echo(f"Neo4j {where}: {state}")
    rows: list[tuple[str, object]] = [
        ("uri", st.uri),
        ("version", st.version),
        ("pid", st.pid),
        ("data dir", st.data_dir),
        ("logs dir", st.logs_dir),
        ("http port", st.http_port),
        ("heap", st.heap),
        ("page cache", st.pagecache),
    ]
    for label, value in rows:
        if value is not None:
            typer.echo(f"  {label + ':':<12}{value}")


@db_app.command()
def start(
    instance: InstanceOpt = None,
    heap: Annotated[
        str | None,
        typer.Option(
            envvar="KNOOPPUNT_DB_HEAP",
            metavar="SIZE",
            callback=_size,
            help="JVM heap (-Xms/-Xmx), e.g. 1g; default 4g for 'default', 1g otherwise; "
            "remembered",
        ),
    ] = None,
    pagecache: Annotated[
        str | None,
        typer.Option(
            envvar="KNOOPPUNT_DB_PAGECACHE",
            metavar="SIZE",
            callback=_size,
            help="page cache, e.g. 512m; default 4g for 'default', 512m otherwise; remembered",
        ),
    ] = None,
    bolt_port: Annotated[
        int | None,
        typer.Option(
            metavar="PORT", min=1, max=65535, help="Bolt port (default: a free port, chosen once)"
        ),
    ] = None,
    http_port: Annotated[
        int | None,
        typer.Option(
            metavar="PORT", min=1, max=65535, help="HTTP port (default: a free port, chosen once)"
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(metavar="SECONDS", min=0, help="seconds to wait for Bolt")
    ] = 180.0,
) -> None:
    """Start the instance (downloading Neo4j the first time) and wait until Bolt answers.

    Example: knooppunt db start --instance test --heap 1g
    """
    settings, name = _settings(instance)
    sizes: MemorySizes | None = None
    if heap or pagecache:
        base = default_sizes(name)
        try:
            sizes = MemorySizes(heap or base.heap, pagecache or base.pagecache)
        except LocalNeo4jError as e:  # a heap too small for Neo4j
            raise typer.BadParameter(str(e), param_hint="'--heap'") from e
    began = time.monotonic()
    st = server.start(
        settings, name, sizes=sizes, bolt_port=bolt_port, http_port=http_port, timeout=timeout
    )
    if st.already_running:
        typer.echo(f"Neo4j instance '{name}' is already running (PID {st.pid}) at {st.uri}")
        return
    typer.echo(
        f"Neo4j {st.version} instance '{name}' started in {time.monotonic() - began:.1f} s "
        f"(PID {st.pid})"
    )
    typer.echo(f"  uri:        {st.uri}")
    typer.echo(f"  data dir:   {st.data_dir}")


@db_app.command()
def stop(
    instance: InstanceOpt = None,
    timeout: Annotated[
        float, typer.Option(metavar="SECONDS", min=0, help="seconds to wait for a clean stop")
    ] = 120.0,
    force: Annotated[bool, typer.Option(help="kill the server if it has not stopped")] = False,
) -> None:
    """Stop the instance cleanly (SIGTERM, then wait).

    Example: knooppunt db stop --instance test
    """
    settings, name = _settings(instance)
    began = time.monotonic()
    if server.stop(settings, name, timeout=timeout, force=force):
        typer.echo(f"Neo4j instance '{name}' stopped in {time.monotonic() - began:.1f} s")
    else:
        typer.echo(f"Neo4j instance '{name}' was not running")


@db_app.command()
def status(
    instance: InstanceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print URI, version, PID and data directory; exit 5 when the server does not run.

    Example: knooppunt db status --json
    """
    settings, name = _settings(instance)
    st = server.status(settings, name)
    if as_json:
        typer.echo(json.dumps(st.as_dict(), indent=2))
    else:
        _print_status(st)
    if not st.running:
        raise typer.Exit(int(ExitCode.NEO4J_UNAVAILABLE))


@db_app.command()
def init(instance: InstanceOpt = None) -> None:
    """Create the declared constraints and indexes (idempotent).

    Example: knooppunt db init --instance test
    """
    from graph.driver import connect
    from graph.schema import SCHEMA, apply_schema

    settings, name = _settings(instance)
    with connect(settings, name) as driver:
        created = apply_schema(driver, database=settings.neo4j_database)
    typer.echo(f"schema: {len(SCHEMA)} constraints and indexes declared, {created} newly created")


@db_app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    options_metavar="[OPTIONS] [--] [NEO4J_ADMIN_ARGS]...",
)
def admin(
    ctx: typer.Context,
    instance: InstanceOpt = None,
    heap: Annotated[
        str | None,
        typer.Option(metavar="SIZE", callback=_size, help="JVM heap for the tool, e.g. 4g"),
    ] = None,
) -> None:
    """Run neo4j-admin from the same jars against the instance (offline commands need
    `db stop` first); the arguments after `--` are neo4j-admin's own.

    Example: knooppunt db admin --instance test -- database info
    """
    settings, name = _settings(instance)
    code = neo4j_admin.run_admin(settings, name, list(ctx.args), heap=heap)
    if code != 0:
        raise typer.Exit(code)


@db_app.command("list")
def list_() -> None:
    """List the local instances and whether each runs.

    Example: knooppunt db list
    """
    settings = get_settings()
    names = list_instances(settings.home)
    if not names:
        typer.echo(f"no instances under {settings.home / 'instances'}")
    for name in names:
        paths = process.instance_paths(settings, name)
        pid = process.running_pid(paths)
        typer.echo(f"{name:<16}{'running (PID ' + str(pid) + ')' if pid else 'stopped'}")
