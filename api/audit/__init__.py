"""The audit log: every request, written durably before its response leaves, tamper-evident.

One JSON object per line. Each entry carries ``seq`` (1, 2, ...), ``prev`` (the previous
entry's ``mac``; 64 zeros for the first) and ``mac``: HMAC-SHA256, keyed with
``KNOOPPUNT_AUDIT_KEY``, over ``prev`` and the entry's canonical JSON without ``mac``. Editing an
entry breaks its MAC; deleting or reordering entries breaks the ``seq``/``prev`` chain. The head
is anchored outside the file by signed checkpoints (a checkpoint file beside the log and a
Neo4j node), so that a cut tail or an emptied file is found by ``knooppunt audit verify`` alone
and refused by the API at start. The active file rotates by size or day into numbered segments
that continue the chain; ``knooppunt audit prune`` deletes the oldest past the audit retention
period behind a signed anchor (decision records 042 and 066).

Modules: :mod:`~api.audit.chain` (MACs, signatures, durable writes), :mod:`~api.audit.files`
(the chain's files, checkpoints and anchors), :mod:`~api.audit.log` (the writer),
:mod:`~api.audit.verify`, :mod:`~api.audit.prune`, :mod:`~api.audit.remote` (Neo4j).
"""

from __future__ import annotations

from api.audit.chain import GENESIS, compute_mac
from api.audit.files import (
    SignedHead,
    audit_log_path,
    chain_logs,
    read_all_entries,
    read_entries,
    worker_log_path,
)
from api.audit.log import AuditLog, AuditPolicy
from api.audit.prune import PruneResult, prune_log
from api.audit.verify import ChainsReport, VerifyReport, verify_chains, verify_log

__all__ = [
    "GENESIS",
    "AuditLog",
    "AuditPolicy",
    "ChainsReport",
    "PruneResult",
    "SignedHead",
    "VerifyReport",
    "audit_log_path",
    "chain_logs",
    "compute_mac",
    "prune_log",
    "read_all_entries",
    "read_entries",
    "verify_chains",
    "verify_log",
    "worker_log_path",
]
