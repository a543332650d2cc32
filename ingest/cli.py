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
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

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

from graph.cli_types import iso_date
from graph.geography import Geography, load_geography
from graph.settings import Settings, get_settings
from ingest.collector import collector_relaxed
from ingest.delivery import CheckedDelivery, check_delivery, iter_records
from ingest.errors import DeliveryError
from ingest.manifest import MANIFEST_NAME
from ingest.mapping import load_mappings
from ingest.writer import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_TRANSACTION_RECORDS,
    write_delivery,
)

__all__ = ["find_deliveries", "ingest", "ingest_paths", "retention_app"]

_stderr = Console(stderr=True)

#: Deliveries checked ahead of the one being written (their records wait in temporary files):
#: enough to keep the checker busy while a large delivery is written.
_CHECK_AHEAD = 2

InstanceOpt = Annotated[
    str | None,
    typer.Option(
        "--instance",
        "-i",
        metavar="NAME",
        help="local instance (default: KNOOPPUNT_INSTANCE)",
        show_default=False,
    ),
]


def find_deliveries(paths: list[Path]) -> list[Path]:
    """Delivery directories named by ``paths``: each one itself, or those directly inside it."""
    found: list[Path] = []
    for path in paths:
        if (path / MANIFEST_NAME).is_file():
            found.append(path)
            continue
        if not path.is_dir():
            raise DeliveryError(f"{path}: not a delivery directory (no such directory)")
        inside = sorted(p for p in path.iterdir() if (p / MANIFEST_NAME).is_file())
        if not inside:
            raise DeliveryError(
                f"{path}: manifest missing ({MANIFEST_NAME}), and no deliveries inside"
            )
        found.extend(inside)
    return found


@dataclass
class DeliverySummary:
    """One delivery's outcome, as printed and as JSON."""

    delivery_id: str
    partner: str
    status: str
    rows: int
    rejected: int
    nodes: int
    links: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    reject_report: str | None = None
    unknown_pc4: int = 0

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "partner": self.partner,
            "status": self.status,
            "rows": self.rows,
            "rejected": self.rejected,
            "nodes": self.nodes,
            "links": self.links,
            "seconds": round(self.seconds, 3),
            "rows_per_s": round(self.rows_per_s, 1),
            "unknown_pc4": self.unknown_pc4,
            "warnings": self.warnings,
            "reject_report": self.reject_report,
        }


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
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
    with bar:
        yield bar


def _advance(bar: Progress | None, task: TaskID | None, started: float) -> Any:
    done = [0]

    def advance(n: int) -> None:
        if bar is None or task is None:
            return
        done[0] += n
        elapsed = time.perf_counter() - started
        bar.update(task, advance=n, rate=f"{done[0] / elapsed:,.0f}" if elapsed > 0 else "-")

    return advance


def ingest_paths(
    settings: Settings,
    paths: list[Path],
    *,
    instance: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_transaction_records: int | None = DEFAULT_MAX_TRANSACTION_RECORDS,
    force: bool = False,
    show_progress: bool = True,
) -> list[DeliverySummary]:
    """Check and write every delivery under ``paths`` in order; stops at the first refusal.

    A pipeline: while one delivery is being written (Neo4j works, this process mostly waits on
    the socket), the next ones are checked in a worker thread. The order of effects is that of
    a sequential run: delivery N+1's refusal surfaces only after delivery N is written, and when
    writing N fails, the checks ahead are dropped (``docs/decisions/023-ingest-pipeline.md``).
    """
    from graph.driver import connect
    from graph.schema import apply_schema

    deliveries = find_deliveries(paths)
    mappings = load_mappings()
    geography: Geography = load_geography(settings.require_geography_dir())
    summaries: list[DeliverySummary] = []
    driver = connect(settings, instance)
    try:
        apply_schema(driver, database=settings.neo4j_database)
        with (
            _progress(show_progress) as bar,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="knooppunt-check") as pool,
            collector_relaxed(),
        ):

            def check(directory: Path) -> Future[_Checked]:
                return pool.submit(_check_one, directory, mappings, geography, bar)

            upcoming: deque[Future[_Checked]] = deque()
            queued = 0
            for _ in range(len(deliveries)):
                # This delivery plus _CHECK_AHEAD more: the checker stays busy while it is written.
                while queued < len(deliveries) and len(upcoming) <= _CHECK_AHEAD:
                    upcoming.append(check(deliveries[queued]))
                    queued += 1
                try:
                    current = upcoming.popleft().result()  # raises this delivery's refusal
                    summaries.append(
                        _write_one(
                            settings,
                            driver,
                            current,
                            bar,
                            batch_size=batch_size,
                            max_transaction_records=max_transaction_records,
                            force=force,
                        )
                    )
                except BaseException:
                    for future in upcoming:
                        _drop(future)
                    raise
    finally:
        driver.close()
    return summaries


@dataclass(frozen=True)
class _Checked:
    checked: CheckedDelivery
    seconds: float


def _check_one(
    directory: Path, mappings: Any, geography: Geography, bar: Progress | None
) -> _Checked:
    started = time.perf_counter()
    task = bar.add_task(f"check {directory.name}", total=None, rate="-") if bar else None
    try:
        checked = check_delivery(
            directory, mappings, geography, progress=_advance(bar, task, started)
        )
    finally:
        if bar is not None and task is not None:
            bar.remove_task(task)
    return _Checked(checked, time.perf_counter() - started)


def _drop(upcoming: Future[_Checked]) -> None:
    """Discard a check that will not be written (its refusal, if any, no longer matters)."""
    if upcoming.cancel():
        return
    with suppress(Exception):  # the write's error is the one to report
        upcoming.result().checked.close()


def _write_one(
    settings: Settings,
    driver: Any,
    current: _Checked,
    bar: Progress | None,
    *,
    batch_size: int,
    max_transaction_records: int | None,
    force: bool,
) -> DeliverySummary:
    checked = current.checked
    report_path: str | None = None
    try:
        if checked.rejects.count:
            path = settings.home / "rejects" / f"{checked.delivery_id}.csv"
            checked.rejects.write_csv(path)
            report_path = str(path)
        write_started = time.perf_counter()
        task = (
            bar.add_task(
                f"write {checked.delivery_id}", total=checked.nodes + checked.links, rate="-"
            )
            if bar
            else None
        )
        result = write_delivery(
            driver,
            checked,
            iter_records(checked),
            database=settings.neo4j_database,
            batch_size=batch_size,
            max_transaction_records=max_transaction_records,
            force=force,
            on_batch=_advance(bar, task, write_started),
        )
    finally:
        checked.close()
    if bar is not None and task is not None:
        bar.remove_task(task)
    return DeliverySummary(
        delivery_id=checked.delivery_id,
        partner=checked.manifest.partner,
        status=result.status,
        rows=checked.rows,
        rejected=checked.rejects.count,
        nodes=result.nodes,
        links=result.links,
        seconds=current.seconds + time.perf_counter() - write_started,
        warnings=checked.warnings,
        reject_report=report_path,
        unknown_pc4=checked.unknown_pc4,
    )


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
        from ingest.bulk import run_bulk

        result = run_bulk(
            settings,
            instance or settings.instance,
            find_deliveries(paths),
            load_mappings(),
            load_geography(settings.require_geography_dir()),
        )
        if as_json:
            typer.echo(json.dumps({"bulk": result.as_dict()}, indent=2))
        else:
            for key, value in result.as_dict().items():
                typer.echo(f"{key:<16}{value}")
        return
    summaries = ingest_paths(
        settings,
        paths,
        instance=instance,
        batch_size=batch_size,
        max_transaction_records=max_transaction_records or None,
        force=force,
        show_progress=not as_json,
    )
    if as_json:
        typer.echo(json.dumps({"deliveries": [s.as_dict() for s in summaries]}, indent=2))
    else:
        _print_table(summaries)


retention_app = typer.Typer(
    name="retention",
    help="Retention: remove facts past their retain_until.\n\nExample: knooppunt retention run",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@retention_app.command("run")
def retention_run(
    instance: InstanceOpt = None,
    as_of: Annotated[
        date | None,
        typer.Option(
            "--as-of",
            parser=iso_date,
            metavar="DATE",
            help="ISO date (YYYY-MM-DD) to judge expiry by (default: today)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
) -> None:
    """Remove expired source references, delete facts with no source left, mark clusters stale.

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
            typer.echo(f"{key:<22}{value}")
