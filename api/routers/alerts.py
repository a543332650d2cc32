"""Alerts: list with filters and cursor pagination, one alert, and status changes per region."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query, Request, Response

from api.access import alert_visible, require_alert_status_change, require_operational
from api.deps import CaseReferenceDep, StoreDep, UserDep, note_result
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.params import (
    ALERT_ID_PATTERN,
    REGION_PATTERN,
    TYPOLOGY_PATTERN,
    decode_cursor,
    encode_cursor,
    utc_instant,
)
from api.routers import alert_from_row, cluster_summary, problem_responses
from api.schemas import (
    AlertDetail,
    AlertPage,
    AlertStatusRecord,
    AlertStatusValue,
    ClusterSummary,
    StatusChange,
    StatusChangeResult,
)

__all__ = ["ALERT_ID_PATTERN", "REGION_PATTERN", "TYPOLOGY_PATTERN", "router"]

router = APIRouter(tags=["alerts"])

#: Allowed status transitions: target -> statuses it may come from.
_TRANSITIONS: Final = {"acknowledged": ["open"], "closed": ["open", "acknowledged"]}

AlertId = Annotated[str, Path(pattern=ALERT_ID_PATTERN, examples=["AL-3f9a1c2b7d4e"])]


@router.get(
    "/alerts",
    response_model=AlertPage,
    responses=problem_responses(400, 403),
    summary="Alerts for the caller's organisation, newest first",
)
async def list_alerts(
    request: Request,
    user: UserDep,
    store: StoreDep,
    status: Annotated[
        AlertStatusValue | None, Query(description="the caller's organisation's status")
    ] = None,
    typology: Annotated[str | None, Query(pattern=TYPOLOGY_PATTERN)] = None,
    region: Annotated[
        str | None, Query(pattern=REGION_PATTERN, description="alerts concerning this region")
    ] = None,
    since: Annotated[datetime | None, Query(description="created at or after")] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """A RIEC gets the alerts that concern its region; the LIEC those on cross-region clusters.

    ``status`` filters on the caller's organisation's status (``open`` when never changed).
    """
    require_operational(user)
    if region is not None and not user.is_liec and region != user.org:
        raise ForbiddenError("a RIEC lists the alerts of its own region")
    if since is not None:
        since = utc_instant(since, "since")
    rows = await store.alerts_page(
        org=user.org,
        own_region=user.region,
        cross_only=user.is_liec,
        status=status,
        typology=typology,
        region=region,
        since=since,
        cursor=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    items = [alert_from_row(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit and items[-1].created_at is not None:
        next_cursor = encode_cursor(items[-1].created_at, items[-1].id)
    note_result(request, len(items))
    page = AlertPage(items=items, next_cursor=next_cursor, limit=limit)
    # Built and validated once here; returning a Response skips FastAPI's second validation.
    return Response(page.model_dump_json(), media_type="application/json")


@router.get(
    "/alerts/{alert_id}",
    response_model=AlertDetail,
    responses=problem_responses(403, 404),
    summary="One alert with its cluster's summary and each organisation's status",
)
async def getalert_from_row(
    request: Request, user: UserDep, store: StoreDep, alert_id: AlertId
) -> AlertDetail:
    """Other organisations' statuses show the status and time only (not their notes)."""
    require_operational(user)
    found = await store.alert_detail(alert_id)
    if found is None:
        raise NotFoundError("no alert with this id")
    alert, cluster = found["alert"], found["cluster"]
    cross = bool(cluster.get("cross_region"))
    if not alert_visible(user, regions=alert.get("regions") or [], cross_region=cross):
        raise ForbiddenError("this alert does not concern your organisation")
    statuses = [
        AlertStatusRecord(
            org=str(s["org"]),
            status=s.get("status") or "open",
            changed_at=s.get("changed_at"),
            note=s.get("note") if s["org"] == user.org else None,
            changed_by=s.get("changed_by") if s["org"] == user.org else None,
        )
        for s in found["statuses"]
    ]
    own = next((s for s in statuses if s.org == user.org), None)
    base = alert_from_row(
        {
            **alert,
            "cross_region": cross,
            "status": "closed" if alert.get("closed_reason") else own.status if own else "open",
            "status_changed_at": own.changed_at if own else None,
        }
    )
    note_result(request, 1)
    return AlertDetail(
        **base.model_dump(),
        cluster=ClusterSummary(**cluster_summary(cluster)),
        statuses=statuses,
    )


@router.post(
    "/alerts/{alert_id}/status",
    response_model=StatusChangeResult,
    responses=problem_responses(400, 403, 404, 409),
    summary="Acknowledge or close an alert for the caller's organisation (coordinators)",
)
async def change_alert_status(
    request: Request,
    user: UserDep,
    case_reference: CaseReferenceDep,
    store: StoreDep,
    alert_id: AlertId,
    change: StatusChange,
) -> StatusChangeResult:
    """Each organisation keeps its own status of an alert: ``open`` -> ``acknowledged`` ->
    ``closed`` (or ``open`` -> ``closed``). Only coordinators change it, only for their own
    organisation, and only for alerts that concern it."""
    require_operational(user)
    found = await store.alert_detail(alert_id)
    if found is None:
        raise NotFoundError("no alert with this id")
    org = require_alert_status_change(
        user,
        regions=found["alert"].get("regions") or [],
        cross_region=bool(found["cluster"].get("cross_region")),
    )
    if found["alert"].get("closed_reason"):
        raise ConflictError("this alert was closed for everyone: its cluster dissolved")
    result = await store.set_alert_status(
        alert_id=alert_id,
        org=org,
        status=change.status,
        allowed_from=_TRANSITIONS[change.status],
        note=change.note,
        by=user.subject,
        case_reference=case_reference,
    )
    if result is None:
        raise NotFoundError("no alert with this id")
    if result["before"] not in _TRANSITIONS[change.status]:
        raise ConflictError(f"an alert that is {result['before']} cannot become {change.status}")
    note_result(request, 1, status_change={"to": change.status, "from": result["before"]})
    return StatusChangeResult(
        alert_id=alert_id,
        org=org,
        previous=result["before"],
        status=result["after"],
        changed_at=result["changed_at"],
    )
