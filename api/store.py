"""Reads and writes of the API against Neo4j: run a query from :mod:`api.queries`, or a plan of
the core's subgraph reader (:mod:`graph.subgraph`), and return plain Python data (native dates,
parsed JSON properties, nodes and links in the shapes of :mod:`api.provenance`). No access rules
here: the routers apply :mod:`api.access` and pass its results as parameters.

Queries run as auto-commit transactions (``session.run``): the driver's managed transactions
retry for up to 30 s, which would hold a request that long while Neo4j is down; here a dead
server gives a fast :class:`neo4j.exceptions.ServiceUnavailable` (503). Every query carries a
transaction timeout (``KNOOPPUNT_NEO4J_QUERY_TIMEOUT_S``, shorter than the request's deadline;
the server stops the query and frees what it held) and, a second later, a client-side bound
around getting a connection and reading the result (a connection that hangs); either one ends
as :class:`TimeoutError` (503; decision 067).

Stored results (alerts, cluster summaries, cluster trends) change only when an analysis run or
a status change commits; they are served from a per-process :class:`ResultsCache` keyed by
their generation (:data:`api.queries.STORED_RESULTS_GENERATION`), read from Neo4j before every
cached answer, so that no worker serves a result older than the latest commit (decision 074).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar

import neo4j

from api import queries as q
from api.errors import NotFoundError, OutsideCaseScopeError
from api.metrics import Metrics, query_name
from api.provenance import entity_label, graph_link, graph_node
from api.subgraphs import NetworkResult, network_shape
from graph.cases.binding import CaseAccessFacts, CaseRead, case_access, case_reads, log_read
from graph.cases.ops import constraint_refusal
from graph.cases.records import Actor
from graph.errors import NotFoundError as GraphNotFoundError
from graph.logs import get_logger
from graph.model import NodeLabel
from graph.subgraph import Plan, cluster_graph, expand, neighbourhood, run_async
from graph.subgraph.model import ClusterGraph, Expansion
from graph.subgraph.scope import OutsideScopeError, Scope, entity_keys, scope_keys
from graph.trends import Atom, Measure, cluster_atoms, incident_atoms
from graph.values import from_millis, native, parse_json_properties
from graph.vocabulary import REGIONS

__all__ = [
    "CLIENT_MARGIN_S",
    "MISSING",
    "QUERY_TIMEOUT_S",
    "Generation",
    "NetworkResult",
    "ResultsCache",
    "Store",
]

T = TypeVar("T")
#: The limit on one query unless the app passes its setting; past it the request gets a 503.
QUERY_TIMEOUT_S: Final = 5.0
#: How long after the server's transaction timeout the client gives up by itself.
CLIENT_MARGIN_S: Final = 1.0
#: Neo4j's codes for a transaction stopped by its timeout (the client's and the server's).
_TIMED_OUT: Final = frozenset(
    {
        "Neo.ClientError.Transaction.TransactionTimedOut",
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.TransientError.Transaction.TransactionTimedOut",
    }
)
_log = get_logger("knooppunt.api.store")


#: What stored results depend on (:data:`api.queries.STORED_RESULTS_GENERATION`'s values).
Generation = tuple[Hashable, ...]
#: What :meth:`ResultsCache.get` returns for nothing cached (``None`` is a result: not found).
MISSING: Final = object()


class ResultsCache:
    """Stored results of one process, all read at one :data:`Generation`.

    An entry is served only to a request that has just read the same generation from Neo4j;
    a request that reads another one empties the cache when it stores its own result (a new run
    or status change invalidates everything at once). An entry is stored only under the
    generation read *before* its query ran, so it is never older than that generation. The
    least recently used entry goes when ``max_entries`` are held. Cached values are shared
    between requests: callers must not change them.

    Not ``cachetools``: the one thing beyond an ``OrderedDict`` is the generation, and
    :class:`api.purpose.ScopeCache` keeps the same shape."""

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self.generation: Generation | None = None
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.bypassed = 0
        self.invalidations = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, generation: Generation, key: Hashable) -> Any:
        """The value cached under ``key`` at ``generation``, else :data:`MISSING`."""
        if generation != self.generation:
            self.misses += 1
            return MISSING
        found = self._entries.get(key, MISSING)
        if found is MISSING:
            self.misses += 1
        else:
            self._entries.move_to_end(key)
            self.hits += 1
        return found

    def put(self, generation: Generation, key: Hashable, value: Any) -> None:
        """Cache ``value``, read after ``generation`` was; another generation empties the
        cache first."""
        if generation != self.generation:
            if self._entries:
                self.invalidations += 1
            self._entries.clear()
            self.generation = generation
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def _alert_row(alert: dict[str, Any]) -> dict[str, Any]:
    out = dict(alert)
    out["created_at"] = from_millis(out.get("created_at"))
    return out


class Store:
    """The API's data access: one instance per app, around the process's one driver."""

    def __init__(
        self,
        driver: neo4j.AsyncDriver,
        database: str,
        metrics: Metrics | None = None,
        *,
        query_timeout_s: float = QUERY_TIMEOUT_S,
        results: ResultsCache | None = None,
    ) -> None:
        self.driver = driver
        self.database = database
        self.metrics = metrics if metrics is not None else Metrics()
        self.query_timeout_s = query_timeout_s
        #: Stored results by generation; ``None``: every read goes to Neo4j.
        self.results = results

    async def _run(
        self,
        query: str,
        params: dict[str, Any] | None = None,
        *,
        write: bool = False,
        timeout_s: float | None = None,
    ) -> list[dict[str, Any]]:
        """Run one query within ``timeout_s`` (default: the store's); its duration and any
        error are counted under its constant's name."""
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        name = query_name(query)
        metrics = self.metrics
        limit = self.query_timeout_s if timeout_s is None else timeout_s
        started = time.perf_counter()
        metrics.sessions_in_use.inc()
        try:
            async with asyncio.timeout(limit + CLIENT_MARGIN_S):
                async with self.driver.session(
                    database=self.database, default_access_mode=mode
                ) as session:
                    result = await session.run(neo4j.Query(query, timeout=limit), params or {})
                    keys = result.keys()
                    # Not ``record.data()``: its recursive export walks every value and costs
                    # more than the query; the API's queries return maps and lists.
                    rows = [dict(zip(keys, record, strict=True)) async for record in result]
        except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError, OSError) as e:
            # TimeoutError is an OSError. The class names the failure; the driver's message
            # may hold the server address, and a query's parameters never appear here.
            metrics.query_errors.labels(name, type(e).__name__).inc()
            _log.warning("neo4j query failed", query=name, error=type(e).__name__)
            if isinstance(e, neo4j.exceptions.Neo4jError) and e.code in _TIMED_OUT:
                raise TimeoutError("the query ran past its transaction timeout") from e
            raise
        finally:
            metrics.sessions_in_use.dec()
        metrics.query_latency.labels(name).observe(time.perf_counter() - started)
        return rows

    async def generation(self) -> Generation | None:
        """The stored results' generation now; ``None`` while an analysis run is writing (its
        results are not all there yet: nothing is cached)."""
        row = (await self._run(q.STORED_RESULTS_GENERATION))[0]
        if row["running"]:
            return None
        versions = sum(int(v or 0) for v in row["versions"])
        numbers = sum(int(v or 0) for v in row["case_numbers"])
        run = row["run"][0] if row["run"] else None
        return (
            int(row["runs"]),
            run,
            versions,
            numbers,
            int(row["cases"]),
            int(row["alerts"]),
            int(row["clusters"]),
        )

    async def _stored(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        """A stored result: from the cache when it holds one of the generation just read,
        else ``read()`` (and cached under that generation)."""
        cache = self.results
        if cache is None:
            return await read()
        generation = await self.generation()
        if generation is None:
            cache.bypassed += 1
            return await read()
        found = cache.get(generation, key)
        if found is not MISSING:
            return found  # type: ignore[no-any-return]
        value = await read()
        cache.put(generation, key, value)
        return value

    async def _plan(self, plan: Plan[T]) -> T:
        """Run a :mod:`graph.subgraph` plan, each of its queries through :meth:`_run`."""
        return await run_async(plan, self._run)

    async def case_plan(self, plan: Plan[T]) -> T:
        """Run a plan of :mod:`graph.cases.ops` (its writes included), each query its own
        auto-commit transaction; a write refused by a constraint (a second case from one
        alert, raced) is the case model's error (:func:`graph.cases.ops.constraint_refusal`)."""

        async def write(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
            try:
                return await self._run(query, params, write=True)
            except neo4j.exceptions.ConstraintError:
                raise constraint_refusal(query, params) from None

        return await run_async(plan, write)

    async def read_plan(self, plan: Plan[T]) -> T:
        """Run a plan that only reads (a Bibob screening, the cases of a subject), each of its
        queries through :meth:`_run`."""
        return await self._plan(plan)

    async def operations_records(self) -> dict[str, Any]:
        """Analysis runs and deliveries per status, and the latest completed of each (for
        ``/metrics``; :data:`api.queries.OPERATIONS_RECORDS`)."""
        rows = await self._run(q.OPERATIONS_RECORDS)
        return rows[0]

    async def _rows(
        self, query: str, params: dict[str, Any], *, timeout_s: float | None = None
    ) -> list[dict[str, Any]]:
        """Run a query that returns its rows collected into one record (``rows``).

        The async driver's cost is per record (each one is awaited and unpacked on its own),
        so queries that return many rows collect them into a single list.
        """
        rows = await self._run(query, params, timeout_s=timeout_s)
        return list(rows[0]["rows"]) if rows else []

    async def partial_deliveries(self, *, timeout_s: float | None = None) -> list[dict[str, Any]]:
        """``{id, partner, chunks_committed}`` of each delivery whose data is partly visible
        (a chunked delivery still loading after one of its transactions committed); within
        ``timeout_s`` when given (``/ready`` answers quickly)."""
        return await self._rows(q.PARTIAL_DELIVERIES, {}, timeout_s=timeout_s)

    # -- alerts ----------------------------------------------------------------------------------

    async def alerts_page(
        self,
        *,
        org: str,
        own_region: str | None,
        cross_only: bool,
        status: str | None,
        typology: str | None,
        region: str | None,
        since: datetime | None,
        cursor: tuple[datetime, str] | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Alerts visible to the caller, newest first, ``limit`` of them (a stored result,
        cached under the caller's organisation and filters: one organisation's statuses are
        never served to another)."""
        params = {
            "org": org,
            "own_region": own_region,
            "cross_only": cross_only,
            "status": status,
            "typology": typology,
            "region": region,
            "since": since,
            "cursor_at": cursor[0] if cursor else None,
            "cursor_id": cursor[1] if cursor else None,
            "limit": limit,
        }
        key = ("alerts_page", *params.values())
        return await self._stored(key, lambda: self._alerts_page(params))

    async def _alerts_page(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        rows = await self._run(q.ALERTS_PAGE, params)
        page = rows[0]["page"] if rows else []
        return [
            {
                **_alert_row(row["alert"]),
                "cross_region": bool(row["cross_region"]),
                "status": row["status"],
                "status_changed_at": from_millis(row["status_changed_at"]),
                "case_reference": row["case_reference"],
            }
            for row in page
        ]

    async def alert_detail(self, alert_id: str) -> dict[str, Any] | None:
        """An alert, its cluster's summary and every organisation's status (a stored result:
        the router filters it per caller)."""
        return await self._stored(("alert", alert_id), lambda: self._alert_detail(alert_id))

    async def _alert_detail(self, alert_id: str) -> dict[str, Any] | None:
        rows = await self._run(q.ALERT_DETAIL, {"id": alert_id})
        if not rows:
            return None
        row = native(rows[0])
        return {
            "alert": {**_alert_row(row["alert"]), "case_reference": row["case_reference"]},
            "cluster": parse_json_properties(row["cluster"]),
            "statuses": row["statuses"],
        }

    async def set_alert_status(
        self,
        *,
        alert_id: str,
        org: str,
        status: str,
        allowed_from: list[str],
        note: str,
        by: str,
        case_reference: str | None,
    ) -> dict[str, Any] | None:
        """Change one organisation's status; ``None`` when the alert does not exist."""
        rows = await self._run(
            q.ALERT_SET_STATUS,
            {
                "id": alert_id,
                "status_id": f"{alert_id}|{org}",
                "org": org,
                "status": status,
                "allowed_from": allowed_from,
                "note": note,
                "by": by,
                "case_reference": case_reference,
            },
            write=True,
        )
        return native(rows[0]) if rows else None

    async def use_login_ticket(self, jti: str, *, expires: int) -> bool:
        """Mark a one-time sign-in link used; ``False`` when it was used before."""
        rows = await self._run(q.LOGIN_TICKET_USE, {"jti": jti, "expires": expires}, write=True)
        return bool(rows and rows[0]["fresh"])

    # -- clusters --------------------------------------------------------------------------------

    async def cluster(self, cluster_id: str) -> dict[str, Any] | None:
        """A cluster's properties (JSON ones decoded), or ``None`` (a stored result)."""
        return await self._stored(("cluster", cluster_id), lambda: self._cluster(cluster_id))

    async def _cluster(self, cluster_id: str) -> dict[str, Any] | None:
        rows = await self._run(q.CLUSTER, {"id": cluster_id})
        if not rows:
            return None
        return parse_json_properties(native(rows[0]["cluster"]))

    async def cross_region_cluster_ids(self, limit: int = 200) -> list[str]:
        """Ids of active cross-region clusters, those with alerts first."""
        rows = await self._rows(q.CROSS_REGION_CLUSTER_IDS, {"limit": limit})
        return [str(row["id"]) for row in rows]

    async def cluster_detail(
        self, cluster_id: str, *, region: str | None, scope: frozenset[str] = frozenset()
    ) -> dict[str, Any] | None:
        """A cluster (JSON properties decoded) with the members of ``region`` and those in
        ``scope`` (node keys of a case's scope), the regions of the other members
        (``hidden_regions``), its history and alert ids; ``None`` when it does not exist. A
        stored result, cached under the region and the scope it shows members of."""
        return await self._stored(
            ("cluster_detail", cluster_id, region, scope),
            lambda: self._cluster_detail(cluster_id, region=region, scope=scope),
        )

    async def _cluster_detail(
        self, cluster_id: str, *, region: str | None, scope: frozenset[str]
    ) -> dict[str, Any] | None:
        rows = await self._run(
            q.CLUSTER_DETAIL, {"id": cluster_id, "region": region, "scope": sorted(scope)}
        )
        if not rows:
            return None
        row = native(rows[0])
        cluster = parse_json_properties(row["cluster"])
        for key in ("created_at", "updated_at"):
            cluster[key] = from_millis(cluster.get(key))
        row["cluster"] = cluster
        row["history"] = [
            {**parse_json_properties(e), "at": from_millis(e.get("at"))} for e in row["history"]
        ]
        return dict(row)

    async def cluster_subgraph(
        self,
        cluster_id: str,
        *,
        max_nodes: int,
        max_links: int,
        today: date,
        scope: frozenset[str] | None = None,
    ) -> ClusterGraph:
        """A cluster's graph from the core's reader (:func:`graph.subgraph.cluster_graph`, as
        for ``knooppunt view``); ``truncated`` when a limit was hit. With ``scope`` (a case's
        node keys) people outside it are left out and counted per region (``outside``)."""
        found = await self._plan(
            cluster_graph(
                cluster_id, today=today, max_nodes=max_nodes, max_links=max_links, scope=scope
            )
        )
        if found is None:
            raise NotFoundError("no cluster with this id")
        return found

    async def expand(
        self,
        node_id: str,
        *,
        cluster_id: str,
        today: date,
        limit: int,
        kind: NodeLabel | None = None,
        scope: frozenset[str] | None = None,
    ) -> Expansion:
        """A node's neighbours, capped at ``limit``, within ``scope``
        (:func:`graph.subgraph.expand`; 403 for a node outside it, 404 for no such node)."""
        plan = expand(
            node_id, cluster_id=cluster_id, today=today, limit=limit, kind=kind, scope=scope
        )
        try:
            return await self._plan(plan)
        except OutsideScopeError as e:
            raise OutsideCaseScopeError("this node is outside the case's scope") from e
        except GraphNotFoundError as e:
            raise NotFoundError("no node with this identifier") from e

    # -- cases: purpose binding ------------------------------------------------------------------

    async def case_access(self, reference: str) -> CaseAccessFacts:
        """The facts the purpose check needs of a case (:class:`CaseNotFoundError` for none)."""
        return await self._plan(case_access(reference))

    async def scope_keys(self, scope: Scope, *, today: date) -> frozenset[str]:
        """The node keys of a case's scope (:func:`graph.subgraph.scope.scope_keys`)."""
        return await self._plan(scope_keys(scope, today=today))

    async def entity_keys(self, ids: list[str], *, today: date) -> dict[str, set[str]]:
        """The node keys of entities by id (:func:`graph.subgraph.scope.entity_keys`)."""
        return await self._plan(entity_keys(ids, today=today))

    async def log_case_read(
        self,
        reference: str,
        actor: Actor,
        *,
        endpoint: str,
        target: str,
        size: int,
        outside: int,
    ) -> None:
        """Log a person-level read on its case (:func:`graph.cases.binding.log_read`)."""
        plan = log_read(
            reference, actor, endpoint=endpoint, target=target, size=size, outside=outside
        )
        await self.case_plan(plan)

    async def case_reads(self, reference: str, *, limit: int) -> tuple[list[CaseRead], int]:
        """The latest reads logged on a case and their total."""
        return await self._plan(case_reads(reference, limit=limit))

    # -- subjects --------------------------------------------------------------------------------

    async def subject(self, subject_id: str, *, today: date) -> dict[str, Any] | None:
        """Labels, own regions and active clusters of an entity, or ``None``."""
        rows = await self._run(q.SUBJECT, {"id": subject_id, "today": today})
        if not rows:
            return None
        return dict(native(rows[0]))

    async def network(
        self,
        subject_id: str,
        *,
        depth: int,
        path_hops: int,
        hub_limit: int,
        max_nodes: int,
        today: date,
        kind: NodeLabel | None = None,
        scope: frozenset[str] | None = None,
    ) -> NetworkResult:
        """The subject's neighbourhood to ``depth`` and shortest paths (at most ``path_hops``
        links, not through hubs) to members of flagged clusters: the core's breadth-first walk,
        :func:`graph.subgraph.neighbourhood`, as for ``knooppunt view --subject``."""
        plan = neighbourhood(
            subject_id,
            today=today,
            depth=depth,
            kind=kind,
            hub_limit=hub_limit,
            max_nodes=max_nodes,
            path_hops=path_hops,
            scope=scope,
        )
        try:
            found = await self._plan(plan)
        except OutsideScopeError as e:
            raise OutsideCaseScopeError("this subject is outside the case's scope") from e
        except GraphNotFoundError as e:
            raise NotFoundError("no subject with this identifier") from e
        return network_shape(found)

    async def export(self, subject_id: str) -> dict[str, Any] | None:
        """Everything held under one token (expired facts too, with their retention)."""
        rows = await self._run(q.EXPORT, {"id": subject_id, "link_types": list(q.LINK_TYPES)})
        if not rows:
            return None
        row = rows[0]
        links = []
        for raw in row["links"]:
            link = graph_link(raw)
            link["other_id"] = str(raw["other"]["id"])
            link["other_label"] = entity_label([str(x) for x in raw["other"]["labels"]])
            links.append(link)
        clusters = [
            {
                "membership": native(c["membership"]),
                "cluster": parse_json_properties(native(c["cluster"])),
            }
            for c in row["clusters"]
        ]
        return {
            "subject": graph_node(row["node"]),
            "links": links,
            "clusters": clusters,
            "alerts": [native(a) for a in row["alerts"]],
        }

    # -- trends ----------------------------------------------------------------------------------

    async def trend_atoms(self, measure: Measure, *, first: date, last: date) -> list[Atom]:
        """The atoms of ``measure`` in the whole calendar years ``first.year..last.year``
        (incidents by date; flagged clusters by first detection, UTC), for
        :func:`graph.trends.trend_answer`."""
        if measure == "incidents":
            params: dict[str, Any] = {
                "from": date(first.year, 1, 1),
                "to": date(last.year, 12, 31),
            }
            return incident_atoms(await self._rows(q.TREND_INCIDENT_ATOMS, params), REGIONS)
        params = {
            "from": datetime(first.year, 1, 1, tzinfo=UTC),
            "to_exclusive": datetime(last.year + 1, 1, 1, tzinfo=UTC),
        }

        async def read() -> list[Atom]:
            return cluster_atoms(await self._rows(q.TREND_CLUSTER_ATOMS, params), REGIONS)

        # Clusters are stored results (incidents are the live graph: never cached).
        return await self._stored(("cluster_atoms", first.year, last.year), read)
