"""``knooppunt case list|show|open``: the case records for operators and scripts (``--json``),
through the same plans as the API (:mod:`graph.cases.ops`); ``knooppunt bibob due``: the Bibob
requests near or past their deadline, for cron and monitoring (:mod:`graph.cases.bibob`)."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from graph.cases import bibob, ops
from graph.cases.model import BIBOB
from graph.cases.records import Actor, NewCase
from graph.cli_types import InstanceOpt, PlainCommand
from graph.driver import connect
from graph.errors import ExitCode
from graph.settings import get_settings
from graph.subgraph.plan import Plan
from graph.validation import explain
from graph.vocabulary import ORGANISATIONS

__all__ = ["bibob_app", "case_app"]

case_app = typer.Typer(
    help=(
        "Case records: list, show and open cases (as a coordinator of --org).\n\n"
        "Example: knooppunt case list --org Limburg"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
)

OrgOpt = Annotated[
    str, typer.Option("--org", metavar="ORG", help="the organisation (RIEC region or LIEC)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def _run(plan: Plan[Any], instance: str | None) -> Any:
    settings = get_settings()
    driver = connect(settings, instance)
    try:
        return ops.run_case_plan(plan, driver, settings.neo4j_database)
    finally:
        driver.close()


def _check_org(org: str) -> str:
    if org not in ORGANISATIONS:
        raise typer.BadParameter("--org: must be a RIEC region name or LIEC")
    return org


@case_app.command("list", cls=PlainCommand)
def list_cases(
    org: OrgOpt,
    status: Annotated[str | None, typer.Option(metavar="STATE", help="only this state")] = None,
    limit: Annotated[int, typer.Option(metavar="N", min=1, max=1000)] = 50,
    instance: InstanceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The cases ORG leads, takes part in or is invited to, newest first.

    Example: knooppunt case list --org Limburg --json
    """
    plan = ops.cases_page(org=_check_org(org), liec=org == "LIEC", status=status, limit=limit)
    found = _run(plan, instance)
    items = [{**record.model_dump(mode="json"), **counts} for record, counts in found]
    if as_json:
        typer.echo(json.dumps(items))
        return
    for item in items:
        typer.echo(f"{item['reference']}  {item['status']:<13} {item['lead']:<22} {item['title']}")


@case_app.command("show", cls=PlainCommand)
def show_case(
    reference: Annotated[str, typer.Argument(metavar="REFERENCE", help="e.g. LB-2025-0007")],
    instance: InstanceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One case with its scope, events and notes (an operator's view: everything stored).

    Example: knooppunt case show LB-2025-0007 --json
    """
    view = _run(ops.read_case(reference), instance)
    out = {
        **view.record.model_dump(mode="json"),
        "purpose": view.purpose,
        "subjects": view.subjects,
        "clusters": view.clusters,
        "alerts": view.alerts,
        "events": [e.model_dump(mode="json") for e in view.events],
        "notes": [n.model_dump(mode="json") for n in view.notes],
    }
    if as_json:
        typer.echo(json.dumps(out))
        return
    typer.echo(f"{out['reference']}: {out['title']} ({out['status']}, lead {out['lead']})")
    for event in out["events"]:
        typer.echo(f"  #{event['n']} {event['at']} {event['kind']} by {event['by_org']}")


@case_app.command("open", cls=PlainCommand)
def open_case(
    org: OrgOpt,
    title: Annotated[str, typer.Option(metavar="TEXT")],
    phenomenon: Annotated[str, typer.Option(metavar="CODE")],
    purpose: Annotated[str, typer.Option(metavar="TEXT")],
    legal_basis: Annotated[str, typer.Option(metavar="CODE")],
    alert: Annotated[
        str | None, typer.Option(metavar="ALERT_ID", help="open from this alert")
    ] = None,
    instance: InstanceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open a case led by ORG (the next reference of its year).

    Example: knooppunt case open --org Limburg --title "Hennepteelt" --phenomenon cannabis
    --purpose "Integrated advice on premises" --legal-basis WPG --alert AL-3f9a1c2b7d4e
    """
    try:
        new = NewCase(title=title, phenomenon=phenomenon, purpose=purpose, legal_basis=legal_basis)
    except ValidationError as e:
        raise typer.BadParameter(explain(e, source="case open", model=NewCase)) from None
    actor = Actor(subject=f"cli:{getpass.getuser()}", org=_check_org(org), role="coordinator")
    plan = ops.open_case(new, actor, year=datetime.now(UTC).year, alert_id=alert)
    reference = _run(plan, instance)
    if as_json:
        typer.echo(json.dumps({"reference": reference}))
    else:
        typer.echo(reference)


bibob_app = typer.Typer(
    help=(
        "Bibob requests: the deadline alert (every RIEC's open requests near or past their "
        "deadline).\n\nExample: knooppunt bibob due --within 14"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
)


@bibob_app.command("due", cls=PlainCommand)
def due(
    within: Annotated[
        int,
        typer.Option(
            "--within",
            metavar="DAYS",
            min=0,
            max=366,
            help=f"due within DAYS days (default {BIBOB.near_days}), or past the deadline",
        ),
    ] = BIBOB.near_days,
    instance: InstanceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The open Bibob requests of every RIEC due within DAYS days or past their deadline, the
    nearest first. Exits 9 (overdue) when any is past its deadline, 0 otherwise: for cron
    and monitoring.

    Example: knooppunt bibob due --within 7 --json
    """
    today = datetime.now(UTC).date()
    found = _run(bibob.due_requests(today=today, within=within), instance)
    items = [
        {
            "id": r.id,
            "org": r.org,
            "municipality_code": r.municipality_code,
            "permit_kind": r.permit_kind,
            "deadline": r.deadline.isoformat(),
            "days_left": bibob.days_left(r, today=today),
            "extended": r.extended,
        }
        for r in found
    ]
    overdue = sum(1 for item in items if item["days_left"] < 0)
    if as_json:
        typer.echo(json.dumps({"within": within, "overdue": overdue, "items": items}))
    else:
        for item in items:
            state = "OVERDUE" if item["days_left"] < 0 else "due"
            typer.echo(
                f"{item['id']}  {item['org']:<22} {item['deadline']}  {item['days_left']:>4} "
                f"days  {state}"
            )
        typer.echo(f"{len(items)} due within {within} days, {overdue} past their deadline")
    if overdue:
        raise typer.Exit(int(ExitCode.OVERDUE))
