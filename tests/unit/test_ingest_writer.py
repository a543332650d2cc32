"""The writer without a database: provenance merging and batch order."""

from __future__ import annotations

from datetime import date
from typing import Any

from graph.model import NodeLabel, RelType
from ingest.mapping import LinkRecord, NodeRecord
from ingest.writer import BatchWriter, Source, merge_sources

POL = Source("POL", "WPG", "POL-20261101-01", date(2026, 11, 1), date(2031, 11, 1))
KVK = Source("KVK", "HRW", "KVK-20261101-01", date(2026, 11, 1), date(2036, 11, 1))


def test_a_new_source_appends_aligned_entries() -> None:
    first = merge_sources(None, POL)
    both = merge_sources(first, KVK)
    assert both["src_partner"] == ["POL", "KVK"]
    assert both["src_legal_basis"] == ["WPG", "HRW"]
    assert both["src_retain_until"] == [date(2031, 11, 1), date(2036, 11, 1)]
    assert both["partners"] == ["POL", "KVK"]
    assert both["retain_until"] == date(2036, 11, 1)
    assert both["first_seen"] == date(2026, 11, 1)


def test_the_same_source_again_changes_nothing() -> None:
    once = merge_sources(None, POL)
    assert merge_sources(once, POL) == once


def test_a_later_delivery_of_a_source_moves_dates_and_delivery() -> None:
    later = Source("POL", "WPG", "POL-20270201-01", date(2027, 2, 1), date(2032, 2, 1))
    merged = merge_sources(merge_sources(None, POL), later)
    assert merged["src_partner"] == ["POL"]
    assert merged["src_delivery"] == ["POL-20270201-01"]
    assert merged["src_first_seen"] == [date(2026, 11, 1)]
    assert merged["src_last_seen"] == [date(2027, 2, 1)]
    # An older delivery re-ingested afterwards does not take the delivery id back.
    again = merge_sources(merged, POL)
    assert again["src_delivery"] == ["POL-20270201-01"]
    assert again["retain_until"] == date(2032, 2, 1)


def test_nodes_are_written_before_links_and_merged_once() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def run(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        calls.append((query, params))
        return []

    writer = BatchWriter(run, POL, batch_size=100)
    person: NodeRecord = (NodeLabel.PERSON, "PRS-A", {"birth_year": 1980})
    incident: NodeRecord = (NodeLabel.INCIDENT, "PL-1", {})
    link: LinkRecord = (
        RelType.INVOLVED_IN,
        NodeLabel.PERSON,
        "PRS-A",
        NodeLabel.INCIDENT,
        "PL-1",
        {"role": "suspect"},
    )
    writer.add([incident, person], [link])
    writer.add([person], [])  # the same entity again in this delivery: merged once
    writer.flush()
    writes = [q for q, _ in calls if "MERGE" in q]
    assert [("MERGE (a)" in q) for q in writes] == [False, False, True]
    person_writes = [p for q, p in calls if "MERGE (n:`Person`" in q]
    assert len(person_writes) == 1
    node_rows = person_writes[0]["rows"]
    assert len(node_rows) == 1
    assert node_rows[0]["props"]["birth_year"] == 1980
    # The statement merges the delivery's source into the provenance (in Cypher).
    assert "src_partner" in writes[0]
    assert person_writes[0]["partner"] == "POL"
    assert person_writes[0]["legal_basis"] == "WPG"
    assert person_writes[0]["delivery"] == "POL-20261101-01"
    assert person_writes[0]["extract_date"] == date(2026, 11, 1)
    assert person_writes[0]["retain_until"] == date(2031, 11, 1)
    # One statement per group and batch: no lookup of existing provenance.
    assert len(calls) == 3
    assert not any("RETURN" in q for q, _ in calls)
    assert (writer.nodes, writer.links) == (2, 1)
