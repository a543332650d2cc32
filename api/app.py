"""The FastAPI application: :func:`create_app` and its lifespan.

The lifespan makes the process's long-lived objects once: the Neo4j async driver (through
:func:`graph.driver.connect_async`), the data-access :class:`api.store.Store` around it, the
token verifier and the audit log (opened and locked). Starting does not wait for Neo4j:
``/ready`` says when it answers, and requests made while it is down get a 503 problem.

``knooppunt serve`` runs :func:`serve_app` in each of its worker processes: every worker makes
its own app, driver and caches, and writes its own audit chain (decision 074).
"""

from __future__ import annotations

import gc
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import neo4j
from fastapi import FastAPI

import api.ui
from api.admission import AdmissionGate
from api.audit import AuditLog, AuditPolicy, audit_log_path
from api.audit.startup import anchor_in_neo4j
from api.auth import TokenVerifier
from api.docs import install_docs
from api.errors import install_error_handlers
from api.headers import SecurityHeaders
from api.metrics import Metrics
from api.middleware import AuditMiddleware
from api.purpose import ScopeCache
from api.routers import (
    alerts,
    audit,
    bibob,
    cases,
    clusters,
    health,
    interventions,
    metrics,
    reports,
    session,
    subjects,
    trends,
)
from api.store import ResultsCache, Store
from api.telemetry import RequestTelemetry
from graph.settings import Settings, get_settings

__all__ = ["create_app", "replica_name", "serve_app"]

_DESCRIPTION = """\
Cluster alerts, clusters, Bibob checks and trend figures for the RIECs and the LIEC.

Every request needs a bearer JWT (claims `sub`, `org` = a RIEC region or `LIEC`, `role` =
`analyst`, `coordinator` or `privacy-officer`); `/health` and `/ready` do not. Person-level
endpoints need an `X-Case-Reference` header naming an open case the caller's organisation takes
part in, and answer within the case's scope. Every request is written to a tamper-evident audit
log before its response leaves (not the operator's successful `/metrics` scrapes), and every
response carries an `X-Request-ID` that its audit entry names. Errors are RFC 9457
`application/problem+json`. Need-to-know rules: `docs/access.md`. While a delivery is partly
written, the endpoints that read the live graph (network walks, cluster graphs and pages,
exports, incident trends) answer 503 `delivery-partly-written` with `Retry-After`; stored
results stay available (`docs/api.md`). A worker that cannot keep up answers 503 `overloaded`
with `Retry-After` at once instead of queueing, and a request not answered within its deadline
gets 503 `deadline-exceeded`; `/health` and `/ready` always answer.
"""


def replica_name(settings: Settings) -> str:
    """This replica's name in its workers' audit chains: ``KNOOPPUNT_REPLICA``, else the host
    name (characters other than letters, digits, ``_`` and ``-`` become ``_``)."""
    if settings.replica:
        return settings.replica
    return re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:63] or "api"


def serve_app() -> FastAPI:
    """The app of one ``knooppunt serve`` worker (uvicorn's factory, called in each worker
    process): the settings from the environment, its own chain among
    ``KNOOPPUNT_API_WORKERS`` slots."""
    from graph.logs import configure_logging

    settings = get_settings()
    configure_logging(settings)
    return create_app(settings, audit_workers=settings.api_workers or 1)


def create_app(
    settings: Settings | None = None,
    *,
    instance: str | None = None,
    driver: neo4j.AsyncDriver | None = None,
    audit_workers: int | None = None,
) -> FastAPI:
    """The API app. ``driver`` (tests, benchmarks) is used instead of making one; the caller
    then closes it. ``audit_workers``: the app is one of that many workers and writes the first
    free worker chain of its replica (:meth:`AuditLog.open_worker`); ``None``: the log's own
    chain (``KNOOPPUNT_AUDIT_LOG``), one writer."""
    chosen = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        verifier = TokenVerifier(chosen)
        key = chosen.audit_key.get_secret_value().encode()
        policy = AuditPolicy.from_settings(chosen)
        if audit_workers is None:
            log = AuditLog.open(audit_log_path(chosen), key, policy)
        else:
            log = AuditLog.open_worker(
                audit_log_path(chosen),
                key,
                policy,
                replica=replica_name(chosen),
                slots=audit_workers,
            )
        own_driver = driver is None
        if driver is None:
            from graph.driver import connect_async

            the_driver = connect_async(chosen, instance)
        else:
            the_driver = driver
        try:
            await anchor_in_neo4j(log, the_driver, chosen.neo4j_database)
        except BaseException:
            log.close()
            if own_driver:
                await the_driver.close()
            raise
        app.state.settings = chosen
        app.state.verifier = verifier
        app.state.audit = log
        app.state.driver = the_driver
        app.state.store = Store(
            the_driver,
            chosen.neo4j_database,
            app.state.metrics,
            query_timeout_s=chosen.neo4j_query_timeout_s,
            results=ResultsCache(),
        )
        app.state.scopes = ScopeCache()
        # What lives now (modules, the app, its caches) lives as long as the process: the
        # collector need not walk it again. A large read makes 10^5 objects, and each full
        # collection meanwhile walked the whole heap: 0.4-0.7 of 1.1-1.5 CPU-seconds of a
        # 10,000-link cluster graph (decision 087). Given back on shutdown (tests make many
        # apps in one process).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            app.state.metrics.worker_stopped()
            await log.aclose()  # its last checkpoint still goes to Neo4j
            if own_driver:
                await the_driver.close()

    app = FastAPI(
        title="Knooppunt API",
        version="0.1.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the package by install_docs (no CDN)
        redoc_url=None,
    )
    app.state.metrics = Metrics()
    install_error_handlers(app)
    install_docs(app)
    # Inside the audit: a refusal is audited like any answer (decision 067).
    app.add_middleware(AdmissionGate, settings=chosen, metrics=app.state.metrics)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(SecurityHeaders)  # every answer, also the audit's own 503
    app.add_middleware(RequestTelemetry)  # added last: runs first, measures the audit write
    for module in (
        health,
        alerts,
        cases,
        interventions,
        bibob,
        clusters,
        subjects,
        trends,
        reports,
        audit,
        metrics,
        session,
    ):
        app.include_router(module.router)
    app.include_router(api.ui.router)  # the workbench at /ui/ (decision 079)
    return app
