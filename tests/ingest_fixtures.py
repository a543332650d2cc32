"""Small, hand-made partner deliveries for the ingest tests (written into a temp folder).

Tokens are real tokens from the project's pseudonymiser with its public demo key, so that the
privacy guard sees exactly what partners deliver. :func:`scenario` writes three deliveries (KvK,
tax, police) that share persons and companies, which is what provenance tests need.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.mapping import MAPPINGS_DIR, load_mappings
from ingest.pseudonymise import DEMO_KEY, pseudonymise


def person(n: int) -> str:
    """The token of synthetic person ``n`` (a valid BSN pseudonymised with the demo key)."""
    return pseudonymise("bsn", valid_bsn(n), DEMO_KEY)


def vehicle(n: int) -> str:
    return pseudonymise("plate", f"AB{n:02d}CD", DEMO_KEY)


def valid_bsn(n: int) -> str:
    """A 9-digit number passing the eleven-test, distinct for each ``n`` (0 <= n < 10**7)."""
    base = f"1{n:07d}"
    weights = (9, 8, 7, 6, 5, 4, 3, 2)
    total = sum(w * int(d) for w, d in zip(weights, base, strict=True))
    for last in range(10):
        if (total - last) % 11 == 0:
            return base + str(last)
    return valid_bsn(n + 5_000_000)


def columns(source: str) -> list[str]:
    """The header of a source's file of the first format: its ingest mapping's columns, in
    order, without those a later format version added (``added_in``)."""
    return load_mappings(MAPPINGS_DIR)[source].required_columns


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_manifest(
    directory: Path,
    *,
    partner: str,
    delivery_id: str,
    extract_date: str,
    legal_basis: str,
    files: Sequence[tuple[str, str]],
    encoding: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Write ``manifest.json`` for ``files`` (name, source) already in ``directory``."""
    entries = []
    for name, source in files:
        data = (directory / name).read_bytes()
        if name.endswith(".csv"):
            text = data.decode(encoding or "utf-8")
            rows = max(0, len([ln for ln in text.splitlines() if ln.strip()]) - 1)
        else:
            rows = extra.pop(f"rows_{name}", 0)
        entry: dict[str, Any] = {
            "name": name,
            "source": source,
            "rows": rows,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        if encoding:
            entry["encoding"] = encoding
        entries.append(entry)
    manifest = {
        "format_version": 1,
        "partner": partner,
        "delivery_id": delivery_id,
        "extract_date": extract_date,
        "legal_basis": legal_basis,
        "retain_until": None,
        "reject_threshold": 0.01,
        "region": None,
        "files": entries,
        **extra,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


#: One file of a delivery: its name, its source (mapping) and its rows.
Table = tuple[str, str, Sequence[Sequence[Any]]]


#: The legal basis each partner delivers under.
LEGAL_BASIS = {"KVK": "HRW", "BD": "AWR", "POL": "WPG"}


def write_delivery(
    root: Path, partner: str, extract_date: str, tables: Sequence[Table], *, delimiter: str = ","
) -> Path:
    """Write a delivery folder: each table under its mapping's header, then the manifest."""
    d = root / f"{partner}-{extract_date.replace('-', '')}-01"
    d.mkdir(parents=True)
    for name, source, rows in tables:
        write_csv(d / name, columns(source), rows, delimiter=delimiter)
    write_manifest(
        d,
        partner=partner,
        delivery_id=d.name,
        extract_date=extract_date,
        legal_basis=LEGAL_BASIS[partner],
        files=[(name, source) for name, source, _ in tables],
    )
    return d


def kvk_delivery(root: Path, *, extract_date: str = "2026-11-01") -> Path:
    inschrijvingen = [
        ["01234567", "Growshop De Groene Vinger", "bv", "4776", "2015-03-01", "5611AB", 12, ""],
        ["07654321", "Autobedrijf Snel", "eenmanszaak", "4511", "2019-06-15", "6211CD", 3, "A"],
        ["11112222", "Holding West", "bv", "6420", "2010-01-01", "1012AB", 1, ""],
    ]
    functionarissen: list[list[Any]] = [
        ["01234567", "bestuurder", person(1), "", "", "2015-03-01"],
        ["01234567", "aandeelhouder", "", "11112222", 100, "2015-03-01"],
        ["07654321", "bestuurder", person(2), "", "", "2019-06-15"],
    ]
    tables: list[Table] = [
        ("inschrijvingen.csv", "kvk_inschrijvingen", inschrijvingen),
        ("functionarissen.csv", "kvk_functionarissen", functionarissen),
    ]
    return write_delivery(root, "KVK", extract_date, tables)


def bd_delivery(root: Path, *, extract_date: str = "2026-11-01") -> Path:
    bedrijven = [
        ["01234567", "Growshop De Groene Vinger", "4776", "J", 15000],
        ["07654321", "Autobedrijf Snel", "4511", "N", 0],
    ]
    werknemers = [["01234567", person(3), "2020-01-01"], ["07654321", person(1), "2021-05-01"]]
    tables: list[Table] = [
        ("bedrijven.csv", "bd_bedrijven", bedrijven),
        ("loonaangifte.csv", "bd_werknemers", werknemers),
    ]
    return write_delivery(root, "BD", extract_date, tables)


def pol_delivery(root: Path, *, extract_date: str = "2026-11-01", incidents: int = 3) -> Path:
    year = extract_date[:4]
    numbers = [f"PL-{year}-{i:07d}" for i in range(incidents)]
    incidenten = [
        [
            number,
            f"{(i % 28) + 1:02d}-03-{year}",
            ("cannabis_grow_site", "energy_theft", "extortion")[i % 3],
            "5611AB" if i % 2 else "",
            12 if i % 2 else "",
            "",
        ]
        for i, number in enumerate(numbers)
    ]
    betrokkenen = [
        [number, person(i % 5), ("suspect", "victim")[i % 2]] for i, number in enumerate(numbers)
    ]
    voertuigen = [
        [number, vehicle(i % 2), person(1) if i % 2 else ""] for i, number in enumerate(numbers)
    ]
    tables: list[Table] = [
        ("incidenten.csv", "pol_incidenten", incidenten),
        ("betrokkenen.csv", "pol_betrokkenen", betrokkenen),
        ("voertuigen.csv", "pol_voertuigen", voertuigen),
    ]
    return write_delivery(root, "POL", extract_date, tables, delimiter=";")


def scenario(root: Path) -> list[Path]:
    """Three deliveries (KvK, tax, police) sharing persons and companies."""
    return [kvk_delivery(root), bd_delivery(root), pol_delivery(root)]


def rewrite_manifest_checksums(directory: Path) -> None:
    """Recompute rows and checksums after a test changed a file on purpose."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        data = (directory / entry["name"]).read_bytes()
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        if entry["name"].endswith(".csv"):
            text = data.decode(entry.get("encoding", "utf-8"), errors="replace")
            entry["rows"] = max(0, len([ln for ln in text.splitlines() if ln.strip()]) - 1)
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
