"""Every cell of the case, intervention, advice, report and Bibob rows of docs/access.md, against
the real API on the seeded graph: one test case per ``(row, caller)``, asserting the status,
the problem type, and that a refused request changed nothing (a granted write changed
something).

Case rows are tried on three cases, each opened through the core for the cell
(:func:`_case`), so that no cell depends on another:

- ``liec-follows``: a cross-region case Limburg leads, Oost-Brabant takes part in (invited and
  accepted), Zeeland-West-Brabant is invited to, Noord has nothing to do with; the LIEC follows
  it (``observer``);
- ``liec-leads``: a cross-region case the LIEC leads, Limburg takes part in, Oost-Brabant is
  invited to, Noord is outside;
- ``single-region``: a case Limburg leads that is not cross-region: the LIEC has no standing.

Every case has the subject pL1. The callers are each standing's analyst, coordinator and
privacy officer, and a request without a token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar

import neo4j
import pytest
from fastapi.testclient import TestClient

from graph.cases import bibob, interventions, ops
from graph.cases.binding import case_reads
from graph.cases.ops import run_case_plan
from graph.cases.records import Actor, NewCase, NewIntervention
from graph.settings import Settings
from graph.subgraph.plan import Plan
from tests.integration.api_seed import AL_CROSS, AL_GROWN, AL_NOORD, IDS, auth

pytest_plugins = ["tests.integration.api_support"]

T = TypeVar("T")

_PROBLEM = "https://knooppunt.example/problems/"
_PURPOSE = "Integrated advice on the network of the matrix test"
ROLES: Final = ("analyst", "coordinator", "privacy-officer")

#: Expected answers: a status, or a status and the problem type it names.
OK, CREATED = "200", "201"
F = "403 forbidden"
NS = "403 case-not-shared"
OS = "403 outside-case-scope"
NO = "403 case-not-open"
PR = "409 participation-refused"
#: ``GET /cases/{ref}``: with purpose, subjects, events and notes, or without.
FULL, BARE = "200 full", "200 bare"


@pytest.fixture(scope="module")
def api_settings(api_settings: Settings) -> Settings:
    """The shared test settings with a request deadline that a cold Bibob screening or advice
    (every query planned for the first time, on a busy machine) does not run past."""
    return api_settings.model_copy(update={"api_request_deadline_s": 60.0})


@dataclass(frozen=True)
class Scenario:
    """A case and which organisation has which standing in it."""

    lead: str
    cross_region: bool
    standings: dict[str, str]


SCENARIOS: Final = {
    "liec-follows": Scenario(
        "Limburg",
        True,
        {
            "lead": "Limburg",
            "participant": "Oost-Brabant",
            "invited": "Zeeland-West-Brabant",
            "outsider": "Noord",
            "observer": "LIEC",
        },
    ),
    "liec-leads": Scenario(
        "LIEC",
        True,
        {"lead": "LIEC", "participant": "Limburg", "invited": "Oost-Brabant", "outsider": "Noord"},
    ),
    # only the LIEC's cells: the others are those of liec-follows
    "single-region": Scenario("Limburg", False, {"unrelated-liec": "LIEC"}),
}

Triple = tuple[str, str, str]


def _pattern(
    *, lead: Triple, participant: Triple, invited: Triple, observer: Triple, none: Triple
) -> dict[str, Triple]:
    """Expected answers per standing (analyst, coordinator, privacy officer); ``none`` is the
    organisation with no standing (an outsider RIEC, the LIEC in a single-region case)."""
    return {
        "lead": lead,
        "participant": participant,
        "invited": invited,
        "observer": observer,
        "outsider": none,
        "unrelated-liec": none,
    }


def _participants(ok: str) -> dict[str, Triple]:
    """Analysts and coordinators of organisations taking part get ``ok`` (subjects, notes,
    interventions, reads, advice); an invited organisation and the LIEC following do not."""
    return _pattern(
        lead=(ok, ok, F),
        participant=(ok, ok, F),
        invited=(NS, NS, F),
        observer=(NS, NS, F),
        none=(NS, NS, F),
    )


#: Coordinators of the lead, and the LIEC's in a cross-region case (status, invite).
STEERING: Final = _pattern(
    lead=(F, OK, F),
    participant=(F, F, F),
    invited=(F, F, F),
    observer=(F, OK, F),
    none=(NS, NS, F),
)
ACCEPT: Final = _pattern(
    lead=(F, PR, F),
    participant=(F, PR, F),
    invited=(F, OK, F),
    observer=(F, PR, F),
    none=(NS, NS, F),
)

_INTERVENTION: Final = {
    "partner": "GEM",
    "kind": "administrative",
    "measure": "closure_opium_act",
    "date": "2025-06-01",
    "targets": [IDS["pL1"]],
}


@dataclass(frozen=True)
class CaseRow:
    """A request about one case, and the expected answers per standing.

    ``changes``: a granted request changes what is stored about the case (a write, or a
    person-level read logged on it); a refused one never does. ``body`` may depend on the
    caller's organisation. ``setup`` prepares the case further (see :func:`_case`).
    """

    name: str
    method: str
    path: str
    expected: dict[str, Triple]
    changes: bool = True
    body: dict[str, Any] | Callable[[str], dict[str, Any]] | None = None
    setup: str | None = None
    scenarios: tuple[str, ...] = tuple(SCENARIOS)
    headers: dict[str, str] = field(default_factory=dict)


CASE_ROWS: Final = [
    CaseRow(
        "read",
        "GET",
        "/cases/{ref}",
        _pattern(
            lead=(FULL, FULL, F),
            participant=(FULL, FULL, F),
            invited=(BARE, BARE, F),
            observer=(BARE, BARE, F),
            none=(NS, NS, F),
        ),
        changes=False,
    ),
    CaseRow(
        "status",
        "POST",
        "/cases/{ref}/status",
        STEERING,
        body={"status": "intake", "expected": "signal"},
    ),
    CaseRow(
        "invite",
        "POST",
        "/cases/{ref}/participants",
        STEERING,
        body={"action": "invite", "org": "Rotterdam"},
    ),
    CaseRow(
        "invite itself",
        "POST",
        "/cases/{ref}/participants",
        _pattern(
            lead=(F, PR, F),  # the lead takes part already
            participant=(F, F, F),
            invited=(F, F, F),
            observer=(F, F, F),  # nobody invites itself into another's case
            none=(NS, NS, F),
        ),
        body=lambda org: {"action": "invite", "org": org},
    ),
    CaseRow("accept", "POST", "/cases/{ref}/participants", ACCEPT, body={"action": "accept"}),
    CaseRow(
        "accept, the LIEC invited",
        "POST",
        "/cases/{ref}/participants",
        {**ACCEPT, "observer": (F, OK, F), "unrelated-liec": (F, OK, F)},
        body={"action": "accept"},
        setup="liec-invited",
        scenarios=("liec-follows", "single-region"),
    ),
    CaseRow(
        "subjects",
        "POST",
        "/cases/{ref}/subjects",
        _participants(OK),
        body={"subjects": [IDS["KVK_B"]]},
    ),
    CaseRow(
        "subject outside the scope",
        "POST",
        "/cases/{ref}/subjects",
        _participants(OS),
        body={"subjects": [IDS["pN1"]]},
    ),
    CaseRow(
        "notes", "POST", "/cases/{ref}/notes", _participants(CREATED), body={"text": "matrix note"}
    ),
    CaseRow("reads", "GET", "/cases/{ref}/reads", _participants(OK), changes=False),
    CaseRow(
        "add intervention",
        "POST",
        "/cases/{ref}/interventions",
        _participants(CREATED),
        body=_INTERVENTION,
    ),
    CaseRow(
        "list interventions",
        "GET",
        "/cases/{ref}/interventions",
        _participants(OK),
        changes=False,
        setup="intervention",
    ),
    CaseRow(
        "intervention status",
        "POST",
        "/cases/{ref}/interventions/{n}/status",
        _participants(OK),
        body={"status": "in_progress", "expected": "planned"},
        setup="intervention",
    ),
    CaseRow("advice", "GET", "/cases/{ref}/advice", _participants(OK)),
    CaseRow(
        "advice docx",
        "GET",
        "/cases/{ref}/advice",
        _participants(OK),
        headers={
            "Accept": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        },
    ),
    CaseRow(
        "advice, case declined",
        "GET",
        "/cases/{ref}/advice",
        _participants(NO),  # whether it is open is told to participants only
        setup="declined",
    ),
]


def _callers(scenario: Scenario) -> list[tuple[str, str | None]]:
    return [("none", None)] + [(s, role) for s in scenario.standings for role in ROLES]


def _expected(row: CaseRow, standing: str, role: str | None) -> str:
    if role is None:
        return "401 unauthorized"
    return row.expected[standing][ROLES.index(role)]


CASE_CELLS = [
    pytest.param(
        row,
        name,
        standing,
        role,
        _expected(row, standing, role),
        id=f"{row.name}|{name}|{standing}-{role or 'no-token'}",
    )
    for row in CASE_ROWS
    for name in row.scenarios
    for standing, role in _callers(SCENARIOS[name])
]


class _Core:
    """The core's case operations on the test database (the cell's setup and its checks)."""

    def __init__(self, driver: neo4j.Driver, database: str) -> None:
        self.driver = driver
        self.database = database

    def run(self, plan: Plan[T]) -> T:
        return run_case_plan(plan, self.driver, self.database)

    def snapshot(self, ref: str) -> tuple[Any, ...]:
        """Everything stored about the case: record, subjects, events, notes, interventions,
        and its read log."""
        return (
            self.run(ops.read_case(ref)),
            self.run(interventions.interventions(ref)),
            self.run(case_reads(ref, limit=500)),
        )


@pytest.fixture(scope="module")
def core(seeded: neo4j.Driver, neo4j_settings: Settings) -> _Core:
    return _Core(seeded, neo4j_settings.neo4j_database)


def _coordinator(org: str) -> Actor:
    return Actor(subject=f"{org}-coordinator", org=org, role="coordinator")


def _case(core: _Core, scenario: Scenario, setup: str | None) -> dict[str, str]:
    """Open the scenario's case through the core and return the path parameters of a row."""
    lead = _coordinator(scenario.lead)
    new = NewCase(
        title="Matrix case",
        phenomenon="cannabis",
        purpose=_PURPOSE,
        legal_basis="WPG",
        cross_region=scenario.cross_region,
    )
    ref = core.run(ops.open_case(new, lead, year=datetime.now(UTC).year))
    core.run(ops.add_subjects(ref, [IDS["pL1"]], lead))
    s = scenario.standings
    if "participant" in s:
        core.run(ops.invite(ref, s["participant"], lead))
        core.run(ops.accept(ref, _coordinator(s["participant"])))
    if "invited" in s:
        core.run(ops.invite(ref, s["invited"], lead))
    params = {"ref": ref}
    if setup == "intervention":
        new_iv = NewIntervention.model_validate({**_INTERVENTION, "date": date(2025, 6, 1)})
        added = core.run(interventions.add_intervention(ref, new_iv, lead))
        params["n"] = str(added.n)
    elif setup == "declined":
        core.run(
            ops.change_status(ref, target="intake", expected="signal", reason=None, actor=lead)
        )
        core.run(
            ops.change_status(ref, target="declined", expected="intake", reason="no", actor=lead)
        )
    elif setup == "liec-invited":
        core.run(ops.invite(ref, "LIEC", lead))
    return params


def _check(response: Any, expected: str) -> None:
    status, _, what = expected.partition(" ")
    assert response.status_code == int(status), (expected, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == _PROBLEM + what


@pytest.mark.parametrize(("row", "scenario", "standing", "role", "expected"), CASE_CELLS)
def test_case_cell(
    api_client: TestClient,
    api_settings: Settings,
    core: _Core,
    row: CaseRow,
    scenario: str,
    standing: str,
    role: str | None,
    expected: str,
) -> None:
    chosen = SCENARIOS[scenario]
    params = _case(core, chosen, row.setup)
    org = chosen.standings.get(standing, "Noord")
    headers = dict(row.headers)
    if role is not None:
        headers |= auth(api_settings, org, role)
    body = row.body(org) if callable(row.body) else row.body
    before = core.snapshot(params["ref"])
    response = api_client.request(row.method, row.path.format(**params), headers=headers, json=body)
    _check(response, expected)
    after = core.snapshot(params["ref"])
    if response.status_code >= 400 or not row.changes:
        assert after == before, "a refused request (or a plain read) changed the case"
    else:
        assert after != before, "a granted write (or logged read) left no trace on the case"
    if expected in (FULL, BARE):
        shown = response.json()
        if expected == FULL:
            assert shown["purpose"] == _PURPOSE
            assert [s["id"] for s in shown["subject_ids"]] == [IDS["pL1"]]
            assert shown["events"]
        else:
            assert shown["purpose"] is None
            assert shown["subject_ids"] == []
            assert shown["events"] == []
            assert shown["notes"] == []


# --- rows not about one case: opening, listing, reports, Bibob -------------------------------

#: Callers of the organisation-level rows: RIEC = Limburg.
CALLERS: Final = [
    ("none", None),
    *(("Limburg", role) for role in ROLES),
    *(("LIEC", role) for role in ROLES),
]
READERS: Final = ("401", OK, OK, F, OK, OK, F)
LIEC_READERS: Final = ("401", F, F, F, OK, OK, F)
OPENERS: Final = ("401", F, CREATED, F, F, CREATED, F)
RIEC_COORDINATORS: Final = ("401", F, CREATED, F, F, F, F)
RIEC_READERS: Final = ("401", OK, OK, F, F, F, F)
RIEC_CHANGERS: Final = ("401", F, OK, F, F, F, F)
NOBODY: Final = ("401", F, F, F, F, F, F)

_NEW_CASE: Final = {
    "title": "Matrix opening",
    "phenomenon": "cannabis",
    "purpose": _PURPOSE,
    "legal_basis": "WPG",
}
_BIBOB_CASE: Final = {**_NEW_CASE, "legal_basis": "BIBOB", "origin": "bibob"}
#: Bibob requests: Maastricht lies in Limburg, Eindhoven in Oost-Brabant.
_MAASTRICHT, _EINDHOVEN = "GM0935", "GM0772"


@dataclass(frozen=True)
class OrgRow:
    """A request not about one case; ``riec`` and ``liec`` give the path and body per caller
    kind from the cell's fixtures (the Bibob requests ``own`` and ``other``)."""

    name: str
    method: str
    riec: Callable[[dict[str, str]], tuple[str, dict[str, Any] | None]]
    expected: tuple[str, str, str, str, str, str, str]
    changes: bool = True
    liec: Callable[[dict[str, str]], tuple[str, dict[str, Any] | None]] | None = None
    params: dict[str, str] | None = None
    bibob: bool = False
    #: the Bibob request ``own`` is concluded first
    concluded: bool = False


def _fixed(path: str, body: dict[str, Any] | None = None) -> Callable[..., Any]:
    return lambda _: (path, body)


ORG_ROWS: Final = [
    OrgRow("open", "POST", _fixed("/cases", _NEW_CASE), OPENERS),
    OrgRow(
        "open from an own alert",
        "POST",
        _fixed("/cases", {**_NEW_CASE, "alert_id": AL_CROSS}),
        OPENERS,
        liec=_fixed("/cases", {**_NEW_CASE, "alert_id": AL_GROWN}),  # cross-region
    ),
    OrgRow(
        "open from another region's alert",  # for the LIEC: a single-region alert
        "POST",
        _fixed("/cases", {**_NEW_CASE, "alert_id": AL_NOORD}),
        NOBODY,
    ),
    OrgRow(
        "open from an own Bibob request",
        "POST",
        lambda b: ("/cases", {**_BIBOB_CASE, "bibob_request_id": b["own"]}),
        RIEC_COORDINATORS,
        bibob=True,
    ),
    OrgRow(
        "open from another's Bibob request",
        "POST",
        lambda b: ("/cases", {**_BIBOB_CASE, "bibob_request_id": b["other"]}),
        NOBODY,
        bibob=True,
    ),
    OrgRow("list", "GET", _fixed("/cases"), READERS, changes=False),
    OrgRow(
        "list filtered",
        "GET",
        _fixed("/cases"),
        READERS,
        changes=False,
        params={"status": "signal"},
    ),
    OrgRow("accountability", "GET", _fixed("/reports/accountability"), READERS, changes=False),
    OrgRow(
        "accountability of another organisation",
        "GET",
        _fixed("/reports/accountability"),
        LIEC_READERS,
        changes=False,
        params={"org": "Noord"},
    ),
    OrgRow(
        "cross-region cases",
        "GET",
        _fixed("/reports/cross-region-cases"),
        LIEC_READERS,
        changes=False,
    ),
    OrgRow(
        "register a Bibob request",
        "POST",
        _fixed(
            "/bibob/requests",
            {"municipality_code": _MAASTRICHT, "applicant": IDS["KVK_L"], "permit_kind": "subsidy"},
        ),
        RIEC_COORDINATORS,
    ),
    OrgRow(
        "register a Bibob request of another region",
        "POST",
        _fixed(
            "/bibob/requests",
            {"municipality_code": _EINDHOVEN, "applicant": IDS["KVK_B"], "permit_kind": "subsidy"},
        ),
        NOBODY,
    ),
    OrgRow("Bibob requests", "GET", _fixed("/bibob/requests"), READERS, changes=False),
    OrgRow(
        "Bibob requests due",
        "GET",
        _fixed("/bibob/requests"),
        READERS,
        changes=False,
        params={"due_within": "14"},
    ),
    OrgRow(
        "Bibob request own",
        "GET",
        lambda b: (f"/bibob/requests/{b['own']}", None),
        RIEC_READERS,
        changes=False,
        bibob=True,
    ),
    OrgRow(
        "Bibob request other",
        "GET",
        lambda b: (f"/bibob/requests/{b['other']}", None),
        NOBODY,
        changes=False,
        bibob=True,
    ),
    OrgRow(
        "extend own",
        "POST",
        lambda b: (f"/bibob/requests/{b['own']}/extend", {"reason": "more time"}),
        RIEC_CHANGERS,
        bibob=True,
    ),
    OrgRow(
        "extend other",
        "POST",
        lambda b: (f"/bibob/requests/{b['other']}/extend", {"reason": "more time"}),
        NOBODY,
        bibob=True,
    ),
    OrgRow(
        "conclude own",
        "POST",
        lambda b: (
            f"/bibob/requests/{b['own']}/conclusion",
            {"conclusion": "none", "reasons": ["x"]},
        ),
        RIEC_CHANGERS,
        bibob=True,
    ),
    OrgRow(
        "conclude other",
        "POST",
        lambda b: (
            f"/bibob/requests/{b['other']}/conclusion",
            {"conclusion": "none", "reasons": ["x"]},
        ),
        NOBODY,
        bibob=True,
    ),
    OrgRow(
        "screening own",
        "GET",
        lambda b: (f"/bibob/requests/{b['own']}/screening", None),
        RIEC_READERS,
        changes=False,
        bibob=True,
    ),
    OrgRow(
        "screening other",
        "GET",
        lambda b: (f"/bibob/requests/{b['other']}/screening", None),
        NOBODY,
        changes=False,
        bibob=True,
    ),
    OrgRow(
        "screening own, concluded",
        "GET",
        lambda b: (f"/bibob/requests/{b['own']}/screening", None),
        ("401", "409 bibob-concluded", "409 bibob-concluded", F, F, F, F),
        changes=False,
        bibob=True,
        concluded=True,
    ),
]

ORG_CELLS = [
    pytest.param(row, org, role, row.expected[i], id=f"{row.name}|{org}-{role or 'no-token'}")
    for row in ORG_ROWS
    for i, (org, role) in enumerate(CALLERS)
]


def _bibob_requests(core: _Core, *, concluded: bool = False) -> dict[str, str]:
    """A fresh request of Limburg (``own``; ``concluded`` or open) and an open one of
    Oost-Brabant (``other``)."""
    from graph.cases.records import NewBibobRequest
    from graph.geography import load_geography
    from graph.settings import PACKAGED_GEOGRAPHY_DIR

    geography = load_geography(PACKAGED_GEOGRAPHY_DIR)
    today = datetime.now(UTC).date()
    out: dict[str, str] = {}
    for key, org, municipality, applicant in (
        ("own", "Limburg", _MAASTRICHT, IDS["KVK_L"]),
        ("other", "Oost-Brabant", _EINDHOVEN, IDS["KVK_B"]),
    ):
        new = NewBibobRequest(
            municipality_code=municipality, applicant=applicant, permit_kind="subsidy"
        )
        out[key] = core.run(bibob.submit(new, _coordinator(org), today=today, geography=geography))
    if concluded:
        plan = bibob.conclude(
            out["own"], conclusion="none", reasons=["x"], actor=_coordinator("Limburg")
        )
        core.run(plan)
    return out


def _stored(core: _Core) -> tuple[Any, ...]:
    """What the organisation-level writes change: every case opened this year (with its
    alerts and Bibob request) and every organisation's Bibob requests."""
    today = datetime.now(UTC).date()
    requests = [
        core.run(bibob.requests_page(org=org, today=today, limit=10_000))
        for org in ("Limburg", "Oost-Brabant", "LIEC")
    ]
    return (_all_cases(core), requests)


def _all_cases(core: _Core) -> dict[str, Any]:
    """Every case of the organisations the tests use (the LIEC's: every cross-region one), by
    reference."""
    out: dict[str, Any] = {}
    for org in ("Limburg", "Oost-Brabant", "Zeeland-West-Brabant", "Noord", "LIEC"):
        page = core.run(ops.cases_page(org=org, liec=org == "LIEC", limit=100_000))
        out |= {record.reference: (record, counts) for record, counts in page}
    return out


@pytest.mark.parametrize(("row", "org", "role", "expected"), ORG_CELLS)
def test_org_cell(
    api_client: TestClient,
    api_settings: Settings,
    core: _Core,
    row: OrgRow,
    org: str,
    role: str | None,
    expected: str,
) -> None:
    requests = _bibob_requests(core, concluded=row.concluded) if row.bibob else {}
    shape = row.liec if org == "LIEC" and row.liec is not None else row.riec
    path, body = shape(requests)
    headers = auth(api_settings, org, role) if role is not None else {}
    before = _stored(core)
    response = api_client.request(row.method, path, headers=headers, json=body, params=row.params)
    _check(response, expected if role is not None else "401 unauthorized")
    after = _stored(core)
    if response.status_code >= 400 or not row.changes:
        assert after == before, "a refused request (or a plain read) changed what is stored"
    else:
        assert after != before, "a granted write left no trace"


def test_the_case_list_shows_each_organisation_its_own(
    api_client: TestClient, api_settings: Settings, core: _Core
) -> None:
    """``GET /cases``: a RIEC its cases (leading, taking part, invited), the LIEC its own and
    every cross-region case (as an observer), never another's single-region case."""
    follows = _case(core, SCENARIOS["liec-follows"], None)["ref"]
    leads = _case(core, SCENARIOS["liec-leads"], None)["ref"]
    single = _case(core, SCENARIOS["single-region"], None)["ref"]
    noord = core.run(
        ops.open_case(
            NewCase(title="Noord only", phenomenon="omg", purpose=_PURPOSE, legal_basis="WPG"),
            _coordinator("Noord"),
            year=datetime.now(UTC).year,
        )
    )

    def listed(org: str, role: str = "analyst") -> dict[str, str]:
        """Every case the list shows ``org``, page after page."""
        out: dict[str, str] = {}
        params: dict[str, Any] = {"limit": 200}
        while True:
            r = api_client.get("/cases", params=params, headers=auth(api_settings, org, role))
            assert r.status_code == 200, r.text
            page = r.json()
            assert all("purpose" not in c for c in page["items"])
            out |= {c["reference"]: c["standing"] for c in page["items"]}
            if page["next_cursor"] is None:
                return out
            params["cursor"] = page["next_cursor"]

    liec = listed("LIEC")
    assert liec[follows] == "observer"
    assert liec[leads] == "participant"
    assert single not in liec
    assert noord not in liec
    cross = {ref for ref, (record, _) in _all_cases(core).items() if record.cross_region}
    assert len(cross) >= 2
    assert cross <= set(liec)
    limburg = listed("Limburg", "coordinator")
    assert (limburg[follows], limburg[leads], limburg[single]) == ("participant",) * 3
    assert noord not in limburg
    brabant = listed("Oost-Brabant")
    assert (brabant[follows], brabant[leads]) == ("participant", "invited")
    zeeland = listed("Zeeland-West-Brabant")
    assert zeeland[follows] == "invited"
    assert leads not in zeeland
    assert set(listed("Noord")) >= {noord}
    assert not {follows, leads, single} & set(listed("Noord"))
