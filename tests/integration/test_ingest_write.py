"""Ingest against a real Neo4j: provenance, idempotency, two sources, refusals, retention."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import neo4j
import pytest

from graph.settings import Settings
from ingest.errors import PrivacyRefusedError
from ingest.pipeline import ingest_paths
from ingest.queries import COUNTS
from ingest.retention import run_retention
from ingest.writer import content_checksum
from tests.ingest_fixtures import (
    Table,
    bd_delivery,
    kvk_delivery,
    person,
    pol_delivery,
    rewrite_manifest_checksums,
    scenario,
    valid_bsn,
    write_delivery,
)


def _counts(driver: neo4j.Driver, settings: Settings) -> tuple[int, int]:
    records, _, _ = driver.execute_query(COUNTS, database_=settings.neo4j_database)
    return int(records[0]["nodes"]), int(records[0]["links"])


def _one(
    driver: neo4j.Driver, settings: Settings, query: str, **params: object
) -> dict[str, object]:
    records, _, _ = driver.execute_query(query, params, database_=settings.neo4j_database)
    assert len(records) == 1
    return dict(records[0])


def _ingest(settings: Settings, instance: str, paths: list[Path], **kw: object) -> list[object]:
    return list(ingest_paths(settings, paths, instance=instance, **kw))  # type: ignore[arg-type]


def test_scenario_provenance_and_idempotency(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    deliveries = scenario(tmp_path)
    summaries = ingest_paths(neo4j_settings, deliveries, instance=test_instance)
    assert [s.status for s in summaries] == ["committed"] * 3
    counts = _counts(empty_db, neo4j_settings)
    checksum = content_checksum(empty_db, database=neo4j_settings.neo4j_database)

    # A company delivered by KvK and the tax office keeps both sources, aligned.
    company = _one(
        empty_db, neo4j_settings, "MATCH (c:Company {id: '01234567'}) RETURN properties(c) AS p"
    )["p"]
    assert isinstance(company, dict)
    assert company["src_partner"] == ["KVK", "BD"]
    assert company["src_legal_basis"] == ["HRW", "AWR"]
    assert company["src_delivery"] == ["KVK-20261101-01", "BD-20261101-01"]
    assert [d.to_native() for d in company["src_retain_until"]] == [
        date(2036, 11, 1),
        date(2033, 11, 1),
    ]
    assert company["partners"] == ["KVK", "BD"]
    assert company["retain_until"].to_native() == date(2036, 11, 1)
    assert company["cash_intensive"] is True
    assert company["name"] == "Growshop De Groene Vinger"
    labels = _one(
        empty_db, neo4j_settings, "MATCH (c:Company {id: '01234567'}) RETURN labels(c) AS l"
    )["l"]
    assert labels == ["Company", "Entity"]

    # Relationships carry provenance too; addresses get municipality and region.
    link = _one(
        empty_db,
        neo4j_settings,
        "MATCH (:Person {id: $p})-[r:DIRECTORSHIP]->(:Company {id: '01234567'}) "
        "RETURN properties(r) AS p",
        p=person(1),
    )["p"]
    assert isinstance(link, dict)
    assert link["src_partner"] == ["KVK"]
    assert link["since"].to_native() == date(2015, 3, 1)
    address = _one(
        empty_db, neo4j_settings, "MATCH (a:Address {id: '5611AB-12'}) RETURN properties(a) AS p"
    )["p"]
    assert isinstance(address, dict)
    assert address["region"] == "Oost-Brabant"
    assert address["partners"] == ["KVK", "POL"]
    delivery = _one(
        empty_db,
        neo4j_settings,
        "MATCH (d:Delivery {id: 'POL-20261101-01'}) RETURN properties(d) AS p",
    )["p"]
    assert isinstance(delivery, dict)
    assert delivery["status"] == "committed"
    assert delivery["rows"] == 9
    assert len(delivery["checksum"]) == 64

    # The same deliveries again: skipped; forced: written again by MERGE, nothing changes.
    again = ingest_paths(neo4j_settings, deliveries, instance=test_instance)
    assert [s.status for s in again] == ["skipped"] * 3
    forced = ingest_paths(neo4j_settings, deliveries, instance=test_instance, force=True)
    assert [s.status for s in forced] == ["committed"] * 3
    assert _counts(empty_db, neo4j_settings) == counts
    assert content_checksum(empty_db, database=neo4j_settings.neo4j_database) == checksum


def test_a_later_delivery_of_the_same_source_moves_last_seen(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    first = kvk_delivery(tmp_path / "a", extract_date="2026-11-01")
    second = kvk_delivery(tmp_path / "b", extract_date="2027-02-01")
    ingest_paths(neo4j_settings, [first, second], instance=test_instance)
    company = _one(
        empty_db, neo4j_settings, "MATCH (c:Company {id: '07654321'}) RETURN properties(c) AS p"
    )["p"]
    assert isinstance(company, dict)
    assert company["src_partner"] == ["KVK"]  # one source: same partner and basis
    assert company["src_delivery"] == ["KVK-20270201-01"]
    assert company["first_seen"].to_native() == date(2026, 11, 1)
    assert company["last_seen"].to_native() == date(2027, 2, 1)
    assert company["retain_until"].to_native() == date(2037, 2, 1)


def test_refused_delivery_writes_nothing(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    directory = pol_delivery(tmp_path, incidents=30)
    path = directory / "betrokkenen.csv"
    lines = path.read_text("utf-8").splitlines()
    lines[3] = lines[3].replace(lines[3].split(";")[1], valid_bsn(7))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rewrite_manifest_checksums(directory)
    with pytest.raises(PrivacyRefusedError):
        ingest_paths(neo4j_settings, [directory], instance=test_instance)
    assert _counts(empty_db, neo4j_settings) == (0, 0)


def test_pipeline_writes_in_order_and_stops_at_the_first_refusal(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    """Deliveries are checked ahead while earlier ones are written; effects stay sequential:
    the ones before a refused delivery are committed, nothing of it or after it is written."""
    db = neo4j_settings.neo4j_database
    kvk, bd, pol = scenario(tmp_path / "one")
    # Reference: each delivery in its own run, nothing checked ahead.
    for directory in (kvk, bd, pol):
        _ingest(neo4j_settings, test_instance, [directory])
    one_by_one = content_checksum(empty_db, database=db)
    empty_db.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    summaries = _ingest(neo4j_settings, test_instance, [kvk, bd, pol])
    assert len(summaries) == 3
    assert content_checksum(empty_db, database=db) == one_by_one

    empty_db.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    kvk2, bd2, _ = scenario(tmp_path / "two")
    refused = pol_delivery(tmp_path / "two-refused", incidents=30)
    path = refused / "betrokkenen.csv"  # a raw BSN, as in test_refused_delivery_writes_nothing
    lines = path.read_text("utf-8").splitlines()
    lines[3] = lines[3].replace(lines[3].split(";")[1], valid_bsn(7))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rewrite_manifest_checksums(refused)
    with pytest.raises(PrivacyRefusedError):
        _ingest(neo4j_settings, test_instance, [kvk2, refused, bd2])
    records, _, _ = empty_db.execute_query(
        "MATCH (d:Delivery) RETURN d.id AS id, d.status AS status ORDER BY id", database_=db
    )
    assert [(r["id"], r["status"]) for r in records] == [(kvk2.name, "committed")]
    partners, _, _ = empty_db.execute_query(
        "MATCH (n:Entity) UNWIND n.partners AS p RETURN collect(DISTINCT p) AS ps", database_=db
    )
    assert partners[0]["ps"] == ["KVK"]


def test_retention_removes_expired_sources_and_marks_clusters_stale(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    db = neo4j_settings.neo4j_database
    ingest_paths(neo4j_settings, scenario(tmp_path), instance=test_instance)
    # A cluster holding a police-only person, as an analysis run would have written it.
    empty_db.execute_query(
        "MATCH (p:Person {id: $p}) CREATE (p)-[:MEMBER_OF]->(c:Cluster {id: 'c1'}) "
        "CREATE (:Alert {id: 'a1'})-[:ABOUT]->(c)",
        p=person(0),
        database_=db,
    )
    nodes_before, links_before = _counts(empty_db, neo4j_settings)
    # Police (WPG) data expires 2031-11-01, tax (AWR) 2033-11-01, KvK (HRW) 2036-11-01.
    nothing = run_retention(empty_db, as_of=date(2031, 11, 1), database=db)
    assert nothing.nodes_deleted == nothing.links_deleted == nothing.nodes_trimmed == 0
    result = run_retention(empty_db, as_of=date(2032, 1, 1), database=db)
    assert result.nodes_deleted > 0
    assert result.links_deleted > 0
    assert result.nodes_trimmed > 0  # e.g. the address known to both KvK and the police
    assert result.clusters_stale == 1
    stale = _one(
        empty_db,
        neo4j_settings,
        "MATCH (a:Alert)-[:ABOUT]->(c:Cluster) RETURN c.stale AS c, a.stale AS a",
    )
    assert stale == {"c": True, "a": True}
    address = _one(
        empty_db, neo4j_settings, "MATCH (a:Address {id: '5611AB-12'}) RETURN properties(a) AS p"
    )["p"]
    assert isinstance(address, dict)
    assert address["src_partner"] == ["KVK"]
    assert address["partners"] == ["KVK"]
    records, _, _ = empty_db.execute_query(
        "MATCH (n:Entity) WHERE 'POL' IN n.partners RETURN count(n) AS n", database_=db
    )
    assert records[0]["n"] == 0
    records, _, _ = empty_db.execute_query("MATCH (i:Incident) RETURN count(i) AS n", database_=db)
    assert records[0]["n"] == 0
    nodes_after, links_after = _counts(empty_db, neo4j_settings)
    assert nodes_after < nodes_before
    assert links_after < links_before
    # Idempotent: the same date again changes nothing.
    again = run_retention(empty_db, as_of=date(2032, 1, 1), database=db)
    assert (again.nodes_deleted, again.links_deleted, again.nodes_trimmed) == (0, 0, 0)


def test_cli_json_output(
    empty_db: neo4j.Driver,
    neo4j_settings: Settings,
    test_instance: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from knooppunt.cli import main

    directory = bd_delivery(tmp_path)
    monkeypatch.setenv("KNOOPPUNT_INSTANCE", test_instance)
    from graph.settings import get_settings

    get_settings.cache_clear()
    try:
        code = main(["ingest", str(directory), "--instance", test_instance, "--json"])
    finally:
        get_settings.cache_clear()
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["deliveries"][0]["delivery_id"] == "BD-20261101-01"
    assert out["deliveries"][0]["status"] == "committed"
    assert set(out["deliveries"][0]) >= {
        "rows",
        "rejected",
        "nodes",
        "links",
        "seconds",
        "rows_per_s",
    }


def test_an_entity_named_before_its_own_row_keeps_its_properties(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    """The payroll file names the employer before the company file describes it (file order
    is the partner's): the company still gets its SBI code and tax flags."""
    werknemers = [["01234567", person(3), "2020-01-01"]]
    bedrijven = [["01234567", "Growshop De Groene Vinger", "4776", "J", 15000]]
    tables: list[Table] = [
        ("loonaangifte.csv", "bd_werknemers", werknemers),
        ("bedrijven.csv", "bd_bedrijven", bedrijven),
    ]
    delivery = write_delivery(tmp_path, "BD", "2026-11-01", tables)
    _ingest(neo4j_settings, test_instance, [delivery])
    company = _one(
        empty_db,
        neo4j_settings,
        "MATCH (c:Company {id: $id}) RETURN c.sbi AS sbi, c.cash_intensive AS cash, "
        "c.name AS name, c.src_partner AS partners",
        id="01234567",
    )
    assert company == {
        "sbi": "4776",
        "cash": True,
        "name": "Growshop De Groene Vinger",
        "partners": ["BD"],
    }
