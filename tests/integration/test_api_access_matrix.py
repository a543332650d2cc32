"""Every cell of the role x organisation matrix in docs/access.md, against the real API.

RIEC = Limburg. "own" targets touch Limburg (and, for the LIEC, are cross-region); "other"
targets do not. Each cell is one test case: (row, caller) -> expected status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph.settings import Settings
from tests.integration.api_seed import (
    AL_CROSS,
    AL_NOORD,
    CASE,
    CL_CROSS,
    CL_NOORD,
    IDS,
    auth,
)

pytest_plugins = ["tests.integration.api_support"]

CALLERS = [
    "none",
    "riec-analyst",
    "riec-coordinator",
    "riec-privacy-officer",
    "liec-analyst",
    "liec-coordinator",
    "liec-privacy-officer",
]


@dataclass(frozen=True)
class Row:
    """One row of the matrix: a request per caller kind, and the expected statuses."""

    name: str
    method: str
    riec_path: str
    liec_path: str
    expected: tuple[int, int, int, int, int, int, int]
    case: bool = False
    body: dict[str, Any] | None = None
    params: dict[str, str] | None = None
    liec_params: dict[str, str] | None = None


_STATUS = {"status": "acknowledged", "note": "matrix test"}
#: A member of CL_CROSS, in the scope of both organisations' seeded cases, to expand.
_EXPAND = {"node": IDS["pL3"]}

#: Who may do what, as statuses over CALLERS (nobody, RIEC analyst, coordinator and privacy
#: officer, LIEC analyst, coordinator and privacy officer); the patterns of docs/access.md.
EVERYONE = (200,) * 7
READERS = (401, 200, 200, 403, 200, 200, 403)  # analysts and coordinators of either
LIEC_READERS = (401, 403, 403, 403, 200, 200, 403)  # the LIEC's analysts and coordinators only
PRIVACY_OFFICERS = (401, 403, 403, 200, 403, 403, 200)
NOBODY = (401, 403, 403, 403, 403, 403, 403)

#: The "own" subject and company differ per organisation: one in Limburg for the RIEC, a member
#: of the cross-region cluster CL_CROSS for the LIEC.
OWN_NETWORK_RIEC = f"/subjects/{IDS['pL5']}/network"
OWN_NETWORK_LIEC = f"/subjects/{IDS['pL1']}/network"
OWN_COMPANY_RIEC = f"/companies/{IDS['KVK_L']}/network"
OWN_COMPANY_LIEC = f"/companies/{IDS['KVK_B']}/network"


def get(
    name: str,
    path: str,
    expected: tuple[int, int, int, int, int, int, int],
    *,
    liec_path: str | None = None,
    case: bool = False,
    params: dict[str, str] | None = None,
) -> Row:
    """A GET row; the LIEC asks the RIEC's path unless ``liec_path`` names another."""
    return Row(name, "GET", path, liec_path or path, expected, case=case, params=params)


ROWS = [
    get("health", "/health", EVERYONE),
    get("ready", "/ready", EVERYONE),
    get("alerts", "/alerts", READERS),
    get("alerts other region", "/alerts", LIEC_READERS, params={"region": "Noord"}),
    get("alert own", f"/alerts/{AL_CROSS}", READERS),
    get("alert other", f"/alerts/{AL_NOORD}", NOBODY),
    Row(
        "alert status own",
        "POST",
        "/alerts/AL-100000000000/status",
        "/alerts/AL-100000000001/status",
        (401, 403, 200, 403, 403, 200, 403),
        body=_STATUS,
    ),
    get("cluster own", f"/clusters/{CL_CROSS}", READERS),
    get("cluster own with case", f"/clusters/{CL_CROSS}", READERS, case=True),
    get("cluster other with case", f"/clusters/{CL_NOORD}", NOBODY, case=True),
    get("graph own no case", f"/clusters/{CL_CROSS}/graph", NOBODY),
    get("graph own", f"/clusters/{CL_CROSS}/graph", READERS, case=True),
    get("graph other", f"/clusters/{CL_NOORD}/graph", NOBODY, case=True),
    get("view own", f"/clusters/{CL_CROSS}/view", READERS, case=True),
    get("view other", f"/clusters/{CL_NOORD}/view", NOBODY, case=True),
    get("expand own", f"/clusters/{CL_CROSS}/expand", READERS, case=True, params=_EXPAND),
    get("expand own no case", f"/clusters/{CL_CROSS}/expand", NOBODY, params=_EXPAND),
    get("expand other", f"/clusters/{CL_NOORD}/expand", NOBODY, case=True, params=_EXPAND),
    Row(
        "export own",
        "POST",
        f"/clusters/{CL_CROSS}/exports",
        f"/clusters/{CL_CROSS}/exports",
        READERS,
        case=True,
        body={"format": "graphml"},
    ),
    Row(
        "export other",
        "POST",
        f"/clusters/{CL_NOORD}/exports",
        f"/clusters/{CL_NOORD}/exports",
        NOBODY,
        case=True,
        body={"format": "csv"},
    ),
    get("network own", OWN_NETWORK_RIEC, READERS, liec_path=OWN_NETWORK_LIEC, case=True),
    get("network other", f"/subjects/{IDS['pN1']}/network", NOBODY, case=True),
    get("network no case", OWN_NETWORK_RIEC, NOBODY, liec_path=OWN_NETWORK_LIEC),
    get("company own", OWN_COMPANY_RIEC, READERS, liec_path=OWN_COMPANY_LIEC, case=True),
    get("company other", f"/companies/{IDS['KVK_R']}/network", NOBODY, case=True),
    get("export", f"/subjects/{IDS['pL1']}/export", PRIVACY_OFFICERS, case=True),
    get("export no case", f"/subjects/{IDS['pL1']}/export", NOBODY),
    get("trends", "/trends", READERS),
    get("trends other region", "/trends", LIEC_READERS, params={"region": "Noord"}),
    get("trends csv", "/trends.csv", READERS),
    get("trends xlsx other region", "/trends.xlsx", LIEC_READERS, params={"region": "Noord"}),
    get("audit", "/audit", PRIVACY_OFFICERS),
]

CELLS = [
    pytest.param(row, caller, row.expected[i], id=f"{row.name}|{caller}")
    for row in ROWS
    for i, caller in enumerate(CALLERS)
]


@pytest.mark.parametrize(("row", "caller", "expected"), CELLS)
def test_matrix_cell(
    api_client: TestClient, api_settings: Settings, row: Row, caller: str, expected: int
) -> None:
    headers: dict[str, str] = {}
    liec = caller.startswith("liec")
    if caller != "none":
        org = "LIEC" if liec else "Limburg"
        role = caller.split("-", 1)[1]
        headers = auth(api_settings, org, role, case=CASE if row.case else None)
    elif row.case:
        headers = {"X-Case-Reference": CASE}
    path = row.liec_path if liec else row.riec_path
    response = api_client.request(
        row.method, path, headers=headers, json=row.body, params=row.params
    )
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"


def test_matrix_content_differs_by_organisation(
    api_client: TestClient, api_settings: Settings
) -> None:
    """The cells that say what a 200 shows."""
    riec = api_client.get(f"/clusters/{CL_CROSS}", headers=auth(api_settings, "Limburg")).json()
    liec = api_client.get(f"/clusters/{CL_CROSS}", headers=auth(api_settings, "LIEC")).json()
    assert {m["region"] for m in riec["members"]} == {"Limburg"}
    assert liec["members"] == []
    assert sum(liec["hidden_members"].values()) == 5
    riec_trends = api_client.get("/trends", headers=auth(api_settings, "Limburg")).json()
    liec_trends = api_client.get("/trends", headers=auth(api_settings, "LIEC")).json()
    assert riec_trends["rows"] == ["Limburg"]
    assert len(liec_trends["rows"]) == 10
    riec_audit = api_client.get(
        "/audit", params={"limit": 1000}, headers=auth(api_settings, "Limburg", "privacy-officer")
    ).json()["items"]
    liec_audit = api_client.get(
        "/audit", params={"limit": 1000}, headers=auth(api_settings, "LIEC", "privacy-officer")
    ).json()["items"]
    assert {e["org"] for e in riec_audit} == {"Limburg"}
    assert len(liec_audit) > len(riec_audit)
