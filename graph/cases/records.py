"""The case records, defined once: what a new case needs (:class:`NewCase`, checked at the
edges), what the ``Case`` node holds (:class:`CaseRecord`), its events and notes, and who acts
(:class:`Actor`). The queries project these fields (:func:`graph.results.projection`) and the
API's schemas extend them.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph.cases.model import (
    BIBOB,
    INTERVENTION_KINDS,
    INTERVENTION_OUTCOMES,
    INTERVENTION_STATUSES,
    MEASURES,
    PHENOMENA,
    STATES,
    is_subject_id,
)
from graph.vocabulary import LEGAL_BASES, PARTNERS

__all__ = [
    "Actor",
    "BibobRecord",
    "CaseRecord",
    "EventRecord",
    "InterventionRecord",
    "NewBibobRequest",
    "NewCase",
    "NewIntervention",
    "NoteRecord",
]

_PHENOMENON = "^(" + "|".join(PHENOMENA) + ")$"
_LEGAL_BASIS = "^(" + "|".join(sorted(LEGAL_BASES)).replace("-", r"\-") + ")$"
_PARTNER = "^(" + "|".join(sorted(PARTNERS)) + ")$"
_PERMIT_KIND = "^(" + "|".join(BIBOB.permit_kinds) + ")$"
#: A Bibob applicant: a person's token or a company's KvK number.
APPLICANT_PATTERN = r"^(PRS-[A-Z2-7]{26}|[0-9]{8})$"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Actor(_Record):
    """Who makes a change: the token's subject, organisation and role."""

    subject: str = Field(min_length=1, max_length=128)
    org: str
    role: str


class NewCase(_Record):
    """What opening a case takes (from a signal, an alert or a Bibob request)."""

    title: str = Field(min_length=3, max_length=200, examples=["Hennepteelt Parkstad"])
    phenomenon: str = Field(pattern=_PHENOMENON, examples=["cannabis"])
    purpose: str = Field(
        min_length=10,
        max_length=4000,
        description="why the case processes personal data; shown to participants only",
        examples=["Integrated advice on closing premises used for cannabis cultivation"],
    )
    legal_basis: str = Field(pattern=_LEGAL_BASIS, examples=["WPG"])
    partners: list[str] = Field(
        default_factory=list, max_length=20, description="partners involved (codes)"
    )
    cross_region: bool = Field(
        False, description="a cross-region case (set from the alert's cluster when from one)"
    )

    @field_validator("partners")
    @classmethod
    def _partners(cls, value: list[str]) -> list[str]:
        unknown = [p for p in value if p not in PARTNERS]
        if unknown:
            raise ValueError("unknown partner code; see graph/data/vocabulary.yaml")
        return sorted(set(value))


class CaseRecord(_Record):
    """A case as stored on its ``Case`` node (without its purpose, which only participants see)."""

    reference: str = Field(examples=["LB-2025-0007"])
    title: str
    phenomenon: str
    origin: Literal["signal", "alert", "bibob"] = "signal"
    legal_basis: str
    lead: str = Field(examples=["Limburg"], description="the lead organisation")
    cross_region: bool = False
    status: str = Field(examples=["intake"], description=" -> ".join(STATES))
    version: int = Field(ge=1, description="goes up by one with every change (event)")
    participants: list[str] = Field(description="organisations taking part (lead included)")
    invited: list[str] = Field(default_factory=list, description="invited, not yet accepted")
    partners: list[str] = Field(default_factory=list)
    opened_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    declined_reason: str | None = None


class EventRecord(_Record):
    """One change to a case (append-only): who, when, what."""

    n: int = Field(ge=1, description="the case's version this change made")
    kind: str = Field(examples=["status_changed"])
    at: datetime | None = None
    by: str
    by_org: str
    by_role: str
    details: dict[str, Any] = Field(default_factory=dict)


class NoteRecord(_Record):
    """A note on a case (participants only)."""

    id: str
    text: str
    at: datetime | None = None
    by: str
    by_org: str


class NewBibobRequest(_Record):
    """What a municipality's Bibob request holds when the RIEC registers it."""

    municipality_code: str = Field(
        pattern=r"^GM[0-9]{4}$",
        description="the municipality (CBS code, graph/data/nl_geography) that asks",
        examples=["GM0935"],
    )
    applicant: str = Field(
        pattern=APPLICANT_PATTERN,
        description="the applicant: a company's KvK number or a person's token",
        examples=["22222222"],
    )
    permit_kind: str = Field(pattern=_PERMIT_KIND, examples=["horeca_exploitation"])
    received_on: date | None = Field(
        None, description="when the request was received (default: today); starts the term"
    )


class BibobRecord(_Record):
    """A Bibob request as stored on its ``BibobRequest`` node."""

    id: str = Field(examples=["BB-LB-2026-0003"])
    org: str = Field(examples=["Limburg"], description="the RIEC that handles it")
    municipality_code: str
    municipality: str
    permit_kind: str
    applicant: str
    applicant_kind: Literal["Person", "Company"]
    received_on: date
    deadline: date
    extended: bool = False
    extension_reason: str | None = None
    status: Literal["open", "concluded"] = "open"
    conclusion: Literal["serious", "lesser", "none"] | None = None
    reasons: list[str] = Field(default_factory=list)
    by: str
    submitted_at: datetime | None = None
    extended_at: datetime | None = None
    concluded_at: datetime | None = None
    case_reference: str | None = Field(None, description="the case that took it up")
# --- interventions ---------------------------------------------------------------------------

_KIND = "^(" + "|".join(INTERVENTION_KINDS) + ")$"
_MEASURE = "^(" + "|".join(sorted(MEASURES)) + ")$"
_INTERVENTION_STATUS = "^(" + "|".join(INTERVENTION_STATUSES) + ")$"
_OUTCOME = "^(" + "|".join(INTERVENTION_OUTCOMES) + ")$"


class NewIntervention(_Record):
    """An intervention a partner takes (or proposes) against subjects of the case."""

    partner: str = Field(pattern=_PARTNER, examples=["GEM"], description="partner code")
    kind: str = Field(pattern=_KIND, examples=["administrative"])
    measure: str = Field(
        pattern=_MEASURE,
        examples=["closure_opium_act"],
        description="a measure of the code list (graph/data/cases.yaml) of this kind",
    )
    targets: list[str] = Field(
        min_length=1,
        max_length=50,
        examples=[["PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ"]],
        description="subjects of the case (tokens, KvK numbers)",
    )
    date: dt.date = Field(description="planned or effective date", examples=["2025-06-01"])
    status: str = Field("planned", pattern=_INTERVENTION_STATUS)
    outcome: str | None = Field(
        None, pattern=_OUTCOME, description="for a done intervention only", examples=[None]
    )
    outcome_note: str | None = Field(None, min_length=1, max_length=2000)

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        if not all(is_subject_id(t) for t in value):
            raise ValueError("each must be a token (PRS-, VEH-, ...) or a KvK number (8 digits)")
        return sorted(set(value))

    @model_validator(mode="after")
    def _consistent(self) -> NewIntervention:
        if MEASURES[self.measure].kind != self.kind:
            raise ValueError("measure: the measure belongs to another kind of intervention")
        if (self.status == "done") != (self.outcome is not None):
            raise ValueError("outcome: given for a done intervention, and only then")
        return self


class InterventionRecord(_Record):
    """An intervention as stored on its ``Intervention`` node (linked to the case)."""

    id: str = Field(examples=["LB-2025-0007#6"], description="the case event that added it")
    n: int = Field(ge=1, description="its number in the case (the case version that added it)")
    partner: str
    kind: str
    measure: str
    targets: list[str]
    date: dt.date
    status: str = Field(examples=["planned"], description=" -> ".join(INTERVENTION_STATUSES))
    outcome: str | None = None
    outcome_note: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    by: str
    by_org: str
