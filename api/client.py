"""A small client of the Knooppunt API for notebooks and scripts (issue 16 item 6, decision 078).

Every read goes through the API, so need-to-know, the case binding and the audit log apply as
for any other caller: a token names the organisation and role, a case reference the case that
person-level reads are for. The answers are the API's own models (:mod:`api.schemas`);
:func:`to_networkx` turns a cluster graph or a network into the graph that
:func:`graph.viz.render_network_page` and :mod:`graph.viz.explore` take, through the same
adapter as ``knooppunt view`` (:func:`graph.viz.load.to_networkx`).

>>> client = KnooppuntClient("http://127.0.0.1:8000", token="...", case_reference="LB-2026-0001")
>>> client.base_url
'http://127.0.0.1:8000'
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal, Self, TypeVar

import httpx
import networkx as nx
from pydantic import BaseModel

from api.case_schemas import CaseDetail
from api.schemas import (
    Alert,
    AlertPage,
    ClusterDetail,
    ClusterGraph,
    Expansion,
    GraphLink,
    GraphNode,
    Network,
    TrendTable,
)
from graph.subgraph.model import ClusterGraph as CoreClusterGraph
from graph.subgraph.model import Link, Neighbourhood, Node
from graph.viz.load import node_key
from graph.viz.load import to_networkx as core_to_networkx

__all__ = [
    "API_TOKEN_ENV",
    "API_URL_ENV",
    "CASE_REFERENCE_ENV",
    "ApiError",
    "KnooppuntClient",
    "to_networkx",
]

#: Environment variables :meth:`KnooppuntClient.from_env` reads.
API_URL_ENV: Final = "KNOOPPUNT_API_URL"
API_TOKEN_ENV: Final = "KNOOPPUNT_API_TOKEN"  # noqa: S105 (a variable's name)
CASE_REFERENCE_ENV: Final = "KNOOPPUNT_CASE_REFERENCE"
_CASE_HEADER: Final = "X-Case-Reference"

M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    """The API refused or failed a request: its status, problem type and detail (the API's
    own words; they never hold the values sent)."""

    def __init__(self, status: int, problem: str | None, detail: str | None) -> None:
        self.status = status
        self.problem = problem
        self.detail = detail
        self.reference: str | None = None
        super().__init__(f"{status} {problem or ''}: {detail or ''}".strip())


@dataclass(frozen=True, slots=True)
class KnooppuntClient:
    """The API at ``base_url`` as the bearer of ``token``; person-level reads for the case
    ``case_reference`` (see :meth:`for_case`). ``transport`` is for tests (an ASGI app)."""

    base_url: str
    token: str
    case_reference: str | None = None
    timeout_s: float = 60.0
    transport: httpx.BaseTransport | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KnooppuntClient:
        """A client from ``KNOOPPUNT_API_URL``, ``KNOOPPUNT_API_TOKEN`` and optionally
        ``KNOOPPUNT_CASE_REFERENCE`` (``knooppunt token`` mints a token)."""
        env = os.environ if environ is None else environ
        missing = [name for name in (API_URL_ENV, API_TOKEN_ENV) if not env.get(name)]
        if missing:
            raise ValueError("set " + " and ".join(missing) + " (knooppunt token mints a token)")
        return cls(env[API_URL_ENV], env[API_TOKEN_ENV], env.get(CASE_REFERENCE_ENV) or None)

    def for_case(self, reference: str) -> Self:
        """The same client, its person-level reads for the case ``reference``."""
        return type(self)(self.base_url, self.token, reference, self.timeout_s, self.transport)

    # -- transport ---------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.case_reference is not None:
            headers[_CASE_HEADER] = self.case_reference
        return httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=self.timeout_s,
            transport=self.transport,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One request; :class:`ApiError` for an answer of 400 or more."""
        query = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        with self._http() as http:
            response = http.request(method, path, params=query, json=json)
        if response.status_code >= 400:
            raise _error(response)
        return response

    def _get(self, model: type[M], path: str, **params: Any) -> M:
        return model.model_validate_json(self.request("GET", path, params=params).content)

    # -- reads -------------------------------------------------------------------------------

    def alerts(
        self,
        *,
        status: str | None = None,
        typology: str | None = None,
        region: str | None = None,
        page_size: int = 200,
    ) -> list[Alert]:
        """Every alert for the caller's organisation (newest first), page after page."""
        return list(self._alerts(status=status, typology=typology, region=region, size=page_size))

    def _alerts(self, **params: Any) -> Iterator[Alert]:
        cursor: str | None = None
        size = params.pop("size")
        while True:
            page = self._get(AlertPage, "/alerts", limit=size, cursor=cursor, **params)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def cluster(self, cluster_id: str) -> ClusterDetail:
        """A cluster with its evidence, score, members (within the case, when one is set)."""
        return self._get(ClusterDetail, f"/clusters/{cluster_id}")

    def cluster_graph(self, cluster_id: str) -> ClusterGraph:
        """A cluster's network within the case's scope, with its first-view layout."""
        return self._get(ClusterGraph, f"/clusters/{cluster_id}/graph")

    def expand(
        self, cluster_id: str, node: str, *, limit: int = 25, kind: str | None = None
    ) -> Expansion:
        """A node's neighbours within the case's scope, at most ``limit``."""
        return self._get(
            Expansion, f"/clusters/{cluster_id}/expand", node=node, limit=limit, kind=kind
        )

    def network(self, subject: str, *, depth: int = 1, company: bool = False) -> Network:
        """A subject's (a token's, or with ``company`` a KvK number's) network and its paths to
        flagged clusters, within the case's scope."""
        path = f"/companies/{subject}/network" if company else f"/subjects/{subject}/network"
        return self._get(Network, path, depth=depth)

    def trends(
        self,
        *,
        measure: Literal["incidents", "clusters"] = "incidents",
        by: str = "region,quarter",
        first: date | None = None,
        last: date | None = None,
        **params: Any,
    ) -> TrendTable:
        """A trend table as ``GET /trends`` publishes it (hidden figures are ``None``)."""
        return self._get(
            TrendTable, "/trends", measure=measure, by=by, **{"from": first, "to": last}, **params
        )

    def export(
        self,
        cluster_id: str,
        file_format: Literal["graphml", "csv"],
        *,
        expanded: list[str] | None = None,
        nodes: list[str] | None = None,
        links: list[str] | None = None,
    ) -> bytes:
        """A cluster's view as GraphML or a CSV zip (audited, within the case's scope)."""
        body = {"format": file_format, "expanded": expanded or [], "nodes": nodes, "links": links}
        return self.request("POST", f"/clusters/{cluster_id}/exports", json=body).content

    # -- cases -------------------------------------------------------------------------------

    def open_case(
        self,
        *,
        title: str,
        purpose: str,
        phenomenon: str = "other",
        legal_basis: str = "WPG",
        alert_id: str | None = None,
    ) -> str:
        """Open a case (a coordinator's token), from ``alert_id`` when given; its reference.
        An alert that has a case already gives that case's reference."""
        body = {
            "title": title,
            "purpose": purpose,
            "phenomenon": phenomenon,
            "legal_basis": legal_basis,
            "alert_id": alert_id,
        }
        try:
            answer = self.request("POST", "/cases", json=body)
        except ApiError as e:
            if e.reference is not None:
                return e.reference
            raise
        return CaseDetail.model_validate_json(answer.content).reference


def _param(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _error(response: httpx.Response) -> ApiError:
    problem: dict[str, Any] = {}
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        found = response.json()
        problem = found if isinstance(found, dict) else {}
    kind = problem.get("type")
    error = ApiError(
        response.status_code,
        str(kind).rsplit("/", 1)[-1] if kind else None,
        str(problem["detail"]) if "detail" in problem else response.reason_phrase,
    )
    if isinstance(problem.get("case_reference"), str):
        error.reference = problem["case_reference"]
    return error


# --- graphs -----------------------------------------------------------------------------------


def _props(shape: GraphNode | GraphLink) -> dict[str, Any]:
    """An entity's or link's properties with its provenance as the graph holds it (the
    ``partners``, ``src_delivery``, ``first_seen``, ``last_seen`` that the pages show)."""
    props = {k: v for k, v in shape.properties.items() if k != "membership"}
    prov = shape.provenance
    props["partners"] = list(prov.partners)
    props["src_delivery"] = [s.delivery for s in prov.sources if s.delivery]
    props["first_seen"] = prov.first_seen
    props["last_seen"] = prov.last_seen
    return props


def _node(node: GraphNode, *, cluster: str | None) -> Node:
    membership = node.properties.get("membership")
    return Node(
        key=node.id,
        id=node.id,
        labels=(node.label,),
        props=_props(node),
        membership=dict(membership) if isinstance(membership, dict) else None,
        cluster=cluster,
        home_region=node.region,
    )


def _link(link: GraphLink) -> Link:
    return Link(link.id, link.type, link.source, link.target, _props(link))


def to_networkx(graph: ClusterGraph | Network | Expansion) -> nx.MultiDiGraph:
    """The API's graph in :func:`graph.viz.render_network_page`'s input contract, through
    ``knooppunt view``'s adapter. A cluster graph's members carry their membership; in a
    network, the members of the flagged clusters its paths reach carry that cluster's id
    (``cluster``), ``graph.graph["clusters"]`` holds those clusters' summaries, and
    ``graph.graph["subject"]`` is the subject's node key."""
    links = [_link(link) for link in graph.links]
    if isinstance(graph, Network):
        clusters = {path.member: path.cluster.id for path in graph.flagged_paths}
        shapes = [graph.subject, *graph.nodes]
        nodes = {n.id: _node(n, cluster=clusters.get(n.id)) for n in shapes}
        subject = nodes[graph.subject.id]
        core = core_to_networkx(Neighbourhood(subject.key, nodes, links))
        core.graph["subject"] = node_key(subject.kind, subject.id)
        core.graph["clusters"] = {
            path.cluster.id: path.cluster.model_dump(mode="json") for path in graph.flagged_paths
        }
        core.graph["truncated"] = graph.truncated or bool(graph.hubs_not_expanded)
        return core
    cluster_id = graph.cluster_id if isinstance(graph, ClusterGraph) else None
    nodes = {
        n.id: _node(n, cluster=cluster_id if n.properties.get("membership") else None)
        for n in graph.nodes
    }
    core = core_to_networkx(CoreClusterGraph({}, nodes, links, []))
    core.graph["truncated"] = bool(getattr(graph, "truncated", False))
    return core
