"""``knooppunt ingest`` end to end: find the deliveries, check ahead, write each, summarise.

The counterpart of :mod:`graph.analysis.runner`: the CLI (:mod:`ingest.cli`) parses and
prints, this module orchestrates, :mod:`ingest.delivery` checks and :mod:`ingest.writer`
writes. :func:`ingest_deliveries` takes an open driver; :func:`ingest_paths` opens one for a
local instance (the CLI, tests and benchmarks use it). Progress goes to a
:class:`graph.progress.Progress`: rows read as step ``check DIRNAME``, records written as
``write DELIVERY_ID``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import neo4j

from graph.geography import Geography, load_geography
from graph.progress import QUIET, Progress
from graph.settings import Settings
from graph.values import as_json
from ingest.collector import collector_relaxed
from ingest.delivery import CheckedDelivery, check_delivery, iter_records
from ingest.errors import DeliveryError
from ingest.lock import writer_lock
from ingest.manifest import MANIFEST_NAME
from ingest.mapping import Mapping, load_mappings
from ingest.writer import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_TRANSACTION_RECORDS,
    WriteResult,
    write_delivery,
)

if TYPE_CHECKING:
    from ingest.bulk import BulkResult

__all__ = [
    "DeliverySummary",
    "bulk_paths",
    "find_deliveries",
    "ingest_deliveries",
    "ingest_paths",
]

#: Deliveries checked ahead of the one being written (their records wait in temporary files):
#: enough to keep the checker busy while a large delivery is written.
_CHECK_AHEAD = 2


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
        return {**as_json(self, digits={"seconds": 3}), "rows_per_s": round(self.rows_per_s, 1)}


def ingest_paths(
    settings: Settings,
    paths: list[Path],
    *,
    instance: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_transaction_records: int | None = DEFAULT_MAX_TRANSACTION_RECORDS,
    force: bool = False,
    progress: Progress = QUIET,
) -> list[DeliverySummary]:
    """:func:`ingest_deliveries` for the deliveries under ``paths``, into a local instance."""
    from graph.driver import connect

    deliveries = find_deliveries(paths)
    mappings = load_mappings()
    geography = load_geography(settings.require_geography_dir())
    driver = connect(settings, instance)
    try:
        return ingest_deliveries(
            driver,
            deliveries,
            mappings=mappings,
            geography=geography,
            database=settings.neo4j_database,
            rejects_dir=settings.home / "rejects",
            batch_size=batch_size,
            max_transaction_records=max_transaction_records,
            force=force,
            progress=progress,
        )
    finally:
        driver.close()


def ingest_deliveries(
    driver: neo4j.Driver,
    deliveries: list[Path],
    *,
    mappings: dict[str, Mapping],
    geography: Geography,
    database: str,
    rejects_dir: Path,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_transaction_records: int | None = DEFAULT_MAX_TRANSACTION_RECORDS,
    force: bool = False,
    progress: Progress = QUIET,
) -> list[DeliverySummary]:
    """Check and write every delivery in order; stops at the first refusal.

    A pipeline: while one delivery is being written (Neo4j works, this process mostly waits on
    the socket), the next ones are checked in a worker thread. The order of effects is that of
    a sequential run: delivery N+1's refusal surfaces only after delivery N is written, and when
    writing N fails, the checks ahead are dropped (``docs/decisions/023-ingest-pipeline.md``).
    Rejected rows are reported in ``rejects_dir/DELIVERY_ID.csv``. Holds the graph's writer
    lock throughout (:mod:`ingest.lock`): a second ingest or a retention run is refused.
    """
    from graph.schema import apply_schema

    apply_schema(driver, database=database)
    writer = _Writer(
        driver,
        database=database,
        rejects_dir=rejects_dir,
        batch_size=batch_size,
        max_transaction_records=max_transaction_records,
        force=force,
        progress=progress,
    )
    with (
        writer_lock(driver, database=database, kind="ingest"),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="knooppunt-check") as pool,
        collector_relaxed(),
    ):

        def check(directory: Path) -> Future[_Checked]:
            return pool.submit(_check_one, directory, mappings, geography, progress)

        return _write_in_order(deliveries, check, writer)


def bulk_paths(settings: Settings, paths: list[Path], *, instance: str | None = None) -> BulkResult:
    """Initial load of the deliveries under ``paths`` into an empty local instance with
    ``neo4j-admin import`` (:mod:`ingest.bulk`; the server is stopped during the import)."""
    from ingest.bulk import run_bulk

    return run_bulk(
        settings,
        instance or settings.instance,
        find_deliveries(paths),
        load_mappings(),
        load_geography(settings.require_geography_dir()),
    )


@dataclass(frozen=True)
class _Checked:
    checked: CheckedDelivery
    seconds: float


def _write_in_order(
    deliveries: list[Path], check: Callable[[Path], Future[_Checked]], writer: _Writer
) -> list[DeliverySummary]:
    """Write the deliveries in order, keeping up to :data:`_CHECK_AHEAD` checks under way."""
    summaries: list[DeliverySummary] = []
    upcoming: deque[Future[_Checked]] = deque()
    queued = 0
    for _ in range(len(deliveries)):
        # This delivery plus _CHECK_AHEAD more: the checker stays busy while it is written.
        while queued < len(deliveries) and len(upcoming) <= _CHECK_AHEAD:
            upcoming.append(check(deliveries[queued]))
            queued += 1
        try:
            current = upcoming.popleft().result()  # raises this delivery's refusal
            summaries.append(writer.write(current))
        except BaseException:
            for future in upcoming:
                _drop(future)
            raise
    return summaries


def _check_one(
    directory: Path, mappings: dict[str, Mapping], geography: Geography, progress: Progress
) -> _Checked:
    started = time.perf_counter()
    checked = check_delivery(directory, mappings, geography, progress=progress)
    return _Checked(checked, time.perf_counter() - started)


def _drop(upcoming: Future[_Checked]) -> None:
    """Discard a check that will not be written (its refusal, if any, no longer matters)."""
    if upcoming.cancel():
        return
    with suppress(Exception):  # the write's error is the one to report
        upcoming.result().checked.close()


@dataclass(frozen=True)
class _Writer:
    """Writes one checked delivery and sums it up."""

    driver: neo4j.Driver
    database: str
    rejects_dir: Path
    batch_size: int
    max_transaction_records: int | None
    force: bool
    progress: Progress

    def write(self, current: _Checked) -> DeliverySummary:
        checked = current.checked
        try:
            report_path = self._write_rejects(checked)
            write_started = time.perf_counter()
            result = self._write_records(checked)
        finally:
            checked.close()
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

    def _write_rejects(self, checked: CheckedDelivery) -> str | None:
        if not checked.rejects.count:
            return None
        path = self.rejects_dir / f"{checked.delivery_id}.csv"
        checked.rejects.write_csv(path)
        return str(path)

    def _write_records(self, checked: CheckedDelivery) -> WriteResult:
        step = f"write {checked.delivery_id}"
        total = checked.nodes + checked.links
        written = 0

        def on_batch(n: int) -> None:
            nonlocal written
            written += n
            self.progress.update(step, written, total)

        self.progress.update(step, 0, total)
        try:
            return write_delivery(
                self.driver,
                checked,
                iter_records(checked),
                database=self.database,
                batch_size=self.batch_size,
                max_transaction_records=self.max_transaction_records,
                force=self.force,
                on_batch=on_batch,
            )
        finally:
            self.progress.finish(step)
