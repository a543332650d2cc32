"""The shared vocabulary: partners, legal bases, incident types, involvement roles, token
kinds (and the token pattern derived from them), regions and cluster typologies.

Every layer (generator, ingest, analysis, API, notebooks) reads these lists from here, the core.
``docs/delivery-format.md`` documents the same lists for partners; this module is the one copy
the code reads. Changing a code here is an interface change for every partner's deliveries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "INCIDENT_TYPES",
    "INVOLVEMENT_ROLES",
    "LEGAL_BASES",
    "PARTNERS",
    "REGIONS",
    "TOKEN_KINDS",
    "TOKEN_PATTERN",
    "TYPOLOGIES",
    "LegalBasis",
    "Partner",
]


@dataclass(frozen=True, slots=True)
class Partner:
    """A covenant partner (or the public company register) that delivers data."""

    code: str
    name: str
    default_legal_basis: str


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """A legal basis for sharing, with the retention period it allows (illustrative)."""

    code: str
    description: str
    retention_years: int


PARTNERS: Final = MappingProxyType(
    {
        p.code: p
        for p in (
            Partner("GEM", "Gemeente (municipality)", "GEM-BRP"),
            Partner("PROV", "Provincie (province)", "OMGW"),
            Partner("OM", "Openbaar Ministerie (Public Prosecution Service)", "WJSG"),
            Partner("POL", "Nationale Politie (National Police)", "WPG"),
            Partner("BD", "Belastingdienst (Tax Administration)", "AWR"),
            Partner("TSL", "Belastingdienst/Toeslagen (Benefits service)", "AWIR"),
            Partner("DOU", "Douane (Customs)", "DW"),
            Partner("FIOD", "FIOD (fiscal investigation service)", "WJSG"),
            Partner("NLA", "Nederlandse Arbeidsinspectie (Labour Inspectorate)", "WAV"),
            Partner("KMAR", "Koninklijke Marechaussee (Royal Marechaussee)", "WPG"),
            Partner("IND", "Immigratie- en Naturalisatiedienst (Immigration service)", "VW"),
            Partner("KVK", "Kamer van Koophandel (public company register)", "HRW"),
        )
    }
)

LEGAL_BASES: Final = MappingProxyType(
    {
        b.code: b
        for b in (
            LegalBasis("WPG", "Wet politiegegevens, art. 20 (police data, covenant)", 5),
            LegalBasis("WJSG", "Wet justitiele en strafvorderlijke gegevens, art. 39f", 5),
            LegalBasis("AWR", "Algemene wet inzake rijksbelastingen, art. 43c", 7),
            LegalBasis("AWIR", "Algemene wet inkomensafhankelijke regelingen, art. 39", 7),
            LegalBasis("DW", "Douanewet, art. 1:33", 5),
            LegalBasis("WAV", "Wet arbeid vreemdelingen / Arbowet, art. 24", 5),
            LegalBasis("VW", "Vreemdelingenwet 2000, art. 107", 5),
            LegalBasis("GEM-BRP", "Wet BRP, art. 3.8 (municipal population register)", 5),
            LegalBasis("BIBOB", "Wet Bibob, art. 28 (integrity screening)", 5),
            LegalBasis("OMGW", "Omgevingswet (environmental permits, subsidies)", 5),
            LegalBasis("HRW", "Handelsregisterwet 2007 (public register)", 10),
        )
    }
)

#: Incident and registration types (police, KMar, customs, inspectorate, municipal enforcement).
INCIDENT_TYPES: Final = frozenset(
    {
        "cannabis_grow_site",
        "energy_theft",
        "extortion",
        "violence",
        "weapons",
        "drugs",
        "money_laundering_signal",
        "premises_closure",
        "illegal_occupancy",
        "identity_fraud",
        "border_incident",
        "seizure",
        "labour_exploitation",
        "theft",
        "burglary",
        "traffic",
        "public_order",
        "fraud",
    }
)

#: Role of a person or company in an incident or investigation.
INVOLVEMENT_ROLES: Final = frozenset({"suspect", "victim", "witness", "involved"})

#: Token kinds and their visible prefixes (the pseudonymiser's output format).
TOKEN_KINDS: Final = MappingProxyType(
    {
        "person": "PRS",
        "vehicle": "VEH",
        "phone": "TEL",
        "bank_account": "IBN",
        "email": "EML",
    }
)

#: A well-formed token: a kind prefix, a dash, 26 characters of RFC 4648 base32 (128 bits).
TOKEN_PATTERN: Final = re.compile(
    "^(" + "|".join(re.escape(prefix) for prefix in TOKEN_KINDS.values()) + ")-[A-Z2-7]{26}$"
)

#: The RIECs' own region names, in the order of the police units RE01..RE10.
REGIONS: tuple[str, ...] = (
    "Noord",
    "Oost-Nederland",
    "Midden-Nederland",
    "Noord-Holland",
    "Amsterdam-Amstelland",
    "Den Haag",
    "Rotterdam",
    "Zeeland-West-Brabant",
    "Oost-Brabant",
    "Limburg",
)

#: Cluster typologies, shared by the ground truth, the analysis and the API.
TYPOLOGIES: tuple[str, ...] = ("omg", "cannabis", "other")
