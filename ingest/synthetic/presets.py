"""Size presets of the synthetic country: ``tiny`` (unit tests), ``medium``, ``large``.

The sizes are data, ``presets.yaml`` beside this module; :class:`Preset` says what each means.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import yaml

from ingest.errors import SyntheticDataError

__all__ = ["PRESETS", "PRESETS_FILE", "Preset", "load_presets"]


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


PRESETS_FILE: Final = Path(__file__).with_name("presets.yaml")


def _preset(name: str, spec: object) -> Preset:
    if not isinstance(spec, dict):
        raise SyntheticDataError(f"{PRESETS_FILE.name}: key '{name}': must be a mapping")
    known = {f.name for f in fields(Preset)} - {"name"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise SyntheticDataError(f"{PRESETS_FILE.name}: key '{name}.{unknown[0]}': unknown key")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()}
    try:
        return Preset(name=name, **values)
    except TypeError as e:  # a required size missing
        raise SyntheticDataError(f"{PRESETS_FILE.name}: key '{name}': {e}") from None


def load_presets(path: Path = PRESETS_FILE) -> MappingProxyType[str, Preset]:
    """The presets of a presets file (default: the generator's own ``presets.yaml``)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise SyntheticDataError(f"{path.name}: key '': must map preset names to sizes")
    return MappingProxyType({name: _preset(name, spec) for name, spec in raw.items()})


PRESETS: Final = load_presets()
