"""The four analyst notebooks run top to bottom against a real pipeline on the tiny preset,
reading through the API (decision 078), never from Neo4j directly.

Once per module the test instance is wiped and filled through the public CLI (``knooppunt
generate --preset tiny``, ``knooppunt ingest``, ``knooppunt analyse``) and the API is served
on it (uvicorn on loopback, its own audit log); each notebook then runs in its own kernel
(nbclient) with ``KNOOPPUNT_API_URL`` and a ``KNOOPPUNT_API_TOKEN`` of the organisation it is
written for, no Neo4j settings at all, and ``KNOOPPUNT_NOTEBOOK_OUT`` at a temporary folder for
the pages it writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import neo4j
import pytest
from nbclient import NotebookClient
from pydantic import SecretStr

from api.app import create_app
from api.audit import read_entries
from api.auth import mint_token
from api.client import KnooppuntClient
from graph.errors import ExitCode
from graph.settings import Settings
from graph.vocabulary import REGIONS
from knooppunt.cli import main
from tests.integration.api_seed import AUDIT_KEY, JWT_SECRET
from tests.integration.api_support import WIDE_GATE, free_port, served_app
from tests.integration.conftest import wipe

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
TIMEOUT_S = 300


@pytest.fixture(scope="module")
def analysed_tiny(
    neo4j_driver: neo4j.Driver,
    neo4j_settings: Settings,
    test_instance: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """The test instance holding the tiny preset, ingested and analysed; returns its name."""
    if neo4j_settings.neo4j_uri is not None:
        pytest.skip("needs an empty database; NEO4J_URI points at a server tests must not wipe")
    wipe(neo4j_driver, database=neo4j_settings.neo4j_database)
    data = tmp_path_factory.mktemp("tiny")
    assert main(["generate", "--preset", "tiny", "--seed", "7", "--out", str(data)]) == ExitCode.OK
    assert main(["ingest", str(data), "--instance", test_instance]) == ExitCode.OK
    assert main(["analyse", "--instance", test_instance]) == ExitCode.OK
    return test_instance


@pytest.fixture(scope="module")
def served(
    analysed_tiny: str, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Settings]]:
    """The API served on the analysed test instance: its URL and settings."""
    settings = neo4j_settings.model_copy(
        update={
            "jwt_secret": SecretStr(JWT_SECRET),
            "audit_key": SecretStr(AUDIT_KEY),
            "audit_log": tmp_path_factory.mktemp("audit") / "api-audit.log",
            **WIDE_GATE,
        }
    )
    with served_app(create_app(settings), free_port()) as base:
        yield base, settings


def _token(settings: Settings, org: str, role: str) -> str:
    return mint_token(settings, subject=f"notebook-{org}-{role}", org=org, role=role)


#: Settings that would let a notebook reach Neo4j itself; never passed to one.
_NEO4J_ENV = ("KNOOPPUNT_INSTANCE", "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_AUTH_FILE")


def _run(name: str, api: tuple[str, Settings], out: Path, org: str, role: str) -> Any:
    notebook: Any = nbformat.read(NOTEBOOKS / name, as_version=4)  # type: ignore[no-untyped-call]
    base, settings = api
    env = {k: v for k, v in os.environ.items() if k not in _NEO4J_ENV}
    env.update(
        {
            "KNOOPPUNT_API_URL": base,
            "KNOOPPUNT_API_TOKEN": _token(settings, org, role),
            "KNOOPPUNT_NOTEBOOK_OUT": str(out),
            # a local instance no notebook may use: a direct session would fail
            "KNOOPPUNT_HOME": str(out / "no-neo4j-here"),
        }
    )
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS.parent)}},
    )
    client.execute(env=env)
    return notebook


def _text(notebook: Any) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output and "text/plain" in output.data:
                parts.append(output.data["text/plain"])
    return "\n".join(parts)


def _reads(settings: Settings, org: str) -> list[dict[str, Any]]:
    """The audit log's entries of ``org``'s notebook requests."""
    log = settings.audit_log or Path()
    return [e for e in read_entries(log) if (e.get("subject") or "").startswith(f"notebook-{org}-")]


def test_cross_region_cluster_notebook(served: tuple[str, Settings], tmp_path: Path) -> None:
    text = _text(_run("01_cross_region_cluster.ipynb", served, tmp_path, "LIEC", "coordinator"))
    assert "clusters in the alerts" in text
    pages = list(tmp_path.glob("CL-*.html"))
    assert len(pages) == 1
    assert "vis.Network" in pages[0].read_text(encoding="utf-8")
    # The reads went through the API, for the case the notebook opened, and were audited.
    graph_reads = [
        e for e in _reads(served[1], "LIEC") if e["endpoint"] == "/clusters/{cluster_id}/graph"
    ]
    assert len(graph_reads) == 1
    assert graph_reads[0]["status"] == 200
    assert graph_reads[0]["case_reference"]
    assert graph_reads[0]["result_size"] > 0


def test_national_trends_notebook(served: tuple[str, Settings], tmp_path: Path) -> None:
    notebook = _run("02_national_trends.ipynb", served, tmp_path, "LIEC", "analyst")
    images = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 4  # the plots were drawn (the rates per 100,000 among them)
    trends = [e for e in _reads(served[1], "LIEC") if e["endpoint"] == "/trends"]
    assert trends
    assert all(e["status"] == 200 for e in trends)


def _busiest_region(served: tuple[str, Settings]) -> str:
    """The RIEC with the most alerts (a Bibob check starts from its clusters)."""
    base, settings = served
    counts = {
        org: len(KnooppuntClient(base, _token(settings, org, "analyst")).alerts())
        for org in REGIONS
    }
    return max(sorted(counts), key=lambda org: counts[org])


def test_bibob_notebook(served: tuple[str, Settings], tmp_path: Path) -> None:
    org = _busiest_region(served)
    text = _text(_run("03_bibob_check.ipynb", served, tmp_path, org, "coordinator"))
    assert "Screening KvK" in text
    assert "directors/shareholders found" in text
    assert len(list(tmp_path.glob("bibob-*.html"))) == 1
    checks = [e for e in _reads(served[1], org) if e["endpoint"] == "/companies/{kvk}/network"]
    assert len(checks) == 1
    assert checks[0]["case_reference"]


def test_disruption_notebook(served: tuple[str, Settings], tmp_path: Path) -> None:
    text = _text(_run("04_disruption_whatif.ipynb", served, tmp_path, "LIEC", "coordinator"))
    assert "Verdict: the network" in text
    assert len(list(tmp_path.glob("*-without-brokers.html"))) == 1
