"""The export's row assembly on canned aggregated records (no database; decision 069).

Each read of :data:`graph.analysis.export.EXPORT_READS` answers one record of parallel lists;
the export keeps only rows whose people and companies were exported, gives roles to the first
row that earns one, and refuses lists of different lengths (a collected null id).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from unittest.mock import MagicMock

import neo4j
import pytest

from graph import queries as q
from graph.analysis.errors import AnalysisInputError
from graph.analysis.export import EXPORT_READS, export_graph
from graph.analysis.graphs import partner_mask
from graph.analysis.params import AnalysisParams

POL, KVK = partner_mask(["POL"]), partner_mask(["KVK"])


def _empty(query: str) -> dict[str, Any]:
    if query in (q.ANALYSIS_EXPORT_PERSONS, q.ANALYSIS_EXPORT_COMPANIES):
        return {"rows": []}
    if query == q.ANALYSIS_UNKNOWN_REGION_ADDRESSES:
        return {"addresses": 0}
    if query == q.ANALYSIS_EXPORT_DIRECT:
        return {"a": [], "b": [], "kinds": [], "partners": [], "ages": [], "counts": []}
    if query == q.ANALYSIS_EXPORT_INVESTIGATION_SIGNALS:
        return {"members": [], "kinds": [], "offence_codes": [], "partners": []}
    if query in q.ANALYSIS_EXPORT_SHARES.values():
        return {"conns": [], "members": [], "partners": [], "ages": []}
    return {"members": [], "signals": [], "partners": []}


def _driver(answers: dict[str, dict[str, list[Any]]]) -> MagicMock:
    """A driver whose reads answer ``answers`` (by query) and empty lists otherwise."""

    def execute_query(query: str, params: dict[str, Any], **_: Any) -> tuple[Any, None, None]:
        if query == q.ANALYSIS_CURRENT_DELIVERIES:
            return [neo4j.Record({"ids": ["POL-1"]})], None, None  # type: ignore[no-untyped-call]
        assert query in EXPORT_READS.values()
        assert params["current"] == ["POL-1"]
        record = neo4j.Record(answers.get(query, _empty(query)))  # type: ignore[no-untyped-call]
        return [record], None, None

    driver = MagicMock(spec=neo4j.Driver)
    driver.execute_query.side_effect = execute_query
    return driver


def _export(answers: dict[str, dict[str, list[Any]]]) -> Any:
    return export_graph(
        _driver(answers), database="neo4j", as_of=date(2026, 5, 1), params=AnalysisParams()
    )


PEOPLE: dict[str, list[Any]] = {"rows": [["P1", "Limburg"], ["P2", None], ["P3", "Utrecht"]]}
COMPANIES: dict[str, list[Any]] = {
    "rows": [["C1", "Limburg", True, "4321"], ["C2", None, None, "68201"]]
}


def test_rows_of_unexported_people_are_dropped() -> None:
    raw = _export(
        {
            q.ANALYSIS_EXPORT_PERSONS: PEOPLE,
            q.ANALYSIS_EXPORT_COMPANIES: COMPANIES,
            q.ANALYSIS_EXPORT_DIRECT: {
                "a": ["P1", "P1", "PX", "P3"],
                "b": ["P2", "PX", "P3", "C1"],
                "kinds": ["ASSOCIATE", "ASSOCIATE", "ASSOCIATE", "EMPLOYMENT"],
                "partners": [["POL"], ["POL"], [], ["KVK", "XYZ"]],
                "ages": [0, 0, 5, 0],
                "counts": [1, 1, 1, 1],
            },
            q.ANALYSIS_EXPORT_SHARES["phone"]: {
                "conns": ["T1", "T1", "T1"],
                "members": ["P1", "PX", "P2"],
                "partners": [["POL"], ["POL"], []],
                "ages": [0, 0, 400],
            },
            q.ANALYSIS_EXPORT_CLUB_SIGNALS: {
                "members": ["PX", "P2"],
                "signals": ["club_member", "club_support"],
                "partners": [["POL"], ["POL"]],
            },
        }
    )
    assert raw.node_ids == ["P1", "P2", "P3", "C1", "C2"]
    assert raw.node_kinds == ["person"] * 3 + ["company"] * 2
    assert raw.node_regions == ["Limburg", None, "Utrecht", "Limburg", None]
    assert raw.links == [("P1", "P2", "associate", POL), ("P3", "C1", "employment", KVK)]
    assert raw.shares == [("T1", "phone", "P1", POL), ("T1", "phone", "P2", 0)]
    # each kept row keeps its age (days since the fact ended), in step with its row
    assert raw.link_ages == [0, 0]
    assert raw.share_ages == [0, 400]
    assert ("P2", "club_support", POL) in raw.signals
    assert all(member != "PX" for member, _, _ in raw.signals)
    assert ("C1", "front_business", 0) in raw.signals
    # the employee takes the employer's role (an electrician's SBI code)
    assert raw.roles == [("C1", "electrician"), ("C2", "property"), ("P3", "electrician")]
    # each with the fact that gives it: the SBI code beats the cash flag
    assert raw.role_evidence == {
        "C1": ("sbi", None),
        "C2": ("sbi", None),
        "P3": ("employment", "C1"),
    }


def test_the_strongest_fact_gives_the_role() -> None:
    raw = _export(
        {
            q.ANALYSIS_EXPORT_PERSONS: PEOPLE,
            q.ANALYSIS_EXPORT_COMPANIES: COMPANIES,
            q.ANALYSIS_EXPORT_DIRECT: {
                "a": ["P1", "P1"],
                "b": ["C2", "C1"],
                "kinds": ["DIRECTORSHIP", "EMPLOYMENT"],
                "partners": [["KVK"], ["KVK"]],
                "ages": [0, 0],
                "counts": [1, 1],
            },
            q.ANALYSIS_EXPORT_GROW_SITE_SIGNALS: {
                "members": ["P1", "P2"],
                "signals": ["grow_site_property", "grow_site_property"],
                "partners": [["POL"], ["POL"]],
            },
        }
    )
    assert dict(raw.roles)["P1"] == "property"
    # P1 directs C2 (property) and works for C1 (electrician): directing is the stronger
    # fact; then P1's own grow site property beats both
    assert raw.role_evidence["P1"] == ("grow_site_property", None)
    assert raw.role_evidence["P2"] == ("grow_site_property", None)


def test_a_landlord_of_grow_sites_is_property_not_his_employers_role() -> None:
    raw = _export(
        {
            q.ANALYSIS_EXPORT_PERSONS: PEOPLE,
            q.ANALYSIS_EXPORT_COMPANIES: {"rows": [["C1", "Limburg", None, "49410"]]},
            q.ANALYSIS_EXPORT_DIRECT: {
                "a": ["P1", "P2", "P2"],
                "b": ["C1", "C1", "C1"],
                "kinds": ["EMPLOYMENT", "EMPLOYMENT", "DIRECTORSHIP"],
                "partners": [["BD"], ["BD"], ["KVK"]],
                "ages": [0, 0, 0],
                "counts": [1, 1, 1],
            },
            q.ANALYSIS_EXPORT_GROW_SITE_SIGNALS: {
                "members": ["P1"],
                "signals": ["grow_site_property"],
                "partners": [["POL"]],
            },
        }
    )
    roles = dict(raw.roles)
    assert roles["P1"] == "property"  # a haulier's employee who lets grow sites
    assert raw.role_evidence["P1"] == ("grow_site_property", None)
    assert roles["P2"] == "transporter"
    assert raw.role_evidence["P2"] == ("directorship", "C1")  # directing beats working there


def test_an_ended_job_gives_no_role() -> None:
    raw = _export(
        {
            q.ANALYSIS_EXPORT_PERSONS: PEOPLE,
            q.ANALYSIS_EXPORT_COMPANIES: COMPANIES,
            q.ANALYSIS_EXPORT_DIRECT: {
                # P1 left the electrician (C1) 900 days ago; P2 works there now
                "a": ["P1", "P2", "P3"],
                "b": ["C1", "C1", "C2"],
                "kinds": ["EMPLOYMENT", "EMPLOYMENT", "DIRECTORSHIP"],
                "partners": [["BD"], ["BD"], ["KVK"]],
                "ages": [900, 0, 30],
                "counts": [1, 1, 1],
            },
        }
    )
    roles = dict(raw.roles)
    assert "P1" not in roles
    assert roles["P2"] == "electrician"
    assert "P3" not in roles  # a directorship that ended a month ago
    # the ended facts are still links, with their age (the projection decays them)
    assert raw.link_ages == [900, 0, 30]


def test_investigation_signals_name_their_offences() -> None:
    raw = _export(
        {
            q.ANALYSIS_EXPORT_PERSONS: PEOPLE,
            q.ANALYSIS_EXPORT_INVESTIGATION_SIGNALS: {
                "members": ["P1", "P2", "PX"],
                "kinds": ["money_laundering", "", "money_laundering"],
                "offence_codes": [["SR-420"], "OPIUMW-3B", []],
                "partners": [["OM"], [], ["OM"]],
            },
        }
    )
    om = partner_mask(["OM"])
    assert sorted(raw.signals) == sorted(
        [
            ("P1", "investigation", om),
            ("P1", "money_laundering_signal", om),
            ("P1", "money_laundering_signal", om),
            ("P2", "investigation", 0),
            ("P2", "drugs", 0),
        ]
    )


def test_lists_of_different_lengths_are_refused() -> None:
    answers: dict[str, dict[str, list[Any]]] = {
        q.ANALYSIS_EXPORT_PERSONS: PEOPLE,
        q.ANALYSIS_EXPORT_DIRECT: {
            "a": ["P1"],  # a collected null id left this list one short
            "b": ["P2", "P3"],
            "kinds": ["ASSOCIATE", "ASSOCIATE"],
            "partners": [[], []],
            "ages": [0, 0],
            "counts": [1, 1],
        },
    }
    with pytest.raises(AnalysisInputError, match=r"direct links: .* without an id"):
        _export(answers)
