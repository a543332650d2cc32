"""``make demo``: the main job end to end, from partner deliveries to alerts and network pages.

Runs the real CLI for every step (so the demo shows exactly what an operator would type), times
each step, and ends by printing where to look. The API keeps running in the background until
``make demo-stop``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.table import Table

from api.readiness import wait_until_ready
from graph.settings import get_settings

__all__ = ["app", "main", "run_demo"]

PRESET = "medium"
SEED = 2026
HOST = "127.0.0.1"
PORT = 8000
TOP_ALERT_PAGES = 5

_console = Console(soft_wrap=True)  # URLs and commands stay whole in logs and pipes


def _knooppunt() -> str:
    found = shutil.which("knooppunt", path=str(Path(sys.executable).parent))
    return found or "knooppunt"


class _Steps:
    """Runs named steps, timing each, and stops the demo at the first failure."""

    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []

    def run(self, name: str, *args: str, capture: bool = False, shown: str | None = None) -> str:
        _console.rule(f"[bold]{name}")
        _console.print(f"$ knooppunt {shown or ' '.join(args)}", style="dim", highlight=False)
        start = time.perf_counter()
        completed = subprocess.run(
            [_knooppunt(), *args],
            check=False,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        self.timings.append((name, time.perf_counter() - start))
        if completed.returncode != 0:
            _console.print(f"[red]step '{name}' failed with exit code {completed.returncode}")
            raise SystemExit(completed.returncode)
        return completed.stdout or ""

    def timed(self, name: str, seconds: float) -> None:
        self.timings.append((name, seconds))


def _api_pid_file(home: Path) -> Path:
    return home / "demo" / "api.pid"


def _stop_api(home: Path) -> bool:
    pid_file = _api_pid_file(home)
    if not pid_file.is_file():
        return False
    with contextlib.suppress(ProcessLookupError, ValueError):
        os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    pid_file.unlink(missing_ok=True)
    return True


def _start_api(home: Path, log: Path) -> None:
    _stop_api(home)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [_knooppunt(), "serve", "--host", HOST, "--port", str(PORT)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _api_pid_file(home).write_text(str(process.pid))
    url = f"http://{HOST}:{PORT}"
    if wait_until_ready(url, timeout=60, alive=lambda: process.poll() is None, interval=0.5):
        return
    if process.poll() is not None:
        raise SystemExit(f"the API exited early; see {log}")
    raise SystemExit(f"the API did not become ready within 60 s; see {log}")


def _top_alerts(token: str) -> list[dict[str, object]]:
    response = httpx.get(
        f"http://{HOST}:{PORT}/alerts",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    response.raise_for_status()
    body = response.json()
    items = body.get("items", body) if isinstance(body, dict) else body
    ranked = sorted(items, key=lambda a: -float(a.get("score") or 0))
    top: dict[str, dict[str, object]] = {}
    for alert in ranked:
        top.setdefault(str(alert.get("cluster_id")), alert)
    return list(top.values())[:TOP_ALERT_PAGES]


def _open_demo_case(steps: _Steps, alert: dict[str, object]) -> str:
    """The LIEC's case opened from ``alert`` (through the API, as a coordinator would), or the
    case it has already (a demo run again): person-level reads are bound to a case."""
    start = time.perf_counter()
    token = steps.run(
        "mint coordinator token", "token", "--org", "LIEC", "--role", "coordinator", capture=True
    ).strip()
    body = {
        "title": f"Grensoverschrijdend netwerk {alert.get('cluster_id')}",
        "phenomenon": str(alert.get("typology") or "other"),
        "purpose": "Demo: integrated advice on the cross-region network of the top alert",
        "legal_basis": "WPG",
        "alert_id": alert.get("id"),
    }
    response = httpx.post(
        f"http://{HOST}:{PORT}/cases",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer = response.json()
    if response.status_code == 409 and answer.get("case_reference"):
        reference = str(answer["case_reference"])
    else:
        response.raise_for_status()
        reference = str(answer["reference"])
    steps.timed("open demo case", time.perf_counter() - start)
    return reference


def _load_and_analyse(steps: _Steps, deliveries: Path, *, own_neo4j: str | None) -> None:
    """Neo4j and its schema, the generated deliveries (made once), ingest and analysis."""
    if own_neo4j:
        _console.print(f"Using the configured Neo4j at {own_neo4j}")
    else:
        steps.run("start Neo4j", "db", "start")
    steps.run("initialise schema", "db", "init")
    if not (deliveries / "ground_truth.json").is_file():
        if deliveries.exists():
            shutil.rmtree(deliveries)
        steps.run(
            f"generate {PRESET} deliveries",
            "generate",
            "--preset",
            PRESET,
            "--seed",
            str(SEED),
            "--out",
            str(deliveries),
        )
    else:
        _console.print(f"Reusing generated deliveries in {deliveries}")
    delivery_dirs = sorted(str(p.parent) for p in deliveries.glob("*/manifest.json"))
    steps.run(
        f"ingest {len(delivery_dirs)} deliveries",
        "ingest",
        *delivery_dirs,
        shown=f"ingest {deliveries}/*",
    )
    steps.run("analyse", "analyse")


def _serve(steps: _Steps, home: Path, demo_dir: Path) -> str:
    """Start the API in the background and mint the demo token."""
    start = time.perf_counter()
    _start_api(home, demo_dir / "api.log")
    steps.timed("start API", time.perf_counter() - start)
    return steps.run(
        "mint demo token", "token", "--org", "LIEC", "--role", "analyst", capture=True
    ).strip()


def _write_pages(steps: _Steps, pages: Path, alerts: list[dict[str, object]]) -> list[Path]:
    """A network page for each of the clusters with the top alerts."""
    pages.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for cluster_id in (str(a.get("cluster_id")) for a in alerts):
        out = pages / f"cluster-{cluster_id}.html"
        steps.run(f"page for cluster {cluster_id}", "view", cluster_id, "--out", str(out))
        written.append(out)
    return written


def _print_timings(steps: _Steps) -> None:
    table = Table(title="make demo: wall time per step")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for name, seconds in steps.timings:
        table.add_row(name, f"{seconds:.1f}")
    table.add_row("[bold]total", f"[bold]{sum(s for _, s in steps.timings):.1f}")
    _console.print(table)


def _sign_in_links(
    steps: _Steps, alerts: list[dict[str, object]], case: tuple[str, str] | None
) -> list[tuple[str, str]]:
    """One-time sign-in links of the workbench: a coordinator of the top alert's first region
    (its alert inbox) and a LIEC analyst (the case's cluster workspace)."""
    regions = alerts[0].get("regions") if alerts else None
    region = str(regions[0]) if isinstance(regions, list) and regions else "Limburg"
    liec_page = "/ui/#/inbox"
    if case is not None:
        reference, cluster_id = case
        liec_page = f"/ui/#/cluster/{cluster_id}?case={reference}"
    wanted = [
        (f"{region} coordinator", region, "coordinator", f"demo-{region.lower()}", "/ui/#/inbox"),
        ("LIEC analyst", "LIEC", "analyst", "demo-liec", liec_page),
    ]
    links = []
    for who, org, role, subject, page in wanted:
        link = steps.run(
            f"sign-in link for {who}",
            "token",
            "--org",
            org,
            "--role",
            role,
            "--subject",
            subject,
            "--login",
            "--url",
            f"http://{HOST}:{PORT}",
            "--next",
            page,
            capture=True,
        ).strip()
        links.append((who, link))
    return links


def _print_where_to_look(
    token: str,
    written: list[Path],
    deliveries: Path,
    case: tuple[str, str] | None,
    links: list[tuple[str, str]],
) -> None:
    base = f"http://{HOST}:{PORT}"
    auth = '-H "Authorization: Bearer $TOKEN"'
    _console.rule("[bold green]Where to look")
    _console.print("Demo token (LIEC analyst), valid 8 hours:")
    _console.print(f"export TOKEN={token}", soft_wrap=True, highlight=False)
    _console.print(f"API documentation (OpenAPI):  {base}/docs", highlight=False)
    _console.print(f"Alerts:        curl {auth} {base}/alerts", highlight=False)
    if case is not None:
        reference, cluster_id = case
        _console.print(
            f"Case {reference} (LIEC, from the top alert): curl {auth} {base}/cases/{reference}",
            highlight=False,
        )
        _console.print(
            f"Cluster page:  curl {auth} -H 'X-Case-Reference: {reference}' "
            f"{base}/clusters/{cluster_id}/view > {cluster_id}.html",
            highlight=False,
        )
    _console.print("Network pages written (open them in a browser, they work offline):")
    for path in written:
        _console.print(f"  {path}", highlight=False)
    _console.print(f"Ground truth: {deliveries / 'ground_truth.json'}")
    _console.print("Stop the API with: make demo-stop   (Neo4j: knooppunt db stop)")
    _console.print(
        "The workbench, signed in (each link works once, within 15 minutes; more with "
        "knooppunt token --org ORG --role ROLE --login):"
    )
    for who, link in links:
        _console.print(f"  {who}: {link}", soft_wrap=True, highlight=False)


def run_demo() -> None:
    """Start Neo4j, generate, ingest, analyse, serve, write pages, print where to look."""
    settings = get_settings()
    demo_dir = settings.home / "demo"
    deliveries = demo_dir / f"{PRESET}-seed{SEED}"
    steps = _Steps()
    _load_and_analyse(steps, deliveries, own_neo4j=settings.neo4j_uri)
    token = _serve(steps, settings.home, demo_dir)
    alerts = _top_alerts(token)
    case = (_open_demo_case(steps, alerts[0]), str(alerts[0].get("cluster_id"))) if alerts else None
    written = _write_pages(steps, demo_dir / "pages", alerts)
    links = _sign_in_links(steps, alerts, case)
    _print_timings(steps)
    _print_where_to_look(token, written, deliveries, case, links)
    (demo_dir / "timings.json").write_text(json.dumps(dict(steps.timings), indent=2))


app = typer.Typer(
    name="make demo",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.command()
def demo(
    stop: Annotated[bool, typer.Option("--stop", help="stop the demo's API server")] = False,
) -> None:
    """Start Neo4j, generate, ingest, analyse, serve the API and write pages.

    Every step runs the real CLI; the API keeps running in the background until --stop
    (make demo-stop).
    """
    if stop:
        stopped = _stop_api(get_settings().home)
        _console.print("API stopped" if stopped else "no demo API was running")
        return
    run_demo()


def main(argv: list[str] | None = None) -> None:
    """``make demo`` (and ``make demo-stop``: ``--stop``); exits with the demo's status."""
    app(args=argv, prog_name="make demo")


if __name__ == "__main__":
    main()
