"""``knooppunt serve``, ``knooppunt token``, ``knooppunt audit verify`` and ``audit prune``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.audit import SignedHead, audit_log_path, chain_logs, prune_log, verify_chains
from api.auth import ORGANISATIONS, Role, mint_token
from api.session import login_link
from graph.cli_types import AsOfOpt, InstanceOpt
from graph.errors import ExitCode, Neo4jUnavailableError
from graph.settings import Settings, get_settings

__all__ = ["audit_app", "default_workers", "serve", "token"]

audit_app = typer.Typer(
    name="audit",
    help="The API's audit log: verify its chain, prune old segments.\n\n"
    "Example: knooppunt audit verify",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class Neo4jCheck(StrEnum):
    """Whether ``audit verify`` compares the head with the checkpoint kept in Neo4j."""

    AUTO = "auto"  # when Neo4j answers; a note when it does not
    REQUIRE = "require"  # exit 5 when Neo4j does not answer
    SKIP = "skip"


class LogLevel(StrEnum):
    """The application log's threshold (``KNOOPPUNT_LOG_LEVEL``)."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def default_workers() -> int:
    """The CPU cores this process may run on (its affinity), at least 1."""
    return max(1, len(os.sched_getaffinity(0)))


def serve(
    host: Annotated[
        str, typer.Option(metavar="ADDRESS", help="address to listen on (loopback by default)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=1, max=65535, help="TCP port")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            min=1,
            max=64,
            help="worker processes, each with its own event loop, Neo4j driver and audit chain "
            "(default: KNOOPPUNT_API_WORKERS, else the CPU cores this process may use)",
            show_default=False,
        ),
    ] = None,
    instance: InstanceOpt = None,
    log_level: Annotated[
        LogLevel | None,
        typer.Option(
            metavar="LEVEL",
            help="debug, info, warning or error (default: KNOOPPUNT_LOG_LEVEL, else info)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the API on N worker processes (uvicorn's), each writing its own audit chain.

    Each worker builds its own app, Neo4j driver, admission gate and caches, and takes the
    first free audit chain of this replica (KNOOPPUNT_REPLICA, else the host name); `knooppunt
    audit verify` checks them all. Logs go to stderr, one line per request: JSON unless stderr
    is a terminal (KNOOPPUNT_LOG_FORMAT=json|console|auto); see docs/operations.md.

    Example: knooppunt serve --port 8000 --workers 2
    """
    import shutil
    import tempfile

    import uvicorn

    from api.metrics import MULTIPROCESS_ENV
    from graph.logs import configure_logging

    count = workers or get_settings().api_workers or default_workers()
    # The workers are separate processes that read their settings from the environment.
    os.environ["KNOOPPUNT_API_WORKERS"] = str(count)
    if instance is not None:
        os.environ["KNOOPPUNT_INSTANCE"] = instance
    if log_level is not None:
        os.environ["KNOOPPUNT_LOG_LEVEL"] = log_level.value
    shared: str | None = None
    if count > 1 and not os.environ.get(MULTIPROCESS_ENV):
        # /metrics of any worker answers for all of them (api.metrics): a fresh folder per
        # start, so that no file of an earlier run's workers counts.
        shared = os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="knooppunt-metrics-")
    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings)
    # log_config=None: uvicorn keeps its hands off logging, its records reach our handler.
    try:
        uvicorn.run(
            "api.app:serve_app",
            factory=True,
            host=host,
            port=port,
            log_config=None,
            log_level=settings.log_level,
            access_log=False,
            server_header=False,
            workers=count,
        )
    finally:
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)


def _organisation(value: str) -> str:
    if value not in ORGANISATIONS:
        raise typer.BadParameter("must be one of: " + ", ".join(ORGANISATIONS))
    return value


def token(
    org: Annotated[
        str,
        typer.Option(
            metavar="ORG",
            callback=_organisation,
            help="a RIEC region name, or LIEC: " + ", ".join(ORGANISATIONS),
        ),
    ],
    role: Annotated[
        Role, typer.Option(metavar="ROLE", help="analyst, coordinator or privacy-officer")
    ],
    subject: Annotated[
        str, typer.Option(metavar="USER", help="the user the token names")
    ] = "local-user",
    ttl: Annotated[int, typer.Option(metavar="SECONDS", min=1, help="seconds until it expires")] = 8
    * 3600,
    login: Annotated[
        bool,
        typer.Option(
            "--login",
            help="print a one-time sign-in link of the workbench (/ui/) instead of a token; "
            "valid 15 minutes, development only",
        ),
    ] = False,
    url: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="the API's address for --login (default: KNOOPPUNT_PUBLIC_URL)"
        ),
    ] = None,
    next_path: Annotated[
        str | None,
        typer.Option(
            "--next", metavar="PATH", help="with --login: the workbench page to open (/ui/...)"
        ),
    ] = None,
) -> None:
    """Print a local HS256 token signed with KNOOPPUNT_JWT_SECRET, or with --login a one-time
    sign-in link of the workbench signed with KNOOPPUNT_SESSION_SECRET.

    Example: knooppunt token --org Limburg --role analyst [--login]
    """
    settings = get_settings()
    if login:
        typer.echo(
            login_link(settings, url, subject=subject, org=org, role=role, next_path=next_path)
        )
        return
    typer.echo(mint_token(settings, subject=subject, org=org, role=role, ttl_seconds=ttl))


LogOpt = Annotated[
    Path | None,
    typer.Option(metavar="FILE", help="the active log file (default: KNOOPPUNT_AUDIT_LOG)"),
]


@contextmanager
def _neo4j_checkpoints(
    settings: Settings, instance: str | None, check: Neo4jCheck, notes: list[str]
) -> Iterator[Callable[[str], SignedHead | None] | None]:
    """Reads each chain's checkpoint in Neo4j (``None``: not read, with a note why)."""
    if check is Neo4jCheck.SKIP:
        notes.append("Neo4j checkpoint not checked (--neo4j skip)")
        yield None
        return
    from api.audit.remote import read_checkpoint
    from graph.driver import connect

    try:
        driver = connect(settings, instance)
    except Neo4jUnavailableError:
        if check is Neo4jCheck.REQUIRE:
            raise
        notes.append("Neo4j checkpoint not checked: Neo4j does not answer (--neo4j require fails)")
        yield None
        return

    def read(chain: str) -> SignedHead | None:
        try:
            return read_checkpoint(driver, settings.neo4j_database, chain)
        except ValueError:  # malformed: fails its signature
            return SignedHead("checkpoint", "", 0, "", "", "", "")

    try:
        yield read
    finally:
        driver.close()


@audit_app.command("verify")
def verify(
    log: LogOpt = None,
    expect_seq: Annotated[
        int | None,
        typer.Option(
            metavar="SEQ",
            min=0,
            help="a head seq recorded earlier: detects entries removed from the end",
        ),
    ] = None,
    neo4j: Annotated[
        Neo4jCheck,
        typer.Option(
            metavar="WHEN",
            help="compare with the Neo4j checkpoint: auto (when it answers), require, skip",
        ),
    ] = Neo4jCheck.AUTO,
    instance: InstanceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Check every audit chain (the log's and each worker's, across their segments; HMAC with
    KNOOPPUNT_AUDIT_KEY) against its checkpoint file and Neo4j checkpoint; exit 8 when one is
    broken or cut short.

    Example: knooppunt audit verify --expect-seq 1200
    """
    settings = get_settings()
    path = log or audit_log_path(settings)
    notes: list[str] = []
    with _neo4j_checkpoints(settings, instance, neo4j, notes) as remote:
        report = verify_chains(
            path,
            settings.audit_key.get_secret_value().encode(),
            expect_seq=expect_seq,
            remote=remote,
        )
    report.notes.extend(notes)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for chain in report.chains:
            for line in chain.notes:
                typer.echo(line, err=True)
            for problem in chain.problems:
                typer.echo(problem, err=True)
            state = "intact" if chain.ok else f"BROKEN ({len(chain.problems)} problem(s))"
            typer.echo(
                f"{chain.path}: {chain.entries} entries in {len(chain.files)} file(s), chain "
                f"{state}; head seq {chain.head_seq} mac {chain.head_mac}"
            )
        for line in report.notes:
            typer.echo(line, err=True)
        if len(report.chains) > 1:
            state = "intact" if report.ok else f"BROKEN ({len(report.problems)} problem(s))"
            typer.echo(f"{len(report.chains)} chains, {report.entries} entries, all {state}")
    if not report.ok:
        raise typer.Exit(int(ExitCode.AUDIT_BROKEN))


@audit_app.command("prune")
def prune(
    log: LogOpt = None,
    as_of: AsOfOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
) -> None:
    """Delete rotated audit segments older than KNOOPPUNT_AUDIT_RETENTION_DAYS, behind a signed
    anchor, in every chain (the log's and each worker's); refuses (exit 8) a chain that does
    not verify.

    Example: knooppunt audit prune --as-of 2031-01-01
    """
    settings = get_settings()
    path = log or audit_log_path(settings)
    day = as_of or datetime.now(UTC).date()
    cutoff = datetime.combine(day, time(), tzinfo=UTC) - timedelta(
        days=settings.audit_retention_days
    )
    key = settings.audit_key.get_secret_value().encode()
    logs = chain_logs(path) or [path]
    results = [(log, prune_log(log, key, cutoff=cutoff)) for log in logs]
    if as_json:
        single = results[0][1].as_dict() if len(results) == 1 else {}
        typer.echo(
            json.dumps(
                {
                    **single,
                    "cutoff": results[0][1].cutoff,
                    "deleted": [name for _, r in results for name in r.deleted],
                    "chains": [{"chain": log.name, **r.as_dict()} for log, r in results],
                },
                indent=2,
            )
        )
    else:
        for log, result in results:
            typer.echo(
                f"{log}: {len(result.deleted)} segment(s) older than {result.cutoff} deleted; "
                f"the chain starts after seq {result.anchor_seq}"
            )
