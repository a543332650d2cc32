"""Plans and their runners: the reader's logic without I/O (sans-IO).

A plan is a generator that yields ``(query, params)`` and is sent back the records of each
query (a list of dicts); what it returns is its result. The same plan runs synchronously
(:func:`run_sync`, for pages, notebooks and ``knooppunt view``) and in the async API
(:func:`run_async` with the API's own executor, which adds its timeouts and metrics), and in a
unit test with canned records.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeAlias, TypeVar

import neo4j

__all__ = ["Plan", "Query", "Records", "driver_executor", "rows", "run_async", "run_sync"]

T = TypeVar("T")
Query: TypeAlias = tuple[str, dict[str, Any]]
Records: TypeAlias = list[dict[str, Any]]
Plan: TypeAlias = Generator[Query, Records, T]
SyncExecutor: TypeAlias = Callable[[str, dict[str, Any]], Records]
AsyncExecutor: TypeAlias = Callable[[str, dict[str, Any]], Awaitable[Records]]


def rows(records: Records, key: str = "rows") -> list[Any]:
    """The list a query collected into one record (the async driver's cost is per record)."""
    return list(records[0][key] or []) if records else []


def run_sync(plan: Plan[T], execute: SyncExecutor) -> T:
    """Run a plan, each query through ``execute``; its result."""
    try:
        query, params = next(plan)
        while True:
            query, params = plan.send(execute(query, params))
    except StopIteration as done:
        result: T = done.value
        return result


async def run_async(plan: Plan[T], execute: AsyncExecutor) -> T:
    """Run a plan, each query awaited through ``execute``; its result."""
    try:
        query, params = next(plan)
        while True:
            query, params = plan.send(await execute(query, params))
    except StopIteration as done:
        result: T = done.value
        return result


def driver_executor(driver: neo4j.Driver, database: str, *, write: bool = False) -> SyncExecutor:
    """An executor through a (sync) driver, one managed query each: reads, or with ``write``
    writes (each query its own transaction)."""
    routing = neo4j.RoutingControl.WRITE if write else neo4j.RoutingControl.READ

    def execute(query: str, params: dict[str, Any]) -> Records:
        records, _, _ = driver.execute_query(query, params, database_=database, routing_=routing)
        return [dict(zip(record.keys(), record.values(), strict=True)) for record in records]

    return execute
