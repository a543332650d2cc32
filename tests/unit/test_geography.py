"""Geography: PC4 -> municipality -> RIEC region, on the real CBS-derived tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ConfigurationError
from graph.geography import load_geography
from graph.model import REGIONS
from graph.settings import get_settings


@pytest.fixture(scope="module")
def geography_dir() -> Path:
    return get_settings().require_geography_dir()


def test_all_municipalities_and_regions_are_present(geography_dir: Path) -> None:
    geo = load_geography(geography_dir)
    assert len(geo.municipalities) == 342
    assert {m.region for m in geo.municipalities.values()} == set(REGIONS)
    assert len(geo.pc4_areas) == 4067


@pytest.mark.parametrize(
    ("postcode", "municipality", "region"),
    [
        ("1011AB", "Amsterdam", "Amsterdam-Amstelland"),
        ("6211 CD", "Maastricht", "Limburg"),
        ("3011", "Rotterdam", "Rotterdam"),
        ("9711AA", "Groningen", "Noord"),
        ("5611AB", "Eindhoven", "Oost-Brabant"),
        ("4811AA", "Breda", "Zeeland-West-Brabant"),
    ],
)
def test_postcode_gives_municipality_and_region(
    geography_dir: Path, postcode: str, municipality: str, region: str
) -> None:
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
