"""Refuse live-graph reads while a delivery is partly written (``docs/decisions/047``).

A delivery of at most 50,000 records is written in one transaction: invisible until it commits.
A bigger one is written in several transactions (``docs/decisions/021``), and what its first
ones committed is visible before the whole delivery is. Its ``(:Delivery)`` record then holds
``status: 'loading'`` and ``chunks_committed > 0`` (set in the chunk's own transaction by
:func:`ingest.writer.write_delivery`), until the delivery commits or, after a crash, until the
same ingest is run again.

Endpoints whose answer is read from the live graph (network walks, a cluster's graph and page,
the subject export, incident trends) call :func:`require_complete_graph` before their first
read and again before they answer: a chunk committed while the request ran is caught by the
second check. Endpoints that read only what a completed analysis run stored (alerts, cluster
summaries and details, cluster trends, the audit log, health) never call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from fastapi import Request

from api.errors import PartialDeliveryError
from api.store import Store

__all__ = ["RETRY_AFTER_S", "partial_delivery_error", "require_complete_graph"]

#: Seconds a client should wait before asking again: a chunk of 50,000 records takes tens of
#: seconds to write, a whole chunked delivery minutes (``docs/ingest.md``).
RETRY_AFTER_S: Final = 60
_MAX_NAMED: Final = 10


def partial_delivery_error(deliveries: Sequence[dict[str, Any]]) -> PartialDeliveryError:
    """The 503 problem naming partly written deliveries (id, partner; no data values)."""
    named = [
        {
            "id": str(d.get("id")),
            "partner": str(d.get("partner")),
            "chunks_committed": int(d.get("chunks_committed") or 0),
        }
        for d in deliveries[:_MAX_NAMED]
    ]
    listed = ", ".join(f"{d['id']} (partner {d['partner']})" for d in named)
    more = len(deliveries) - len(named)
    if more > 0:
        listed += f" and {more} more"
    return PartialDeliveryError(
        f"partly written: delivery {listed}. Answers from the live graph would hold part of "
        "it; retry when its ingest has committed (an interrupted ingest must be run again).",
        deliveries=named,
        retry_after=RETRY_AFTER_S,
    )


async def require_complete_graph(request: Request, store: Store) -> None:
    """Raise :class:`PartialDeliveryError` (503) while any delivery is partly written; the
    refusal's audit entry names the deliveries."""
    found = await store.partial_deliveries()
    if found:
        error = partial_delivery_error(found)
        request.state.audit_extra = {
            "refused": PartialDeliveryError.slug,
            "deliveries": [d["id"] for d in error.extra["deliveries"]],
        }
        raise error
