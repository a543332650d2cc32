"""All Cypher of the API, as named constants; every value is a parameter.

Labels and relationship types come from :mod:`graph.model`'s enums (Cypher cannot take them as
parameters). The result model read here is described in ``docs/analysis.md`` and the entity
model in ``docs/graph-model.md``; the API's own nodes are ``(:AlertStatus {id: alert_id + '|' +
org})`` holding each organisation's status of an alert, and ``(:AuditCheckpoint {id: chain})``
holding the audit chain's latest signed checkpoint (``api.audit.remote``).
"""

from __future__ import annotations

from typing import Final

from graph.model import ENTITY_LABEL as _E
from graph.model import NodeLabel as _L  # noqa: N814
from graph.model import RelType as _R  # noqa: N814

# The subgraph reads (a cluster's graph, a subject's network) are the core's one query set,
# shared with the pages and notebooks; re-exported so that their metrics carry these names.
from graph.queries import (
    SUBGRAPH_CLUSTER,
    SUBGRAPH_CLUSTER_CONTEXT,
    SUBGRAPH_CLUSTER_MEMBERS,
    SUBGRAPH_CLUSTER_OUTSIDE,
    SUBGRAPH_EXPAND,
    SUBGRAPH_EXPAND_START,
    SUBGRAPH_FIND_ENTITY,
    SUBGRAPH_FLAGGED,
    SUBGRAPH_LINKS,
    SUBGRAPH_NEIGHBOURS,
    SUBGRAPH_NODES,
)
from graph.results import AlertRecord, EventRecord, MembershipRecord, projection
from graph.subgraph.model import LINK_TYPES

#: An alert's fields (:class:`graph.results.AlertRecord`), with its datetime as epoch
#: milliseconds (hydrating Neo4j DateTime values costs far more than the rest of a page).
_ALERT = projection("a", AlertRecord, created_at="a.created_at.epochMillis")
#: The reference of the case opened from an alert ``a`` (``graph.cases``), or null.
_ALERT_CASE = f"head(COLLECT {{ MATCH (k:{_L.CASE})-[:{_R.ABOUT}]->(a) RETURN k.id }})"


#: A member's fields (:class:`graph.results.MembershipRecord` and its id).
_MEMBER = projection("r", MembershipRecord, id="m.id")
#: A history event's fields (:class:`graph.results.EventRecord`), its datetime in milliseconds.
_EVENT = projection("e", EventRecord, at="e.at.epochMillis")


def _node(v: str) -> str:
    """A node as ``{id, labels, props}`` (props include its provenance lists)."""
    return f"{{id: {v}.id, labels: labels({v}), props: properties({v})}}"


# --- health and deliveries -----------------------------------------------------------------

#: Deliveries whose data is partly visible: a chunked delivery still ``loading`` after at least
#: one of its transactions committed (``ingest.writer``; ``docs/decisions/047``). One record;
#: few Delivery nodes exist, found through the label's lookup index. No data values: the
#: delivery's id, partner and how many of its transactions committed.
PARTIAL_DELIVERIES: Final = (
    f"MATCH (d:{_L.DELIVERY}) "
    "WHERE d.status = 'loading' AND d.chunks_committed > 0 "
    "WITH d ORDER BY d.id "
    "RETURN collect({id: d.id, partner: d.partner, chunks_committed: d.chunks_committed}) "
    "AS rows"
)

#: For ``/metrics``, read at scrape time: analysis runs and deliveries per status with their
#: summed wall time, and the latest completed one of each (its duration and when it finished).
#: Durations and times are in epoch milliseconds; runs still going count without a duration.
#: One record; few AnalysisRun and Delivery nodes exist (one per run, one per delivery).
OPERATIONS_RECORDS: Final = (
    "CALL () { "
    f"MATCH (r:{_L.ANALYSIS_RUN}) "
    "WITH r.status AS status, count(*) AS n, "
    "sum(r.finished_at.epochMillis - r.started_at.epochMillis) AS millis "
    "RETURN collect({status: status, n: n, millis: millis}) AS analysis } "
    "CALL () { "
    f"MATCH (r:{_L.ANALYSIS_RUN} {{status: 'completed'}}) "
    "WITH r ORDER BY r.finished_at DESC LIMIT 1 "
    "RETURN collect({at: r.finished_at.epochMillis, "
    "millis: r.finished_at.epochMillis - r.started_at.epochMillis}) AS last_analysis } "
    "CALL () { "
    f"MATCH (d:{_L.DELIVERY}) "
    "WITH d.status AS status, count(*) AS n, "
    "sum(d.committed_at.epochMillis - d.started_at.epochMillis) AS millis, "
    "sum(coalesce(d.rows, 0)) AS rows, sum(coalesce(d.rejected, 0)) AS rejected "
    "RETURN collect({status: status, n: n, millis: millis, rows: rows, rejected: rejected}) "
    "AS deliveries } "
    "CALL () { "
    f"MATCH (d:{_L.DELIVERY} {{status: 'committed'}}) "
    "WITH d ORDER BY d.committed_at DESC LIMIT 1 "
    "RETURN collect({at: d.committed_at.epochMillis, "
    "millis: d.committed_at.epochMillis - d.started_at.epochMillis}) AS last_delivery } "
    "RETURN analysis, last_analysis, deliveries, last_delivery"
)

# --- alerts ---------------------------------------------------------------------------------

#: A page of alerts, newest first, with the caller's organisation's status.
#: ``$own_region``: only alerts concerning it (a RIEC), null for the LIEC; ``$cross_only``: only
#: alerts on cross-region clusters (the LIEC). Cursor: ``$cursor_at``/``$cursor_id`` (exclusive).
ALERTS_PAGE: Final = (
    f"MATCH (a:{_L.ALERT}) "
    "WHERE ($since IS NULL OR a.created_at >= $since) "
    "AND ($typology IS NULL OR a.typology = $typology) "
    "AND ($region IS NULL OR $region IN a.regions) "
    "AND ($own_region IS NULL OR $own_region IN a.regions) "
    "AND ($cursor_at IS NULL OR a.created_at < $cursor_at "
    "     OR (a.created_at = $cursor_at AND a.id < $cursor_id)) "
    f"MATCH (a)-[:{_R.ABOUT}]->(c:{_L.CLUSTER}) "
    "WHERE NOT $cross_only OR c.cross_region "
    f"OPTIONAL MATCH (s:{_L.ALERT_STATUS} {{id: a.id + '|' + $org}}) "
    "WITH a, c, s, CASE WHEN a.closed_reason IS NULL THEN coalesce(s.status, 'open') "
    "ELSE 'closed' END AS status "
    "WHERE $status IS NULL OR status = $status "
    "ORDER BY a.created_at DESC, a.id DESC "
    "LIMIT $limit "
    # One record holding the page: the async driver's cost is per record, not per byte.
    f"RETURN collect({{alert: {_ALERT}, cross_region: c.cross_region, status: status, "
    f"status_changed_at: s.changed_at.epochMillis, case_reference: {_ALERT_CASE}}}) AS page"
)

#: One alert with its cluster's summary and every organisation's status.
ALERT_DETAIL: Final = (
    f"MATCH (a:{_L.ALERT} {{id: $id}})-[:{_R.ABOUT}]->(c:{_L.CLUSTER}) "
    f"RETURN {_ALERT} AS alert, {_ALERT_CASE} AS case_reference, "
    "c {.id, .status, .size, .persons, .companies, .regions, .region_counts, .cross_region, "
    "   .typology, .score, .flagged} AS cluster, "
    f"COLLECT {{ MATCH (s:{_L.ALERT_STATUS} {{alert_id: a.id}}) "
    "  RETURN s {.org, .status, .note, .changed_by, .changed_at} ORDER BY s.org } AS statuses"
)

#: Set the caller's organisation's status of an alert when the transition is allowed
#: (``$allowed_from``); returns the status before and after. A change raises the stored
#: results' version in the same transaction (:data:`STORED_RESULTS_GENERATION`).
ALERT_SET_STATUS: Final = (
    f"MATCH (a:{_L.ALERT} {{id: $id}}) "
    f"MERGE (s:{_L.ALERT_STATUS} {{id: $status_id}}) "
    "ON CREATE SET s.alert_id = $id, s.org = $org, s.status = 'open' "
    "WITH s, s.status AS before "
    "FOREACH (_ IN CASE WHEN before IN $allowed_from THEN [1] ELSE [] END | "
    "  SET s.status = $status, s.note = $note, s.changed_by = $by, "
    "      s.changed_at = datetime(), s.case_reference = $case_reference "
    f"  MERGE (v:{_L.RESULTS_VERSION} {{id: 'stored-results'}}) "
    "  SET v.n = coalesce(v.n, 0) + 1) "
    "RETURN before, s.status AS after, s.changed_at AS changed_at"
)

#: What the stored results (alerts, cluster summaries, cluster trends) depend on, read before
#: a cached one is served (``api.store.ResultsCache``, decision 074): the completed analysis
#: runs (their number and the latest's id), whether one is writing now (then nothing is
#: cached), the status changes' version (summed: a concurrent first ``MERGE`` may make two
#: nodes, each only counts up), the cases (an alert names the case opened from it: case numbers
#: only count up, deletions lower the count) and the alerts and clusters held (a reset). Each
#: part is a count-store lookup or a scan of a few small nodes.
STORED_RESULTS_GENERATION: Final = (
    f"RETURN COUNT {{ MATCH (r:{_L.ANALYSIS_RUN} {{status: 'completed'}}) }} AS runs, "
    f"COLLECT {{ MATCH (r:{_L.ANALYSIS_RUN} {{status: 'completed'}}) "
    "  RETURN r.id ORDER BY r.finished_at DESC, r.id DESC LIMIT 1 } AS run, "
    f"EXISTS {{ MATCH (r:{_L.ANALYSIS_RUN} {{status: 'running'}}) }} AS running, "
    f"COLLECT {{ MATCH (v:{_L.RESULTS_VERSION}) RETURN v.n }} AS versions, "
    f"COLLECT {{ MATCH (q:{_L.CASE_SEQUENCE}) RETURN q.last }} AS case_numbers, "
    f"COUNT {{ MATCH (k:{_L.CASE}) }} AS cases, "
    f"COUNT {{ MATCH (a:{_L.ALERT}) }} AS alerts, "
    f"COUNT {{ MATCH (c:{_L.CLUSTER}) }} AS clusters"
)

# --- clusters -------------------------------------------------------------------------------

#: A cluster's own properties (the access check needs ``regions`` and ``cross_region``).
CLUSTER: Final = f"MATCH (c:{_L.CLUSTER} {{id: $id}}) RETURN c {{.*}} AS cluster"

#: A cluster with the members the caller may see (those of ``$region``, the caller's own, and
#: those whose element ids are in ``$scope``, a case's scope), the regions of the others (to be
#: counted), history and alert ids, in one round trip. The caller checks access before
#: disclosing any.
CLUSTER_DETAIL: Final = (
    f"MATCH (c:{_L.CLUSTER} {{id: $id}}) "
    "RETURN c {.*, created_at: c.created_at.epochMillis, updated_at: c.updated_at.epochMillis} "
    "AS cluster, "
    f"COLLECT {{ MATCH (m:{_E})-[r:{_R.MEMBER_OF_CLUSTER}]->(c) "
    "  WHERE r.region = $region OR elementId(m) IN $scope "
    f"  RETURN {_MEMBER} ORDER BY coalesce(r.rank, 1000000), m.id }} AS members, "
    f"COLLECT {{ MATCH (m:{_E})-[r:{_R.MEMBER_OF_CLUSTER}]->(c) "
    "  WHERE NOT (coalesce(r.region = $region, false) OR elementId(m) IN $scope) "
    "  RETURN coalesce(r.region, 'unknown') } AS hidden_regions, "
    f"COLLECT {{ MATCH (e:{_L.CLUSTER_EVENT})-[:{_R.ABOUT}]->(c) "
    f"  RETURN {_EVENT} ORDER BY e.at, e.id }} AS history, "
    f"COLLECT {{ MATCH (a:{_L.ALERT})-[:{_R.ABOUT}]->(c) "
    "  RETURN a.id ORDER BY a.created_at DESC, a.id } AS alerts"
)

#: Active cross-region clusters, those with alerts first (benchmarks, demos).
CROSS_REGION_CLUSTER_IDS: Final = (
    f"MATCH (c:{_L.CLUSTER} {{status: 'active'}}) WHERE c.cross_region "
    f"WITH c ORDER BY COUNT {{ (:{_L.ALERT})-[:{_R.ABOUT}]->(c) }} DESC, c.id LIMIT $limit "
    "RETURN collect({id: c.id}) AS rows"
)

# --- subjects (Bibob check, export) --------------------------------------------------------

#: A subject by id with its own regions and its active clusters.
SUBJECT: Final = (
    f"MATCH (s:{_E} {{id: $id}}) "
    "RETURN labels(s) AS labels, "
    f"COLLECT {{ MATCH (s)-[la:{_R.LIVES_AT}]->(a:{_L.ADDRESS}) "
    "  WHERE la.until IS NULL OR la.until > $today RETURN a.region } + "
    f"COLLECT {{ MATCH (s)-[:{_R.REGISTERED_AT}]->(a:{_L.ADDRESS}) RETURN a.region }} "
    "AS regions, "
    f"COLLECT {{ MATCH (s)-[:{_R.MEMBER_OF_CLUSTER}]->(c:{_L.CLUSTER} {{status: 'active'}}) "
    "  RETURN {regions: c.regions, cross_region: c.cross_region} } AS clusters"
)

#: Everything held under one token: the node, every link (expired ones too, with their
#: retention), and its cluster memberships with the alerts about those clusters.
EXPORT: Final = (
    f"MATCH (s:{_E} {{id: $id}}) "
    f"RETURN {_node('s')} AS node, "
    "COLLECT { MATCH (s)-[l]-(x) WHERE type(l) IN $link_types "
    "  RETURN {id: elementId(l), type: type(l), source: startNode(l).id, "
    "          target: endNode(l).id, props: properties(l), "
    "          other: {id: x.id, labels: labels(x)}} } AS links, "
    f"COLLECT {{ MATCH (s)-[r:{_R.MEMBER_OF_CLUSTER}]->(c:{_L.CLUSTER}) "
    "  RETURN {membership: r {.*}, cluster: c {.id, .status, .size, .persons, .companies, "
    "          .regions, .region_counts, .cross_region, .typology, .score, .flagged}} } "
    "AS clusters, "
    f"COLLECT {{ MATCH (s)-[:{_R.MEMBER_OF_CLUSTER}]->(:{_L.CLUSTER})<-[:{_R.ABOUT}]-"
    f"(a:{_L.ALERT}) RETURN a {{.*}} ORDER BY a.created_at }} AS alerts"
)

# --- trends ---------------------------------------------------------------------------------

#: Incident atoms in ``$from..$to`` (whole calendar years): counts per region (of the address
#: they concern; null: no address with a known region), quarter, incident type and the sorted
#: typologies of active clusters its involved entities are members of (``graph.trends.grid``).
TREND_INCIDENT_ATOMS: Final = (
    f"MATCH (i:{_L.INCIDENT}) "
    "WHERE i.date >= $from AND i.date <= $to "
    f"WITH i, COLLECT {{ MATCH (i)-[:{_R.CONCERNS}]->(a:{_L.ADDRESS}) "
    "  WHERE a.region IS NOT NULL RETURN a.region ORDER BY a.region LIMIT 1 } AS r, "
    f"COLLECT {{ MATCH (i)<-[:{_R.INVOLVED_IN}]-(:{_E})-[:{_R.MEMBER_OF_CLUSTER}]->"
    f"(c:{_L.CLUSTER} {{status: 'active'}}) WHERE c.typology IS NOT NULL "
    "  WITH DISTINCT c.typology AS t RETURN t ORDER BY t } AS typologies "
    "WITH r[0] AS region, i.date.year AS year, i.date.quarter AS quarter, i.type AS type, "
    "typologies, count(*) AS n "
    "RETURN collect({region: region, year: year, quarter: quarter, type: type, "
    "typologies: typologies, n: n}) AS rows"
)

#: Flagged-cluster atoms first found in ``$from..$to_exclusive`` (datetimes, whole calendar
#: years): counts per primary region (the one with most members), quarter, typology and
#: cross-region flag.
TREND_CLUSTER_ATOMS: Final = (
    f"MATCH (c:{_L.CLUSTER}) "
    "WHERE c.flagged AND c.created_at >= $from AND c.created_at < $to_exclusive "
    "WITH c, [r IN c.regions WHERE r <> 'unknown'] AS regions "
    "WITH regions[0] AS region, c.created_at.year AS year, c.created_at.quarter AS quarter, "
    "c.typology AS typology, coalesce(c.cross_region, false) AS cross_region, count(*) AS n "
    "RETURN collect({region: region, year: year, quarter: quarter, typology: typology, "
    "cross_region: cross_region, n: n}) AS rows"
)

__all__ = [
    "ALERTS_PAGE",
    "ALERT_DETAIL",
    "ALERT_SET_STATUS",
    "AUDIT_CHECKPOINT_READ",
    "AUDIT_CHECKPOINT_STORE",
    "CLUSTER",
    "CLUSTER_DETAIL",
    "CROSS_REGION_CLUSTER_IDS",
    "EXPORT",
    "LINK_TYPES",
    "LOGIN_TICKET_USE",
    "PARTIAL_DELIVERIES",
    "STORED_RESULTS_GENERATION",
    "SUBGRAPH_CLUSTER",
    "SUBGRAPH_CLUSTER_CONTEXT",
    "SUBGRAPH_CLUSTER_MEMBERS",
    "SUBGRAPH_CLUSTER_OUTSIDE",
    "SUBGRAPH_EXPAND",
    "SUBGRAPH_EXPAND_START",
    "SUBGRAPH_FIND_ENTITY",
    "SUBGRAPH_FLAGGED",
    "SUBGRAPH_LINKS",
    "SUBGRAPH_NEIGHBOURS",
    "SUBGRAPH_NODES",
    "SUBJECT",
    "TREND_CLUSTER_ATOMS",
    "TREND_INCIDENT_ATOMS",
]


#: Store an audit chain's checkpoint; only moves forward (a lower seq never replaces a higher).
AUDIT_CHECKPOINT_STORE: Final = (
    f"MERGE (c:{_L.AUDIT_CHECKPOINT} {{id: $chain}}) "
    "WITH c WHERE coalesce(c.seq, -1) < $mark.seq "
    "SET c += $mark"
)

#: An audit chain's stored checkpoint.
AUDIT_CHECKPOINT_READ: Final = (
    f"MATCH (c:{_L.AUDIT_CHECKPOINT} {{id: $chain}}) "
    "RETURN c {.chain, .seq, .mac, .segment, .time, .sig} AS mark"
)

#: Use a one-time sign-in link: true the first time its ``jti`` is seen, false after (the
#: unique ``id`` constraint keeps two workers from both using it). Used links past their expiry
#: are forgotten on the way.
LOGIN_TICKET_USE: Final = (
    f"OPTIONAL MATCH (old:{_L.LOGIN_TICKET}) WHERE old.expires_at < datetime() "
    "DETACH DELETE old "
    "WITH count(*) AS _ "
    f"MERGE (t:{_L.LOGIN_TICKET} {{id: $jti}}) "
    "ON CREATE SET t.expires_at = datetime({epochSeconds: $expires}), t.fresh = true "
    "ON MATCH SET t.fresh = false "
    "WITH t, t.fresh AS fresh REMOVE t.fresh "
    "RETURN fresh"
)
