"""Request and response bodies of ``/cases`` (pydantic), extending the core's case records
(:mod:`graph.cases.records`), with examples for the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graph.cases.bibob import BIBOB_ID_PATTERN
from graph.cases.model import INTERVENTION_OUTCOMES, INTERVENTION_STATUSES, STATES, is_subject_id
from graph.cases.records import (
    CaseRecord,
    EventRecord,
    InterventionRecord,
    NewCase,
    NewIntervention,
    NoteRecord,
)
from graph.validation import rule_error
from graph.vocabulary import ORGANISATIONS

__all__ = [
    "AccountabilityReport",
    "CaseCreate",
    "CaseDetail",
    "CaseNote",
    "CasePage",
    "CaseProgressEntry",
    "CaseReadEntry",
    "CaseReads",
    "CaseStatusChange",
    "CaseSubject",
    "CaseSubjects",
    "CaseSummary",
    "CrossRegionProgress",
    "Intervention",
    "InterventionChange",
    "InterventionCreate",
    "InterventionList",
    "Participation",
    "RegionProgressEntry",
    "ReportTable",
    "SuppressedReportCell",
]

_STATE = "^(" + "|".join(STATES) + ")$"
_ORG = "^(" + "|".join(ORGANISATIONS) + ")$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseCreate(NewCase):
    """Open a case from a signal or (``alert_id``) from an alert; the caller's organisation
    leads it."""

    alert_id: str | None = Field(None, pattern=r"^AL-[0-9a-f]{1,64}$", examples=["AL-3f9a1c2b7d4e"])
    origin: Literal["signal", "bibob"] = Field(
        "signal", description="where the case comes from (``alert`` when ``alert_id`` is given)"
    )
    bibob_request_id: str | None = Field(
        None,
        pattern=BIBOB_ID_PATTERN.pattern,
        description="take up this Bibob request (origin ``bibob``; one case per request)",
        examples=["BB-LB-2026-0003"],
    )


class CaseSummary(CaseRecord):
    """A case without person-level content: counts of its subjects, clusters and alerts."""

    standing: Literal["participant", "invited", "observer"] = Field(
        description="the caller's organisation's standing in the case"
    )
    subjects: int = 0
    clusters: int = 0
    alerts: int = 0


class CasePage(_Model):
    """A page of cases, newest first; pass ``next_cursor`` as ``cursor`` for the next page."""

    items: list[CaseSummary]
    next_cursor: str | None = None
    limit: int


class CaseSubject(_Model):
    """A subject of a case: a token or a KvK number and its kind."""

    id: str = Field(examples=["PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ"])
    kind: str = Field(examples=["Person"])


class CaseDetail(CaseSummary):
    """A case; its purpose, subjects, events and notes only for participating organisations
    (``null`` / empty otherwise)."""

    purpose: str | None = None
    subject_ids: list[CaseSubject] = Field(default_factory=list)
    cluster_ids: list[str] = Field(default_factory=list)
    alert_ids: list[str] = Field(default_factory=list)
    events: list[EventRecord] = Field(default_factory=list)
    notes: list[NoteRecord] = Field(default_factory=list)


class CaseStatusChange(_Model):
    """Move a case to its next state (or back, with a reason; or decline at intake).
    ``expected`` is the state the caller saw: when the case is no longer in it, 409
    ``case-changed`` and nothing changes (no lost update)."""

    status: str = Field(pattern=_STATE, examples=["analysis"])
    expected: str = Field(pattern=_STATE, examples=["intake"])
    reason: str | None = Field(
        None, min_length=1, max_length=2000, examples=["New facts from the police"]
    )


class Participation(_Model):
    """``invite`` an organisation (the lead, or the LIEC in a cross-region case), or
    ``accept`` the caller's organisation's invitation."""

    action: Literal["invite", "accept"]
    org: str | None = Field(None, pattern=_ORG, examples=["Oost-Brabant"])


class CaseSubjects(_Model):
    """Subjects to add: tokens or KvK numbers, each in the graph (else 422, nothing added)."""

    subjects: list[str] = Field(
        min_length=1, max_length=100, examples=[["PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678"]]
    )

    @field_validator("subjects")
    @classmethod
    def _subjects(cls, value: list[str]) -> list[str]:
        if not all(is_subject_id(s) for s in value):
            raise rule_error("each must be a token (PRS-, VEH-, ...) or a KvK number (8 digits)")
        return value


class CaseNote(_Model):
    """A note on the case (shown to participants only)."""

    text: str = Field(min_length=1, max_length=4000, examples=["Police confirm the address"])


class CaseReadEntry(_Model):
    """A person-level read done for the case (purpose binding): who, when, what, how much."""

    at: datetime | None = None
    by: str
    by_org: str
    by_role: str
    endpoint: str = Field(examples=["/subjects/{token}/network"])
    target: str = Field(description="the subject or cluster read")
    size: int = Field(description="items the read returned")
    outside: int = Field(description="people it left out as outside the case's scope")


class CaseReads(_Model):
    """The latest person-level reads logged on a case, newest first, and how many in all."""

    items: list[CaseReadEntry]
    total: int


# --- interventions and the accountability report ---------------------------------------------

_INTERVENTION_STATUS = "^(" + "|".join(INTERVENTION_STATUSES) + ")$"
_OUTCOME = "^(" + "|".join(INTERVENTION_OUTCOMES) + ")$"


class InterventionCreate(NewIntervention):
    """An intervention of a partner against subjects of the case: a measure of the code list
    (``graph/data/cases.yaml``) of its ``kind``; ``done`` with an ``outcome``, else planned or
    under way."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "partner": "GEM",
                    "kind": "administrative",
                    "measure": "closure_opium_act",
                    "targets": ["PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
                    "date": "2025-06-01",
                    "status": "planned",
                }
            ]
        },
    )


class Intervention(InterventionRecord):
    """An intervention of the case, with its measure's label."""

    label: str = Field(examples=["Sluiting pand (art. 13b Opiumwet)"])


class InterventionList(_Model):
    """The case's interventions in the order they were added."""

    reference: str = Field(examples=["LB-2025-0007"])
    items: list[Intervention]


class InterventionChange(_Model):
    """Move an intervention on: ``planned`` -> ``in_progress`` -> ``done`` (with an
    ``outcome``), or ``cancelled``. ``expected`` is the status the caller saw (409
    ``case-changed`` when it is no longer)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status": "done", "expected": "in_progress", "outcome": "achieved"}]
        },
    )

    status: str = Field(pattern=_INTERVENTION_STATUS)
    expected: str = Field(pattern=_INTERVENTION_STATUS)
    outcome: str | None = Field(None, pattern=_OUTCOME)
    outcome_note: str | None = Field(None, min_length=1, max_length=2000)
    date: dt.date | None = Field(None, description="the effective date, when it changed")


class SuppressedReportCell(_Model):
    """A hidden figure: its row, column (``total`` for a margin) and reason."""

    row: str
    column: str
    reason: Literal["primary", "secondary"]


class ReportTable(_Model):
    """Counts with their totals; hidden figures are null."""

    rows: list[str]
    columns: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None
    suppressed: list[SuppressedReportCell]


class AccountabilityReport(_Model):
    """The accountability report of one organisation (or all, ``org`` null) and year."""

    org: str | None = Field(examples=["Limburg"])
    year: int = Field(examples=[2025])
    min_cell: int
    cases: ReportTable = Field(description="cases per phenomenon (rows) and state (columns)")
    interventions: ReportTable = Field(
        description="interventions (not cancelled) per partner (rows) and kind (columns)"
    )
    outcomes: ReportTable = Field(
        description="done interventions per kind (rows) and outcome (columns)"
    )
    advised: int | None = Field(
        description="cases that reached the advice (null when fewer than min_cell)"
    )
    median_days_to_advice: float | None = Field(
        description="median days from signal (opening) to advice (null when fewer than min_cell)"
    )


class RegionProgressEntry(_Model):
    """One organisation's part in a cross-region case (counts only)."""

    org: str = Field(examples=["Limburg"], description="a RIEC region, the LIEC, or unknown")
    standing: Literal["lead", "participant", "invited", "none"]
    people: int = Field(description="people and companies the case is about in this region")
    changes: int = Field(description="changes this organisation made to the case")
    last_change: datetime | None = None
    interventions: dict[str, int] = Field(
        default_factory=dict, description="interventions it recorded, by status"
    )


class CaseProgressEntry(_Model):
    """A cross-region case with its progress per organisation (no person-level content)."""

    case: CaseRecord
    regions: list[RegionProgressEntry]


class CrossRegionProgress(_Model):
    """The LIEC's view of the cross-region cases, newest first."""

    items: list[CaseProgressEntry]
