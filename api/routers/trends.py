"""National and regional trend figures, suppressed on a fixed grid (decisions 044, 065)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api.access import trend_regions
from api.deps import StoreDep, UserDep, note_result
from api.errors import BadRequestError
from api.loading import require_complete_graph
from api.params import day_in_range
from api.routers import problem_responses
from api.routers.alerts import REGION_PATTERN, TYPOLOGY_PATTERN
from api.schemas import SuppressedCell, TrendTable
from api.trend_files import (
    SUPPRESSED_MARK,
    region_inhabitants,
    row_inhabitants,
    trend_cells,
    trends_csv,
    trends_xlsx,
)
from graph.geography import load_geography
from graph.settings import Settings
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


@dataclass(frozen=True, slots=True)
class TrendRead:
    """A trend table as the caller may see it, with the regions it covers."""

    table: TrendTable
    regions: tuple[str, ...]


async def read_trends(
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
) -> TrendRead:
    """The trend table of the request (the one reader of ``/trends`` and its downloads).

    Whole periods only: ``from`` and ``to`` are widened to the quarters (years) that hold
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
    body = TrendTable(
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
        row_inhabitants=row_inhabitants(answer.rows, regions, _inhabitants(request)),
    )
    return TrendRead(body, regions)


TrendDep = Annotated[TrendRead, Depends(read_trends)]
_DOC: Final = read_trends.__doc__.split("\n\n", 1)[1] if read_trends.__doc__ else None


def _inhabitants(request: Request) -> dict[str, int]:
    """Inhabitants per region, from the app's geography (read once per process)."""
    settings: Settings = request.app.state.settings
    return region_inhabitants(load_geography(settings.require_geography_dir()))


@router.get(
    "/trends",
    response_model=TrendTable,
    response_model_by_alias=True,
    responses=problem_responses(400, 403, live_graph=True),
    summary="Counts of incidents or flagged clusters per region and quarter or year",
    description=_DOC,
)
async def get_trends(read: TrendDep) -> TrendTable:
    return read.table


def _download(request: Request, read: TrendRead, extension: str) -> Response:
    table = read.table
    cells = trend_cells(table, read.regions, _inhabitants(request))
    if extension == "csv":
        content, media = trends_csv(table, cells), "text/csv; charset=utf-8"
    else:
        content, media = trends_xlsx(table, cells), _XLSX
    note_result(request, len(table.rows) * len(table.columns), export=extension)
    name = f"knooppunt-trends-{table.measure}-{table.from_}-{table.to}.{extension}"
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


_XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILE_DOC: Final = (
    "The table of ``/trends`` (the same parameters, the same suppression) as a download: one "
    "line per figure (regions, periods and totals) with its count, ``suppressed`` (primary or "
    "secondary) where it is hidden, the inhabitants of its region and the rate per 100,000 "
    "next to every shown count. The XLSX holds the table as shown (a hidden figure is an "
    f"'{SUPPRESSED_MARK}' on grey), these lines, and what the table is about."
)


@router.get(
    "/trends.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "trends.csv"},
        **problem_responses(400, 403, live_graph=True),
    },
    summary="The trend table as CSV, suppressed cells marked, rates per 100,000 inhabitants",
    description=_FILE_DOC,
)
async def get_trends_csv(request: Request, read: TrendDep) -> Response:
    return _download(request, read, "csv")


@router.get(
    "/trends.xlsx",
    response_class=Response,
    responses={
        200: {"content": {_XLSX: {}}, "description": "the table, its lines and what it is about"},
        **problem_responses(400, 403, live_graph=True),
    },
    summary="The trend table as XLSX, suppressed cells marked, rates per 100,000 inhabitants",
    description=_FILE_DOC,
)
async def get_trends_xlsx(request: Request, read: TrendDep) -> Response:
    return _download(request, read, "xlsx")
