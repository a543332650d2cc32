"""``GET /cases/{reference}/advice``: the advice document of the top cross-region alert's case,
its size and latency (HTML and DOCX), on the configured Neo4j.

Serves :func:`api.create_app` in-process against ``--instance`` (which should hold a preset
ingested and analysed). **Writes to that instance**: the coordinator of the first region of the
LIEC's top alert without a case opens a case from it (when every alert has one, the top
alert's case is used), adds two of
its own members as subjects, moves it to ``advice`` and adds three partners' interventions.
Then it asks the advice ``--repeat`` times as HTML and as DOCX and prints the median and the
largest latency, the size, and how many nodes and links the picture holds; ``--out`` keeps
both documents (for a screenshot of the page).

    python benchmarks/advice.py --instance demo [--repeat 9] [--json out/advice.json] \
        [--out out/advice] [--case LIEC-2026-0001 --org LIEC [--prepare]]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.modules.pop("api", None)

from fastapi.testclient import TestClient  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth import LIEC, mint_token  # noqa: E402
from graph.cases.advice import DOCX_MEDIA_TYPE  # noqa: E402
from graph.settings import get_settings  # noqa: E402

_STATES = ["signal", "intake", "analysis", "advice"]
_PLAN = [
    ("GEM", "administrative", "closure_opium_act"),
    ("POL", "criminal", "arrest"),
    ("BD", "fiscal", "tax_assessment"),
]


def _headers(settings: Any, org: str, role: str = "coordinator") -> dict[str, str]:
    token = mint_token(settings, subject=f"bench-{org}", org=org, role=role)
    return {"Authorization": f"Bearer {token}"}


def _ok(response: Any, status: int = 200) -> Any:
    if response.status_code != status:
        raise SystemExit(f"{response.request.method} {response.request.url.path}: {response.text}")
    return response.json()


def _case(client: TestClient, settings: Any) -> tuple[str, dict[str, str]]:
    """The top alert's case, at ``advice`` with three partners' interventions."""
    alerts = _ok(client.get("/alerts", params={"limit": 50}, headers=_headers(settings, LIEC)))
    if not alerts["items"]:
        raise SystemExit("no alert: ingest and analyse a preset first")
    # the top alert without a case (an earlier run's case may be closed by now)
    free = [a for a in alerts["items"] if not a.get("case_reference")]
    alert = free[0] if free else alerts["items"][0]
    lead = alert["regions"][0]
    h = _headers(settings, lead)
    if alert.get("case_reference"):
        return str(alert["case_reference"]), h
    body = {
        "title": f"Benchmark {alert['cluster_id']}",
        "phenomenon": "other",
        "purpose": "Benchmark of the integrated enforcement advice document",
        "legal_basis": "WPG",
        "alert_id": alert["id"],
    }
    ref = str(_ok(client.post("/cases", json=body, headers=h), 201)["reference"])
    _prepare(client, ref, str(alert["cluster_id"]), h)
    return ref, h


def _prepare(client: TestClient, ref: str, cluster_id: str, h: dict[str, str]) -> None:
    """Two of the cluster's people as the case's subjects, the case moved on to ``advice``
    (from the state it is in), and three partners' interventions."""
    cluster = _ok(client.get(f"/clusters/{cluster_id}", headers={**h, "X-Case-Reference": ref}))
    people = [m["id"] for m in cluster["members"] if m["kind"] == "person"][:2]
    if people:
        _ok(client.post(f"/cases/{ref}/subjects", json={"subjects": people}, headers=h))
    status = _ok(client.get(f"/cases/{ref}", headers=h))["status"]
    later = _STATES[_STATES.index(status) :] if status in _STATES else []
    for here, there in itertools.pairwise(later):
        change = {"status": there, "expected": here}
        _ok(client.post(f"/cases/{ref}/status", json=change, headers=h))
    for partner, kind, measure in _PLAN if people else []:
        item = {
            "partner": partner,
            "kind": kind,
            "measure": measure,
            "targets": people,
            "date": date.today().isoformat(),
        }
        _ok(client.post(f"/cases/{ref}/interventions", json=item, headers=h), 201)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default=None)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="folder for the two documents")
    parser.add_argument("--case", default=None, help="an existing case's reference instead")
    parser.add_argument("--org", default=LIEC, help="with --case: a participating organisation")
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="with --case: add subjects, move it to advice and add three partners' "
        "interventions first (as for a case the script opens)",
    )
    args = parser.parse_args()
    base = get_settings()
    if args.instance:
        base = base.model_copy(update={"instance": args.instance})
    out: dict[str, Any] = {"instance": base.instance, "repeat": args.repeat}
    with tempfile.TemporaryDirectory() as tmp:
        settings = base.model_copy(
            update={
                "jwt_secret": SecretStr("benchmark-secret-long-enough-for-hs256-0000"),
                "audit_key": SecretStr("benchmark-audit-key-long-enough-000000000000"),
                # a new chain each run (its id is the file name; Neo4j keeps its checkpoint)
                "audit_log": Path(tmp) / f"advice-bench-{time.time_ns()}.log",
            }
        )
        with TestClient(create_app(settings)) as client:
            if args.case:
                ref, h = args.case, _headers(settings, args.org)
                if args.prepare:
                    case = _ok(client.get(f"/cases/{ref}", headers=h))
                    _prepare(client, ref, str(case["cluster_ids"][0]), h)
            else:
                ref, h = _case(client, settings)
            out["case"] = ref
            for name, accept in (("html", "text/html"), ("docx", DOCX_MEDIA_TYPE)):
                url = f"/cases/{ref}/advice"
                timings = []
                body = b""
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    response = client.get(url, headers={**h, "Accept": accept})
                    timings.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise SystemExit(f"advice {name}: {response.text}")
                    body = response.content
                out[name] = {
                    "p50_ms": round(statistics.median(timings) * 1000, 1),
                    "max_ms": round(max(timings) * 1000, 1),
                    "bytes": len(body),
                }
                if name == "html":
                    text = body.decode("utf-8")
                    out[name]["nodes"] = text.count('class="node"')
                    out[name]["links"] = text.count('class="link"')
                    out[name]["interventions"] = text.count('class="intervention"')
                if args.out:
                    args.out.mkdir(parents=True, exist_ok=True)
                    (args.out / f"advice-{ref}.{name}").write_bytes(body)
                print(f"{name}: {out[name]}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
