"""``knooppunt serve``, ``knooppunt token`` and ``knooppunt audit verify``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.audit import audit_log_path, verify_log
from api.auth import ORGANISATIONS, Role, mint_token
from graph.cli_types import InstanceOpt
from graph.errors import ExitCode
from graph.settings import get_settings

__all__ = ["audit_app", "serve", "token"]

audit_app = typer.Typer(
    name="audit",
    help="The API's audit log.\n\nExample: knooppunt audit verify",
    no_args_is_help=True,
    rich_markup_mode=None,
)


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


@audit_app.command("verify")
def verify(
    log: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="the log file (default: KNOOPPUNT_AUDIT_LOG)"),
    ] = None,
    expect_seq: Annotated[
        int | None,
        typer.Option(
            metavar="SEQ",
            min=0,
            help="a head seq recorded earlier: detects entries removed from the end",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Check the audit log's hash chain (HMAC with KNOOPPUNT_AUDIT_KEY); exit 8 when broken.

    Example: knooppunt audit verify --expect-seq 1200
    """
    settings = get_settings()
    path = log or audit_log_path(settings)
    report = verify_log(path, settings.audit_key.get_secret_value().encode(), expect_seq=expect_seq)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for problem in report.problems:
            typer.echo(problem, err=True)
        state = "intact" if report.ok else f"BROKEN ({len(report.problems)} problem(s))"
        typer.echo(
            f"{path}: {report.entries} entries, chain {state}; "
            f"head seq {report.head_seq} mac {report.head_mac}"
        )
    if not report.ok:
        raise typer.Exit(int(ExitCode.AUDIT_BROKEN))
