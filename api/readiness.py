"""Waiting for a served API to be ready: for whoever starts ``knooppunt serve`` and then uses it
(the demo, the benchmarks, the tests that run a real server)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

__all__ = ["wait_until_ready"]


def _always() -> bool:
    return True


def wait_until_ready(
    base_url: str,
    *,
    timeout: float,
    alive: Callable[[], bool] = _always,
    interval: float = 0.2,
) -> bool:
    """Poll ``{base_url}/ready`` until it answers 200.

    Returns True once it does, False when ``timeout`` seconds pass first or when ``alive()``
    (say, "the server process still runs") turns false; the caller tells which and says why.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    return False
