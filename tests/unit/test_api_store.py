"""Conversions of Neo4j results to the API's shapes (api.store), the alert cursor, and the
``Store`` against a spec'd async driver: which query runs with which parameters, how records
become the returned shapes, how driver errors come out."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import neo4j
import neo4j.exceptions
import neo4j.time
import pytest

from api import queries as q
from api import store as store_module
from api.errors import BadRequestError, NotFoundError
from api.metrics import Metrics
from api.params import decode_cursor as _decode_cursor
from api.params import encode_cursor as _encode_cursor
from api.provenance import graph_link, graph_node
from api.store import Store
from graph.trends import Atom
from graph.values import from_millis, native, parse_json_properties


def test_native_converts_temporal_values_recursively() -> None:
    value = {
        "d": neo4j.time.Date(2025, 3, 1),
        "t": neo4j.time.DateTime(2025, 3, 1, 12, 30, 0, tzinfo=UTC),
        "nested": [neo4j.time.Date(2024, 1, 2), {"x": 1}],
    }
    out = native(value)
    assert out["d"] == date(2025, 3, 1)
    assert out["t"] == datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    assert out["nested"] == [date(2024, 1, 2), {"x": 1}]


def test_from_millis() -> None:
    assert from_millis(1738368000000) == datetime(2025, 2, 1, tzinfo=UTC)
    assert from_millis(None) is None
    assert from_millis(True) is True  # not a timestamp


def test_json_properties_are_decoded_and_bad_json_is_dropped() -> None:
    props = parse_json_properties(
        {"region_counts": '{"Limburg": 3}', "evidence": "not json", "name": '{"kept": "as text"}'}
    )
    assert props["region_counts"] == {"Limburg": 3}
    assert props["evidence"] is None
    assert props["name"] == '{"kept": "as text"}'


def test_graph_node_splits_provenance_per_source() -> None:
    raw = {
        "id": "PRS-AAAAAAAAAAAAAAAAAAAAAAAAAA",
        "labels": ["Entity", "Person"],
        "props": {
            "id": "PRS-AAAAAAAAAAAAAAAAAAAAAAAAAA",
            "birth_year": 1980,
            "partners": ["GEM", "POL"],
            "src_partner": ["GEM", "POL"],
            "src_delivery": ["GEM-1", "POL-1"],
            "src_legal_basis": ["GEM-BRP", "WPG"],
            "src_first_seen": [neo4j.time.Date(2024, 1, 1), neo4j.time.Date(2024, 2, 1)],
            "src_last_seen": [neo4j.time.Date(2024, 6, 1)],
            "src_retain_until": [neo4j.time.Date(2029, 1, 1), neo4j.time.Date(2030, 1, 1)],
            "first_seen": neo4j.time.Date(2024, 1, 1),
            "last_seen": neo4j.time.Date(2024, 6, 1),
            "retain_until": neo4j.time.Date(2030, 1, 1),
        },
    }
    node = graph_node(raw, region="Limburg", member=True)
    assert node["label"] == "Person"  # the entity label, not the extra :Entity
    assert node["region"] == "Limburg"
    assert node["properties"] == {"birth_year": 1980}
    sources = node["provenance"]["sources"]
    assert [s["partner"] for s in sources] == ["GEM", "POL"]
    assert sources[1]["legal_basis"] == "WPG"
    assert sources[1]["last_seen"] is None  # a short list is padded, never shifted
    assert node["provenance"]["retain_until"] == date(2030, 1, 1)


def test_graph_link_keeps_its_own_properties() -> None:
    link = graph_link(
        {
            "id": "5:abc:1",
            "type": "INVOLVED_IN",
            "source": "PRS-A",
            "target": "POL-1",
            "props": {"role": "suspect", "partners": ["POL"], "src_partner": ["POL"]},
        }
    )
    assert link["properties"] == {"role": "suspect"}
    assert link["provenance"]["partners"] == ["POL"]


def test_alert_cursor_round_trip_and_refusal() -> None:
    when = datetime(2025, 10, 1, 10, 0, tzinfo=UTC)
    assert _decode_cursor(_encode_cursor(when, "AL-00000000000a")) == (when, "AL-00000000000a")
    for bad in ("garbage", "", "bm90IGpzb24", "WzEsIDJd"):
        with pytest.raises(BadRequestError):
            _decode_cursor(bad)


# --- Store against a spec'd async driver ---------------------------------------------------------
# ``MagicMock(spec=...)`` refuses any attribute the driver's classes do not have, so a misspelt
# driver call (``driver.sesion``, ``result.key()``) fails here as it would against Neo4j.


class _Neo4j:
    """A spec'd :class:`neo4j.AsyncDriver` whose sessions answer each query text with the
    records given for it (no records for any other); records every ``session()`` and ``run()``."""

    def __init__(self, answers: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.answers = answers or {}
        self.error: BaseException | None = None
        self.session_kwargs: list[dict[str, Any]] = []
        self.runs: list[tuple[str, dict[str, Any]]] = []
        self.timeouts: list[float | None] = []
        self.driver = MagicMock(spec=neo4j.AsyncDriver)
        self.driver.session.side_effect = self._session

    def _session(self, **kwargs: Any) -> MagicMock:
        self.session_kwargs.append(kwargs)
        session = MagicMock(spec=neo4j.AsyncSession)
        session.__aenter__.return_value = session
        session.__aexit__.return_value = None
        session.run = AsyncMock(side_effect=self._run)
        return session

    async def _run(self, query: neo4j.Query, params: dict[str, Any]) -> MagicMock:
        text = str(query.text)
        self.runs.append((text, params))
        self.timeouts.append(query.timeout)
        if self.error is not None:
            raise self.error
        records = self.answers.get(text, [])
        keys = list(records[0]) if records else []
        result = MagicMock(spec=neo4j.AsyncResult)
        result.keys.return_value = keys
        result.__aiter__.return_value = [
            neo4j.Record(r.items())  # type: ignore[no-untyped-call]
            for r in records
        ]
        return result


def _store(fake: _Neo4j) -> Store:
    return Store(fake.driver, "knooppunt-test", Metrics())


def _errors(store: Store, query: str, error: str) -> float | None:
    return store.metrics.registry.get_sample_value(
        "knooppunt_neo4j_query_errors_total", {"query": query, "error": error}
    )


def test_a_read_runs_its_named_query_in_a_read_session_of_the_database() -> None:
    fake = _Neo4j({q.CLUSTER: [{"cluster": {"id": "CL-1", "region_counts": '{"Limburg": 2}'}}]})
    store = _store(fake)
    cluster = asyncio.run(store.cluster("CL-1"))
    assert fake.runs == [(q.CLUSTER, {"id": "CL-1"})]
    assert fake.session_kwargs == [
        {"database": "knooppunt-test", "default_access_mode": neo4j.READ_ACCESS}
    ]
    assert cluster == {"id": "CL-1", "region_counts": {"Limburg": 2}}  # JSON decoded
    latency = store.metrics.registry.get_sample_value(
        "knooppunt_neo4j_query_duration_seconds_count", {"query": "CLUSTER"}
    )
    assert latency == 1
    assert store.metrics.registry.get_sample_value("knooppunt_neo4j_sessions_in_use") == 0


def test_a_missing_row_is_none() -> None:
    store = _store(_Neo4j())
    assert asyncio.run(store.cluster("CL-x")) is None
    assert asyncio.run(store.alert_detail("AL-x")) is None
    assert asyncio.run(store.subject("PRS-x", today=date(2025, 1, 1))) is None
    assert asyncio.run(store.export("PRS-x")) is None


def test_setting_an_alert_status_writes_with_the_per_organisation_id() -> None:
    fake = _Neo4j({q.ALERT_SET_STATUS: [{"status": "closed", "at": neo4j.time.Date(2025, 3, 1)}]})
    out = asyncio.run(
        _store(fake).set_alert_status(
            alert_id="AL-1",
            org="Limburg",
            status="closed",
            allowed_from=["new"],
            note="done",
            by="Limburg-coordinator",
            case_reference=None,
        )
    )
    assert fake.session_kwargs[0]["default_access_mode"] == neo4j.WRITE_ACCESS
    query, params = fake.runs[0]
    assert query == q.ALERT_SET_STATUS
    assert params == {
        "id": "AL-1",
        "status_id": "AL-1|Limburg",
        "org": "Limburg",
        "status": "closed",
        "allowed_from": ["new"],
        "note": "done",
        "by": "Limburg-coordinator",
        "case_reference": None,
    }
    assert out == {"status": "closed", "at": date(2025, 3, 1)}  # native values


def _page(fake: _Neo4j, **given: Any) -> list[dict[str, Any]]:
    """``Store.alerts_page`` with Limburg's defaults, ``given`` arguments replacing them."""
    args: dict[str, Any] = {
        "org": "Limburg",
        "own_region": "Limburg",
        "cross_only": False,
        "status": None,
        "typology": None,
        "region": None,
        "since": None,
        "cursor": None,
        "limit": 20,
    }
    return asyncio.run(_store(fake).alerts_page(**(args | given)))


def test_an_alerts_page_passes_the_cursor_apart_and_converts_each_alert() -> None:
    at = datetime(2025, 10, 1, 10, tzinfo=UTC)
    millis = int(at.timestamp() * 1000)
    page = [
        {
            "alert": {"id": "AL-1", "kind": "grown", "created_at": millis},
            "cross_region": 1,
            "status": "new",
            "status_changed_at": None,
            "case_reference": "LB-2025-0001",
        }
    ]
    fake = _Neo4j({q.ALERTS_PAGE: [{"page": page}]})
    rows = _page(fake, typology="cannabis", cursor=(at, "AL-0"), limit=20)
    _, params = fake.runs[0]
    assert params["cursor_at"] == at
    assert params["cursor_id"] == "AL-0"
    assert (params["org"], params["typology"], params["limit"]) == ("Limburg", "cannabis", 20)
    assert rows == [
        {
            "id": "AL-1",
            "kind": "grown",
            "created_at": at,
            "cross_region": True,
            "status": "new",
            "status_changed_at": None,
            "case_reference": "LB-2025-0001",
        }
    ]
    # Without a cursor both of its parameters are null.
    fake_empty = _Neo4j()
    _page(fake_empty, org="Noord", own_region=None, cross_only=True)
    assert (fake_empty.runs[0][1]["cursor_at"], fake_empty.runs[0][1]["cursor_id"]) == (None, None)


def test_a_cluster_detail_decodes_json_and_times_of_the_cluster_and_its_history() -> None:
    created = datetime(2025, 2, 1, tzinfo=UTC)
    millis = int(created.timestamp() * 1000)
    row = {
        "cluster": {"id": "CL-1", "created_at": millis, "updated_at": None, "evidence": "[]"},
        "history": [{"kind": "new", "at": millis, "details": '{"size_after": 4}'}],
        "members": [],
        "alerts": ["AL-1"],
    }
    fake = _Neo4j({q.CLUSTER_DETAIL: [row]})
    out = asyncio.run(_store(fake).cluster_detail("CL-1", region="Limburg"))
    assert fake.runs == [(q.CLUSTER_DETAIL, {"id": "CL-1", "region": "Limburg", "scope": []})]
    assert out is not None
    assert out["cluster"] == {
        "id": "CL-1",
        "created_at": created,
        "updated_at": None,
        "evidence": [],
    }
    assert out["history"] == [{"kind": "new", "at": created, "details": {"size_after": 4}}]
    assert out["alerts"] == ["AL-1"]


def test_collected_rows_and_trend_windows() -> None:
    rows = [
        {
            "region": "Limburg",
            "year": 2025,
            "quarter": 1,
            "typology": "omg",
            "cross_region": True,
            "n": 12,
        }
    ]
    fake = _Neo4j({q.TREND_CLUSTER_ATOMS: [{"rows": rows}]})
    out = asyncio.run(
        _store(fake).trend_atoms("clusters", first=date(2025, 4, 1), last=date(2026, 6, 30))
    )
    assert out == [
        Atom(
            region="Limburg",
            year=2025,
            quarter=1,
            tags=frozenset({"typology:omg", "cross-region"}),
            n=12,
        )
    ]
    _, params = fake.runs[0]
    # Whole calendar years: 1 January of the first up to (excluding) 1 January after the last.
    assert params["from"] == datetime(2025, 1, 1, tzinfo=UTC)
    assert params["to_exclusive"] == datetime(2027, 1, 1, tzinfo=UTC)
    incidents = _Neo4j({q.TREND_INCIDENT_ATOMS: [{"rows": []}]})
    asyncio.run(
        _store(incidents).trend_atoms("incidents", first=date(2025, 4, 1), last=date(2025, 6, 30))
    )
    assert incidents.runs[0][1] == {"from": date(2025, 1, 1), "to": date(2025, 12, 31)}
    # A query that returns no record gives no rows.
    assert asyncio.run(_store(_Neo4j()).cross_region_cluster_ids()) == []


def test_an_export_gives_the_subject_its_links_with_the_other_end_and_its_clusters() -> None:
    row = {
        "node": {"id": "PRS-A", "labels": ["Entity", "Person"], "props": {"birth_year": 1980}},
        "links": [
            {
                "id": "5:x:1",
                "type": "USES",
                "source": "PRS-A",
                "target": "TEL-B",
                "props": {"partners": ["POL"], "retain_until": neo4j.time.Date(2020, 1, 1)},
                "other": {"id": "TEL-B", "labels": ["Phone", "Entity"]},
            }
        ],
        "clusters": [{"membership": {"rank": 1}, "cluster": {"id": "CL-1", "region_counts": "{}"}}],
        "alerts": [{"id": "AL-1"}],
    }
    fake = _Neo4j({q.EXPORT: [row]})
    out = asyncio.run(_store(fake).export("PRS-A"))
    assert fake.runs == [(q.EXPORT, {"id": "PRS-A", "link_types": list(q.LINK_TYPES)})]
    assert out is not None
    assert out["subject"]["label"] == "Person"
    (link,) = out["links"]
    assert (link["other_id"], link["other_label"]) == ("TEL-B", "Phone")
    assert link["provenance"]["retain_until"] == date(2020, 1, 1)
    assert out["clusters"] == [
        {"membership": {"rank": 1}, "cluster": {"id": "CL-1", "region_counts": {}}}
    ]
    assert out["alerts"] == [{"id": "AL-1"}]


def test_unknown_cluster_and_subject_are_the_apis_not_found() -> None:
    store = _store(_Neo4j())
    with pytest.raises(NotFoundError, match="no cluster"):
        asyncio.run(
            store.cluster_subgraph("CL-x", max_nodes=10, max_links=10, today=date(2025, 1, 1))
        )
    with pytest.raises(NotFoundError, match="no subject"):
        asyncio.run(
            store.network(
                "PRS-x",
                depth=1,
                path_hops=0,
                hub_limit=50,
                max_nodes=100,
                today=date(2025, 1, 1),
            )
        )


@pytest.mark.parametrize(
    "error",
    [
        neo4j.exceptions.ServiceUnavailable("refused: 10.0.0.1:7687"),  # type: ignore[no-untyped-call]
        neo4j.exceptions.SessionExpired("gone"),  # type: ignore[no-untyped-call]
        TimeoutError(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_driver_error_is_raised_as_it_is_and_counted_under_the_query(
    error: BaseException,
) -> None:
    fake = _Neo4j()
    fake.error = error
    store = _store(fake)
    with pytest.raises(type(error)):
        asyncio.run(store.alert_detail("AL-1"))
    # Raised unchanged: the app's handlers turn these into a 503 problem.
    assert _errors(store, "ALERT_DETAIL", type(error).__name__) == 1
    assert store.metrics.registry.get_sample_value("knooppunt_neo4j_sessions_in_use") == 0


def test_every_query_carries_the_transaction_timeout() -> None:
    fake = _Neo4j()
    store = Store(fake.driver, "knooppunt-test", Metrics(), query_timeout_s=2.5)
    asyncio.run(store.cluster("CL-1"))
    asyncio.run(store.partial_deliveries(timeout_s=0.75))
    # The server stops a query past it (Neo4j's transaction timeout), not only the client.
    assert fake.timeouts == [2.5, 0.75]


def test_a_server_side_transaction_timeout_is_a_timeout() -> None:
    fake = _Neo4j()
    fake.error = neo4j.exceptions.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        message="terminated",
    )
    store = _store(fake)
    with pytest.raises(TimeoutError):
        asyncio.run(store.cluster("CL-1"))
    assert _errors(store, "CLUSTER", "ClientError") == 1


def test_a_query_past_the_client_timeout_is_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "CLIENT_MARGIN_S", 0.0)
    fake = _Neo4j()
    store = Store(fake.driver, "knooppunt-test", Metrics(), query_timeout_s=0.01)

    async def hang(query: neo4j.Query, params: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    fake.driver.session.side_effect = None
    session = MagicMock(spec=neo4j.AsyncSession)
    session.__aenter__.return_value = session
    session.run = AsyncMock(side_effect=hang)
    fake.driver.session.return_value = session
    with pytest.raises(TimeoutError):
        asyncio.run(store.cluster("CL-1"))
    assert _errors(store, "CLUSTER", "TimeoutError") == 1


def test_an_unexpected_error_is_not_counted_as_a_neo4j_failure() -> None:
    fake = _Neo4j()
    fake.error = KeyError("bug")
    store = _store(fake)
    with pytest.raises(KeyError):
        asyncio.run(store.cluster("CL-1"))
    assert _errors(store, "CLUSTER", "KeyError") is None
    assert store.metrics.registry.get_sample_value("knooppunt_neo4j_sessions_in_use") == 0


def test_the_spec_refuses_a_misspelt_driver_call() -> None:
    driver = MagicMock(spec=neo4j.AsyncDriver)
    with pytest.raises(AttributeError):
        driver.sesion  # noqa: B018
