"""Bibob requests: a municipality asks its RIEC to screen a permit applicant (issue 14;
``docs/cases.md`` "Bibob requests", decision record 071).

A request is registered by a coordinator of the RIEC region the municipality lies in (a
municipality is no organisation of the token model: it is a field of the request, checked
against the shipped geography). Its term is ``deadline_weeks`` from receipt, extendable once
by ``extension_weeks`` (``graph/data/cases.yaml``); it ends with a conclusion (``serious``,
``lesser``, ``none``) with reasons, and becomes a case when the RIEC takes it up.

The screening is the core's network walk (:func:`graph.subgraph.neighbourhood`) within the
request's own scope (:class:`graph.subgraph.scope.Scope`): the applicant and who directs or
owns it (``bibob.screened_links``), and one step around them, as for a case.

Reads and writes are plans (:mod:`graph.subgraph.plan`), run by the API like the case plans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from graph.cases import ops
from graph.cases import queries as q
from graph.cases.model import (
    BIBOB,
    ORG_CODES,
    BibobHasCaseError,
    CaseError,
    EventKind,
    UnknownSubjectError,
)
from graph.cases.records import Actor, BibobRecord, NewBibobRequest, NewCase
from graph.geography import Geography
from graph.model import NodeLabel
from graph.subgraph.model import Neighbourhood
from graph.subgraph.plan import Plan, rows
from graph.subgraph.scope import DEFAULT_SCOPE_DEPTH, Scope, scope_keys
from graph.subgraph.walk import neighbourhood
from graph.values import from_millis

__all__ = [
    "BIBOB_ID_PATTERN",
    "BibobConcludedError",
    "BibobExtendedError",
    "BibobHasCaseError",
    "BibobInputError",
    "BibobNotFoundError",
    "Screened",
    "Screening",
    "UnknownMunicipalityError",
    "conclude",
    "days_left",
    "deadline_of",
    "due_counts",
    "due_requests",
    "extend",
    "municipality_region",
    "near_deadline",
    "read_request",
    "requests_page",
    "screening",
    "submit",
    "take_up",
]


#: A request's id: ``BB-``, the RIEC's code, the year, a number (per RIEC and year).
BIBOB_ID_PATTERN: Final = re.compile(
    "^BB-(" + "|".join(sorted(ORG_CODES.values())) + r")-[0-9]{4}-[0-9]{4,6}$"
)


class BibobNotFoundError(CaseError):
    """No Bibob request with this id."""

    kind = "bibob-request-not-found"


class BibobConcludedError(CaseError):
    """The request is concluded: it takes no more changes."""

    kind = "bibob-concluded"


class BibobExtendedError(CaseError):
    """A second extension: the term is extended once only."""

    kind = "bibob-extension-refused"


class BibobInputError(CaseError):
    """A request the rules refuse (a receipt date in the future)."""

    kind = "bibob-invalid"


class UnknownMunicipalityError(CaseError):
    """A municipality code that is not in the shipped geography."""

    kind = "unknown-municipality"


def municipality_region(code: str, geography: Geography) -> tuple[str, str]:
    """The name and RIEC region of the municipality ``code`` in ``geography``
    (:func:`graph.geography.load_geography`), or :class:`UnknownMunicipalityError`.

    >>> from graph.geography import load_geography
    >>> from graph.settings import PACKAGED_GEOGRAPHY_DIR
    >>> municipality_region("GM0935", load_geography(PACKAGED_GEOGRAPHY_DIR))
    ('Maastricht', 'Limburg')
    """
    municipality = geography.municipalities.get(code)
    if municipality is None:
        raise UnknownMunicipalityError(
            "municipality_code: not a municipality of the shipped geography (graph/data/"
            "nl_geography, CBS 2024)"
        )
    return municipality.name, municipality.region


def deadline_of(received_on: date) -> date:
    """The term of a request received on ``received_on`` (before any extension).

    >>> deadline_of(date(2026, 1, 5))
    datetime.date(2026, 3, 2)
    """
    return received_on + timedelta(weeks=BIBOB.deadline_weeks)


def days_left(record: BibobRecord, *, today: date) -> int:
    """Days until the deadline (negative when it has passed)."""
    return (record.deadline - today).days


def near_deadline(record: BibobRecord, *, today: date, within: int = BIBOB.near_days) -> bool:
    """An open request whose deadline is ``within`` days or less away (or has passed)."""
    return record.status == "open" and days_left(record, today=today) <= within


def _record(raw: dict[str, Any]) -> BibobRecord:
    shaped = {
        **raw,
        **{k: from_millis(raw.get(k)) for k in ("submitted_at", "extended_at", "concluded_at")},
    }
    return BibobRecord.model_validate({k: v for k, v in shaped.items() if v is not None})


def _actor(actor: Actor) -> dict[str, Any]:
    return {"by": actor.subject, "by_org": actor.org, "by_role": actor.role}


def read_request(request_id: str) -> Plan[BibobRecord]:
    """The request ``request_id``, or :class:`BibobNotFoundError`."""
    found = yield q.BIBOB_DETAIL, {"id": request_id}
    if not found:
        raise BibobNotFoundError("no Bibob request with this id")
    return _record(found[0]["request"])


def submit(
    new: NewBibobRequest,
    actor: Actor,
    *,
    today: date,
    geography: Geography,
    authorise: Callable[[str], None] | None = None,
) -> Plan[str]:
    """Register a request handled by ``actor.org``; its id (``BB-LB-2026-0003``).

    The municipality is looked up in ``geography``; ``authorise`` sees its region first (the
    API's access check). An applicant
    that is no person or company in the graph is :class:`UnknownSubjectError`, nothing
    written.
    """
    name, region = municipality_region(new.municipality_code, geography)
    if authorise is not None:
        authorise(region)
    received = new.received_on or today
    if received > today:
        raise BibobInputError("received_on: may not lie in the future")
    params = {
        **_actor(actor),
        "applicant": new.applicant,
        "municipality_code": new.municipality_code,
        "municipality": name,
        "permit_kind": new.permit_kind,
        "received_on": received,
        "deadline": deadline_of(received),
        "year": today.year,
        "code": ORG_CODES[actor.org],
        "sequence_id": f"bibob|{actor.org}|{today.year}",
        "today": today,
    }
    found = yield q.BIBOB_SUBMIT, params
    if not found:
        raise UnknownSubjectError("applicant: no person or company with this identifier")
    return str(found[0]["id"])


def requests_page(
    *,
    org: str,
    today: date,
    status: str | None = None,
    due_within: int | None = None,
    limit: int = 50,
) -> Plan[list[BibobRecord]]:
    """``org``'s requests, the nearest deadline first; with ``due_within``: the open ones due
    within that many days (or overdue)."""
    due_by = today + timedelta(days=due_within) if due_within is not None else None
    params = {"org": org, "status": status, "due_by": due_by, "limit": limit}
    return [_record(r) for r in rows((yield q.BIBOB_PAGE, params))]


def due_requests(*, today: date, within: int = BIBOB.near_days) -> Plan[list[BibobRecord]]:
    """Every organisation's open requests due within ``within`` days or overdue, the nearest
    deadline first (the operator's deadline alert, ``knooppunt bibob due``)."""
    params = {"due_by": today + timedelta(days=within)}
    return [_record(r) for r in rows((yield q.BIBOB_DUE, params))]


def due_counts(*, today: date, within: int = BIBOB.near_days) -> Plan[dict[str, dict[str, int]]]:
    """Per handling organisation, how many open requests are due within ``within`` days
    (``near``) and how many are past their deadline (``overdue``); counts only, for
    ``/metrics``. Organisations with neither are absent."""
    params = {"today": today, "due_by": today + timedelta(days=within)}
    found = rows((yield q.BIBOB_DUE_COUNTS, params))
    return {str(r["org"]): {"near": int(r["near"]), "overdue": int(r["overdue"])} for r in found}


def _changed(request_id: str, query: str, params: dict[str, Any]) -> Plan[BibobRecord | None]:
    """Run a write; ``None`` when it wrote, else the request as it is now (for the reason)."""
    found = yield query, {"id": request_id, **params}
    if found:
        return None
    now = yield from read_request(request_id)
    if now.status == "concluded":
        raise BibobConcludedError("the request is concluded: it takes no more changes")
    return now


def extend(request_id: str, *, reason: str, actor: Actor) -> Plan[BibobRecord]:
    """Extend the term once by ``extension_weeks``; a second time is
    :class:`BibobExtendedError`."""
    params = {"reason": reason, "days": 7 * BIBOB.extension_weeks, **_actor(actor)}
    now = yield from _changed(request_id, q.BIBOB_EXTEND, params)
    if now is not None:
        raise BibobExtendedError(
            f"the term is extended once only (by {BIBOB.extension_weeks} weeks)"
        )
    return (yield from read_request(request_id))


def conclude(
    request_id: str, *, conclusion: str, reasons: list[str], actor: Actor
) -> Plan[BibobRecord]:
    """Conclude: ``serious``, ``lesser`` or ``none``, with reasons."""
    params = {"conclusion": conclusion, "reasons": reasons, **_actor(actor)}
    yield from _changed(request_id, q.BIBOB_CONCLUDE, params)
    return (yield from read_request(request_id))


def take_up(
    request_id: str,
    new: NewCase,
    actor: Actor,
    *,
    year: int,
    authorise: Callable[[BibobRecord], None] | None = None,
) -> Plan[str]:
    """Open a case (origin ``bibob``) from the request, linked to it and its applicant; its
    reference. One case per request (:class:`BibobHasCaseError`, also when raced: the
    ``Case.bibob_id`` constraint)."""
    request = yield from read_request(request_id)
    if authorise is not None:
        authorise(request)
    if request.case_reference is not None:
        raise BibobHasCaseError(
            "this Bibob request was taken up as a case already", reference=request.case_reference
        )
    reference = yield from ops.open_case(new, actor, year=year, origin="bibob", bibob_id=request_id)
    details = ops.event_details({"bibob_request": request_id, "applicant": request.applicant})
    params = {"id": request_id, "details": details}
    yield from ops.case_write(reference, q.BIBOB_LINK_CASE, params, actor, EventKind.BIBOB_LINKED)
    return reference


@dataclass(frozen=True, slots=True)
class Screened:
    """One who is screened with the applicant: a director or owner, and its kind."""

    id: str
    kind: str
    role: str


@dataclass(frozen=True, slots=True)
class Screening:
    """A request's screening: who is screened with the applicant, and the walk within the
    request's scope (people outside it counted per region in ``neighbourhood.outside``)."""

    applicant: str
    neighbourhood: Neighbourhood
    screened: list[Screened] = field(default_factory=list)


def _kind(labels: list[str]) -> str:
    return next((label for label in labels if label != "Entity"), "Entity")


def screening(
    request: BibobRecord,
    *,
    today: date,
    depth: int,
    path_hops: int,
    hub_limit: int,
    max_nodes: int,
) -> Plan[Screening]:
    """The screening of ``request``: its scope (the applicant, its directors and owners, one
    step around them) and the network walk from the applicant within it, with the paths to
    flagged clusters."""
    roles = {str(t): role for t, role in BIBOB.screened_links.items()}
    params = {"id": request.id, "link_types": sorted(roles), "today": today}
    found = yield q.BIBOB_SCREENED, params
    if not found:
        raise UnknownSubjectError("the applicant is no longer in the graph")
    screened = sorted(
        {(str(s["id"]), _kind(s["labels"]), roles[str(s["type"])]) for s in found[0]["screened"]}
    )
    subjects = frozenset({request.applicant, *(s[0] for s in screened)})
    scope = Scope(subjects=subjects, clusters=frozenset(), depth=DEFAULT_SCOPE_DEPTH)
    keys = yield from scope_keys(scope, today=today, hub_limit=hub_limit)
    hood = yield from neighbourhood(
        request.applicant,
        today=today,
        depth=depth,
        kind=NodeLabel(request.applicant_kind),
        hub_limit=hub_limit,
        max_nodes=max_nodes,
        path_hops=path_hops,
        scope=keys,
    )
    return Screening(
        applicant=request.applicant,
        screened=[Screened(id=i, kind=k, role=r) for i, k, r in screened],
        neighbourhood=hood,
    )
