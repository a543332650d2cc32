"""National and regional trend figures with small-cell and secondary suppression."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Query, Request

from api.access import trend_regions
from api.deps import StoreDep, UserDep, note_result
from api.errors import BadRequestError
from api.loading import require_complete_graph
from api.params import day_in_range
from api.routers import problem_responses
from api.routers.alerts import REGION_PATTERN, TYPOLOGY_PATTERN
from api.schemas import SuppressedCell, TrendTable
from graph.trends import (
    DEFAULT_MIN_CELL,
    Period,
    count_table,
    periods_between,
    published_count,
    suppress_table,
    suppressed_cells,
)
from graph.vocabulary import INCIDENT_TYPES

__all__ = ["router"]

router = APIRouter(tags=["trends"])

INCIDENT_TYPE_PATTERN: Final = "^(" + "|".join(sorted(INCIDENT_TYPES)) + ")$"
_BY: Final = {
    "region,quarter": ("region", "quarter"),
    "region,year": ("region", "year"),
    "region": ("region",),
    "quarter": ("quarter",),
    "year": ("year",),
}


@router.get(
    "/trends",
    response_model=TrendTable,
    response_model_by_alias=True,
    responses=problem_responses(400, 403, live_graph=True),
    summary="Counts of incidents or flagged clusters per region and quarter or year",
)
async def get_trends(
    request: Request,
    user: UserDep,
    store: StoreDep,
    measure: Annotated[Literal["incidents", "clusters"], Query()] = "incidents",
    typology: Annotated[
        str | None,
        Query(
            pattern=TYPOLOGY_PATTERN,
            description="clusters of this typology; for incidents: incidents of their members",
        ),
    ] = None,
    incident_type: Annotated[str | None, Query(pattern=INCIDENT_TYPE_PATTERN)] = None,
    by: Annotated[
        Literal["region,quarter", "region,year", "region", "quarter", "year"], Query()
    ] = "region,quarter",
    from_: Annotated[date | None, Query(alias="from", description="default: two years ago")] = None,
    to: Annotated[date | None, Query(description="default: today")] = None,
    region: Annotated[str | None, Query(pattern=REGION_PATTERN)] = None,
    cross_region: Annotated[bool, Query(description="clusters: cross-region only")] = False,
    min_cell: Annotated[
        int, Query(ge=DEFAULT_MIN_CELL, le=100, description="minimum cell size (>= 5)")
    ] = DEFAULT_MIN_CELL,
) -> TrendTable:
    """Whole periods only: ``from`` and ``to`` are widened to the quarters (years) that hold
    them. Cells with ``0 < count < min_cell`` are hidden, and so are enough other cells that no
    hidden cell can be computed from the totals shown (``docs/decisions/044``). A RIEC sees
    its own region; the LIEC every region."""
    regions = trend_regions(user, region)
    if measure == "clusters" and incident_type is not None:
        raise BadRequestError("incident_type applies to measure=incidents only")
    dims = _BY[by]
    period: Period = "year" if "year" in dims else "quarter"
    end = day_in_range(to, "to") if to is not None else datetime.now(UTC).date()
    start = (
        day_in_range(from_, "from")
        if from_ is not None
        else day_in_range(date(max(end.year - 2, 1), end.month, 1), "to")
    )
    try:
        labels, first, last = periods_between(start, end, period)
    except ValueError as e:
        raise BadRequestError(f"from/to: {e}") from None
    if measure == "incidents":
        # Incidents are counted in the live graph (clusters are stored results).
        await require_complete_graph(request, store)
        rows = await store.trend_incidents(
            start=first, end=last, incident_type=incident_type, typology=typology
        )
        await require_complete_graph(request, store)
    else:
        rows = await store.trend_clusters(
            start=first, end=last, typology=typology, cross_only=cross_region
        )
    counted = count_table(
        rows,
        regions=regions,
        periods=labels,
        by=period,
        by_region="region" in dims,
        by_period="quarter" in dims or "year" in dims,
    )
    table = suppress_table(counted.counts, min_cell=min_cell)
    suppressed = [
        SuppressedCell(row=row, column=column, reason=reason)
        for row, column, reason in suppressed_cells(
            table, rows=counted.rows, columns=counted.columns
        )
    ]
    note_result(request, len(counted.rows) * len(counted.columns))
    return TrendTable(
        measure=measure,
        typology=typology,
        incident_type=incident_type,
        by=list(dims),
        from_=first,
        to=last,
        min_cell=min_cell,
        rows=counted.rows,
        columns=counted.columns,
        cells=table.cells,
        row_totals=table.row_totals,
        column_totals=table.column_totals,
        total=table.total,
        suppressed=suppressed,
        unlocated=published_count(counted.unlocated, min_cell=min_cell) if user.is_liec else None,
    )
