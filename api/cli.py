"""``knooppunt serve``, ``knooppunt token``, ``knooppunt audit verify`` and ``audit prune``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.audit import SignedHead, audit_log_path, prune_log, verify_log
from api.audit.files import chain_id
from api.auth import ORGANISATIONS, Role, mint_token
from graph.cli_types import AsOfOpt, InstanceOpt
from graph.errors import ExitCode, Neo4jUnavailableError
from graph.settings import Settings, get_settings

__all__ = ["audit_app", "serve", "token"]

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


def serve(
    host: Annotated[
        str, typer.Option(metavar="ADDRESS", help="address to listen on (loopback by default)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=1, max=65535, help="TCP port")] = 8000,
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
    """Serve the API (one process: the audit log is written by one writer).

    Logs go to stderr, one line per request: JSON unless stderr is a terminal
    (KNOOPPUNT_LOG_FORMAT=json|console|auto); see docs/operations.md.

    Example: knooppunt serve --port 8000
    """
    import uvicorn

    from api.app import create_app
    from graph.logs import configure_logging

    settings = get_settings()
    if log_level is not None:
        settings = settings.model_copy(update={"log_level": log_level.value})
    configure_logging(settings)
    app = create_app(settings, instance=instance)
    # log_config=None: uvicorn keeps its hands off logging, its records reach our handler.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        log_level=settings.log_level,
        access_log=False,
        server_header=False,
        workers=1,
    )


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
) -> None:
    """Print a local HS256 token signed with KNOOPPUNT_JWT_SECRET.

    Example: knooppunt token --org Limburg --role analyst
    """
    typer.echo(mint_token(get_settings(), subject=subject, org=org, role=role, ttl_seconds=ttl))


LogOpt = Annotated[
    Path | None,
    typer.Option(metavar="FILE", help="the active log file (default: KNOOPPUNT_AUDIT_LOG)"),
]


def _neo4j_checkpoint(
    settings: Settings, instance: str | None, path: Path, check: Neo4jCheck
) -> tuple[SignedHead | None, str | None]:
    """The chain's checkpoint in Neo4j, and a note when it was not read."""
    if check is Neo4jCheck.SKIP:
        return None, "Neo4j checkpoint not checked (--neo4j skip)"
    from api.audit.remote import read_checkpoint
    from graph.driver import connect

    try:
        driver = connect(settings, instance)
    except Neo4jUnavailableError:
        if check is Neo4jCheck.REQUIRE:
            raise
        return None, "Neo4j checkpoint not checked: Neo4j does not answer (--neo4j require fails)"
    try:
        return read_checkpoint(driver, settings.neo4j_database, chain_id(path)), None
    except ValueError:
        return (
            SignedHead("checkpoint", "", 0, "", "", "", ""),  # malformed: fails its signature
            None,
        )
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
    """Check the audit chain across its segments (HMAC with KNOOPPUNT_AUDIT_KEY) against its
    checkpoint file and Neo4j checkpoint; exit 8 when broken or cut short.

    Example: knooppunt audit verify --expect-seq 1200
    """
    settings = get_settings()
    path = log or audit_log_path(settings)
    remote, note = _neo4j_checkpoint(settings, instance, path, neo4j)
    report = verify_log(
        path,
        settings.audit_key.get_secret_value().encode(),
        expect_seq=expect_seq,
        neo4j_checkpoint=remote,
    )
    if note:
        report.notes.append(note)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for line in report.notes:
            typer.echo(line, err=True)
        for problem in report.problems:
            typer.echo(problem, err=True)
        state = "intact" if report.ok else f"BROKEN ({len(report.problems)} problem(s))"
        typer.echo(
            f"{path}: {report.entries} entries in {len(report.files)} file(s), chain {state}; "
            f"head seq {report.head_seq} mac {report.head_mac}"
        )
    if not report.ok:
        raise typer.Exit(int(ExitCode.AUDIT_BROKEN))


@audit_app.command("prune")
def prune(
    log: LogOpt = None,
    as_of: AsOfOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
) -> None:
    """Delete rotated audit segments older than KNOOPPUNT_AUDIT_RETENTION_DAYS, behind a signed
    anchor; refuses (exit 8) a chain that does not verify.

    Example: knooppunt audit prune --as-of 2031-01-01
    """
    settings = get_settings()
    path = log or audit_log_path(settings)
    day = as_of or datetime.now(UTC).date()
    cutoff = datetime.combine(day, time(), tzinfo=UTC) - timedelta(
        days=settings.audit_retention_days
    )
    result = prune_log(path, settings.audit_key.get_secret_value().encode(), cutoff=cutoff)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        typer.echo(
            f"{path}: {len(result.deleted)} segment(s) older than {result.cutoff} deleted; "
            f"the chain starts after seq {result.anchor_seq}"
        )
