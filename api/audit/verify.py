"""``knooppunt audit verify``: the whole chain, across its segments, against its marks.

Every entry's MAC and the ``seq``/``prev`` chain are checked from the genesis (or from the prune
anchor) through every rotated segment to the end of the active file; then the head is compared
with the checkpoint file, with a checkpoint kept elsewhere (Neo4j, when given), and with an
``--expect-seq`` recorded by the operator. A head behind a signed checkpoint (a cut tail, an
emptied file), a missing segment, an edited entry or a badly signed checkpoint is a failure.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.audit.chain import GENESIS, compute_mac
from api.audit.files import (
    SignedHead,
    anchor_path,
    chain_id,
    chain_logs,
    checkpoint_path,
    log_files,
    read_head,
)
from api.audit.log import mark_problem
from api.errors import AuditLogError

__all__ = ["ChainsReport", "VerifyReport", "verify_chains", "verify_log"]


@dataclass(slots=True)
class VerifyReport:
    """What :func:`verify_log` found."""

    path: Path
    entries: int = 0
    head_seq: int = 0
    head_mac: str = GENESIS
    files: list[str] = field(default_factory=list)
    #: Where the chain starts: 0 (the genesis) or the prune anchor's seq.
    anchor_seq: int = 0
    checkpoint_seq: int | None = None
    neo4j_checkpoint_seq: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

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
            "files": self.files,
            "anchor_seq": self.anchor_seq,
            "checkpoint_seq": self.checkpoint_seq,
            "neo4j_checkpoint_seq": self.neo4j_checkpoint_seq,
            "problems": self.problems,
            "notes": self.notes,
        }


def _mark(path: Path, purpose: str, report: VerifyReport) -> SignedHead | None:
    try:
        return read_head(path, "anchor" if purpose == "anchor" else "checkpoint")
    except AuditLogError as e:
        report.problems.append(str(e))
        return None


@dataclass(slots=True)
class _Walk:
    seq: int
    prev: str
    wanted: set[int]
    macs: dict[int, str] = field(default_factory=dict)


def _walk_file(key: bytes, path: Path, walk: _Walk, report: VerifyReport) -> None:
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        report.problems.append(f"{path}: last line is incomplete (a torn write)")
    seen = skipped = 0
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
        if seq <= report.anchor_seq and not seen:
            skipped += 1  # a segment left over by a prune that stopped before deleting it
            continue
        seen += 1
        report.entries += 1
        if not hmac.compare_digest(compute_mac(key, entry), mac):
            report.problems.append(
                f"{path}: line {number} (seq {seq}): MAC mismatch, the entry was edited"
            )
        if seq != walk.seq:
            if seen == 1 and seq > walk.seq:
                what = "missing before it (a segment deleted, or pruned without its anchor)"
            else:
                what = "missing before it (deleted)" if seq > walk.seq else "out of order"
            report.problems.append(
                f"{path}: line {number}: seq {seq} where {walk.seq} was expected, entries {what}"
            )
        elif prev != walk.prev:
            report.problems.append(
                f"{path}: line {number} (seq {seq}): 'prev' does not match the previous "
                "entry's MAC (an entry was replaced or removed)"
            )
        if seq in walk.wanted:
            walk.macs[seq] = mac
        walk.seq = seq + 1
        walk.prev = mac
        report.head_seq = seq
        report.head_mac = mac
    if skipped and not seen:
        report.notes.append(f"{path}: already pruned (before the anchor), not deleted yet")
    elif not seen and path.name != report.path.name:
        report.problems.append(f"{path}: rotated segment holds no entries")


def verify_log(
    path: Path,
    key: bytes,
    *,
    expect_seq: int | None = None,
    neo4j_checkpoint: SignedHead | None = None,
) -> VerifyReport:
    """Check the chain of the log ``path`` (its segments, then the active file) and compare its
    head with the checkpoint file, ``neo4j_checkpoint`` and ``expect_seq``; every break is
    reported by file and line."""
    report = VerifyReport(path=path)
    files = log_files(path)
    report.files = [f.name for f in files]
    anchor = _mark(anchor_path(path), "anchor", report)
    checkpoint = _mark(checkpoint_path(path), "checkpoint", report)
    if not files:
        report.problems.append(f"{path}: audit log does not exist")
    if anchor is not None:
        problem = mark_problem(key, path, anchor, str(anchor_path(path)), anchor.seq, None)
        if problem is None:
            report.anchor_seq = anchor.seq
        else:
            report.problems.append(problem)
    marks = [(str(checkpoint_path(path)), checkpoint), ("Neo4j checkpoint", neo4j_checkpoint)]
    walk = _Walk(
        seq=report.anchor_seq + 1,
        prev=anchor.mac if anchor and report.anchor_seq else GENESIS,
        wanted={m.seq for _, m in marks if m is not None},
    )
    report.head_seq = report.anchor_seq
    report.head_mac = walk.prev
    for file in files:
        _walk_file(key, file, walk, report)
    report.checkpoint_seq = checkpoint.seq if checkpoint else None
    report.neo4j_checkpoint_seq = neo4j_checkpoint.seq if neo4j_checkpoint else None
    if checkpoint is None and report.head_seq > 0:
        report.problems.append(
            f"{checkpoint_path(path)}: no checkpoint file (the writer keeps one from its first "
            "start): it was deleted, so a cut tail could go unnoticed"
        )
    for where, mark in marks:
        if mark is None:
            continue
        problem = mark_problem(key, path, mark, where, report.head_seq, None)
        known = walk.macs.get(mark.seq)
        if problem is None and known is not None and not hmac.compare_digest(known, mark.mac):
            problem = f"{where}: seq {mark.seq} has another MAC in the log: entries were replaced"
        if problem is not None:
            report.problems.append(problem)
    if expect_seq is not None and report.head_seq < expect_seq:
        report.problems.append(
            f"{path}: log ends at seq {report.head_seq} but seq {expect_seq} was recorded "
            "elsewhere: entries were removed from the end"
        )
    return report


#: The checkpoint kept elsewhere (Neo4j) for a chain id, ``None`` when there is none.
RemoteCheckpoints = Callable[[str], SignedHead | None]


@dataclass(slots=True)
class ChainsReport:
    """What :func:`verify_chains` found: one :class:`VerifyReport` per chain."""

    path: Path
    chains: list[VerifyReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every chain is intact."""
        return all(chain.ok for chain in self.chains)

    @property
    def entries(self) -> int:
        return sum(chain.entries for chain in self.chains)

    @property
    def problems(self) -> list[str]:
        return [problem for chain in self.chains for problem in chain.problems]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: the totals, every chain's report under ``chains``; with one chain,
        that chain's fields at the top level too (as before there were several)."""
        single = self.chains[0].as_dict() if len(self.chains) == 1 else {}
        return {
            **single,
            "path": str(self.path),
            "ok": self.ok,
            "entries": self.entries,
            "files": [f for chain in self.chains for f in chain.files],
            "problems": self.problems,
            "notes": [n for chain in self.chains for n in chain.notes] + self.notes,
            "chains": [{"chain": chain_id(c.path), **c.as_dict()} for c in self.chains],
        }


def verify_chains(
    base: Path,
    key: bytes,
    *,
    expect_seq: int | None = None,
    remote: RemoteCheckpoints | None = None,
) -> ChainsReport:
    """Verify every chain kept beside ``base`` (the base chain and each worker's,
    :func:`~api.audit.files.chain_logs`) with :func:`verify_log`, each against its own
    checkpoint file and, with ``remote``, its own checkpoint in Neo4j. ``expect_seq`` names one
    chain's head, so it applies only when there is one chain. No chain at all is a failure
    (the log does not exist)."""
    report = ChainsReport(path=base)
    logs = chain_logs(base) or [base]
    if expect_seq is not None and len(logs) > 1:
        report.notes.append(
            "--expect-seq names one chain's head: give that chain's file with --log"
        )
    for log in logs:
        report.chains.append(
            verify_log(
                log,
                key,
                expect_seq=expect_seq if len(logs) == 1 else None,
                neo4j_checkpoint=remote(chain_id(log)) if remote is not None else None,
            )
        )
    return report
