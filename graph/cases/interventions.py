"""Interventions on a case (issue 14, ``docs/cases.md`` "Interventions") as plans: add one,
change its status and outcome, list them. Each change is a case write
(:func:`graph.cases.ops.write_change`): one statement under the case's lock that bumps the
version and appends the event, and nothing when the case is closed or a target is not one of
its subjects.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from graph.cases import queries as q
from graph.cases.model import (
    CaseChangedError,
    EventKind,
    InterventionNotFoundError,
    TargetNotInCaseError,
    check_intervention_change,
)
from graph.cases.ops import read_case, write_change
from graph.cases.records import Actor, InterventionRecord, NewIntervention
from graph.subgraph.plan import Plan
from graph.values import from_millis

__all__ = ["add_intervention", "change_intervention", "intervention_record", "interventions"]


def _details(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, default=str)


def intervention_record(raw: dict[str, Any]) -> InterventionRecord:
    """An :class:`InterventionRecord` from its projection."""
    shaped = {**raw, **{k: from_millis(raw.get(k)) for k in ("created_at", "updated_at")}}
    return InterventionRecord.model_validate(shaped)


def interventions(reference: str) -> Plan[list[InterventionRecord]]:
    """The case's interventions in the order they were added (:class:`CaseNotFoundError`
    when there is no such case)."""
    found = yield q.CASE_INTERVENTIONS, {"ref": reference}
    if not found:
        yield from read_case(reference)  # raises: no such case
        return []
    return [intervention_record(r) for r in found[0]["interventions"]]


def _one(reference: str, intervention_id: str) -> Plan[InterventionRecord | None]:
    listed = yield from interventions(reference)
    return next((i for i in listed if i.id == intervention_id), None)


def add_intervention(
    reference: str, new: NewIntervention, actor: Actor
) -> Plan[InterventionRecord]:
    """Add an intervention against subjects of the case; the partner joins the case's
    partners. :class:`TargetNotInCaseError` when a target is not a subject of the case."""
    details = {
        "partner": new.partner,
        "kind": new.kind,
        "measure": new.measure,
        "targets": new.targets,
        "status": new.status,
    }
    params = {
        "partner": new.partner,
        "intervention_kind": new.kind,
        "measure": new.measure,
        "targets": new.targets,
        "date": new.date,
        "status": new.status,
        "outcome": new.outcome,
        "outcome_note": new.outcome_note,
        "details": _details(details),
    }
    now = yield from write_change(
        reference, q.CASE_ADD_INTERVENTION, params, actor, EventKind.INTERVENTION_ADDED
    )
    if now is not None:
        raise TargetNotInCaseError("a target is not a subject of this case; nothing was added")
    added = yield from interventions(reference)
    return added[-1]


def change_intervention(
    reference: str,
    intervention_id: str,
    *,
    target: str,
    expected: str,
    outcome: str | None,
    outcome_note: str | None,
    date: dt.date | None,
    actor: Actor,
) -> Plan[InterventionRecord]:
    """Move an intervention from ``expected`` to ``target`` (``done`` with its outcome).

    :class:`InterventionNotFoundError` for no such intervention in the case,
    :class:`CaseChangedError` when it is no longer ``expected``.
    """
    check_intervention_change(expected, target, outcome=outcome)
    details = {"intervention": intervention_id, "from": expected, "to": target}
    if outcome is not None:
        details["outcome"] = outcome
    params = {
        "intervention_id": intervention_id,
        "expected": expected,
        "status": target,
        "outcome": outcome,
        "outcome_note": outcome_note,
        "date": date,
        "details": _details(details),
    }
    now = yield from write_change(
        reference, q.CASE_CHANGE_INTERVENTION, params, actor, EventKind.INTERVENTION_CHANGED
    )
    current = yield from _one(reference, intervention_id)
    if current is None:
        raise InterventionNotFoundError("no intervention with this number in this case")
    if now is not None:
        raise CaseChangedError(
            f"the intervention is {current.status}, not {expected}: read it again and retry"
        )
    return current
