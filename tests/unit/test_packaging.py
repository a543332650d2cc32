"""The wheel carries what the product reads at run time: the Dutch geography, the partner
mappings, the page template and the built front-end assets (the Docker image installs the wheel,
not the checkout)."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.skip("uv not found: run through `make test`, which exports UV")
    return found


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [_uv(), "build", "--wheel", "--out-dir", str(out), "--quiet", str(ROOT)],
        check=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        timeout=300,
    )
    (wheel,) = out.glob("knooppunt-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_carries_the_geography_with_its_licence_note(wheel_names: set[str]) -> None:
    folder = "graph/data/nl_geography/"
    for name in (
        "README.md",
        "gemeente_politie_eenheid_2024.csv",
        "pc4_gemeente_2024.csv",
        "regionale_eenheid_2024.topojson",
    ):
        assert folder + name in wheel_names


def test_wheel_carries_the_mappings_and_the_page_template(wheel_names: set[str]) -> None:
    mappings = {f"ingest/mappings/{p.name}" for p in (ROOT / "ingest" / "mappings").glob("*.yaml")}
    assert mappings
    assert mappings <= wheel_names
    assert "graph/viz/network.html" in wheel_names
    assert "graph/cases/advice.html" in wheel_names  # the advice document's template


@pytest.mark.parametrize("folder", ["vendor", "ui"])
def test_wheel_carries_every_built_front_end_asset(wheel_names: set[str], folder: str) -> None:
    """Swagger UI and ReDoc (vendor/), the workbench's bundle (ui/)."""
    built_dir = ROOT / "api" / "static" / folder
    built = {str(p.relative_to(ROOT)) for p in built_dir.rglob("*") if p.is_file()}
    assert built, "no built assets: make test builds them (cd frontend && npm ci && npm run build)"
    assert built <= wheel_names


def test_wheel_carries_the_workbench_page_and_catalogue(wheel_names: set[str]) -> None:
    assert {"api/ui/index.html", "api/ui/messages.yaml"} <= wheel_names


def test_wheel_carries_the_application_package(wheel_names: set[str]) -> None:
    for name in ("__init__.py", "__main__.py", "cli.py", "demo.py", "py.typed"):
        assert f"knooppunt/{name}" in wheel_names
