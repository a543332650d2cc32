"""The partners' file shapes, as documented in ``docs/delivery-format.md`` ("Partner files").

One :class:`FileSpec` per source (= the ingest mapping name). This module is the generator's
single copy of those shapes; the documentation table and the ingest mappings follow it.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from graph.vocabulary import PARTNERS, REGIONS
from ingest.synthetic.files import DeliverySpec, FileSpec

__all__ = ["FILES", "GEM_BIBOB_SOURCES", "GEM_BRP_SOURCES", "NATIONAL", "deliveries", "region_code"]

_ADDR = ("postcode", "huisnummer", "toevoeging")


def _pol(name: str, source: str, *columns: str) -> FileSpec:
    return FileSpec(name, source, columns, "csv", ";", "dmy")


def _iso(name: str, source: str, *columns: str, encoding: str = "utf-8") -> FileSpec:
    return FileSpec(name, source, columns, "csv", ",", "iso", encoding)


def _xlsx(name: str, source: str, *columns: str) -> FileSpec:
    return FileSpec(name, source, columns, "xlsx")


FILES: Final[dict[str, FileSpec]] = {
    spec.source: spec
    for spec in (
        _xlsx(
            "inschrijvingen.xlsx",
            "gem_inschrijvingen",
            "persoon_token",
            "geboortejaar",
            "geslacht",
            *_ADDR,
            "gemeentecode",
            "datum_aanvang",
            "datum_einde",
        ),
        _xlsx(
            "vergunningen.xlsx",
            "gem_vergunningen",
            "zaaknummer",
            "datum_aanvraag",
            "soort_vergunning",
            "aanvrager_kvk",
            "aanvrager_token",
            *_ADDR,
            "bibob_toets",
            "besluit",
        ),
        _xlsx(
            "handhaving.xlsx",
            "gem_handhaving",
            "zaaknummer",
            "datum",
            "soort",
            *_ADDR,
            "betrokkene_token",
            "betrokkene_kvk",
        ),
        _iso(
            "omgevingsvergunningen.csv",
            "prov_vergunningen",
            "zaaknummer",
            "provincie",
            "soort",
            "datum",
            "kvk_nummer",
            *_ADDR,
            "besluit",
            "bedrag",
            encoding="cp1252",
        ),
        FileSpec(
            "zaken.parquet",
            "om_zaken",
            (
                "parketnummer",
                "verdachte_token",
                "feitcode",
                "pleegdatum",
                "beslissing",
                "beslisdatum",
            ),
            "parquet",
            arrow_types=("string", "string", "string", "date32", "string", "date32"),
        ),
        _pol(
            "incidenten.csv",
            "pol_incidenten",
            "registratienummer",
            "datum",
            "incidentsoort",
            *_ADDR,
        ),
        _pol("betrokkenen.csv", "pol_betrokkenen", "registratienummer", "persoon_token", "rol"),
        _pol(
            "voertuigen.csv",
            "pol_voertuigen",
            "registratienummer",
            "kenteken_token",
            "persoon_token",
        ),
        _pol(
            "telefoons.csv", "pol_telefoons", "registratienummer", "telefoon_token", "persoon_token"
        ),
        _pol(
            "omg_registraties.csv",
            "pol_omg",
            "persoon_token",
            "club",
            "afdeling",
            "soort_club",
            "rol",
            "datum_registratie",
        ),
        _pol(
            "onderzoeksrelaties.csv",
            "pol_relaties",
            "onderzoek",
            "persoon_token_1",
            "persoon_token_2",
            "soort",
            "datum",
        ),
        _iso(
            "bedrijven.csv",
            "bd_bedrijven",
            "kvk_nummer",
            "naam",
            "sbi_code",
            "kasintensief",
            "belastingschuld",
        ),
        _iso("loonaangifte.csv", "bd_werknemers", "kvk_nummer", "persoon_token", "datum_in_dienst"),
        _iso(
            "dienstverbanden.csv",
            "bd_dienstverbanden",
            "kvk_nummer",
            "persoon_token",
            "datum_in_dienst",
            "datum_uit_dienst",
        ),
        _iso("rekeningen.csv", "bd_rekeningen", "rekening_token", "houder_token", "houder_kvk"),
        _iso(
            "onroerend_goed.csv",
            "bd_vastgoed",
            "eigenaar_token",
            "eigenaar_kvk",
            *_ADDR,
            "aandeel_pct",
        ),
        _iso("motorrijtuigen.csv", "bd_voertuigen", "kenteken_token", "houder_token", "houder_kvk"),
        _iso(
            "toeslagen.csv",
            "tsl_huishoudens",
            "aanvraagnummer",
            "persoon_token",
            "rol",
            "soort_toeslag",
            *_ADDR,
            "rekening_token",
            "telefoon_token",
            "peildatum",
        ),
        FileSpec(
            "zendingen.csv",
            "dou_zendingen",
            ("afzender_kvk", "ontvanger_kvk", "aantal_zendingen", "eerste_datum", "laatste_datum"),
            "csv",
            ",",
            "compact",
        ),
        FileSpec(
            "inbeslagnames.csv",
            "dou_inbeslagnames",
            (
                "zaaknummer",
                "datum",
                "soort",
                "goederen",
                "persoon_token",
                "kvk_nummer",
                "kenteken_token",
            ),
            "csv",
            ",",
            "compact",
        ),
        _iso(
            "onderzoeken.csv",
            "fiod_onderzoeken",
            "onderzoeksnummer",
            "soort",
            "startdatum",
            "persoon_token",
            "kvk_nummer",
            "rol",
        ),
        _iso(
            "inspecties.csv",
            "nla_inspecties",
            "inspectienummer",
            "datum",
            "soort",
            "kvk_nummer",
            *_ADDR,
        ),
        _iso("aangetroffen.csv", "nla_aangetroffen", "inspectienummer", "persoon_token", "rol"),
        _pol(
            "incidenten.csv",
            "kmar_incidenten",
            "registratienummer",
            "datum",
            "soort",
            "locatie",
            "persoon_token",
            "rol",
            "kenteken_token",
        ),
        _iso(
            "verblijfsvergunningen.csv",
            "ind_vergunningen",
            "vergunningnummer",
            "soort",
            "ingangsdatum",
            "vreemdeling_token",
            "referent_token",
            "referent_kvk",
        ),
        _iso(
            "inschrijvingen.csv",
            "kvk_inschrijvingen",
            "kvk_nummer",
            "handelsnaam",
            "rechtsvorm",
            "sbi_code",
            "datum_oprichting",
            *_ADDR,
        ),
        _iso("vestigingen.csv", "kvk_vestigingen", "vestigingsnummer", "kvk_nummer", *_ADDR),
        _iso(
            "functionarissen.csv",
            "kvk_functionarissen",
            "kvk_nummer",
            "functie",
            "persoon_token",
            "functionaris_kvk",
            "aandeel_pct",
            "datum_aanvang",
        ),
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
