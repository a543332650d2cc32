"""The synthetic deliveries (tiny preset): partners, manifests, tokens, regions, decoys, realism,
determinism and wave-2 changes. Generates each wave once per module."""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from graph.geography import Geography, load_geography
from graph.settings import get_settings
from graph.vocabulary import (
    INCIDENT_TYPES,
    INVOLVEMENT_ROLES,
    LEGAL_BASES,
    PARTNERS,
    REGIONS,
    TOKEN_PATTERN,
)
from ingest.delivery import check_delivery, iter_records
from ingest.errors import SyntheticDataError
from ingest.mapping import load_mappings
from ingest.pseudonymise import DEMO_KEY
from ingest.synthetic import generate
from ingest.synthetic.partners import FILES
from ingest.synthetic.truth import CROSS_REGION_MIN_MEMBERS

SEED = 11
Row = dict[str, str]


@pytest.fixture(scope="module")
def geography() -> Geography:
    return load_geography(get_settings().require_geography_dir())


@pytest.fixture(scope="module")
def wave1(tmp_path_factory: pytest.TempPathFactory, geography: Geography) -> Path:
    out = tmp_path_factory.mktemp("wave1")
    generate(preset="tiny", seed=SEED, wave=1, out=out, key=DEMO_KEY, geography=geography)
    return out


@pytest.fixture(scope="module")
def wave2(tmp_path_factory: pytest.TempPathFactory, geography: Geography) -> Path:
    out = tmp_path_factory.mktemp("wave2")
    generate(preset="tiny", seed=SEED, wave=2, out=out, key=DEMO_KEY, geography=geography)
    return out


def manifests(out: Path) -> list[tuple[Path, dict[str, Any]]]:
    return [
        (d, json.loads((d / "manifest.json").read_text(encoding="utf-8")))
        for d in sorted(out.iterdir())
        if d.is_dir()
    ]


def read_file(path: Path, source: str, encoding: str = "utf-8") -> tuple[list[str], list[Row]]:
    spec = FILES[source]
    if spec.kind == "xlsx":
        sheet = load_workbook(path, read_only=True).active
        values = list(sheet.iter_rows(values_only=True))
        header = [str(v) for v in values[0]]
        rows = []
        for raw in values[1:]:
            padded = list(raw) + [None] * (len(header) - len(raw))
            rows.append(
                {h: "" if v is None else str(v) for h, v in zip(header, padded, strict=True)}
            )
        return header, rows
    if spec.kind == "parquet":
        table = pq.read_table(path)
        return table.column_names, [
            {k: "" if v is None else str(v) for k, v in r.items()} for r in table.to_pylist()
        ]
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=spec.delimiter)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def rows_of(out: Path, source: str) -> Iterator[Row]:
    yield from _rows(out, source)


@functools.lru_cache(maxsize=128)
def _rows(out: Path, source: str) -> tuple[Row, ...]:
    found: list[Row] = []
    for directory, manifest in manifests(out):
        for f in manifest["files"]:
            if f["source"] == source:
                found += read_file(directory / f["name"], source, f["encoding"])[1]
    return tuple(found)


def truth_of(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    return data


def regions_of(out: Path, geography: Geography) -> dict[str, str]:
    """Region of every person (current registration) and company (registered office)."""
    region: dict[str, str] = {}
    for row in rows_of(out, "gem_inschrijvingen"):
        if not row["datum_einde"]:
            found = geography.region_of_postcode(row["postcode"])
            assert found is not None
            region[row["persoon_token"]] = found
    for row in rows_of(out, "kvk_inschrijvingen"):
        found = geography.region_of_postcode(row["postcode"])
        assert found is not None
        region[row["kvk_nummer"]] = found
    return region


# -- partners and manifests ----------------------------------------------------------------


def test_all_partners_and_regions_deliver(wave1: Path) -> None:
    found = manifests(wave1)
    assert {m["partner"] for _, m in found} == set(PARTNERS)
    gem = [m for _, m in found if m["partner"] == "GEM"]
    assert {m["region"] for m in gem if m["legal_basis"] == "GEM-BRP"} == set(REGIONS)
    assert {m["region"] for m in gem if m["legal_basis"] == "BIBOB"} == set(REGIONS)
    sources = {f["source"] for _, m in found for f in m["files"]}
    assert sources == set(FILES)
    for source in FILES:
        assert any(True for _ in rows_of(wave1, source)), f"{source} is empty"


def test_manifests_valid(wave1: Path) -> None:
    pattern = re.compile(r"^[A-Z]+-[0-9]{8}-[A-Za-z0-9-]+$")
    for directory, manifest in manifests(wave1):
        assert manifest["format_version"] == 1
        assert pattern.fullmatch(manifest["delivery_id"])
        assert manifest["delivery_id"] == directory.name
        assert manifest["legal_basis"] in LEGAL_BASES
        assert manifest["extract_date"] == "2026-01-01"
        expected = "2029-01-01" if manifest["partner"] == "FIOD" else None
        assert manifest["retain_until"] == expected
        for f in manifest["files"]:
            path = directory / f["name"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"]
            header, rows = read_file(path, f["source"], f["encoding"])
            assert len(rows) == f["rows"]
            assert tuple(header) == FILES[f["source"]].columns


def test_codes_and_date_formats(wave1: Path) -> None:
    for row in rows_of(wave1, "pol_incidenten"):
        assert row["incidentsoort"] in INCIDENT_TYPES
        assert re.fullmatch(r"\d{2}-\d{2}-\d{4}", row["datum"])
    for row in rows_of(wave1, "pol_betrokkenen"):
        assert row["rol"] in INVOLVEMENT_ROLES
    for row in rows_of(wave1, "bd_werknemers"):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["datum_in_dienst"])
    for row in rows_of(wave1, "bd_dienstverbanden"):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["datum_uit_dienst"])
    for row in rows_of(wave1, "dou_zendingen"):
        assert re.fullmatch(r"\d{8}", row["eerste_datum"])
    for source in ("gem_handhaving", "nla_inspecties", "kmar_incidenten", "dou_inbeslagnames"):
        for row in rows_of(wave1, source):
            assert row["soort"] in INCIDENT_TYPES
    for row in rows_of(wave1, "kvk_inschrijvingen"):
        assert re.fullmatch(r"\d{8}", row["kvk_nummer"])


# -- tokens ----------------------------------------------------------------------------------

_PREFIX = {
    "persoon": "PRS",
    "verdachte": "PRS",
    "vreemdeling": "PRS",
    "referent": "PRS",
    "eigenaar": "PRS",
    "houder": "PRS",
    "betrokkene": "PRS",
    "aanvrager": "PRS",
    "kenteken": "VEH",
    "telefoon": "TEL",
    "rekening": "IBN",
}


def test_every_token_column_holds_tokens_of_its_kind(wave1: Path) -> None:
    for source, spec in FILES.items():
        token_columns = [c for c in spec.columns if "_token" in c]
        for row in rows_of(wave1, source):
            for column in token_columns:
                value = row[column]
                if value:
                    assert TOKEN_PATTERN.fullmatch(value), (source, column)
                    assert value[:3] == _PREFIX[column.split("_")[0]], (source, column)


def test_tokens_consistent_across_partners(wave1: Path) -> None:
    registered = {r["persoon_token"] for r in rows_of(wave1, "gem_inschrijvingen")}
    police = {r["persoon_token"] for r in rows_of(wave1, "pol_betrokkenen")}
    tax = {r["persoon_token"] for r in rows_of(wave1, "bd_werknemers")}
    assert police
    assert len(police & registered) / len(police) > 0.95
    assert tax <= registered
    accounts_tax = {r["rekening_token"] for r in rows_of(wave1, "bd_rekeningen")}
    accounts_tsl = {
        r["rekening_token"] for r in rows_of(wave1, "tsl_huishoudens") if r["rekening_token"]
    }
    assert len(accounts_tsl & accounts_tax) / len(accounts_tsl) > 0.9
    plates_tax = {r["kenteken_token"] for r in rows_of(wave1, "bd_voertuigen")}
    plates_police = {r["kenteken_token"] for r in rows_of(wave1, "pol_voertuigen")}
    assert plates_police & plates_tax
    # People without a BSN (IND) are known by a name + birth-date token only.
    foreign = {r["vreemdeling_token"] for r in rows_of(wave1, "ind_vergunningen")}
    assert foreign
    assert not foreign & registered
    # Every planted person is registered and known to at least one other partner.
    other = police | tax | {r["persoon_token"] for r in rows_of(wave1, "kvk_functionarissen")}
    for row in rows_of(wave1, "pol_relaties"):
        other |= {row["persoon_token_1"], row["persoon_token_2"]}
    for net in truth_of(wave1)["networks"]:
        for member in net["members"]:
            if member["kind"] == "person":
                assert member["id"] in registered
        persons = [m["id"] for m in net["members"] if m["kind"] == "person"]
        assert sum(p in other for p in persons) / len(persons) > 0.7


# -- ground truth ---------------------------------------------------------------------------


def test_ground_truth_keys(wave1: Path) -> None:
    truth = truth_of(wave1)
    assert list(truth) == ["seed", "wave", "networks", "decoys", "changes"]
    assert truth["seed"] == SEED
    assert truth["wave"] == 1
    assert truth["changes"] == []
    for net in truth["networks"]:
        assert list(net) == ["id", "typology", "cross_region", "regions", "members", "organisers"]
        assert net["typology"] in ("omg", "cannabis", "other")
        for member in net["members"]:
            assert list(member) == ["id", "kind", "role"]
    for decoy in truth["decoys"]:
        assert list(decoy) == ["id", "kind", "members"]


def test_networks_span_the_regions_they_claim(wave1: Path, geography: Geography) -> None:
    region = regions_of(wave1, geography)
    truth = truth_of(wave1)
    typologies: Counter[tuple[str, bool]] = Counter()
    for net in truth["networks"]:
        ids = [m["id"] for m in net["members"]]
        per_region = Counter(region[i] for i in ids)
        assert [r for r in REGIONS if r in per_region] == net["regions"]
        cross = sum(n >= CROSS_REGION_MIN_MEMBERS for n in per_region.values()) >= 2
        assert cross == net["cross_region"]
        assert net["organisers"]
        assert set(net["organisers"]) <= set(ids)
        if net["typology"] == "omg" and net["cross_region"]:
            assert len(net["regions"]) >= 3
        if net["typology"] == "cannabis" and net["cross_region"]:
            assert 2 <= len(net["regions"]) <= 4
        if not net["cross_region"]:
            assert len(net["regions"]) == 1
        typologies[(net["typology"], net["cross_region"])] += 1
    assert typologies[("omg", True)] >= 1
    assert typologies[("cannabis", True)] >= 1
    assert typologies[("other", False)] >= 1
    assert sum(n for (_, cross), n in typologies.items() if not cross) >= 3


def test_cannabis_and_omg_roles_and_signals(wave1: Path) -> None:
    truth = truth_of(wave1)
    roles = {
        m["role"] for n in truth["networks"] if n["typology"] == "cannabis" for m in n["members"]
    }
    assert {
        "grower",
        "straw_tenant",
        "landlord",
        "electrician",
        "transporter",
        "grow_shop",
        "money_launderer",
        "cash_business",
        "real_estate",
        "leader",
    } <= roles
    omg_roles = {
        m["role"] for n in truth["networks"] if n["typology"] == "omg" for m in n["members"]
    }
    assert {"president", "member", "prospect", "support", "front_business"} <= omg_roles
    kinds = Counter(r["incidentsoort"] for r in rows_of(wave1, "pol_incidenten"))
    assert kinds["cannabis_grow_site"]
    assert kinds["energy_theft"]
    assert kinds["extortion"]
    clubs = {r["soort_club"] for r in rows_of(wave1, "pol_omg")}
    assert clubs == {"club", "support_club"}


def test_organisers_broker_inside_their_network(wave1: Path) -> None:
    links = nx.Graph()
    for row in rows_of(wave1, "pol_relaties"):
        links.add_edge(row["persoon_token_1"], row["persoon_token_2"])
    for net in truth_of(wave1)["networks"]:
        persons = {m["id"] for m in net["members"] if m["kind"] == "person"}
        sub = links.subgraph(persons)
        assert nx.is_connected(sub), net["id"]
        between = nx.betweenness_centrality(sub)
        top = sorted(between, key=lambda n: between[n], reverse=True)[:3]
        assert set(top) & set(net["organisers"]), net["id"]


def test_networks_denser_inside_than_around(wave1: Path) -> None:
    links = nx.Graph()
    for row in rows_of(wave1, "pol_relaties"):
        links.add_edge(row["persoon_token_1"], row["persoon_token_2"])
    members: dict[str, set[str]] = {}
    for net in truth_of(wave1)["networks"]:
        members[net["id"]] = {m["id"] for m in net["members"]}
    # Shared incidents, households and employers tie members to ordinary people as well.
    incidents: dict[str, set[str]] = defaultdict(set)
    for row in rows_of(wave1, "pol_betrokkenen"):
        incidents[row["registratienummer"]].add(row["persoon_token"])
    with_outsiders = 0
    for ids in members.values():
        inside = sum(1 for a, b in links.edges(ids) if a in ids and b in ids)
        outside = sum(1 for a, b in links.edges(ids) if not (a in ids and b in ids))
        assert inside > 5 * max(outside, 1)
        touched = {p for group in incidents.values() if group & ids for p in group} - ids
        with_outsiders += bool(touched)
    assert with_outsiders >= len(members) - 1  # (a network that went quiet may have none)


def test_decoys_present_and_ordinary(wave1: Path, geography: Geography) -> None:
    truth = truth_of(wave1)
    assert {d["kind"] for d in truth["decoys"]} == {
        "family",
        "employer",
        "care_institution",
        "registered_office",
    }
    region = regions_of(wave1, geography)
    for decoy in truth["decoys"]:
        assert all(m in region for m in decoy["members"])
        if decoy["kind"] in ("family", "employer", "care_institution"):
            assert len({region[m] for m in decoy["members"]}) >= 3, decoy["id"]
    suspects = Counter(
        r["persoon_token"] for r in rows_of(wave1, "pol_betrokkenen") if r["rol"] == "suspect"
    )
    people = [
        r["persoon_token"] for r in rows_of(wave1, "gem_inschrijvingen") if not r["datum_einde"]
    ]
    base = sum(suspects[p] for p in people) / len(people)
    decoy_people = {m for d in truth["decoys"] for m in d["members"] if m.startswith("PRS-")}
    planted = {m["id"] for n in truth["networks"] for m in n["members"] if m["kind"] == "person"}
    decoy_people -= planted
    decoy_rate = sum(suspects[p] for p in decoy_people) / len(decoy_people)
    planted_rate = sum(suspects[p] for p in planted) / len(planted)
    assert decoy_rate < 2.5 * base
    assert planted_rate > 5 * base


# -- realism ---------------------------------------------------------------------------------


def test_household_sizes_hubs_and_degree_tail(wave1: Path) -> None:
    residents: Counter[str] = Counter()
    for row in rows_of(wave1, "gem_inschrijvingen"):
        if not row["datum_einde"]:
            residents[f"{row['postcode']}-{row['huisnummer']}-{row['toevoeging']}"] += 1
    sizes = Counter(residents.values())
    households = sum(sizes.values())
    # CBS: about 38% one-person and 33% two-person households.
    assert 0.28 <= sizes[1] / households <= 0.5
    assert 0.22 <= sizes[2] / households <= 0.42
    assert max(residents.values()) >= 15  # care homes and student flats
    offices = Counter(
        f"{r['postcode']}-{r['huisnummer']}" for r in rows_of(wave1, "kvk_inschrijvingen")
    )
    assert max(offices.values()) >= 25  # registered-office hubs
    employees = Counter(r["kvk_nummer"] for r in rows_of(wave1, "bd_werknemers"))
    counts = sorted(employees.values())
    assert counts[-1] >= 10 * statistics.median(counts)  # heavy-tailed company sizes
    degree: Counter[str] = Counter()
    for source, columns in (
        ("pol_betrokkenen", ("persoon_token",)),
        ("bd_werknemers", ("persoon_token", "kvk_nummer")),
        ("bd_rekeningen", ("houder_token",)),
        ("pol_relaties", ("persoon_token_1", "persoon_token_2")),
        ("kvk_functionarissen", ("persoon_token", "kvk_nummer")),
    ):
        for row in rows_of(wave1, source):
            for column in columns:
                if row[column]:
                    degree[row[column]] += 1
    values = sorted(degree.values())
    assert values[-1] >= 15 * statistics.median(values)


def test_payroll_history(wave1: Path) -> None:
    """Ended employments since 2006: several employers over the years, more for the young,
    never overlapping the current payroll, heavy-tailed per employer."""
    current = {(r["kvk_nummer"], r["persoon_token"]) for r in rows_of(wave1, "bd_werknemers")}
    ended = list(rows_of(wave1, "bd_dienstverbanden"))
    assert len(ended) > len(current)
    born = {
        r["persoon_token"]: int(r["geboortejaar"]) for r in rows_of(wave1, "gem_inschrijvingen")
    }
    spells: Counter[str] = Counter()
    for row in ended:
        assert "2006-01-01" <= row["datum_in_dienst"] < row["datum_uit_dienst"] <= "2026-01-01"
        assert (row["kvk_nummer"], row["persoon_token"]) not in current
        assert born[row["persoon_token"]] + 15 <= int(row["datum_in_dienst"][:4])
        spells[row["persoon_token"]] += 1
    young = [spells[p] for p, year in born.items() if 1997 <= year <= 2004]
    older = [spells[p] for p, year in born.items() if 1961 <= year <= 1974]
    assert statistics.mean(young) > 1.5 * statistics.mean(older) > 0
    per_employer = sorted(Counter(r["kvk_nummer"] for r in ended).values())
    assert per_employer[-1] >= 5 * statistics.median(per_employer)


def test_registration_history(wave1: Path) -> None:
    """Adults under 40 were registered as children at their parents' homes; care-home
    residents lived elsewhere before; ended registrations end before the current one."""
    rows = list(rows_of(wave1, "gem_inschrijvingen"))
    current = {r["persoon_token"]: r for r in rows if not r["datum_einde"]}
    childhood: set[str] = set()
    for r in rows:
        if r["datum_einde"]:
            assert r["datum_aanvang"] < r["datum_einde"] <= "2026-01-01"
            assert r["datum_einde"] <= current[r["persoon_token"]]["datum_aanvang"]
            if int(r["datum_aanvang"][:4]) < int(r["geboortejaar"]) + 12:
                childhood.add(r["persoon_token"])
    adults = [p for p, r in current.items() if 1988 <= int(r["geboortejaar"]) <= 2004]
    assert sum(p in childhood for p in adults) / len(adults) > 0.6
    histories = Counter(r["persoon_token"] for r in rows)
    assert statistics.mean(histories.values()) > 3


def test_business_accounts_held_with_their_owner(wave1: Path) -> None:
    holders: dict[str, set[str]] = defaultdict(set)
    for row in rows_of(wave1, "bd_rekeningen"):
        holders[row["rekening_token"]].add("kvk" if row["houder_kvk"] else "person")
    assert sum(h == {"kvk", "person"} for h in holders.values()) >= 10


def test_stats_count_what_the_files_stand_for(tmp_path: Path, geography: Geography) -> None:
    """``--stats`` counts the nodes and links that ingest's mappings make of the rows."""
    result = generate(
        preset="tiny",
        seed=SEED,
        wave=1,
        out=tmp_path,
        key=DEMO_KEY,
        geography=geography,
        count_graph=True,
    )
    assert result.stats is not None
    mappings = load_mappings()
    nodes: dict[str, set[str]] = defaultdict(set)
    links: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for directory, _ in manifests(tmp_path):
        checked = check_delivery(directory, mappings, geography)
        try:
            for node_records, link_records in iter_records(checked):
                for label, node_id, _props in node_records:
                    nodes[label.value].add(node_id)
                for rel, _sl, source, _tl, target, _props in link_records:
                    links[rel.value].add((source, target))
        finally:
            checked.close()
    assert result.stats["nodes"] == {k: len(v) for k, v in sorted(nodes.items())}
    # Conditional links (`when` in the mapping: director or shareholder, renter) included.
    assert result.stats["links"] == {k: len(v) for k, v in sorted(links.items())}
    links_per_node = result.stats["totals"]["links"] / result.stats["totals"]["nodes"]
    assert links_per_node > 2.5


# -- determinism and waves ------------------------------------------------------------------


def _digest(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes(wave1: Path, tmp_path: Path, geography: Geography) -> None:
    generate(
        preset="tiny", seed=SEED, wave=1, out=tmp_path / "again", key=DEMO_KEY, geography=geography
    )
    assert _digest(tmp_path / "again") == _digest(wave1)
    generate(
        preset="tiny",
        seed=SEED + 1,
        wave=1,
        out=tmp_path / "other",
        key=DEMO_KEY,
        geography=geography,
    )
    assert _digest(tmp_path / "other") != _digest(wave1)


def test_bad_requests_are_refused(tmp_path: Path, geography: Geography) -> None:
    with pytest.raises(SyntheticDataError, match="unknown preset"):
        generate(preset="huge", seed=1, wave=1, out=tmp_path, key=DEMO_KEY, geography=geography)
    with pytest.raises(SyntheticDataError, match="wave"):
        generate(preset="tiny", seed=1, wave=0, out=tmp_path, key=DEMO_KEY, geography=geography)


def test_wave2_records_changes(wave1: Path, wave2: Path, geography: Geography) -> None:
    first, second = truth_of(wave1), truth_of(wave2)
    assert second["wave"] == 2
    assert {m["extract_date"] for _, m in manifests(wave2)} == {"2026-04-01"}
    kinds = Counter(c["kind"] for c in second["changes"])
    assert kinds["split"] == kinds["merged"] == kinds["dissolved"] == 1
    assert kinds["recruited"] >= 1
    assert kinds["moved"] >= 1
    for change in second["changes"]:
        assert list(change) == ["kind", "from", "to", "members", "regions"]
    before = {n["id"]: n for n in first["networks"]}
    after = {n["id"]: n for n in second["networks"]}
    for change in second["changes"]:
        if change["kind"] == "split":
            old, new = change["to"]
            assert old in before
            assert new not in before
            assert {old, new} <= set(after)
            assert set(change["members"]) <= {m["id"] for m in after[new]["members"]}
        elif change["kind"] == "merged":
            kept, gone = change["from"]
            assert kept in after
            assert gone not in after
            assert set(change["members"]) <= {m["id"] for m in after[kept]["members"]}
        elif change["kind"] == "dissolved":
            assert change["from"][0] in before
            assert change["from"][0] not in after
        elif change["kind"] == "recruited":
            net = after[change["to"][0]]
            assert set(change["members"]) <= {m["id"] for m in net["members"]}
            assert set(change["regions"]) <= set(net["regions"])
            assert not set(change["members"]) & {
                m["id"] for m in before[change["to"][0]]["members"]
            }
    # People moved: more ended registrations, and the same population (same tokens).
    ended = [r for r in rows_of(wave2, "gem_inschrijvingen") if r["datum_einde"]]
    ended1 = [r for r in rows_of(wave1, "gem_inschrijvingen") if r["datum_einde"]]
    assert len(ended) > len(ended1)
    people1 = {r["persoon_token"] for r in rows_of(wave1, "gem_inschrijvingen")}
    people2 = {r["persoon_token"] for r in rows_of(wave2, "gem_inschrijvingen")}
    assert people1 == people2
    # The incident window rolled on by one quarter: old incidents kept their ids.
    ids1 = {r["registratienummer"] for r in rows_of(wave1, "pol_incidenten")}
    ids2 = {r["registratienummer"] for r in rows_of(wave2, "pol_incidenten")}
    assert ids1 & ids2
    assert ids2 - ids1
    assert ids1 - ids2
    region = regions_of(wave2, geography)
    for net in second["networks"]:
        assert [r for r in REGIONS if r in {region[m["id"]] for m in net["members"]}] == net[
            "regions"
        ]


def test_police_relations_carry_contact_counts_dates_and_channels(wave1: Path) -> None:
    rows = list(rows_of(wave1, "pol_relaties"))
    assert rows
    channels: Counter[str] = Counter()
    counts: list[int] = []
    for row in rows:
        count = int(row["aantal"])
        assert count >= 1
        counts.append(count)
        first = datetime.strptime(row["eerste_datum"], "%d-%m-%Y").date()
        last = datetime.strptime(row["laatste_datum"], "%d-%m-%Y").date()
        assert first <= last
        assert row["datum"] == row["laatste_datum"]  # the first format's column still holds
        expected = {"called": {"call", "message"}, "met": {"meeting", "observation"}}
        assert row["kanaal"] in expected[row["soort"]]
        channels[row["kanaal"]] += 1
    # calls dominate, every channel occurs, and counts vary (a tie's strength, not a constant)
    assert channels["call"] == max(channels.values())
    assert set(channels) == {"call", "message", "meeting", "observation"}
    assert max(counts) >= 10 * min(counts)


def test_prosecutions_name_the_investigation_co_suspects_share(wave1: Path) -> None:
    cases = list(rows_of(wave1, "om_zaken"))
    assert cases
    assert all(row["onderzoek"] for row in cases)
    by_investigation: dict[str, set[str]] = defaultdict(set)
    for row in cases:
        by_investigation[row["onderzoek"]].add(row["verdachte_token"])
    # some investigations bring several suspects to court: they share the node
    assert any(len(suspects) > 1 for suspects in by_investigation.values())
    # a planted network's prosecutions name the investigation its relations came from
    relations = {row["onderzoek"] for row in rows_of(wave1, "pol_relaties")}
    assert relations & set(by_investigation)


def test_the_tax_office_knows_turnover_and_cash_share(wave1: Path) -> None:
    rows = list(rows_of(wave1, "bd_bedrijven"))
    planted = {m["id"] for net in truth_of(wave1)["networks"] for m in net["members"]}
    cash_of = {"J": [], "N": []}  # type: dict[str, list[int]]
    fronts, others = [], []
    for row in rows:
        turnover, cash = int(row["omzet"]), int(row["contant_pct"])
        assert turnover >= 0
        assert 0 <= cash <= 100
        cash_of[row["kasintensief"]].append(cash)
        (fronts if row["kvk_nummer"] in planted else others).append(cash)
    # cash-intensive businesses take far more in cash than others; fronts most of all
    assert statistics.median(cash_of["J"]) > 4 * max(1, statistics.median(cash_of["N"]))
    assert fronts
    assert statistics.median(fronts) >= 60
    assert statistics.median(others) <= 10
