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
ROWS = [
    Row("health", "GET", "/health", "/health", (200,) * 7),
    Row("ready", "GET", "/ready", "/ready", (200,) * 7),
    Row("alerts", "GET", "/alerts", "/alerts", (401, 200, 200, 403, 200, 200, 403)),
    Row(
        "alerts other region",
        "GET",
        "/alerts",
        "/alerts",
        (401, 403, 403, 403, 200, 200, 403),
        params={"region": "Noord"},
    ),
    Row(
        "alert own",
        "GET",
        f"/alerts/{AL_CROSS}",
        f"/alerts/{AL_CROSS}",
        (401, 200, 200, 403, 200, 200, 403),
    ),
    Row(
        "alert other",
        "GET",
        f"/alerts/{AL_NOORD}",
        f"/alerts/{AL_NOORD}",
        (401, 403, 403, 403, 403, 403, 403),
    ),
    # Each caller changes a different alert, so that a 200 is not followed by a 409.
    Row(
        "alert status own",
        "POST",
        "/alerts/AL-100000000000/status",
        "/alerts/AL-100000000001/status",
        (401, 403, 200, 403, 403, 200, 403),
        body=_STATUS,
    ),
    Row(
        "cluster own",
        "GET",
        f"/clusters/{CL_CROSS}",
        f"/clusters/{CL_CROSS}",
        (401, 200, 200, 403, 200, 200, 403),
    ),
    Row(
        "cluster own with case",
        "GET",
        f"/clusters/{CL_CROSS}",
        f"/clusters/{CL_CROSS}",
        (401, 200, 200, 403, 200, 200, 403),
        case=True,
    ),
    Row(
        "cluster other with case",
        "GET",
        f"/clusters/{CL_NOORD}",
        f"/clusters/{CL_NOORD}",
        (401, 403, 403, 403, 403, 403, 403),
        case=True,
    ),
    Row(
        "graph own no case",
        "GET",
        f"/clusters/{CL_CROSS}/graph",
        f"/clusters/{CL_CROSS}/graph",
        (401, 403, 403, 403, 403, 403, 403),
    ),
    Row(
        "graph own",
        "GET",
        f"/clusters/{CL_CROSS}/graph",
        f"/clusters/{CL_CROSS}/graph",
        (401, 200, 200, 403, 200, 200, 403),
        case=True,
    ),
    Row(
        "graph other",
        "GET",
        f"/clusters/{CL_NOORD}/graph",
        f"/clusters/{CL_NOORD}/graph",
        (401, 403, 403, 403, 403, 403, 403),
        case=True,
    ),
    Row(
        "view own",
        "GET",
        f"/clusters/{CL_CROSS}/view",
        f"/clusters/{CL_CROSS}/view",
        (401, 200, 200, 403, 200, 200, 403),
        case=True,
    ),
    Row(
        "view other",
        "GET",
        f"/clusters/{CL_NOORD}/view",
        f"/clusters/{CL_NOORD}/view",
        (401, 403, 403, 403, 403, 403, 403),
        case=True,
    ),
    Row(
        "network own",
        "GET",
        f"/subjects/{IDS['pL5']}/network",
        f"/subjects/{IDS['pL1']}/network",
        (401, 200, 200, 403, 200, 200, 403),
        case=True,
    ),
    Row(
        "network other",
        "GET",
        f"/subjects/{IDS['pN1']}/network",
        f"/subjects/{IDS['pN1']}/network",
        (401, 403, 403, 403, 403, 403, 403),
        case=True,
    ),
    Row(
        "network no case",
        "GET",
        f"/subjects/{IDS['pL5']}/network",
        f"/subjects/{IDS['pL1']}/network",
        (401, 403, 403, 403, 403, 403, 403),
    ),
    Row(
        "company own",
        "GET",
        f"/companies/{IDS['KVK_L']}/network",
        f"/companies/{IDS['KVK_B']}/network",
        (401, 200, 200, 403, 200, 200, 403),
        case=True,
    ),
    Row(
        "company other",
        "GET",
        f"/companies/{IDS['KVK_R']}/network",
        f"/companies/{IDS['KVK_R']}/network",
        (401, 403, 403, 403, 403, 403, 403),
        case=True,
    ),
    Row(
        "export",
        "GET",
        f"/subjects/{IDS['pL1']}/export",
        f"/subjects/{IDS['pL1']}/export",
        (401, 403, 403, 200, 403, 403, 200),
        case=True,
    ),
    Row(
        "export no case",
        "GET",
        f"/subjects/{IDS['pL1']}/export",
        f"/subjects/{IDS['pL1']}/export",
        (401, 403, 403, 403, 403, 403, 403),
    ),
    Row("trends", "GET", "/trends", "/trends", (401, 200, 200, 403, 200, 200, 403)),
    Row(
        "trends other region",
        "GET",
        "/trends",
        "/trends",
        (401, 403, 403, 403, 200, 200, 403),
        params={"region": "Noord"},
    ),
    Row("audit", "GET", "/audit", "/audit", (401, 403, 403, 200, 403, 403, 200)),
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
