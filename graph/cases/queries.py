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

from graph.cases.records import (
    BibobRecord,
    CaseRecord,
    EventRecord,
    InterventionRecord,
    NoteRecord,
)
from graph.model import ENTITY_LABEL as _E
from graph.model import NodeLabel as _L  # noqa: N814
from graph.model import RelType as _R  # noqa: N814
from graph.results import projection

__all__ = [
    "BIBOB_CONCLUDE",
    "BIBOB_DETAIL",
    "BIBOB_DUE",
    "BIBOB_DUE_COUNTS",
    "BIBOB_EXPIRED_DELETE",
    "BIBOB_EXTEND",
    "BIBOB_LINK_CASE",
    "BIBOB_PAGE",
    "BIBOB_SCREENED",
    "BIBOB_SUBMIT",
    "CASES_CROSS_REGION_PROGRESS",
    "CASES_DELETE",
    "CASES_EXPIRED",
    "CASES_OF_SUBJECT",
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
    "opened_at: now, updated_at: now, alert_id: a.id, bibob_id: $bibob_id}) "
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


# --- Bibob requests, case retention, the subject-access export (issue 14 items 3 and 4) ------
# ``(:BibobRequest {id})-[:ABOUT]->`` its applicant (an entity); the case that takes it up has
# ``bibob_id`` (unique) and ``(:Case)-[:ABOUT]->`` the request. Writes lock the request (or the
# sequence) first, as the case writes do. Retention deletes an expired case with every node
# hanging off it that is not one of ``$kept_labels`` (entities, clusters, alerts, other cases):
# events, notes and whatever later records (interventions) attach to it, found generically.

_BB = _L.BIBOB_REQUEST
_BIBOB = projection(
    "b",
    BibobRecord,
    received_on="toString(b.received_on)",
    deadline="toString(b.deadline)",
    submitted_at="b.submitted_at.epochMillis",
    extended_at="b.extended_at.epochMillis",
    concluded_at="b.concluded_at.epochMillis",
    case_reference=f"head(COLLECT {{ MATCH (c:{_L.CASE} {{bibob_id: b.id}}) RETURN c.id }})",
)
_KEPT = "(s.retain_until IS NULL OR s.retain_until >= $today)"

#: Submit a request: the applicant ``$applicant`` must be a person or company in the graph
#: (else no row, nothing written); the next number of ``$sequence_id`` under its lock.
BIBOB_SUBMIT: Final = (
    f"MATCH (s:{_E} {{id: $applicant}}) WHERE (s:{_L.PERSON} OR s:{_L.COMPANY}) AND {_KEPT} "
    "WITH s LIMIT 1 "
    f"MERGE (q:{_L.CASE_SEQUENCE} {{id: $sequence_id}}) "
    "ON CREATE SET q.org = $by_org, q.year = $year, q.last = 0 "
    "SET q._lock = true REMOVE q._lock "
    "SET q.last = q.last + 1 "
    f"WITH s, q.last AS number, {_NOW} "
    "WITH s, number, now, 'BB-' + $code + '-' + toString($year) + '-' + "
    "CASE WHEN number < 10000 THEN right('000' + toString(number), 4) "
    "ELSE toString(number) END AS id "
    f"CREATE (b:{_BB} {{id: id, number: number, year: $year, org: $by_org, "
    "municipality_code: $municipality_code, municipality: $municipality, "
    "permit_kind: $permit_kind, applicant: s.id, "
    f"applicant_kind: CASE WHEN s:{_L.COMPANY} THEN '{_L.COMPANY}' ELSE '{_L.PERSON}' END, "
    "received_on: $received_on, deadline: $deadline, extended: false, status: 'open', "
    "reasons: [], submitted_at: now, by: $by, by_org: $by_org, by_role: $by_role}) "
    f"CREATE (b)-[:{_A}]->(s) "
    "RETURN b.id AS id"
)

#: One request, with the reference of the case that took it up (if any).
BIBOB_DETAIL: Final = f"MATCH (b:{_BB} {{id: $id}}) RETURN {_BIBOB} AS request"

#: ``$org``'s requests (``$status``; with ``$due_by``: open ones due on or before it), the
#: nearest deadline first.
BIBOB_PAGE: Final = (
    f"MATCH (b:{_BB}) WHERE b.org = $org "
    "AND ($status IS NULL OR b.status = $status) "
    "AND ($due_by IS NULL OR (b.status = 'open' AND b.deadline <= $due_by)) "
    "WITH b ORDER BY b.deadline, b.id LIMIT $limit "
    f"RETURN collect({_BIBOB}) AS rows"
)

#: Every organisation's open requests due on or before ``$due_by`` (or overdue), the nearest
#: deadline first (``knooppunt bibob due``).
BIBOB_DUE: Final = (
    f"MATCH (b:{_BB}) WHERE b.status = 'open' AND b.deadline <= $due_by "
    "WITH b ORDER BY b.deadline, b.org, b.id "
    f"RETURN collect({_BIBOB}) AS rows"
)

#: Per handling organisation, its open requests due from ``$today`` to ``$due_by`` (``near``)
#: and those past their deadline (``overdue``): counts only (the ``/metrics`` gauge).
BIBOB_DUE_COUNTS: Final = (
    f"MATCH (b:{_BB}) WHERE b.status = 'open' AND b.deadline <= $due_by "
    "WITH b.org AS org, count(CASE WHEN b.deadline >= $today THEN 1 END) AS near, "
    "count(CASE WHEN b.deadline < $today THEN 1 END) AS overdue "
    "RETURN collect({org: org, near: near, overdue: overdue}) AS rows"
)

#: Extend once: an open request not extended yet, by ``$days`` (no row otherwise).
BIBOB_EXTEND: Final = (
    f"MATCH (b:{_BB} {{id: $id}}) SET b._lock = true REMOVE b._lock "
    f"WITH b WHERE b.status = 'open' AND NOT b.extended WITH b, {_NOW} "
    "SET b.extended = true, b.deadline = b.deadline + duration({days: $days}), "
    "b.extended_at = now, b.extension_reason = $reason, b.extended_by = $by "
    "RETURN b.id AS id"
)

#: Conclude an open request (no row when it is concluded already).
BIBOB_CONCLUDE: Final = (
    f"MATCH (b:{_BB} {{id: $id}}) SET b._lock = true REMOVE b._lock "
    f"WITH b WHERE b.status = 'open' WITH b, {_NOW} "
    "SET b.status = 'concluded', b.conclusion = $conclusion, b.reasons = $reasons, "
    "b.concluded_at = now, b.concluded_by = $by "
    "RETURN b.id AS id"
)

#: The screening's scope: the applicant and who is linked into it by ``$link_types`` (its
#: directors and owners), with the link's type; facts past their retention left out.
BIBOB_SCREENED: Final = (
    f"MATCH (:{_BB} {{id: $id}})-[:{_A}]->(a:{_E}) "
    "RETURN a.id AS applicant, "
    f"COLLECT {{ MATCH (s:{_E})-[r]->(a) WHERE type(r) IN $link_types AND {_KEPT} "
    "AND (r.retain_until IS NULL OR r.retain_until >= $today) "
    "RETURN DISTINCT {id: s.id, labels: labels(s), type: type(r)} } AS screened"
)

#: Link the case ``$ref`` (opened from the request) to the request and its applicant, with
#: its ``bibob_linked`` event.
BIBOB_LINK_CASE: Final = (
    _LOCKED
    + f"MATCH (b:{_BB} {{id: $id}})-[:{_A}]->(s:{_E}) WITH c, b, s, {_NOW} "
    + _BUMP
    + f"MERGE (c)-[:{_A}]->(b) MERGE (c)-[:{_A}]->(s) "
    + _EVENT
    + "RETURN c.version AS version"
)

#: The closed or declined cases past their retention on ``$as_of``: ``closed_at`` plus the
#: years of their legal basis (``$years``; ``$default_years`` for a basis not listed).
CASES_EXPIRED: Final = (
    f"MATCH (c:{_L.CASE}) WHERE c.status IN $closed_states AND c.closed_at IS NOT NULL "
    "AND date(c.closed_at) + duration({years: coalesce($years[c.legal_basis], "
    "$default_years)}) < $as_of "
    "RETURN collect(c.id) AS ids"
)

#: Delete the cases ``$ids`` with every node hanging off them (reached from the case through
#: nodes that are not ``$kept_labels``, up to three links), and their scope links; per case
#: the kinds of the nodes deleted and the number of scope links.
CASES_DELETE: Final = (
    f"UNWIND $ids AS ref MATCH (c:{_L.CASE} {{id: ref}}) "
    "CALL (c) { OPTIONAL MATCH p = (c)-[*1..3]-(x) "
    "WHERE all(n IN nodes(p)[1..] WHERE NOT any(l IN labels(n) WHERE l IN $kept_labels)) "
    "RETURN collect(DISTINCT x) AS owned } "
    "WITH ref, c, owned, "
    "COUNT { MATCH (c)-[]-(y) WHERE any(l IN labels(y) WHERE l IN $kept_labels) } AS links "
    "WITH ref, c, owned, links, [x IN owned | head(labels(x))] AS kinds "
    "FOREACH (x IN owned | DETACH DELETE x) "
    "DETACH DELETE c "
    "RETURN collect({ref: ref, kinds: kinds, links: links}) AS rows"
)

#: Concluded requests that no case took up, past ``$years`` after their conclusion.
BIBOB_EXPIRED_DELETE: Final = (
    f"MATCH (b:{_BB}) WHERE b.status = 'concluded' "
    f"AND NOT EXISTS {{ MATCH (:{_L.CASE} {{bibob_id: b.id}}) }} "
    "AND date(b.concluded_at) + duration({years: $years}) < $as_of "
    "DETACH DELETE b RETURN count(*) AS deleted"
)

#: The cases a subject is in (a subject of the case, or a member of one of its clusters),
#: without anything of their other subjects.
CASES_OF_SUBJECT: Final = (
    f"MATCH (s:{_E} {{id: $id}}) "
    "CALL (s) { "
    f"MATCH (c:{_L.CASE})-[:{_A}]->(s) RETURN c "
    "UNION "
    f"MATCH (c:{_L.CASE})-[:{_A}]->(:{_L.CLUSTER})<-[:{_R.MEMBER_OF_CLUSTER}]-(s) RETURN c }} "
    "WITH DISTINCT c ORDER BY c.opened_at, c.id "
    "RETURN collect({reference: c.id, title: c.title, status: c.status, lead: c.lead, "
    "opened_at: c.opened_at.epochMillis}) AS rows"
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

# --- the LIEC's view of cross-region cases (graph.cases.progress) ----------------------------

#: Every cross-region case (``$status`` when given), newest first, up to ``$limit``: its record,
#: the region of each person or company it is about (subjects by their current home or office,
#: its clusters' members by their membership's region), and per organisation its changes
#: (events: count, last time) and its interventions' statuses. No ids of people.
CASES_CROSS_REGION_PROGRESS: Final = (
    f"MATCH (c:{_L.CASE}) WHERE c.cross_region AND ($status IS NULL OR c.status = $status) "
    "WITH c ORDER BY c.opened_at DESC, c.id DESC LIMIT $limit "
    f"WITH c, COLLECT {{ MATCH (c)-[:{_A}]->(s:{_E}) "
    f"  OPTIONAL MATCH (s)-[l:{_R.LIVES_AT}|{_R.REGISTERED_AT}]->(a:{_L.ADDRESS}) "
    "  WHERE l.until IS NULL "
    "  WITH s, head(collect(a.region)) AS region RETURN coalesce(region, 'unknown') "
    "} AS subject_regions, "
    f"COLLECT {{ MATCH (c)-[:{_A}]->(:{_L.CLUSTER})<-[r:{_R.MEMBER_OF_CLUSTER}]-() "
    "  RETURN coalesce(r.region, 'unknown') } AS member_regions, "
    f"COLLECT {{ MATCH (e:{_L.CASE_EVENT})-[:{_A}]->(c) "
    "  WITH e.by_org AS org, count(*) AS changes, max(e.at) AS last "
    "  RETURN {org: org, changes: changes, last: last.epochMillis} } AS activity, "
    f"COLLECT {{ MATCH (i:{_I})-[:{_A}]->(c) "
    "  RETURN {org: i.by_org, status: i.status} } AS interventions "
    f"RETURN collect({{case: {_CASE}, subject_regions: subject_regions, "
    "member_regions: member_regions, activity: activity, interventions: interventions}) "
    "AS rows"
)
