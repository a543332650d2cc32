"""Pausing Python's cyclic garbage collector while ingest allocates millions of small objects.

Ingest builds short-lived, acyclic objects by the million (rows, record tuples, property dicts)
and keeps tens of thousands alive at a time (a batch, a spooled chunk). The cyclic collector
runs every 700 net allocations and keeps rescanning the live ones: on the medium preset it cost
about 7 of the client's 17 CPU seconds, which matters because the client's one core (the GIL) is
what bounds ingest. Reference counting still frees everything acyclic at once; the few cycles
(exceptions with tracebacks, driver internals) are collected between deliveries.
See ``docs/decisions/023-ingest-pipeline.md``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (if it was enabled), collect after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()
