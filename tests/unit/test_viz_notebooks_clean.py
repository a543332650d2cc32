"""The analyst notebooks are committed clean: no outputs, no execution counts, valid format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_exist() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01_cross_region_cluster.ipynb",
        "02_national_trends.ipynb",
        "03_bibob_check.ipynb",
        "04_disruption_whatif.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook: Any = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a cell has an execution count"
    source = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    # notebooks call the packages, they hold no Cypher of their own
    for word in ("MATCH (", "MERGE (", "execute_query", "session.run"):
        assert word not in source, f"{path.name} holds Cypher ({word})"
    # and read through the API (api.client), never from Neo4j directly (decision 078)
    for word in ("graph.driver", "connect(", "connect_async", "api.store", "Store("):
        assert word not in source, f"{path.name} reads Neo4j directly ({word})"
    assert "KnooppuntClient" in source
