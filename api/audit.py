"""The audit log: every request, written durably before its response leaves, tamper-evident.

One JSON object per line, appended to one file (``KNOOPPUNT_AUDIT_LOG``, default
``<home>/audit/api-audit.log``). Each entry carries ``seq`` (1, 2, ...), ``prev`` (the previous
entry's ``mac``; 64 zeros for the first) and ``mac``: HMAC-SHA256, keyed with
``KNOOPPUNT_AUDIT_KEY``, over ``prev`` and the entry's canonical JSON without ``mac``. Editing an
entry breaks its MAC; deleting or reordering entries breaks the ``seq``/``prev`` chain;
:func:`verify_log` (``knooppunt audit verify``) reports both. Deleting entries at the very end
leaves a valid shorter chain: compare the head that ``verify`` prints with one kept elsewhere
(``--expect-seq``), as decision record 042 explains.

Durability: :meth:`AuditLog.append` returns only after the entry is written and ``fsync``-ed.
Concurrent requests share one write and one ``fsync`` (group commit). One process writes a log
file at a time (an exclusive ``flock``); a write that died half-way (a torn last line, which no
response ever acknowledged) is cut off when the log is next opened, and a ``recovery`` entry
records how many bytes were dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from api.errors import AuditLogError, AuditUnavailableError
from graph.settings import Settings

__all__ = [
    "GENESIS",
    "AuditLog",
    "VerifyReport",
    "audit_log_path",
    "compute_mac",
    "read_entries",
    "verify_log",
]

#: ``prev`` of the first entry.
GENESIS: Final = "0" * 64
_TAIL_READ = 1 << 16


def audit_log_path(settings: Settings) -> Path:
    """Where the API writes its audit log."""
    return settings.audit_log or settings.home / "audit" / "api-audit.log"


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def compute_mac(key: bytes, body: dict[str, Any]) -> str:
    """HMAC-SHA256 of an entry (without its ``mac``), chained through its ``prev``."""
    payload = dict(body)
    payload.pop("mac", None)
    prev = str(payload.get("prev", ""))
    message = prev.encode("ascii") + b"\n" + _canonical(payload)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AuditLog:
    """An open, locked audit log that appends entries durably with group commit.

    Create it with :meth:`open` (once per process, in the app's lifespan) and :meth:`close` it.
    """

    def __init__(self, path: Path, key: bytes, fd: int, seq: int, last_mac: str) -> None:
        self.path = path
        self._key = key
        self._fd = fd
        self._seq = seq
        self._last_mac = last_mac
        self._queue: list[tuple[dict[str, Any], asyncio.Future[int]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._broken: str | None = None

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, key: bytes) -> AuditLog:
        """Open (or create) the log, take its lock, cut a torn tail, and resume its chain."""
        if not key:
            raise AuditLogError("KNOOPPUNT_AUDIT_KEY is empty")
        new_dir = not path.parent.exists()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            raise AuditLogError(f"{path}: audit log is in use by another process") from e
        try:
            if new_dir:
                _fsync_dir(path.parent.parent)
            _fsync_dir(path.parent)
            seq, last_mac, dropped = _resume(fd, path, key)
        except BaseException:
            os.close(fd)
            raise
        log = cls(path, key, fd, seq, last_mac)
        if dropped:
            log.append_sync({"kind": "recovery", "dropped_bytes": dropped})
        return log

    @property
    def head(self) -> tuple[int, str]:
        """``(seq, mac)`` of the latest entry written (``(0, GENESIS)`` for an empty log)."""
        return self._seq, self._last_mac

    # -- writing -------------------------------------------------------------------------------

    def _seal(self, record: dict[str, Any]) -> bytes:
        self._seq += 1
        body: dict[str, Any] = {"seq": self._seq, "time": _now_iso(), **record}
        body["seq"] = self._seq
        body["prev"] = self._last_mac
        body["mac"] = compute_mac(self._key, body)
        self._last_mac = body["mac"]
        return _canonical(body) + b"\n"

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)

    def append_sync(self, record: dict[str, Any]) -> int:
        """Append one entry and fsync it (for use outside an event loop)."""
        if self._broken:
            raise AuditUnavailableError(self._broken)
        line = self._seal(record)
        try:
            self._write(line)
        except OSError as e:
            self._broken = f"audit log write failed ({e.strerror}); restart the API"
            raise AuditUnavailableError(self._broken) from e
        return self._seq

    async def append(self, record: dict[str, Any]) -> int:
        """Append one entry; returns its ``seq`` once it is on disk (fsync-ed).

        Entries that arrive while a write is in flight are written together in the next one.
        """
        if self._broken:
            raise AuditUnavailableError(self._broken)
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append((record, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            if self._broken:
                for _, future in batch:
                    future.set_exception(AuditUnavailableError(self._broken))
                continue
            lines = [self._seal(record) for record, _ in batch]
            first = self._seq - len(lines) + 1
            try:
                await asyncio.to_thread(self._write, b"".join(lines))
            except OSError as e:
                self._broken = f"audit log write failed ({e.strerror}); restart the API"
                for _, future in batch:
                    if not future.done():
                        future.set_exception(AuditUnavailableError(self._broken))
                continue
            for offset, (_, future) in enumerate(batch):
                if not future.done():
                    future.set_result(first + offset)

    async def aclose(self) -> None:
        """Wait for pending entries, then release the lock and close the file."""
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher
        self.close()

    def close(self) -> None:
        """Release the lock and close the file (pending async entries are not waited for)."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _resume(fd: int, path: Path, key: bytes) -> tuple[int, str, int]:
    """Find the last complete entry (checking its MAC); cut a torn tail. Returns seq, mac, cut."""
    size = os.fstat(fd).st_size
    if size == 0:
        return 0, GENESIS, 0
    start = max(0, size - _TAIL_READ)
    tail = os.pread(fd, size - start, start)
    dropped = 0
    if not tail.endswith(b"\n"):
        cut = tail.rfind(b"\n")
        keep = start + cut + 1 if cut >= 0 else start
        if cut < 0 and start > 0:
            raise AuditLogError(f"{path}: last line longer than {_TAIL_READ} bytes; run verify")
        dropped = size - keep
        os.ftruncate(fd, keep)
        os.fsync(fd)
        tail = tail[: keep - start]
    lines = tail.rstrip(b"\n").split(b"\n") if tail else []
    if not lines or not lines[-1]:
        return 0, GENESIS, dropped
    try:
        last = json.loads(lines[-1])
        seq = int(last["seq"])
        mac = str(last["mac"])
    except (ValueError, KeyError, TypeError) as e:
        raise AuditLogError(
            f"{path}: last entry is not a valid audit entry; run 'knooppunt audit verify'"
        ) from e
    if not hmac.compare_digest(compute_mac(key, last), mac):
        raise AuditLogError(
            f"{path}: last entry (seq {seq}) fails its MAC check (edited, or another "
            "KNOOPPUNT_AUDIT_KEY); run 'knooppunt audit verify'"
        )
    return seq, mac, dropped


def read_entries(path: Path) -> Iterator[dict[str, Any]]:
    """The log's entries, in order; lines that are not JSON objects are skipped."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        for raw in handle:
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry


@dataclass(slots=True)
class VerifyReport:
    """What :func:`verify_log` found."""

    path: Path
    entries: int = 0
    head_seq: int = 0
    head_mac: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is intact."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``knooppunt audit verify --json``)."""
        return {
            "path": str(self.path),
            "ok": self.ok,
            "entries": self.entries,
            "head_seq": self.head_seq,
            "head_mac": self.head_mac,
            "problems": self.problems,
        }


def verify_log(path: Path, key: bytes, *, expect_seq: int | None = None) -> VerifyReport:
    """Check every entry's MAC and the ``seq``/``prev`` chain; report every break by line."""
    report = VerifyReport(path=path)
    if not path.exists():
        report.problems.append(f"{path}: audit log does not exist")
        return report
    expected_seq = 1
    expected_prev = GENESIS
    with path.open("rb") as handle:
        data = handle.read()
    if data and not data.endswith(b"\n"):
        report.problems.append(f"{path}: last line is incomplete (a torn write)")
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw:
            continue
        try:
            entry = json.loads(raw)
            seq = int(entry["seq"])
            prev = str(entry["prev"])
            mac = str(entry["mac"])
        except (ValueError, KeyError, TypeError):
            report.problems.append(f"{path}: line {number}: not an audit entry")
            continue
        report.entries += 1
        if not hmac.compare_digest(compute_mac(key, entry), mac):
            report.problems.append(
                f"{path}: line {number} (seq {seq}): MAC mismatch, the entry was edited"
            )
        if seq != expected_seq:
            what = "missing before it (deleted)" if seq > expected_seq else "out of order"
            report.problems.append(
                f"{path}: line {number}: seq {seq} where {expected_seq} was expected, "
                f"entries {what}"
            )
        elif prev != expected_prev:
            report.problems.append(
                f"{path}: line {number} (seq {seq}): 'prev' does not match the previous "
                "entry's MAC (an entry was replaced or removed)"
            )
        expected_seq = seq + 1
        expected_prev = mac
        report.head_seq = seq
        report.head_mac = mac
    if expect_seq is not None and report.head_seq < expect_seq:
        report.problems.append(
            f"{path}: log ends at seq {report.head_seq} but seq {expect_seq} was recorded "
            "elsewhere: entries were removed from the end"
        )
    return report
