"""Fixtures for tests against a real Neo4j.

By default the project's own local instance ``test`` (or ``$KNOOPPUNT_TEST_INSTANCE``) is used:
started here when it does not run (and stopped at the end only then), wiped at session start,
schema applied. With ``NEO4J_URI`` set, that server is used instead and never wiped: tests that
need an empty database (``empty_db``) are skipped there.

Fixtures (names other test modules rely on):

- ``test_instance``: the instance name;
- ``neo4j_settings``: a :class:`Settings` pointing at the test server;
- ``neo4j_driver``: a connected ``neo4j.Driver`` for the session, schema applied;
- ``empty_db``: the same driver, after removing all data (schema kept).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import neo4j
import pytest

from graph.localdb import server
from graph.queries import WIPE_ALL
from graph.schema import apply_schema
from graph.settings import Settings

#: The demo's instance: tests refuse to run (and wipe) there.
_PROTECTED_INSTANCES = frozenset({"default"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/integration is an integration test."""
    for item in items:
        if "tests/integration/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def test_instance() -> str:
    """The local instance the integration tests use (``$KNOOPPUNT_TEST_INSTANCE``, ``test``)."""
    name = os.environ.get("KNOOPPUNT_TEST_INSTANCE", "test")
    if name in _PROTECTED_INSTANCES:
        pytest.fail(f"KNOOPPUNT_TEST_INSTANCE={name} is the demo's instance; tests wipe data")
    return name


@pytest.fixture(scope="session")
def neo4j_settings(test_instance: str) -> Settings:
    """Settings for the test server: NEO4J_URI when set, else the local test instance."""
    return Settings(instance=test_instance)


def wipe(driver: neo4j.Driver, *, database: str) -> None:
    """Delete every node and relationship (constraints and indexes stay)."""
    with driver.session(database=database) as session:
        session.run(WIPE_ALL, batch=10_000).consume()


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_settings: Settings, test_instance: str) -> Iterator[neo4j.Driver]:
    """A driver for the session; the local test instance is started if needed and wiped."""
    from graph.driver import connect

    external = neo4j_settings.neo4j_uri is not None
    started_here = False
    if not external:
        st = server.start(neo4j_settings, test_instance)
        started_here = not st.already_running
    try:
        driver = connect(neo4j_settings, test_instance)
    except Exception:
        if started_here:
            server.stop(neo4j_settings, test_instance, force=True)
        raise
    try:
        if not external:
            wipe(driver, database=neo4j_settings.neo4j_database)
        apply_schema(driver, database=neo4j_settings.neo4j_database)
        yield driver
    finally:
        driver.close()
        if started_here:
            server.stop(neo4j_settings, test_instance, force=True)


@pytest.fixture
def empty_db(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> neo4j.Driver:
    """The session driver on a database with no data (schema kept); local instance only."""
    if neo4j_settings.neo4j_uri is not None:
        pytest.skip("needs an empty database; NEO4J_URI points at a server tests must not wipe")
    wipe(neo4j_driver, database=neo4j_settings.neo4j_database)
    return neo4j_driver
