"""Every Cypher statement of the ``ingest`` package, as named constants.

Values always travel as parameters. Labels and relationship types cannot be parameters in
Cypher, so the templates below take them from :class:`graph.model.NodeLabel` and
:class:`graph.model.RelType` only (see :func:`write_nodes`, :func:`write_links`), never from input.

Provenance (``docs/graph-model.md``): each node and relationship holds aligned lists
``src_partner``, ``src_legal_basis``, ``src_delivery``, ``src_first_seen``, ``src_last_seen``,
``src_retain_until`` with one entry per source (partner + legal basis), and the summaries
``partners``, ``first_seen``, ``last_seen``, ``retain_until``. The write statements merge the
delivery's source (parameters ``$partner``, ``$legal_basis``, ``$delivery``, ``$extract_date``,
``$retain_until``) into those lists in Cypher, in the same statement as the ``MERGE``
(:data:`_MERGE_SOURCE`): one statement per group and batch, no read round trip. The rules are
those of :func:`ingest.writer.merge_sources` (the Python version the bulk import uses); the
integration tests check that both routes reach the same content checksum.
"""

from __future__ import annotations

from typing import Final

from graph.model import ENTITY_LABEL, NodeLabel, RelType, graph_model

__all__ = [
    "ANY_NODE",
    "CONTENT_LINKS",
    "CONTENT_NODES",
    "COUNTS",
    "DELIVERY_CHUNK_COMMITTED",
    "DELIVERY_COMMIT",
    "DELIVERY_GET",
    "DELIVERY_START",
    "LOADING_DELIVERIES",
    "RETENTION_CLUSTER_KEY_PLAYERS",
    "RETENTION_DELETE_LINKS",
    "RETENTION_DELETE_NODES",
    "RETENTION_DOOMED_IDS",
    "RETENTION_EXPIRED_LINKS",
    "RETENTION_EXPIRED_NODES",
    "RETENTION_MARK_STALE",
    "RETENTION_MARK_STALE_LINK_ENDS",
    "RETENTION_SET_KEY_PLAYERS",
    "RETENTION_TRIM_LINKS",
    "RETENTION_TRIM_NODES",
    "WRITER_LOCK_BEAT",
    "WRITER_LOCK_RELEASE",
    "WRITER_LOCK_TAKE",
    "write_links",
    "write_nodes",
]

#: The batch statements keep their first plan: they only seek by unique id, and an initial load
#: grows the statistics so fast that Neo4j would otherwise replan them again and again (each
#: plan costs up to a second on this machine).
_PLAN = "CYPHER replan=skip\n"

#: The aligned provenance lists (:func:`ingest.writer.merge_sources`, bulk import), in the order
#: of the graph model's ``provenance.per_source``.
SOURCE_LISTS: Final = graph_model().provenance.per_source

#: Merge the delivery's source into the provenance of ``{v}`` (a node or relationship just
#: merged): a new (partner, legal basis) appends an entry to the aligned lists; a known one moves
#: its first/last seen outward, its retain_until to the later date and its delivery to the latest
#: by extract date. All new lists are computed from the old ones, then ONE ``SET +=`` writes
#: them with the row's properties (fewer Eager barriers than separate ``SET`` clauses).
_MERGE_SOURCE = """
WITH {v}, row.props AS props, coalesce({v}.src_partner, []) AS sp,
     coalesce({v}.src_legal_basis, []) AS sb, coalesce({v}.src_delivery, []) AS sd,
     coalesce({v}.src_first_seen, []) AS sf, coalesce({v}.src_last_seen, []) AS sl,
     coalesce({v}.src_retain_until, []) AS sr
WITH {v}, props, sp, sb, sd, sf, sl, sr,
     head([j IN range(0, size(sp) - 1) WHERE sp[j] = $partner AND sb[j] = $legal_basis]) AS i
WITH {v}, props,
  CASE WHEN i IS NULL THEN sp + $partner ELSE sp END AS sp,
  CASE WHEN i IS NULL THEN sb + $legal_basis ELSE sb END AS sb,
  CASE WHEN i IS NULL THEN sd + $delivery
       WHEN $extract_date >= sl[i] THEN sd[..i] + $delivery + sd[i + 1..]
       ELSE sd END AS sd,
  CASE WHEN i IS NULL THEN sf + $extract_date
       WHEN $extract_date < sf[i] THEN sf[..i] + $extract_date + sf[i + 1..]
       ELSE sf END AS sf,
  CASE WHEN i IS NULL THEN sl + $extract_date
       WHEN $extract_date > sl[i] THEN sl[..i] + $extract_date + sl[i + 1..]
       ELSE sl END AS sl,
  CASE WHEN i IS NULL THEN sr + $retain_until
       WHEN $retain_until > sr[i] THEN sr[..i] + $retain_until + sr[i + 1..]
       ELSE sr END AS sr
SET {v} += props {
  .*, src_partner: sp, src_legal_basis: sb, src_delivery: sd,
  src_first_seen: sf, src_last_seen: sl, src_retain_until: sr,
  partners: reduce(acc = [], p IN sp | CASE WHEN p IN acc THEN acc ELSE acc + p END),
  first_seen: reduce(m = sf[0], d IN sf | CASE WHEN d < m THEN d ELSE m END),
  last_seen: reduce(m = sl[0], d IN sl | CASE WHEN d > m THEN d ELSE m END),
  retain_until: reduce(m = sr[0], d IN sr | CASE WHEN d > m THEN d ELSE m END)
}
"""

_WRITE_NODES = (
    _PLAN + "UNWIND $rows AS row\n"
    "MERGE (n:`{label}` {id: row.id})\n"
    "ON CREATE SET n:`{entity}`" + _MERGE_SOURCE.replace("{v}", "n")
)

# Both ends by their unique index first, then the link between the bound ends (Expand(Into)).
# As one pattern, the planner expanded from one end and filtered the other, which was two
# orders of magnitude slower inside a large transaction (measured on the medium preset).
_WRITE_LINKS = (
    _PLAN + "UNWIND $rows AS row\n"
    "MATCH (a:`{source}` {id: row.source})\n"
    "MATCH (b:`{target}` {id: row.target})\n"
    "MERGE (a)-[r:`{type}`{identity}]->(b)" + _MERGE_SOURCE.replace("{v}", "r")
)

#: Link types whose relationships are told apart by one property besides their end nodes
#: (a company may be registered at one address both as office and as establishment).
LINK_IDENTITY: Final[dict[RelType, str]] = {
    RelType.REGISTERED_AT: "kind",
    RelType.ASSOCIATE: "kind",
}


def write_nodes(label: NodeLabel) -> str:
    """``UNWIND $rows`` (``{id, props}``) ``MERGE`` of one label, merging the source in."""
    return _WRITE_NODES.replace("{label}", NodeLabel(label).value).replace("{entity}", ENTITY_LABEL)


def _link_template(template: str, rel: RelType, source: NodeLabel, target: NodeLabel) -> str:
    rel = RelType(rel)
    identity = f" {{{LINK_IDENTITY[rel]}: row.key}}" if rel in LINK_IDENTITY else ""
    return (
        template.replace("{source}", NodeLabel(source).value)
        .replace("{target}", NodeLabel(target).value)
        .replace("{type}", rel.value)
        .replace("{identity}", identity)
    )


def write_links(rel: RelType, source: NodeLabel, target: NodeLabel) -> str:
    """``UNWIND $rows`` (``{source, target, key, props}``) ``MERGE`` of one link type, ditto."""
    return _link_template(_WRITE_LINKS, rel, source, target)


#: The delivery's record, before its data: status ``loading`` until the data commits.
DELIVERY_START: Final = """
MERGE (d:Delivery {id: $id})
SET d.partner = $partner, d.extract_date = $extract_date, d.legal_basis = $legal_basis,
    d.retain_until = $retain_until, d.checksum = $checksum, d.rows = $rows,
    d.rejected = $rejected, d.region = $region, d.status = 'loading',
    d.started_at = datetime(), d.committed_at = null
"""

#: In each chunk's own transaction of a chunked delivery, just before it commits: from this
#: commit on, part of the delivery is visible, and the flag commits (or not) with that part.
#: Kept across re-runs until the delivery commits (``docs/decisions/047``).
DELIVERY_CHUNK_COMMITTED: Final = """
MATCH (d:Delivery {id: $id})
SET d.chunks_committed = coalesce(d.chunks_committed, 0) + 1
"""

#: In the delivery's own transaction, after its last batch: the delivery is now visible, and
#: whole, so the partial-visibility flag goes.
DELIVERY_COMMIT: Final = """
MATCH (d:Delivery {id: $id})
SET d.status = 'committed', d.committed_at = datetime(), d.nodes = $nodes, d.links = $links,
    d.chunks_committed = null
"""

#: Deliveries being written (or left half-written by a crash until they are ingested again).
#: Readers that need a consistent graph (analysis) wait while this returns rows.
LOADING_DELIVERIES: Final = """
MATCH (d:Delivery) WHERE d.status = 'loading'
RETURN d.id AS id, d.started_at AS started_at
ORDER BY d.id
"""

DELIVERY_GET: Final = """
MATCH (d:Delivery {id: $id})
RETURN d.status AS status, d.checksum AS checksum
"""

#: Whether the database holds any node (bulk import needs an empty one).
ANY_NODE: Final = "MATCH (n) RETURN count(n) > 0 AS any"

#: Node and relationship counts (tests, summaries); a writer lock is not data.
COUNTS: Final = f"""
CALL () {{ MATCH (n) WHERE NOT n:{NodeLabel.WRITER_LOCK} RETURN count(n) AS nodes }}
CALL () {{ MATCH ()-[r]->() RETURN count(r) AS links }}
RETURN nodes, links
"""

#: Every entity with its labels and properties, in a stable order (content checksums).
CONTENT_NODES: Final = """
MATCH (n:Entity)
RETURN labels(n) AS labels, properties(n) AS props
ORDER BY n.id
"""

#: Every relationship between entities, with its end ids (content checksums).
CONTENT_LINKS: Final = """
MATCH (a:Entity)-[r]->(b:Entity)
RETURN type(r) AS type, a.id AS source, b.id AS target, properties(r) AS props
"""

# -- retention ----------------------------------------------------------------------------------

#: Entities holding at least one source past its retain_until (ids, batched by the caller).
RETENTION_EXPIRED_NODES: Final = """
MATCH (n:Entity)
WHERE any(d IN n.src_retain_until WHERE d < $as_of)
RETURN elementId(n) AS eid
"""

RETENTION_EXPIRED_LINKS: Final = """
MATCH (:Entity)-[r]->(:Entity)
WHERE any(d IN r.src_retain_until WHERE d < $as_of)
RETURN elementId(r) AS eid
"""

_TRIM = """
UNWIND $eids AS eid
{match}
WITH {v}, [i IN range(0, size({v}.src_partner) - 1)
          WHERE NOT {v}.src_retain_until[i] < $as_of] AS keep
WHERE size(keep) > 0
WITH {v}, keep,
  [i IN keep | {v}.src_partner[i]] AS sp, [i IN keep | {v}.src_legal_basis[i]] AS sb,
  [i IN keep | {v}.src_delivery[i]] AS sd, [i IN keep | {v}.src_first_seen[i]] AS sf,
  [i IN keep | {v}.src_last_seen[i]] AS sl, [i IN keep | {v}.src_retain_until[i]] AS sr
SET {v}.src_partner = sp, {v}.src_legal_basis = sb, {v}.src_delivery = sd,
    {v}.src_first_seen = sf, {v}.src_last_seen = sl, {v}.src_retain_until = sr,
    {v}.partners = reduce(acc = [], p IN sp | CASE WHEN p IN acc THEN acc ELSE acc + p END),
    {v}.first_seen = reduce(m = sf[0], d IN sf | CASE WHEN d < m THEN d ELSE m END),
    {v}.last_seen = reduce(m = sl[0], d IN sl | CASE WHEN d > m THEN d ELSE m END),
    {v}.retain_until = reduce(m = sr[0], d IN sr | CASE WHEN d > m THEN d ELSE m END)
RETURN count({v}) AS trimmed
"""

#: Drop the expired sources of entities that keep at least one source.
RETENTION_TRIM_NODES: Final = _TRIM.replace(
    "{match}", "MATCH (n) WHERE elementId(n) = eid"
).replace("{v}", "n")

#: Drop the expired sources of relationships that keep at least one source.
RETENTION_TRIM_LINKS: Final = _TRIM.replace(
    "{match}", "MATCH ()-[r]->() WHERE elementId(r) = eid"
).replace("{v}", "r")

_STALE_TAIL = f"""
MATCH (n)-[:`{RelType.MEMBER_OF_CLUSTER.value}`]->(c:`{NodeLabel.CLUSTER.value}`)
SET c.stale = true
WITH DISTINCT c
OPTIONAL MATCH (a:`{NodeLabel.ALERT.value}`)-[:`{RelType.ABOUT.value}`]->(c)
SET a.stale = true
RETURN collect(DISTINCT elementId(c)) AS clusters
"""

#: Clusters (and their alerts) that hold an entity touched by retention become stale; the next
#: analysis run recomputes them. Runs before anything is deleted.
RETENTION_MARK_STALE: Final = (
    "UNWIND $eids AS eid\nMATCH (n) WHERE elementId(n) = eid" + _STALE_TAIL
)

#: The same for the entities at either end of an expired relationship.
RETENTION_MARK_STALE_LINK_ENDS: Final = (
    "UNWIND $eids AS eid\nMATCH (x)-[r]->(y) WHERE elementId(r) = eid\nUNWIND [x, y] AS n"
    + _STALE_TAIL
)

#: Relationships with no source left.
RETENTION_DELETE_LINKS: Final = """
UNWIND $eids AS eid
MATCH ()-[r]->() WHERE elementId(r) = eid AND all(d IN r.src_retain_until WHERE d < $as_of)
DELETE r
RETURN count(*) AS deleted
"""

#: Entities with no source left (their remaining relationships go with them).
RETENTION_DELETE_NODES: Final = """
UNWIND $eids AS eid
MATCH (n) WHERE elementId(n) = eid AND all(d IN n.src_retain_until WHERE d < $as_of)
DETACH DELETE n
RETURN count(*) AS deleted
"""


# --- one writer at a time (ingest.lock) ------------------------------------------------------

#: Take the graph's writer lock unless a live holder has it: the unique ``WriterLock`` node is
#: write-locked first (``touched``), so two takers serialise and the second sees the first's
#: owner. A holder is live while its heartbeat is not older than ``$stale_before``.
WRITER_LOCK_TAKE: Final = (
    f"MERGE (l:{NodeLabel.WRITER_LOCK} {{id: 'graph'}}) "
    "SET l.touched = $now "
    "WITH l, (l.owner IS NOT NULL AND l.heartbeat_at >= $stale_before) AS held "
    "SET l.owner = CASE WHEN held THEN l.owner ELSE $owner END, "
    "l.kind = CASE WHEN held THEN l.kind ELSE $kind END, "
    "l.started_at = CASE WHEN held THEN l.started_at ELSE $now END, "
    "l.heartbeat_at = CASE WHEN held THEN l.heartbeat_at ELSE $now END "
    "RETURN l.owner = $owner AS taken, l.owner AS owner, l.kind AS kind, "
    "l.started_at AS started_at"
)

#: The holder's heartbeat (``held`` 0 when the lock was taken over after a stale lease).
WRITER_LOCK_BEAT: Final = (
    f"MATCH (l:{NodeLabel.WRITER_LOCK} {{id: 'graph'}}) WHERE l.owner = $owner "
    "SET l.heartbeat_at = $now RETURN count(l) AS held"
)

#: Release the lock if this owner still holds it (the node goes: a finished run leaves none).
WRITER_LOCK_RELEASE: Final = (
    f"MATCH (l:{NodeLabel.WRITER_LOCK} {{id: 'graph'}}) WHERE l.owner = $owner "
    "DELETE l RETURN count(*) AS released"
)


# --- retention reaches derived data --------------------------------------------------------

#: The ids of the entities retention is about to delete (every source expired).
RETENTION_DOOMED_IDS: Final = """
UNWIND $eids AS eid
MATCH (n) WHERE elementId(n) = eid AND all(d IN n.src_retain_until WHERE d < $as_of)
RETURN collect(n.id) AS ids
"""

#: Key players of the clusters retention made stale (``$clusters``: element ids).
RETENTION_CLUSTER_KEY_PLAYERS: Final = f"""
UNWIND $clusters AS cid
MATCH (c:`{NodeLabel.CLUSTER.value}`) WHERE elementId(c) = cid
RETURN elementId(c) AS cid, c.key_players AS key_players
"""

#: Write a stale cluster's key players back without the deleted entities.
RETENTION_SET_KEY_PLAYERS: Final = f"""
UNWIND $rows AS row
MATCH (c:`{NodeLabel.CLUSTER.value}`) WHERE elementId(c) = row.cid
SET c.key_players = row.key_players
"""
