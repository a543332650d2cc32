"""Conversions of Neo4j results to the API's shapes (api.store), and the alert cursor."""

from __future__ import annotations

from datetime import UTC, date, datetime

import neo4j.time
import pytest

from api.errors import BadRequestError
from api.provenance import graph_link, graph_node
from api.routers.alerts import _decode_cursor, _encode_cursor
from graph.values import from_millis, native, parse_json_properties


def test_native_converts_temporal_values_recursively() -> None:
    value = {
        "d": neo4j.time.Date(2025, 3, 1),
        "t": neo4j.time.DateTime(2025, 3, 1, 12, 30, 0, tzinfo=UTC),
        "nested": [neo4j.time.Date(2024, 1, 2), {"x": 1}],
    }
    out = native(value)
    assert out["d"] == date(2025, 3, 1)
    assert out["t"] == datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    assert out["nested"] == [date(2024, 1, 2), {"x": 1}]


def test_from_millis() -> None:
    assert from_millis(1738368000000) == datetime(2025, 2, 1, tzinfo=UTC)
    assert from_millis(None) is None
    assert from_millis(True) is True  # not a timestamp


def test_json_properties_are_decoded_and_bad_json_is_dropped() -> None:
    props = parse_json_properties(
        {"region_counts": '{"Limburg": 3}', "evidence": "not json", "name": '{"kept": "as text"}'}
    )
    assert props["region_counts"] == {"Limburg": 3}
    assert props["evidence"] is None
    assert props["name"] == '{"kept": "as text"}'


def test_graph_node_splits_provenance_per_source() -> None:
    raw = {
        "id": "PRS-AAAAAAAAAAAAAAAAAAAAAAAAAA",
        "labels": ["Entity", "Person"],
        "props": {
            "id": "PRS-AAAAAAAAAAAAAAAAAAAAAAAAAA",
            "birth_year": 1980,
            "partners": ["GEM", "POL"],
            "src_partner": ["GEM", "POL"],
            "src_delivery": ["GEM-1", "POL-1"],
            "src_legal_basis": ["GEM-BRP", "WPG"],
            "src_first_seen": [neo4j.time.Date(2024, 1, 1), neo4j.time.Date(2024, 2, 1)],
            "src_last_seen": [neo4j.time.Date(2024, 6, 1)],
            "src_retain_until": [neo4j.time.Date(2029, 1, 1), neo4j.time.Date(2030, 1, 1)],
            "first_seen": neo4j.time.Date(2024, 1, 1),
            "last_seen": neo4j.time.Date(2024, 6, 1),
            "retain_until": neo4j.time.Date(2030, 1, 1),
        },
    }
    node = graph_node(raw, region="Limburg", member=True)
    assert node["label"] == "Person"  # the entity label, not the extra :Entity
    assert node["region"] == "Limburg"
    assert node["properties"] == {"birth_year": 1980}
    sources = node["provenance"]["sources"]
    assert [s["partner"] for s in sources] == ["GEM", "POL"]
    assert sources[1]["legal_basis"] == "WPG"
    assert sources[1]["last_seen"] is None  # a short list is padded, never shifted
    assert node["provenance"]["retain_until"] == date(2030, 1, 1)


def test_graph_link_keeps_its_own_properties() -> None:
    link = graph_link(
        {
            "id": "5:abc:1",
            "type": "INVOLVED_IN",
            "source": "PRS-A",
            "target": "POL-1",
            "props": {"role": "suspect", "partners": ["POL"], "src_partner": ["POL"]},
        }
    )
    assert link["properties"] == {"role": "suspect"}
    assert link["provenance"]["partners"] == ["POL"]


def test_alert_cursor_round_trip_and_refusal() -> None:
    when = datetime(2025, 10, 1, 10, 0, tzinfo=UTC)
    assert _decode_cursor(_encode_cursor(when, "AL-00000000000a")) == (when, "AL-00000000000a")
    for bad in ("garbage", "", "bm90IGpzb24", "WzEsIDJd"):
        with pytest.raises(BadRequestError):
            _decode_cursor(bad)
