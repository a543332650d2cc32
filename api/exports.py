"""Files exported from the workbench (issue 16, decision 078): a cluster's graph as GraphML, as CSV
of nodes and links with an i2 Analyst's Notebook import specification (zip), and the view's PNG.

The graph exported is what the routers read within the case's scope (the nodes and links in the
API's shapes, :mod:`api.provenance`), kept to what the view showed. Pure functions: the router
reads, checks and audits; this module only writes bytes.

CSV cells are safe to open in a spreadsheet: a cell starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is prefixed with ``'`` so that no spreadsheet runs it as a formula
(OWASP, "CSV Injection").
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import networkx as nx

from api.errors import BadRequestError

__all__ = [
    "CSV_FORMULA_PREFIXES",
    "GRAPHML_MEDIA_TYPE",
    "LINK_COLUMNS",
    "NODE_COLUMNS",
    "ExportGraph",
    "csv_zip",
    "graphml_bytes",
    "i2_specification",
    "png_bytes",
    "safe_cell",
]

GRAPHML_MEDIA_TYPE: Final = "application/graphml+xml"
#: First characters a spreadsheet may read as the start of a formula or a control sequence.
CSV_FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
#: The largest PNG accepted back (a 4K screen's view is a few MB).
MAX_PNG_BYTES: Final = 20 * 1024 * 1024

#: The fixed columns of nodes.csv; each node property follows as ``prop_<name>``.
NODE_COLUMNS: Final = (
    "id",
    "type",
    "label",
    "region",
    "member",
    "partners",
    "legal_bases",
    "first_seen",
    "last_seen",
    "x",
    "y",
)
#: The fixed columns of links.csv (one row per link with both its ends, i2's entity-link-entity
#: layout); each link property follows as ``prop_<name>``.
LINK_COLUMNS: Final = (
    "id",
    "type",
    "source_id",
    "source_type",
    "target_id",
    "target_type",
    "partners",
    "legal_bases",
    "first_seen",
    "last_seen",
    "since",
    "until",
    "date",
)
_LINK_OWN: Final = frozenset({"since", "until"})


@dataclass(slots=True)
class ExportGraph:
    """The nodes and links to export (API shapes) and what every export says of itself."""

    cluster_id: str
    case_reference: str
    run_id: str | None
    as_of: date | None
    nodes: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def merged(
        cls,
        *,
        cluster_id: str,
        case_reference: str,
        run_id: str | None,
        as_of: date | None,
        parts: Iterable[tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]],
        nodes: Iterable[str] | None = None,
        links: Iterable[str] | None = None,
    ) -> ExportGraph:
        """The union of ``parts`` (``(nodes, links)`` of the cluster and of each expansion;
        a node keeps its first shape), kept to the node ids ``nodes`` and the link ids
        ``links`` when given, and to links whose two ends are kept."""
        by_id: dict[str, dict[str, Any]] = {}
        link_by_id: dict[str, dict[str, Any]] = {}
        for part_nodes, part_links in parts:
            for node in part_nodes:
                by_id.setdefault(str(node["id"]), dict(node))
            for link in part_links:
                link_by_id.setdefault(str(link["id"]), dict(link))
        if nodes is not None:
            wanted = set(nodes)
            by_id = {k: v for k, v in by_id.items() if k in wanted}
        wanted_links = set(links) if links is not None else None
        kept_links = [
            link
            for link_id, link in link_by_id.items()
            if (wanted_links is None or link_id in wanted_links)
            and str(link["source"]) in by_id
            and str(link["target"]) in by_id
        ]
        return cls(
            cluster_id=cluster_id,
            case_reference=case_reference,
            run_id=run_id,
            as_of=as_of,
            nodes=list(by_id.values()),
            links=kept_links,
        )

    def describe(self) -> dict[str, str]:
        """The graph-level facts written into every export (GraphML graph attributes)."""
        facts = {"cluster_id": self.cluster_id, "case_reference": self.case_reference}
        if self.run_id is not None:
            facts["run_id"] = self.run_id
        if self.as_of is not None:
            facts["as_of"] = self.as_of.isoformat()
        return facts


def _text(value: Any) -> str:
    """A value as one text: lists joined with ``; ``, maps as JSON, dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return str(value)


def safe_cell(value: Any) -> str:
    """A CSV cell that no spreadsheet runs as a formula.

    >>> safe_cell("=HYPERLINK(1)"), safe_cell("-1"), safe_cell("PRS-A"), safe_cell(None)
    ("'=HYPERLINK(1)", "'-1", 'PRS-A', '')
    """
    text = _text(value)
    return "'" + text if text.startswith(CSV_FORMULA_PREFIXES) else text


def _legal_bases(shape: Mapping[str, Any]) -> list[str]:
    sources = (shape.get("provenance") or {}).get("sources") or []
    return sorted({str(s["legal_basis"]) for s in sources if s.get("legal_basis")})


def _provenance(shape: Mapping[str, Any]) -> dict[str, Any]:
    prov = shape.get("provenance") or {}
    return {
        "partners": list(prov.get("partners") or []),
        "legal_bases": _legal_bases(shape),
        "first_seen": prov.get("first_seen"),
        "last_seen": prov.get("last_seen"),
    }


def _node_row(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": node["id"],
        "type": node.get("label"),
        "label": node["id"],
        "region": node.get("region"),
        "member": bool(node.get("member")),
        **_provenance(node),
        "x": node.get("x"),
        "y": node.get("y"),
        **{f"prop_{k}": v for k, v in sorted((node.get("properties") or {}).items())},
    }


def _link_row(link: Mapping[str, Any], types: Mapping[str, Any]) -> dict[str, Any]:
    props = link.get("properties") or {}
    source, target = str(link["source"]), str(link["target"])
    # An incident's or permit application's date is the date of the link to it.
    dated = next((types[end][1] for end in (target, source) if types[end][1] is not None), None)
    return {
        "id": link["id"],
        "type": link.get("type"),
        "source_id": source,
        "source_type": types[source][0],
        "target_id": target,
        "target_type": types[target][0],
        **_provenance(link),
        "since": props.get("since"),
        "until": props.get("until"),
        "date": dated,
        **{f"prop_{k}": v for k, v in sorted(props.items()) if k not in _LINK_OWN},
    }


def _node_types(graph: ExportGraph) -> dict[str, tuple[Any, Any]]:
    """``id -> (type, date)`` of every node (the date of an incident or application)."""
    return {
        str(n["id"]): (n.get("label"), (n.get("properties") or {}).get("date"))
        for n in graph.nodes
    }


def _csv(rows: list[dict[str, Any]], fixed: Sequence[str]) -> bytes:
    extra = sorted({k for row in rows for k in row} - set(fixed))
    columns = [*fixed, *extra]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    # UTF-8 with a byte-order mark: Excel and i2 then read the accents right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def i2_specification(graph: ExportGraph) -> dict[str, Any]:
    """How i2 Analyst's Notebook's import wizard reads links.csv and nodes.csv: the settings of
    each step (the wizard stores them as its own ``.ximp`` file; i2 does not publish that
    format, so the specification is given as the values to enter, one per step)."""
    return {
        "title": f"Knooppunt cluster {graph.cluster_id}",
        "export": graph.describe(),
        "files": {
            "links.csv": {
                "design": "entity-link-entity (one row per link)",
                "format": {
                    "encoding": "UTF-8 (with byte-order mark)",
                    "delimiter": ",",
                    "text_qualifier": '"',
                    "header_row": 1,
                    "first_data_row": 2,
                    "date_format": "yyyy-MM-dd",
                },
                "entity_1": {
                    "identity": "source_id",
                    "type_from_column": "source_type",
                    "label": "source_id",
                },
                "entity_2": {
                    "identity": "target_id",
                    "type_from_column": "target_type",
                    "label": "target_id",
                },
                "link": {
                    "identity": "id",
                    "type_from_column": "type",
                    "label": "type",
                    "date": "date, else since, else first_seen",
                    "attributes": ["partners", "legal_bases", "first_seen", "last_seen", "until"],
                    "direction": "from entity 1 to entity 2",
                },
            },
            "nodes.csv": {
                "design": "entity only (attributes of the entities of links.csv)",
                "entity": {"identity": "id", "type_from_column": "type", "label": "label"},
                "attributes": ["region", "member", "partners", "legal_bases", "first_seen"],
                "merge": "match entities on identity with those already on the chart",
            },
        },
        "entity_types": sorted({str(n.get("label")) for n in graph.nodes}),
        "link_types": sorted({str(link.get("type")) for link in graph.links}),
        "cells": "a cell starting with = + - @ tab or CR has a leading ' (CSV injection)",
    }


def _specification_text(spec: Mapping[str, Any]) -> str:
    """The specification as a text an analyst follows in the wizard (and as JSON below)."""
    lines = [
        f"{spec['title']}: i2 Analyst's Notebook import specification",
        "",
        *(f"{k}: {v}" for k, v in spec["export"].items()),
        "",
        "1. Import links.csv first (Import Data > links.csv), then nodes.csv to add the entities'",
        "   attributes. Each file's settings, step by step, are in the JSON below.",
        "2. Entity types in this export: " + ", ".join(spec["entity_types"]),
        "3. Link types in this export: " + ", ".join(spec["link_types"]),
        "",
        json.dumps(spec, indent=2, ensure_ascii=False),
        "",
    ]
    return "\n".join(lines)


def csv_zip(graph: ExportGraph) -> bytes:
    """A zip of nodes.csv, links.csv and the i2 import specification (text and JSON)."""
    types = _node_types(graph)
    nodes = _csv([_node_row(n) for n in graph.nodes], NODE_COLUMNS)
    links = _csv([_link_row(link, types) for link in graph.links], LINK_COLUMNS)
    spec = i2_specification(graph)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", nodes)
        archive.writestr("links.csv", links)
        archive.writestr("i2-import-specification.txt", _specification_text(spec))
        archive.writestr(
            "i2-import-specification.json", json.dumps(spec, indent=2, ensure_ascii=False)
        )
    return out.getvalue()


def _graphml_value(value: Any) -> str | int | float | bool | None:
    """A GraphML attribute value: a scalar, or ``None`` to leave it out."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return value
    text = _text(value)
    return text if text else None


def _attrs(row: Mapping[str, Any]) -> dict[str, Any]:
    """GraphML attributes of a row; properties as text, so that one attribute keeps one type
    across nodes (a GraphML key has one)."""
    kept = {
        k: (_text(v) or None) if k.startswith("prop_") else _graphml_value(v)
        for k, v in row.items()
    }
    return {k: v for k, v in kept.items() if v is not None}


def graphml_bytes(graph: ExportGraph) -> bytes:
    """The graph as GraphML: a directed multigraph (a link's id is its edge id), every node and
    link with its type, region, provenance and properties, and the graph's ``cluster_id``,
    ``case_reference``, ``run_id`` and ``as_of``."""
    out = nx.MultiDiGraph(**graph.describe())
    types = _node_types(graph)
    for node in graph.nodes:
        row = _node_row(node)
        out.add_node(str(row.pop("id")), **_attrs(row))
    for link in graph.links:
        row = _link_row(link, types)
        source, target = str(row.pop("source_id")), str(row.pop("target_id"))
        out.add_edge(source, target, key=str(row["id"]), **_attrs(row))
    buffer = io.BytesIO()
    nx.write_graphml(out, buffer, encoding="utf-8", prettyprint=False, edge_id_from_attribute="id")
    return buffer.getvalue()


def png_bytes(encoded: str | None) -> bytes:
    """The PNG the browser drew, from base64; 400 when it is missing, not base64, not a PNG
    or larger than :data:`MAX_PNG_BYTES`."""
    if not encoded:
        raise BadRequestError("png: the image is missing (base64 of a PNG)")
    text = encoded.split(",", 1)[1] if encoded.startswith("data:") else encoded
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequestError("png: not base64") from None
    if not data.startswith(_PNG_SIGNATURE):
        raise BadRequestError("png: not a PNG image")
    if len(data) > MAX_PNG_BYTES:
        raise BadRequestError("png: larger than 20 MB")
    return data
