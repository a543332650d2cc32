"""Reads and writes of the API against Neo4j: run a query from :mod:`api.queries`, return plain
Python data (native dates, parsed JSON properties). No access rules here: the routers apply
:mod:`api.access` and pass its results as parameters.

Queries run as auto-commit transactions (``session.run``): the driver's managed transactions
retry for up to 30 s, which would hold a request that long while Neo4j is down; here a dead
server gives a fast :class:`neo4j.exceptions.ServiceUnavailable` (503) and every query has a
client-side timeout.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

import neo4j
import neo4j.time

from api import queries as q
from api.metrics import Metrics, query_name
from graph.logs import get_logger
from graph.model import NodeLabel

__all__ = [
    "QUERY_TIMEOUT_S",
    "NetworkResult",
    "Store",
    "from_millis",
    "graph_link",
    "graph_node",
    "native",
]

#: Client-side limit on one query; past it the request gets a 503.
QUERY_TIMEOUT_S: Final = 10.0
_log = get_logger("knooppunt.api.store")
_JSON_PROPERTIES = frozenset(
    {"region_counts", "evidence", "score_explanation", "key_players", "details", "params"}
)
_PROVENANCE_LISTS = (
    ("partner", "src_partner"),
    ("delivery", "src_delivery"),
    ("legal_basis", "src_legal_basis"),
    ("first_seen", "src_first_seen"),
    ("last_seen", "src_last_seen"),
    ("retain_until", "src_retain_until"),
)
_PROVENANCE_KEYS = frozenset(
    {"partners", "first_seen", "last_seen", "retain_until", *(k for _, k in _PROVENANCE_LISTS)}
)
_ENTITY_LABELS = [
    label.value
    for label in (
        NodeLabel.PERSON,
        NodeLabel.COMPANY,
        NodeLabel.ADDRESS,
        NodeLabel.VEHICLE,
        NodeLabel.PHONE,
        NodeLabel.BANK_ACCOUNT,
        NodeLabel.CLUB,
        NodeLabel.INCIDENT,
        NodeLabel.INVESTIGATION,
        NodeLabel.PERMIT_APPLICATION,
    )
]


def native(value: Any) -> Any:
    """Neo4j values to plain Python (temporal types to ``date``/``datetime``), recursively."""
    if isinstance(value, neo4j.time.DateTime):
        result = value.to_native()
        return result if result.tzinfo else result.replace(tzinfo=UTC)
    if isinstance(value, neo4j.time.Date):
        return value.to_native()
    if isinstance(value, neo4j.time.Time | neo4j.time.Duration):
        return str(value)
    if isinstance(value, dict):
        return {k: native(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [native(v) for v in value]
    return value


def from_millis(value: Any) -> Any:
    """Epoch milliseconds (how the hot queries return datetimes) to an aware ``datetime``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return native(value)


def _alert_row(alert: dict[str, Any]) -> dict[str, Any]:
    out = dict(alert)
    out["created_at"] = from_millis(out.get("created_at"))
    return out


def parse_json_properties(props: dict[str, Any]) -> dict[str, Any]:
    """Decode the properties ``docs/analysis.md`` stores as JSON strings."""
    out = dict(props)
    for key in _JSON_PROPERTIES & out.keys():
        value = out[key]
        if isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = None
    return out


def _provenance(props: dict[str, Any]) -> dict[str, Any]:
    lists = {name: props.get(key) or [] for name, key in _PROVENANCE_LISTS}
    length = max((len(v) for v in lists.values()), default=0)
    sources = [
        {name: (values[i] if i < len(values) else None) for name, values in lists.items()}
        for i in range(length)
    ]
    return {
        "partners": list(props.get("partners") or []),
        "sources": sources,
        "first_seen": props.get("first_seen"),
        "last_seen": props.get("last_seen"),
        "retain_until": props.get("retain_until"),
    }


def _date_or_none(value: Any) -> Any:
    return value if isinstance(value, date) else None


def _clean_provenance(prov: dict[str, Any]) -> dict[str, Any]:
    for key in ("first_seen", "last_seen", "retain_until"):
        prov[key] = _date_or_none(prov[key])
        for source in prov["sources"]:
            source[key] = _date_or_none(source.get(key))
    for source in prov["sources"]:
        for key in ("partner", "delivery", "legal_basis"):
            if source.get(key) is not None:
                source[key] = str(source[key])
    prov["partners"] = [str(p) for p in prov["partners"]]
    return prov


def graph_node(
    raw: dict[str, Any], *, region: str | None = None, member: bool = False
) -> dict[str, Any]:
    """``{id, labels, props}`` from a query to the API's node shape."""
    props = native(raw.get("props") or {})
    labels = [str(label) for label in raw.get("labels") or []]
    label = next((name for name in _ENTITY_LABELS if name in labels), labels[0] if labels else "")
    node_region = region if region is not None else props.get("region")
    return {
        "id": str(raw.get("id")),
        "label": label,
        "region": node_region if isinstance(node_region, str) else None,
        "member": member,
        "properties": {k: v for k, v in props.items() if k not in _PROVENANCE_KEYS and k != "id"},
        "provenance": _clean_provenance(_provenance(props)),
    }


def graph_link(raw: dict[str, Any]) -> dict[str, Any]:
    """``{id, type, source, target, props}`` from a query to the API's link shape."""
    props = native(raw.get("props") or {})
    return {
        "id": str(raw["id"]),
        "type": str(raw["type"]),
        "source": str(raw["source"]),
        "target": str(raw["target"]),
        "properties": {k: v for k, v in props.items() if k not in _PROVENANCE_KEYS},
        "provenance": _clean_provenance(_provenance(props)),
    }


def _link_kind(props: dict[str, Any]) -> str | None:
    for key in ("role", "kind"):
        value = props.get(key)
        if isinstance(value, str):
            return value
    return None


@dataclass(slots=True)
class NetworkResult:
    """What a breadth-first walk from a subject found."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    flagged_paths: list[dict[str, Any]] = field(default_factory=list)
    hubs: list[str] = field(default_factory=list)
    truncated: bool = False


class Store:
    """The API's data access: one instance per app, around the process's one driver."""

    def __init__(
        self, driver: neo4j.AsyncDriver, database: str, metrics: Metrics | None = None
    ) -> None:
        self.driver = driver
        self.database = database
        self.metrics = metrics if metrics is not None else Metrics()

    async def _run(
        self, query: str, params: dict[str, Any] | None = None, *, write: bool = False
    ) -> list[dict[str, Any]]:
        """Run one query; its duration and any error are counted under its constant's name."""
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        name = query_name(query)
        metrics = self.metrics
        started = time.perf_counter()
        metrics.sessions_in_use.inc()
        try:
            async with asyncio.timeout(QUERY_TIMEOUT_S):
                async with self.driver.session(
                    database=self.database, default_access_mode=mode
                ) as session:
                    result = await session.run(query, params or {})
                    keys = result.keys()
                    # Not ``record.data()``: its recursive export walks every value and costs
                    # more than the query; the API's queries return maps and lists.
                    rows = [dict(zip(keys, record, strict=True)) async for record in result]
        except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError, OSError) as e:
            # TimeoutError is an OSError. The class names the failure; the driver's message
            # may hold the server address, and a query's parameters never appear here.
            metrics.query_errors.labels(name, type(e).__name__).inc()
            _log.warning("neo4j query failed", query=name, error=type(e).__name__)
            raise
        finally:
            metrics.sessions_in_use.dec()
        metrics.query_latency.labels(name).observe(time.perf_counter() - started)
        return rows

    async def operations_records(self) -> dict[str, Any]:
        """Analysis runs and deliveries per status, and the latest completed of each (for
        ``/metrics``; :data:`api.queries.OPERATIONS_RECORDS`)."""
        rows = await self._run(q.OPERATIONS_RECORDS)
        return rows[0]

    async def _rows(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run a query that returns its rows collected into one record (``rows``).

        The async driver's cost is per record (each one is awaited and unpacked on its own),
        so queries that return many rows collect them into a single list.
        """
        rows = await self._run(query, params)
        return list(rows[0]["rows"]) if rows else []

    async def partial_deliveries(self) -> list[dict[str, Any]]:
        """``{id, partner, chunks_committed}`` of each delivery whose data is partly visible
        (a chunked delivery still loading after one of its transactions committed)."""
        return await self._rows(q.PARTIAL_DELIVERIES, {})

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
        """Alerts visible to the caller, newest first, ``limit`` of them."""
        rows = await self._run(
            q.ALERTS_PAGE,
            {
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
            },
        )
        page = rows[0]["page"] if rows else []
        return [
            {
                **_alert_row(row["alert"]),
                "cross_region": bool(row["cross_region"]),
                "status": row["status"],
                "status_changed_at": from_millis(row["status_changed_at"]),
            }
            for row in page
        ]

    async def alert_detail(self, alert_id: str) -> dict[str, Any] | None:
        """An alert, its cluster's summary and every organisation's status."""
        rows = await self._run(q.ALERT_DETAIL, {"id": alert_id})
        if not rows:
            return None
        row = native(rows[0])
        return {
            "alert": _alert_row(row["alert"]),
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

    # -- clusters --------------------------------------------------------------------------------

    async def cluster(self, cluster_id: str) -> dict[str, Any] | None:
        """A cluster's properties (JSON ones decoded), or ``None``."""
        rows = await self._run(q.CLUSTER, {"id": cluster_id})
        if not rows:
            return None
        return parse_json_properties(native(rows[0]["cluster"]))

    async def cross_region_cluster_ids(self, limit: int = 200) -> list[str]:
        """Ids of active cross-region clusters, those with alerts first."""
        rows = await self._rows(q.CROSS_REGION_CLUSTER_IDS, {"limit": limit})
        return [str(row["id"]) for row in rows]

    async def cluster_detail(
        self, cluster_id: str, *, all_members: bool, region: str | None
    ) -> dict[str, Any] | None:
        """A cluster (JSON properties decoded) with the members asked for, its history and
        alert ids; ``None`` when it does not exist."""
        rows = await self._run(
            q.CLUSTER_DETAIL, {"id": cluster_id, "all": all_members, "region": region}
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

    async def cluster_graph(
        self, cluster_id: str, *, max_nodes: int, max_links: int, today: date
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
        """Nodes and links of a cluster; ``truncated`` when a limit was hit."""
        members = await self._rows(
            q.CLUSTER_GRAPH_MEMBERS, {"id": cluster_id, "max_nodes": max_nodes + 1}
        )
        links = await self._rows(
            q.CLUSTER_GRAPH_LINKS,
            {
                "id": cluster_id,
                "link_types": list(q.LINK_TYPES),
                "today": today,
                "max_links": max_links + 1,
            },
        )
        truncated = len(members) > max_nodes or len(links) > max_links
        nodes: dict[str, dict[str, Any]] = {}
        for row in members[:max_nodes]:
            membership = native(row["membership"])
            node = graph_node(row["node"], region=membership.get("region"), member=True)
            node["properties"]["membership"] = membership
            nodes[node["id"]] = node
        out_links: list[dict[str, Any]] = []
        for row in links[:max_links]:
            if row["connector"] is not None and row["connector"]["id"] not in nodes:
                connector = graph_node(row["connector"])
                nodes[connector["id"]] = connector
            link = graph_link(row)
            if link["source"] in nodes and link["target"] in nodes:
                out_links.append(link)
        return list(nodes.values()), out_links, truncated

    # -- subjects --------------------------------------------------------------------------------

    async def subject(self, subject_id: str, *, today: date) -> dict[str, Any] | None:
        """Labels, own regions and active clusters of an entity, or ``None``."""
        rows = await self._run(q.SUBJECT, {"id": subject_id, "today": today})
        if not rows:
            return None
        return dict(native(rows[0]))

    async def nodes(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Nodes by id, in the API's node shape."""
        rows = await self._rows(q.NODES, {"ids": ids})
        return {str(row["node"]["id"]): graph_node(row["node"]) for row in rows}

    async def network(
        self,
        subject_id: str,
        *,
        depth: int,
        path_hops: int,
        hub_limit: int,
        max_nodes: int,
        today: date,
    ) -> NetworkResult:
        """Breadth-first walk: the neighbourhood to ``depth`` and shortest paths (at most
        ``path_hops`` links, through non-hub nodes) to members of flagged clusters."""
        result = NetworkResult()
        # parent[id] = (previous id, link) on a shortest path from the subject.
        parent: dict[str, tuple[str, dict[str, Any]] | None] = {subject_id: None}
        hop: dict[str, int] = {subject_id: 0}
        reached: dict[str, str] = {}  # cluster id -> first member reached
        clusters: dict[str, dict[str, Any]] = {}
        frontier = [subject_id]
        await self._note_flagged([subject_id], reached, clusters)
        hubs: list[str] = []
        hood = {subject_id}
        for level in range(1, max(depth, path_hops) + 1):
            if not frontier:
                break
            max_links = max_nodes * 20
            params = {
                "frontier": frontier,
                "hub_limit": hub_limit,
                "link_types": list(q.LINK_TYPES),
                "today": today,
                "max_links": max_links,
            }
            rows = await self._rows(q.EXPAND, params)
            if len(rows) >= max_links:
                result.truncated = True
            if level <= depth:  # hubs in the shown neighbourhood
                hub_rows = await self._rows(q.HUBS, {"frontier": frontier, "hub_limit": hub_limit})
                hubs.extend(str(r["id"]) for r in hub_rows)
            next_frontier: list[str] = []
            for row in rows:
                other = str(row["node"]["id"])
                from_id = str(row["from_id"])
                if level <= depth and from_id in hood:
                    if other in hood or len(hood) <= max_nodes:
                        if other not in hood:
                            hood.add(other)
                            result.nodes[other] = graph_node(row["node"])
                        if row["id"] not in result.links:
                            result.links[str(row["id"])] = graph_link(row)
                    else:
                        result.truncated = True
                if other not in parent:
                    # The raw row: converted only if this link ends up on a path.
                    parent[other] = (from_id, row)
                    hop[other] = level
                    next_frontier.append(other)
            if next_frontier:
                await self._note_flagged(next_frontier, reached, clusters)
            frontier = next_frontier[: max_nodes * 4]
            if len(next_frontier) > max_nodes * 4:
                result.truncated = True
        result.hubs = sorted(set(hubs))
        for cluster_id, member in reached.items():
            steps: deque[dict[str, Any]] = deque()
            node = member
            while (entry := parent.get(node)) is not None:
                previous, raw = entry
                link = graph_link(raw)
                steps.appendleft(
                    {
                        "source": previous,
                        "target": node,
                        "type": link["type"],
                        "kind": _link_kind(link["properties"]),
                        "partners": link["provenance"]["partners"],
                    }
                )
                node = previous
            result.flagged_paths.append(
                {
                    "cluster": clusters[cluster_id],
                    "member": member,
                    "hops": hop[member],
                    "steps": list(steps),
                }
            )
        result.flagged_paths.sort(key=lambda p: (p["hops"], p["cluster"]["id"]))
        return result

    async def _note_flagged(
        self, ids: list[str], reached: dict[str, str], clusters: dict[str, dict[str, Any]]
    ) -> None:
        rows = await self._rows(q.FLAGGED_MEMBERSHIPS, {"ids": ids})
        order = {node_id: i for i, node_id in enumerate(ids)}
        for row in sorted(rows, key=lambda r: (order.get(str(r["id"]), 0), str(r["id"]))):
            cluster = parse_json_properties(native(row["cluster"]))
            if cluster["id"] not in reached:
                reached[cluster["id"]] = str(row["id"])
                clusters[cluster["id"]] = cluster

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
            other_labels = [str(x) for x in raw["other"]["labels"]]
            link["other_label"] = next(
                (name for name in _ENTITY_LABELS if name in other_labels), None
            )
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

    async def trend_incidents(
        self,
        *,
        start: date,
        end: date,
        incident_type: str | None,
        typology: str | None,
    ) -> list[dict[str, Any]]:
        """``{region, year, quarter, n}`` rows of incidents."""
        return await self._rows(
            q.TREND_INCIDENTS,
            {"from": start, "to": end, "incident_type": incident_type, "typology": typology},
        )

    async def trend_clusters(
        self, *, start: date, end: date, typology: str | None, cross_only: bool
    ) -> list[dict[str, Any]]:
        """``{region, year, quarter, n}`` rows of flagged clusters by first detection."""
        start_dt = datetime(start.year, start.month, start.day, tzinfo=UTC)
        end_dt = datetime.fromordinal(end.toordinal() + 1).replace(tzinfo=UTC)
        return await self._rows(
            q.TREND_CLUSTERS,
            {
                "from": start_dt,
                "to_exclusive": end_dt,
                "typology": typology,
                "cross_only": cross_only,
            },
        )
