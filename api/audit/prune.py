"""``knooppunt audit prune``: the audit log's own retention (``KNOOPPUNT_AUDIT_RETENTION_DAYS``).

Whole rotated segments whose last entry is older than the retention period are deleted, oldest
first; the active file and the newest segment are never. Before deleting, a signed anchor
(``<log>.anchor``: the last pruned entry's ``seq`` and ``mac``) is written, so that the chain of
what remains starts from an anchored point instead of the genesis, and ``verify`` still tells a
segment deleted by hand (no anchor covers it) from a pruned one. The retention of facts
(``knooppunt retention run``) never touches the audit log.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from api.audit.chain import fsync_dir
from api.audit.files import (
    SignedHead,
    anchor_path,
    chain_id,
    edge_entries,
    read_head,
    segments,
    write_head,
)
from api.audit.verify import verify_log
from api.errors import AuditBrokenError

__all__ = ["PruneResult", "prune_log"]


@dataclass(slots=True)
class PruneResult:
    """What :func:`prune_log` deleted, and the anchor the chain now starts from."""

    cutoff: str
    deleted: list[str] = field(default_factory=list)
    anchor_seq: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff, "deleted": self.deleted, "anchor_seq": self.anchor_seq}


def prune_log(path: Path, key: bytes, *, cutoff: datetime) -> PruneResult:
    """Delete the rotated segments of ``path`` whose entries are all older than ``cutoff``
    (UTC), after anchoring the chain at the last entry they hold.

    Refuses (:class:`AuditBrokenError`) a chain that does not verify: pruning must not hide a
    break.
    """
    report = verify_log(path, key)
    if not report.ok:
        raise AuditBrokenError(
            f"{path}: the audit log does not verify ({len(report.problems)} problem(s)); "
            "nothing pruned: run 'knooppunt audit verify'"
        )
    limit = cutoff.strftime("%Y-%m-%dT%H:%M:%S")
    result = PruneResult(cutoff=limit + "Z")
    existing = read_head(anchor_path(path), "anchor")
    result.anchor_seq = existing.seq if existing else 0
    chosen: list[tuple[Path, dict[str, Any]]] = []
    for _, segment in segments(path)[:-1]:  # never the newest segment
        _, last = edge_entries(segment)
        if last is None or str(last.get("time", ""))[:19] >= limit:
            break
        chosen.append((segment, last))
    if not chosen:
        return result
    last_path, last = chosen[-1]
    if int(last["seq"]) > result.anchor_seq:
        anchor = SignedHead.signed(
            key,
            "anchor",
            chain=chain_id(path),
            seq=int(last["seq"]),
            mac=str(last["mac"]),
            segment=last_path.name,
        )
        write_head(anchor_path(path), anchor)  # first the anchor, then the deletions
        result.anchor_seq = anchor.seq
    for segment, _ in chosen:
        os.unlink(segment)
        result.deleted.append(segment.name)
    fsync_dir(path.parent)
    return result
