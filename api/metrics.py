"""Prometheus metrics of the API process (prometheus-client), served at ``/metrics``.

One :class:`Metrics` per app, on its own registry (several apps in one test process do not
collide). What is counted where:

- requests, latency and in-flight requests: :class:`api.telemetry.RequestTelemetry`;
- the admission gate (its limit, requests admitted and waiting, refusals by reason):
  :class:`api.admission.AdmissionGate`;
- Neo4j queries (duration and errors per named query, sessions in use): :class:`api.store.Store`;
- audit writes (latency, failures): :class:`api.middleware.AuditMiddleware`;
- ingest and analysis runs: read from their records in Neo4j when ``/metrics`` is scraped
  (:data:`api.queries.OPERATIONS_RECORDS`), so that they count runs of every process, also the
  scheduled jobs that end before any scrape; ``knooppunt_neo4j_up`` says whether that read
  worked (the scrape itself never fails because Neo4j is down);
- Bibob requests near and past their deadline per handling RIEC
  (``knooppunt_bibob_requests_due{org, due="near"|"overdue"}``, counts only): read with the
  run records (:func:`graph.cases.bibob.due_counts`).

Labels hold route templates, query names, methods, status codes and error classes only: never a
path, a parameter value or anything a caller sent.

**Several workers.** ``knooppunt serve --workers N`` (N > 1) runs its workers in
prometheus-client's multiprocess mode: it points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
folder before they start, each worker's counters, histograms and gauges go to files there, and
a scrape that reaches any worker answers for all of them (gauges of requests in progress
summed over the live workers, the limits their maximum). The process and platform collectors
describe the worker that answered the scrape only, and are left out there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    multiprocess,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from api import queries as q
from graph import queries as graph_queries
from graph.cases import queries as case_queries
from graph.cases.model import BIBOB
from graph.driver import POOL_SIZE
from graph.vocabulary import REGIONS

if TYPE_CHECKING:
    from api.admission import Admission

__all__ = ["MULTIPROCESS_ENV", "Metrics", "multiprocess_dir", "query_name"]

#: Request latency buckets (seconds): the API's target is tens of milliseconds.
_LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Audit writes are one fsync, batched: sub-millisecond to tens of milliseconds.
_AUDIT_BUCKETS: Final = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)

#: Query text -> the name of its constant (the ``query`` label): the API's own queries and
#: those of the core's readers it runs (subgraphs and scopes, cases).
_QUERY_NAMES: Final[dict[str, str]] = {
    value: name
    for module in (graph_queries, case_queries, q)
    for name, value in vars(module).items()
    if name.isupper() and isinstance(value, str) and not name.startswith("_")
}


def query_name(query: str) -> str:
    """The ``query`` label of a Cypher text: its constant's name, ``other`` if it has none."""
    return _QUERY_NAMES.get(query, "other")


#: The folder of prometheus-client's multiprocess mode (its own variable name).
MULTIPROCESS_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The shared metrics folder when this process is one of several workers, else ``None``.

    prometheus-client picks its value store when it is first imported, so the folder counts
    only when it was set by then (``knooppunt serve`` sets it before its workers start)."""
    folder = os.environ.get(MULTIPROCESS_ENV)
    return folder if folder and values.ValueClass is not values.MutexValue else None


def _package_version() -> str:
    try:
        return version("knooppunt")
    except PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


class _OperationsCollector(Collector):
    """Ingest and analysis figures from the last read of their records in Neo4j."""

    def __init__(self) -> None:
        self.records: dict[str, Any] | None = None

    def collect(self) -> Iterator[Metric]:
        records = self.records
        if records is None:  # Neo4j did not answer this scrape: say nothing rather than 0
            return
        for prefix, kind, runs_key, last_key in (
            ("knooppunt_analysis", "analysis runs", "analysis", "last_analysis"),
            ("knooppunt_ingest", "deliveries", "deliveries", "last_delivery"),
        ):
            unit = "runs" if prefix == "knooppunt_analysis" else "deliveries"
            count = CounterMetricFamily(
                f"{prefix}_{unit}", f"Recorded {kind} by status", labels=["status"]
            )
            seconds = CounterMetricFamily(
                f"{prefix}_seconds",
                f"Summed wall time of finished {kind} by status",
                labels=["status"],
            )
            for row in records[runs_key]:
                status = str(row["status"] or "unknown")
                count.add_metric([status], float(row["n"]))
                seconds.add_metric([status], float(row["millis"] or 0) / 1000)
            yield count
            yield seconds
            last = records[last_key]
            duration = GaugeMetricFamily(
                f"{prefix}_last_duration_seconds",
                f"Wall time of the latest completed one of the {kind}",
            )
            finished = GaugeMetricFamily(
                f"{prefix}_last_completed_timestamp_seconds",
                f"When the latest completed one of the {kind} finished (Unix time)",
            )
            if last:
                duration.add_metric([], float(last[0]["millis"]) / 1000)
                finished.add_metric([], float(last[0]["at"]) / 1000)
            yield duration
            yield finished
        rows = CounterMetricFamily(
            "knooppunt_ingest_rows", "Rows of recorded deliveries by outcome", labels=["outcome"]
        )
        rows.add_metric(["read"], float(sum(r["rows"] for r in records["deliveries"])))
        rows.add_metric(["rejected"], float(sum(r["rejected"] for r in records["deliveries"])))
        yield rows
        due = records.get("bibob_due")
        if due is not None:
            yield _bibob_due(due)


def _bibob_due(due: dict[str, dict[str, int]]) -> Metric:
    """Open Bibob requests near and past their deadline per handling RIEC (every region, zero
    included, so that an alert rule sees a region go from 0 to 1)."""
    gauge = GaugeMetricFamily(
        "knooppunt_bibob_requests_due",
        f"Open Bibob requests per handling RIEC: due within {BIBOB.near_days} days (near) or "
        "past their deadline (overdue)",
        labels=["org", "due"],
    )
    for org in sorted({*REGIONS, *due}):
        for kind in ("near", "overdue"):
            gauge.add_metric([org, kind], float(due.get(org, {}).get(kind, 0)))
    return gauge


class Metrics:
    """The app's metrics; see the module's docstring for where each is measured."""

    def __init__(self) -> None:
        #: The metrics this app records into (and, with one process, exposes).
        self.registry = CollectorRegistry()
        registry = self.registry
        self.shared_dir = multiprocess_dir()
        #: What a scrape exposes: this registry, or with several workers all of their files.
        self.exposed = registry
        if self.shared_dir is None:
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
        else:
            self.exposed = CollectorRegistry()
            multiprocess.MultiProcessCollector(self.exposed, path=self.shared_dir)  # type: ignore[no-untyped-call]
        Info("knooppunt_build", "The running Knooppunt version", registry=self.exposed).info(
            {"version": _package_version()}
        )
        self.requests = Counter(
            "knooppunt_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "knooppunt_http_request_duration_seconds",
            "Time from request to the end of the response, by route template",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "knooppunt_http_requests_in_flight",
            "Requests being answered",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.admission_limit = Gauge(
            "knooppunt_http_admission_limit",
            "Requests the admission gate lets be in progress at once (per worker)",
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.admitted = Gauge(
            "knooppunt_http_requests_admitted",
            "Requests holding a place at the admission gate",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.queued = Gauge(
            "knooppunt_http_requests_queued",
            "Requests waiting for a place at the admission gate",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.rejected = Counter(
            "knooppunt_http_requests_rejected",
            "Requests answered 503 by the admission gate, by reason "
            "(queue-full, queue-timeout, deadline)",
            ["reason"],
            registry=registry,
        )
        self.query_latency = Histogram(
            "knooppunt_neo4j_query_duration_seconds",
            "Neo4j queries of the API, by query (its constant in api.queries)",
            ["query"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.query_errors = Counter(
            "knooppunt_neo4j_query_errors",
            "Neo4j queries that failed, by query and error class",
            ["query", "error"],
            registry=registry,
        )
        self.sessions_in_use = Gauge(
            "knooppunt_neo4j_sessions_in_use",
            "Driver sessions open (each holds one pooled connection while its query runs)",
            registry=registry,
            multiprocess_mode="livesum",
        )
        Gauge(
            "knooppunt_neo4j_pool_max_size",
            "Connections the driver's pool holds at most (per worker)",
            registry=registry,
            multiprocess_mode="livemax",
        ).set(POOL_SIZE)
        # Of the scrape, not of a worker: exposed by the scrape's own registry.
        self.neo4j_up = Gauge(
            "knooppunt_neo4j_up",
            "1 when this scrape's read of the run records in Neo4j worked, else 0",
            registry=None,
        )
        self.exposed.register(self.neo4j_up)
        self.audit_latency = Histogram(
            "knooppunt_audit_write_duration_seconds",
            "Time to write and fsync a request's audit entry",
            buckets=_AUDIT_BUCKETS,
            registry=registry,
        )
        self.audit_errors = Counter(
            "knooppunt_audit_write_errors",
            "Audit entries that could not be written (the request was refused)",
            registry=registry,
        )
        self._operations = _OperationsCollector()
        self.exposed.register(self._operations)

    def set_admission(self, admission: Admission) -> None:
        """Follow the gate's admitted and waiting requests (set as they change: a scrape of
        one worker reads every worker's from their files)."""

        def changed(in_progress: int, waiting: int) -> None:
            self.admitted.set(in_progress)
            self.queued.set(waiting)

        admission.on_change = changed

    def worker_stopped(self) -> None:
        """With several workers: this worker's gauges no longer count (``live*`` modes)."""
        if self.shared_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), self.shared_dir)  # type: ignore[no-untyped-call]

    def exposition(self, records: dict[str, Any] | None, accept: str = "") -> tuple[bytes, str]:
        """The exposition and its content type, in the format the scraper's ``Accept`` header
        asks for (OpenMetrics, else Prometheus text 0.0.4), with the run figures of
        ``records`` (``None``: Neo4j did not answer)."""
        self.neo4j_up.set(0 if records is None else 1)
        self._operations.records = records
        encode, content_type = choose_encoder(accept)
        return encode(self.exposed), content_type
