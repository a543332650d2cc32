"""The checkpoint's second home: one ``(:AuditCheckpoint {id: chain})`` node per chain in Neo4j.

Written by the API's checkpoint task after the checkpoint file (:meth:`AuditLog.checkpoint`),
read by the API at start and by ``knooppunt audit verify``. The write only moves forward (a
lower ``seq`` never replaces a higher one). Auto-commit ``session.run``, not
``execute_query``: a Neo4j that is down fails at once instead of being retried for half a
minute (the task retries at its next round).
"""

from __future__ import annotations

from typing import Any

import neo4j

from api.audit.files import SignedHead
from api.queries import AUDIT_CHECKPOINT_READ, AUDIT_CHECKPOINT_STORE

__all__ = ["read_checkpoint", "read_checkpoint_async", "store_checkpoint"]


def _mark(record: neo4j.Record | None) -> SignedHead | None:
    if record is None:
        return None
    stored: dict[str, Any] = dict(record["mark"])
    return SignedHead.from_dict({**stored, "purpose": "checkpoint"}, "checkpoint")


async def store_checkpoint(driver: neo4j.AsyncDriver, database: str, mark: SignedHead) -> None:
    """Record ``mark`` as its chain's checkpoint unless a later one is stored."""
    fields = {k: v for k, v in mark.as_dict().items() if k != "purpose"}
    async with driver.session(database=database) as session:
        result = await session.run(AUDIT_CHECKPOINT_STORE, chain=mark.chain, mark=fields)
        await result.consume()


async def read_checkpoint_async(
    driver: neo4j.AsyncDriver, database: str, chain: str
) -> SignedHead | None:
    """The checkpoint stored for ``chain`` (``None``: none yet)."""
    async with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as s:
        result = await s.run(AUDIT_CHECKPOINT_READ, chain=chain)
        return _mark(await result.single())


def read_checkpoint(driver: neo4j.Driver, database: str, chain: str) -> SignedHead | None:
    """As :func:`read_checkpoint_async`, for the CLI."""
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        return _mark(session.run(AUDIT_CHECKPOINT_READ, chain=chain).single())
