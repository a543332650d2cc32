"""Every Cypher statement of the ``ingest`` package, as named constants.

Values always travel as parameters. Labels and relationship types cannot be parameters in
Cypher, so the templates below take them from :class:`graph.model.NodeLabel` and
:class:`graph.model.RelType` only (see :func:`merge_nodes`, :func:`merge_links`), never from input.

Provenance (``docs/graph-model.md``): each node and relationship holds aligned lists
``src_partner``, ``src_legal_basis``, ``src_delivery``, ``src_first_seen``, ``src_last_seen``,
``src_retain_until`` with one entry per source (partner + legal basis), and the summaries
``partners``, ``first_seen``, ``last_seen``, ``retain_until``. :data:`_PROVENANCE` updates them for
the delivery given by ``$partner``, ``$legal_basis``, ``$delivery``, ``$extract_date`` and
``$retain_until``: it adds the source, or moves its dates outward and its delivery to the latest.
"""

from __future__ import annotations

from typing import Final

from graph.model import ENTITY_LABEL, NodeLabel, RelType

__all__ = [
    "CONTENT_LINKS",
    "CONTENT_NODES",
    "COUNTS",
    "DELIVERY_COMMIT",
    "DELIVERY_GET",
    "DELIVERY_START",
    "RETENTION_DELETE_LINKS",
    "RETENTION_DELETE_NODES",
    "RETENTION_EXPIRED_LINKS",
    "RETENTION_EXPIRED_NODES",
    "RETENTION_MARK_STALE",
    "RETENTION_MARK_STALE_LINK_ENDS",
    "RETENTION_TRIM_LINKS",
    "RETENTION_TRIM_NODES",
    "merge_links",
    "merge_nodes",
]

_EMPTY_SOURCES = (
    "{v}.src_partner = [], {v}.src_legal_basis = [], {v}.src_delivery = [], "
    "{v}.src_first_seen = [], {v}.src_last_seen = [], {v}.src_retain_until = []"
)

# Index of this delivery's source in the aligned lists (-1: a new source), then the new lists
# computed in one WITH (so that no SET item reads a list another one already changed), then
# the summaries from the new lists.
_PROVENANCE = """
WITH {v}, [i IN range(0, size({v}.src_partner) - 1)
          WHERE {v}.src_partner[i] = $partner AND {v}.src_legal_basis[i] = $legal_basis] AS hit
WITH {v}, CASE WHEN size(hit) = 0 THEN -1 ELSE hit[0] END AS i
WITH {v}, i,
  CASE WHEN i < 0 THEN {v}.src_partner + $partner ELSE {v}.src_partner END AS sp,
  CASE WHEN i < 0 THEN {v}.src_legal_basis + $legal_basis ELSE {v}.src_legal_basis END AS sb,
  CASE WHEN i < 0 THEN {v}.src_delivery + $delivery
       ELSE [j IN range(0, size({v}.src_delivery) - 1) |
             CASE WHEN j = i AND $extract_date >= {v}.src_last_seen[j] THEN $delivery
                  ELSE {v}.src_delivery[j] END] END AS sd,
  CASE WHEN i < 0 THEN {v}.src_first_seen + $extract_date
       ELSE [j IN range(0, size({v}.src_first_seen) - 1) |
             CASE WHEN j = i AND $extract_date < {v}.src_first_seen[j] THEN $extract_date
                  ELSE {v}.src_first_seen[j] END] END AS sf,
  CASE WHEN i < 0 THEN {v}.src_last_seen + $extract_date
       ELSE [j IN range(0, size({v}.src_last_seen) - 1) |
             CASE WHEN j = i AND $extract_date > {v}.src_last_seen[j] THEN $extract_date
                  ELSE {v}.src_last_seen[j] END] END AS sl,
  CASE WHEN i < 0 THEN {v}.src_retain_until + $retain_until
       ELSE [j IN range(0, size({v}.src_retain_until) - 1) |
             CASE WHEN j = i AND $retain_until > {v}.src_retain_until[j] THEN $retain_until
                  ELSE {v}.src_retain_until[j] END] END AS sr
SET {v}.src_partner = sp, {v}.src_legal_basis = sb, {v}.src_delivery = sd,
    {v}.src_first_seen = sf, {v}.src_last_seen = sl, {v}.src_retain_until = sr,
    {v}.partners = reduce(acc = [], p IN sp | CASE WHEN p IN acc THEN acc ELSE acc + p END),
    {v}.first_seen = reduce(m = sf[0], d IN sf | CASE WHEN d < m THEN d ELSE m END),
    {v}.last_seen = reduce(m = sl[0], d IN sl | CASE WHEN d > m THEN d ELSE m END),
    {v}.retain_until = reduce(m = sr[0], d IN sr | CASE WHEN d > m THEN d ELSE m END)
"""

_MERGE_NODES = (
    "UNWIND $rows AS row\n"
    "MERGE (n:`{label}` {{id: row.id}})\n"
    "ON CREATE SET n:`{entity}`, " + _EMPTY_SOURCES.format(v="n") + "\n"
    "SET n += row.props" + _PROVENANCE.format(v="n")
)

_MERGE_LINKS = (
    "UNWIND $rows AS row\n"
    "MATCH (a:`{source}` {{id: row.source}})\n"
    "MATCH (b:`{target}` {{id: row.target}})\n"
    "MERGE (a)-[r:`{type}`{identity}]->(b)\n"
    "ON CREATE SET " + _EMPTY_SOURCES.format(v="r") + "\n"
    "SET r += row.props" + _PROVENANCE.format(v="r")
)

#: Link types whose relationships are told apart by one property besides their end nodes
#: (a company may be registered at one address both as office and as establishment).
LINK_IDENTITY: Final[dict[RelType, str]] = {
    RelType.REGISTERED_AT: "kind",
    RelType.ASSOCIATE: "kind",
}


def merge_nodes(label: NodeLabel) -> str:
    """``UNWIND $rows`` (``{id, props}``) ``MERGE`` of one entity label, with provenance."""
    return (
        _MERGE_NODES.replace("{label}", NodeLabel(label).value)
        .replace("{entity}", ENTITY_LABEL)
        .replace("{{", "{")
        .replace("}}", "}")
    )


def merge_links(rel: RelType, source: NodeLabel, target: NodeLabel) -> str:
    """``UNWIND $rows`` (``{source, target, key, props}``) ``MERGE`` of one link type."""
    rel = RelType(rel)
    identity = f" {{{LINK_IDENTITY[rel]}: row.key}}" if rel in LINK_IDENTITY else ""
    return (
        _MERGE_LINKS.replace("{source}", NodeLabel(source).value)
        .replace("{target}", NodeLabel(target).value)
        .replace("{type}", rel.value)
        .replace("{identity}", identity)
        .replace("{{", "{")
        .replace("}}", "}")
    )


#: The delivery's record, before its data: status ``loading`` until the data commits.
DELIVERY_START: Final = """
MERGE (d:Delivery {id: $id})
SET d.partner = $partner, d.extract_date = $extract_date, d.legal_basis = $legal_basis,
    d.retain_until = $retain_until, d.checksum = $checksum, d.rows = $rows,
    d.rejected = $rejected, d.region = $region, d.status = 'loading',
    d.started_at = datetime(), d.committed_at = null
"""

#: In the delivery's own transaction, after its last batch: the delivery is now visible.
DELIVERY_COMMIT: Final = """
MATCH (d:Delivery {id: $id})
SET d.status = 'committed', d.committed_at = datetime(), d.nodes = $nodes, d.links = $links
"""

DELIVERY_GET: Final = """
MATCH (d:Delivery {id: $id})
RETURN d.status AS status, d.checksum AS checksum
"""

#: Node and relationship counts (tests, summaries).
COUNTS: Final = """
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS links }
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
