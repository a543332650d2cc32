"""The files of one audit chain: the active log, its rotated segments, checkpoint and anchor.

For a log ``api-audit.log`` (the chain id is the file's name):

- ``api-audit.log``: the active file, appended to;
- ``api-audit.log.000000001001``: a rotated segment, named by the ``seq`` of its first entry
  (12 digits, so that names sort in chain order);
- ``api-audit.log.checkpoint``: the latest signed checkpoint (the head written durably);
- ``api-audit.log.anchor``: where the chain starts after ``knooppunt audit prune`` removed the
  oldest segments (the last pruned entry's ``seq`` and ``mac``), signed.

A checkpoint and an anchor are both a :class:`SignedHead` (``seq`` and ``mac`` of one entry),
signed for their own purpose.
"""

from __future__ import annotations

import contextlib
import heapq
import hmac
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, Literal

from api.audit.chain import now_iso, sign_record, write_atomic
from api.errors import AuditLogError
from graph.settings import Settings

__all__ = [
    "Purpose",
    "SignedHead",
    "anchor_path",
    "audit_log_path",
    "chain_id",
    "chain_logs",
    "checkpoint_path",
    "edge_entries",
    "log_files",
    "read_all_entries",
    "read_entries",
    "read_head",
    "segment_path",
    "segments",
    "worker_log_path",
    "write_head",
]

Purpose = Literal["checkpoint", "anchor"]

#: The most read from a file's end to find its last complete line.
TAIL_READ: Final = 1 << 16
_SEQ_DIGITS: Final = 12
#: A worker's identity in its chain's file name: ``<replica>-<index>`` (letters, digits, ``_-``).
IDENTITY_PATTERN: Final = r"[A-Za-z0-9_-]{1,80}"
_MARK_TAIL: Final = re.compile(r"\.(checkpoint|anchor|\d{" + str(_SEQ_DIGITS) + r"})$")


def audit_log_path(settings: Settings) -> Path:
    """Where the API writes its audit log (the active file)."""
    return settings.audit_log or settings.home / "audit" / "api-audit.log"


def chain_id(log: Path) -> str:
    """The chain's id: the active log's file name (one chain per file, one file per writer)."""
    return log.name


def worker_log_path(base: Path, identity: str) -> Path:
    """The active file of one worker's chain beside ``base``: ``api-audit@<identity>.log``.

    ``@`` keeps it apart from the base chain's segments, checkpoint and anchor; the identity
    (``<replica>-<index>``) is stable across restarts, so a restarted worker continues its
    chain (decision 074)."""
    if not re.fullmatch(IDENTITY_PATTERN, identity):
        raise ValueError(f"audit worker identity must match {IDENTITY_PATTERN}")
    return base.with_name(f"{base.stem}@{identity}{base.suffix}")


def chain_logs(base: Path) -> list[Path]:
    """The active files of every chain kept beside ``base``: ``base`` itself and each
    worker's (:func:`worker_log_path`), found by any of their files (the active file, a
    segment, the checkpoint or the anchor), so that a chain whose files were deleted is still
    seen. Sorted by name, ``base`` first."""
    worker = re.compile(re.escape(base.stem) + "@" + IDENTITY_PATTERN + re.escape(base.suffix))
    found: set[str] = set()
    with contextlib.suppress(FileNotFoundError):
        for item in base.parent.iterdir():
            name = _MARK_TAIL.sub("", item.name)
            if name == base.name or worker.fullmatch(name):
                found.add(name)
    return sorted((base.parent / name for name in found), key=lambda p: (p != base, p.name))


def read_all_entries(base: Path) -> Iterator[dict[str, Any]]:
    """The entries of every chain beside ``base`` (:func:`chain_logs`) in one order: by
    ``time``, then chain, then ``seq``; each carries its ``chain`` (the chain's id)."""

    def tagged(log: Path) -> Iterator[dict[str, Any]]:
        chain = chain_id(log)
        for entry in read_entries(log):
            entry["chain"] = chain
            yield entry

    return heapq.merge(
        *(tagged(log) for log in chain_logs(base)),
        key=lambda e: (str(e.get("time", "")), str(e["chain"]), _seq(e)),
    )


def _seq(entry: dict[str, Any]) -> int:
    try:
        return int(entry.get("seq", 0))
    except (TypeError, ValueError):
        return 0


def checkpoint_path(log: Path) -> Path:
    return log.with_name(log.name + ".checkpoint")


def anchor_path(log: Path) -> Path:
    return log.with_name(log.name + ".anchor")


def segment_path(log: Path, first_seq: int) -> Path:
    """The name a segment whose first entry has ``first_seq`` has once rotated."""
    return log.with_name(f"{log.name}.{first_seq:0{_SEQ_DIGITS}d}")


def segments(log: Path) -> list[tuple[int, Path]]:
    """The rotated segments beside ``log`` as ``(first seq, path)``, in chain order."""
    pattern = re.compile(re.escape(log.name) + r"\.(\d{" + str(_SEQ_DIGITS) + r"})")
    found: list[tuple[int, Path]] = []
    with contextlib.suppress(FileNotFoundError):
        for item in log.parent.iterdir():
            match = pattern.fullmatch(item.name)
            if match:
                found.append((int(match.group(1)), item))
    return sorted(found)


def log_files(log: Path) -> list[Path]:
    """Every file of the chain in order: the segments, then the active file if it exists."""
    files = [path for _, path in segments(log)]
    if log.exists():
        files.append(log)
    return files


def read_entries(log: Path) -> Iterator[dict[str, Any]]:
    """The chain's entries in order, across rotated segments and the active file; lines that
    are not JSON objects are skipped."""
    for path in log_files(log):
        with contextlib.suppress(FileNotFoundError), path.open("rb") as handle:
            for raw in handle:
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    yield entry


def edge_entries(path: Path) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The first and the last complete entry of one file (``None`` where there is none);
    reads the first line and at most :data:`TAIL_READ` bytes of the end."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None, None
    try:
        size = os.fstat(fd).st_size
        head = os.pread(fd, min(size, TAIL_READ), 0)
        start = max(0, size - TAIL_READ)
        tail = os.pread(fd, size - start, start)
    finally:
        os.close(fd)
    first_end = head.find(b"\n")
    first = _entry(head[:first_end]) if first_end >= 0 else None
    body = tail[: tail.rfind(b"\n")] if b"\n" in tail else b""
    last = _entry(body[body.rfind(b"\n") + 1 :]) if body else None
    return first, last


def _entry(raw: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


@dataclass(frozen=True, slots=True)
class SignedHead:
    """One entry's ``seq`` and ``mac`` in a chain, signed: a checkpoint or a prune anchor."""

    purpose: Purpose
    chain: str
    seq: int
    mac: str
    #: The file that holds (or held, for an anchor) the entry, by its rotated name.
    segment: str
    time: str
    sig: str = ""

    @classmethod
    def signed(
        cls, key: bytes, purpose: Purpose, *, chain: str, seq: int, mac: str, segment: str
    ) -> SignedHead:
        unsigned = cls(purpose, chain, seq, mac, segment, now_iso())
        return cls(**{**asdict(unsigned), "sig": sign_record(key, purpose, asdict(unsigned))})

    @classmethod
    def from_dict(cls, data: Any, purpose: Purpose) -> SignedHead:
        """Parse a stored record; :class:`ValueError` when it is not one of ``purpose``."""
        if not isinstance(data, dict) or data.get("purpose") != purpose:
            raise ValueError(f"not a {purpose} record")
        try:
            return cls(
                purpose=purpose,
                chain=str(data["chain"]),
                seq=int(data["seq"]),
                mac=str(data["mac"]),
                segment=str(data["segment"]),
                time=str(data["time"]),
                sig=str(data["sig"]),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"not a {purpose} record") from e

    def valid(self, key: bytes) -> bool:
        """Whether the signature is the audit key's for this purpose."""
        return hmac.compare_digest(sign_record(key, self.purpose, asdict(self)), self.sig)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_head(path: Path, purpose: Purpose) -> SignedHead | None:
    """The checkpoint or anchor stored in ``path``; ``None`` when the file does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return SignedHead.from_dict(json.loads(raw), purpose)
    except ValueError as e:
        raise AuditLogError(f"{path}: not a valid {purpose} file") from e


def write_head(path: Path, head: SignedHead) -> None:
    """Store a checkpoint or anchor atomically (temporary file, fsync, rename, dir fsync)."""
    write_atomic(path, json.dumps(head.as_dict(), sort_keys=True).encode() + b"\n")
