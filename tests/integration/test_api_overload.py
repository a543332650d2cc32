"""Against a real Neo4j (decision 067): a query past its transaction timeout is stopped by the
server, and the API's store reports it as a timeout (a 503) well before the request's deadline;
the server keeps no transaction of it."""

from __future__ import annotations

import asyncio
import time

import neo4j
import pytest

from api.store import Store
from graph.driver import connect_async
from graph.settings import Settings

pytestmark = pytest.mark.timeout(120)

#: Seconds of work for Neo4j (tens of millions of rows), far longer than the timeout below.
_SLOW = "UNWIND range(1, 500000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n"
_OPEN_TRANSACTIONS = (
    "SHOW TRANSACTIONS YIELD currentQuery, status "
    "WHERE currentQuery STARTS WITH 'UNWIND range(1, 500000000)' RETURN count(*) AS n"
)


def test_a_query_past_its_transaction_timeout_is_stopped_by_the_server(
    neo4j_driver: neo4j.Driver, neo4j_settings: Settings, test_instance: str
) -> None:
    async def scenario() -> tuple[BaseException, float, int]:
        driver = connect_async(neo4j_settings, test_instance)
        try:
            store = Store(driver, neo4j_settings.neo4j_database, query_timeout_s=0.5)
            began = time.perf_counter()
            try:
                await store._run(_SLOW)
            except TimeoutError as e:
                elapsed = time.perf_counter() - began
                error: BaseException = e
            else:
                raise AssertionError("the slow query was not stopped")
            rows = await store._run(_OPEN_TRANSACTIONS)
            return error, elapsed, int(rows[0]["n"])
        finally:
            await driver.close()

    error, elapsed, still_open = asyncio.run(scenario())
    # The server's transaction timeout ended it (not only the client's bound, a second later).
    assert isinstance(error.__cause__, neo4j.exceptions.Neo4jError), repr(error.__cause__)
    assert "TimedOut" in str(error.__cause__.code)
    assert elapsed < 0.5 + 1.0 + 3.0  # well inside the deadline (10 s), on a busy machine
    assert still_open == 0
