"""The writer: :class:`AuditLog` appends entries durably with group commit, rotates the active
file, and anchors the chain's head outside it with signed checkpoints.

Durability: :meth:`AuditLog.append` returns only after the entry is written and ``fsync``-ed;
concurrent requests share one write and one ``fsync``. One process writes a chain at a time (an
exclusive ``flock``); a torn last line (a write that died half-way, which no response ever
acknowledged) is cut off on open and a ``recovery`` entry records the bytes dropped.

Checkpoints (``docs/decisions/066``): every ``audit_checkpoint_entries`` entries or
``audit_checkpoint_seconds`` seconds, a background task writes the durable head, signed, to
``<log>.checkpoint`` (atomically) and then hands it to a sink (the API's: Neo4j). A failing sink
is retried at the next round; requests never wait for either. :meth:`AuditLog.open` refuses a
log that ends before its checkpoint, whose segments do not follow on from each other, or that
has entries but no checkpoint file.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hmac
import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from api.audit.chain import GENESIS, canonical, compute_mac, fsync_dir, now_iso
from api.audit.files import (
    TAIL_READ,
    SignedHead,
    anchor_path,
    chain_id,
    checkpoint_path,
    edge_entries,
    read_head,
    segment_path,
    segments,
    worker_log_path,
    write_head,
)
from api.errors import AuditBrokenError, AuditInUseError, AuditLogError, AuditUnavailableError
from graph.logs import get_logger
from graph.settings import Settings

__all__ = ["AuditLog", "AuditPolicy", "CheckpointSink", "continuity_problems", "mark_problem"]

_log = get_logger("knooppunt.api.audit")

#: Hands a file checkpoint on to a second place (the API: Neo4j); may raise, is retried.
CheckpointSink = Callable[[SignedHead], Awaitable[None]]

#: How long one hand-over to the sink may take before it is retried at the next round.
SINK_TIMEOUT_SECONDS: Final = 5.0


@dataclass(frozen=True, slots=True)
class AuditPolicy:
    """When the writer checkpoints and rotates (the ``audit_*`` settings)."""

    checkpoint_entries: int = 1000
    checkpoint_seconds: float = 10.0
    #: Rotate once the active file holds this many bytes; 0: never by size.
    rotate_bytes: int = 0
    #: Rotate when the first entry of the active file is of an earlier UTC day.
    rotate_daily: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditPolicy:
        return cls(
            checkpoint_entries=settings.audit_checkpoint_entries,
            checkpoint_seconds=settings.audit_checkpoint_seconds,
            rotate_bytes=settings.audit_rotate_bytes,
            rotate_daily=settings.audit_rotate_daily,
        )


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def mark_problem(
    key: bytes, log: Path, mark: SignedHead, where: str, seq: int, mac: str | None
) -> str | None:
    """Why a checkpoint or anchor (from ``where``) does not fit a chain whose entry ``seq`` has
    ``mac`` (``None``: not known), or ``None`` when it fits."""
    if not mark.valid(key):
        return f"{where}: the {mark.purpose}'s signature is wrong (edited, or another key)"
    if mark.chain != chain_id(log):
        return f"{where}: the {mark.purpose} belongs to chain {mark.chain!r}, not {chain_id(log)!r}"
    if mark.purpose == "checkpoint" and mark.seq > seq:
        return (
            f"{log}: the log ends at seq {seq} but {where} records seq {mark.seq}: "
            "entries were removed from the end (or the file was emptied)"
        )
    if mac is not None and mark.seq == seq and not hmac.compare_digest(mark.mac, mac):
        return f"{where}: seq {seq} has another MAC in the log: entries were replaced"
    return None


def continuity_problems(log: Path, anchor: SignedHead | None) -> list[str]:
    """Whether each file starts where the one before it ended (from the genesis, or from the
    prune anchor): a deleted segment shows as a gap. Reads only each file's first and last
    line."""
    expected_seq = anchor.seq + 1 if anchor else 1
    expected_prev = anchor.mac if anchor else GENESIS
    problems: list[str] = []
    files = [path for _, path in segments(log)] + ([log] if log.exists() else [])
    for path in files:
        first, last = edge_entries(path)
        if first is None or last is None:
            if path != log:
                problems.append(f"{path}: rotated segment holds no entries")
            continue
        if anchor is not None and int(last.get("seq", 0)) <= anchor.seq:
            continue  # left over by a prune that stopped before deleting it
        if int(first.get("seq", -1)) != expected_seq or first.get("prev") != expected_prev:
            problems.append(
                f"{path}: starts at seq {first.get('seq')} where seq {expected_seq} was "
                "expected: a segment is missing (deleted, or pruned without its anchor)"
            )
        expected_seq = int(last.get("seq", 0)) + 1
        expected_prev = str(last.get("mac", ""))
    return problems


class AuditLog:
    """An open, locked audit chain that appends entries durably with group commit.

    Create it with :meth:`open` (once per process, in the app's lifespan), start its
    checkpoints with :meth:`start_checkpoints` inside the event loop, and :meth:`aclose` it.
    """

    def __init__(
        self, path: Path, key: bytes, fd: int, head: tuple[int, str], policy: AuditPolicy
    ) -> None:
        self.path = path
        #: The configured log (``KNOOPPUNT_AUDIT_LOG``) beside which every chain is kept; the
        #: readers (``/audit``, subject exports) read all of them (:func:`read_all_entries`).
        self.base = path
        self._key = key
        self._fd = fd
        self._policy = policy
        self._seq, self._last_mac = head
        self._durable = head
        first, _ = edge_entries(path)
        self._size = os.fstat(fd).st_size
        self._first_seq: int | None = int(first["seq"]) if first else None
        self._day = str(first.get("time", ""))[:10] if first else _today()
        found = segments(path)
        self._durable_first = self._first_seq or (found[-1][0] if found else head[0] + 1)
        self._queue: list[tuple[dict[str, Any], asyncio.Future[int]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._broken: str | None = None
        self._checkpointed: SignedHead | None = None
        self._sent_seq = -1
        self._sink: CheckpointSink | None = None
        self._wake: asyncio.Event | None = None
        self._checkpointer: asyncio.Task[None] | None = None

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, key: bytes, policy: AuditPolicy | None = None) -> AuditLog:
        """Open (or create) the log, take its lock, cut a torn tail, check it against its
        checkpoint and segments, and resume its chain."""
        if not key:
            raise AuditLogError("KNOOPPUNT_AUDIT_KEY is empty")
        new_dir = not path.parent.exists()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            raise AuditInUseError(f"{path}: audit log is in use by another process") from e
        try:
            if new_dir:
                fsync_dir(path.parent.parent)
            fsync_dir(path.parent)
            seq, last_mac, dropped = _resume(fd, path, key)
            checkpoint = _check_marks(path, key, seq, last_mac)
        except BaseException:
            os.close(fd)
            raise
        log = cls(path, key, fd, (seq, last_mac), policy or AuditPolicy())
        log._checkpointed = checkpoint
        if dropped:
            log.append_sync({"kind": "recovery", "dropped_bytes": dropped})
        log.checkpoint_sync(force=checkpoint is None)
        return log

    @classmethod
    def open_worker(
        cls,
        base: Path,
        key: bytes,
        policy: AuditPolicy | None = None,
        *,
        replica: str,
        slots: int,
    ) -> AuditLog:
        """Open this worker's own chain: the first of the replica's ``slots`` worker chains
        (``<base stem>@<replica>-<index><suffix>``, :func:`~api.audit.files.worker_log_path`)
        that no other process holds (its ``flock``).

        A worker's identity is its slot, not its pid: a worker that died leaves its slot free,
        and the one started in its place continues that chain (torn tail cut, checkpoints
        checked) instead of starting a new one; no two live processes ever share a chain.
        Refuses (:class:`AuditLogError`) when every slot is held (more workers than slots),
        and like :meth:`open` a slot whose chain is broken (decision 074)."""
        for index in range(slots):
            try:
                log = cls.open(worker_log_path(base, f"{replica}-{index}"), key, policy)
            except AuditInUseError:
                continue
            log.base = base
            return log
        raise AuditLogError(
            f"{base.parent}: all {slots} audit chains of replica {replica!r} are held by other "
            "processes (more workers than KNOOPPUNT_API_WORKERS, or a second server with the "
            "same KNOOPPUNT_REPLICA on this directory)"
        )

    @property
    def head(self) -> tuple[int, str]:
        """``(seq, mac)`` of the latest entry written (``(0, GENESIS)`` for an empty log)."""
        return self._seq, self._last_mac

    @property
    def checkpointed(self) -> SignedHead | None:
        """The latest checkpoint written to the checkpoint file."""
        return self._checkpointed

    def refuse_if_behind(self, mark: SignedHead, where: str) -> None:
        """Refuse (:class:`AuditLogError`) a chain that a checkpoint kept elsewhere (Neo4j)
        shows to be cut or replaced."""
        seq, mac = self.head
        problem = mark_problem(self._key, self.path, mark, where, seq, mac)
        if problem is not None:
            raise AuditBrokenError(problem + "; run 'knooppunt audit verify'")

    # -- writing -------------------------------------------------------------------------------

    def _seal(self, record: dict[str, Any]) -> bytes:
        self._seq += 1
        body: dict[str, Any] = {"seq": self._seq, "time": now_iso(), **record}
        body["seq"] = self._seq
        body["prev"] = self._last_mac
        body["mac"] = compute_mac(self._key, body)
        self._last_mac = body["mac"]
        return canonical(body) + b"\n"

    def _rotation_due(self) -> bool:
        if self._first_seq is None:
            return False
        if self._policy.rotate_bytes and self._size >= self._policy.rotate_bytes:
            return True
        return self._policy.rotate_daily and self._day != _today()

    def _seal_batch(self, records: list[dict[str, Any]]) -> tuple[bytes, bool]:
        """The lines of a batch, led by a ``rotation`` entry when the active file is due."""
        rotate = self._rotation_due()
        lines: list[bytes] = []
        if rotate:
            assert self._first_seq is not None
            previous = segment_path(self.path, self._first_seq).name
            lines.append(self._seal({"kind": "rotation", "previous_segment": previous}))
        lines.extend(self._seal(record) for record in records)
        return b"".join(lines), rotate

    def _rotate(self) -> None:
        """Rename the active file to its segment name and continue in a new, locked one."""
        assert self._first_seq is not None
        os.rename(self.path, segment_path(self.path, self._first_seq))
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fsync_dir(self.path.parent)
        old, self._fd = self._fd, fd
        with contextlib.suppress(OSError):
            os.close(old)
        self._size = 0
        self._first_seq = None

    def _write(self, data: bytes, rotate: bool, first_seq: int) -> None:
        if rotate:
            self._rotate()
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self._size += len(data)
        if self._first_seq is None:
            self._first_seq = first_seq
            self._day = _today()

    def _written(self, seq: int, mac: str) -> None:
        self._durable = (seq, mac)
        self._durable_first = self._first_seq or seq
        if self._wake is not None and seq - self._checkpointed_seq >= (
            self._policy.checkpoint_entries
        ):
            self._wake.set()

    @property
    def _checkpointed_seq(self) -> int:
        return self._checkpointed.seq if self._checkpointed else -1

    def _fail(self, e: OSError) -> AuditUnavailableError:
        self._broken = f"audit log write failed ({e.strerror}); restart the API"
        return AuditUnavailableError(self._broken)

    def append_sync(self, record: dict[str, Any]) -> int:
        """Append one entry and fsync it (for use outside an event loop)."""
        if self._broken:
            raise AuditUnavailableError(self._broken)
        first = self._seq + 1
        data, rotate = self._seal_batch([record])
        try:
            self._write(data, rotate, first)
        except OSError as e:
            raise self._fail(e) from e
        self._written(self._seq, self._last_mac)
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
            start = self._seq + 1
            data, rotate = self._seal_batch([record for record, _ in batch])
            first = self._seq - len(batch) + 1
            try:
                await asyncio.to_thread(self._write, data, rotate, start)
            except OSError as e:
                error = self._fail(e)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            self._written(self._seq, self._last_mac)
            for offset, (_, future) in enumerate(batch):
                if not future.done():
                    future.set_result(first + offset)

    # -- checkpoints ---------------------------------------------------------------------------

    def _due_checkpoint(self, *, force: bool = False) -> SignedHead | None:
        seq, mac = self._durable
        if not force and seq <= self._checkpointed_seq:
            return None
        segment = segment_path(self.path, self._durable_first).name if seq else ""
        return SignedHead.signed(
            self._key, "checkpoint", chain=chain_id(self.path), seq=seq, mac=mac, segment=segment
        )

    def checkpoint_sync(self, *, force: bool = False) -> None:
        """Write the durable head to the checkpoint file now (when it moved, or ``force``)."""
        mark = self._due_checkpoint(force=force)
        if mark is not None:
            write_head(checkpoint_path(self.path), mark)
            self._checkpointed = mark

    def start_checkpoints(self, sink: CheckpointSink | None = None) -> None:
        """Checkpoint in the background (inside the running event loop), handing each one to
        ``sink`` too."""
        self._sink = sink
        self._wake = asyncio.Event()
        self._checkpointer = asyncio.create_task(self._checkpoint_loop())

    async def _checkpoint_loop(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._policy.checkpoint_seconds)
            self._wake.clear()
            await self.checkpoint()

    async def checkpoint(self) -> None:
        """Write a checkpoint of the durable head to its file, then hand the latest one to the
        sink; a failure is logged and retried at the next round (the file comes first)."""
        mark = self._due_checkpoint()
        if mark is not None:
            try:
                await asyncio.to_thread(write_head, checkpoint_path(self.path), mark)
            except OSError as e:
                _log.warning("audit_checkpoint_file_failed", reason=e.strerror)
                return
            self._checkpointed = mark
        latest = self._checkpointed
        if self._sink is None or latest is None or latest.seq <= self._sent_seq:
            return
        try:
            await asyncio.wait_for(self._sink(latest), SINK_TIMEOUT_SECONDS)
        except Exception as e:  # Neo4j down or slow: the file checkpoint stands, retry later
            _log.warning("audit_checkpoint_sink_failed", seq=latest.seq, error=type(e).__name__)
            return
        self._sent_seq = latest.seq

    # -- closing -------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Wait for pending entries, checkpoint the head (file and sink), release the lock."""
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._checkpointer
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher
        if self._fd >= 0:
            await self.checkpoint()
        self.close()

    def close(self) -> None:
        """Checkpoint the head to its file, release the lock and close the file (pending async
        entries are not waited for)."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                self.checkpoint_sync()
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


def _check_marks(path: Path, key: bytes, seq: int, mac: str) -> SignedHead | None:
    """Refuse a chain cut short of its checkpoint or missing a segment; the checkpoint."""
    problems: list[str] = []
    checkpoint = read_head(checkpoint_path(path), "checkpoint")
    anchor = read_head(anchor_path(path), "anchor")
    if anchor is not None:
        problem = mark_problem(key, path, anchor, str(anchor_path(path)), seq, None)
        problems.extend([problem] if problem else [])
    if checkpoint is not None:
        problem = mark_problem(key, path, checkpoint, str(checkpoint_path(path)), seq, mac)
        problems.extend([problem] if problem else [])
    elif seq > 0:
        problems.append(
            f"{checkpoint_path(path)}: no checkpoint file, but the log holds entries up to seq "
            f"{seq} (it is written when the log is opened: it was deleted)"
        )
    problems.extend(continuity_problems(path, anchor))
    if problems:
        raise AuditBrokenError("; ".join(problems) + "; run 'knooppunt audit verify'")
    return checkpoint


def _resume(fd: int, path: Path, key: bytes) -> tuple[int, str, int]:
    """Find the last complete entry (checking its MAC); cut a torn tail. Returns seq, mac, cut.

    An empty active file resumes from the newest segment (a rotation that stopped between the
    rename and the first write), or from the prune anchor."""
    size = os.fstat(fd).st_size
    dropped = 0
    last: dict[str, Any] | None = None
    if size:
        start = max(0, size - TAIL_READ)
        tail = os.pread(fd, size - start, start)
        if not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n")
            keep = start + cut + 1 if cut >= 0 else start
            if cut < 0 and start > 0:
                raise AuditLogError(f"{path}: last line longer than {TAIL_READ} bytes; run verify")
            dropped = size - keep
            os.ftruncate(fd, keep)
            os.fsync(fd)
            tail = tail[: keep - start]
        lines = tail.rstrip(b"\n").split(b"\n") if tail else []
        last = _parse_last(path, lines[-1]) if lines and lines[-1] else None
    where = path
    if last is None:
        found = segments(path)
        if found:
            where = found[-1][1]
            _, last = edge_entries(where)
    if last is None:
        anchor = read_head(anchor_path(path), "anchor")
        return (anchor.seq, anchor.mac, dropped) if anchor else (0, GENESIS, dropped)
    seq, mac = int(last["seq"]), str(last["mac"])
    if not hmac.compare_digest(compute_mac(key, last), mac):
        raise AuditLogError(
            f"{where}: last entry (seq {seq}) fails its MAC check (edited, or another "
            "KNOOPPUNT_AUDIT_KEY); run 'knooppunt audit verify'"
        )
    return seq, mac, dropped


def _parse_last(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        last = json.loads(raw)
        int(last["seq"])
        str(last["mac"])
    except (ValueError, KeyError, TypeError) as e:
        raise AuditLogError(
            f"{path}: last entry is not a valid audit entry; run 'knooppunt audit verify'"
        ) from e
    if not isinstance(last, dict):
        raise AuditLogError(f"{path}: last entry is not a valid audit entry")
    return last
