"""Geography: PC4 -> municipality -> RIEC region, on the CBS-derived tables the package ships."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from graph.errors import ConfigurationError
from graph.geography import load_geography, regions_topojson
from graph.settings import PACKAGED_GEOGRAPHY_DIR, Settings, get_settings
from graph.vocabulary import REGIONS


@pytest.fixture(scope="module")
def geography_dir() -> Path:
    return get_settings().require_geography_dir()


def test_all_municipalities_and_regions_are_present(geography_dir: Path) -> None:
    geo = load_geography(geography_dir)
    assert len(geo.municipalities) == 342
    assert {m.region for m in geo.municipalities.values()} == set(REGIONS)
    assert len(geo.pc4_areas) == 4067


#: Postcodes (full, spaced, four digits) and the municipality and RIEC region they lie in.
WHERE = {
    "1011AB": ("Amsterdam", "Amsterdam-Amstelland"),
    "6211 CD": ("Maastricht", "Limburg"),
    "3011": ("Rotterdam", "Rotterdam"),
    "9711AA": ("Groningen", "Noord"),
    "5611AB": ("Eindhoven", "Oost-Brabant"),
    "4811AA": ("Breda", "Zeeland-West-Brabant"),
}


@pytest.mark.parametrize(("postcode", "expected"), WHERE.items(), ids=list(WHERE))
def test_postcode_gives_municipality_and_region(
    geography_dir: Path, postcode: str, expected: tuple[str, str]
) -> None:
    municipality, region = expected
    geo = load_geography(geography_dir)
    found = geo.municipality_of_postcode(postcode)
    assert found is not None
    assert found.name == municipality
    assert geo.region_of_postcode(postcode) == region


def test_unknown_pc4_gives_none(geography_dir: Path) -> None:
    assert load_geography(geography_dir).region_of_postcode("0000AA") is None


def test_missing_table_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"gemeente_politie_eenheid_2024\.csv"):
        load_geography(tmp_path)


def test_default_is_the_packaged_copy_and_the_variable_overrides_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KNOOPPUNT_GEOGRAPHY_DIR", raising=False)
    packaged = Settings(_env_file=None).require_geography_dir()
    assert packaged == PACKAGED_GEOGRAPHY_DIR
    assert packaged.is_relative_to(Path(__file__).resolve().parents[2] / "graph")
    assert (packaged / "README.md").read_text(encoding="utf-8").count("CC BY 4.0") >= 1
    newer = tmp_path / "cbs-2025"
    shutil.copytree(packaged, newer)
    monkeypatch.setenv("KNOOPPUNT_GEOGRAPHY_DIR", str(newer))
    assert Settings(_env_file=None).require_geography_dir() == newer


def test_an_override_that_is_no_folder_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KNOOPPUNT_GEOGRAPHY_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError, match="KNOOPPUNT_GEOGRAPHY_DIR"):
        Settings(_env_file=None).require_geography_dir()


def test_region_boundaries_cover_the_police_units_of_the_municipality_table(
    geography_dir: Path,
) -> None:
    topology = json.loads(regions_topojson(geography_dir).read_text(encoding="utf-8"))
    geometries = topology["objects"]["regionale_eenheid_2024"]["geometries"]
    codes = {g["properties"]["statcode"] for g in geometries}
    with (geography_dir / "gemeente_politie_eenheid_2024.csv").open(encoding="utf-8") as f:
        units = {row["politie_eenheid_code"] for row in csv.DictReader(f)}
    assert len(geometries) == 10
    assert codes == units == {f"RE{n:02d}" for n in range(1, 11)}


def test_missing_topojson_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="TopoJSON"):
        regions_topojson(tmp_path)
