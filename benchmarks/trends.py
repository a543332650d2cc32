"""``GET /trends``: how many figures are hidden, and the latency, on the configured Neo4j.

Serves :func:`api.create_app` in-process against ``--instance`` (which should hold a preset
ingested and analysed) and asks the LIEC's tables of the last two calendar years with data:
``by=region,quarter`` with no filter, per incident type ``cannabis_grow_site`` and per typology
``cannabis``, and the flagged clusters. Prints the hidden figures (cells and totals) of each,
and the median latency of ``--repeat`` requests of the first (after one request that computes
the patterns).

    python benchmarks/trends.py --instance demo [--repeat 9] [--json out/trends.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.modules.pop("api", None)

from fastapi.testclient import TestClient  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth import LIEC, mint_token  # noqa: E402
from graph.driver import connect  # noqa: E402
from graph.settings import get_settings  # noqa: E402

TABLES: dict[str, dict[str, str]] = {
    "incidents": {},
    "grow sites": {"incident_type": "cannabis_grow_site"},
    "typology cannabis": {"typology": "cannabis"},
    "clusters": {"measure": "clusters"},
}


def _hidden(body: dict[str, Any]) -> tuple[int, int]:
    figures = [v for row in body["cells"] for v in row]
    figures += [*body["row_totals"], *body["column_totals"], body["total"]]
    return sum(v is None for v in figures), len(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default=None)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    base = get_settings()
    if args.instance:
        base = base.model_copy(update={"instance": args.instance})
    with tempfile.TemporaryDirectory() as tmp:
        settings = base.model_copy(
            update={
                "jwt_secret": SecretStr("benchmark-jwt-secret-0123456789abcdef0123"),
                "audit_key": SecretStr("benchmark-audit-key-0123456789abcdef0123"),
                "audit_log": Path(tmp) / "audit.log",
            }
        )
        with connect(settings) as driver:
            records, _, _ = driver.execute_query(
                "MATCH (i:Incident) RETURN max(i.date).year AS year",
                database_=settings.neo4j_database,
            )
        year = int(records[0]["year"])
        window = {"from": f"{year - 1}-01-01", "to": f"{year}-12-31", "by": "region,quarter"}
        token = mint_token(settings, subject="benchmark", org=LIEC, role="analyst")
        headers = {"Authorization": f"Bearer {token}"}
        out: dict[str, Any] = {"years": [year - 1, year]}
        with TestClient(create_app(settings)) as client:
            for name, params in TABLES.items():
                body = client.get("/trends", params={**window, **params}, headers=headers).json()
                hidden, figures = _hidden(body)
                out[name] = {"hidden": hidden, "figures": figures}
                print(f"{name:18} hidden {hidden:4} of {figures} figures")
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                client.get("/trends", params=window, headers=headers).raise_for_status()
                times.append(time.perf_counter() - start)
        out["median_ms"] = round(statistics.median(times) * 1000, 1)
        print(f"median latency of {args.repeat} requests: {out['median_ms']} ms")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
