"""All Cypher of the case records, as named constants; every value is a parameter.

Nodes (``docs/graph-model.md``): ``(:Case {id: reference})``, ``(:CaseEvent)-[:ABOUT]->(:Case)``
(append-only, ``id = reference + '#' + n``), ``(:CaseNote)-[:ABOUT]->(:Case)``,
``(:CaseSequence {id: org + '|' + year, last})``, and the case's scope as
``(:Case)-[:ABOUT]->`` its subjects (entities), clusters and alerts. ``ABOUT`` (a result link,
like an alert's) and not an entity link: the subgraph reader never walks through a case.

Every write is one statement (one transaction) that first takes the case's (or the
sequence's) write lock (``SET x._lock = true REMOVE x._lock``) and only then reads the state it
checks, so that two concurrent writes are serialised and neither loses the other's update;
each raises ``version`` by one and appends the event numbered with it (unique ``id``).
"""

from __future__ import annotations

from typing import Final

from graph.cases.records import CaseRecord, EventRecord, InterventionRecord, NoteRecord
from graph.model import ENTITY_LABEL as _E
from graph.model import NodeLabel as _L  # noqa: N814
from graph.model import RelType as _R  # noqa: N814
from graph.results import projection

__all__ = [
    "CASES_PAGE",
    "CASE_ACCEPT",
    "CASE_ACCESS",
    "CASE_ACCOUNTABILITY",
    "CASE_ADD_INTERVENTION",
    "CASE_ADD_NOTE",
    "CASE_ADD_SUBJECTS",
    "CASE_ALERT_FACTS",
    "CASE_CHANGE_INTERVENTION",
    "CASE_DETAIL",
    "CASE_INTERVENTIONS",
    "CASE_INVITE",
    "CASE_LOG_READ",
    "CASE_MISSING_SUBJECTS",
    "CASE_OPEN",
    "CASE_READS",
    "CASE_SET_STATUS",
]

_A = _R.ABOUT
#: A case's fields (:class:`CaseRecord`), datetimes as epoch milliseconds.
_CASE = projection(
    "c",
    CaseRecord,
    reference="c.id",
    opened_at="c.opened_at.epochMillis",
    updated_at="c.updated_at.epochMillis",
    closed_at="c.closed_at.epochMillis",
)
_COUNTS = (
    f"subjects: COUNT {{ (c)-[:{_A}]->(:{_E}) }}, "
    f"clusters: COUNT {{ (c)-[:{_A}]->(:{_L.CLUSTER}) }}, "
    f"alerts: COUNT {{ (c)-[:{_A}]->(:{_L.ALERT}) }}"
)
_EVENT_FIELDS = projection("e", EventRecord, at="e.at.epochMillis")
_NOTE_FIELDS = projection("x", NoteRecord, at="x.at.epochMillis")

#: Lock the case, then read it: only open cases (``$closed_states``) take changes.
_LOCKED = (
    f"MATCH (c:{_L.CASE} {{id: $ref}}) "
    "SET c._lock = true REMOVE c._lock "
    "WITH c WHERE NOT c.status IN $closed_states "
)
#: The next version, and its event (``$kind``, ``$details`` as JSON), at ``now``.
_BUMP = "SET c.version = c.version + 1, c.updated_at = now "
_EVENT = (
    f"CREATE (:{_L.CASE_EVENT} {{id: c.id + '#' + toString(c.version), case_id: c.id, "
    "n: c.version, kind: $kind, at: now, by: $by, by_org: $by_org, by_role: $by_role, "
    f"details: $details}})-[:{_A}]->(c) "
)
_NOW = "datetime.truncate('millisecond', datetime()) AS now"

#: The alert a case would be opened from: its regions, cluster and any case it has.
CASE_ALERT_FACTS: Final = (
    f"MATCH (a:{_L.ALERT} {{id: $alert_id}})-[:{_A}]->(k:{_L.CLUSTER}) "
    "RETURN a.id AS alert_id, a.regions AS regions, a.closed_reason AS closed_reason, "
    "k.id AS cluster_id, coalesce(k.cross_region, false) AS cross_region, "
    f"COLLECT {{ MATCH (c:{_L.CASE})-[:{_A}]->(a) RETURN c.id }} AS cases"
)

#: Open a case: take the next number of ``$sequence_id`` (the organisation and year) under the
#: sequence's lock, create the case in ``signal`` with its ``opened`` event, and (from an
#: alert) link the alert and its cluster with an ``alert_linked`` event. An alert that has a
#: case already gives no row and writes nothing (the ``alert_id`` constraint catches a race).
CASE_OPEN: Final = (
    f"OPTIONAL MATCH (a:{_L.ALERT} {{id: $alert_id}})-[:{_A}]->(k:{_L.CLUSTER}) "
    "WITH a, k WHERE $alert_id IS NULL "
    f"OR (a IS NOT NULL AND NOT EXISTS {{ MATCH (:{_L.CASE})-[:{_A}]->(a) }}) "
    f"MERGE (q:{_L.CASE_SEQUENCE} {{id: $sequence_id}}) "
    "ON CREATE SET q.org = $by_org, q.year = $year, q.last = 0 "
    "SET q._lock = true REMOVE q._lock "
    "SET q.last = q.last + 1 "
    f"WITH a, k, q.last AS number, {_NOW} "
    "WITH a, k, number, now, $code + '-' + toString($year) + '-' + "
    "CASE WHEN number < 10000 THEN right('000' + toString(number), 4) "
    "ELSE toString(number) END AS ref "
    f"CREATE (c:{_L.CASE} {{id: ref, number: number, year: $year, lead: $by_org, "
    "title: $title, phenomenon: $phenomenon, purpose: $purpose, legal_basis: $legal_basis, "
    "origin: $origin, partners: $partners, "
    "cross_region: $cross_region OR coalesce(k.cross_region, false), status: 'signal', "
    "version: CASE WHEN a IS NULL THEN 1 ELSE 2 END, participants: [$by_org], invited: [], "
    "opened_at: now, updated_at: now, alert_id: a.id}) "
    f"CREATE (:{_L.CASE_EVENT} {{id: ref + '#1', case_id: ref, n: 1, kind: 'opened', at: now, "
    f"by: $by, by_org: $by_org, by_role: $by_role, details: $details}})-[:{_A}]->(c) "
    "FOREACH (_ IN CASE WHEN a IS NULL THEN [] ELSE [1] END | "
    f"  CREATE (c)-[:{_A}]->(a) CREATE (c)-[:{_A}]->(k) "
    f"  CREATE (:{_L.CASE_EVENT} {{id: ref + '#2', case_id: ref, n: 2, kind: 'alert_linked', "
    "  at: now, by: $by, by_org: $by_org, by_role: $by_role, details: $link_details})"
    f"-[:{_A}]->(c)) "
    "RETURN ref AS reference"
)

#: Change the status when it is still ``$expected`` (under the case's lock); no row otherwise.
CASE_SET_STATUS: Final = (
    _LOCKED + f"AND c.status = $expected WITH c, {_NOW} " + _BUMP + ", c.status = $status, "
    "c.closed_at = CASE WHEN $status IN $closed_states THEN now ELSE c.closed_at END, "
    "c.declined_reason = CASE WHEN $status = 'declined' THEN $reason "
    "ELSE c.declined_reason END " + _EVENT + "RETURN c.version AS version"
)

#: Invite ``$org`` when it neither takes part nor is invited already.
CASE_INVITE: Final = (
    _LOCKED
    + f"AND NOT $org IN c.participants AND NOT $org IN c.invited WITH c, {_NOW} "
    + _BUMP
    + ", c.invited = c.invited + $org "
    + _EVENT
    + "RETURN c.version AS version"
)

#: ``$org`` accepts its invitation: from ``invited`` to ``participants``.
CASE_ACCEPT: Final = (
    _LOCKED
    + f"AND $org IN c.invited WITH c, {_NOW} "
    + _BUMP
    + ", c.invited = [o IN c.invited WHERE o <> $org], c.participants = c.participants + $org "
    + _EVENT
    + "RETURN c.version AS version"
)

#: Which of ``$ids`` are no entity of the graph.
CASE_MISSING_SUBJECTS: Final = (
    f"RETURN [x IN $ids WHERE NOT EXISTS {{ MATCH (:{_E} {{id: x}}) }}] AS missing"
)

#: Link the subjects ``$ids`` (every one must exist; else no row and nothing written).
CASE_ADD_SUBJECTS: Final = (
    _LOCKED + f"CALL (c) {{ MATCH (s:{_E}) WHERE s.id IN $ids RETURN collect(s) AS found }} "
    "WITH c, found WHERE all(x IN $ids WHERE any(s IN found WHERE s.id = x)) "
    f"WITH c, found, {_NOW} "
    + _BUMP
    + f"FOREACH (s IN found | MERGE (c)-[:{_A}]->(s)) "
    + _EVENT
    + "RETURN c.version AS version"
)

#: Add a note (its id the event's) with its ``note_added`` event.
CASE_ADD_NOTE: Final = (
    _LOCKED
    + f"WITH c, {_NOW} "
    + _BUMP
    + f"CREATE (:{_L.CASE_NOTE} {{id: c.id + '#' + toString(c.version), case_id: c.id, "
    f"text: $text, at: now, by: $by, by_org: $by_org}})-[:{_A}]->(c) "
    + _EVENT
    + "RETURN c.version AS version"
)

#: One case with its purpose, scope (subjects, clusters, alerts), events and notes. The
#: caller decides what of it to show (:mod:`graph.cases.ops`).
CASE_DETAIL: Final = (
    f"MATCH (c:{_L.CASE} {{id: $ref}}) "
    f"RETURN {_CASE} AS case, c.purpose AS purpose, "
    f"COLLECT {{ MATCH (c)-[:{_A}]->(s:{_E}) RETURN {{id: s.id, labels: labels(s)}} "
    "  ORDER BY s.id } AS subjects, "
    f"COLLECT {{ MATCH (c)-[:{_A}]->(k:{_L.CLUSTER}) RETURN k.id ORDER BY k.id }} AS clusters, "
    f"COLLECT {{ MATCH (c)-[:{_A}]->(a:{_L.ALERT}) RETURN a.id ORDER BY a.id }} AS alerts, "
    f"COLLECT {{ MATCH (e:{_L.CASE_EVENT})-[:{_A}]->(c) RETURN {_EVENT_FIELDS} "
    "  ORDER BY e.n } AS events, "
    f"COLLECT {{ MATCH (x:{_L.CASE_NOTE})-[:{_A}]->(c) RETURN {_NOTE_FIELDS} "
    "  ORDER BY x.at, x.id } AS notes"
)

#: A page of the cases ``$org`` leads, takes part in or is invited to (and, with ``$liec``,
#: every cross-region case), newest first; cursor ``$cursor_at``/``$cursor_id`` exclusive.
CASES_PAGE: Final = (
    f"MATCH (c:{_L.CASE}) "
    "WHERE ($org IN c.participants OR $org IN c.invited OR ($liec AND c.cross_region)) "
    "AND ($status IS NULL OR c.status = $status) "
    "AND ($phenomenon IS NULL OR c.phenomenon = $phenomenon) "
    "AND ($lead IS NULL OR c.lead = $lead) "
    "AND ($since IS NULL OR c.opened_at >= $since) "
    "AND ($cursor_at IS NULL OR c.opened_at < $cursor_at "
    "     OR (c.opened_at = $cursor_at AND c.id < $cursor_id)) "
    "WITH c ORDER BY c.opened_at DESC, c.id DESC LIMIT $limit "
    f"RETURN collect({{case: {_CASE}, {_COUNTS}}}) AS rows"
)

#: The question of purpose-bound access (issue 14 item 2, ``docs/access.md``), in one read:
#: the case ``$ref`` as the check needs it (state, who takes part, cross-region, version), its
#: scope's core (subjects and clusters), and what its scope depends on besides the case: the
#: latest completed analysis run (cluster members) and the number of deliveries (new facts).
#: No row when there is no such case.
CASE_ACCESS: Final = (
    f"MATCH (c:{_L.CASE} {{id: $ref}}) "
    "RETURN c.id AS reference, c.status AS status, c.participants AS participants, "
    "coalesce(c.invited, []) AS invited, coalesce(c.cross_region, false) AS cross_region, "
    "c.version AS version, c.lead AS lead, "
    f"COLLECT {{ MATCH (c)-[:{_A}]->(s:{_E}) RETURN s.id }} AS subjects, "
    f"COLLECT {{ MATCH (c)-[:{_A}]->(k:{_L.CLUSTER}) RETURN k.id }} AS clusters, "
    f"COLLECT {{ MATCH (r:{_L.ANALYSIS_RUN} {{status: 'completed'}}) "
    "RETURN r.id ORDER BY r.id DESC LIMIT 1 } AS run, "
    f"COUNT {{ MATCH (d:{_L.DELIVERY}) }} AS deliveries"
)

#: A person-level read for the case ``$ref``, logged on it (``(:CaseRead)-[:ABOUT]->(:Case)``):
#: who, when, which endpoint, which entity or cluster, how many items it returned. Not an
#: event: reads do not change the case (its version stays).
CASE_LOG_READ: Final = (
    f"MATCH (c:{_L.CASE} {{id: $ref}}) "
    f"CREATE (x:{_L.CASE_READ} {{id: c.id + '#read-' + randomUUID(), case_id: c.id, "
    "at: datetime(), by: $by, by_org: $by_org, by_role: $by_role, endpoint: $endpoint, "
    f"target: $target, size: $size, outside: $outside}})-[:{_A}]->(c) "
    "RETURN x.id AS id"
)

#: The latest ``$limit`` reads logged on the case ``$ref``, newest first.
CASE_READS: Final = (
    f"MATCH (x:{_L.CASE_READ})-[:{_A}]->(c:{_L.CASE} {{id: $ref}}) "
    "WITH x ORDER BY x.at DESC, x.id DESC LIMIT $limit "
    "RETURN collect({at: x.at.epochMillis, by: x.by, by_org: x.by_org, by_role: x.by_role, "
    "endpoint: x.endpoint, target: x.target, size: x.size, outside: x.outside}) AS rows, "
    f"COUNT {{ MATCH (:{_L.CASE_READ})-[:{_A}]->(:{_L.CASE} {{id: $ref}}) }} AS total"
)


# --- interventions (issue 14; graph.cases.interventions) -------------------------------------
# ``(:Intervention {id: reference + '#' + n})-[:ABOUT]->(:Case)``: ``n`` is the case's version
# that added it; ``targets`` are subject ids of the case. Each change is a case event.

_I = _L.INTERVENTION
_INTERVENTION_FIELDS = projection(
    "i",
    InterventionRecord,
    date="toString(i.date)",
    created_at="i.created_at.epochMillis",
    updated_at="i.updated_at.epochMillis",
)

#: Add an intervention when every one of ``$targets`` is a subject of the case (else no row
#: and nothing written); its partner joins the case's partners.
CASE_ADD_INTERVENTION: Final = (
    _LOCKED + f"CALL (c) {{ MATCH (c)-[:{_A}]->(s:{_E}) WHERE s.id IN $targets "
    "RETURN count(DISTINCT s.id) AS found } "
    f"WITH c WHERE found = size($targets) WITH c, {_NOW} "
    + _BUMP
    + ", c.partners = CASE WHEN $partner IN c.partners THEN c.partners "
    "ELSE c.partners + $partner END "
    f"CREATE (i:{_I} {{id: c.id + '#' + toString(c.version), case_id: c.id, n: c.version, "
    "partner: $partner, kind: $intervention_kind, measure: $measure, targets: $targets, "
    "date: $date, status: $status, outcome: $outcome, outcome_note: $outcome_note, "
    f"created_at: now, updated_at: now, by: $by, by_org: $by_org}})-[:{_A}]->(c) "
    + _EVENT
    + "RETURN i.id AS id"
)

#: Change an intervention's status (and outcome) when it is still ``$expected``; no row
#: otherwise (the plan reads again to say why).
CASE_CHANGE_INTERVENTION: Final = (
    _LOCKED + f"MATCH (i:{_I} {{id: $intervention_id}})-[:{_A}]->(c) "
    f"WHERE i.status = $expected WITH c, i, {_NOW} "
    + _BUMP
    + ", i.status = $status, i.outcome = $outcome, "
    "i.outcome_note = coalesce($outcome_note, i.outcome_note), "
    "i.date = coalesce($date, i.date), i.updated_at = now " + _EVENT + "RETURN i.id AS id"
)

#: The interventions of case ``$ref`` in the order they were added (no row: no such case).
CASE_INTERVENTIONS: Final = (
    f"MATCH (c:{_L.CASE} {{id: $ref}}) "
    f"RETURN COLLECT {{ MATCH (i:{_I})-[:{_A}]->(c) RETURN {_INTERVENTION_FIELDS} "
    "  ORDER BY i.n } AS interventions"
)

#: What the accountability report counts of the cases opened in ``$year`` in which ``$org``
#: takes part (every case when ``$org`` is null): phenomenon, state, when opened, the status
#: changes (``details`` as JSON) and the interventions' partner, kind, status and outcome.
CASE_ACCOUNTABILITY: Final = (
    f"MATCH (c:{_L.CASE}) WHERE c.year = $year AND ($org IS NULL OR $org IN c.participants) "
    "RETURN c.phenomenon AS phenomenon, c.status AS status, "
    "c.opened_at.epochMillis AS opened_at, "
    f"COLLECT {{ MATCH (e:{_L.CASE_EVENT} {{kind: $status_changed}})-[:{_A}]->(c) "
    "  RETURN {at: e.at.epochMillis, details: e.details} ORDER BY e.n } AS changes, "
    f"COLLECT {{ MATCH (i:{_I})-[:{_A}]->(c) "
    "  RETURN {partner: i.partner, kind: i.kind, status: i.status, outcome: i.outcome} "
    "} AS interventions"
)
