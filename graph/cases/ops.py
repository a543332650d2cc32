"""Case reads and writes as plans (:mod:`graph.subgraph.plan`): the API runs them with
``run_async`` (its access checks around them), ``knooppunt case`` with ``run_sync``.

Each write is one statement of :mod:`graph.cases.queries` that checks, under the case's lock,
the state it was asked to change; when it writes nothing the plan reads the case again and
raises the error that says why (closed, changed meanwhile, not invited, ...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import neo4j

from graph.cases import queries as q
from graph.cases.model import (
    CLOSED_STATES,
    ORG_CODES,
    AlertHasCaseError,
    BibobHasCaseError,
    CaseChangedError,
    CaseClosedError,
    CaseError,
    CaseNotFoundError,
    EventKind,
    ParticipationError,
    UnknownSubjectError,
    check_transition,
)
from graph.cases.records import Actor, CaseRecord, EventRecord, NewCase, NoteRecord
from graph.errors import NotFoundError
from graph.subgraph.plan import Plan, driver_executor, rows, run_sync
from graph.values import from_millis

__all__ = [
    "AlertFacts",
    "CaseView",
    "accept",
    "add_note",
    "add_subjects",
    "case_write",
    "cases_of_subject",
    "cases_page",
    "change_status",
    "constraint_refusal",
    "event_details",
    "invite",
    "open_case",
    "read_case",
    "run_case_plan",
    "write_change",
]

T = TypeVar("T")


def constraint_refusal(query: str, params: dict[str, Any] | None = None) -> CaseError:
    """The error of a case write that a uniqueness constraint refused: opening, a second case
    for the alert or the Bibob request (raced past the check); otherwise a change that raced
    another."""
    if query == q.CASE_OPEN and (params or {}).get("bibob_id") is not None:
        return BibobHasCaseError("this Bibob request has a case already", reference=None)
    if query == q.CASE_OPEN:
        return AlertHasCaseError("this alert has a case already", reference=None)
    return CaseChangedError("the case changed meanwhile: read it again and retry")


def run_case_plan(plan: Plan[T], driver: neo4j.Driver, database: str) -> T:
    """Run a case plan through a sync driver (``knooppunt case``), writes included."""
    execute = driver_executor(driver, database, write=True)

    def guarded(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return execute(query, params)
        except neo4j.exceptions.ConstraintError:
            raise constraint_refusal(query, params) from None

    return run_sync(plan, guarded)


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What the access check needs of an alert a case is opened from."""

    alert_id: str
    cluster_id: str
    regions: list[str]
    cross_region: bool
    closed_reason: str | None


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case with everything stored about it; the caller decides what to show."""

    record: CaseRecord
    purpose: str
    subjects: list[dict[str, str]] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    notes: list[NoteRecord] = field(default_factory=list)


def _times(raw: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {**raw, **{k: from_millis(raw.get(k)) for k in keys}}


def case_record(raw: dict[str, Any]) -> CaseRecord:
    """A :class:`CaseRecord` from its projection (absent values take the defaults)."""
    shaped = _times(raw, "opened_at", "updated_at", "closed_at")
    return CaseRecord.model_validate({k: v for k, v in shaped.items() if v is not None})


def _entity_kind(labels: list[str]) -> str:
    return next((label for label in labels if label != "Entity"), "Entity")


def read_case(reference: str) -> Plan[CaseView]:
    """The case ``reference``, or :class:`CaseNotFoundError`."""
    records = yield q.CASE_DETAIL, {"ref": reference}
    if not records:
        raise CaseNotFoundError("no case with this reference")
    row = records[0]
    return CaseView(
        record=case_record(row["case"]),
        purpose=str(row["purpose"] or ""),
        subjects=[{"id": s["id"], "kind": _entity_kind(s["labels"])} for s in row["subjects"]],
        clusters=list(row["clusters"]),
        alerts=list(row["alerts"]),
        events=[
            EventRecord.model_validate(
                {**_times(e, "at"), "details": json.loads(e.get("details") or "{}")}
            )
            for e in row["events"]
        ],
        notes=[NoteRecord.model_validate(_times(n, "at")) for n in row["notes"]],
    )


def _actor(actor: Actor) -> dict[str, Any]:
    return {"by": actor.subject, "by_org": actor.org, "by_role": actor.role}


def _details(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, default=str)


def open_case(
    new: NewCase,
    actor: Actor,
    *,
    year: int,
    origin: str = "signal",
    alert_id: str | None = None,
    authorise: Callable[[AlertFacts], None] | None = None,
    bibob_id: str | None = None,
) -> Plan[str]:
    """Open a case led by ``actor.org`` (the next number of its year); its reference.

    From an alert (``alert_id``): ``authorise`` sees the alert's facts first (the API's
    access check); an alert with a case already is :class:`AlertHasCaseError`, nothing
    written.
    """
    link: dict[str, Any] = {}
    if alert_id is not None:
        records = yield q.CASE_ALERT_FACTS, {"alert_id": alert_id}
        if not records:
            raise NotFoundError("no alert with this id")
        row = records[0]
        facts = AlertFacts(
            alert_id=alert_id,
            cluster_id=str(row["cluster_id"]),
            regions=list(row["regions"] or []),
            cross_region=bool(row["cross_region"]),
            closed_reason=row["closed_reason"],
        )
        if authorise is not None:
            authorise(facts)
        if row["cases"]:
            raise AlertHasCaseError("this alert has a case already", reference=row["cases"][0])
        link = {"alert_id": alert_id, "cluster_id": facts.cluster_id}
        origin = "alert"
    params = {
        **_actor(actor),
        **new.model_dump(),
        "origin": origin,
        "alert_id": alert_id,
        "bibob_id": bibob_id,
        "year": year,
        "code": ORG_CODES[actor.org],
        "sequence_id": f"{actor.org}|{year}",
        "details": _details({"origin": origin, "title": new.title, **link}),
        "link_details": _details(link),
    }
    records = yield q.CASE_OPEN, params
    if not records:
        # Another case took the alert between the check and the write.
        again = yield q.CASE_ALERT_FACTS, {"alert_id": alert_id}
        taken = again[0]["cases"][0] if again and again[0]["cases"] else None
        raise AlertHasCaseError("this alert has a case already", reference=taken)
    return str(records[0]["reference"])


def _write(
    reference: str, query: str, params: dict[str, Any], actor: Actor, kind: EventKind
) -> Plan[CaseView | None]:
    """Run a write; ``None`` when it wrote, else the case as it is now (for the reason)."""
    base = {
        "ref": reference,
        "closed_states": sorted(CLOSED_STATES),
        "kind": kind.value,
        **_actor(actor),
    }
    records = yield query, {**base, **params}
    if records:
        return None
    view = yield from read_case(reference)
    if view.record.status in CLOSED_STATES:
        raise CaseClosedError(f"the case is {view.record.status}: it takes no more changes")
    return view


def event_details(details: dict[str, Any]) -> str:
    """An event's ``details`` as stored (JSON), for the writes of :mod:`graph.cases.bibob`."""
    return _details(details)


def case_write(
    reference: str, query: str, params: dict[str, Any], actor: Actor, kind: EventKind
) -> Plan[None]:
    """Run a case write of another module (:mod:`graph.cases.bibob`) under the rules of
    these: :class:`CaseClosedError` for a closed case, :class:`CaseChangedError` when it
    wrote nothing otherwise."""
    now = yield from _write(reference, query, params, actor, kind)
    if now is not None:
        raise CaseChangedError("the case changed meanwhile: read it again and retry")


#: The shared step of every case write (for the other modules of the package: interventions).
write_change = _write


def change_status(
    reference: str, *, target: str, expected: str, reason: str | None, actor: Actor
) -> Plan[int]:
    """Move the case from ``expected`` to ``target``; its new version.

    :class:`CaseTransitionError` when the state machine refuses; :class:`CaseChangedError`
    when the case is no longer ``expected`` (another change came first).
    """
    change = check_transition(expected, target, reason=reason)
    details = {"from": expected, "to": target, "change": change, "reason": reason}
    params = {
        "expected": expected,
        "status": target,
        "reason": reason,
        "details": _details(details),
    }
    now = yield from _write(reference, q.CASE_SET_STATUS, params, actor, EventKind.STATUS_CHANGED)
    if now is not None:
        raise CaseChangedError(
            f"the case is {now.record.status}, not {expected}: read it again and retry"
        )
    return (yield from read_case(reference)).record.version


def invite(reference: str, org: str, actor: Actor) -> Plan[CaseView]:
    """Invite ``org`` (neither taking part nor invited already)."""
    params = {"org": org, "details": _details({"org": org})}
    now = yield from _write(reference, q.CASE_INVITE, params, actor, EventKind.PARTICIPANT_INVITED)
    if now is not None:
        raise ParticipationError("this organisation takes part or is invited already")
    return (yield from read_case(reference))


def accept(reference: str, actor: Actor) -> Plan[CaseView]:
    """``actor.org`` accepts its invitation."""
    params = {"org": actor.org, "details": _details({"org": actor.org})}
    now = yield from _write(reference, q.CASE_ACCEPT, params, actor, EventKind.PARTICIPANT_ACCEPTED)
    if now is not None:
        raise ParticipationError("your organisation has no open invitation to this case")
    return (yield from read_case(reference))


def add_subjects(reference: str, ids: list[str], actor: Actor) -> Plan[CaseView]:
    """Link subjects (tokens, KvK numbers) that exist in the graph; one unknown refuses all."""
    wanted = sorted(set(ids))
    found = yield q.CASE_MISSING_SUBJECTS, {"ids": wanted}
    missing = list(found[0]["missing"]) if found else wanted
    if missing:
        raise UnknownSubjectError(f"{len(missing)} of the subjects are not in the graph")
    params = {"ids": wanted, "details": _details({"subjects": wanted})}
    now = yield from _write(reference, q.CASE_ADD_SUBJECTS, params, actor, EventKind.SUBJECT_ADDED)
    if now is not None:
        raise UnknownSubjectError("a subject left the graph meanwhile; nothing was added")
    return (yield from read_case(reference))


def add_note(reference: str, text: str, actor: Actor) -> Plan[CaseView]:
    """Add a note."""
    params = {"text": text, "details": _details({"length": len(text)})}
    yield from _write(reference, q.CASE_ADD_NOTE, params, actor, EventKind.NOTE_ADDED)
    return (yield from read_case(reference))


def cases_page(
    *,
    org: str,
    liec: bool,
    status: str | None = None,
    phenomenon: str | None = None,
    lead: str | None = None,
    since: datetime | None = None,
    cursor: tuple[datetime, str] | None = None,
    limit: int = 50,
) -> Plan[list[tuple[CaseRecord, dict[str, int]]]]:
    """The cases ``org`` leads, takes part in or is invited to (the LIEC: and every
    cross-region case), newest first, with their counts of subjects, clusters and alerts."""
    params = {
        "org": org,
        "liec": liec,
        "status": status,
        "phenomenon": phenomenon,
        "lead": lead,
        "since": since,
        "cursor_at": cursor[0] if cursor else None,
        "cursor_id": cursor[1] if cursor else None,
        "limit": limit,
    }
    out = []
    for row in rows((yield q.CASES_PAGE, params)):
        counts = {k: int(row[k]) for k in ("subjects", "clusters", "alerts")}
        out.append((case_record(row["case"]), counts))
    return out


def cases_of_subject(subject_id: str) -> Plan[list[dict[str, Any]]]:
    """The cases ``subject_id`` is in (a subject of the case, or a member of one of its
    clusters) as ``{reference, title, status, lead, opened_at}``, oldest first: what a
    subject-access export lists, without the cases' other subjects."""
    found = rows((yield q.CASES_OF_SUBJECT, {"id": subject_id}))
    return [{**row, "opened_at": from_millis(row.get("opened_at"))} for row in found]
