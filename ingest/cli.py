"""``knooppunt ingest`` and ``knooppunt retention run``.

``ingest PATH...`` takes delivery directories (each with ``manifest.json``) or folders holding
them (such as the generator's output). Each delivery is checked completely (manifest,
checksums, columns, rows, privacy guard, reject threshold) and only then written, in one
transaction. Progress goes to stderr; the summary table, or with ``--json`` one JSON document,
to stdout.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from graph.cli_types import AsOfOpt, InstanceOpt
from graph.progress import QUIET
from graph.progress import Progress as GraphProgress
from graph.settings import get_settings
from ingest.pipeline import DeliverySummary, bulk_paths, ingest_paths
from ingest.writer import DEFAULT_BATCH_SIZE, DEFAULT_MAX_TRANSACTION_RECORDS

__all__ = ["ingest", "retention_app"]

_stderr = Console(stderr=True)


class _Bars:
    """The ingest's :class:`graph.progress.Progress` on stderr: one bar per step (a check,
    a write) with its rate; thread-safe (the checker thread and the writer both report).
    The display starts with the first step, so errors before it print alone."""

    def __init__(self, bar: Progress) -> None:
        self._bar = bar
        self._tasks: dict[str, tuple[TaskID, float]] = {}
        self._lock = threading.Lock()
        self.started = False

    def update(self, step: str, done: int, total: int | None = None) -> None:
        with self._lock:
            entry = self._tasks.get(step)
            if entry is None:
                if not self.started:
                    self._bar.start()
                    self.started = True
                task = self._bar.add_task(step, total=total, completed=done, rate="-")
                self._tasks[step] = (task, time.perf_counter())
                return
        task, started = entry
        elapsed = time.perf_counter() - started
        rate = f"{done / elapsed:,.0f}" if elapsed > 0 else "-"
        self._bar.update(task, completed=done, total=total, rate=rate)

    def note(self, message: str) -> None:
        """The ingest writes no notes."""

    def finish(self, step: str) -> None:
        with self._lock:
            entry = self._tasks.pop(step, None)
        if entry is not None:
            self._bar.remove_task(entry[0])


@contextmanager
def _progress(enabled: bool) -> Iterator[GraphProgress]:
    if not enabled:
        yield QUIET
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} rows/s"),
        TimeElapsedColumn(),
        console=_stderr,
        transient=True,
    )
    bars = _Bars(bar)
    try:
        yield bars
    finally:
        if bars.started:
            bar.stop()


#: The summary's columns; the first three are text (left-aligned), the others numbers.
_COLUMNS = ("delivery", "partner", "status", "rows", "rejected", "nodes", "links", "s", "rows/s")
_TEXT_COLUMNS = 3


def _plain_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Columns padded to their widest cell, nothing cut or wrapped (for pipes and CI logs)."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i < _TEXT_COLUMNS else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in (header, *rows)
    )


def _print_table(summaries: list[DeliverySummary]) -> None:
    rows: list[tuple[str, ...]] = [
        (
            s.delivery_id,
            s.partner,
            s.status,
            f"{s.rows:,}",
            f"{s.rejected:,}",
            f"{s.nodes:,}",
            f"{s.links:,}",
            f"{s.seconds:.1f}",
            f"{s.rows_per_s:,.0f}",
        )
        for s in summaries
    ]
    if sys.stdout.isatty():
        table = Table(title="ingest")
        for i, column in enumerate(_COLUMNS):
            table.add_column(column, justify="left" if i < _TEXT_COLUMNS else "right")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    else:
        typer.echo(_plain_table(_COLUMNS, rows))
    for s in summaries:
        for warning in s.warnings:
            _stderr.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)
        if s.reject_report:
            _stderr.print(
                f"{s.delivery_id}: {s.rejected} rejected row(s), report: {s.reject_report}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        if s.unknown_pc4:
            _stderr.print(
                f"{s.delivery_id}: {s.unknown_pc4} address(es) with an unknown PC4 "
                "(kept, no region)",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )


def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", help="delivery directories or folders of them"),
    ],
    instance: InstanceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    batch_size: Annotated[
        int, typer.Option(metavar="ROWS", min=1, help="rows per UNWIND batch")
    ] = DEFAULT_BATCH_SIZE,
    max_transaction_records: Annotated[
        int,
        typer.Option(
            metavar="RECORDS",
            min=0,
            help="records per delivery written in one transaction; larger deliveries are "
            "split (0: never split; size the Neo4j heap for it)",
        ),
    ] = DEFAULT_MAX_TRANSACTION_RECORDS,
    force: Annotated[
        bool, typer.Option(help="write deliveries already committed again (a no-op by MERGE)")
    ] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="initial load of an empty local instance with neo4j-admin import (same "
            "checks; the server is stopped during the import)",
        ),
    ] = False,
) -> None:
    """Check and load partner deliveries into Neo4j, each one all or nothing.

    Example: knooppunt ingest data/tiny --json
    """
    settings = get_settings()
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    if bulk:
        result = bulk_paths(settings, paths, instance=instance)
        if as_json:
            typer.echo(json.dumps({"bulk": result.as_dict()}, indent=2))
        else:
            for key, value in result.as_dict().items():
                typer.echo(f"{key:<16}{value}")
        return
    with _progress(not as_json) as progress:
        summaries = ingest_paths(
            settings,
            paths,
            instance=instance,
            batch_size=batch_size,
            max_transaction_records=max_transaction_records or None,
            force=force,
            progress=progress,
        )
    if as_json:
        typer.echo(json.dumps({"deliveries": [s.as_dict() for s in summaries]}, indent=2))
    else:
        _print_table(summaries)


retention_app = typer.Typer(
    name="retention",
    help=(
        "Retention: remove facts past their retain_until, and closed cases past theirs."
        "\n\nExample: knooppunt retention run"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)


@retention_app.command("run")
def retention_run(
    instance: InstanceOpt = None,
    as_of: AsOfOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
) -> None:
    """Remove expired source references, delete facts with no source left, mark clusters stale;
    delete closed cases past their retention (with their notes, events and scope links).

    Example: knooppunt retention run --as-of 2031-01-01
    """
    from graph.driver import connect
    from ingest.retention import run_retention

    day = as_of or date.today()
    settings = get_settings()
    driver = connect(settings, instance)
    try:
        result = run_retention(driver, as_of=day, database=settings.neo4j_database)
    finally:
        driver.close()
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        for key, value in result.as_dict().items():
            if key == "cases":
                continue
            typer.echo(f"{key:<22}{value}")
        for key, value in result.cases.as_dict().items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {n}" for k, n in value.items()) or "0"
            typer.echo(f"{key:<26}{value}")
