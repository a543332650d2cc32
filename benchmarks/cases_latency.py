"""Latency of ``POST /cases`` and ``GET /cases/{reference}`` (p50, p99 of N requests each),
in-process against the instance named by ``KNOOPPUNT_INSTANCE`` (its data is left as it is;
the cases opened stay). Prints the figures.

    KNOOPPUNT_INSTANCE=NAME python -m benchmarks.cases_latency --n 200
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import mint_token
from graph.settings import get_settings

_NEW = {
    "title": "Benchmark case",
    "phenomenon": "cannabis",
    "purpose": "Latency measurement of the case API",
    "legal_basis": "WPG",
}


def _quantiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def main() -> None:
    """Open N cases, read each once, print p50/p99 in milliseconds."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    settings = get_settings().model_copy(
        update={
            "jwt_secret": SecretStr("benchmark-secret-long-enough-for-hs256-0000"),
            "audit_log": Path(tempfile.mkdtemp()) / "audit.log",
        }
    )
    token = mint_token(settings, subject="bench", org="Limburg", role="coordinator")
    headers = {"Authorization": f"Bearer {token}"}
    opened, read, refs = [], [], []
    with TestClient(create_app(settings)) as client:
        for _ in range(args.n):
            started = time.perf_counter()
            r = client.post("/cases", json=_NEW, headers=headers)
            opened.append(time.perf_counter() - started)
            r.raise_for_status()
            refs.append(r.json()["reference"])
        for ref in refs:
            started = time.perf_counter()
            client.get(f"/cases/{ref}", headers=headers).raise_for_status()
            read.append(time.perf_counter() - started)
    for name, values in (("POST /cases", opened), ("GET /cases/{reference}", read)):
        p50, p99 = _quantiles(values)
        print(f"{name:<24} n={len(values)}  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")


if __name__ == "__main__":
    main()
