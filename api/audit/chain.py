"""The chain's primitives: canonical JSON, entry MACs, signed records, durable small writes.

An entry's ``mac`` is HMAC-SHA256 keyed with ``KNOOPPUNT_AUDIT_KEY`` over ``prev`` and the
entry's canonical JSON. Checkpoints and prune anchors are signed with keys derived from the audit
key for their own purpose (:func:`derived_key`), over a message that starts with that purpose, so
that neither can pass as an entry nor as the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

__all__ = [
    "GENESIS",
    "canonical",
    "compute_mac",
    "derived_key",
    "fsync_dir",
    "now_iso",
    "sign_record",
    "write_atomic",
]

#: ``prev`` of the first entry.
GENESIS: Final = "0" * 64


def canonical(body: dict[str, Any]) -> bytes:
    """The one byte form of an entry or record that MACs are computed over."""
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def compute_mac(key: bytes, body: dict[str, Any]) -> str:
    """HMAC-SHA256 of an entry (without its ``mac``), chained through its ``prev``."""
    payload = dict(body)
    payload.pop("mac", None)
    prev = str(payload.get("prev", ""))
    message = prev.encode("ascii") + b"\n" + canonical(payload)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def derived_key(key: bytes, purpose: str) -> bytes:
    """A key for one purpose (``checkpoint``, ``anchor``), derived from the audit key."""
    return hmac.new(key, b"knooppunt-audit/" + purpose.encode("ascii"), hashlib.sha256).digest()


def sign_record(key: bytes, purpose: str, body: dict[str, Any]) -> str:
    """The signature of a checkpoint or anchor record (its fields without ``sig``)."""
    payload = {k: v for k, v in body.items() if k != "sig"}
    message = purpose.encode("ascii") + b"\n" + canonical(payload)
    return hmac.new(derived_key(key, purpose), message, hashlib.sha256).hexdigest()


def now_iso() -> str:
    """The current UTC time as the log writes it (milliseconds, ``Z``)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (best effort where unsupported)."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` durably: a temporary file, fsync, rename, directory fsync.

    A crash leaves either the old file or the new one, never a half-written one.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    fsync_dir(path.parent)
