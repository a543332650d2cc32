"""Latency of a Bibob screening (``GET /bibob/requests/{id}/screening``) against its peer, the
plain network check of the same company at the same depth (``GET /companies/{kvk}/network``,
for a case that has the company as subject), p50 and p99 of N requests each, in-process
against the instance named by ``KNOOPPUNT_INSTANCE`` (its data is left as it is; the request
and the case opened stay). The screening costs its scope's reads on top of the walk: the
ratio is the figure to compare (the machine may be shared). Prints the figures; ``--json``
writes them.

    KNOOPPUNT_INSTANCE=NAME python -m benchmarks.bibob_latency --kvk 22222222 \\
        --municipality GM0935 --org Limburg --n 100 --json bibob.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import mint_token
from graph.settings import get_settings


def _quantiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def _timed(client: TestClient, path: str, headers: dict[str, str], n: int) -> list[float]:
    client.get(path, headers=headers).raise_for_status()  # warm: queries planned once
    out = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(path, headers=headers).raise_for_status()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    """Register a request for ``--kvk``, then time N screenings and N network checks."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kvk", required=True, help="the applicant's KvK number")
    parser.add_argument("--municipality", required=True, help="a CBS code in --org's region")
    parser.add_argument("--org", default="Limburg")
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()
    settings = get_settings().model_copy(
        update={
            "jwt_secret": SecretStr("benchmark-secret-long-enough-for-hs256-0000"),
            "audit_log": Path(tempfile.mkdtemp()) / "audit.log",
        }
    )
    token = mint_token(settings, subject="bench", org=args.org, role="coordinator")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as client:
        body = {"municipality_code": args.municipality, "applicant": args.kvk}
        r = client.post("/bibob/requests", json={**body, "permit_kind": "subsidy"}, headers=headers)
        r.raise_for_status()
        request_id = r.json()["id"]
        case = client.post(
            "/cases",
            json={
                "title": "Benchmark Bibob",
                "phenomenon": "other",
                "purpose": "Latency measurement of the Bibob screening",
                "legal_basis": "BIBOB",
                "bibob_request_id": request_id,
            },
            headers=headers,
        )
        case.raise_for_status()
        reference = case.json()["reference"]
        screening = _timed(
            client, f"/bibob/requests/{request_id}/screening?depth={args.depth}", headers, args.n
        )
        network = _timed(
            client,
            f"/companies/{args.kvk}/network?depth={args.depth}",
            {**headers, "X-Case-Reference": reference},
            args.n,
        )
    figures: dict[str, dict[str, float]] = {}
    for name, values in (("screening", screening), ("network", network)):
        p50, p99 = _quantiles(values)
        figures[name] = {"n": len(values), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2)}
        print(f"{name:<10} n={len(values)}  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
    ratio = figures["screening"]["p50_ms"] / figures["network"]["p50_ms"]
    print(f"screening / network p50: {ratio:.2f}")
    if args.json is not None:
        args.json.write_text(json.dumps({**figures, "p50_ratio": round(ratio, 3)}, indent=2))


if __name__ == "__main__":
    main()
