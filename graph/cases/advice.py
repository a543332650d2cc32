"""The integrated enforcement advice of a case as a document (issue 14; ``docs/cases.md``
"Advice document"; decision 070).

:func:`gather_advice` is a plan (:mod:`graph.subgraph.plan`) that reads what the document
shows: the case's interventions, its scope (:func:`graph.subgraph.scope.scope_keys`) and each
of its clusters' graph within that scope (:func:`graph.subgraph.cluster_graph`, ``scope=``), so
that no person outside the case's scope is in it. :func:`build_advice` turns that into plain
data, and :func:`render_html` (jinja2, autoescaped) and :func:`render_docx` (python-docx) write
it. Pseudonymised throughout: entities appear by their id (tokens, KvK numbers), never by a
property such as a name; the purpose is shown (the document is for participants only).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Final

import jinja2
from docx import Document
from docx.shared import Pt

from graph.cases.interventions import interventions
from graph.cases.model import MEASURES
from graph.cases.ops import CaseView
from graph.cases.records import InterventionRecord
from graph.subgraph import Plan, cluster_graph
from graph.subgraph.model import ClusterGraph, Link, Node
from graph.subgraph.scope import DEFAULT_SCOPE_DEPTH, Scope, scope_keys
from graph.values import parse_json_properties
from graph.vocabulary import PARTNERS

__all__ = [
    "DOCX_MEDIA_TYPE",
    "Advice",
    "AdviceFacts",
    "ClusterSection",
    "PartnerEvidence",
    "build_advice",
    "gather_advice",
    "render_docx",
    "render_html",
]

DOCX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: The most nodes and links of one cluster the document lists (a note says when it cut).
MAX_NODES: Final = 300
MAX_LINKS: Final = 600
_PERSON: Final = "Person"


@dataclass(frozen=True, slots=True)
class AdviceFacts:
    """What :func:`gather_advice` read: the case, its interventions, and its clusters'
    graphs within its scope (``depth`` steps around its subjects and cluster members)."""

    view: CaseView
    interventions: list[InterventionRecord]
    graphs: list[ClusterGraph]
    depth: int


def gather_advice(
    view: CaseView,
    *,
    today: date,
    depth: int = DEFAULT_SCOPE_DEPTH,
    keys: frozenset[str] | None = None,
) -> Plan[AdviceFacts]:
    """Read what the advice of the case ``view`` shows (the caller has checked that the
    reader takes part in it). ``keys``: the case's scope when the caller has read it already
    (the API's purpose binding), else it is read here at ``depth``."""
    reference = view.record.reference
    listed = yield from interventions(reference)
    if keys is None:
        scope = Scope(
            subjects=frozenset(s["id"] for s in view.subjects),
            clusters=frozenset(view.clusters),
            depth=depth,
        )
        keys = yield from scope_keys(scope, today=today)
    graphs = []
    for cluster_id in view.clusters:
        found = yield from cluster_graph(
            cluster_id, today=today, scope=keys, max_nodes=MAX_NODES, max_links=MAX_LINKS
        )
        if found is not None:
            graphs.append(found)
    return AdviceFacts(view=view, interventions=listed, graphs=graphs, depth=depth)


# --- the document as data --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartnerEvidence:
    """What one partner delivered of a cluster's picture: links by type, entities, and the
    provenance of those links (deliveries, legal bases, first and last seen)."""

    partner: str
    name: str
    links: int
    link_types: dict[str, int]
    entities: int
    deliveries: list[str]
    legal_bases: list[str]
    first_seen: date | None
    last_seen: date | None


@dataclass(frozen=True, slots=True)
class ClusterSection:
    """One cluster of the case within its scope."""

    id: str
    typology: str
    score: float | None
    cross_region: bool
    region_counts: dict[str, int]
    signals: list[dict[str, Any]]
    key_players: list[dict[str, Any]]
    key_players_outside: int
    nodes: list[dict[str, Any]]
    links: list[dict[str, Any]]
    evidence: list[PartnerEvidence]
    outside: dict[str, int]
    truncated: bool


@dataclass(frozen=True, slots=True)
class Advice:
    """The integrated enforcement advice of one case, ready to render."""

    reference: str
    title: str
    phenomenon: str
    status: str
    lead: str
    participants: list[str]
    partners: list[str]
    legal_basis: str
    purpose: str
    cross_region: bool
    opened_at: datetime | None
    generated_at: datetime
    depth: int
    subjects: list[dict[str, str]]
    clusters: list[ClusterSection]
    interventions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _partner_name(code: str) -> str:
    partner = PARTNERS.get(code)
    return partner.name if partner is not None else code


def _dates(values: Iterable[Any]) -> list[date]:
    return [v for v in values if isinstance(v, date)]


def _evidence(nodes: Mapping[str, Node], links: list[Link]) -> list[PartnerEvidence]:
    """Per partner: the links and entities it delivered, with their provenance."""
    by_partner: dict[str, dict[str, Any]] = {}

    def entry(code: str) -> dict[str, Any]:
        return by_partner.setdefault(
            code,
            {"types": Counter(), "entities": 0, "deliveries": set(), "bases": set(), "seen": []},
        )

    for link in links:
        props = link.props
        sources = list(props.get("src_partner") or [])
        for code in dict.fromkeys([*(props.get("partners") or []), *sources]):
            entry(str(code))["types"][link.type] += 1
        for i, code in enumerate(sources):
            e = entry(str(code))
            for key, target in (("src_delivery", "deliveries"), ("src_legal_basis", "bases")):
                values = props.get(key) or []
                if i < len(values) and values[i] is not None:
                    e[target].add(str(values[i]))
            for key in ("src_first_seen", "src_last_seen"):
                values = props.get(key) or []
                if i < len(values):
                    e["seen"].extend(_dates([values[i]]))
    for node in nodes.values():
        for code in node.props.get("partners") or []:
            entry(str(code))["entities"] += 1
    out = []
    for code in sorted(by_partner):
        e = by_partner[code]
        out.append(
            PartnerEvidence(
                partner=code,
                name=_partner_name(code),
                links=sum(e["types"].values()),
                link_types=dict(sorted(e["types"].items())),
                entities=int(e["entities"]),
                deliveries=sorted(e["deliveries"]),
                legal_bases=sorted(e["bases"]),
                first_seen=min(e["seen"], default=None),
                last_seen=max(e["seen"], default=None),
            )
        )
    return out


def _region(node: Node) -> str:
    return str((node.membership or {}).get("region") or node.home_region or "")


def _section(graph: ClusterGraph) -> ClusterSection:
    cluster = parse_json_properties(graph.cluster)
    nodes = graph.nodes
    ids = {node.id for node in nodes.values()}
    players = [p for p in cluster.get("key_players") or [] if isinstance(p, dict)]
    shown = [
        {k: p.get(k) for k in ("rank", "id", "kind", "region", "is_broker")}
        for p in players
        if str(p.get("kind", "")).lower() != "person" or p.get("id") in ids
    ]
    node_rows = [
        {
            "id": node.id,
            "kind": node.kind,
            "region": _region(node),
            "member": key in set(graph.members),
            "partners": sorted(str(p) for p in node.props.get("partners") or []),
        }
        for key, node in nodes.items()
    ]
    link_rows = [
        {
            "source": nodes[link.source].id,
            "type": link.type,
            "target": nodes[link.target].id,
            "partners": sorted(str(p) for p in link.props.get("partners") or []),
        }
        for link in graph.links
        if link.source in nodes and link.target in nodes
    ]
    score = cluster.get("score")
    counts = cluster.get("region_counts")
    return ClusterSection(
        id=str(cluster.get("id", "")),
        typology=str(cluster.get("typology") or ""),
        score=float(score) if isinstance(score, int | float) else None,
        cross_region=bool(cluster.get("cross_region")),
        region_counts=dict(sorted(counts.items())) if isinstance(counts, dict) else {},
        signals=[
            {k: s.get(k) for k in ("signal", "count", "typology")}
            for s in cluster.get("evidence") or []
            if isinstance(s, dict)
        ],
        key_players=shown,
        key_players_outside=len(players) - len(shown),
        nodes=sorted(node_rows, key=lambda r: (not r["member"], r["kind"], r["id"])),
        links=sorted(link_rows, key=lambda r: (r["type"], r["source"], r["target"])),
        evidence=_evidence(nodes, graph.links),
        outside=dict(graph.outside),
        truncated=graph.truncated,
    )


def _intervention(i: InterventionRecord) -> dict[str, Any]:
    measure = MEASURES.get(i.measure)
    return {
        "number": i.n,
        "kind": i.kind,
        "measure": i.measure,
        "label": measure.label if measure is not None else i.measure,
        "targets": list(i.targets),
        "date": i.date,
        "status": i.status,
        "outcome": i.outcome,
    }


def build_advice(facts: AdviceFacts, *, generated_at: datetime) -> Advice:
    """The document's content from what :func:`gather_advice` read."""
    record = facts.view.record
    by_partner: dict[str, list[dict[str, Any]]] = {}
    for i in facts.interventions:
        by_partner.setdefault(i.partner, []).append(_intervention(i))
    return Advice(
        reference=record.reference,
        title=record.title,
        phenomenon=record.phenomenon,
        status=record.status,
        lead=record.lead,
        participants=list(record.participants),
        partners=list(record.partners),
        legal_basis=record.legal_basis,
        purpose=facts.view.purpose,
        cross_region=record.cross_region,
        opened_at=record.opened_at,
        generated_at=generated_at,
        depth=facts.depth,
        subjects=[dict(s) for s in facts.view.subjects],
        clusters=[_section(g) for g in facts.graphs],
        interventions={p: by_partner[p] for p in sorted(by_partner)},
    )


# --- rendering -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    # beside this module, so that the wheel's package data holds it
    source = resources.files("graph.cases").joinpath("advice.html").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(source)


def render_html(advice: Advice) -> str:
    """The advice as one self-contained HTML page (every value escaped)."""
    return _template().render(a=advice, partner_name=_partner_name)


def _table(doc: Any, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    values = [list(row) for row in rows]
    # all rows at once: adding them one by one costs python-docx about 2.5 times as much
    table = doc.add_table(rows=1 + len(values), cols=len(header))
    table.style = "Table Grid"
    for line, row in zip(table.rows, [header, *values], strict=True):
        for cell, value in zip(line.cells, row, strict=True):
            cell.text = "" if value is None else str(value)


def _joined(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values) or "-"


def render_docx(advice: Advice) -> bytes:
    """The advice as a Word document (DOCX) for partners: the same content as the page."""
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = f"Geintegreerd advies {advice.reference}"
    doc.add_heading(f"Geïntegreerd handhavingsadvies {advice.reference}", level=0)
    doc.add_paragraph(advice.title)
    _table(
        doc,
        ["Gegeven", "Waarde"],
        [
            ("Referentie", advice.reference),
            ("Fenomeen", advice.phenomenon),
            ("Status", advice.status),
            ("Regie", advice.lead),
            ("Deelnemers", _joined(advice.participants)),
            ("Partners", _joined(advice.partners)),
            ("Grondslag", advice.legal_basis),
            ("Bovenregionaal", "ja" if advice.cross_region else "nee"),
            ("Geopend", advice.opened_at.date().isoformat() if advice.opened_at else "-"),
            ("Opgesteld", advice.generated_at.isoformat(timespec="minutes")),
        ],
    )
    doc.add_heading("Doel (doelbinding)", level=1)
    doc.add_paragraph(advice.purpose)
    doc.add_heading("Subjecten", level=1)
    _table(doc, ["Subject", "Soort"], [(s["id"], s["kind"]) for s in advice.subjects])
    for c in advice.clusters:
        doc.add_heading(f"Netwerkbeeld {c.id} ({c.typology})", level=1)
        doc.add_paragraph(
            f"Score {c.score if c.score is not None else '-'}; regio's: "
            + _joined(f"{r} {n}" for r, n in c.region_counts.items())
            + f". Binnen de reikwijdte van de casus (diepte {advice.depth})."
        )
        if c.outside:
            doc.add_paragraph(
                "Personen buiten de reikwijdte (alleen aantallen): "
                + _joined(f"{r} {n}" for r, n in c.outside.items())
            )
        doc.add_heading("Sleutelfiguren", level=2)
        _table(
            doc,
            ["Rang", "Subject", "Soort", "Regio"],
            [(p["rank"], p["id"], p["kind"], p["region"]) for p in c.key_players],
        )
        doc.add_heading("Bewijs per partner (herkomst)", level=2)
        _table(
            doc,
            [
                "Partner",
                "Koppelingen",
                "Soorten",
                "Entiteiten",
                "Leveringen",
                "Grondslag",
                "Periode",
            ],
            [
                (
                    f"{e.partner} ({e.name})",
                    e.links,
                    _joined(f"{t} {n}" for t, n in e.link_types.items()),
                    e.entities,
                    _joined(e.deliveries),
                    _joined(e.legal_bases),
                    f"{e.first_seen or '-'} - {e.last_seen or '-'}",
                )
                for e in c.evidence
            ],
        )
        doc.add_heading("Knopen", level=2)
        _table(
            doc,
            ["Subject", "Soort", "Regio", "Lid", "Partners"],
            [
                (
                    n["id"],
                    n["kind"],
                    n["region"],
                    "ja" if n["member"] else "",
                    _joined(n["partners"]),
                )
                for n in c.nodes
            ],
        )
        doc.add_heading("Koppelingen", level=2)
        _table(
            doc,
            ["Van", "Soort", "Naar", "Partners"],
            [(k["source"], k["type"], k["target"], _joined(k["partners"])) for k in c.links],
        )
        if c.truncated:
            doc.add_paragraph("Het netwerkbeeld is ingekort.")
    doc.add_heading("Voorgestelde interventies per partner", level=1)
    for partner, items in advice.interventions.items():
        doc.add_heading(f"{partner} ({_partner_name(partner)})", level=2)
        _table(
            doc,
            ["Nr", "Soort", "Maatregel", "Subjecten", "Datum", "Status", "Uitkomst"],
            [
                (
                    i["number"],
                    i["kind"],
                    i["label"],
                    _joined(i["targets"]),
                    i["date"],
                    i["status"],
                    i["outcome"] or "-",
                )
                for i in items
            ],
        )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
