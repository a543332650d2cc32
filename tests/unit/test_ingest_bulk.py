"""The bulk load's streaming merge: bucketed spool, fold per bucket, import files.

The integration test (``tests/integration/test_ingest_bulk.py``) proves that the import reaches
the content checksum of incremental ingest; these tests check, without a database, that the
merge does not depend on how records are bucketed or buffered, and what the files hold.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph.geography import Geography, load_geography
from graph.settings import get_settings
from ingest import bulk
from ingest.bulk import prepare_import
from ingest.delivery import check_delivery, iter_records
from ingest.errors import IngestError
from ingest.mapping import Mapping, load_mappings
from ingest.pipeline import find_deliveries
from knooppunt.cli import main
from tests.ingest_fixtures import scenario


@pytest.fixture(scope="module")
def geography() -> Geography:
    return load_geography(get_settings().require_geography_dir())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("bulk") / "tiny"
    assert main(["generate", "--preset", "tiny", "--seed", "3", "--out", str(out)]) == 0
    return find_deliveries([out])


def _contents(files: list[Path]) -> dict[str, tuple[str, list[str]]]:
    """Each file's header line and its sorted data lines (row order is not part of the import)."""
    result: dict[str, tuple[str, list[str]]] = {}
    for path in files:
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        result[path.name] = (header, sorted(rows))
    return result


def _distinct_keys(
    deliveries: list[Path], mappings: dict[str, Mapping], geography: Geography
) -> tuple[int, int]:
    nodes: set[object] = set()
    links: set[object] = set()
    for directory in deliveries:
        checked = check_delivery(directory, mappings, geography)
        try:
            for node_records, link_records in iter_records(checked):
                nodes.update((label, node_id) for label, node_id, _ in node_records)
                links.update(
                    (rel, sl, s, tl, t, props.get("kind"))
                    for rel, sl, s, tl, t, props in link_records
                )
        finally:
            checked.close()
    return len(nodes), len(links)


def test_merge_does_not_depend_on_buckets_or_buffering(
    tiny: list[Path], geography: Geography, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mappings = load_mappings()
    timings: dict[str, float] = {}
    spread = prepare_import(tiny, mappings, geography, tmp_path / "spread", timings=timings)
    assert set(timings) == {"check", "merge"}
    assert not (tmp_path / "spread" / "spool").exists()
    # One bucket and a one-record buffer: the whole graph folded at once, in record order.
    monkeypatch.setattr(bulk, "SPOOL_BUCKETS", 1)
    monkeypatch.setattr(bulk, "_SPOOL_BUFFER", 1)
    single = prepare_import(tiny, mappings, geography, tmp_path / "single")

    assert (spread.node_count, spread.link_count) == (single.node_count, single.link_count)
    assert (spread.node_count, spread.link_count) == _distinct_keys(tiny, mappings, geography)
    assert spread.deliveries == single.deliveries == len(tiny)
    assert spread.rows == single.rows > 0
    entity_files = [p for p in spread.nodes if p.name != "nodes_Delivery.csv"]
    single_files = [p for p in single.nodes if p.name != "nodes_Delivery.csv"]
    assert _contents(entity_files + spread.links) == _contents(single_files + single.links)
    data_lines = sum(len(rows) for _, rows in _contents(entity_files).values())
    assert data_lines == spread.node_count


def test_a_fact_from_two_partners_keeps_both_sources(geography: Geography, tmp_path: Path) -> None:
    deliveries = scenario(tmp_path / "in")
    files = prepare_import(deliveries, load_mappings(), geography, tmp_path / "out")
    persons = next(p for p in files.nodes if p.name == "nodes_Person.csv")
    with persons.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    column = next(name for name in rows[0] if name.startswith("partners:"))
    assert column == "partners:string[]"
    partner_sets = [set(row[column].split(";")) for row in rows]
    assert any(len(partners) >= 2 for partners in partner_sets)
    deliveries_file = next(p for p in files.nodes if p.name == "nodes_Delivery.csv")
    with deliveries_file.open(encoding="utf-8", newline="") as handle:
        delivery_rows = list(csv.DictReader(handle))
    assert len(delivery_rows) == 3
    assert {row["status:string"] for row in delivery_rows} == {"committed"}


def test_a_refused_delivery_leaves_no_spool(geography: Geography, tmp_path: Path) -> None:
    deliveries = scenario(tmp_path / "in")
    (deliveries[1] / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(IngestError, match="manifest"):
        prepare_import(deliveries, load_mappings(), geography, tmp_path / "out")
    assert not (tmp_path / "out" / "spool").exists()
