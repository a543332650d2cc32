"""Latency of person-level reads bound to a case (p50, p99 over N requests each), in-process
against the analysed graph of the instance named by ``KNOOPPUNT_INSTANCE``.

The LIEC's coordinator opens (or finds) the case of the top cross-region alert; its analyst
then reads the cluster's graph and walks from its members (depth 1 and 2) with the case's
reference. Each kind is measured with the scope cached (the usual case) and, with ``--cold``,
with the scope read afresh on every request. Prints the figures and writes JSON with
``--json``. Run it on an older checkout (``PYTHONPATH=<checkout>``) for the figures before
purpose binding: there the reference is only pattern-checked.

    KNOOPPUNT_INSTANCE=NAME python -m benchmarks.case_scope --n 100 [--cold] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import mint_token
from graph.settings import Settings, get_settings


def _quantiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 2), "p99_ms": round(cuts[98] * 1000, 2)}


def _headers(settings: Settings, role: str, case: str | None = None) -> dict[str, str]:
    token = mint_token(settings, subject=f"bench-{role}", org="LIEC", role=role)
    headers = {"Authorization": f"Bearer {token}"}
    if case is not None:
        headers["X-Case-Reference"] = case
    return headers


def _case(client: TestClient, settings: Settings, alert: dict[str, Any]) -> str:
    body = {
        "title": f"Benchmark {alert['cluster_id']}",
        "phenomenon": "other",
        "purpose": "Latency measurement of purpose-bound reads",
        "legal_basis": "WPG",
        "alert_id": alert["id"],
    }
    r = client.post("/cases", json=body, headers=_headers(settings, "coordinator"))
    if r.status_code == 409 and r.json().get("case_reference"):
        return str(r.json()["case_reference"])
    r.raise_for_status()
    return str(r.json()["reference"])


def _timed(
    client: TestClient, urls: list[str], headers: dict[str, str], cold: Callable[[], None] | None
) -> tuple[list[float], list[int]]:
    times: list[float] = []
    errors: list[int] = []
    for url in urls:
        if cold is not None:
            cold()
        started = time.perf_counter()
        r = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
        if r.status_code != 200:
            errors.append(r.status_code)
    return times, errors


def main() -> None:
    """Measure and print; exit 1 when any request failed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--cold", action="store_true", help="also: the scope read per request")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    settings = get_settings().model_copy(
        update={
            "jwt_secret": SecretStr("benchmark-secret-long-enough-for-hs256-0000"),
            "audit_log": Path(tempfile.mkdtemp()) / "audit.log",
            "api_request_deadline_s": 60.0,
            "neo4j_query_timeout_s": 50.0,
        }
    )
    report: dict[str, Any] = {"n": args.n, "errors": {}}
    with TestClient(create_app(settings)) as client:
        liec = _headers(settings, "analyst")
        alerts = client.get("/alerts", params={"limit": 100}, headers=liec).json()["items"]
        alert = max(alerts, key=lambda a: float(a.get("score") or 0))
        reference = _case(client, settings, alert)
        headers = _headers(settings, "analyst", reference)
        cluster = alert["cluster_id"]
        detail = client.get(f"/clusters/{cluster}", headers=headers).json()
        people = [m["id"] for m in detail["members"] if m["id"].startswith("PRS-")]
        if not people:
            raise SystemExit("the top alert's cluster shows no people with the case's reference")
        urls = {
            "cluster_graph": [f"/clusters/{cluster}/graph"] * args.n,
            "network_depth1": [
                f"/subjects/{people[i % len(people)]}/network?depth=1" for i in range(args.n)
            ],
            "network_depth2": [
                f"/subjects/{people[i % len(people)]}/network?depth=2" for i in range(args.n)
            ],
        }
        scopes = getattr(client.app.state, "scopes", None)  # type: ignore[attr-defined]
        modes: dict[str, Callable[[], None] | None] = {"cached": None}
        if args.cold and scopes is not None:
            modes["cold"] = lambda: scopes._entries.clear()
        report |= {"reference": reference, "cluster": cluster, "members_shown": len(people)}
        report["binding"] = scopes is not None
        for kind, kind_urls in urls.items():
            client.get(kind_urls[0], headers=headers)  # warm up: plans, page cache, scope
            for mode, cold in modes.items():
                times, errors = _timed(client, kind_urls, headers, cold)
                key = f"{kind}_{mode}"
                report[key] = _quantiles(times)
                if errors:
                    report["errors"][key] = errors
                figures = report[key]
                print(
                    f"{key:<24} n={len(times)}  p50 {figures['p50_ms']:7.1f} ms  "
                    f"p99 {figures['p99_ms']:7.1f} ms  errors {len(errors)}"
                )
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))
    if report["errors"]:
        print(f"errors: {report['errors']}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
