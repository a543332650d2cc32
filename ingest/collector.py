"""Running Python's cyclic garbage collector less often while ingest allocates millions of objects.

Ingest builds short-lived, acyclic objects by the million (rows, record tuples, property dicts)
and keeps tens of thousands alive at a time (a batch, a spooled chunk). With the default
threshold the cyclic collector runs every 700 net allocations and keeps rescanning the live
ones: on the medium preset that cost about 6 of the client's 16 CPU seconds, which matters
because the client's one core (the GIL) is what bounds ingest. Reference counting frees
everything acyclic at once either way. Disabling the collector saved the same CPU but let the
few cycles (driver internals, exceptions with tracebacks) pile up within a large delivery
(peak RSS on the large preset 1.57 GB instead of 0.49 GB); a young-generation threshold of
50,000 gives the same saving and still collects them. See ``docs/decisions/023-ingest-pipeline.md``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

__all__ = ["INGEST_THRESHOLDS", "collector_relaxed"]

#: Collector thresholds while ingest runs (the defaults are 700, 10, 10).
INGEST_THRESHOLDS: Final = (50_000, 20, 100)


@contextmanager
def collector_relaxed() -> Iterator[None]:
    """Collect cycles rarely inside the block; restore the thresholds and collect after it."""
    previous = gc.get_threshold()
    gc.set_threshold(*INGEST_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.collect()
