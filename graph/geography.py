"""Dutch geography: PC4 postcode area -> municipality -> RIEC region.

Reads the derived tables shipped in ``graph/data/nl_geography`` (CBS 2024 division, CC BY 4.0;
that folder's README gives sources, method and licence), or the folder that
``KNOOPPUNT_GEOGRAPHY_DIR`` names. A PC6 postcode's first four digits give the municipality, and
the municipality gives the RIEC region. The regions' boundaries (TopoJSON) are there for maps.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graph.errors import ConfigurationError
from graph.vocabulary import REGIONS

__all__ = [
    "PC6_PATTERN",
    "Geography",
    "Municipality",
    "Pc4Area",
    "load_geography",
    "regions_topojson",
]

#: A Dutch PC6 postcode, normalised: four digits (not starting with 0) and two capitals.
PC6_PATTERN = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")

_MUNICIPALITIES = "gemeente_politie_eenheid_2024.csv"
_PC4 = "pc4_gemeente_2024.csv"
_REGIONS_TOPOJSON = "regionale_eenheid_2024.topojson"


@dataclass(frozen=True, slots=True)
class Municipality:
    """A 2024 municipality with its province and RIEC region."""

    code: str
    name: str
    province: str
    region: str


@dataclass(frozen=True, slots=True)
class Pc4Area:
    """A four-digit postcode area, the municipality it lies in, and its inhabitants (CBS)."""

    pc4: str
    municipality: Municipality
    inhabitants: int


@dataclass(frozen=True, slots=True)
class Geography:
    """Lookup tables for the whole country."""

    municipalities: dict[str, Municipality]
    pc4_areas: dict[str, Pc4Area]

    def municipality_of_postcode(self, postcode: str) -> Municipality | None:
        """The municipality of a PC4 or PC6 postcode, or ``None`` when the PC4 is unknown."""
        area = self.pc4_areas.get(postcode.replace(" ", "")[:4])
        return area.municipality if area else None

    def region_of_postcode(self, postcode: str) -> str | None:
        """The RIEC region of a PC4 or PC6 postcode, or ``None`` when the PC4 is unknown."""
        municipality = self.municipality_of_postcode(postcode)
        return municipality.region if municipality else None

    def pc4_by_region(self) -> dict[str, list[Pc4Area]]:
        """PC4 areas grouped by RIEC region, each list sorted by postcode."""
        grouped: dict[str, list[Pc4Area]] = {region: [] for region in REGIONS}
        for area in sorted(self.pc4_areas.values(), key=lambda a: a.pc4):
            grouped[area.municipality.region].append(area)
        return grouped


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise ConfigurationError(f"{path}: geography table missing")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def load_geography(directory: Path) -> Geography:
    """Load the municipality and PC4 tables from ``directory`` (read once per process)."""
    municipalities: dict[str, Municipality] = {}
    for line, row in enumerate(_read_csv(directory / _MUNICIPALITIES), start=2):
        region = row.get("riec_region", "")
        if region not in REGIONS:
            raise ConfigurationError(
                f"{directory / _MUNICIPALITIES}: row {line}, column riec_region: "
                "not one of the ten RIEC regions"
            )
        municipalities[row["gemeentecode"]] = Municipality(
            code=row["gemeentecode"],
            name=row["gemeentenaam"],
            province=row["provincienaam"],
            region=region,
        )
    pc4_areas: dict[str, Pc4Area] = {}
    for line, row in enumerate(_read_csv(directory / _PC4), start=2):
        municipality = municipalities.get(row["gemeentecode_2024"])
        if municipality is None:
            raise ConfigurationError(
                f"{directory / _PC4}: row {line}, column gemeentecode_2024: unknown municipality"
            )
        inhabitants = row.get("inwoners_cbs") or "0"
        pc4_areas[row["pc4"]] = Pc4Area(
            pc4=row["pc4"],
            municipality=municipality,
            inhabitants=int(float(inhabitants)) if inhabitants not in ("", "NA") else 0,
        )
    return Geography(municipalities=municipalities, pc4_areas=pc4_areas)


def regions_topojson(directory: Path) -> Path:
    """The TopoJSON file of the ten police regional units (the RIEC regions) in ``directory``.

    Object ``regionale_eenheid_2024``; each geometry's ``statcode`` (RE01..RE10) is the
    ``politie_eenheid_code`` of the municipality table.
    """
    path = directory / _REGIONS_TOPOJSON
    if not path.is_file():
        raise ConfigurationError(f"{path}: regions' TopoJSON missing")
    return path
