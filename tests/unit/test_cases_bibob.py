"""Bibob requests and case retention without a database: the term and its alert, the
municipality's region, and the plans of :mod:`graph.cases.bibob` and
:mod:`graph.cases.retention` run against canned records."""

from __future__ import annotations

import doctest
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from graph.cases import bibob, ops
from graph.cases import queries as q
from graph.cases.model import BIBOB, BibobHasCaseError, UnknownSubjectError
from graph.cases.records import Actor, BibobRecord, NewBibobRequest, NewCase
from graph.cases.retention import KEPT_LABELS, expire_cases
from graph.geography import Geography, load_geography
from graph.settings import PACKAGED_GEOGRAPHY_DIR
from graph.subgraph.plan import Plan, run_sync

_ACTOR = Actor(subject="u", org="Limburg", role="coordinator")
_TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def geography() -> Geography:
    return load_geography(PACKAGED_GEOGRAPHY_DIR)


def _record(**changes: Any) -> BibobRecord:
    base: dict[str, Any] = {
        "id": "BB-LB-2026-0001",
        "org": "Limburg",
        "municipality_code": "GM0935",
        "municipality": "Maastricht",
        "permit_kind": "horeca_exploitation",
        "applicant": "22222222",
        "applicant_kind": "Company",
        "received_on": _TODAY,
        "deadline": bibob.deadline_of(_TODAY),
        "by": "u",
    }
    return BibobRecord.model_validate({**base, **changes})


class Canned:
    """An executor answering each query constant with the next of its canned answers."""

    def __init__(self, answers: dict[str, list[list[dict[str, Any]]]]) -> None:
        self.answers = {k: iter(v) for k, v in answers.items()}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.calls.append((query, params))
        answers: Iterator[list[dict[str, Any]]] = self.answers[query]
        return next(answers)


def _run(plan: Plan[Any], canned: Canned) -> Any:
    return run_sync(plan, canned)


def test_the_term_is_eight_weeks_and_the_alert_fourteen_days() -> None:
    assert bibob.deadline_of(date(2026, 1, 5)) == date(2026, 3, 2)
    fresh = _record()
    assert bibob.days_left(fresh, today=_TODAY) == 56
    assert not bibob.near_deadline(fresh, today=_TODAY)
    assert bibob.near_deadline(fresh, today=fresh.deadline - timedelta(days=BIBOB.near_days))
    assert not bibob.near_deadline(
        fresh, today=fresh.deadline - timedelta(days=BIBOB.near_days + 1)
    )
    overdue = fresh.deadline + timedelta(days=3)
    assert bibob.days_left(fresh, today=overdue) == -3
    assert bibob.near_deadline(fresh, today=overdue)
    assert not bibob.near_deadline(_record(status="concluded"), today=overdue)


def test_the_municipality_gives_the_riec_region(geography: Geography) -> None:
    assert bibob.municipality_region("GM0935", geography) == ("Maastricht", "Limburg")
    assert bibob.municipality_region("GM0772", geography) == ("Eindhoven", "Oost-Brabant")
    with pytest.raises(bibob.UnknownMunicipalityError, match="municipality_code"):
        bibob.municipality_region("GM9999", geography)


def test_ids_follow_the_pattern() -> None:
    assert bibob.BIBOB_ID_PATTERN.fullmatch("BB-LB-2026-0001")
    assert bibob.BIBOB_ID_PATTERN.fullmatch("BB-ZWB-2026-12345")
    assert not bibob.BIBOB_ID_PATTERN.fullmatch("BB-XX-2026-0001")
    assert not bibob.BIBOB_ID_PATTERN.fullmatch("LB-2026-0001")


def test_submitting_checks_the_region_before_writing(geography: Geography) -> None:
    new = NewBibobRequest(municipality_code="GM0772", applicant="22222222", permit_kind="subsidy")
    seen: list[str] = []

    def refuse(region: str) -> None:
        seen.append(region)
        raise PermissionError(region)

    canned = Canned({})
    with pytest.raises(PermissionError):
        _run(bibob.submit(new, _ACTOR, today=_TODAY, geography=geography, authorise=refuse), canned)
    assert seen == ["Oost-Brabant"]
    assert canned.calls == []


def test_an_unknown_applicant_writes_nothing(geography: Geography) -> None:
    new = NewBibobRequest(municipality_code="GM0935", applicant="99999999", permit_kind="subsidy")
    canned = Canned({q.BIBOB_SUBMIT: [[]]})
    with pytest.raises(UnknownSubjectError):
        _run(bibob.submit(new, _ACTOR, today=_TODAY, geography=geography), canned)
    ((_, params),) = canned.calls
    assert params["deadline"] == bibob.deadline_of(_TODAY)
    assert params["sequence_id"] == "bibob|Limburg|2026"
    assert (params["code"], params["municipality"]) == ("LB", "Maastricht")


def test_a_receipt_in_the_future_is_refused(geography: Geography) -> None:
    new = NewBibobRequest(
        municipality_code="GM0935",
        applicant="22222222",
        permit_kind="subsidy",
        received_on=_TODAY + timedelta(days=1),
    )
    with pytest.raises(bibob.BibobInputError, match="received_on"):
        _run(bibob.submit(new, _ACTOR, today=_TODAY, geography=geography), Canned({}))


def _detail(record: BibobRecord) -> list[dict[str, Any]]:
    return [{"request": record.model_dump(mode="python")}]


def test_a_second_extension_is_refused() -> None:
    extended = _record(extended=True)
    canned = Canned({q.BIBOB_EXTEND: [[]], q.BIBOB_DETAIL: [_detail(extended)]})
    with pytest.raises(bibob.BibobExtendedError, match="once"):
        _run(bibob.extend(extended.id, reason="more", actor=_ACTOR), canned)
    assert canned.calls[0][1]["days"] == 28


def test_a_concluded_request_takes_no_changes() -> None:
    done = _record(status="concluded", conclusion="none", reasons=["x"])
    for plan, query in (
        (bibob.extend(done.id, reason="more", actor=_ACTOR), q.BIBOB_EXTEND),
        (
            bibob.conclude(done.id, conclusion="serious", reasons=["y"], actor=_ACTOR),
            q.BIBOB_CONCLUDE,
        ),
    ):
        canned = Canned({query: [[]], q.BIBOB_DETAIL: [_detail(done)]})
        with pytest.raises(bibob.BibobConcludedError):
            _run(plan, canned)


def test_an_unknown_request_is_not_found() -> None:
    with pytest.raises(bibob.BibobNotFoundError):
        _run(bibob.read_request("BB-LB-2026-0404"), Canned({q.BIBOB_DETAIL: [[]]}))


def test_a_request_makes_one_case() -> None:
    taken = _record(case_reference="LB-2026-0001")
    new = NewCase(
        title="Bibob", phenomenon="other", purpose="Screening of an applicant", legal_basis="BIBOB"
    )
    canned = Canned({q.BIBOB_DETAIL: [_detail(taken)]})
    with pytest.raises(BibobHasCaseError) as refused:
        _run(bibob.take_up(taken.id, new, _ACTOR, year=2026), canned)
    assert refused.value.reference == "LB-2026-0001"
    assert [query for query, _ in canned.calls] == [q.BIBOB_DETAIL]
    # Raced past the check: the constraint on Case.bibob_id refuses the opening.
    assert isinstance(
        ops.constraint_refusal(q.CASE_OPEN, {"bibob_id": taken.id}), BibobHasCaseError
    )
    assert not isinstance(
        ops.constraint_refusal(q.CASE_OPEN, {"bibob_id": None}), BibobHasCaseError
    )


def test_retention_counts_what_it_deletes_in_batches() -> None:
    expired = [f"LB-2019-{n:04d}" for n in range(1, 251)]
    first = [
        {"ref": r, "kinds": ["CaseEvent", "CaseEvent", "CaseNote"], "links": 2}
        for r in expired[:200]
    ]
    second = [{"ref": r, "kinds": ["CaseEvent", "Intervention"], "links": 1} for r in expired[200:]]
    canned = Canned(
        {
            q.CASES_EXPIRED: [[{"ids": expired}]],
            q.CASES_DELETE: [[{"rows": first}], [{"rows": second}]],
            q.BIBOB_EXPIRED_DELETE: [[{"deleted": 3}]],
        }
    )
    result = _run(expire_cases(as_of=date(2025, 1, 2)), canned)
    assert result.as_dict() == {
        "cases_deleted": 250,
        "case_records_deleted": {"CaseEvent": 450, "CaseNote": 200, "Intervention": 50},
        "case_scope_links_deleted": 450,
        "bibob_requests_deleted": 3,
    }
    params = canned.calls[0][1]
    assert params["years"]["WPG"] == 5
    assert params["default_years"] == max(params["years"].values())
    assert sorted(params["closed_states"]) == ["closed", "declined"]
    deletes = [p for query, p in canned.calls if query == q.CASES_DELETE]
    assert [len(p["ids"]) for p in deletes] == [200, 50]
    assert set(deletes[0]["kept_labels"]) == set(KEPT_LABELS)
    assert "Entity" in KEPT_LABELS


def test_the_examples_in_the_docstrings_pass() -> None:
    result = doctest.testmod(bibob, report=True)
    assert result.attempted >= 2
    assert result.failed == 0
