"""The audit log, for privacy officers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.access import audit_scope
from api.audit import read_all_entries
from api.deps import AuditDep, UserDep, note_result
from api.params import utc_instant
from api.routers import problem_responses
from api.schemas import AuditEntry, AuditPage

__all__ = ["router"]

router = APIRouter(tags=["audit"])


@router.get(
    "/audit",
    response_model=AuditPage,
    responses=problem_responses(400, 403),
    summary="Read the audit log (privacy officers)",
)
async def read_audit(
    request: Request,
    user: UserDep,
    audit: AuditDep,
    cursor: Annotated[
        int, Query(ge=0, description="entries after this position (a page's next_cursor)")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    subject: Annotated[str | None, Query(max_length=128, description="token subject")] = None,
    since: Annotated[datetime | None, Query()] = None,
) -> AuditPage:
    """A RIEC's privacy officer reads its own organisation's entries; the LIEC's all.

    Every worker's chain is read, in one order (time, chain, seq; each entry names its
    ``chain``); the cursor is a position in that order (with one chain and nothing pruned, the
    entry's ``seq``)."""
    org = audit_scope(user)
    since_text = None
    if since is not None:
        since_text = utc_instant(since, "since").strftime("%Y-%m-%dT%H:%M:%S")
    items: list[AuditEntry] = []
    next_cursor: str | None = None
    last = cursor
    for position, entry in enumerate(read_all_entries(audit.base), start=1):
        if position <= cursor:
            continue
        if org is not None and entry.get("org") != org:
            continue
        if subject is not None and entry.get("subject") != subject:
            continue
        if since_text is not None and str(entry.get("time", ""))[:19] < since_text:
            continue
        if len(items) == limit:
            next_cursor = str(last)
            break
        items.append(AuditEntry(**entry))
        last = position
    note_result(request, len(items))
    return AuditPage(items=items, next_cursor=next_cursor)
