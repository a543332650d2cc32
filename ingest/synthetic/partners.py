"""The partners' file shapes, as documented in ``docs/delivery-format.md`` ("Partner files").

One :class:`FileSpec` per source (= the ingest mapping name). A file's columns are its
mapping's columns, in their order (``ingest/mappings/<source>.yaml``): only the file format
(kind, delimiter, date style, encoding) is said here.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from graph.vocabulary import PARTNERS, REGIONS
from ingest.mapping import MAPPINGS_DIR, load_mappings
from ingest.synthetic.files import DateStyle, DeliverySpec, FileSpec

__all__ = ["FILES", "GEM_BIBOB_SOURCES", "GEM_BRP_SOURCES", "NATIONAL", "deliveries", "region_code"]

#: The ingest mappings, read once for every file shape below.
_MAPPINGS: Final = load_mappings(MAPPINGS_DIR)


def _columns(source: str) -> tuple[str, ...]:
    """The columns of a source, in file order: the ingest mapping's (one list, not a copy)."""
    return tuple(_MAPPINGS[source].columns)


def _pol(name: str, source: str) -> FileSpec:
    return FileSpec(name, source, _columns(source), "csv", ";", "dmy")


def _csv(
    name: str,
    source: str,
    *,
    delimiter: str = ",",
    date_style: DateStyle = "iso",
    encoding: str = "utf-8",
) -> FileSpec:
    return FileSpec(name, source, _columns(source), "csv", delimiter, date_style, encoding)


def _xlsx(name: str, source: str) -> FileSpec:
    return FileSpec(name, source, _columns(source), "xlsx")


#: Arrow type of a Parquet column per mapping column type (everything else is a string).
_ARROW_TYPES: Final = {"date": "date32", "integer": "int64"}


def _parquet(name: str, source: str) -> FileSpec:
    columns = _MAPPINGS[source].columns
    types = tuple(_ARROW_TYPES.get(spec.type, "string") for spec in columns.values())
    return FileSpec(name, source, tuple(columns), "parquet", arrow_types=types)


FILES: Final[dict[str, FileSpec]] = {
    spec.source: spec
    for spec in (
        _xlsx("inschrijvingen.xlsx", "gem_inschrijvingen"),
        _xlsx("vergunningen.xlsx", "gem_vergunningen"),
        _xlsx("handhaving.xlsx", "gem_handhaving"),
        _csv("omgevingsvergunningen.csv", "prov_vergunningen", encoding="cp1252"),
        _parquet("zaken.parquet", "om_zaken"),
        _pol("incidenten.csv", "pol_incidenten"),
        _pol("betrokkenen.csv", "pol_betrokkenen"),
        _pol("voertuigen.csv", "pol_voertuigen"),
        _pol("telefoons.csv", "pol_telefoons"),
        _pol("omg_registraties.csv", "pol_omg"),
        _pol("onderzoeksrelaties.csv", "pol_relaties"),
        _csv("bedrijven.csv", "bd_bedrijven"),
        _csv("loonaangifte.csv", "bd_werknemers"),
        _csv("dienstverbanden.csv", "bd_dienstverbanden"),
        _csv("rekeningen.csv", "bd_rekeningen"),
        _csv("onroerend_goed.csv", "bd_vastgoed"),
        _csv("motorrijtuigen.csv", "bd_voertuigen"),
        _csv("toeslagen.csv", "tsl_huishoudens"),
        _csv("zendingen.csv", "dou_zendingen", date_style="compact"),
        _csv("inbeslagnames.csv", "dou_inbeslagnames", date_style="compact"),
        _csv("onderzoeken.csv", "fiod_onderzoeken"),
        _csv("inspecties.csv", "nla_inspecties"),
        _csv("aangetroffen.csv", "nla_aangetroffen"),
        _pol("incidenten.csv", "kmar_incidenten"),
        _csv("verblijfsvergunningen.csv", "ind_vergunningen"),
        _csv("inschrijvingen.csv", "kvk_inschrijvingen"),
        _csv("vestigingen.csv", "kvk_vestigingen"),
        _csv("functionarissen.csv", "kvk_functionarissen"),
    )
}

#: Sources of the municipalities' regional deliveries.
GEM_BRP_SOURCES: Final = ("gem_inschrijvingen",)
GEM_BIBOB_SOURCES: Final = ("gem_vergunningen", "gem_handhaving")

#: National deliveries: partner code -> its sources.
NATIONAL: Final[dict[str, tuple[str, ...]]] = {
    "PROV": ("prov_vergunningen",),
    "OM": ("om_zaken",),
    "POL": (
        "pol_incidenten",
        "pol_betrokkenen",
        "pol_voertuigen",
        "pol_telefoons",
        "pol_omg",
        "pol_relaties",
    ),
    "BD": (
        "bd_bedrijven",
        "bd_werknemers",
        "bd_dienstverbanden",
        "bd_rekeningen",
        "bd_vastgoed",
        "bd_voertuigen",
    ),
    "TSL": ("tsl_huishoudens",),
    "DOU": ("dou_zendingen", "dou_inbeslagnames"),
    "FIOD": ("fiod_onderzoeken",),
    "NLA": ("nla_inspecties", "nla_aangetroffen"),
    "KMAR": ("kmar_incidenten",),
    "IND": ("ind_vergunningen",),
    "KVK": ("kvk_inschrijvingen", "kvk_vestigingen", "kvk_functionarissen"),
}


def region_code(region: str) -> str:
    """``RE01``..``RE10``: the police unit code of a RIEC region (order of ``REGIONS``)."""
    return f"RE{REGIONS.index(region) + 1:02d}"


def deliveries(extract_date: date) -> list[DeliverySpec]:
    """Every delivery of one wave: per region two municipal ones, then one per partner."""
    stamp = extract_date.strftime("%Y%m%d")
    out: list[DeliverySpec] = []
    for region in REGIONS:
        code = region_code(region)
        out.append(
            DeliverySpec(
                "GEM",
                f"GEM-{stamp}-{code}",
                extract_date,
                "GEM-BRP",
                region,
                [FILES[s] for s in GEM_BRP_SOURCES],
            )
        )
        out.append(
            DeliverySpec(
                "GEM",
                f"GEM-{stamp}-{code}-BIBOB",
                extract_date,
                "BIBOB",
                region,
                [FILES[s] for s in GEM_BIBOB_SOURCES],
            )
        )
    for partner, sources in NATIONAL.items():
        spec = DeliverySpec(
            partner,
            f"{partner}-{stamp}-01",
            extract_date,
            PARTNERS[partner].default_legal_basis,
            None,
            [FILES[s] for s in sources],
        )
        if partner == "FIOD":
            # FIOD agreed a shorter term than its basis allows: the manifest's override.
            spec.retain_until = extract_date.replace(year=extract_date.year + 3)
        out.append(spec)
    return out
