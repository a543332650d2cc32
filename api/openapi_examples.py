"""Example answers of the case, Bibob and report endpoints for the OpenAPI document.

Each example is checked against its response model when this module is imported (a changed
model with a stale example fails at start-up and in the unit tests), and :func:`example_response`
puts it on the operation's success response, next to the schema FastAPI derives from the
``response_model``. Tokens and KvK numbers are made up; nothing here is real data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from pydantic import BaseModel

from api.bibob_schemas import BibobPage, BibobRequest, BibobScreening
from api.case_schemas import (
    AccountabilityReport,
    CaseDetail,
    CasePage,
    CaseReads,
    CrossRegionProgress,
    Intervention,
    InterventionList,
)
from api.params import encode_cursor

__all__ = [
    "ACCOUNTABILITY",
    "ADVICE_DOCX",
    "ADVICE_HTML",
    "BIBOB_PAGE",
    "BIBOB_REQUEST",
    "BIBOB_SCREENING",
    "CASE_DETAIL",
    "CASE_PAGE",
    "CASE_READS",
    "CROSS_REGION",
    "INTERVENTION",
    "INTERVENTIONS",
    "example_response",
]

_PERSON = "PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_REF = "LB-2025-0007"
_AT = "2025-06-02T09:30:00Z"


def _checked(model: type[BaseModel], example: dict[str, Any]) -> dict[str, Any]:
    """``example`` as the API would send it (validated by ``model``, dumped as JSON)."""
    return model.model_validate(example).model_dump(mode="json")


_RECORD: Final[dict[str, Any]] = {
    "reference": _REF,
    "title": "Hennepteelt Parkstad",
    "phenomenon": "cannabis",
    "origin": "alert",
    "legal_basis": "WPG",
    "lead": "Limburg",
    "cross_region": True,
    "status": "analysis",
    "version": 5,
    "participants": ["Limburg", "Oost-Brabant"],
    "invited": [],
    "partners": ["GEM", "POL"],
    "opened_at": "2025-05-12T08:00:00Z",
    "updated_at": _AT,
}
_SUMMARY = {**_RECORD, "subjects": 2, "clusters": 1, "alerts": 1, "standing": "participant"}

CASE_DETAIL: Final = _checked(
    CaseDetail,
    {
        **_SUMMARY,
        "purpose": "Integrated advice on premises used for cannabis cultivation",
        "subject_ids": [{"id": _PERSON, "kind": "Person"}, {"id": "12345678", "kind": "Company"}],
        "cluster_ids": ["CL-1a2b3c4d"],
        "alert_ids": ["AL-3f9a1c2b7d4e"],
        "events": [
            {
                "n": 5,
                "kind": "status_changed",
                "at": _AT,
                "by": "j.devries",
                "by_org": "Limburg",
                "by_role": "coordinator",
                "details": {"from": "intake", "to": "analysis", "change": "forward"},
            }
        ],
        "notes": [
            {
                "id": f"{_REF}#4",
                "text": "Police confirm the address",
                "at": "2025-05-20T14:00:00Z",
                "by": "a.jansen",
                "by_org": "Oost-Brabant",
            }
        ],
    },
)
CASE_PAGE: Final = _checked(
    CasePage,
    {
        "items": [_SUMMARY],
        "next_cursor": encode_cursor(datetime(2025, 5, 12, 8, tzinfo=UTC), _REF),
        "limit": 50,
    },
)
CASE_READS: Final = _checked(
    CaseReads,
    {
        "items": [
            {
                "at": _AT,
                "by": "a.jansen",
                "by_org": "Oost-Brabant",
                "by_role": "analyst",
                "endpoint": "/subjects/{token}/network",
                "target": _PERSON,
                "size": 14,
                "outside": 3,
            }
        ],
        "total": 1,
    },
)
_INTERVENTION: Final[dict[str, Any]] = {
    "id": f"{_REF}#6",
    "n": 6,
    "partner": "GEM",
    "kind": "administrative",
    "measure": "closure_opium_act",
    "label": "Sluiting pand (art. 13b Opiumwet)",
    "targets": [_PERSON],
    "date": "2025-06-01",
    "status": "planned",
    "created_at": _AT,
    "updated_at": _AT,
    "by": "j.devries",
    "by_org": "Limburg",
}
INTERVENTION: Final = _checked(Intervention, _INTERVENTION)
INTERVENTIONS: Final = _checked(InterventionList, {"reference": _REF, "items": [_INTERVENTION]})

#: The start of the advice page (HTML); the DOCX holds the same sections.
ADVICE_HTML: Final = (
    '<!doctype html><html lang="nl"><head><title>Integrated advice LB-2025-0007</title></head>'
    "<body><h1>Integrated enforcement advice</h1><h2>Case</h2><p>Hennepteelt Parkstad "
    "(cannabis, analysis), lead Limburg</p><h2>Subjects</h2><ul><li>PRS-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "</li></ul><h2>Network picture CL-1a2b3c4d</h2>...</body></html>"
)
ADVICE_DOCX: Final = "(a Word document: the case, subjects, network picture per cluster, ...)"

_BIBOB: Final[dict[str, Any]] = {
    "id": "BB-LB-2026-0003",
    "org": "Limburg",
    "municipality_code": "GM0935",
    "municipality": "Maastricht",
    "permit_kind": "horeca_exploitation",
    "applicant": "22222222",
    "applicant_kind": "Company",
    "received_on": "2026-01-05",
    "deadline": "2026-03-02",
    "extended": False,
    "status": "open",
    "reasons": [],
    "by": "j.devries",
    "submitted_at": "2026-01-05T10:00:00Z",
    "days_left": 9,
    "near_deadline": True,
}
BIBOB_REQUEST: Final = _checked(BibobRequest, _BIBOB)
BIBOB_PAGE: Final = _checked(BibobPage, {"items": [_BIBOB], "limit": 50})
BIBOB_SCREENING: Final = _checked(
    BibobScreening,
    {
        "request_id": "BB-LB-2026-0003",
        "applicant": "22222222",
        "screened": [{"id": _PERSON, "kind": "Person", "role": "director"}],
        "network": {
            "subject": {"id": "22222222", "label": "Company", "region": "Limburg"},
            "depth": 1,
            "nodes": [
                {"id": "22222222", "label": "Company", "region": "Limburg"},
                {"id": _PERSON, "label": "Person", "region": "Limburg"},
            ],
            "links": [
                {
                    "id": f"DIRECTORSHIP|{_PERSON}|22222222",
                    "type": "DIRECTORSHIP",
                    "source": _PERSON,
                    "target": "22222222",
                }
            ],
            "flagged_paths": [],
            "max_path_hops": 4,
        },
        "outside_scope": {"Rotterdam": 1},
    },
)


def _table(rows: list[str], columns: list[str], cells: list[list[int]]) -> dict[str, Any]:
    """A report table with every figure shown (no small cell in the example)."""
    return {
        "rows": rows,
        "columns": columns,
        "cells": cells,
        "row_totals": [sum(line) for line in cells],
        "column_totals": [sum(line[j] for line in cells) for j in range(len(columns))],
        "total": sum(map(sum, cells)),
        "suppressed": [],
    }


ACCOUNTABILITY: Final = _checked(
    AccountabilityReport,
    {
        "org": "Limburg",
        "year": 2025,
        "min_cell": 5,
        "cases": _table(["cannabis", "omg"], ["analysis", "closed"], [[6, 9], [5, 7]]),
        "interventions": _table(["GEM", "POL"], ["administrative", "criminal"], [[8, 0], [0, 6]]),
        "outcomes": _table(["administrative"], ["achieved", "not_achieved"], [[5, 0]]),
        "advised": 12,
        "median_days_to_advice": 41.5,
    },
)
CROSS_REGION: Final = _checked(
    CrossRegionProgress,
    {
        "items": [
            {
                "case": _RECORD,
                "regions": [
                    {
                        "org": "Limburg",
                        "standing": "lead",
                        "people": 3,
                        "changes": 4,
                        "last_change": _AT,
                        "interventions": {"planned": 1},
                    },
                    {
                        "org": "Oost-Brabant",
                        "standing": "participant",
                        "people": 2,
                        "changes": 1,
                        "last_change": "2025-05-20T14:00:00Z",
                    },
                    {"org": "LIEC", "standing": "none", "people": 0, "changes": 0},
                ],
            }
        ]
    },
)


def example_response(status: int, example: Any, media_type: str = "application/json") -> dict[
    int | str, dict[str, Any]
]:
    """An OpenAPI ``responses`` entry that adds ``example`` to the ``status`` answer."""
    return {status: {"content": {media_type: {"example": example}}}}
