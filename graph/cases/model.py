"""The case model as data: organisation codes, states and their transitions, phenomena,
origins (``graph/data/cases.yaml``), the reference format, and the rules of a status change.

Pure functions, no I/O beyond loading the data file once at import; the API and the CLI check a
change here and the write (:mod:`graph.cases.ops`) checks the state it started from again in
its own transaction.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graph.errors import ExitCode, GraphError, ModelError
from graph.model import RelType
from graph.validation import explain
from graph.vocabulary import LEGAL_BASES, ORGANISATIONS, TOKEN_PATTERN, TYPOLOGIES

__all__ = [
    "BIBOB",
    "CASES_FILE",
    "CASE_RETENTION_YEARS",
    "CLOSED_STATES",
    "INTERVENTION_KINDS",
    "INTERVENTION_OUTCOMES",
    "INTERVENTION_STATUSES",
    "KVK_PATTERN",
    "MEASURES",
    "ORG_CODES",
    "ORIGINS",
    "PHENOMENA",
    "REFERENCE_PATTERN",
    "STATES",
    "AlertHasCaseError",
    "BibobHasCaseError",
    "CaseChangedError",
    "CaseClosedError",
    "CaseError",
    "CaseNotFoundError",
    "CaseTransitionError",
    "EventKind",
    "InterventionNotFoundError",
    "InterventionTransitionError",
    "Measure",
    "ParticipationError",
    "TargetNotInCaseError",
    "UnknownSubjectError",
    "check_intervention_change",
    "check_transition",
    "format_reference",
    "is_subject_id",
    "parse_cases",
]

CASES_FILE: Final = Path(__file__).resolve().parents[1] / "data" / "cases.yaml"
#: A KvK number (the public company register's key): eight digits, no check digit.
KVK_PATTERN: Final = re.compile(r"^[0-9]{8}$")


class CaseError(GraphError):
    """A case operation refused; ``kind`` names the rule (the API's problem type slug)."""

    exit_code = ExitCode.BAD_INPUT
    kind: ClassVar[str] = "case"


class CaseNotFoundError(CaseError):
    """No case with this reference."""

    kind = "case-not-found"


class CaseTransitionError(CaseError):
    """A status change the state machine refuses (a skip, a step back without a reason)."""

    kind = "case-transition-refused"


class CaseClosedError(CaseError):
    """The case is closed or declined: it takes no more changes."""

    kind = "case-closed"


class CaseChangedError(CaseError):
    """The case changed since the caller read it (another coordinator was first)."""

    kind = "case-changed"


class AlertHasCaseError(CaseError):
    """The alert already has a case; one alert opens one case."""

    kind = "alert-has-case"

    def __init__(self, message: str, *, reference: str | None) -> None:
        super().__init__(message)
        self.reference = reference


class BibobHasCaseError(CaseError):
    """The Bibob request was taken up as a case already; one request makes one case."""

    kind = "bibob-has-case"

    def __init__(self, message: str, *, reference: str | None) -> None:
        super().__init__(message)
        self.reference = reference


class UnknownSubjectError(CaseError):
    """A subject (token or KvK number) that is not in the graph."""

    kind = "unknown-subject"


class ParticipationError(CaseError):
    """An invitation or acceptance that does not fit the case's participants."""

    kind = "participation-refused"


class TargetNotInCaseError(CaseError):
    """An intervention's target that is not a subject of the case."""

    kind = "target-not-in-case"


class InterventionNotFoundError(CaseError):
    """No intervention with this id in the case."""

    kind = "intervention-not-found"


class InterventionTransitionError(CaseError):
    """An intervention status change its rules refuse (a done one reopened, an outcome
    without ``done``)."""

    kind = "intervention-transition-refused"


class EventKind(StrEnum):
    """What a case event records (every change to a case is one, append-only)."""

    OPENED = "opened"
    ALERT_LINKED = "alert_linked"
    STATUS_CHANGED = "status_changed"
    PARTICIPANT_INVITED = "participant_invited"
    PARTICIPANT_ACCEPTED = "participant_accepted"
    SUBJECT_ADDED = "subject_added"
    NOTE_ADDED = "note_added"
    BIBOB_LINKED = "bibob_linked"
    INTERVENTION_ADDED = "intervention_added"
    INTERVENTION_CHANGED = "intervention_changed"


class BibobCodes(BaseModel):
    """The Bibob request's terms, permit kinds and who is screened with the applicant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deadline_weeks: int = Field(ge=1)
    extension_weeks: int = Field(ge=1)
    near_days: int = Field(ge=1)
    permit_kinds: tuple[str, ...] = Field(min_length=1)
    screened_links: dict[RelType, str] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> BibobCodes:
        if len(set(self.permit_kinds)) != len(self.permit_kinds):
            raise ValueError("bibob.permit_kinds: every value once")
        return self


class Measure(BaseModel):
    """One measure of the interventions code list: its kind and its (Dutch) label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    label: str = Field(min_length=3)


class InterventionCodes(BaseModel):
    """The interventions block of the code-list file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: tuple[str, ...] = Field(min_length=1)
    statuses: tuple[str, ...] = Field(min_length=4)
    outcomes: tuple[str, ...] = Field(min_length=1)
    measures: dict[str, Measure] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> InterventionCodes:
        if self.statuses[:2] != ("planned", "in_progress") or set(self.statuses[2:]) != {
            "done",
            "cancelled",
        }:
            raise ValueError("interventions.statuses: planned, in_progress, done, cancelled")
        for code, measure in self.measures.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]{2,40}", code):
                raise ValueError("interventions.measures: codes in lower case with underscores")
            if measure.kind not in self.kinds:
                raise ValueError("interventions.measures: each measure's kind is one of kinds")
        return self


class CaseCodes(BaseModel):
    """The whole code-list file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organisations: dict[str, str]
    states: tuple[str, ...] = Field(min_length=2)
    declined_from: str
    phenomena: tuple[str, ...] = Field(min_length=1)
    origins: tuple[str, ...] = Field(min_length=1)
    bibob: BibobCodes
    case_retention_years: dict[str, int]
    interventions: InterventionCodes

    @model_validator(mode="after")
    def _consistent(self) -> CaseCodes:
        if set(self.organisations) != set(ORGANISATIONS):
            raise ValueError("organisations: every RIEC region and the LIEC, once each")
        codes = list(self.organisations.values())
        if len(set(codes)) != len(codes) or not all(re.fullmatch(r"[A-Z]{2,6}", c) for c in codes):
            raise ValueError("organisations: distinct codes of 2 to 6 capital letters")
        if self.declined_from not in self.states[:-1]:
            raise ValueError("declined_from: must be a state before the last")
        if "declined" in self.states:
            raise ValueError("states: declined is not in the sequence")
        if set(TYPOLOGIES) - set(self.phenomena):
            raise ValueError("phenomena: must include every cluster typology")
        for name in ("states", "phenomena", "origins"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name}: every value once")
        if set(self.case_retention_years) != set(LEGAL_BASES):
            raise ValueError("case_retention_years: every legal basis of the vocabulary, once")
        if any(years < 1 for years in self.case_retention_years.values()):
            raise ValueError("case_retention_years: at least one year")
        return self


def parse_cases(text: str, *, source: str = "cases.yaml") -> CaseCodes:
    """Parse and check the case code lists; a :class:`ModelError` names the key and rule."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ModelError(f"{source}: not valid YAML") from None
    try:
        return CaseCodes.model_validate(raw)
    except ValidationError as e:
        raise ModelError(explain(e, source=source, model=CaseCodes)) from None


_CODES: Final = parse_cases(CASES_FILE.read_text(encoding="utf-8"), source=str(CASES_FILE))

#: Organisation (token ``org`` claim) -> its reference code.
ORG_CODES: Final = MappingProxyType(dict(_CODES.organisations))
#: The states in order; ``declined`` comes after them as the other end.
STATES: Final[tuple[str, ...]] = (*_CODES.states, "declined")
_SEQUENCE: Final = _CODES.states
_DECLINED_FROM: Final = _CODES.declined_from
#: States that take no more changes.
CLOSED_STATES: Final = frozenset({_SEQUENCE[-1], "declined"})
PHENOMENA: Final[tuple[str, ...]] = _CODES.phenomena
ORIGINS: Final[tuple[str, ...]] = _CODES.origins
#: The Bibob request's code lists and terms (:mod:`graph.cases.bibob`).
BIBOB: Final = _CODES.bibob
#: Years a closed or declined case is kept after ``closed_at``, by legal basis
#: (:mod:`graph.cases.retention`).
CASE_RETENTION_YEARS: Final = MappingProxyType(dict(_CODES.case_retention_years))
#: Interventions: their kinds, statuses and outcomes in order, and the measures by code.
INTERVENTION_KINDS: Final[tuple[str, ...]] = _CODES.interventions.kinds
INTERVENTION_STATUSES: Final[tuple[str, ...]] = _CODES.interventions.statuses
INTERVENTION_OUTCOMES: Final[tuple[str, ...]] = _CODES.interventions.outcomes
MEASURES: Final = MappingProxyType(dict(_CODES.interventions.measures))
_INTERVENTION_ENDS: Final = frozenset({"done", "cancelled"})
#: A reference this model gives: an organisation code, the year, a number of at least 4 digits.
REFERENCE_PATTERN: Final = re.compile(
    "^(" + "|".join(sorted(ORG_CODES.values())) + r")-[0-9]{4}-[0-9]{4,6}$"
)


def format_reference(org: str, year: int, number: int) -> str:
    """The reference of ``org``'s case ``number`` of ``year``.

    >>> format_reference("Limburg", 2025, 7)
    'LB-2025-0007'
    """
    return f"{ORG_CODES[org]}-{year:04d}-{number:04d}"


def check_transition(current: str, target: str, *, reason: str | None) -> str:
    """Whether a case may go from ``current`` to ``target``; the kind of change
    (``forward``, ``back``, ``declined``) or :class:`CaseTransitionError` naming the rule.

    Forward one state at a time; back to any earlier state with a reason; ``declined`` from
    intake with a reason. Closed and declined cases change no more.

    >>> check_transition("signal", "intake", reason=None)
    'forward'
    >>> check_transition("advice", "analysis", reason="new facts from the police")
    'back'
    """
    if current in CLOSED_STATES:
        raise CaseClosedError(f"a {current} case takes no more changes")
    if target not in STATES:
        raise CaseTransitionError(f"unknown state; the states are: {', '.join(STATES)}")
    has_reason = reason is not None and reason.strip() != ""
    if target == "declined":
        if current != _DECLINED_FROM:
            raise CaseTransitionError(f"a case is declined at {_DECLINED_FROM} only")
        if not has_reason:
            raise CaseTransitionError("declining a case needs a reason")
        return "declined"
    here, there = _SEQUENCE.index(current), _SEQUENCE.index(target)
    if there == here:
        raise CaseTransitionError(f"the case is {current} already")
    if there > here + 1:
        raise CaseTransitionError(
            f"a case goes one state at a time: {current} -> {_SEQUENCE[here + 1]}"
        )
    if there < here:
        if not has_reason:
            raise CaseTransitionError("going back to an earlier state needs a reason")
        return "back"
    return "forward"


def is_subject_id(value: str) -> bool:
    """Whether ``value`` may be a case subject: a token or a KvK number (by its form)."""
    return bool(TOKEN_PATTERN.fullmatch(value) or KVK_PATTERN.fullmatch(value))


def check_intervention_change(current: str, target: str, *, outcome: str | None) -> None:
    """Whether an intervention may go from ``current`` to ``target`` (with ``outcome``), or
    :class:`InterventionTransitionError` naming the rule.

    ``planned`` -> ``in_progress`` -> ``done``; ``planned`` or ``in_progress`` ->
    ``cancelled``; ``done`` and ``cancelled`` end it. ``done`` needs an outcome, and only
    ``done`` has one.

    >>> check_intervention_change("planned", "done", outcome="achieved")
    >>> check_intervention_change("planned", "cancelled", outcome=None)
    """
    if current in _INTERVENTION_ENDS:
        raise InterventionTransitionError(f"a {current} intervention changes no more")
    if target not in INTERVENTION_STATUSES:
        raise InterventionTransitionError(
            "unknown status; the statuses are: " + ", ".join(INTERVENTION_STATUSES)
        )
    if target == current:
        raise InterventionTransitionError(f"the intervention is {current} already")
    if target == "planned":
        raise InterventionTransitionError("an intervention under way is not planned again")
    if (target == "done") != (outcome is not None):
        raise InterventionTransitionError("an intervention is done with an outcome, and only then")
