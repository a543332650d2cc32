"""The case API on the real Neo4j (seed: tests.integration.api_seed): every endpoint, every
access cell of docs/access.md "Cases", and each abuse case (a clear problem, nothing changed).

RIEC = Limburg (lead), Oost-Brabant (invited), Noord (unrelated). Each test opens its own case.
"""

from __future__ import annotations

import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph.cases.model import REFERENCE_PATTERN
from graph.settings import Settings
from tests.integration.api_seed import AL_CROSS, AL_GROWN, AL_NOORD, CL_CROSS, IDS, auth

pytest_plugins = ["tests.integration.api_support"]

_PROBLEM = "https://knooppunt.example/problems/"
_NEW = {
    "title": "Hennepteelt Parkstad",
    "phenomenon": "cannabis",
    "purpose": "Integrated advice on premises used for cannabis cultivation",
    "legal_basis": "WPG",
    "partners": ["POL", "GEM"],
}


def _h(s: Settings, org: str, role: str = "coordinator") -> dict[str, str]:
    return auth(s, org, role)


def _open(client: TestClient, s: Settings, org: str = "Limburg", **extra: Any) -> dict[str, Any]:
    r = client.post("/cases", json={**_NEW, **extra}, headers=_h(s, org))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _get(client: TestClient, s: Settings, ref: str, org: str = "Limburg") -> dict[str, Any]:
    r = client.get(f"/cases/{ref}", headers=_h(s, org))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _status(client: TestClient, s: Settings, ref: str, to: str, expected: str, **extra: Any) -> Any:
    body = {"status": to, "expected": expected, **extra}
    return client.post(f"/cases/{ref}/status", json=body, headers=_h(s, "Limburg"))


def _problem(r: Any, status: int, kind: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == _PROBLEM + kind


def test_open_from_a_signal(api_client: TestClient, api_settings: Settings) -> None:
    case = _open(api_client, api_settings)
    assert REFERENCE_PATTERN.fullmatch(case["reference"])
    assert case["reference"].startswith("LB-")
    assert re.fullmatch(api_settings.case_reference_pattern, case["reference"])
    assert case["status"] == "signal"
    assert case["lead"] == "Limburg"
    assert case["participants"] == ["Limburg"]
    assert case["standing"] == "participant"
    assert case["purpose"] == _NEW["purpose"]
    assert [e["kind"] for e in case["events"]] == ["opened"]
    assert case["events"][0]["by"] == "Limburg-coordinator"
    assert case["events"][0]["by_role"] == "coordinator"


def test_analysts_and_privacy_officers_do_not_open(
    api_client: TestClient, api_settings: Settings
) -> None:
    for role in ("analyst", "privacy-officer"):
        r = api_client.post("/cases", json=_NEW, headers=_h(api_settings, "Limburg", role))
        _problem(r, 403, "forbidden")
    assert api_client.post("/cases", json=_NEW).status_code == 401


def test_open_from_an_alert_links_it_and_a_second_is_refused(
    api_client: TestClient, api_settings: Settings
) -> None:
    case = _open(api_client, api_settings, alert_id=AL_CROSS)
    assert case["origin"] == "alert"
    assert case["cross_region"] is True
    assert case["alert_ids"] == [AL_CROSS]
    assert case["cluster_ids"] == [CL_CROSS]
    assert [e["kind"] for e in case["events"]] == ["opened", "alert_linked"]
    alert = api_client.get(f"/alerts/{AL_CROSS}", headers=_h(api_settings, "Limburg"))
    assert alert.json()["case_reference"] == case["reference"]
    page = api_client.get("/alerts", headers=_h(api_settings, "Limburg")).json()["items"]
    assert {a["id"]: a["case_reference"] for a in page}[AL_CROSS] == case["reference"]
    before = api_client.get("/cases", headers=_h(api_settings, "Oost-Brabant")).json()
    # Duplicate creation from one alert: 409, naming the case; nothing written.
    again = api_client.post(
        "/cases", json={**_NEW, "alert_id": AL_CROSS}, headers=_h(api_settings, "Oost-Brabant")
    )
    _problem(again, 409, "alert-has-case")
    assert again.json()["case_reference"] == case["reference"]
    after = api_client.get("/cases", headers=_h(api_settings, "Oost-Brabant")).json()
    assert after == before
    assert _get(api_client, api_settings, case["reference"])["version"] == case["version"]


def test_open_from_an_alert_of_another_region_is_refused(
    api_client: TestClient, api_settings: Settings
) -> None:
    r = api_client.post(
        "/cases", json={**_NEW, "alert_id": AL_NOORD}, headers=_h(api_settings, "Limburg")
    )
    _problem(r, 403, "forbidden")
    alert = api_client.get(f"/alerts/{AL_NOORD}", headers=_h(api_settings, "Noord")).json()
    assert alert["case_reference"] is None
    missing = api_client.post(
        "/cases", json={**_NEW, "alert_id": "AL-ffff"}, headers=_h(api_settings, "Limburg")
    )
    _problem(missing, 404, "not-found")


def test_concurrent_duplicates_from_one_alert_open_one_case(
    api_client: TestClient, api_settings: Settings
) -> None:
    body = {**_NEW, "alert_id": AL_GROWN}
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: api_client.post("/cases", json=body, headers=_h(api_settings, "Limburg")),
                range(8),
            )
        )
    assert sorted(r.status_code for r in answers) == [201] + [409] * 7
    alert = api_client.get(f"/alerts/{AL_GROWN}", headers=_h(api_settings, "Limburg")).json()
    created = next(r.json() for r in answers if r.status_code == 201)
    assert alert["case_reference"] == created["reference"]


def test_fifty_concurrent_openings_get_consecutive_numbers(
    api_client: TestClient, api_settings: Settings
) -> None:
    headers = _h(api_settings, "Rotterdam")
    with ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(lambda _: api_client.post("/cases", json=_NEW, headers=headers), range(50))
        )
    assert all(r.status_code == 201 for r in answers)
    numbers = sorted(int(r.json()["reference"].rsplit("-", 1)[1]) for r in answers)
    assert numbers == list(range(numbers[0], numbers[0] + 50))
    assert all(r.json()["reference"].startswith("RR-") for r in answers)


def test_other_organisations_do_not_read_a_case(
    api_client: TestClient, api_settings: Settings
) -> None:
    ref = _open(api_client, api_settings)["reference"]
    for org, role in (("Noord", "analyst"), ("Noord", "coordinator"), ("LIEC", "analyst")):
        r = api_client.get(f"/cases/{ref}", headers=_h(api_settings, org, role))
        _problem(r, 403, "case-not-shared")
    r = api_client.get(f"/cases/{ref}", headers=_h(api_settings, "Limburg", "privacy-officer"))
    _problem(r, 403, "forbidden")
    assert api_client.get(
        f"/cases/{ref}", headers=_h(api_settings, "Limburg", "analyst")
    ).is_success
    listed = api_client.get("/cases", headers=_h(api_settings, "Noord")).json()["items"]
    assert ref not in {c["reference"] for c in listed}
    _problem(
        api_client.get("/cases/LB-2025-9999", headers=_h(api_settings, "Limburg")),
        404,
        "case-not-found",
    )


def test_list_filters_and_cursor(api_client: TestClient, api_settings: Settings) -> None:
    refs = [_open(api_client, api_settings, "Zeeland-West-Brabant")["reference"] for _ in range(3)]
    headers = _h(api_settings, "Zeeland-West-Brabant", "analyst")
    first = api_client.get("/cases", params={"limit": 2}, headers=headers).json()
    assert [c["reference"] for c in first["items"]] == refs[::-1][:2]
    assert "purpose" not in first["items"][0]
    second = api_client.get(
        "/cases", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    assert [c["reference"] for c in second["items"]] == [refs[0]]
    assert second["next_cursor"] is None
    none = api_client.get("/cases", params={"status": "intake"}, headers=headers).json()
    assert none["items"] == []
    other = api_client.get("/cases", params={"phenomenon": "omg"}, headers=headers).json()
    assert other["items"] == []
    bad = api_client.get("/cases", params={"cursor": "nonsense"}, headers=headers)
    _problem(bad, 400, "bad-request")


def test_status_forward_back_and_close(api_client: TestClient, api_settings: Settings) -> None:
    ref = _open(api_client, api_settings)["reference"]
    steps = ["signal", "intake", "analysis", "advice"]
    for before, after in itertools.pairwise(steps):
        assert _status(api_client, api_settings, ref, after, before).status_code == 200
    back = _status(api_client, api_settings, ref, "analysis", "advice", reason="new facts")
    assert back.status_code == 200
    assert back.json()["status"] == "analysis"
    for before, after in (
        ("analysis", "advice"),
        ("advice", "interventions"),
        ("interventions", "evaluation"),
        ("evaluation", "closed"),
    ):
        assert _status(api_client, api_settings, ref, after, before).status_code == 200
    case = _get(api_client, api_settings, ref)
    assert case["status"] == "closed"
    assert case["closed_at"] is not None
    kinds = [e["kind"] for e in case["events"]]
    assert kinds == ["opened"] + ["status_changed"] * 8
    assert case["events"][4]["details"] == {
        "from": "advice",
        "to": "analysis",
        "change": "back",
        "reason": "new facts",
    }


@pytest.mark.parametrize(
    ("to", "expected", "reason"),
    [("analysis", "signal", None), ("signal", "intake", None), ("declined", "signal", "no")],
)
def test_refused_transitions_change_nothing(
    api_client: TestClient, api_settings: Settings, to: str, expected: str, reason: str | None
) -> None:
    ref = _open(api_client, api_settings)["reference"]
    if expected == "intake":
        assert _status(api_client, api_settings, ref, "intake", "signal").status_code == 200
    before = _get(api_client, api_settings, ref)
    extra = {"reason": reason} if reason else {}
    r = _status(api_client, api_settings, ref, to, expected, **extra)
    _problem(r, 409, "case-transition-refused")
    assert _get(api_client, api_settings, ref) == before


def test_declined_and_closed_cases_take_no_changes(
    api_client: TestClient, api_settings: Settings
) -> None:
    ref = _open(api_client, api_settings)["reference"]
    _status(api_client, api_settings, ref, "intake", "signal")
    no_reason = _status(api_client, api_settings, ref, "declined", "intake")
    _problem(no_reason, 409, "case-transition-refused")
    declined = _status(api_client, api_settings, ref, "declined", "intake", reason="no grounds")
    assert declined.json()["declined_reason"] == "no grounds"
    before = _get(api_client, api_settings, ref)
    h = _h(api_settings, "Limburg")
    attempts = [
        _status(api_client, api_settings, ref, "analysis", "declined", reason="x"),
        api_client.post(f"/cases/{ref}/notes", json={"text": "late"}, headers=h),
        api_client.post(f"/cases/{ref}/subjects", json={"subjects": [IDS["pL1"]]}, headers=h),
        api_client.post(
            f"/cases/{ref}/participants", json={"action": "invite", "org": "Noord"}, headers=h
        ),
    ]
    for r in attempts:
        _problem(r, 409, "case-closed")
    assert _get(api_client, api_settings, ref) == before


def test_two_coordinators_at_once_lose_no_update(
    api_client: TestClient, api_settings: Settings
) -> None:
    # Through the API the two requests may well run one after the other; the race itself (both
    # changes read the case before either writes) is tests/integration/test_case_races.py.
    ref = _open(api_client, api_settings)["reference"]
    _status(api_client, api_settings, ref, "intake", "signal")
    # two changes that are each allowed from intake and leave the case open (a decline would
    # close it, and the loser would then meet a closed case rather than a changed one)
    changes = [("analysis", "intake", None), ("signal", "intake", "intake was premature")]
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda c: _status(api_client, api_settings, ref, c[0], c[1], reason=c[2]),
                changes,
            )
        )
    assert sorted(r.status_code for r in answers) == [200, 409]
    won = next(c for c, r in zip(changes, answers, strict=True) if r.status_code == 200)
    lost = next(r for r in answers if r.status_code == 409)
    _problem(lost, 409, "case-changed")
    case = _get(api_client, api_settings, ref)
    assert case["status"] == won[0]
    assert [e["kind"] for e in case["events"]] == ["opened", "status_changed", "status_changed"]
    assert case["version"] == 3


def test_concurrent_identical_changes_one_wins(
    api_client: TestClient, api_settings: Settings
) -> None:
    ref = _open(api_client, api_settings)["reference"]
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(lambda _: _status(api_client, api_settings, ref, "intake", "signal"), range(6))
        )
    assert sorted(r.status_code for r in answers) == [200] + [409] * 5
    for r in answers:
        if r.status_code == 409:
            assert r.json()["type"] == _PROBLEM + "case-changed"
    case = _get(api_client, api_settings, ref)
    assert [e["kind"] for e in case["events"]] == ["opened", "status_changed"]
    assert case["version"] == 2


def test_only_the_lead_coordinator_changes_status(
    api_client: TestClient, api_settings: Settings
) -> None:
    ref = _open(api_client, api_settings)["reference"]
    body = {"status": "intake", "expected": "signal"}
    analyst = api_client.post(
        f"/cases/{ref}/status", json=body, headers=_h(api_settings, "Limburg", "analyst")
    )
    _problem(analyst, 403, "forbidden")
    other = api_client.post(f"/cases/{ref}/status", json=body, headers=_h(api_settings, "Noord"))
    _problem(other, 403, "case-not-shared")
    assert _get(api_client, api_settings, ref)["status"] == "signal"


def test_invite_accept_and_what_each_sees(api_client: TestClient, api_settings: Settings) -> None:
    ref = _open(api_client, api_settings)["reference"]
    invite = {"action": "invite", "org": "Oost-Brabant"}
    url = f"/cases/{ref}/participants"
    r = api_client.post(url, json=invite, headers=_h(api_settings, "Limburg"))
    assert r.status_code == 200
    assert r.json()["invited"] == ["Oost-Brabant"]
    seen = _get(api_client, api_settings, ref, "Oost-Brabant")
    assert seen["standing"] == "invited"
    assert seen["purpose"] is None
    assert seen["events"] == []
    analyst = api_client.post(
        url, json={"action": "accept"}, headers=_h(api_settings, "Oost-Brabant", "analyst")
    )
    _problem(analyst, 403, "forbidden")
    note = api_client.post(
        f"/cases/{ref}/notes", json={"text": "x"}, headers=_h(api_settings, "Oost-Brabant")
    )
    _problem(note, 403, "case-not-shared")
    ok = api_client.post(url, json={"action": "accept"}, headers=_h(api_settings, "Oost-Brabant"))
    assert ok.status_code == 200
    assert ok.json()["participants"] == ["Limburg", "Oost-Brabant"]
    assert ok.json()["purpose"] == _NEW["purpose"]
    again = api_client.post(url, json=invite, headers=_h(api_settings, "Limburg"))
    _problem(again, 409, "participation-refused")
    kinds = [e["kind"] for e in _get(api_client, api_settings, ref)["events"]]
    assert kinds == ["opened", "participant_invited", "participant_accepted"]


def test_an_organisation_cannot_invite_itself_or_accept_uninvited(
    api_client: TestClient, api_settings: Settings
) -> None:
    ref = _open(api_client, api_settings)["reference"]
    before = _get(api_client, api_settings, ref)
    url = f"/cases/{ref}/participants"
    itself = api_client.post(
        url, json={"action": "invite", "org": "Noord"}, headers=_h(api_settings, "Noord")
    )
    _problem(itself, 403, "case-not-shared")
    accept = api_client.post(url, json={"action": "accept"}, headers=_h(api_settings, "Noord"))
    _problem(accept, 403, "case-not-shared")
    assert _get(api_client, api_settings, ref) == before


def test_the_liec_follows_cross_region_cases_and_may_not_invite_itself(
    api_client: TestClient, api_settings: Settings
) -> None:
    ref = _open(api_client, api_settings, cross_region=True)["reference"]
    seen = _get(api_client, api_settings, ref, "LIEC")
    assert seen["standing"] == "observer"
    assert seen["purpose"] is None
    url = f"/cases/{ref}/participants"
    itself = api_client.post(
        url, json={"action": "invite", "org": "LIEC"}, headers=_h(api_settings, "LIEC")
    )
    _problem(itself, 403, "forbidden")
    invites = api_client.post(
        url, json={"action": "invite", "org": "Noord"}, headers=_h(api_settings, "LIEC")
    )
    assert invites.status_code == 200
    assert invites.json()["invited"] == ["Noord"]


def test_subjects_and_notes(api_client: TestClient, api_settings: Settings) -> None:
    ref = _open(api_client, api_settings)["reference"]
    analyst = _h(api_settings, "Limburg", "analyst")
    r = api_client.post(
        f"/cases/{ref}/subjects", json={"subjects": [IDS["pL1"], IDS["KVK_L"]]}, headers=analyst
    )
    assert r.status_code == 200, r.text
    assert {s["id"]: s["kind"] for s in r.json()["subject_ids"]} == {
        IDS["pL1"]: "Person",
        IDS["KVK_L"]: "Company",
    }
    n = api_client.post(f"/cases/{ref}/notes", json={"text": "Police confirm"}, headers=analyst)
    assert n.status_code == 201
    assert n.json()["notes"][0]["text"] == "Police confirm"
    other = api_client.post(
        f"/cases/{ref}/notes", json={"text": "x"}, headers=_h(api_settings, "Noord", "analyst")
    )
    _problem(other, 403, "case-not-shared")
    summary = api_client.get("/cases", headers=analyst).json()["items"]
    mine = next(c for c in summary if c["reference"] == ref)
    assert mine["subjects"] == 2
    assert "subject_ids" not in mine


def test_unknown_or_malformed_subjects_add_nothing(
    api_client: TestClient, api_settings: Settings
) -> None:
    ref = _open(api_client, api_settings)["reference"]
    before = _get(api_client, api_settings, ref)
    url = f"/cases/{ref}/subjects"
    h = _h(api_settings, "Limburg", "analyst")
    unknown = api_client.post(
        url, json={"subjects": [IDS["pL1"], "PRS-ZZZZZZZZZZZZZZZZZZZZZZZZZZ"]}, headers=h
    )
    _problem(unknown, 422, "unknown-subject")
    assert "PRS-ZZZ" not in unknown.text
    malformed = api_client.post(url, json={"subjects": ["6211AB-1"]}, headers=h)
    _problem(malformed, 422, "validation")
    assert _get(api_client, api_settings, ref) == before
