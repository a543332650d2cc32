"""Reports of the case process: the accountability report (``docs/cases.md``). The figures are
the core's (:mod:`graph.cases.accountability`), suppressed by the trend tables' suppression."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.access import require_operational
from api.auth import User
from api.case_schemas import (
    AccountabilityReport,
    CaseProgressEntry,
    CrossRegionProgress,
    RegionProgressEntry,
    ReportTable,
    SuppressedReportCell,
)
from api.deps import StoreDep, UserDep, note_result
from api.errors import ForbiddenError
from api.openapi_examples import ACCOUNTABILITY, CROSS_REGION, example_response
from api.routers import problem_responses
from graph.cases import accountability
from graph.cases.model import STATES
from graph.cases.progress import cross_region_progress
from graph.trends import DEFAULT_MIN_CELL
from graph.vocabulary import ORGANISATIONS

__all__ = ["router"]

router = APIRouter(tags=["reports"])

_ORG = "^(" + "|".join(ORGANISATIONS) + ")$"


def report_org(user: User, org: str | None) -> str | None:
    """The organisation the report is of: a RIEC's own (the default), any for the LIEC, and
    ``None`` (every case) for the LIEC without ``org``."""
    require_operational(user)
    if user.is_liec:
        return org
    if org is not None and org != user.org:
        raise ForbiddenError("the accountability report of another organisation is the LIEC's")
    return user.org


def _table(t: accountability.ReportTable) -> ReportTable:
    return ReportTable(
        rows=t.rows,
        columns=t.columns,
        cells=t.cells,
        row_totals=t.row_totals,
        column_totals=t.column_totals,
        total=t.total,
        suppressed=[
            SuppressedReportCell(row=r, column=c, reason=why) for r, c, why in t.suppressed
        ],
    )


@router.get(
    "/reports/accountability",
    response_model=AccountabilityReport,
    responses=problem_responses(403) | example_response(200, ACCOUNTABILITY),
    summary="Cases, interventions, outcomes and time to advice of one organisation and year",
)
async def get_accountability(
    request: Request,
    user: UserDep,
    store: StoreDep,
    org: Annotated[
        str | None,
        Query(
            pattern=_ORG,
            description="default: the caller's; the LIEC: any, or all when absent",
            examples=["Limburg"],
        ),
    ] = None,
    year: Annotated[
        int | None, Query(ge=2000, le=2100, description="default: this year", examples=[2025])
    ] = None,
) -> AccountabilityReport:
    """The cases opened in ``year`` in which ``org`` takes part: per phenomenon and state;
    their interventions per partner and kind and the outcomes per kind; the median days from
    signal to advice. Figures below 5 are hidden, and further ones until no hidden figure
    follows from the totals (as in ``/trends``); the threshold is fixed, so that two requests
    with different thresholds cannot be combined. Analysts and coordinators: a RIEC its
    own organisation, the LIEC any organisation or all."""
    chosen = report_org(user, org)
    the_year = year if year is not None else datetime.now(UTC).year
    rows = await store.case_plan(accountability.accountability_rows(chosen, the_year))
    report = accountability.accountability_report(rows, min_cell=DEFAULT_MIN_CELL)
    note_result(request, len(rows), report={"org": chosen, "year": the_year})
    return AccountabilityReport(
        org=chosen,
        year=the_year,
        min_cell=report.min_cell,
        cases=_table(report.cases),
        interventions=_table(report.interventions),
        outcomes=_table(report.outcomes),
        advised=report.advised,
        median_days_to_advice=report.median_days_to_advice,
    )


_STATE = "^(" + "|".join(STATES) + ")$"


@router.get(
    "/reports/cross-region-cases",
    response_model=CrossRegionProgress,
    responses=problem_responses(403) | example_response(200, CROSS_REGION),
    summary="The LIEC's view: every cross-region case's progress per region (counts only)",
)
async def get_cross_region_cases(
    request: Request,
    user: UserDep,
    store: StoreDep,
    status: Annotated[str | None, Query(pattern=_STATE, examples=["analysis"])] = None,
    limit: Annotated[int, Query(ge=1, le=500, examples=[100])] = 100,
) -> CrossRegionProgress:
    """For the LIEC's analysts and coordinators: each cross-region case's state, lead and who
    takes part or is invited, and per organisation how many of the people and companies the
    case is about are in its region, its changes to the case and its interventions by status.
    No tokens, purpose or notes: those are for the organisations taking part
    (``GET /cases/{reference}``)."""
    require_operational(user)
    if not user.is_liec:
        raise ForbiddenError("the progress of every cross-region case is the LIEC's view")
    found = await store.read_plan(cross_region_progress(status=status, limit=limit))
    note_result(request, len(found))
    return CrossRegionProgress(
        items=[
            CaseProgressEntry(
                case=p.record,
                regions=[
                    RegionProgressEntry(
                        org=r.org,
                        standing=r.standing,
                        people=r.people,
                        changes=r.changes,
                        last_change=r.last_change,
                        interventions=r.interventions,
                    )
                    for r in p.regions
                ],
            )
            for p in found
        ]
    )
