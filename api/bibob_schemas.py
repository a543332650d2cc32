"""Request and response bodies of ``/bibob/requests`` (pydantic), extending the core's
records (:mod:`graph.cases.records`), with examples for the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Network
from graph.cases.records import BibobRecord, NewBibobRequest

__all__ = [
    "BibobConclusion",
    "BibobExtension",
    "BibobPage",
    "BibobRequest",
    "BibobRequestCreate",
    "BibobScreened",
    "BibobScreening",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BibobRequestCreate(NewBibobRequest):
    """Register a municipality's Bibob request (a coordinator of the RIEC region the
    municipality lies in)."""


class BibobRequest(BibobRecord):
    """A Bibob request with its term as of today."""

    days_left: int = Field(description="days until the deadline (negative: overdue)")
    near_deadline: bool = Field(
        description="open, and the deadline is within the alert window (14 days) or passed"
    )


class BibobPage(_Model):
    """Requests, the nearest deadline first."""

    items: list[BibobRequest]
    limit: int


class BibobExtension(_Model):
    """Extend the term once (by 4 weeks), with the reason."""

    reason: str = Field(
        min_length=1, max_length=2000, examples=["Awaiting information from the Tax Administration"]
    )


class BibobConclusion(_Model):
    """The conclusion: a serious danger, a lesser degree of danger, or none; with reasons."""

    conclusion: Literal["serious", "lesser", "none"]
    reasons: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(
        min_length=1,
        max_length=20,
        examples=[["A director is a suspect in a dismantled cannabis grow site"]],
    )


class BibobScreened(_Model):
    """Someone screened with the applicant: a director or an owner."""

    id: str
    kind: str = Field(examples=["Person"])
    role: str = Field(examples=["director"])


class BibobScreening(_Model):
    """The screening of a request: who is screened with the applicant, and the network walk
    from the applicant within the request's scope (the applicant, its directors and owners,
    and one step around them). People outside the scope are only counted, per region."""

    request_id: str
    applicant: str
    screened: list[BibobScreened]
    network: Network
    outside_scope: dict[str, int] = Field(
        default_factory=dict, description="people met outside the scope, counted per region"
    )
