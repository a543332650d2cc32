"""Write a checked delivery to Neo4j: batched ``UNWIND $rows ... MERGE``, all or nothing.

A delivery is written in **one transaction** when it fits the transaction budget
(:data:`DEFAULT_MAX_TRANSACTION_RECORDS`; ``docs/decisions/021-all-or-nothing.md``): the batches
are statements inside that transaction, so until it commits nothing of the delivery is
visible to any reader, and a crash (even ``kill -9`` of the server) leaves the graph as it
was. Before the data a small transaction records the ``(:Delivery)`` node with status
``loading``; the data's last transaction sets it ``committed``.

A delivery larger than the budget (Neo4j holds a transaction's changes in heap) is written in
several transactions. Every write is idempotent (``MERGE`` on constrained keys, provenance
merged in the same statement by the rules of :func:`merge_sources`, which leave a fact
unchanged when the same source delivers it again), so a re-run after a crash ends in exactly
the state of a clean run; until then the delivery's record says ``loading`` and
:data:`ingest.queries.LOADING_DELIVERIES` lets readers wait for it. Each chunk's transaction
also counts itself in the record's ``chunks_committed`` (cleared when the delivery commits), so
readers can tell a delivery whose data is partly visible (the API refuses live-graph reads
then, ``docs/decisions/047-api-refuses-while-partly-loaded.md``). A committed delivery with
the same checksum is skipped, so ingesting the same delivery twice changes nothing.

Entity nodes are merged before the links of the same batch, so a link always finds both ends.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from graph.model import NodeLabel, RelType
from graph.values import native
from ingest.delivery import CheckedDelivery
from ingest.errors import DeliveryError, WriteError
from ingest.mapping import LinkRecord, NodeRecord
from ingest.queries import (
    CONTENT_LINKS,
    CONTENT_NODES,
    DELIVERY_CHUNK_COMMITTED,
    DELIVERY_COMMIT,
    DELIVERY_GET,
    DELIVERY_START,
    LINK_IDENTITY,
    SOURCE_LISTS,
    write_links,
    write_nodes,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_MAX_TRANSACTION_RECORDS",
    "BatchWriter",
    "Source",
    "WriteResult",
    "content_checksum",
    "delivery_params",
    "merge_sources",
    "write_delivery",
]

#: Records buffered (over all labels and link types) before a flush. Every flush sends one
#: statement per group, so small batches mean many small statements: KVK + BD of the medium
#: preset took 66 s with 5,000 and 50 s with 20,000 (``docs/ingest.md``).
DEFAULT_BATCH_SIZE: Final = 20_000

#: Records (nodes plus links) a delivery may have to be written in one transaction. Neo4j keeps
#: a transaction's changes in heap, 5+ KB per record with provenance (measured on the
#: medium preset), so the 1 GB heap of a test instance holds about this many.
DEFAULT_MAX_TRANSACTION_RECORDS: Final = 50_000

#: Called after each batch with the number of records just written.
BatchHook = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What writing one delivery did."""

    delivery_id: str
    status: str  # "committed" or "skipped" (already committed with the same checksum)
    nodes: int
    links: int
    batches: int


@dataclass(frozen=True, slots=True)
class Source:
    """The source a delivery adds to every fact it holds (``docs/graph-model.md``)."""

    partner: str
    legal_basis: str
    delivery: str
    extract_date: date
    retain_until: date


def source_of(checked: CheckedDelivery) -> Source:
    """The provenance source of a checked delivery."""
    m = checked.manifest
    return Source(m.partner, m.legal_basis, m.delivery_id, m.extract_date, m.retain_until)


def merge_sources(existing: Mapping[str, Any] | None, source: Source) -> dict[str, Any]:
    """The provenance properties of a fact after ``source`` delivered it (again).

    A new (partner, legal basis) appends an entry to the aligned ``src_*`` lists; a known one
    moves its first/last seen dates outward, its retain_until to the later date, and its
    delivery to the latest by extract date. The summaries follow from the lists. The bulk import
    uses this function; incremental ingest applies the same rules in Cypher
    (``ingest.queries._MERGE_SOURCE``), and the integration tests check that both reach the same
    content checksum.
    """
    lists = [
        [native(v) for v in (existing.get(name) or [])] if existing else [] for name in SOURCE_LISTS
    ]
    sp, sb, sd, sf, sl, sr = lists
    index = next(
        (i for i in range(len(sp)) if sp[i] == source.partner and sb[i] == source.legal_basis),
        None,
    )
    if index is None:
        sp.append(source.partner)
        sb.append(source.legal_basis)
        sd.append(source.delivery)
        sf.append(source.extract_date)
        sl.append(source.extract_date)
        sr.append(source.retain_until)
    else:
        if source.extract_date >= sl[index]:
            sd[index] = source.delivery
        sf[index] = min(sf[index], source.extract_date)
        sl[index] = max(sl[index], source.extract_date)
        sr[index] = max(sr[index], source.retain_until)
    props: dict[str, Any] = dict(zip(SOURCE_LISTS, lists, strict=True))
    props["partners"] = list(dict.fromkeys(sp))
    props["first_seen"] = min(sf)
    props["last_seen"] = max(sl)
    props["retain_until"] = max(sr)
    return props


#: Runs one statement with parameters and returns its records as dicts.
Runner = Callable[[str, dict[str, Any]], list[dict[str, Any]]]


class BatchWriter:
    """Buffers records per label and link type and flushes them as ``UNWIND`` batches.

    ``run`` executes one statement (a transaction's ``run`` in production). Per group and batch a
    flush sends ONE statement that merges the facts, sets their properties and merges the
    delivery's source into their provenance in Cypher (the rules of :func:`merge_sources`; no
    read round trip). Nodes are always flushed before links, so a link finds both its ends.
    Rows are buffered already in the shape the statement takes, so a flush builds nothing.
    """

    def __init__(
        self,
        run: Runner,
        source: Source,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: BatchHook | None = None,
    ) -> None:
        self._run = run
        self._params: dict[str, Any] = {
            "partner": source.partner,
            "legal_basis": source.legal_basis,
            "delivery": source.delivery,
            "extract_date": source.extract_date,
            "retain_until": source.retain_until,
        }
        self._batch_size = batch_size
        self._on_batch = on_batch
        self._nodes: dict[NodeLabel, list[dict[str, Any]]] = defaultdict(list)
        self._links: dict[tuple[RelType, NodeLabel, NodeLabel], list[dict[str, Any]]] = defaultdict(
            list
        )
        # per entity key, the names of the properties this delivery has written for it so far
        self._seen: dict[tuple[NodeLabel, str], set[str]] = {}
        self._buffered = 0
        self.nodes = 0
        self.links = 0
        self.batches = 0

    def add(self, nodes: Iterable[NodeRecord], links: Iterable[LinkRecord]) -> None:
        """Buffer one row's records; flushes when the buffer holds a batch."""
        seen = self._seen
        for label, node_id, props in nodes:
            key = (label, node_id)
            written = seen.get(key)
            if written is None:
                seen[key] = set(props)
            else:
                # The entity again in this delivery: conflicting values were refused by the
                # check, so only properties not written yet are news (an employer named by
                # the payroll before the tax office's company row with its SBI code).
                news = {k: v for k, v in props.items() if k not in written}
                if not news:
                    continue
                written.update(news)
                props = news
            self._nodes[label].append({"id": node_id, "props": props})
            self._buffered += 1
        for rel, source_label, source, target_label, target, props in links:
            row: dict[str, Any] = {"source": source, "target": target, "props": props}
            if rel in LINK_IDENTITY:
                row["key"] = props.get(LINK_IDENTITY[rel])
            self._links[(rel, source_label, target_label)].append(row)
            self._buffered += 1
        if self._buffered >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered: all node groups first, then all link groups."""
        for label, node_rows in self._nodes.items():
            if node_rows:
                self._write(write_nodes(label), node_rows)
                self.nodes += len(node_rows)
        for (rel, source, target), link_rows in self._links.items():
            if link_rows:
                self._write(write_links(rel, source, target), link_rows)
                self.links += len(link_rows)
        self._nodes.clear()
        self._links.clear()
        self._buffered = 0

    def _write(self, query: str, rows: list[dict[str, Any]]) -> None:
        self._run(query, {**self._params, "rows": rows})
        self.batches += 1
        if self._on_batch is not None:
            self._on_batch(len(rows))


def delivery_params(checked: CheckedDelivery) -> dict[str, Any]:
    """The `:Delivery` node's properties from a checked delivery (incremental and bulk)."""
    m = checked.manifest
    return {
        "id": m.delivery_id,
        "partner": m.partner,
        "extract_date": m.extract_date,
        "legal_basis": m.legal_basis,
        "retain_until": m.retain_until,
        "checksum": checked.checksum,
        "rows": checked.rows,
        "rejected": checked.rejects.count,
        "region": m.region,
    }


def delivery_state(driver: neo4j.Driver, delivery_id: str, *, database: str) -> dict[str, Any]:
    """``{status, checksum}`` of a recorded delivery, or ``{}``."""
    records, _, _ = driver.execute_query(
        DELIVERY_GET, id=delivery_id, database_=database, routing_=neo4j.RoutingControl.READ
    )
    return dict(records[0]) if records else {}


def write_delivery(
    driver: neo4j.Driver,
    checked: CheckedDelivery,
    records: Iterable[tuple[list[NodeRecord], list[LinkRecord]]],
    *,
    database: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_transaction_records: int | None = DEFAULT_MAX_TRANSACTION_RECORDS,
    force: bool = False,
    on_batch: BatchHook | None = None,
) -> WriteResult:
    """Write a checked delivery; see the module docstring.

    ``records`` is the stream from :func:`ingest.delivery.iter_records`. A delivery with at
    most ``max_transaction_records`` records (``None``: no limit) is written in one transaction;
    a larger one in transactions of about that many records, with its ``(:Delivery)`` record
    ``loading`` until the last one commits. With ``force`` a delivery already committed with
    the same checksum is written again (a no-op by ``MERGE`` and :func:`merge_sources`).
    """
    delivery_id = checked.delivery_id
    total = checked.nodes + checked.links
    chunked = max_transaction_records is not None and total > max_transaction_records
    try:
        if _already_committed(driver, checked, database=database, force=force):
            return WriteResult(delivery_id, "skipped", 0, 0, 0)
        driver.execute_query(DELIVERY_START, delivery_params(checked), database_=database)
        with (
            driver.session(database=database) as session,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="knooppunt-write") as sender,
        ):
            stream = _Stream(
                session,
                sender,
                delivery_id=delivery_id,
                batch_size=batch_size,
                limit=max_transaction_records if chunked else None,
                on_batch=on_batch,
            )
            try:
                writer = BatchWriter(
                    stream.run,
                    source_of(checked),
                    batch_size=batch_size,
                    on_batch=stream.after_batch,
                )
                for nodes, links in records:
                    writer.add(nodes, links)
                writer.flush()
                stream.commit(nodes=writer.nodes, links=writer.links)
            finally:
                stream.close()
    except (ServiceUnavailable, SessionExpired) as e:
        raise WriteError(
            f"delivery {delivery_id}: Neo4j went away while writing; " + _unfinished(chunked)
        ) from e
    except Neo4jError as e:
        raise WriteError(
            f"delivery {delivery_id}: Neo4j refused a write ({e.code}); " + _unfinished(chunked)
        ) from e
    return WriteResult(delivery_id, "committed", writer.nodes, writer.links, writer.batches)


def _already_committed(
    driver: neo4j.Driver, checked: CheckedDelivery, *, database: str, force: bool
) -> bool:
    """Whether the delivery is committed already and is skipped (unless ``force``); a committed
    delivery id with other files is refused."""
    state = delivery_state(driver, checked.delivery_id, database=database)
    if state.get("status") != "committed":
        return False
    if state.get("checksum") != checked.checksum:
        raise DeliveryError(
            f"delivery {checked.delivery_id} was committed before with other files "
            "(checksum differs); a correction needs a new delivery id"
        )
    return not force


class _Stream:
    """One delivery's statements, run in order by a sender thread in transactions of about
    ``limit`` records (``None``: one transaction).

    Statements are queued to the sender thread while the caller builds the next batches (the
    driver blocks until a statement has run), up to about two batches of records ahead. The
    transaction passes between the two threads and is never used by both at once: the
    caller's thread touches it only after the queue is drained (chunk commits, the final
    commit).
    """

    def __init__(
        self,
        session: neo4j.Session,
        sender: ThreadPoolExecutor,
        *,
        delivery_id: str,
        batch_size: int,
        limit: int | None,
        on_batch: BatchHook | None,
    ) -> None:
        self._session = session
        self._sender = sender
        self._delivery_id = delivery_id
        self._batch_size = batch_size
        self._limit = limit
        self._on_batch = on_batch
        self._tx = session.begin_transaction()
        self._in_tx = 0
        self._queued: deque[tuple[Future[None], int]] = deque()
        self._queued_records = 0

    def settle(self, keep: int = 0) -> None:
        """Wait for queued statements until at most ``keep`` records are queued."""
        while self._queued and self._queued_records > keep:
            done, size = self._queued.popleft()
            self._queued_records -= size
            done.result()  # raises the statement's error here, in order

    def run(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Queue one statement (the :class:`BatchWriter`'s runner)."""
        self.settle(keep=2 * self._batch_size)
        size = len(params["rows"])
        self._queued.append((self._sender.submit(_run_statement, self._tx, query, params), size))
        self._queued_records += size
        return []

    def after_batch(self, count: int) -> None:
        """Commit a chunk when the transaction holds ``limit`` records; report the batch."""
        self._in_tx += count
        if self._limit is not None and self._in_tx >= self._limit:
            self.settle()
            # Flag the partial visibility in the chunk's own transaction: no crash can leave
            # committed data of this delivery without it (decision 047).
            self._tx.run(DELIVERY_CHUNK_COMMITTED, id=self._delivery_id).consume()
            self._tx.commit()
            self._tx = self._session.begin_transaction()
            self._in_tx = 0
        if self._on_batch is not None:
            self._on_batch(count)

    def commit(self, *, nodes: int, links: int) -> None:
        """Run what is queued and commit the last transaction with the delivery's record."""
        self.settle()
        self._tx.run(DELIVERY_COMMIT, id=self._delivery_id, nodes=nodes, links=links).consume()
        self._tx.commit()

    def close(self) -> None:
        """Wait out what is still queued and close an open transaction (rolls it back)."""
        for future, _ in self._queued:
            with suppress(Exception):  # the first error is already on its way up
                future.result()
        if self._tx.closed() is False:
            self._tx.close()


def _run_statement(tx: neo4j.Transaction, query: str, params: dict[str, Any]) -> None:
    tx.run(query, params).consume()


def _unfinished(chunked: bool) -> str:
    if chunked:
        return (
            "the delivery is not complete (its record stays 'loading'; parts written in "
            "earlier transactions are re-applied without change): run the same ingest again"
        )
    return (
        "nothing of this delivery was committed (its record stays 'loading'): run the same "
        "ingest again"
    )


def _canonical(value: Any) -> Any:
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def content_checksum(driver: neo4j.Driver, *, database: str) -> tuple[int, int, str]:
    """``(entities, links, sha256)`` over every entity and link with all their properties.

    Delivery records (with their timestamps) are left out: two loads of the same deliveries,
    by any route (incremental, after a crash, bulk), must give the same checksum.
    """
    import hashlib
    import json

    lines: list[str] = []
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        for record in session.run(CONTENT_NODES):
            props = {k: _canonical(v) for k, v in record["props"].items()}
            lines.append(json.dumps([sorted(record["labels"]), props], sort_keys=True))
        nodes = len(lines)
        for record in session.run(CONTENT_LINKS):
            props = {k: _canonical(v) for k, v in record["props"].items()}
            lines.append(
                json.dumps(
                    [record["type"], record["source"], record["target"], props], sort_keys=True
                )
            )
    links = len(lines) - nodes
    lines.sort()
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return nodes, links, digest.hexdigest()
