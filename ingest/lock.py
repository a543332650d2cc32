"""One writer at a time: the graph's writer lock, a lease in Neo4j (``docs/decisions/064``).

Ingest and retention take the lock before their first write and hold it until they end. The
lock is one ``WriterLock`` node with its owner (kind, host, process, a random part), start
time and heartbeat; the holder beats every :data:`HEARTBEAT` seconds from a daemon thread. A
holder that crashed stops beating, and after :data:`LEASE` its lock may be taken over (at once
when it was a process of this host that no longer runs). A finished run deletes the lock. A second
writer is refused with :class:`~ingest.errors.WriterBusyError` (exit 7) naming the running one.
The bulk load needs none: it writes a stopped, empty instance whose store Neo4j itself locks.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Final

import neo4j
import psutil

from graph.values import native
from ingest.errors import WriterBusyError
from ingest.queries import WRITER_LOCK_BEAT, WRITER_LOCK_RELEASE, WRITER_LOCK_TAKE

__all__ = ["HEARTBEAT", "LEASE", "writer_lock"]

#: A holder whose heartbeat is older than this is taken to have crashed.
LEASE: Final = timedelta(seconds=120)
#: How often the holder renews its lease.
HEARTBEAT: Final = 20.0


def _owner(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _crashed_here(holder: str) -> bool:
    """Whether ``holder`` is a process of this host that no longer runs (taken over at once)."""
    _, _, where = holder.partition("@")
    host, _, rest = where.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not psutil.pid_exists(int(pid))


def _try(
    driver: neo4j.Driver, database: str, kind: str, owner: str, stale_before: datetime
) -> neo4j.Record:
    records, _, _ = driver.execute_query(
        WRITER_LOCK_TAKE,
        owner=owner,
        kind=kind,
        now=datetime.now(UTC),
        stale_before=stale_before,
        database_=database,
    )
    return records[0]


def _take(driver: neo4j.Driver, database: str, kind: str, owner: str, lease: timedelta) -> None:
    record = _try(driver, database, kind, owner, datetime.now(UTC) - lease)
    if not record["taken"] and _crashed_here(str(record["owner"])):
        # the holder died on this machine (kill -9, power loss): no need to wait for its lease
        record = _try(driver, database, kind, owner, datetime.max.replace(tzinfo=UTC))
    if not record["taken"]:
        started = native(record["started_at"])
        since = started.isoformat(timespec="seconds") if isinstance(started, datetime) else "?"
        raise WriterBusyError(
            f"another writer is running: {record['kind']} ({record['owner']}) since {since}; "
            f"nothing was written. Run again when it has finished (a crashed writer's lock "
            f"expires {int(lease.total_seconds())} s after its last heartbeat)"
        )


def _beat(driver: neo4j.Driver, database: str, owner: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT):
        try:
            driver.execute_query(
                WRITER_LOCK_BEAT, owner=owner, now=datetime.now(UTC), database_=database
            )
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError):
            continue  # a missed beat: the write itself fails and says why if the lock is lost


@contextmanager
def writer_lock(
    driver: neo4j.Driver, *, database: str, kind: str, lease: timedelta = LEASE
) -> Iterator[str]:
    """Hold the graph's writer lock while the block runs (yields the owner id); raises
    :class:`WriterBusyError` at once when a live writer holds it."""
    owner = _owner(kind)
    _take(driver, database, kind, owner, lease)
    stop = threading.Event()
    beat = threading.Thread(
        target=_beat, args=(driver, database, owner, stop), name="knooppunt-lock", daemon=True
    )
    beat.start()
    try:
        yield owner
    finally:
        stop.set()
        beat.join(timeout=5)
        driver.execute_query(WRITER_LOCK_RELEASE, owner=owner, database_=database)
