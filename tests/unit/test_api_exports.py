"""Exports of the workbench (api.exports): CSV cells a spreadsheet cannot run, GraphML that
networkx reads back whole, the i2 specification naming real columns, the union of expansions."""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from datetime import date
from typing import Any

import networkx as nx
import pytest

from api.errors import BadRequestError
from api.exports import (
    CSV_FORMULA_PREFIXES,
    ExportGraph,
    csv_zip,
    graphml_bytes,
    i2_specification,
    png_bytes,
    safe_cell,
)


def _node(node_id: str, label: str, **props: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "label": label,
        "region": "Limburg",
        "member": label == "Person",
        "properties": props,
        "provenance": {
            "partners": ["GEM", "POL"],
            "sources": [{"partner": "GEM", "legal_basis": "GEM-BRP"}],
            "first_seen": date(2025, 1, 2),
            "last_seen": None,
        },
        "x": 1.5,
        "y": -2.0,
    }


def _link(link_id: str, rel: str, source: str, target: str, **props: Any) -> dict[str, Any]:
    return {
        "id": link_id,
        "type": rel,
        "source": source,
        "target": target,
        "properties": props,
        "provenance": {"partners": ["POL"], "sources": [{"legal_basis": "WPG"}]},
    }


_EVIL = "=HYPERLINK(\"http://x\",\"klik\")"


def _graph() -> ExportGraph:
    nodes = [
        _node("PRS-A", "Person", name=_EVIL, share=3),
        _node("PRS-B", "Person", share="+31"),
        _node("INC-1", "Incident", date=date(2025, 3, 4), type="-1+1"),
    ]
    links = [
        _link("r1", "ASSOCIATE", "PRS-A", "PRS-B", kind="@family"),
        _link("r2", "ASSOCIATE", "PRS-A", "PRS-B", kind="business"),  # a parallel link stays
        _link("r3", "INVOLVED_IN", "PRS-A", "INC-1", role="suspect", since=date(2024, 1, 1)),
    ]
    return ExportGraph(
        cluster_id="CL-1",
        case_reference="LB-2026-0001",
        run_id="RUN-1",
        as_of=date(2025, 9, 30),
        nodes=nodes,
        links=links,
    )


@pytest.mark.parametrize("prefix", CSV_FORMULA_PREFIXES)
def test_a_cell_a_spreadsheet_would_run_is_quoted(prefix: str) -> None:
    assert safe_cell(prefix + "1+1") == "'" + prefix + "1+1"


def test_ordinary_cells_stay_as_they_are() -> None:
    assert safe_cell("PRS-ABC") == "PRS-ABC"
    assert safe_cell(["GEM", "POL"]) == "GEM; POL"
    assert safe_cell(date(2025, 1, 2)) == "2025-01-02"
    assert safe_cell(True) == "true"
    assert safe_cell(None) == ""


def _rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_no_csv_cell_starts_a_formula() -> None:
    archive = zipfile.ZipFile(io.BytesIO(csv_zip(_graph())))
    for name in ("nodes.csv", "links.csv"):
        for row in _rows(archive, name):
            for value in row.values():
                assert not value.startswith(CSV_FORMULA_PREFIXES), (name, value)
    nodes = {r["id"]: r for r in _rows(archive, "nodes.csv")}
    assert nodes["PRS-A"]["prop_name"] == "'" + _EVIL
    assert nodes["PRS-B"]["prop_share"] == "'+31"
    assert nodes["PRS-A"]["legal_bases"] == "GEM-BRP"
    links = {r["id"]: r for r in _rows(archive, "links.csv")}
    assert links["r1"]["prop_kind"] == "'@family"
    # The link to an incident carries the incident's date for i2's timeline.
    assert links["r3"]["date"] == "2025-03-04"
    assert links["r3"]["since"] == "2024-01-01"
    assert links["r3"]["source_type"] == "Person"
    assert links["r3"]["target_type"] == "Incident"


def test_the_i2_specification_names_columns_that_exist() -> None:
    graph = _graph()
    archive = zipfile.ZipFile(io.BytesIO(csv_zip(graph)))
    spec = json.loads(archive.read("i2-import-specification.json"))
    assert spec == json.loads(json.dumps(i2_specification(graph), default=str))
    link_columns = set(_rows(archive, "links.csv")[0])
    node_columns = set(_rows(archive, "nodes.csv")[0])
    links = spec["files"]["links.csv"]
    for end in ("entity_1", "entity_2"):
        assert {links[end]["identity"], links[end]["type_from_column"]} <= link_columns
    assert set(links["link"]["attributes"]) <= link_columns
    nodes = spec["files"]["nodes.csv"]
    assert set(nodes["attributes"]) <= node_columns
    assert nodes["entity"]["identity"] in node_columns
    assert spec["export"] == {
        "cluster_id": "CL-1",
        "case_reference": "LB-2026-0001",
        "run_id": "RUN-1",
        "as_of": "2025-09-30",
    }
    text = archive.read("i2-import-specification.txt").decode()
    assert "LB-2026-0001" in text
    assert "Incident, Person" in text


def test_graphml_reads_back_with_every_node_link_and_the_exports_facts() -> None:
    graph = nx.read_graphml(io.BytesIO(graphml_bytes(_graph())))
    assert isinstance(graph, nx.MultiDiGraph)
    assert sorted(graph.nodes) == ["INC-1", "PRS-A", "PRS-B"]
    assert graph.number_of_edges() == 3
    facts = {k: v for k, v in graph.graph.items() if not k.endswith("_default")}
    assert facts == {
        "cluster_id": "CL-1",
        "case_reference": "LB-2026-0001",
        "run_id": "RUN-1",
        "as_of": "2025-09-30",
    }
    assert graph.nodes["PRS-A"]["member"] is True
    assert graph.nodes["PRS-A"]["x"] == 1.5
    assert graph.nodes["PRS-A"]["partners"] == "GEM; POL"
    # one attribute keeps one type across nodes (share: 3 and "+31")
    assert graph.nodes["PRS-A"]["prop_share"] == "3"
    assert {d["id"] for _, _, d in graph.edges(data=True)} == {"r1", "r2", "r3"}


def test_merged_keeps_the_named_and_links_with_both_ends() -> None:
    whole = _graph()
    expansion = ([_node("ADR-1", "Address")], [_link("r9", "LIVES_AT", "PRS-B", "ADR-1")])
    merged = ExportGraph.merged(
        cluster_id="CL-1",
        case_reference="LB-2026-0001",
        run_id=None,
        as_of=None,
        parts=[(whole.nodes, whole.links), expansion, (whole.nodes[:1], [])],
        nodes=["PRS-A", "PRS-B", "ADR-1", "PRS-NOT-READ"],
        links=None,
    )
    assert [n["id"] for n in merged.nodes] == ["PRS-A", "PRS-B", "ADR-1"]
    assert [link["id"] for link in merged.links] == ["r1", "r2", "r9"]  # r3's incident is out
    assert merged.describe() == {"cluster_id": "CL-1", "case_reference": "LB-2026-0001"}
    only = ExportGraph.merged(
        cluster_id="CL-1",
        case_reference="X",
        run_id=None,
        as_of=None,
        parts=[(whole.nodes, whole.links)],
        links=["r2"],
    )
    assert [link["id"] for link in only.links] == ["r2"]
    assert len(only.nodes) == 3


def test_png_must_be_a_base64_png() -> None:
    image = b"\x89PNG\r\n\x1a\nrest"
    encoded = base64.b64encode(image).decode()
    assert png_bytes(encoded) == image
    assert png_bytes("data:image/png;base64," + encoded) == image
    for bad in (None, "", "@@@", base64.b64encode(b"<svg/>").decode()):
        with pytest.raises(BadRequestError):
            png_bytes(bad)
