"""Screenshots of every workbench screen from a running API (``make demo``), and the time to open
the largest demo cluster's workspace, in headless Debian Chromium.

Signs in with one-time links (``knooppunt token --login``: the API's own session key, so run it
with the API's settings), as a LIEC analyst and as a coordinator of the largest cluster's first
region; opens a case on the largest cluster's alert where none is open (as the LIEC coordinator
would, through the API); then visits the inbox, that cluster's workspace (``--rounds`` times,
each a new page load, timed from navigation to the screen's ready flag), the case, a subject
check of the cluster's first key player, and the trends dashboard::

    make demo
    python -m benchmarks.workbench_screens --url http://127.0.0.1:8000 --out artifacts/demo-screens

Prints the figures and writes ``screens.json`` beside the PNGs; every error seen is listed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from api.auth import mint_token
from api.session import login_link
from graph.settings import get_settings
from tests.browser.chromium import open_chromium

_READY = (
    "return !!(window.knooppuntUI && window.knooppuntUI.ready && !window.knooppuntUI.state.busy)"
)


def _wait_ready(driver: Any, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not driver.execute_script(_READY):
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not become ready")
        time.sleep(0.05)
    raw = driver.execute_script("return JSON.stringify(window.knooppuntUI)")
    state: dict[str, Any] = json.loads(raw)
    return state


def _api(url: str, token: str, path: str, case: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if case is not None:
        headers["X-Case-Reference"] = case
    answer = httpx.get(url + path, params=params, headers=headers, timeout=60)
    answer.raise_for_status()
    return answer.json()


def _largest_alert(url: str, token: str) -> dict[str, Any]:
    alerts = _api(url, token, "/alerts", limit=200)["items"]
    sized = []
    for alert in alerts:
        cluster = _api(url, token, f"/clusters/{alert['cluster_id']}")
        sized.append((int(cluster.get("size") or 0), alert, cluster))
    size, alert, cluster = max(sized, key=lambda s: s[0])
    return {**alert, "size": size, "regions": cluster.get("regions") or []}


def _case_for(url: str, settings: Any, alert: dict[str, Any]) -> str:
    token = mint_token(settings, subject="demo-liec-coordinator", org="LIEC", role="coordinator")
    body = {
        "title": f"Werkbank-demo {alert['cluster_id']}",
        "phenomenon": str(alert.get("typology") or "other"),
        "purpose": "Demo: screenshots of the workbench on the largest demo cluster",
        "legal_basis": "WPG",
        "alert_id": alert["id"],
    }
    answer = httpx.post(
        url + "/cases", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    found = answer.json()
    if answer.status_code == 409 and found.get("case_reference"):
        return str(found["case_reference"])
    answer.raise_for_status()
    return str(found["reference"])


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Visit the screens; the figures as a JSON-ready dict."""
    settings = get_settings()
    errors: list[str] = []
    args.out.mkdir(parents=True, exist_ok=True)
    reader = mint_token(settings, subject="demo-liec", org="LIEC", role="analyst")
    alert = _largest_alert(args.url, reader)
    case = _case_for(args.url, settings, alert)
    cluster = alert["cluster_id"]
    shots: dict[str, str] = {}
    opens: list[dict[str, Any]] = []
    with open_chromium() as driver:

        def shot(name: str) -> dict[str, Any]:
            state = _wait_ready(driver)
            path = args.out / f"{name}.png"
            driver.save_screenshot(str(path))
            shots[name] = str(path)
            if state.get("error"):
                errors.append(f"{name}: the screen shows an error: {state['error']}")
            return state

        def visit(route: str) -> None:
            # a new page load each time: a hash change alone would keep the last screen's flag
            driver.get(f"{args.url}/ui/messages.json")
            driver.get(f"{args.url}/ui/#/{route}")

        region = str((alert.get("regions") or ["Limburg"])[0])
        driver.get(
            login_link(
                settings,
                args.url,
                subject="demo-region",
                org=region,
                role="coordinator",
                next_path="/ui/#/inbox",
            )
        )
        shot(f"inbox-{region}")
        driver.get(
            login_link(
                settings,
                args.url,
                subject="demo-liec",
                org="LIEC",
                role="analyst",
                next_path="/ui/#/inbox",
            )
        )
        shot("inbox-liec")
        route = f"{args.url}/ui/#/cluster/{cluster}?case={case}"
        for k in range(args.rounds):
            driver.get(f"{args.url}/ui/messages.json")  # a new page load each round
            started = time.perf_counter()
            driver.get(route)
            state = _wait_ready(driver)
            seconds = time.perf_counter() - started
            timing = state.get("state", {}).get("timing", {})
            opens.append(
                {
                    "seconds": round(seconds, 3),
                    "fetch_ms": timing.get("fetchMs"),
                    "draw_ms": timing.get("drawMs"),
                    "nodes": state.get("state", {}).get("totalNodes"),
                    "links": state.get("state", {}).get("totalLinks"),
                }
            )
            if k == 0:
                shot("cluster-workspace")
        detail = _api(args.url, reader, f"/clusters/{cluster}", case=case)
        players = [p["id"] for p in detail.get("key_players") or [] if p.get("kind") == "person"]
        players += [m["id"] for m in detail.get("members") or [] if m.get("kind") == "person"]
        visit(f"case/{case}")
        shot("case-workspace")
        if players:
            visit(f"check?token={players[0]}&case={case}")
            shot("subject-check")
        else:
            errors.append("no person among the key players: no subject check shot")
        visit("trends")
        shot("trends")
    open_times = [float(o["seconds"]) for o in opens]
    return {
        "url": args.url,
        "cluster": cluster,
        "cluster_size": alert["size"],
        "case": case,
        "open_seconds_median": round(statistics.median(open_times), 3) if open_times else None,
        "open_seconds": open_times,
        "opens": opens,
        "screenshots": shots,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("artifacts/demo-screens"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = run(args)
    (args.out / "screens.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"cluster {result['cluster']} ({result['cluster_size']} members), case {result['case']}: "
        f"workspace open median {result['open_seconds_median']} s over {len(result['opens'])} "
        f"rounds; {result['opens'][0] if result['opens'] else ''}"
    )
    for name, path in result["screenshots"].items():
        print(f"  {name}: {path}")
    for error in result["errors"]:
        print(f"  error: {error}", file=sys.stderr)


if __name__ == "__main__":
    main()
