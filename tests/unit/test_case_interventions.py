"""Interventions, the advice document and the accountability report without a database: the
records' rules, the status rules, the document's content (escaped, pseudonymised, within
scope), and the report's suppression."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from docx import Document
from pydantic import ValidationError

from api.errors import NotAcceptableError
from api.routers.interventions import _chosen_type
from graph.cases.accountability import accountability_report, days_to_advice
from graph.cases.advice import DOCX_MEDIA_TYPE, AdviceFacts, build_advice, render_docx, render_html
from graph.cases.model import (
    MEASURES,
    InterventionTransitionError,
    check_intervention_change,
)
from graph.cases.ops import CaseView
from graph.cases.records import CaseRecord, InterventionRecord, NewIntervention
from graph.subgraph.model import ClusterGraph, Link, Node
from graph.trends import SuppressedTable, derivable_cells

PERSON_IN = "PRS-" + "A" * 26
PERSON_OUT = "PRS-" + "B" * 26
KVK = "12345678"
_NEW: dict[str, Any] = {
    "partner": "GEM",
    "kind": "administrative",
    "measure": "closure_opium_act",
    "targets": [PERSON_IN],
    "date": "2025-06-01",
}


def test_every_measure_has_a_kind_and_a_label() -> None:
    kinds = {m.kind for m in MEASURES.values()}
    assert kinds == {"administrative", "criminal", "fiscal"}
    assert MEASURES["closure_opium_act"].label.endswith("(art. 13b Opiumwet)")


def test_a_new_intervention_is_checked() -> None:
    assert NewIntervention.model_validate(_NEW).status == "planned"
    bad: list[dict[str, Any]] = [
        {"measure": "burn_it_down"},  # not in the code list
        {"measure": "arrest"},  # criminal, not administrative
        {"partner": "XYZ"},
        {"targets": ["Jan Jansen"]},
        {"targets": []},
        {"status": "done"},  # done without an outcome
        {"outcome": "achieved"},  # an outcome while planned
    ]
    for change in bad:
        with pytest.raises(ValidationError):
            NewIntervention.model_validate({**_NEW, **change})
    with pytest.raises(ValidationError, match="another kind"):
        NewIntervention.model_validate({**_NEW, "measure": "tax_assessment"})
    done = NewIntervention.model_validate({**_NEW, "status": "done", "outcome": "achieved"})
    assert done.outcome == "achieved"


def test_intervention_status_rules() -> None:
    check_intervention_change("planned", "in_progress", outcome=None)
    check_intervention_change("in_progress", "done", outcome="partly_achieved")
    check_intervention_change("in_progress", "cancelled", outcome=None)
    refused = [
        ("done", "cancelled", None),
        ("cancelled", "in_progress", None),
        ("in_progress", "planned", None),
        ("planned", "planned", None),
        ("planned", "done", None),
        ("planned", "in_progress", "achieved"),
        ("planned", "archived", None),
    ]
    for current, target, outcome in refused:
        with pytest.raises(InterventionTransitionError):
            check_intervention_change(current, target, outcome=outcome)


def _case(title: str = "Hennep <script>alert(1)</script>") -> CaseView:
    record = CaseRecord(
        reference="LB-2025-0007",
        title=title,
        phenomenon="cannabis",
        legal_basis="WPG",
        lead="Limburg",
        status="advice",
        version=9,
        participants=["Limburg", "Oost-Brabant"],
        partners=["GEM", "POL"],
        opened_at=datetime(2025, 3, 1, tzinfo=UTC),
    )
    return CaseView(
        record=record,
        purpose="Integrated advice on <b>premises</b>",
        subjects=[{"id": PERSON_IN, "kind": "Person"}],
        clusters=["CL-1"],
    )


def _graph() -> ClusterGraph:
    nodes = {
        "k1": Node(
            key="k1",
            id=PERSON_IN,
            labels=("Person",),
            props={"name": "Jan Jansen", "partners": ["POL"]},
            membership={"region": "Limburg"},
        ),
        "k2": Node(key="k2", id=KVK, labels=("Company",), props={"partners": ["KVK"]}),
    }
    link = Link(
        id="r1",
        type="DIRECTORSHIP",
        source="k1",
        target="k2",
        props={
            "partners": ["KVK", "POL"],
            "src_partner": ["KVK", "POL"],
            "src_delivery": ["d-kvk-1", "d-pol-2"],
            "src_legal_basis": ["HRW", "WPG"],
            "src_first_seen": [date(2024, 1, 1), date(2024, 5, 1)],
            "src_last_seen": [date(2025, 1, 1), date(2025, 2, 1)],
        },
    )
    players = [
        {"id": PERSON_IN, "kind": "person", "region": "Limburg", "rank": 1},
        {"id": PERSON_OUT, "kind": "person", "region": "Oost-Brabant", "rank": 2},
        {"id": KVK, "kind": "company", "region": "Limburg", "rank": 3},
    ]
    cluster = {
        "id": "CL-1",
        "typology": "cannabis",
        "score": 72.5,
        "cross_region": True,
        "region_counts": json.dumps({"Limburg": 2, "Oost-Brabant": 1}),
        "key_players": json.dumps(players),
        "evidence": json.dumps([{"signal": "cannabis_grow_site", "count": 3}]),
    }
    return ClusterGraph(
        cluster=cluster,
        nodes=nodes,
        links=[link],
        members=["k1", "k2"],
        outside={"Oost-Brabant": 1},
    )


def _intervention(n: int, partner: str, kind: str, measure: str) -> InterventionRecord:
    return InterventionRecord(
        id=f"LB-2025-0007#{n}",
        n=n,
        partner=partner,
        kind=kind,
        measure=measure,
        targets=[PERSON_IN],
        date=date(2025, 6, 1),
        status="planned",
        by="Limburg-analyst",
        by_org="Limburg",
    )


def _advice() -> Any:
    facts = AdviceFacts(
        view=_case(),
        interventions=[
            _intervention(10, "GEM", "administrative", "closure_opium_act"),
            _intervention(11, "BD", "fiscal", "tax_assessment"),
        ],
        graphs=[_graph()],
        depth=1,
    )
    return build_advice(facts, generated_at=datetime(2025, 7, 1, 12, 0, tzinfo=UTC))


def test_advice_content_is_within_scope_and_pseudonymised() -> None:
    advice = _advice()
    (section,) = advice.clusters
    assert [p["id"] for p in section.key_players] == [PERSON_IN, KVK]
    assert section.key_players_outside == 1
    assert section.outside == {"Oost-Brabant": 1}
    evidence = {e.partner: e for e in section.evidence}
    assert set(evidence) == {"KVK", "POL"}
    assert evidence["POL"].deliveries == ["d-pol-2"]
    assert evidence["POL"].legal_bases == ["WPG"]
    assert evidence["POL"].first_seen == date(2024, 5, 1)
    assert evidence["KVK"].link_types == {"DIRECTORSHIP": 1}
    assert list(advice.interventions) == ["BD", "GEM"]
    assert advice.interventions["GEM"][0]["label"] == MEASURES["closure_opium_act"].label


def test_advice_html_is_escaped_and_names_no_one() -> None:
    html = render_html(_advice())
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;premises&lt;/b&gt;" in html
    assert "Jan Jansen" not in html
    assert PERSON_OUT not in html
    assert PERSON_IN in html
    assert KVK in html
    assert "Sluiting pand (art. 13b Opiumwet)" in html
    assert "d-pol-2" in html


def test_advice_docx_reads_back() -> None:
    doc = Document(io.BytesIO(render_docx(_advice())))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "Geïntegreerd handhavingsadvies LB-2025-0007" in text
    assert "Integrated advice on <b>premises</b>" in text  # plain text in a document
    assert PERSON_IN in cells
    assert KVK in cells
    assert "Navorderingsaanslag" in cells
    assert "Jan Jansen" not in text
    assert "Jan Jansen" not in cells
    assert PERSON_OUT not in cells


def test_the_advice_is_html_unless_docx_is_preferred() -> None:
    assert _chosen_type(None) == "text/html"
    assert _chosen_type("text/html,application/xhtml+xml,*/*;q=0.8") == "text/html"
    assert _chosen_type(DOCX_MEDIA_TYPE) == DOCX_MEDIA_TYPE
    assert _chosen_type(f"text/html;q=0.5, {DOCX_MEDIA_TYPE}") == DOCX_MEDIA_TYPE
    with pytest.raises(NotAcceptableError):
        _chosen_type("application/pdf")
    with pytest.raises(NotAcceptableError):
        _chosen_type("text/html;q=0")


def _row(status: str, interventions: list[dict[str, Any]], advice_after_days: float | None) -> Any:
    opened = 1_700_000_000_000
    changes = [{"at": opened + 1000, "details": json.dumps({"to": "intake"})}]
    if advice_after_days is not None:
        at = opened + int(advice_after_days * 86_400_000)
        changes.append({"at": at, "details": json.dumps({"to": "advice", "from": "analysis"})})
    return {
        "phenomenon": "cannabis",
        "status": status,
        "opened_at": opened,
        "changes": changes,
        "interventions": interventions,
    }


def test_days_to_advice() -> None:
    assert days_to_advice(_row("advice", [], 3.5)) == 3.5
    assert days_to_advice(_row("intake", [], None)) is None


def test_accountability_report_suppresses_small_cells() -> None:
    done = {"partner": "POL", "kind": "criminal", "status": "done", "outcome": "achieved"}
    cancelled = {"partner": "BD", "kind": "fiscal", "status": "cancelled", "outcome": None}
    rows = [_row("closed", [done, cancelled], float(d)) for d in (1, 2, 3, 4, 10)]
    rows.append(_row("intake", [], None))
    report = accountability_report(rows)
    cases = report.cases
    r = cases.rows.index("cannabis")
    # the single intake case is small: hidden, and enough others that it cannot be derived
    assert cases.cells[r][cases.columns.index("intake")] is None
    assert ("cannabis", "intake", "primary") in cases.suppressed
    assert any(reason == "secondary" for _, _, reason in cases.suppressed)
    assert cases.total == 6
    published = SuppressedTable(
        cases.cells, cases.row_totals, cases.column_totals, cases.total, reasons={}
    )
    assert derivable_cells(published) == set()
    closed = accountability_report([row for row in rows if row["status"] == "closed"]).cases
    assert closed.cells[r][closed.columns.index("closed")] == 5
    assert report.advised == 5
    assert report.median_days_to_advice == 3.0
    iv = report.interventions
    assert iv.cells[iv.rows.index("POL")][iv.columns.index("criminal")] == 5
    assert iv.cells[iv.rows.index("BD")][iv.columns.index("fiscal")] == 0  # cancelled
    out = report.outcomes
    assert out.cells[out.rows.index("criminal")][out.columns.index("achieved")] == 5
    few = accountability_report(rows[:4])
    assert few.advised is None
    assert few.median_days_to_advice is None
    assert few.cases.total is None
