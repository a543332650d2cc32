"""The four analyst notebooks run top to bottom against a real pipeline on the tiny preset.

Once per module the test instance is wiped and filled through the public CLI (``knooppunt
generate --preset tiny``, ``knooppunt ingest``, ``knooppunt analyse``); each notebook then runs
in its own kernel (nbclient) with ``KNOOPPUNT_INSTANCE`` pointing at the test instance and
``KNOOPPUNT_NOTEBOOK_OUT`` at a temporary folder for the pages it writes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
import neo4j
import pytest
from nbclient import NotebookClient

from graph.errors import ExitCode
from graph.settings import Settings
from knooppunt.cli import main
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


def _run(name: str, instance: str, out: Path) -> Any:
    notebook: Any = nbformat.read(NOTEBOOKS / name, as_version=4)  # type: ignore[no-untyped-call]
    env = {
        **os.environ,
        "KNOOPPUNT_INSTANCE": instance,
        "KNOOPPUNT_NOTEBOOK_OUT": str(out),
    }
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


def test_cross_region_cluster_notebook(analysed_tiny: str, tmp_path: Path) -> None:
    text = _text(_run("01_cross_region_cluster.ipynb", analysed_tiny, tmp_path))
    assert "active clusters" in text
    pages = list(tmp_path.glob("CL-*.html"))
    assert len(pages) == 1
    assert "vis.Network" in pages[0].read_text(encoding="utf-8")


def test_national_trends_notebook(analysed_tiny: str, tmp_path: Path) -> None:
    notebook = _run("02_national_trends.ipynb", analysed_tiny, tmp_path)
    images = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 3  # the plots were drawn


def test_bibob_notebook(analysed_tiny: str, tmp_path: Path) -> None:
    text = _text(_run("03_bibob_check.ipynb", analysed_tiny, tmp_path))
    assert "Screening KvK" in text
    assert "directors/shareholders found" in text
    assert len(list(tmp_path.glob("bibob-*.html"))) == 1


def test_disruption_notebook(analysed_tiny: str, tmp_path: Path) -> None:
    text = _text(_run("04_disruption_whatif.ipynb", analysed_tiny, tmp_path))
    assert "Verdict: the network" in text
    assert len(list(tmp_path.glob("*-without-brokers.html"))) == 1
