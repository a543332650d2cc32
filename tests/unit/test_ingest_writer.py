"""The writer without a database: provenance merging, batch order, and ``write_delivery``
against a spec'd driver (statements, parameters, batches, chunks, errors)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import neo4j
import pytest
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

from graph.model import NodeLabel, RelType
from ingest.delivery import CheckedDelivery
from ingest.errors import DeliveryError, WriteError
from ingest.manifest import Manifest
from ingest.mapping import LinkRecord, NodeRecord
from ingest.queries import (
    DELIVERY_CHUNK_COMMITTED,
    DELIVERY_COMMIT,
    DELIVERY_GET,
    DELIVERY_START,
    WRITER_LOCK_RELEASE,
    WRITER_LOCK_TAKE,
    write_links,
    write_nodes,
)
from ingest.writer import (
    BatchWriter,
    Source,
    WriteResult,
    delivery_params,
    merge_sources,
    write_delivery,
)

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


# --- write_delivery against a spec'd driver ------------------------------------------------------
# ``MagicMock(spec=...)`` refuses attributes that neo4j's Driver, Session and Transaction do not
# have, so a misspelt driver call fails here as it would against a server.

DB = "knooppunt-test"


class _Neo4j:
    """A spec'd :class:`neo4j.Driver` recording every statement; ``state`` is the recorded
    delivery's ``{status, checksum}`` (``None``: not recorded yet)."""

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self.driver = MagicMock(spec=neo4j.Driver)
        self.driver.execute_query.side_effect = self._execute_query
        self.state = state
        self.executed: list[tuple[str, dict[str, Any]]] = []
        self.session = MagicMock(spec=neo4j.Session)
        self.session.__enter__.return_value = self.session
        self.session.begin_transaction.side_effect = self._begin
        self.driver.session.return_value = self.session
        self.transactions: list[MagicMock] = []
        #: ``(transaction number, query, params)`` of every statement in a transaction.
        self.statements: list[tuple[int, str, dict[str, Any]]] = []
        self.fail: BaseException | None = None

    def _execute_query(self, query: str, params: Any = None, **kwargs: Any) -> Any:
        self.executed.append((query, {**(params or {}), **kwargs}))
        if query == WRITER_LOCK_TAKE:  # the writer lock is free: taken by this owner
            return [{"taken": True, "owner": kwargs["owner"], "kind": "ingest"}], None, None
        records = [self.state] if query == DELIVERY_GET and self.state else []
        return records, None, None

    def _begin(self) -> MagicMock:
        tx = MagicMock(spec=neo4j.Transaction)
        tx.closed.return_value = False
        number = len(self.transactions)

        def run(query: str, params: dict[str, Any] | None = None, **kw: Any) -> MagicMock:
            if self.fail is not None and query.lstrip().startswith("CYPHER"):
                raise self.fail
            self.statements.append((number, query, {**(params or {}), **kw}))
            return MagicMock(spec=neo4j.Result)

        tx.run.side_effect = run
        self.transactions.append(tx)
        return tx

    def data_rows(self) -> list[int]:
        return [len(p["rows"]) for _, q, p in self.statements if "rows" in p]


def _checked(nodes: int, links: int, checksum: str = "sha-1") -> CheckedDelivery:
    manifest = Manifest(
        directory=Path("POL-20261101-01"),
        partner="POL",
        delivery_id="POL-20261101-01",
        extract_date=date(2026, 11, 1),
        legal_basis="WPG",
        retain_until=date(2031, 11, 1),
        reject_threshold=0.05,
        region="Limburg",
        files=(),
    )
    return CheckedDelivery(manifest, [], checksum, rows=nodes, nodes=nodes, links=links)


def _people(n: int) -> list[tuple[list[NodeRecord], list[LinkRecord]]]:
    """``n`` rows, each one person living at one shared address (the address merged once)."""
    address: NodeRecord = (NodeLabel.ADDRESS, "6211AB-1", {"region": "Limburg"})
    out: list[tuple[list[NodeRecord], list[LinkRecord]]] = []
    for i in range(n):
        person: NodeRecord = (NodeLabel.PERSON, f"PRS-{i:026d}", {"birth_year": 1980})
        link: LinkRecord = (
            RelType.LIVES_AT,
            NodeLabel.PERSON,
            person[1],
            NodeLabel.ADDRESS,
            "6211AB-1",
            {},
        )
        out.append(([person, address], [link]))
    return out


def test_an_entity_seen_first_without_properties_gets_them_from_a_later_row() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def run(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        calls.append((query, params))
        return []

    writer = BatchWriter(run, KVK, batch_size=100)
    # an employer named by a payroll row (no properties), then the company row itself
    writer.add([(NodeLabel.COMPANY, "12345678", {})], [])
    writer.add([(NodeLabel.COMPANY, "12345678", {"sbi": "4941", "name": "X"})], [])
    writer.add([(NodeLabel.COMPANY, "12345678", {"sbi": "4941"})], [])  # nothing new
    writer.add([(NodeLabel.COMPANY, "12345678", {"legal_form": "BV", "sbi": "4941"})], [])
    writer.flush()
    rows = [r for q, p in calls if "MERGE (n:`Company`" in q for r in p["rows"]]
    assert [r["props"] for r in rows] == [{}, {"sbi": "4941", "name": "X"}, {"legal_form": "BV"}]


def test_a_delivery_is_recorded_then_written_in_one_transaction_and_committed() -> None:
    fake = _Neo4j()
    checked = _checked(nodes=4, links=3)
    result = write_delivery(fake.driver, checked, _people(3), database=DB, batch_size=100)
    assert result == WriteResult("POL-20261101-01", "committed", 4, 3, 3)
    (get, get_params), (start, start_params) = fake.executed
    assert get == DELIVERY_GET
    assert get_params == {
        "id": "POL-20261101-01",
        "database_": DB,
        "routing_": neo4j.RoutingControl.READ,
    }
    assert start == DELIVERY_START
    assert start_params == {**delivery_params(checked), "database_": DB}
    fake.driver.session.assert_called_once_with(database=DB)
    assert len(fake.transactions) == 1
    queries = [q for _, q, _ in fake.statements]
    assert queries == [
        write_nodes(NodeLabel.PERSON),
        write_nodes(NodeLabel.ADDRESS),
        write_links(RelType.LIVES_AT, NodeLabel.PERSON, NodeLabel.ADDRESS),
        DELIVERY_COMMIT,
    ]
    assert fake.statements[-1][2] == {"id": "POL-20261101-01", "nodes": 4, "links": 3}
    # Every data statement carries the delivery's source for the provenance merge.
    for _, _query, params in fake.statements[:-1]:
        assert params["partner"] == "POL"
        assert params["delivery"] == "POL-20261101-01"
        assert params["extract_date"] == date(2026, 11, 1)
        assert params["retain_until"] == date(2031, 11, 1)
    fake.transactions[0].commit.assert_called_once_with()


def _write_ten(fake: _Neo4j, **options: Any) -> WriteResult:
    """Ten people at one address (11 nodes, 10 links) written with ``options``."""
    return write_delivery(
        fake.driver, _checked(nodes=11, links=10), _people(10), database=DB, **options
    )


def test_batches_follow_the_batch_size() -> None:
    fake = _Neo4j()
    batches: list[int] = []
    result = _write_ten(fake, batch_size=6, on_batch=batches.append)
    # A flush after every row that brings the buffer to 6 records (3 rows of person + address
    # + link, the address only once), each flush one statement per label and link type.
    assert sum(r for r in fake.data_rows()) == 21
    assert result.batches == len(fake.data_rows()) == len(batches)
    assert batches == fake.data_rows()
    assert max(fake.data_rows()) <= 6
    assert (result.nodes, result.links) == (11, 10)


def test_a_delivery_over_the_transaction_budget_commits_in_chunks() -> None:
    fake = _Neo4j()
    result = _write_ten(fake, batch_size=4, max_transaction_records=8)
    assert result.status == "committed"
    chunks = len(fake.transactions)
    assert chunks > 1
    for tx in fake.transactions:
        tx.commit.assert_called_once_with()
    # Each chunk but the last flags itself committed; the last one commits the delivery.
    flags = [(n, p) for n, q, p in fake.statements if q == DELIVERY_CHUNK_COMMITTED]
    assert [n for n, _ in flags] == list(range(chunks - 1))
    assert all(p == {"id": "POL-20261101-01"} for _, p in flags)
    last = [(n, q) for n, q, _ in fake.statements if q == DELIVERY_COMMIT]
    assert last == [(chunks - 1, DELIVERY_COMMIT)]
    assert sum(fake.data_rows()) == 21


def test_a_committed_delivery_with_the_same_checksum_is_skipped_without_writing() -> None:
    fake = _Neo4j({"status": "committed", "checksum": "sha-1"})
    result = write_delivery(fake.driver, _checked(4, 3), _people(3), database=DB)
    assert result == WriteResult("POL-20261101-01", "skipped", 0, 0, 0)
    assert [q for q, _ in fake.executed] == [DELIVERY_GET]
    fake.driver.session.assert_not_called()


def test_a_committed_delivery_id_with_other_files_is_refused_before_any_write() -> None:
    fake = _Neo4j({"status": "committed", "checksum": "sha-OTHER"})
    with pytest.raises(DeliveryError, match="checksum differs"):
        write_delivery(fake.driver, _checked(4, 3), _people(3), database=DB)
    assert [q for q, _ in fake.executed] == [DELIVERY_GET]
    fake.driver.session.assert_not_called()


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ServiceUnavailable("gone"), "Neo4j went away while writing"),  # type: ignore[no-untyped-call]
        (SessionExpired("gone"), "Neo4j went away while writing"),  # type: ignore[no-untyped-call]
        (TransientError("heap"), "Neo4j refused a write"),
    ],
    ids=["ServiceUnavailable", "SessionExpired", "Neo4jError"],
)
def test_a_failed_write_is_a_write_error_and_the_transaction_is_not_committed(
    error: Exception, message: str
) -> None:
    fake = _Neo4j()
    fake.fail = error
    with pytest.raises(WriteError, match=message) as raised:
        write_delivery(fake.driver, _checked(4, 3), _people(3), database=DB)
    assert raised.value.__cause__ is error
    assert "nothing of this delivery was committed" in str(raised.value)
    (tx,) = fake.transactions
    tx.commit.assert_not_called()
    tx.close.assert_called_once_with()  # rolled back
    assert not any(q == DELIVERY_COMMIT for _, q, _ in fake.statements)


def test_a_delivery_that_fails_its_check_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline checks before it writes: a refused delivery sends no data statement."""
    import graph.schema
    from ingest.pipeline import ingest_deliveries

    schema: list[str] = []
    monkeypatch.setattr(
        graph.schema, "apply_schema", lambda driver, *, database: schema.append(database)
    )
    fake = _Neo4j()
    bad = tmp_path / "POL-20261101-01"
    bad.mkdir()  # no manifest
    with pytest.raises(DeliveryError):
        ingest_deliveries(
            fake.driver,
            [bad],
            mappings={},
            geography=MagicMock(),
            database=DB,
            rejects_dir=tmp_path / "rejects",
        )
    assert schema == [DB]  # the schema first, as for every ingest
    # only the writer lock taken and released: not even the delivery's record
    assert [q for q, _ in fake.executed] == [WRITER_LOCK_TAKE, WRITER_LOCK_RELEASE]
    fake.driver.session.assert_not_called()
    assert fake.statements == []
