"""The API's start: compare the log with the Neo4j checkpoint, then checkpoint into Neo4j.

Starting must not depend on Neo4j (decision 040/042: the audit records requests made while it
is down), so a Neo4j that does not answer within :data:`START_CHECK_SECONDS` is logged and
skipped: the checkpoint file has been checked already by :meth:`AuditLog.open`. A Neo4j that
answers with a checkpoint ahead of the log, or a badly signed one, refuses the start.
"""

from __future__ import annotations

import asyncio
from typing import Final

import neo4j
from neo4j.exceptions import DriverError, Neo4jError

from api.audit.files import SignedHead, chain_id
from api.audit.log import AuditLog
from api.audit.remote import read_checkpoint_async, store_checkpoint
from api.errors import AuditBrokenError
from graph.logs import get_logger

__all__ = ["START_CHECK_SECONDS", "anchor_in_neo4j"]

_log = get_logger("knooppunt.api.audit")

#: How long the start waits for Neo4j's checkpoint before going on without it.
START_CHECK_SECONDS: Final = 3.0


async def anchor_in_neo4j(log: AuditLog, driver: neo4j.AsyncDriver, database: str) -> None:
    """Refuse a log that Neo4j's checkpoint shows cut, then start the log's checkpoint task
    with Neo4j as its second home."""
    try:
        mark = await asyncio.wait_for(
            read_checkpoint_async(driver, database, chain_id(log.path)), START_CHECK_SECONDS
        )
    except ValueError as e:
        raise AuditBrokenError(
            f"{log.path}: the Neo4j checkpoint (:AuditCheckpoint) is malformed"
        ) from e
    except (TimeoutError, DriverError, Neo4jError, OSError) as e:
        _log.warning("audit_neo4j_checkpoint_unchecked", error=type(e).__name__)
    else:
        if mark is not None:
            log.refuse_if_behind(mark, "the Neo4j checkpoint (:AuditCheckpoint)")

    async def sink(mark: SignedHead) -> None:
        await store_checkpoint(driver, database, mark)

    log.start_checkpoints(sink)
