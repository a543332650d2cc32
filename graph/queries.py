"""Cypher of the ``graph`` package, as named constants with parameters only.

Schema DDL is generated from the declared list in :mod:`graph.schema` (labels and property
names cannot be parameters); everything else lives here.
"""

from __future__ import annotations

# --- local database housekeeping (graph.localdb, graph.schema, tests) -------------------------

#: Wait until every index is online (seconds as ``$timeout``).
AWAIT_INDEXES = "CALL db.awaitIndexes($timeout)"

#: Remove all nodes and relationships, keeping constraints and indexes. Batched, so it must run
#: in an auto-commit transaction (``session.run``), not in ``execute_query``.
WIPE_ALL = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch ROWS"

#: Number of nodes in the database.
COUNT_NODES = "MATCH (n) RETURN count(n) AS nodes"

#: Names of existing constraints and indexes.
SHOW_CONSTRAINT_NAMES = "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names"
SHOW_INDEX_NAMES = "SHOW INDEXES YIELD name RETURN collect(name) AS names"

# --- analysis (graph.analysis: export, write-back, evaluation) --------------------------------
# Labels and relationship types come from graph.model's enums; values are parameters. ``$as_of``
# is a date: a fact counts when first seen on or before it and not past its retention.

from graph.model import ENTITY_LABEL as _ENTITY  # noqa: E402
from graph.model import NodeLabel as _L  # noqa: E402, N814
from graph.model import RelType as _R  # noqa: E402, N814
from graph.model import graph_model as _graph_model  # noqa: E402


def _visible(v: str) -> str:
    # first seen by as_of, not past retention, and held by a current delivery of its source
    # (deliveries are full extracts: a fact missing from a stream's latest one has ended)
    return (
        f"coalesce({v}.first_seen, $as_of) <= $as_of "
        f"AND ({v}.retain_until IS NULL OR {v}.retain_until >= $as_of) "
        f"AND ($current IS NULL OR any(d IN {v}.src_delivery WHERE d IN $current))"
    )


#: Current deliveries on ``$as_of``: per stream (partner, legal basis, region) the latest
#: committed delivery extracted on or before it, and every later one.
ANALYSIS_CURRENT_DELIVERIES = (
    f"MATCH (d:{_L.DELIVERY} {{status: 'committed'}}) "
    "WITH d, d.partner + '|' + d.legal_basis + '|' + coalesce(d.region, '') AS stream "
    "ORDER BY d.extract_date DESC "
    "WITH stream, collect(d) AS ds "
    "RETURN [x IN ds WHERE x.extract_date > $as_of | x.id] "
    "+ [x IN ds WHERE x.extract_date <= $as_of | x.id][0..1] AS ids"
)


_CURRENT = "(l.since IS NULL OR l.since <= $as_of) AND (l.until IS NULL OR l.until > $as_of)"
_PC = f"(x:{_L.PERSON} OR x:{_L.COMPANY})"

#: Deliveries being loaded (status ``loading``/``in_progress``): an analysis run refuses.
ANALYSIS_BUSY_DELIVERIES = (
    f"MATCH (d:{_L.DELIVERY}) WHERE d.status IN ['loading', 'in_progress'] "
    "RETURN count(d) AS deliveries"
)

#: What the deliveries have made visible: committed deliveries and chunks committed by loading
#: ones. Read before and after the export; a change means a delivery committed (part of) its
#: data while the graph was read, and the run refuses (``docs/decisions/047``).
ANALYSIS_DELIVERY_MARKS = (
    f"MATCH (d:{_L.DELIVERY}) WHERE d.status = 'committed' OR d.chunks_committed > 0 "
    "WITH d ORDER BY d.id "
    "RETURN collect([d.id, d.status, d.chunks_committed, toString(d.committed_at)]) AS marks"
)

#: Analysis runs still marked running, oldest first.
ANALYSIS_RUNNING = (
    f"MATCH (r:{_L.ANALYSIS_RUN} {{status: 'running'}}) "
    "RETURN r.id AS id, r.started_at AS started_at ORDER BY r.started_at"
)

#: Whether a completed run exists (the first completed run's alerts are ``initial``).
ANALYSIS_COMPLETED_RUNS = (
    f"MATCH (r:{_L.ANALYSIS_RUN} {{status: 'completed'}}) RETURN count(r) AS runs"
)

#: The latest completed run.
ANALYSIS_LATEST_RUN = (
    f"MATCH (r:{_L.ANALYSIS_RUN} {{status: 'completed'}}) "
    "RETURN r.id AS id, r.as_of AS as_of, r.finished_at AS finished_at "
    "ORDER BY r.finished_at DESC LIMIT 1"
)

# The export's reads are aggregated: each returns one record of parallel lists in scan order
# (a record per row cost this process ~30 us each; decision 069). They do not test the people and
# companies at a link's ends for visibility: ``graph.analysis.export`` keeps the rows whose ends
# are among the exported people and companies, which is the same test done once per node.
# ``collect`` skips nulls, so every collected value is non-null (ids are keys; ``coalesce``
# elsewhere) and the export checks that the lists have one length.

#: People with the region of their current address (latest ``since`` first), as ``[id, region]``.
ANALYSIS_EXPORT_PERSONS = (
    f"MATCH (x:{_L.PERSON}) WHERE {_visible('x')} "
    "CALL (x) { "
    f"OPTIONAL MATCH (x)-[l:{_R.LIVES_AT}]->(a:{_L.ADDRESS}) "
    f"WHERE {_visible('l')} AND {_CURRENT} "
    "RETURN a.region AS region ORDER BY l.since DESC LIMIT 1 } "
    "RETURN collect([x.id, region]) AS rows"
)

#: Companies with the region of their registered office and their tax flags, as
#: ``[id, region, cash_intensive, sbi]``.
ANALYSIS_EXPORT_COMPANIES = (
    f"MATCH (x:{_L.COMPANY}) WHERE {_visible('x')} "
    "CALL (x) { "
    f"OPTIONAL MATCH (x)-[l:{_R.REGISTERED_AT} {{kind: 'office'}}]->(a:{_L.ADDRESS}) "
    f"WHERE {_visible('l')} "
    "RETURN a.region AS region ORDER BY l.last_seen DESC LIMIT 1 } "
    "RETURN collect([x.id, region, x.cash_intensive, x.sbi]) AS rows"
)

#: Addresses whose postcode has no known municipality (reported, never dropped).
ANALYSIS_UNKNOWN_REGION_ADDRESSES = (
    f"MATCH (a:{_L.ADDRESS}) WHERE a.region IS NULL AND {_visible('a')} "
    "RETURN count(a) AS addresses"
)

_DIRECT = "|".join(
    [_R.ASSOCIATE, _R.DIRECTORSHIP, _R.OWNERSHIP, _R.EMPLOYMENT, _R.SHIPMENT, _R.SPONSOR]
)
_PARTNERS = "collect(coalesce({v}.partners, [])) AS partners"

#: Facts count from their ``since`` (a job or directorship that has not begun does not).
_STARTED = "({v}.since IS NULL OR {v}.since <= $as_of)"
#: Days since a fact ended (``until`` on or before ``$as_of``) or, for an event, since it
#: happened; 0 while it holds. The projection decays a fact by its kind's half-life.
_ENDED_DAYS = (
    "CASE WHEN {v}.until IS NOT NULL AND {v}.until <= $as_of "
    "THEN duration.inDays({v}.until, $as_of).days ELSE 0 END"
)
_EVENT_DAYS = (
    "CASE WHEN {v}.date IS NOT NULL AND {v}.date <= $as_of "
    "THEN duration.inDays({v}.date, $as_of).days ELSE 0 END"
)

#: Days since a police relation's last contact (``last_contact``, or ``date`` in deliveries of
#: the first format); other direct links: :data:`_ENDED_DAYS`.
_DIRECT_DAYS = (
    f"CASE WHEN type({{v}}) = '{_R.ASSOCIATE}' "
    "THEN CASE WHEN coalesce({v}.last_contact, {v}.date) <= $as_of "
    "THEN duration.inDays(coalesce({v}.last_contact, {v}.date), $as_of).days ELSE 0 END "
    f"ELSE {_ENDED_DAYS} END"
)

#: Direct links between people and companies: ``a``, ``b``, ``kinds`` (relationship types),
#: ``partners``, ``ages`` (days since the link ended, or since a relation's last contact; 0
#: while it holds), ``counts`` (a police relation's contacts; 1 for the other kinds).
ANALYSIS_EXPORT_DIRECT = (
    f"MATCH (x:{_L.PERSON}|{_L.COMPANY})-[r:{_DIRECT}]->(y:{_L.PERSON}|{_L.COMPANY}) "
    f"WHERE {_visible('r')} AND {_STARTED.format(v='r')} "
    "RETURN collect(x.id) AS a, collect(y.id) AS b, collect(type(r)) AS kinds, "
    f"{_PARTNERS.format(v='r')}, collect({_DIRECT_DAYS.format(v='r')}) AS ages, "
    f"collect(CASE WHEN type(r) = '{_R.ASSOCIATE}' THEN coalesce(r.count, 1) ELSE 1 END) "
    "AS counts"
)


def _share(rels: str, target: _L, where: str = "", *, event: bool = False) -> str:
    extra = f" AND {where}" if where else ""
    # an event connector (an incident, a permit application) ages from its date; the others
    # from the end of the link to it
    age = _EVENT_DAYS.format(v="c") if event else _ENDED_DAYS.format(v="l")
    return (
        f"MATCH (x:{_L.PERSON}|{_L.COMPANY})-[l:{rels}]->(c:{target}) "
        f"WHERE {_visible('l')} AND {_STARTED.format(v='l')}{extra} "
        f"RETURN collect(c.id) AS conns, collect(x.id) AS members, {_PARTNERS.format(v='l')}, "
        f"collect({age}) AS ages"
    )


#: People/companies sharing a connector, one query per connector kind (``docs/analysis.md``):
#: ``conns``, ``members``, ``partners``, ``ages`` (the address query gives two records).
ANALYSIS_EXPORT_SHARES: dict[str, str] = {
    "address": _share(_R.LIVES_AT, _L.ADDRESS, _CURRENT)
    + " UNION ALL "
    + _share(_R.REGISTERED_AT, _L.ADDRESS),
    "property": _share(f"{_R.OWNERSHIP}|{_R.RENTS}", _L.ADDRESS),
    "vehicle": _share(f"{_R.USES}|{_R.OWNERSHIP}", _L.VEHICLE),
    "phone": _share(_R.USES, _L.PHONE),
    "bank_account": _share(_R.HOLDS, _L.BANK_ACCOUNT),
    # a chapter (``{club}/{chapter}``); chapters of one club are joined by their members' other
    # links, not by the club name (that glued separate planted groups of one club together)
    "club": _share(_R.MEMBERSHIP, _L.CLUB),
    "incident": _share(
        _R.INVOLVED_IN,
        _L.INCIDENT,
        "l.role IN $roles AND (c.date IS NULL OR c.date <= $as_of)",
        event=True,
    ),
    "investigation": _share(_R.SUBJECT_OF, _L.INVESTIGATION),
    "permit": _share(
        _R.APPLIED_FOR,
        _L.PERMIT_APPLICATION,
        "(c.date IS NULL OR c.date <= $as_of)",
        event=True,
    ),
}

#: Incident signals: people/companies involved (``$roles``) in incidents of ``$types``:
#: ``members``, ``signals``, ``partners``.
ANALYSIS_EXPORT_INCIDENT_SIGNALS = (
    f"MATCH (x:{_L.PERSON}|{_L.COMPANY})-[l:{_R.INVOLVED_IN}]->(i:{_L.INCIDENT}) "
    f"WHERE l.role IN $roles AND i.type IN $types AND (i.date IS NULL OR i.date <= $as_of) "
    f"AND {_visible('l')} "
    f"RETURN collect(x.id) AS members, collect(i.type) AS signals, {_PARTNERS.format(v='l')}"
)

#: Grow sites and energy theft at an address: its residents and its owners/renters.
ANALYSIS_EXPORT_GROW_SITE_SIGNALS = (
    f"MATCH (i:{_L.INCIDENT})-[:{_R.CONCERNS}]->(a:{_L.ADDRESS})"
    f"<-[l:{_R.LIVES_AT}|{_R.OWNERSHIP}|{_R.RENTS}]-(x:{_L.PERSON}|{_L.COMPANY}) "
    "WHERE i.type IN ['cannabis_grow_site', 'energy_theft'] "
    "AND (i.date IS NULL OR i.date <= $as_of) "
    f"AND {_visible('l')} "
    f"AND (type(l) <> '{_R.LIVES_AT}' OR x:{_L.PERSON}) "
    f"RETURN collect(x.id) AS members, collect(CASE type(l) WHEN '{_R.LIVES_AT}' "
    "THEN 'grow_site_at_home' ELSE 'grow_site_property' END) AS signals, "
    f"{_PARTNERS.format(v='i')}"
)

#: Club memberships as signals (role and club kind).
ANALYSIS_EXPORT_CLUB_SIGNALS = (
    f"MATCH (x:{_L.PERSON})-[l:{_R.MEMBERSHIP}]->(c:{_L.CLUB}) "
    f"WHERE {_visible('l')} "
    "RETURN collect(x.id) AS members, "
    "collect(CASE WHEN c.club_kind = 'support_club' OR l.role = 'support' "
    "THEN 'club_support' WHEN l.role = 'prospect' THEN 'club_prospect' ELSE 'club_member' END) "
    f"AS signals, {_PARTNERS.format(v='l')}"
)

#: Subjects of investigations and prosecutions: ``members``, ``kinds``, ``offence_codes``,
#: ``partners``.
ANALYSIS_EXPORT_INVESTIGATION_SIGNALS = (
    f"MATCH (x:{_L.PERSON}|{_L.COMPANY})-[l:{_R.SUBJECT_OF}]->(i:{_L.INVESTIGATION}) "
    f"WHERE {_visible('l')} "
    "RETURN collect(x.id) AS members, collect(coalesce(i.kind, '')) AS kinds, "
    "collect(coalesce(i.offence_codes, [])) AS offence_codes, "
    f"{_PARTNERS.format(v='l')}"
)

#: Active clusters of the previous runs, with their members.
ANALYSIS_PREVIOUS_CLUSTERS = (
    f"MATCH (c:{_L.CLUSTER} {{status: 'active'}}) "
    "RETURN c.id AS id, c.region_counts AS region_counts, c.cross_region AS cross_region, "
    "c.typology AS typology, c.flagged AS flagged, c.size AS size, "
    f"COLLECT {{ MATCH (e:{_ENTITY})-[:{_R.MEMBER_OF_CLUSTER}]->(c) RETURN e.id }} "
    "AS members"
)

#: Record a run as it starts.
ANALYSIS_RUN_START = (
    f"CREATE (r:{_L.ANALYSIS_RUN} {{id: $id}}) "
    "SET r.started_at = $started_at, r.as_of = $as_of, r.status = 'running', "
    "r.params = $params, r.initial = $initial, r.finished_at = null"
)

#: Mark a run completed with its figures (``$props``).
ANALYSIS_RUN_FINISH = (
    f"MATCH (r:{_L.ANALYSIS_RUN} {{id: $id}}) "
    "SET r += $props, r.status = 'completed', r.finished_at = $finished_at"
)

#: Mark a run failed (also used for runs left ``running`` by a crash).
ANALYSIS_RUN_FAIL = (
    f"MATCH (r:{_L.ANALYSIS_RUN} {{id: $id}}) "
    "SET r.status = 'failed', r.finished_at = $finished_at, r.error = $error"
)

#: Upsert active clusters (``$rows``: ``{id, props}``).
ANALYSIS_WRITE_CLUSTERS = (
    "UNWIND $rows AS row "
    f"MERGE (c:{_L.CLUSTER} {{id: row.id}}) "
    "ON CREATE SET c.first_run = $run_id, c.created_at = $at "
    "SET c += row.props, c.status = 'active', c.stale = false, c.last_run = $run_id, "
    "c.updated_at = $at"
)

#: Remove the memberships of the given clusters (before writing this run's).
ANALYSIS_DELETE_MEMBERSHIPS = (
    "UNWIND $ids AS cid "
    f"MATCH (:{_ENTITY})-[m:{_R.MEMBER_OF_CLUSTER}]->(:{_L.CLUSTER} {{id: cid}}) DELETE m"
)

#: Memberships (``$rows``: ``{cluster, member, props}``).
ANALYSIS_WRITE_MEMBERSHIPS = (
    "UNWIND $rows AS row "
    f"MATCH (c:{_L.CLUSTER} {{id: row.cluster}}) "
    f"MATCH (e:{_ENTITY} {{id: row.member}}) WHERE e:{_L.PERSON} OR e:{_L.COMPANY} "
    f"CREATE (e)-[m:{_R.MEMBER_OF_CLUSTER}]->(c) SET m = row.props"
)

#: Clusters no longer found (``$ids``).
ANALYSIS_DISSOLVE_CLUSTERS = (
    "UNWIND $ids AS cid "
    f"MATCH (c:{_L.CLUSTER} {{id: cid}}) "
    # a dissolved cluster keeps counts only: no member links, no key players' tokens
    "SET c.status = 'dissolved', c.stale = true, c.updated_at = $at, c.key_players = '[]' "
    "WITH c "
    f"CALL (c) {{ MATCH (:{_ENTITY})-[m:{_R.MEMBER_OF_CLUSTER}]->(c) DELETE m }} "
    # its open alerts are closed as expired, with the reason, for every organisation
    f"CALL (c) {{ MATCH (a:{_L.ALERT})-[:{_R.ABOUT}]->(c) WHERE a.closed_reason IS NULL "
    "  SET a.closed_reason = 'expired: the cluster dissolved', a.closed_at = $at }"
)

#: History events (``$rows``: ``{id, cluster_id, props}``; ``props`` from
#: ``graph.results.EventRecord``, ``details`` as a JSON string).
ANALYSIS_WRITE_EVENTS = (
    "UNWIND $rows AS row "
    f"MATCH (c:{_L.CLUSTER} {{id: row.cluster_id}}) "
    f"MERGE (e:{_L.CLUSTER_EVENT} {{id: row.id}}) "
    "SET e += row.props, e.run_id = $run_id, e.at = $at "
    f"MERGE (e)-[:{_R.ABOUT}]->(c)"
)

#: Alerts (``$rows``: ``{id, props}``; ``props.cluster_id`` names the cluster).
ANALYSIS_WRITE_ALERTS = (
    "UNWIND $rows AS row "
    f"MATCH (c:{_L.CLUSTER} {{id: row.props.cluster_id}}) "
    f"MERGE (a:{_L.ALERT} {{id: row.id}}) "
    "SET a += row.props, a.run_id = $run_id, a.created_at = $at "
    f"MERGE (a)-[:{_R.ABOUT}]->(c)"
)

#: Active clusters of the latest run with members, flag and key players (evaluation).
ANALYSIS_READ_CLUSTERS = (
    f"MATCH (c:{_L.CLUSTER} {{status: 'active'}}) "
    "RETURN c.id AS id, c.flagged AS flagged, c.cross_region AS cross_region, "
    "c.typology AS typology, c.score AS score, c.key_players AS key_players, "
    f"COUNT {{ MATCH (a:{_L.ALERT})-[:{_R.ABOUT}]->(c) }} AS alerts, "
    f"COLLECT {{ MATCH (e:{_ENTITY})-[:{_R.MEMBER_OF_CLUSTER}]->(c) RETURN e.id }} AS members"
)

# --- subgraphs: a cluster's graph, a subject's neighbourhood (graph.subgraph) -----------------
# One query set for the API, the pages and the notebooks (``docs/decisions/060``). Nodes are
# addressed by ``elementId`` within one read, so that two entities with the same ``id`` under
# different labels stay apart. Only entity nodes and the links of ``$link_types`` between them
# are read (never ``MEMBER_OF``/``ABOUT``), and nothing past its retention on ``$today``.
# Queries that may return many rows collect them into one record (``rows`` or ``keys``).


def _kept(v: str) -> str:
    """A node or link not past its retention on ``$today`` (expired facts are never shown)."""
    return f"({v}.retain_until IS NULL OR {v}.retain_until >= $today)"


def _entity_link(r: str, y: str) -> str:
    """``r`` is a shown link to the entity ``y``: the hub rule counts exactly these."""
    return f"type({r}) IN $link_types AND {_kept(r)} AND {_kept(y)}"


def _props(v: str) -> str:
    """The properties of the node or link ``v`` with the graph model's dates as ISO text (a
    date absent on ``v`` comes as null): the driver decodes 10^5 texts several times faster
    than its own dates (:func:`graph.values.text_dated` reads them back)."""
    model = _graph_model()
    one = [f"{p}: toString({v}.{p})" for p in sorted(model.date_properties)]
    lists = [f"{p}: [d IN {v}.{p} | toString(d)]" for p in sorted(model.date_list_properties)]
    return f"{v} {{.*, {', '.join([*one, *lists])}}}"


def _link_map(r: str) -> str:
    return (
        f"{{id: elementId({r}), type: type({r}), source: elementId(startNode({r})), "
        f"target: elementId(endNode({r})), props: {_props(r)}}}"
    )


#: A cluster's own properties (``docs/analysis.md``), and the date (``as_of``) of the analysis
#: run that last wrote it.
SUBGRAPH_CLUSTER = (
    f"MATCH (c:{_L.CLUSTER} {{id: $cluster_id}}) "
    f"OPTIONAL MATCH (r:{_L.ANALYSIS_RUN} {{id: c.last_run}}) "
    "RETURN properties(c) AS cluster, r.as_of AS as_of"
)

#: The keys of a cluster's members, by id.
SUBGRAPH_CLUSTER_MEMBERS = (
    f"MATCH (e:{_ENTITY})-[:{_R.MEMBER_OF_CLUSTER}]->(:{_L.CLUSTER} {{id: $cluster_id}}) "
    "WITH e ORDER BY e.id RETURN collect(elementId(e)) AS keys"
)

#: Context entities (not people or companies) linked to a cluster's members (``$keys``): kept
#: when they link at least ``$min_shared`` members, or when they are evidence (incident, club,
#: investigation); most-linked first, at most ``$limit``.
SUBGRAPH_CLUSTER_CONTEXT = (
    "UNWIND $keys AS k "
    f"MATCH (x:{_ENTITY})-[r]-(y:{_ENTITY}) WHERE elementId(x) = k "
    f"AND NOT (y:{_L.PERSON} OR y:{_L.COMPANY}) AND {_entity_link('r', 'y')} "
    "WITH y, count(DISTINCT x) AS linked "
    f"WHERE linked >= $min_shared OR y:{_L.INCIDENT} OR y:{_L.CLUB} OR y:{_L.INVESTIGATION} "
    "WITH elementId(y) AS key, linked ORDER BY linked DESC, key LIMIT $limit "
    "RETURN collect(key) AS keys"
)

#: People and companies outside the cluster ``$cluster_id`` that tie at least ``$min_shared``
#: of its members (``$keys``) together through ``$tie_types``; most-linked first, ``$limit``.
SUBGRAPH_CLUSTER_OUTSIDE = (
    "UNWIND $keys AS k "
    f"MATCH (x:{_ENTITY})-[r]-(y:{_ENTITY}) WHERE elementId(x) = k "
    f"AND (y:{_L.PERSON} OR y:{_L.COMPANY}) AND type(r) IN $tie_types "
    f"AND NOT (y)-[:{_R.MEMBER_OF_CLUSTER}]->(:{_L.CLUSTER} {{id: $cluster_id}}) "
    f"AND {_entity_link('r', 'y')} "
    "WITH y, count(DISTINCT x) AS linked WHERE linked >= $min_shared "
    "WITH elementId(y) AS key, linked ORDER BY linked DESC, key LIMIT $limit "
    "RETURN collect(key) AS keys"
)

#: Entities with a given ``id`` (any label; ``$label`` null or one label name to narrow).
SUBGRAPH_FIND_ENTITY = (
    f"MATCH (n:{_ENTITY} {{id: $id}}) "
    f"WHERE ($label IS NULL OR $label IN labels(n)) AND {_kept('n')} "
    f"RETURN elementId(n) AS key, [l IN labels(n) WHERE l <> '{_ENTITY}'] AS labels"
)

#: One breadth-first step from the nodes ``$keys``. The hub rule: a node other than the subject
#: (``$start``) with more than ``$hub_limit`` shown links (of ``$link_types``, not past their
#: retention, to an entity not past its own) is a hub and is not expanded; every other node
#: gives its shown links with the neighbour at the other end (at most ``$fanout``).
SUBGRAPH_EXPAND = (
    "UNWIND $keys AS k "
    f"MATCH (n:{_ENTITY}) WHERE elementId(n) = k "
    f"WITH n, k, COUNT {{ MATCH (n)-[r]-(y:{_ENTITY}) WHERE {_entity_link('r', 'y')} }} "
    "> $hub_limit AND k <> $start AS hub "
    "CALL (n, hub) { "
    f"MATCH (n)-[r]-(y:{_ENTITY}) WHERE NOT hub AND {_entity_link('r', 'y')} "
    "WITH r, y ORDER BY elementId(r) LIMIT $fanout "
    f"RETURN collect({{key: elementId(y), id: y.id, person: y:{_L.PERSON}, "
    f"link: {_link_map('r')}}}) AS near }} "
    "RETURN collect({key: k, hub: hub, near: near}) AS rows"
)

#: Whether the node ``$key`` may be expanded within a case's scope when it is not in it: a
#: person never; another entity when it is a member of the cluster ``$cluster_id`` or linked to
#: one of them or to a node of the scope (``$scope``), i.e. a node the cluster's view can show.
SUBGRAPH_EXPAND_START = (
    f"MATCH (n:{_ENTITY}) WHERE elementId(n) = $key "
    f"RETURN n:{_L.PERSON} AS person, "
    f"EXISTS {{ MATCH (n)-[:{_R.MEMBER_OF_CLUSTER}]->(:{_L.CLUSTER} {{id: $cluster_id}}) }} "
    "AS member, "
    f"EXISTS {{ MATCH (n)-[r]-(y:{_ENTITY}) WHERE {_entity_link('r', 'y')} AND "
    f"(elementId(y) IN $scope OR "
    f"EXISTS {{ MATCH (y)-[:{_R.MEMBER_OF_CLUSTER}]->(:{_L.CLUSTER} {{id: $cluster_id}}) }}) }} "
    "AS near"
)

#: The neighbours of the node ``$key`` through shown links: members of the cluster
#: ``$cluster_id`` first, then the most linked, then by id; at most ``$limit``.
SUBGRAPH_NEIGHBOURS = (
    f"MATCH (n:{_ENTITY}) WHERE elementId(n) = $key "
    f"MATCH (n)-[r]-(y:{_ENTITY}) WHERE elementId(y) <> $key AND {_entity_link('r', 'y')} "
    "WITH y, count(r) AS links "
    f"WITH y, links, EXISTS {{ MATCH (y)-[:{_R.MEMBER_OF_CLUSTER}]->"
    f"(:{_L.CLUSTER} {{id: $cluster_id}}) }} AS member "
    "ORDER BY member DESC, links DESC, y.id, elementId(y) LIMIT $limit "
    f"RETURN collect({{key: elementId(y), person: y:{_L.PERSON}}}) AS rows"
)

#: Flagged active clusters that any of the nodes ``$keys`` belongs to.
SUBGRAPH_FLAGGED = (
    "UNWIND $keys AS k "
    f"MATCH (n:{_ENTITY})-[:{_R.MEMBER_OF_CLUSTER}]->"
    f"(c:{_L.CLUSTER} {{status: 'active', flagged: true}}) WHERE elementId(n) = k "
    "RETURN collect({key: k, cluster: c {.id, .status, .size, .persons, .companies, "
    ".regions, .region_counts, .cross_region, .typology, .score, .flagged}}) AS rows"
)

# --- case scope (graph.subgraph.scope) ---------------------------------------------------------

#: The keys of a case's core: its subjects (by id, not past retention) and the members of its
#: clusters.
SCOPE_CORE = (
    "CALL () { "
    f"UNWIND $subjects AS sid MATCH (n:{_ENTITY} {{id: sid}}) WHERE {_kept('n')} RETURN n "
    "UNION "
    f"MATCH (n:{_ENTITY})-[:{_R.MEMBER_OF_CLUSTER}]->(c:{_L.CLUSTER}) WHERE c.id IN $clusters "
    "RETURN n } "
    "RETURN collect(DISTINCT elementId(n)) AS keys"
)

#: People and companies one step from the nodes ``$keys``: linked directly, or sharing a
#: connector (an address, phone, vehicle, account, incident, ...) that is not a hub (more than
#: ``$hub_limit`` shown links, the rule of the network walk).
SCOPE_STEP = (
    "UNWIND $keys AS k "
    f"MATCH (x:{_ENTITY}) WHERE elementId(x) = k "
    "WITH collect(x) AS xs "
    "CALL (xs) { "
    "UNWIND xs AS x "
    f"MATCH (x)-[r]-(y:{_L.PERSON}|{_L.COMPANY}) WHERE {_entity_link('r', 'y')} "
    "RETURN collect(DISTINCT elementId(y)) AS direct } "
    "CALL (xs) { "
    "UNWIND xs AS x "
    f"MATCH (x)-[r1]-(c:{_ENTITY}) "
    f"WHERE NOT (c:{_L.PERSON} OR c:{_L.COMPANY}) AND {_entity_link('r1', 'c')} "
    "WITH DISTINCT c "
    f"WHERE COUNT {{ MATCH (c)-[r3]-(z:{_ENTITY}) WHERE {_entity_link('r3', 'z')} }} <= $hub_limit "
    f"MATCH (c)-[r2]-(y:{_L.PERSON}|{_L.COMPANY}) WHERE {_entity_link('r2', 'y')} "
    "RETURN collect(DISTINCT elementId(y)) AS shared } "
    "RETURN direct + shared AS keys"
)

#: The node keys of the entities with the ids ``$ids`` (those not removed).
SCOPE_ENTITY_KEYS = (
    "UNWIND $ids AS sid "
    f"MATCH (n:{_ENTITY} {{id: sid}}) WHERE {_kept('n')} "
    "RETURN collect({id: sid, key: elementId(n)}) AS rows"
)

#: The people ``$keys`` counted per current home region (``null``: none known).
SCOPE_OUTSIDE_REGIONS = (
    "UNWIND $keys AS k "
    f"MATCH (n:{_L.PERSON}) WHERE elementId(n) = k "
    "CALL (n) { "
    f"OPTIONAL MATCH (n)-[l:{_R.LIVES_AT}]->(a:{_L.ADDRESS}) "
    f"WHERE properties(l).until IS NULL AND {_kept('l')} "
    "RETURN a.region AS region ORDER BY l.since DESC LIMIT 1 } "
    "WITH region, count(*) AS n "
    "RETURN collect({region: region, n: n}) AS rows"
)

#: The nodes ``$keys``: labels, id, properties (with provenance), the current home or office
#: address's region, and the membership of ``$cluster_id`` (with ``$cluster_id`` null: of the
#: active cluster with the highest score).
SUBGRAPH_NODES = (
    "UNWIND $keys AS k "
    f"MATCH (n:{_ENTITY}) WHERE elementId(n) = k "
    "CALL (n) { "
    f"OPTIONAL MATCH (n)-[m:{_R.MEMBER_OF_CLUSTER}]->(c:{_L.CLUSTER}) "
    "WHERE c.id = $cluster_id OR ($cluster_id IS NULL AND c.status = 'active') "
    "RETURN m, c.id AS cluster ORDER BY c.score DESC LIMIT 1 } "
    "CALL (n) { "
    f"OPTIONAL MATCH (n)-[l:{_R.LIVES_AT}|{_R.REGISTERED_AT}]->(a:{_L.ADDRESS}) "
    f"WHERE ((type(l) = '{_R.LIVES_AT}' AND properties(l).until IS NULL) "
    "OR properties(l).kind = 'office') "
    f"AND {_kept('l')} "
    "RETURN a.region AS home_region ORDER BY l.since DESC LIMIT 1 } "
    f"RETURN collect({{key: k, labels: [l IN labels(n) WHERE l <> '{_ENTITY}'], id: n.id, "
    f"props: {_props('n')}, home_region: home_region, membership: properties(m), "
    "cluster: cluster}) AS rows"
)

#: The shown links from the nodes ``$keys`` to any of ``$all_keys``, each once (read from its
#: start node), at most ``$limit``.
SUBGRAPH_LINKS = (
    "UNWIND $keys AS k "
    f"MATCH (a:{_ENTITY})-[r]->(b:{_ENTITY}) "
    f"WHERE elementId(a) = k AND elementId(b) IN $all_keys AND {_entity_link('r', 'b')} "
    "WITH r LIMIT $limit "
    f"RETURN collect({_link_map('r')}) AS rows"
)

# --- analyst notebooks (graph.viz.explore) ----------------------------------------------------

#: Properties of the clusters ``$ids``.
VIZ_CLUSTERS_BY_ID = (
    f"UNWIND $ids AS cid MATCH (c:{_L.CLUSTER} {{id: cid}}) RETURN properties(c) AS cluster"
)

#: Active clusters, highest score first (``$cross_region``/``$flagged`` null or a filter).
VIZ_ACTIVE_CLUSTERS = (
    f"MATCH (c:{_L.CLUSTER} {{status: 'active'}}) "
    "WHERE ($cross_region IS NULL OR c.cross_region = $cross_region) "
    "AND ($flagged IS NULL OR c.flagged = $flagged) "
    "RETURN properties(c) AS cluster ORDER BY c.score DESC, c.id LIMIT $limit"
)

#: Counts of analysis results (tests, notebooks): runs by status, clusters, alerts, events.
ANALYSIS_SUMMARY = (
    f"CALL () {{ MATCH (r:{_L.ANALYSIS_RUN}) RETURN collect(r.status) AS runs }} "
    f"CALL () {{ MATCH (c:{_L.CLUSTER} {{status: 'active'}}) RETURN collect(c.id) AS active }} "
    f"CALL () {{ MATCH (a:{_L.ALERT}) RETURN count(a) AS alerts, "
    "sum(CASE WHEN a.initial THEN 1 ELSE 0 END) AS initial_alerts } "
    f"CALL () {{ MATCH (e:{_L.CLUSTER_EVENT}) RETURN collect(e.kind) AS events }} "
    f"CALL () {{ MATCH ()-[m:{_R.MEMBER_OF_CLUSTER}]->() RETURN count(m) AS memberships }} "
    "RETURN runs, active, alerts, initial_alerts, events, memberships"
)

#: History events a run recorded (``$run_id``), with their details.
ANALYSIS_READ_EVENTS = (
    f"MATCH (e:{_L.CLUSTER_EVENT} {{run_id: $run_id}}) "
    "RETURN e.cluster_id AS cluster_id, e.kind AS kind, e.details AS details "
    "ORDER BY e.cluster_id, e.kind"
)
