"""National and regional trend figures, suppressed on a fixed grid (decisions 044, 065)."""

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
    GRIDS,
    Period,
    cluster_filter,
    incident_filter,
    periods_between,
    trend_answer,
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
    them. Every figure is read off one fixed grid per calendar year (regions x quarters with
    its totals) whose suppression pattern is the same for every request and every filter: a
    figure is shown only when it follows from the grid's published values and is not small,
    so no combination of requests derives a hidden one (``docs/decisions/065``). A RIEC sees
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
        _, first, last = periods_between(start, end, period)
    except ValueError as e:
        raise BadRequestError(f"from/to: {e}") from None
    if measure == "incidents":
        # Incidents are counted in the live graph (clusters are stored results).
        await require_complete_graph(request, store)
        atoms = await store.trend_atoms(measure, first=first, last=last)
        await require_complete_graph(request, store)
        table = incident_filter(incident_type, typology)
    else:
        atoms = await store.trend_atoms(measure, first=first, last=last)
        table = cluster_filter(typology, cross_region)
    answer = trend_answer(
        GRIDS[measure],
        atoms,
        table=table,
        regions=regions,
        by_region="region" in dims,
        period=period if "quarter" in dims or "year" in dims else None,
        first=first,
        last=last,
        min_cell=min_cell,
        with_unlocated=user.is_liec,
    )
    suppressed = [
        SuppressedCell(row=row, column=column, reason=reason)
        for row, column, reason in answer.suppressed
    ]
    note_result(request, len(answer.rows) * len(answer.columns))
    return TrendTable(
        measure=measure,
        typology=typology,
        incident_type=incident_type,
        by=list(dims),
        from_=first,
        to=last,
        min_cell=min_cell,
        rows=answer.rows,
        columns=answer.columns,
        cells=answer.cells,
        row_totals=answer.row_totals,
        column_totals=answer.column_totals,
        total=answer.total,
        suppressed=suppressed,
        unlocated=answer.unlocated,
    )
