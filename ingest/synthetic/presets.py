"""Size presets of the synthetic country: ``tiny`` (unit tests), ``medium``, ``large``."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = ["PRESETS", "Preset"]


@dataclass(frozen=True, slots=True)
class Preset:
    """How big each part of the synthetic population is."""

    name: str
    #: Persons in ordinary households (care homes, flats and foreigners come on top).
    persons: int
    #: Ordinary companies (hosted, employer and network companies come on top).
    companies: int
    #: Registered-office hubs and the companies each hosts (min, max).
    hubs: int
    hub_size: tuple[int, int]
    care_homes: int
    care_home_size: tuple[int, int]
    student_flats: int
    student_flat_size: tuple[int, int]
    #: Foreign nationals known to IND/NLA/KMAR by name + date of birth only.
    foreigners: int
    #: Planted networks: OMG clubs, cross-region cannabis networks, single-region groups.
    omg_clubs: int
    cannabis: int
    single_region: int
    #: Decoys: large families (each), and the size of the big employer's workforce.
    families: int
    family_size: tuple[int, int]
    employer_size: int
    #: Ordinary police incidents per person per quarter.
    incident_rate: float = 0.008
    #: Customs trade partners per trading company (mean).
    trade_partners: float = 6.0


PRESETS: Final = MappingProxyType(
    {
        p.name: p
        for p in (
            Preset(
                name="tiny",
                persons=1_800,
                companies=120,
                hubs=2,
                hub_size=(25, 40),
                care_homes=3,
                care_home_size=(15, 30),
                student_flats=3,
                student_flat_size=(8, 16),
                foreigners=40,
                omg_clubs=2,
                cannabis=3,
                single_region=4,
                families=2,
                family_size=(14, 18),
                employer_size=40,
            ),
            Preset(
                name="medium",
                persons=36_000,
                companies=4_500,
                hubs=8,
                hub_size=(150, 450),
                care_homes=40,
                care_home_size=(40, 160),
                student_flats=60,
                student_flat_size=(10, 40),
                foreigners=1_500,
                omg_clubs=5,
                cannabis=14,
                single_region=20,
                families=6,
                family_size=(20, 40),
                employer_size=1_500,
                trade_partners=80.0,
            ),
            Preset(
                name="large",
                persons=360_000,
                companies=45_000,
                hubs=40,
                hub_size=(200, 800),
                care_homes=350,
                care_home_size=(40, 200),
                student_flats=500,
                student_flat_size=(10, 60),
                foreigners=15_000,
                omg_clubs=12,
                cannabis=60,
                single_region=90,
                families=20,
                family_size=(20, 50),
                employer_size=8_000,
                trade_partners=80.0,
            ),
        )
    }
)
